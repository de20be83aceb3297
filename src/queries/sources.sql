-- name: sources
-- summary: Sources, with how many events and figures cite each
SELECT
  s.id,
  s.kind,
  s.title,
  s.published,
  s.via,
  (SELECT count(DISTINCT c.event) FROM citations c WHERE c.source = s.id) AS events,
  (SELECT count(DISTINCT c.figure) FROM citations c WHERE c.source = s.id) AS figures
FROM sources s
ORDER BY s.id
