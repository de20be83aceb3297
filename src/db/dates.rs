//! The EDTF subset dossier accepts in date columns, and the day bounds derived from it.
//!
//! Accepted: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, a decade `YYYX`, each optionally followed by
//! `?` (uncertain), `~` (approximate) or `%` (both); a span `A/B` whose end may be `..`
//! (open) or empty (unknown); and `[A..B]`, one moment somewhere between A and B.
//! Everything else is refused with a hint: the parser never guesses.
//!
//! The calendar is checked here, in Rust, because SQLite does not check it and its
//! month arithmetic is not what an analyst means by "the end of the month".

use std::fmt;

/// A calendar day between 0001-01-01 and 9999-12-31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Day {
    /// The day as `YYYY-MM-DD`, without allocating.
    pub fn iso(self) -> [u8; 10] {
        let mut out = *b"0000-00-00";
        let mut y = self.year;
        for i in (0..4).rev() {
            out[i] = b'0' + (y % 10) as u8;
            y /= 10;
        }
        out[5] = b'0' + self.month / 10;
        out[6] = b'0' + self.month % 10;
        out[8] = b'0' + self.day / 10;
        out[9] = b'0' + self.day % 10;
        out
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// How finely the start of a date is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Day,
    Month,
    Year,
    Decade,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Year => "year",
            Precision::Decade => "decade",
        }
    }
}

/// What the bounds mean: one moment, a span that lasted from start to end, or one
/// moment somewhere between start and end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Point,
    Span,
    Between,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Point => "point",
            Kind::Span => "span",
            Kind::Between => "between",
        }
    }
}

/// A parsed date: the bounds and flags the loader stores beside the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    /// The earliest possible day.
    pub start: Day,
    /// The latest possible day; `None` for an open (`..`) or unknown (empty) end.
    pub end: Option<Day>,
    pub precision: Precision,
    pub kind: Kind,
    pub uncertain: bool,
    pub approx: bool,
}

impl Date {
    /// The start's year, month and day, as far as the date knows them: `[2017]` for
    /// a year (and for a decade, its first year), `[2017, 6]` for a month.
    pub fn start_parts(&self) -> Vec<u16> {
        let d = self.start;
        match self.precision {
            Precision::Day => vec![d.year, u16::from(d.month), u16::from(d.day)],
            Precision::Month => vec![d.year, u16::from(d.month)],
            Precision::Year | Precision::Decade => vec![d.year],
        }
    }
}

/// Why a text is not an accepted date, and how to write it instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError {
    pub problem: String,
    pub hint: String,
}

impl DateError {
    fn new(problem: impl Into<String>, hint: impl Into<String>) -> Self {
        DateError {
            problem: problem.into(),
            hint: hint.into(),
        }
    }
}

const FORMS: &str = "write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2017-06-23), a span 2014/2015, \
                     an open span 1961/.., or [2014..2015] for one moment between two dates";

pub fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The months' names, January first.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The dates a date is written with, as text: the two of a span `A/B` or of
/// `[A..B]`, and the one of a single date. A span's end is None when it is open
/// (`..`) or unknown (empty). Each side is itself a single date that [`parse`] reads.
pub fn sides(text: &str) -> (&str, Option<&str>) {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']'))
        && let Some((a, b)) = inner.split_once("..")
    {
        return (a, Some(b));
    }
    match text.split_once('/') {
        Some((a, b)) => (a, Some(b).filter(|b| !b.is_empty() && *b != "..")),
        None => (text, None),
    }
}

/// One side of an interval, or a whole single date: bounds, precision and qualifiers.
#[derive(Clone, Copy, Debug)]
struct Side {
    start: Day,
    end: Day,
    precision: Precision,
    uncertain: bool,
    approx: bool,
}

