-- name: report-citations
-- summary: Every citation of the given events and figures: quote, locator, relation, whether the quote was found in a document, and the source with its via chain written out
-- param: event text[] optional | event ids
-- param: figure text[] optional | figure ids
SELECT
  CASE WHEN c.event IS NOT NULL THEN 'event' ELSE 'figure' END AS kind,
  coalesce(c.event, c.figure) AS fact,
  c.relation,
  c.quote,
  c.locator,
  CASE WHEN c.quote_document IS NULL THEN 'unchecked' ELSE 'verified' END AS checked,
  c.source,
  s.cited_as,
  s.url
FROM citations c
JOIN sources_full s ON s.id = c.source
WHERE c.event IN (SELECT value FROM json_each(:event))
   OR c.figure IN (SELECT value FROM json_each(:figure))
ORDER BY c.id
