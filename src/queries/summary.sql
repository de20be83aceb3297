-- name: summary
-- summary: What the archive holds: rows per table, the span of dates, quotes verified and unchecked, documents, the most cited sources, the most frequent actors and tags, the last load
-- param: top integer default 5 | how many sources, actors and tags to list
SELECT 'rows' AS section, 'sources' AS item, count(*) AS value FROM sources
UNION ALL SELECT 'rows', 'actors', count(*) FROM actors
UNION ALL SELECT 'rows', 'events', count(*) FROM events
UNION ALL SELECT 'rows', 'figures', count(*) FROM figures
UNION ALL SELECT 'rows', 'citations', count(*) FROM citations
UNION ALL SELECT 'dates', 'earliest', min(date_start) FROM events
UNION ALL SELECT 'dates', 'latest', max(coalesce(date_end, date_start)) FROM events
UNION ALL SELECT 'dates', 'open-ended events', count(*) FROM events WHERE date_end IS NULL
UNION ALL SELECT 'quotes', 'verified against a document', count(*) FROM citations WHERE quote_document IS NOT NULL
UNION ALL SELECT 'quotes', 'unchecked: no document', count(*) FROM citations WHERE quote_document IS NULL
UNION ALL SELECT 'quotes', 'locators filled in', count(*) FROM citations WHERE locator_computed
UNION ALL SELECT 'documents', 'documents', count(*) FROM documents
UNION ALL SELECT 'documents', 'paragraphs', count(*) FROM paragraphs
UNION ALL SELECT 'documents', 'uncited paragraphs', count(*) FROM paragraphs p
  WHERE NOT EXISTS (SELECT 1 FROM citations c WHERE c.source = p.source AND c.quote_paragraph = p.number)
    AND NOT EXISTS (SELECT 1 FROM citations c
      WHERE c.quote_document = p.source AND c.quote_paragraph = p.number AND c.quote_document <> c.source)
UNION ALL SELECT * FROM (
  SELECT 'most cited sources', source, count(*) FROM citations
  GROUP BY source ORDER BY count(*) DESC, source LIMIT :top)
UNION ALL SELECT * FROM (
  SELECT 'most frequent actors', actor, count(*) FROM event_actors
  GROUP BY actor ORDER BY count(*) DESC, actor LIMIT :top)
UNION ALL SELECT * FROM (
  SELECT 'most frequent tags', tag, count(*) FROM event_tags
  GROUP BY tag ORDER BY count(*) DESC, tag LIMIT :top)
UNION ALL SELECT * FROM (
  SELECT 'last load', 'finished', finished FROM load_runs ORDER BY id DESC LIMIT 1)
UNION ALL SELECT * FROM (
  SELECT 'last load', 'inputs', inputs FROM load_runs ORDER BY id DESC LIMIT 1)
UNION ALL SELECT * FROM (
  SELECT 'last load', 'dossier version', dossier_version FROM load_runs ORDER BY id DESC LIMIT 1)
UNION ALL SELECT * FROM (
  SELECT 'last load', 'mode', mode FROM load_runs ORDER BY id DESC LIMIT 1)
UNION ALL SELECT 'last load', 'files', count(*) FROM load_inputs WHERE run = (SELECT max(id) FROM load_runs)
UNION ALL SELECT 'last load', 'files read', count(*) FROM load_inputs WHERE run = (SELECT max(id) FROM load_runs) AND read = 1
UNION ALL SELECT 'last load', 'rows ' || c.change, count(DISTINCT l.tbl || ' ' || l.key)
  FROM (SELECT 'added' AS change UNION ALL SELECT 'removed' UNION ALL SELECT 'changed') c
  LEFT JOIN load_changes l ON l.change = c.change AND l.run = (SELECT max(id) FROM load_runs)
  GROUP BY c.change
UNION ALL SELECT 'last load', 'loads so far', count(*) FROM load_runs