/// Parses a date cell. The text must already be non-empty; surrounding spaces are an
/// error rather than trimmed, so that what is stored is exactly what was written.
pub fn parse(text: &str) -> Result<Date, DateError> {
    if text.trim() != text {
        return Err(DateError::new(
            "date has spaces around it",
            format!("remove the spaces: {}", text.trim()),
        ));
    }
    if text.is_empty() {
        return Err(DateError::new("date is empty", FORMS));
    }
    if let Some((a, b)) = text.split_once('-')
        && a.len() == 4
        && b.len() == 4
        && text.bytes().filter(u8::is_ascii_digit).count() == 8
    {
        return Err(DateError::new(
            "a span is written with a slash",
            format!("write {a}/{b}"),
        ));
    }
    if let Some(inner) = text.strip_prefix('[') {
        return parse_between(text, inner);
    }
    if let Some(hint) = day_first_hint(text) {
        return Err(hint);
    }
    if text.contains('/') {
        return parse_span(text);
    }
    let side = parse_side(text)?;
    Ok(Date {
        start: side.start,
        end: Some(side.end),
        precision: side.precision,
        kind: Kind::Point,
        uncertain: side.uncertain,
        approx: side.approx,
    })
}

fn parse_between(text: &str, inner: &str) -> Result<Date, DateError> {
    let Some(inner) = inner.strip_suffix(']') else {
        return Err(DateError::new(
            "a [ is not closed by ]",
            "write one moment between two dates as [2014..2015]",
        ));
    };
    let Some((a, b)) = inner.split_once("..") else {
        return Err(DateError::new(
            "a bracketed date needs two dates separated by ..",
            "write one moment between two dates as [2014..2015]; other EDTF sets are not supported",
        ));
    };
    if a.is_empty() || b.is_empty() {
        return Err(DateError::new(
            "an open end inside [..] is not supported",
            "give both dates, e.g. [2014..2015]",
        ));
    }
    if b.contains("..") || a.contains(',') || b.contains(',') {
        return Err(DateError::new(
            "only one range is allowed inside [..]",
            "write one moment between two dates as [2014..2015]; other EDTF sets are not supported",
        ));
    }
    let first = parse_side(a)?;
    let last = parse_side(b)?;
    check_order(text, &first, &last)?;
    Ok(Date {
        start: first.start,
        end: Some(last.end),
        precision: first.precision,
        kind: Kind::Between,
        uncertain: first.uncertain || last.uncertain,
        approx: first.approx || last.approx,
    })
}

fn parse_span(text: &str) -> Result<Date, DateError> {
    let (a, b) = text.split_once('/').unwrap_or((text, ""));
    if b.contains('/') {
        return Err(DateError::new(
            "a span has exactly one /",
            "write a span as start/end, e.g. 2014/2015",
        ));
    }
    if a.is_empty() || a == ".." {
        return Err(DateError::new(
            "a span with an open or unknown start is not supported",
            "give the earliest possible start, e.g. 1950/1960",
        ));
    }
    let first = parse_side(a)?;
    let end = match b {
        "" | ".." => None,
        _ => {
            let last = parse_side(b)?;
            check_order(text, &first, &last)?;
            Some(last)
        }
    };
    Ok(Date {
        start: first.start,
        end: end.map(|s| s.end),
        precision: first.precision,
        kind: Kind::Span,
        uncertain: first.uncertain || end.is_some_and(|s| s.uncertain),
        approx: first.approx || end.is_some_and(|s| s.approx),
    })
}

fn check_order(text: &str, first: &Side, last: &Side) -> Result<(), DateError> {
    if last.end < first.start {
        let (a, b) = split_pair(text);
        return Err(DateError::new(
            format!(
                "the range ends ({}) before it starts ({})",
                last.end, first.start
            ),
            format!("put the earlier date first: {}", swapped(text, a, b)),
        ));
    }
    Ok(())
}

fn split_pair(text: &str) -> (&str, &str) {
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    inner
        .split_once("..")
        .filter(|_| text.starts_with('['))
        .or_else(|| inner.split_once('/'))
        .unwrap_or((inner, ""))
}

fn swapped(text: &str, a: &str, b: &str) -> String {
    if text.starts_with('[') {
        format!("[{b}..{a}]")
    } else {
        format!("{b}/{a}")
    }
}

/// Recognises the day-first and month-first forms spreadsheets produce, so that the
/// message can say what went wrong. A rewrite is suggested only when it is certain.
fn day_first_hint(text: &str) -> Option<DateError> {
    let parts: Vec<&str> = text.split(['/', '.']).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        || parts[2].len() != 4
        || parts[0].len() > 2
        || parts[1].len() > 2
    {
        return None;
    }
    let (p, q): (u8, u8) = (parts[0].parse().ok()?, parts[1].parse().ok()?);
    let year = parts[2];
    let hint = match (p, q) {
        (p, q) if p > 12 && (1..=12).contains(&q) => {
            format!("write YYYY-MM-DD: {year}-{q:02}-{p:02}")
        }
        (p, q) if q > 12 && (1..=12).contains(&p) => {
            format!("write YYYY-MM-DD: {year}-{p:02}-{q:02}")
        }
        _ => format!(
            "write YYYY-MM-DD; dossier does not guess whether {p} or {q} is the month \
             (format the column as Text in the spreadsheet so it keeps ISO dates)"
        ),
    };
    Some(DateError::new(
        "day/month/year dates are not accepted",
        hint,
    ))
}

