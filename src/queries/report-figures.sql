-- name: report-figures
-- summary: The figures a report includes: those of its events, and those whose own period and actors match its filters (every figure when there is no filter)
-- param: event text[] optional | the ids of the events in the report: their figures are always included
-- param: from date optional | also include figures whose period may fall on or after this date (a figure with no period is left out once a date is given)
-- param: to date optional | also include figures whose period may fall on or before this date
-- param: actor actor[] optional | also include figures whose area or counterpart is one of these actors
-- param: tag text[] optional | figures have no tags: when tags are given, only the figures of the report's events are included
-- param: within boolean default false | with from or to, include only figures whose period lies certainly inside them, not those that merely overlap them
SELECT
  f.measure,
  f.value,
  f.qualifier,
  f.value_norm,
  f.unit,
  f.period,
  (SELECT source FROM citations WHERE figure = f.id ORDER BY id LIMIT 1) AS source,
  f.event,
  f.id,
  f.notes
FROM figures f
WHERE f.event IN (SELECT value FROM json_each(:event))
   OR (:tag IS NULL
       AND (:from_start IS NULL OR (f.period IS NOT NULL AND coalesce(f.period_end, '9999-12-31') >= :from_start))
       AND (:to_end IS NULL OR (f.period IS NOT NULL AND f.period_start <= :to_end))
       AND (NOT :within OR (:from_start IS NULL AND :to_end IS NULL)
            OR (f.period_start >= coalesce(:from_start, '0001-01-01')
                AND f.period_end IS NOT NULL
                AND f.period_end <= coalesce(:to_end, '9999-12-31')))
       AND (:actor IS NULL
            OR f.area IN (SELECT value FROM json_each(:actor))
            OR f.counterpart IN (SELECT value FROM json_each(:actor))))
ORDER BY f.measure, f.period_start, f.id
