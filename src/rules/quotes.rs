//! The rules that read a figure's quotes as prose: whether the value is written there
//! at all, and whether the words next to it agree with the qualifier. SQL cannot read
//! "more than 400,000 tons" or "a dozen", so these are written in Rust; the reading
//! itself is in `db::written`.

use super::{Emit, Found, Level, RowRef, RustDef};
use crate::db::spec::Table;
use crate::db::written::{self, Mention, Phrase};
use crate::error::Result;
use rusqlite::Connection;

pub const NUMBER_NOT_IN_QUOTE: RustDef = RustDef {
    name: "number-not-in-quote",
    summary: "Figures whose value is not written in any of their quotes",
    level: Level::Warn,
    explanation: "\
A figure stands on its quote: \"91 per cent of $5.7 billion trading volume\" supports
5.7 billion USD. When the value is nowhere in the quote, either it was mistyped
(4000000 for 400,000), or it was worked out from the quote (a sum, a conversion to
another unit), or the quote is not the one that states it.

The rule looks for the value in every quote of the figure, in the forms numbers are
usually written in: digits with or without thousands separators (5,700,000,000),
with a scale word or its abbreviation (5.7 billion, $5.7bn, 400m), with a currency
sign or \"per cent\", and in words (four, twenty-five, two hundred thousand, a
dozen). \"between 5 and 7 billion\" gives 5 billion and 7 billion. A negative value
is looked for without its sign (\"fell by 12.5 per cent\"). For a range, both bounds
must be there. The message lists the numbers the quote does state.

A value worked out from its quote is not wrong; say how it was worked out in the
figure's notes.",
    run: number_not_in_quote,
};

pub const QUALIFIER_WORDS: RustDef = RustDef {
    name: "qualifier-words",
    summary: "Figures whose qualifier disagrees with the words next to the number in the quote",
    level: Level::Warn,
    explanation: "\
\"more than 400,000 tons\" is not 400,000 tons: the qualifier column says how exact a
figure is (eq, approx, gt, ge, lt, le, range), and the quote's words say it first.
The rule finds the figure's value in its quotes and reads the words next to it:

  gt      more than, over, above, exceeding, in excess of, upwards of
  ge      at least, no less than, a minimum of; after the number: or more, plus
  lt      less than, fewer than, under, below; almost and nearly (also approx)
  le      up to, at most, no more than, a maximum of; after: or less, or fewer
  approx  about, around, approximately, roughly, some, circa, c., near, close to,
          an estimated; after: or so, odd; the signs ~ and ≈
  range   between

It fires when such words stand next to the number and the qualifier is not one they
allow, and the other way round: when the qualifier says more than, about or up to
but no such words stand next to the number. A figure whose value is not in its
quote is left to number-not-in-quote.",
    run: qualifier_words,
};

/// A figure with its quotes, as both rules read it.
struct Figure {
    id: String,
    value: String,
    value_norm: f64,
    unit: String,
    qualifier: String,
    lower: Option<(String, f64)>,
    upper: Option<(String, f64)>,
    file: i64,
    line: i64,
    quotes: Vec<String>,
}

/// Hands each figure with all its quotes to `each`, in the order of the files.
fn each_figure(conn: &Connection, mut each: impl FnMut(&Figure) -> Result<()>) -> Result<()> {
    // Figures are numbered in the order they were loaded, and each one's citations
    // come from the index on citations.figure in the order of their ids: no sort.
    // CROSS JOIN keeps SQLite from scanning citations first and sorting after.
    let mut stmt = conn.prepare(
        "SELECT f.id, f.value, f.value_norm, f.unit, f.qualifier, f.lower, f.lower_norm, \
         f.upper, f.upper_norm, f.csv_file, f.csv_line, c.quote \
         FROM figures f CROSS JOIN citations c ON c.figure = f.id ORDER BY f.rowid, c.id",
    )?;
    let mut rows = stmt.raw_query();
    let mut current: Option<Figure> = None;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let quote: String = r.get(11)?;
        if let Some(f) = current.as_mut().filter(|f| f.id == id) {
            f.quotes.push(quote);
            continue;
        }
        if let Some(f) = current.take() {
            each(&f)?;
        }
        let bound = |text: Option<String>, norm: Option<f64>| text.zip(norm);
        current = Some(Figure {
            id,
            value: r.get(1)?,
            value_norm: r.get(2)?,
            unit: r.get(3)?,
            qualifier: r.get(4)?,
            lower: bound(r.get(5)?, r.get(6)?),
            upper: bound(r.get(7)?, r.get(8)?),
            file: r.get(9)?,
            line: r.get(10)?,
            quotes: vec![quote],
        });
    }
    if let Some(f) = current {
        each(&f)?;
    }
    Ok(())
}

impl Figure {
    fn row(&self) -> RowRef {
        RowRef::at(Table::Figures, &self.id, self.file, self.line)
    }
}

/// The figure's first quote, for messages.
fn first_quote(f: &Figure) -> &str {
    f.quotes.first().map_or("", String::as_str)
}

