-- name: last-load
-- summary: The files the last load read, with their SHA-256, and when that load finished
SELECT
  r.id AS load,
  r.finished,
  r.dossier_version,
  r.inputs,
  f.path,
  f.tbl,
  f.rows,
  f.bytes,
  f.sha256
FROM load_runs r
JOIN load_files f ON f.run = r.id
WHERE r.id = (SELECT max(id) FROM load_runs)
ORDER BY f.id
