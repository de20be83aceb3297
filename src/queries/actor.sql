-- name: actor
-- summary: One actor with its aliases and how often it appears
-- param: id text required | the actor's id
SELECT
  a.id,
  a.name,
  a.kind,
  (SELECT group_concat(alias, ';') FROM (SELECT alias FROM actor_aliases WHERE actor = a.id ORDER BY position)) AS aliases,
  (SELECT count(*) FROM event_actors ea WHERE ea.actor = a.id) AS events,
  (SELECT count(*) FROM figures f WHERE f.area = a.id OR f.counterpart = a.id) AS figures,
  (SELECT count(*) FROM sources s WHERE s.issuer = a.id) AS sources
FROM actors a
WHERE a.id = :id
