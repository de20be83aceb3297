-- name: actors
-- summary: Actors, with how many events involve each
SELECT
  a.id,
  a.name,
  a.kind,
  (SELECT count(*) FROM event_actors ea WHERE ea.actor = a.id) AS events
FROM actors a
ORDER BY a.id
