-- name: shares-exceed-base
-- summary: Shares of one total, by different counterparts, that add up to more than 100 per cent
-- level: deny
--
-- China's 91 per cent and Russia's 1.3 per cent of North Korea's trade leave 7.7 per
-- cent for everyone else; shares of one total by different partners can never add
-- up to more than all of it.
--
-- The rule adds up, for each total (base), the shares in percent that point at it,
-- one per counterpart: two figures for one counterpart are two readings of one share,
-- and the smaller counts. Each share counts at the least it can be as written (91
-- means at least 90.5; less than 5 counts as 0), so the sum is the least the shares
-- can add up to. Shares without a counterpart are left out: a breakdown by product or
-- by year may overlap the breakdown by partner.
WITH shares AS (
  SELECT f.base, f.counterpart, f.id, f.value,
         coalesce(written_lo(f.value, f.qualifier, f.lower), 0) AS lo, f.csv_file, f.csv_line
  FROM figures f
  WHERE f.unit = 'percent' AND f.base IS NOT NULL AND f.counterpart IS NOT NULL
),
-- One share per counterpart: the reading that gives the least.
per AS (
  SELECT base, counterpart, min(lo) AS lo, id, value, csv_file, csv_line
  FROM shares
  GROUP BY base, counterpart
),
over AS (
  SELECT base, sum(lo) AS total,
         group_concat(printf('%s %s per cent (%s, at least %s)', id, value, counterpart, round(lo, 6)), ', '
                      ORDER BY csv_file, csv_line) AS list,
         group_concat('figures:' || id, ' ' ORDER BY csv_file, csv_line) AS refs
  FROM per
  GROUP BY base
  HAVING count(*) > 1 AND sum(lo) > 100
)
SELECT
  'figures:' || o.base || ' ' || o.refs AS rows,
  printf('the shares of %s (%s, %s) by counterpart add up to at least %s per cent: %s',
         o.base, b.measure, amount(b.value_norm, b.unit), round(o.total, 6), o.list) AS message,
  'Check each share and the total it points at (base): a share of another total needs that total as its base, and a mistyped share needs correcting. If the source gives shares that cannot all be true, keep them as it gives them and say so in their notes.' AS fix
FROM over o JOIN figures b ON b.id = o.base
ORDER BY b.csv_file, b.csv_line
