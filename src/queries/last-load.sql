-- name: last-load
-- summary: The files the last load was built from, with their SHA-256, and when that load finished
SELECT
  r.id AS load,
  r.finished,
  r.dossier_version,
  r.inputs,
  f.path,
  f.tbl,
  i.rows,
  i.bytes,
  i.sha256
FROM load_runs r
JOIN load_inputs i ON i.run = r.id
JOIN load_files f ON f.id = i.file
WHERE r.id = (SELECT max(id) FROM load_runs)
ORDER BY i.position
