-- name: source
-- summary: One source, with its via chain written out and what cites it
-- param: id text required | the source's id
SELECT * FROM sources_full WHERE id = :id