fn parse_side(text: &str) -> Result<Side, DateError> {
    let (body, uncertain, approx) = match text.as_bytes().last() {
        Some(b'?') => (&text[..text.len() - 1], true, false),
        Some(b'~') => (&text[..text.len() - 1], false, true),
        Some(b'%') => (&text[..text.len() - 1], true, true),
        _ => (text, false, false),
    };
    if body.ends_with(['?', '~', '%']) {
        return Err(DateError::new(
            "a date takes at most one of ? ~ %",
            "use % for a date that is both uncertain and approximate",
        ));
    }
    if body.contains(['?', '~', '%']) {
        return Err(DateError::new(
            "? ~ and % may only follow the whole date",
            "put the qualifier at the end, e.g. 2014-06?",
        ));
    }
    let bytes = body.as_bytes();
    if body.contains(['T', ':', ' ']) && bytes.len() > 10 {
        let day = body.get(..10).unwrap_or(body);
        return Err(DateError::new(
            "times are not accepted, only days",
            format!("write the day alone: {day}"),
        ));
    }
    let mut fields = body.split('-');
    let year_text = fields.next().unwrap_or("");
    let month_text = fields.next();
    let day_text = fields.next();
    if fields.next().is_some() {
        return Err(DateError::new("a date has at most three parts", FORMS));
    }
    if body.starts_with('-') || body.starts_with('+') || body.starts_with('Y') {
        return Err(DateError::new(
            "negative, signed and Y-prefixed years are not accepted",
            "years run from 0001 to 9999",
        ));
    }
    let (year, precision_from_x) = parse_year(year_text, month_text.is_some())?;
    if let Some(precision) = precision_from_x {
        let start = Day {
            year,
            month: 1,
            day: 1,
        };
        let end = Day {
            year: year + 9,
            month: 12,
            day: 31,
        };
        return Ok(Side {
            start,
            end,
            precision,
            uncertain,
            approx,
        });
    }
    let Some(month_text) = month_text else {
        return Ok(Side {
            start: Day {
                year,
                month: 1,
                day: 1,
            },
            end: Day {
                year,
                month: 12,
                day: 31,
            },
            precision: Precision::Year,
            uncertain,
            approx,
        });
    };
    let month = parse_two_digits(month_text, "month", body)?;
    if !(1..=12).contains(&month) {
        let hint = if (21..=24).contains(&month) {
            "seasons (21-24) are not accepted; write the months, e.g. 2014-03/2014-05".to_string()
        } else {
            "months run from 01 to 12".to_string()
        };
        return Err(DateError::new(
            format!("month {month:02} does not exist"),
            hint,
        ));
    }
    let last = days_in_month(year, month);
    let Some(day_text) = day_text else {
        return Ok(Side {
            start: Day {
                year,
                month,
                day: 1,
            },
            end: Day {
                year,
                month,
                day: last,
            },
            precision: Precision::Month,
            uncertain,
            approx,
        });
    };
    let day = parse_two_digits(day_text, "day", body)?;
    if day == 0 || day > last {
        return Err(DateError::new(
            format!("{body} is not a day in the calendar"),
            format!("{} {year} has {last} days", MONTHS[usize::from(month - 1)]),
        ));
    }
    let d = Day { year, month, day };
    Ok(Side {
        start: d,
        end: d,
        precision: Precision::Day,
        uncertain,
        approx,
    })
}

