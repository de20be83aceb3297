-- name: via
-- summary: The chain of sources through which a source is known, from the source itself to the one read first-hand
-- param: id text required | a source id
WITH RECURSIVE chain(hop, id) AS (
  SELECT 0, :id
  UNION ALL
  SELECT c.hop + 1, s.via FROM chain c JOIN sources s ON s.id = c.id
  WHERE s.via IS NOT NULL AND c.hop < 20
)
SELECT c.hop, s.id, s.kind, s.title, s.outlet, s.published
FROM chain c JOIN sources s ON s.id = c.id
ORDER BY c.hop
