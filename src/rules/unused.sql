-- name: unused
-- summary: Actors and sources that nothing refers to
-- level: warn
--
-- An actor that no event involves, no figure concerns and no source is issued by,
-- or a source that no event or figure cites and no other source is known through,
-- is dead weight: often a leftover from an edit, or a row whose references were
-- forgotten (the event that should list the actor, the citation that should name
-- the source).
SELECT rows, message, fix FROM (
  SELECT 'actors:' || a.id AS rows,
         printf('the actor %s (%s) is in no event''s actors, no figure''s area or counterpart, and no source''s issuer', a.id, a.name) AS message,
         'Add it where it belongs (an event''s actors, a figure''s area or counterpart, a source''s issuer), or remove it from actors.csv.' AS fix,
         a.csv_file AS file, a.csv_line AS line
  FROM actors a
  WHERE NOT EXISTS (SELECT 1 FROM event_actors x WHERE x.actor = a.id)
    AND NOT EXISTS (SELECT 1 FROM figures f WHERE f.area = a.id)
    AND NOT EXISTS (SELECT 1 FROM figures f WHERE f.counterpart = a.id)
    AND NOT EXISTS (SELECT 1 FROM sources s WHERE s.issuer = a.id)
  UNION ALL
  SELECT 'sources:' || s.id,
         printf('the source %s (%s) is cited by no event or figure, and no source is known through it', s.id, s.title),
         'Cite it where it supports a fact (events.csv, figures.csv or citations.csv), or remove it from sources.csv.',
         s.csv_file, s.csv_line
  FROM sources s
  WHERE NOT EXISTS (SELECT 1 FROM citations c WHERE c.source = s.id)
    AND NOT EXISTS (SELECT 1 FROM sources v WHERE v.via = s.id)
)
ORDER BY file, line