/// Reads the year part; a trailing `X` makes it a decade (only with no month after it).
fn parse_year(text: &str, has_more: bool) -> Result<(u16, Option<Precision>), DateError> {
    let b = text.as_bytes();
    if b.len() != 4 {
        let hint = if !b.is_empty() && b.len() < 4 && b.iter().all(u8::is_ascii_digit) {
            "write all four digits of the year; dossier does not guess the century".to_string()
        } else if b.len() == 5 && b.iter().all(u8::is_ascii_digit) {
            "this looks like a spreadsheet's serial day number: format the column as Text \
             and write the date as YYYY-MM-DD"
                .to_string()
        } else {
            FORMS.to_string()
        };
        return Err(DateError::new("a year has four digits", hint));
    }
    if b[..3].iter().all(u8::is_ascii_digit) && b[3] == b'X' {
        if has_more {
            return Err(DateError::new(
                "X is accepted only in a decade with nothing after it",
                "write 196X for the 1960s; for a less precise month or day use the coarser date",
            ));
        }
        let year =
            (u16::from(b[0] - b'0') * 100 + u16::from(b[1] - b'0') * 10 + u16::from(b[2] - b'0'))
                * 10;
        if year == 0 {
            return Err(DateError::new(
                "the decade 000X is not accepted",
                "years run from 0001 to 9999",
            ));
        }
        return Ok((year, Some(Precision::Decade)));
    }
    if b.contains(&b'X') {
        return Err(DateError::new(
            "only the last digit of a year may be X",
            "write 196X for a decade; for a century write a span such as 1900/1999",
        ));
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return Err(DateError::new("a year is four digits", FORMS));
    }
    let year = b.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    if year == 0 {
        return Err(DateError::new(
            "year 0000 is not accepted",
            "years run from 0001 to 9999",
        ));
    }
    Ok((year, None))
}

