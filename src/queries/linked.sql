-- name: linked
-- summary: The events, figures and sources linked to an id, and how
-- param: id text required | an event, figure, source or actor id
SELECT 'figure' AS kind, f.id, f.period AS date, f.measure AS title, 'belongs to this event' AS link
  FROM figures f WHERE f.event = :id
UNION ALL
SELECT 'event', e.id, e.date, e.title, 'the event this figure belongs to'
  FROM figures f JOIN events e ON e.id = f.event WHERE f.id = :id
UNION ALL
SELECT 'figure', b.id, b.period, b.measure, 'the figure this one is a share of'
  FROM figures f JOIN figures b ON b.id = f.base WHERE f.id = :id
UNION ALL
SELECT 'figure', f.id, f.period, f.measure, 'a share of this figure'
  FROM figures f WHERE f.base = :id
UNION ALL
SELECT 'event', e.id, e.date, e.title, 'involves this actor'
  FROM event_actors a JOIN events e ON e.id = a.event WHERE a.actor = :id
UNION ALL
SELECT 'figure', f.id, f.period, f.measure, 'has this actor as area'
  FROM figures f WHERE f.area = :id
UNION ALL
SELECT 'figure', f.id, f.period, f.measure, 'has this actor as counterpart'
  FROM figures f WHERE f.counterpart = :id
UNION ALL
SELECT 'source', s.id, s.published, s.title, 'issued by this actor'
  FROM sources s WHERE s.issuer = :id
UNION ALL
SELECT 'source', s.id, s.published, s.title, 'known via this source'
  FROM sources s WHERE s.via = :id
