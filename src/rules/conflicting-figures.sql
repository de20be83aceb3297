-- name: conflicting-figures
-- summary: Figures from different sources for one measure, unit, area and period that cannot both be true
-- level: warn
--
-- Two sources that give different numbers for the same thing disagree. That is worth
-- knowing, and it is not always an error: the sources may count differently, and an
-- archive should keep what each says. It may also be a mistyped value, or two
-- different things under one measure.
--
-- Two figures are of the same thing when their measure (ignoring case), unit, area,
-- counterpart, base and period bounds are the same; figures without a period are
-- left out, since their periods may differ. Their sources are those of their first
-- citations. Each value is taken as precisely as it is written (5.7 billion means
-- 5.65 to 5.75 billion) and widened by its qualifier (more than, about); the rule
-- fires when the two cannot both be true.
WITH twinned(id) AS (
  -- The figures that share what makes them the same thing with another: one sort
  -- finds them, and only they are worked out and paired.
  SELECT id FROM (
    SELECT f.id, count(*) OVER (PARTITION BY lower(f.measure), f.unit, f.area, f.counterpart,
                                             f.base, f.period_start, f.period_end) AS n
    FROM figures f
    WHERE f.period_start IS NOT NULL
  )
  WHERE n > 1
),
f AS MATERIALIZED (
  SELECT f.id, lower(f.measure) AS m, f.measure, f.unit, f.area, f.counterpart, f.base,
         f.period, f.period_start, f.period_end, f.value, f.qualifier, f.value_norm,
         written_lo(f.value, f.qualifier, f.lower) AS lo,
         written_hi(f.value, f.qualifier, f.upper) AS hi,
         (SELECT c.source FROM citations c WHERE c.figure = f.id ORDER BY c.id LIMIT 1) AS source,
         f.csv_file, f.csv_line
  FROM twinned t JOIN figures f ON f.id = t.id
)
SELECT
  'figures:' || a.id || ' figures:' || b.id || ' sources:' || a.source || ' sources:' || b.source AS rows,
  printf('%s (%s) gives %s%s and %s (%s) gives %s%s for %s (%s, area %s, counterpart %s, period %s): as written, %s and %s do not overlap, so they cannot both be true',
         a.id, a.source, CASE a.qualifier WHEN 'eq' THEN '' ELSE a.qualifier || ' ' END, amount(a.value_norm, a.unit),
         b.id, b.source, CASE b.qualifier WHEN 'eq' THEN '' ELSE b.qualifier || ' ' END, amount(b.value_norm, b.unit),
         a.measure, a.unit, coalesce(a.area, 'none'), coalesce(a.counterpart, 'none'), a.period,
         amount_range(a.lo, a.hi, a.unit), amount_range(b.lo, b.hi, b.unit)) AS message,
  'Sources disagree: keep both if that is what they say, and say in notes which you trust and why (a citations.csv row with relation disputes records that one source contradicts a fact). If one value was mistyped, correct it; if the two measure different things, tell them apart in the measure.' AS fix
FROM f a
JOIN f b ON b.m = a.m AND b.unit = a.unit AND b.area IS a.area AND b.counterpart IS a.counterpart
  AND b.base IS a.base AND b.period_start = a.period_start AND b.period_end IS a.period_end
  AND (b.csv_file, b.csv_line) > (a.csv_file, a.csv_line)
WHERE a.source <> b.source AND (a.lo > b.hi OR b.lo > a.hi)
ORDER BY a.csv_file, a.csv_line, b.csv_file, b.csv_line
