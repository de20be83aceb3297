-- name: after-publication
-- summary: Dates that may lie after the publication of every source that cites them
-- level: warn
--
-- A source cannot report what has not happened yet. An event's date or a figure's
-- period that may lie after the day the latest source citing it was published says
-- more than its sources can know; so does the publication date of a source that may
-- lie after that of the source it is known through (via).
--
-- The latest day a source can have been published is the end of its publication
-- date or, for a source known through another, the end of the other's, whichever is
-- earlier: a statement reported by an article of 2017-06-23 was made by that day.
-- A fact is left alone when one of its sources has no publication date anywhere
-- along its via chain, since that source could be later than any date. An open end
-- (1961/..) means still going, which a source may say.
--
-- When the whole date lies after that day, the data is wrong: a mistyped year, the
-- wrong source, or a plan recorded as if it had happened. When only part of it does,
-- the fix is to bound the date by the publication: 2017~, reported on 2017-06-23,
-- becomes [2017~..2017-06-23], once, between about the start of 2017 and that day.
WITH RECURSIVE chain(id, at, hops) AS (
  SELECT id, id, 0 FROM sources
  UNION ALL
  SELECT c.id, s.via, c.hops + 1
  FROM chain c JOIN sources s ON s.id = c.at
  WHERE s.via IS NOT NULL AND c.hops < 20
),
-- The latest day each source can have been published, and the source whose date
-- sets it (a bare column of min() comes from the row that gives the minimum).
bound(id, day, by) AS MATERIALIZED (
  SELECT c.id, min(s.published_end), s.id
  FROM chain c JOIN sources s ON s.id = c.at
  WHERE s.published_end IS NOT NULL
  GROUP BY c.id
),
-- For each event and figure, the latest of those days over the sources citing it; a
-- source without one counts as the end of time.
event_latest(id, day, source, by) AS (
  SELECT c.event, max(coalesce(b.day, '9999-12-31')), c.source, b.by
  FROM citations c LEFT JOIN bound b ON b.id = c.source
  WHERE c.event IS NOT NULL
  GROUP BY c.event
),
figure_latest(id, day, source, by) AS (
  SELECT c.figure, max(coalesce(b.day, '9999-12-31')), c.source, b.by
  FROM citations c LEFT JOIN bound b ON b.id = c.source
  WHERE c.figure IS NOT NULL
  GROUP BY c.figure
),
dated(tbl, id, date, start, end_, kind, day, source, by, file, line) AS (
  SELECT 'events', e.id, e.date, e.date_start, e.date_end, e.date_kind,
         l.day, l.source, l.by, e.csv_file, e.csv_line
  FROM events e JOIN event_latest l ON l.id = e.id
  UNION ALL
  SELECT 'figures', f.id, f.period, f.period_start, f.period_end,
         f.period_kind, l.day, l.source, l.by, f.csv_file, f.csv_line
  FROM figures f JOIN figure_latest l ON l.id = f.id
  WHERE f.period IS NOT NULL
  UNION ALL
  SELECT 'sources', s.id, s.published, s.published_start,
         s.published_end, s.published_kind, b.day, s.via, b.by, s.csv_file, s.csv_line
  FROM sources s JOIN bound b ON b.id = s.via
  WHERE s.published IS NOT NULL
),
late AS (
  SELECT *,
    -- The side of the date that starts it, as written: 2016 of 2016/2018 or [2016..2018].
    CASE kind
      WHEN 'span' THEN substr(date, 1, instr(date, '/') - 1)
      WHEN 'between' THEN substr(date, 2, instr(date, '..') - 2)
      ELSE date
    END AS first,
    start > day AS wholly,
    printf(CASE tbl WHEN 'events' THEN 'the event %s is dated %s' WHEN 'figures' THEN 'the figure %s covers %s'
                    ELSE 'the source %s is dated %s' END, id, date)
    || printf(' (%s to %s)', start, coalesce(end_, 'still going')) AS dated_as,
    CASE WHEN tbl = 'sources'
      THEN printf('it is known through %s, which', source)
      ELSE printf('the latest source citing it, %s,', source)
    END
    || printf(' was published by %s at the latest', day)
    || CASE WHEN by <> source THEN printf(', since %s, through which it is known, was', by) ELSE '' END AS cited_as
  FROM dated
  WHERE coalesce(end_, start) > day
)
SELECT
  tbl || ':' || id || ' sources:' || source || CASE WHEN by <> source THEN ' sources:' || by ELSE '' END AS rows,
  CASE WHEN wholly
    THEN printf('%s, wholly after %s: %s', dated_as, day, cited_as)
    ELSE printf('%s, but %s: %d of its %d days lie after that', dated_as, cited_as,
                CAST(julianday(end_) - julianday(day) AS INTEGER),
                CAST(julianday(end_) - julianday(start) AS INTEGER) + 1)
  END AS message,
  CASE
    WHEN wholly THEN 'Correct the date or the source: a source cannot report what had not happened when it was published. If it reports a plan or a forecast, date the announcement instead and say what was planned in notes.'
    WHEN kind = 'span' THEN printf('Bound the date by the publication: write %s/%s, or %s/.. if it was still going then.', first, day, first)
    ELSE printf('Bound the date by the publication: write [%s..%s].', first, day)
  END AS fix
FROM late
ORDER BY file, line