fn number_not_in_quote(conn: &Connection, emit: Emit<'_>) -> Result<()> {
    each_figure(conn, |f| {
        let read: Vec<Vec<Mention>> = f.quotes.iter().map(|q| written::mentions(q)).collect();
        let stated = |v: f64| read.iter().flatten().any(|m| m.means(v));
        let wanted: Vec<(&str, f64)> = match (&f.qualifier[..], &f.lower, &f.upper) {
            ("range", Some((lt, lv)), Some((ut, uv))) => vec![(lt, *lv), (ut, *uv)],
            _ => vec![(&f.value, f.value_norm)],
        };
        let missing: Vec<&(&str, f64)> = wanted.iter().filter(|(_, v)| !stated(*v)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        emit(&|| {
            let what: Vec<String> = missing
                .iter()
                .map(|(text, v)| format!("{text} ({})", written::forms(*v).join(", ")))
                .collect();
            let quote = first_quote(f);
            let has: Vec<String> = read
                .first()
                .map(|ms| ms.iter().map(|m| format!("“{}”", m.text(quote))).collect())
                .unwrap_or_default();
            let has = if has.is_empty() {
                "no number at all".to_string()
            } else {
                has.join(", ")
            };
            let quotes = if f.quotes.len() == 1 {
                "its quote does"
            } else {
                "none of its quotes does"
            };
            let gives = match (&f.qualifier[..], &f.lower, &f.upper) {
                ("range", Some((_, lo)), Some((_, hi))) => {
                    written::amount_range(Some(*lo), Some(*hi), &f.unit)
                }
                _ => written::amount(f.value_norm, &f.unit),
            };
            Found {
                rows: vec![f.row()],
                message: format!(
                    "{} gives {gives}, but {quotes} not state {} in any usual written form; the quote has {has}: “{quote}”",
                    f.id,
                    what.join(" or "),
                ),
                fix: "Correct the value if it was mistyped, or cite the words that state it. If the value is worked out from the quote (a sum, a share, another unit), say how in the figure's notes.".into(),
            }
        })
    })
}

/// The words around a mention, for messages: up to five words before and three after.
fn context(text: &str, m: &Mention) -> String {
    let before = &text[..m.start];
    let mut cut = before.len();
    let mut words = 0;
    for (i, c) in before.char_indices().rev() {
        if c == ' ' {
            words += 1;
            if words > 5 {
                break;
            }
        }
        cut = i;
    }
    let after = &text[m.end..];
    let mut end = after.len();
    let mut words = 0;
    for (i, c) in after.char_indices() {
        if c == ' ' && i > 0 {
            words += 1;
            if words > 3 {
                end = i;
                break;
            }
        }
    }
    let (open, close) = (
        if cut > 0 { "…" } else { "" },
        if end < after.len() { "…" } else { "" },
    );
    format!("{open}{}{close}", text[cut..m.end + end].trim())
}

fn qualifier_words(conn: &Connection, emit: Emit<'_>) -> Result<()> {
    each_figure(conn, |f| {
        let q = f.qualifier.as_str();
        let mut seen: Vec<(&str, Mention, Option<Phrase>)> = Vec::new();
        for quote in &f.quotes {
            for m in written::mentions(quote) {
                if m.means(f.value_norm) {
                    let phrase = written::qualifier(quote, &m);
                    seen.push((quote, m, phrase));
                }
            }
        }
        let fits = |p: &Option<Phrase>| match p {
            None => q == "eq" || q == "range",
            Some(p) => p.fits.contains(&q),
        };
        if seen.is_empty() || seen.iter().any(|(_, _, p)| fits(p)) {
            return Ok(());
        }
        let (quote, m, phrase) = &seen[0];
        emit(&|| {
            let said = context(quote, m);
            let recorded = format!(
                "{} is recorded as {q} ({} {})",
                f.id,
                written::qualifier_words(q),
                written::amount(f.value_norm, &f.unit)
            );
            match phrase {
                Some(p) => {
                    let should: Vec<String> = p
                        .fits
                        .iter()
                        .map(|c| format!("{c} ({})", written::qualifier_words(c)))
                        .collect();
                    Found {
                        rows: vec![f.row()],
                        message: format!(
                            "{recorded}, but its quote says “{said}”: “{}” makes it {}",
                            p.words,
                            should.join(" or ")
                        ),
                        fix: format!(
                            "Set qualifier to {}, or, if the words do not bear on this number, leave it and say why in notes.",
                            p.fits.join(" or ")
                        ),
                    }
                }
                None => Found {
                    rows: vec![f.row()],
                    message: format!(
                        "{recorded}, but its quote gives the number with no word such as {} next to it: “{said}”",
                        examples(q)
                    ),
                    fix: "Set qualifier to eq (or leave it empty) if the source gives the number as it is; if other words of the source qualify it, cite them.".into(),
                },
            }
        })
    })
}

/// Words that would give a qualifier, for messages.
fn examples(qualifier: &str) -> &'static str {
    match qualifier {
        "gt" => "more than, over or above",
        "ge" => "at least or or more",
        "lt" => "less than, under or almost",
        "le" => "up to or at most",
        "approx" => "about, around or nearly",
        _ => "more than or about",
    }
}
