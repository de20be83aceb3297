-- name: search
-- summary: Full-text search of event titles and notes, figure measures and notes, quotes and source titles, best first
-- param: query text required | words, "a phrase", prefix*, AND, OR, NOT (SQLite FTS5 syntax)
-- param: limit integer default 20 | show at most this many matches
SELECT
  kind,
  id,
  date,
  snippet(search, -1, '[', ']', '…', 12) AS snippet
FROM search
WHERE search MATCH :query
ORDER BY rank, kind, id
LIMIT :limit
