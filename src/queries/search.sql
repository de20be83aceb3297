-- name: search
-- summary: Full-text search of event titles and notes, figure measures and notes, quotes, source titles and the paragraphs of documents, best first
-- param: query text required | words, "a phrase", prefix*, AND, OR, NOT (SQLite FTS5 syntax)
-- param: limit integer default 20 | show at most this many matches
-- Snippets are made only for the best matches, and a quote cited twice for the same
-- fact is shown once. A paragraph's id is its source, and its locator para N.
SELECT kind, id, locator, date, snippet
FROM (
  SELECT kind, id, locator, date, snippet(search, -1, '[', ']', '…', 12) AS snippet, rank
  FROM search
  WHERE search MATCH :query
  ORDER BY rank
  LIMIT :limit * 3
)
GROUP BY kind, id, locator, snippet
ORDER BY min(rank), kind, id
LIMIT :limit
