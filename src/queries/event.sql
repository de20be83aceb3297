-- name: event
-- summary: One event with its actors, tags and first citation
-- param: id text required | the event's id
SELECT * FROM events_full WHERE id = :id
