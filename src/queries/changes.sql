-- name: changes
-- summary: What a load added, removed and changed, row by row, and field by field for a changed row (the last load unless -p load=N; the first load of an archive records none: every row it loaded was new)
-- param: load integer optional | the load, as numbered in load_runs (default: the last)
-- param: table text optional | only this table (sources, actors, events, figures or citations)
SELECT
  c.run AS load,
  c.tbl AS "table",
  c.key,
  c.change,
  c.field,
  c.old,
  c.new
FROM load_changes c
WHERE c.run = coalesce(:load, (SELECT max(id) FROM load_runs))
  AND (:table IS NULL OR c.tbl = :table)
ORDER BY c.rowid
