-- name: timeline
-- summary: Events in timeline order, filtered by date, actor and tag
-- param: from date optional | keep events that may have happened on or after this date (2014, 2014-06, 2014-06-23)
-- param: to date optional | keep events that may have happened on or before this date
-- param: actor actor[] optional | keep events involving this actor (repeat for any of several)
-- param: tag text[] optional | keep events with this tag (repeat for any of several)
-- param: within boolean default false | keep only events certainly inside from..to, not those that merely overlap it
SELECT
  e.date,
  e.title,
  (SELECT group_concat(actor, ';') FROM (SELECT actor FROM event_actors WHERE event = e.id ORDER BY position)) AS actors,
  (SELECT group_concat(tag, ';') FROM (SELECT tag FROM event_tags WHERE event = e.id ORDER BY position)) AS tags,
  (SELECT source FROM citations WHERE event = e.id ORDER BY id LIMIT 1) AS source,
  e.id,
  e.notes
FROM events e
WHERE e.date_start <= coalesce(:to_end, '9999-12-31')
  AND coalesce(e.date_end, '9999-12-31') >= coalesce(:from_start, '0001-01-01')
  AND (NOT :within OR (e.date_start >= coalesce(:from_start, '0001-01-01')
                       AND e.date_end IS NOT NULL
                       AND e.date_end <= coalesce(:to_end, '9999-12-31')))
  AND (:actor IS NULL OR EXISTS (
        SELECT 1 FROM event_actors a
        WHERE a.event = e.id AND a.actor IN (SELECT value FROM json_each(:actor))))
  AND (:tag IS NULL OR EXISTS (
        SELECT 1 FROM event_tags t
        WHERE t.event = e.id AND t.tag IN (SELECT value FROM json_each(:tag))))
-- Events whose dates are the same keep the order in which they are written (file,
-- then line): that is the order in which the source tells them.
ORDER BY e.date_start, e.date_end IS NULL, e.date_end, e.csv_file, e.csv_line
