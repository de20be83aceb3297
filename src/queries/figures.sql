-- name: figures
-- summary: Figures with their values, units, periods and sources; a share shows what it is a share of
-- param: measure text optional | keep figures whose measure contains this text (case is ignored)
-- param: unit text optional | keep figures in this unit (USD, percent, t, …)
-- param: area actor optional | keep figures whose area is this actor
-- param: from date optional | keep figures whose period may fall on or after this date
-- param: to date optional | keep figures whose period may fall on or before this date
SELECT
  f.value,
  f.qualifier,
  f.value_norm,
  f.unit,
  f.period,
  f.measure,
  CASE WHEN b.id IS NOT NULL THEN b.value || ' ' || b.unit || ' (' || b.id || ')' END AS share_of,
  (SELECT source FROM citations WHERE figure = f.id ORDER BY id LIMIT 1) AS source,
  f.id,
  f.notes
FROM figures f
LEFT JOIN figures b ON b.id = f.base
WHERE (:measure IS NULL OR instr(lower(f.measure), lower(:measure)) > 0)
  AND (:unit IS NULL OR f.unit = :unit)
  AND (:area IS NULL OR f.area = :area)
  AND (:from_start IS NULL OR (f.period IS NOT NULL AND coalesce(f.period_end, '9999-12-31') >= :from_start))
  AND (:to_end IS NULL OR (f.period IS NOT NULL AND f.period_start <= :to_end))
ORDER BY f.measure, f.period_start, f.id