fn parse_two_digits(text: &str, what: &str, whole: &str) -> Result<u8, DateError> {
    let b = text.as_bytes();
    if b.len() == 2 && b.iter().all(u8::is_ascii_digit) {
        return Ok((b[0] - b'0') * 10 + (b[1] - b'0'));
    }
    if b.contains(&b'X') {
        return Err(DateError::new(
            format!("an unknown {what} (XX) is not accepted"),
            "leave the part out: write 2004 instead of 2004-XX",
        ));
    }
    if (1..=2).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        let padded: Vec<String> = whole
            .split('-')
            .enumerate()
            .map(|(i, p)| {
                if i == 0 {
                    p.to_string()
                } else {
                    format!("{p:0>2}")
                }
            })
            .collect();
        return Err(DateError::new(
            format!("a {what} has two digits"),
            format!("write {}", padded.join("-")),
        ));
    }
    Err(DateError::new(format!("a {what} has two digits"), FORMS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        let p: Vec<u16> = s.split('-').map(|x| x.parse().unwrap()).collect();
        Day {
            year: p[0],
            month: p[1] as u8,
            day: p[2] as u8,
        }
    }

    #[test]
    fn a_date_gives_the_parts_its_precision_knows() {
        let parts = |s: &str| parse(s).unwrap().start_parts();
        assert_eq!(parts("2017-06-23"), [2017, 6, 23]);
        assert_eq!(parts("2017-06~"), [2017, 6]);
        assert_eq!(parts("1961"), [1961]);
        assert_eq!(parts("201X"), [2010]);
        assert_eq!(parts("2014-03/2015"), [2014, 3]);
    }

    #[test]
    fn a_date_splits_into_the_dates_it_is_written_with() {
        assert_eq!(sides("2017-06-23"), ("2017-06-23", None));
        assert_eq!(sides("2014/2015-06"), ("2014", Some("2015-06")));
        assert_eq!(sides("1961/.."), ("1961", None));
        assert_eq!(sides("1961/"), ("1961", None));
        assert_eq!(sides("[2014..2015~]"), ("2014", Some("2015~")));
        for text in ["2014?/2015", "[2017-01..2017-06-23]", "201X"] {
            let (a, b) = sides(text);
            assert!(
                parse(a).is_ok() && b.is_none_or(|b| parse(b).is_ok()),
                "{text}"
            );
        }
    }

    fn bounds(s: &str) -> (String, Option<String>, &'static str, &'static str) {
        let d = parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        (
            d.start.to_string(),
            d.end.map(|e| e.to_string()),
            d.precision.as_str(),
            d.kind.as_str(),
        )
    }

    fn err(s: &str) -> DateError {
        parse(s).expect_err(s)
    }

    #[test]
    fn a_qualifier_on_either_side_of_a_between_date_marks_the_whole() {
        let flags = |s: &str| {
            let d = parse(s).unwrap();
            (d.uncertain, d.approx)
        };
        assert_eq!(flags("[2014..2015]"), (false, false));
        assert_eq!(flags("[2014?..2015]"), (true, false));
        assert_eq!(flags("[2014..2015?]"), (true, false));
        assert_eq!(flags("[2014~..2015]"), (false, true));
        assert_eq!(flags("[2014..2015~]"), (false, true));
    }

    #[test]
    fn single_dates_have_their_full_range() {
        assert_eq!(
            bounds("1961-07-06"),
            (
                "1961-07-06".into(),
                Some("1961-07-06".into()),
                "day",
                "point"
            )
        );
        assert_eq!(
            bounds("2015-06"),
            (
                "2015-06-01".into(),
                Some("2015-06-30".into()),
                "month",
                "point"
            )
        );
        assert_eq!(
            bounds("2014"),
            (
                "2014-01-01".into(),
                Some("2014-12-31".into()),
                "year",
                "point"
            )
        );
        assert_eq!(
            bounds("196X"),
            (
                "1960-01-01".into(),
                Some("1969-12-31".into()),
                "decade",
                "point"
            )
        );
        assert_eq!(
            bounds("0001"),
            (
                "0001-01-01".into(),
                Some("0001-12-31".into()),
                "year",
                "point"
            )
        );
        assert_eq!(
            bounds("9999-12"),
            (
                "9999-12-01".into(),
                Some("9999-12-31".into()),
                "month",
                "point"
            )
        );
    }

    #[test]
    fn month_ends_follow_the_calendar() {
        assert_eq!(bounds("2016-02").1.unwrap(), "2016-02-29");
        assert_eq!(bounds("2015-02").1.unwrap(), "2015-02-28");
        assert_eq!(bounds("1900-02").1.unwrap(), "1900-02-28");
        assert_eq!(bounds("2000-02").1.unwrap(), "2000-02-29");
        assert_eq!(bounds("2017-04").1.unwrap(), "2017-04-30");
        assert_eq!(bounds("2017-12").1.unwrap(), "2017-12-31");
        assert!(parse("2016-02-29").is_ok());
        assert!(parse("2000-02-29").is_ok());
    }

    #[test]
    fn qualifiers_set_flags_and_keep_bounds() {
        let d = parse("2014?").unwrap();
        assert!(d.uncertain && !d.approx);
        let d = parse("2014~").unwrap();
        assert!(!d.uncertain && d.approx);
        let d = parse("2015-06%").unwrap();
        assert!(d.uncertain && d.approx);
        assert_eq!(d.start, day("2015-06-01"));
        assert_eq!(d.end, Some(day("2015-06-30")));
        let d = parse("2004-06?/2006~").unwrap();
        assert!(d.uncertain && d.approx);
    }

    #[test]
    fn spans_take_the_start_of_one_side_and_the_end_of_the_other() {
        assert_eq!(
            bounds("2004-06/2006"),
            (
                "2004-06-01".into(),
                Some("2006-12-31".into()),
                "month",
                "span"
            )
        );
        assert_eq!(
            bounds("2014/2015"),
            (
                "2014-01-01".into(),
                Some("2015-12-31".into()),
                "year",
                "span"
            )
        );
        assert_eq!(
            bounds("2014/2014-03"),
            (
                "2014-01-01".into(),
                Some("2014-03-31".into()),
                "year",
                "span"
            )
        );
        assert_eq!(
            bounds("1961/.."),
            ("1961-01-01".into(), None, "year", "span")
        );
        assert_eq!(bounds("1985/"), ("1985-01-01".into(), None, "year", "span"));
        assert_eq!(
            bounds("[2014..2015]"),
            (
                "2014-01-01".into(),
                Some("2015-12-31".into()),
                "year",
                "between"
            )
        );
        assert_eq!(
            bounds("[1961-07..1962]"),
            (
                "1961-07-01".into(),
                Some("1962-12-31".into()),
                "month",
                "between"
            )
        );
    }

    #[test]
    fn calendar_errors_name_the_month_length() {
        let e = err("2017-02-30");
        assert_eq!(e.problem, "2017-02-30 is not a day in the calendar");
        assert_eq!(e.hint, "February 2017 has 28 days");
        assert_eq!(err("2015-02-29").hint, "February 2015 has 28 days");
        assert_eq!(err("2017-04-31").hint, "April 2017 has 30 days");
        assert_eq!(
            err("2017-04-00").problem,
            "2017-04-00 is not a day in the calendar"
        );
        assert_eq!(err("2017-13-01").problem, "month 13 does not exist");
        assert_eq!(err("2017-00").problem, "month 00 does not exist");
        assert!(err("2014-21").hint.starts_with("seasons"));
    }

    #[test]
    fn reversed_ranges_are_refused_with_the_swap() {
        let e = err("2015/2014");
        assert_eq!(
            e.problem,
            "the range ends (2014-12-31) before it starts (2015-01-01)"
        );
        assert_eq!(e.hint, "put the earlier date first: 2014/2015");
        assert_eq!(
            err("[2015..2014]").hint,
            "put the earlier date first: [2014..2015]"
        );
        assert_eq!(
            err("2015-03/2015-02").hint,
            "put the earlier date first: 2015-02/2015-03"
        );
    }

    #[test]
    fn foreign_forms_get_a_hint() {
        assert_eq!(err("23/06/2017").hint, "write YYYY-MM-DD: 2017-06-23");
        assert_eq!(err("06/23/2017").hint, "write YYYY-MM-DD: 2017-06-23");
        assert!(err("03/04/2017").hint.contains("does not guess"));
        assert_eq!(
            err("23.06.2017").problem,
            "day/month/year dates are not accepted"
        );
        assert_eq!(err("2017-1-5").hint, "write 2017-01-05");
        // Padding with a zero is offered only for one or two digits.
        for s in ["2017-6a", "2017-006", "2017-06-2T"] {
            assert_eq!(err(s).hint, FORMS, "{s}");
        }
        assert_eq!(
            err("2017-06-23T10:00").hint,
            "write the day alone: 2017-06-23"
        );
        assert_eq!(
            err("2017-06-23 10:00").hint,
            "write the day alone: 2017-06-23"
        );
        assert_eq!(err("0000").problem, "year 0000 is not accepted");
        assert_eq!(
            err("17").hint,
            "write all four digits of the year; dossier does not guess the century"
        );
        assert_eq!(err("2014-2015").hint, "write 2014/2015");
        assert!(err("42909").hint.contains("serial day number"));
        // Only five digits look like a serial day number.
        for s in ["201706", "2017a"] {
            assert!(!err(s).hint.contains("serial"), "{s}");
        }
        assert_eq!(err("201706").hint, FORMS);
        assert_eq!(err(" 2017").hint, "remove the spaces: 2017");
        for s in ["-0500", "+2017", "Y2017", "Y201"] {
            assert_eq!(
                err(s).problem,
                "negative, signed and Y-prefixed years are not accepted",
                "{s}"
            );
        }
        // Ten characters are a day, not a day and a time: no advice to cut a time off.
        assert_eq!(err("2017-06-2T").problem, "a day has two digits");
        assert_eq!(err("2017-0 -23").problem, "a month has two digits");
        assert!(err("19XX").hint.contains("century"));
        assert!(err("2004-XX").hint.contains("2004"));
        assert!(err("../1950").problem.contains("open or unknown start"));
        assert!(err("/1950").problem.contains("open or unknown start"));
        assert!(err("2014??").problem.contains("at most one"));
        assert!(err("2014?-06").problem.contains("whole date"));
        assert!(err("[2014..2015").problem.contains("not closed"));
        assert!(err("[..2015]").problem.contains("open end"));
        assert!(err("[2014,2015]").problem.contains("two dates"));
        // A second range or a list on either side is one message, not a bad side.
        for set in [
            "[2014..2015..2016]",
            "[2014,2015..2016]",
            "[2014..2015,2016]",
        ] {
            assert_eq!(
                err(set).problem,
                "only one range is allowed inside [..]",
                "{set}"
            );
        }
        assert!(err("2014/2015/2016").problem.contains("exactly one /"));
        assert!(err("June 2017").problem.contains("four digits"));
        assert!(err("2017-06-23-01").problem.contains("three parts"));
        assert!(err("").problem.contains("empty"));
    }

    #[test]
    fn a_day_first_rewrite_is_offered_only_when_one_part_cannot_be_a_month() {
        let hint = |s: &str| err(s).hint;
        // 12 can be a month, so a 12 beside another possible month proves nothing.
        for s in ["12/05/2017", "05/12/2017", "12/12/2017"] {
            assert!(hint(s).contains("does not guess"), "{s}: {}", hint(s));
        }
        assert_eq!(hint("13/12/2017"), "write YYYY-MM-DD: 2017-12-13");
        assert_eq!(hint("12/13/2017"), "write YYYY-MM-DD: 2017-12-13");
        // Spreadsheets drop the leading zero of a day or month.
        assert_eq!(hint("5/23/2017"), "write YYYY-MM-DD: 2017-05-23");
        assert_eq!(hint("23/5/2017"), "write YYYY-MM-DD: 2017-05-23");
        // Not day, month and four-digit year: no rewrite into an impossible date.
        for s in [
            "23/06/17",
            "123/05/2017",
            "05/123/2017",
            "23/06/02017",
            "+5/06/2017",
            "23/06/+201",
        ] {
            assert_eq!(err(s).problem, "a span has exactly one /", "{s}");
        }
        // Neither part can be the month: no rewrite, whichever is too big.
        for (s, p, q) in [
            ("23/13/2017", 23, 13),
            ("13/23/2017", 13, 23),
            ("23/00/2017", 23, 0),
            ("00/23/2017", 0, 23),
        ] {
            assert_eq!(
                hint(s),
                format!(
                    "write YYYY-MM-DD; dossier does not guess whether {p} or {q} is the month \
                     (format the column as Text in the spreadsheet so it keeps ISO dates)"
                ),
            );
        }
    }

    #[test]
    fn a_range_may_start_and_end_on_the_same_day() {
        for s in ["2017-06-23/2017-06-23", "[2017-06-23..2017-06-23]"] {
            let d = parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
            assert_eq!(
                (d.start, d.end),
                (day("2017-06-23"), Some(day("2017-06-23")))
            );
        }
    }

    #[test]
    fn iso_matches_display() {
        for s in ["0001-01-01", "0999-09-09", "2017-06-23", "9999-12-31"] {
            let d = day(s);
            assert_eq!(std::str::from_utf8(&d.iso()).unwrap(), s);
            assert_eq!(d.to_string(), s);
        }
    }

    #[test]
    fn calendar_agrees_with_chrono() {
        for year in [1, 4, 100, 400, 1900, 1961, 2000, 2015, 2016, 2100, 9999u16] {
            for month in 1..=12u8 {
                let next = if month == 12 {
                    chrono::NaiveDate::from_ymd_opt(i32::from(year) + 1, 1, 1)
                } else {
                    chrono::NaiveDate::from_ymd_opt(i32::from(year), u32::from(month) + 1, 1)
                }
                .unwrap();
                let last = next.pred_opt().unwrap();
                use chrono::Datelike;
                assert_eq!(
                    u32::from(days_in_month(year, month)),
                    last.day(),
                    "{year}-{month}"
                );
            }
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Strings built from the pieces dates are made of, so that the search reaches
    /// every branch of the grammar, not just its first character.
    fn date_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[0-9]{1,5}",
            Just("-".to_string()),
            Just("/".to_string()),
            Just("..".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            "[?~%X]",
            Just("T10:00".to_string()),
            ".",
        ];
        prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn accepted_dates_are_ordered_and_their_bounds_print_back(s in date_like()) {
            crate::db::selfcheck::date(&s);
        }

        #[test]
        fn any_string_is_refused_or_keeps_the_promises(s in ".*") {
            crate::db::selfcheck::date(&s);
        }

        #[test]
        fn every_calendar_day_is_accepted_and_no_other(y in 1u16..=9999, m in 1u8..=12, d in 1u8..=31) {
            let text = format!("{y:04}-{m:02}-{d:02}");
            let real = chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)).is_some();
            prop_assert_eq!(parse(&text).is_ok(), real, "{}", text);
        }

        #[test]
        fn a_span_covers_both_its_sides(a in 1000u16..=2999, b in 1000u16..=2999, m in 1u8..=12) {
            let text = format!("{a:04}-{m:02}/{b:04}");
            match parse(&text) {
                Ok(d) => {
                    prop_assert!(a <= b);
                    prop_assert_eq!(d.start, Day { year: a, month: m, day: 1 });
                    prop_assert_eq!(d.end, Some(Day { year: b, month: 12, day: 31 }));
                }
                Err(e) => {
                    prop_assert!(b < a, "{}: {:?}", text, e);
                }
            }
        }
    }
}
