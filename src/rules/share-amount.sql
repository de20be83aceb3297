-- name: share-amount
-- summary: A share of a total, times the total, against an amount the same quote states
-- level: warn
--
-- "1.3 per cent of trade turnover worth $85 million", next to a total of $5.7 billion:
-- 1.3 per cent of $5.7 billion is $74.1 million, not $85 million. A quote that
-- gives a share and an amount says the two are the same thing, so the share of its
-- total must come to the amount.
--
-- The rule pairs each share (a figure in percent with a base) with every figure that
-- the same source cites with the same quote, in the base's unit, for the same area
-- and counterpart. Each number is taken as precisely as it is written: 1.3 means
-- 1.25 to 1.35, 5.7 billion means 5.65 to 5.75 billion, 85 million means 84.5 to
-- 85.5 million; a qualifier (more than, about) widens that. The rule fires only when
-- no reading of the three numbers makes the share come to the amount.
--
-- The numbers may all be faithful to a source that got its arithmetic wrong; then
-- the finding belongs to the source, and the figures' notes should say so.
WITH shares AS MATERIALIZED (
  SELECT s.id, c.source, c.quote, c.locator, s.csv_file, s.csv_line
  FROM figures s JOIN citations c ON c.figure = s.id
  WHERE s.unit = 'percent' AND s.base IS NOT NULL
),
pairs AS (
  SELECT DISTINCT sh.id AS share, ca.figure AS amount, sh.quote, sh.locator, sh.csv_file, sh.csv_line
  FROM shares sh
  JOIN citations ca ON ca.source = sh.source AND ca.quote = sh.quote
  WHERE ca.figure IS NOT NULL AND ca.figure <> sh.id
),
worked AS (
  SELECT p.share, p.amount, s.base, p.quote, p.locator, p.csv_file, p.csv_line,
         s.value AS s_value, s.value_norm AS s_norm, b.value_norm AS b_norm, b.unit,
         a.value_norm AS a_norm, a.value AS a_value,
         written_lo(s.value, s.qualifier, s.lower) * written_lo(b.value, b.qualifier, b.lower) / 100 AS lo,
         written_hi(s.value, s.qualifier, s.upper) * written_hi(b.value, b.qualifier, b.upper) / 100 AS hi,
         written_lo(a.value, a.qualifier, a.lower) AS a_lo,
         written_hi(a.value, a.qualifier, a.upper) AS a_hi,
         (SELECT x.locator || '): “' || x.quote FROM citations x WHERE x.figure = b.id ORDER BY x.id LIMIT 1) AS b_quote
  FROM pairs p
  JOIN figures s ON s.id = p.share
  JOIN figures a ON a.id = p.amount
  JOIN figures b ON b.id = s.base
  WHERE a.unit = b.unit AND a.base IS NULL AND a.id <> b.id
    AND a.area IS s.area AND a.counterpart IS s.counterpart
)
SELECT
  'figures:' || share || ' figures:' || amount || ' figures:' || base AS rows,
  printf('%s (%s) of %s (%s) is %s; as written, the two allow %s, but %s (%s), in the same quote, allows %s. The quote (%s): “%s”; the total’s (%s”',
         amount(s_norm, 'percent'), share, amount(b_norm, unit), base, amount(s_norm * b_norm / 100, unit),
         amount_range(lo, hi, unit), amount(a_norm, unit), amount, amount_range(a_lo, a_hi, unit),
         locator, quote, b_quote) AS message,
  printf('Check the three figures against the source, and correct any that was mistyped. For %s of %s to hold, the share would be %s, or the total %s. If the source itself is wrong, keep the figures as it gives them and say so in their notes.',
         amount(a_norm, unit), amount(b_norm, unit), amount(a_norm / b_norm * 100, 'percent'),
         amount(a_norm / s_norm * 100, unit)) AS fix
FROM worked
WHERE lo > a_hi OR hi < a_lo
ORDER BY csv_file, csv_line, amount
