//! Excel workbooks for `dossier export --format xlsx`: one sheet per table, view or
//! query, with a bold, frozen header row and cells typed so that a spreadsheet shows
//! what the archive holds.
//!
//! A cell is text when its value is text or its column is declared TEXT; it is never
//! judged from the look of the value. A spreadsheet that is handed "007" or "2017-06"
//! as a string keeps it; handed as a number or a date it would turn them into 7 and
//! a day of June. Numbers are numbers, so they can be summed. NULL is an empty cell.
//! Text is never a formula here: a cell written as a string is shown, not run.
//!
//! Sheets are built in constant-memory mode (their rows go to temporary files), and
//! the workbook is written in one piece, so `-o FILE` appears only when it is complete.

use crate::db::read::Archive;
use crate::error::{Error, Result};
use crate::output::{Output, text_of};
use rusqlite::Statement;
use rusqlite::types::ValueRef;
use rust_xlsxwriter::{ColNum, Format, RowNum, Worksheet, XlsxError};

/// The widest a column is made, in characters: wider text wraps off the edge rather
/// than pushing every other column out of sight.
const WIDTH_MAX: usize = 60;

/// The narrowest column, so that a column of short codes still shows its header's
/// filter arrow and a little margin.
const WIDTH_MIN: usize = 4;

/// The rows and columns of a sheet, and the characters of a cell, that Excel allows.
const ROWS_MAX: u64 = 1_048_576;
const COLUMNS_MAX: usize = 16_384;
const CELL_MAX: usize = 32_767;

/// Integers up to this magnitude are exact as a spreadsheet's numbers (IEEE doubles);
/// larger ones are written as text so that no digit is lost.
const EXACT_MAX: u64 = 1 << 53;

/// A workbook being built.
pub struct Workbook {
    book: rust_xlsxwriter::Workbook,
    bold: Format,
    header: bool,
}

impl Workbook {
    /// A workbook whose sheets have a header row of column names, or none.
    pub fn new(header: bool) -> Self {
        Workbook {
            book: rust_xlsxwriter::Workbook::new(),
            bold: Format::new().set_bold(),
            header,
        }
    }

    /// Adds a sheet named after `name` holding every row of `stmt`; returns the number
    /// of rows (without the header).
    pub fn sheet(
        &mut self,
        archive: &Archive,
        name: &str,
        stmt: &mut Statement<'_>,
    ) -> Result<u64> {
        let sheet_name = sheet_name(name);
        let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
        if columns.len() > COLUMNS_MAX {
            return Err(Error::TooBig(format!(
                "{sheet_name}: {} columns, more than the {COLUMNS_MAX} a sheet holds — export it as CSV",
                columns.len()
            )));
        }
        let text: Vec<bool> = stmt
            .columns()
            .map(|c| {
                c.decl_type()
                    .is_some_and(|t| t.eq_ignore_ascii_case("TEXT"))
            })
            .collect();
        // Rows stream through a temporary file instead of being held in memory: a
        // workbook of the whole archive would otherwise need gigabytes.
        let ws = self
            .book
            .add_worksheet_with_constant_memory()
            .map_err(internal)?;
        ws.set_name(&sheet_name).map_err(internal)?;
        let mut widths: Vec<usize> = vec![WIDTH_MIN; columns.len()];
        let mut row: RowNum = 0;
        if self.header {
            for (c, title) in columns.iter().enumerate() {
                ws.write_string_with_format(0, col(c), title, &self.bold)
                    .map_err(internal)?;
                widths[c] = widths[c].max(width(title));
            }
            ws.set_freeze_panes(1, 0).map_err(internal)?;
            row = 1;
        }
        let n = columns.len();
        let mut rows = stmt.raw_query();
        let mut count = 0;
        while let Some(r) = rows.next().map_err(|e| archive.explain(e))? {
            if u64::from(row) >= ROWS_MAX {
                return Err(Error::TooBig(format!(
                    "{sheet_name}: more rows than the {ROWS_MAX} a sheet holds{} — export it as CSV, or narrow the query",
                    if self.header { " with its header" } else { "" }
                )));
            }
            for c in 0..n {
                let v = r.get_ref(c)?;
                widths[c] = widths[c].max(write_cell(ws, row, c, v, text[c]).map_err(|e| {
                    match e {
                        XlsxError::MaxStringLengthExceeded => Error::TooBig(format!(
                            "{sheet_name}: row {}, column {}: the text is longer than the {CELL_MAX} characters a cell holds — export it as CSV, which keeps it whole",
                            count + 1,
                            columns[c]
                        )),
                        other => internal(other),
                    }
                })?);
            }
            row += 1;
            count += 1;
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(col(c), (*w).min(WIDTH_MAX) as f64 + 1.0)
                .map_err(internal)?;
        }
        Ok(count)
    }

    /// Writes the finished workbook to `out`.
    pub fn write(mut self, out: &mut Output) -> Result<()> {
        let bytes = self.book.save_to_buffer().map_err(internal)?;
        out.writer().write_all(&bytes)?;
        Ok(())
    }
}

/// Writes one cell; returns the width its content needs.
fn write_cell(
    ws: &mut Worksheet,
    row: RowNum,
    c: usize,
    v: ValueRef<'_>,
    text_column: bool,
) -> Result<usize, XlsxError> {
    let number = match v {
        ValueRef::Null => return Ok(0),
        ValueRef::Integer(i) if !text_column && i.unsigned_abs() <= EXACT_MAX => Some(i as f64),
        ValueRef::Real(f) if !text_column && f.is_finite() => Some(f),
        _ => None,
    };
    let shown = text_of(v);
    match number {
        Some(x) => ws.write_number(row, col(c), x)?,
        None => ws.write_string(row, col(c), shown.as_ref())?,
    };
    Ok(width(&shown))
}

/// The width a text needs: its longest line, in characters.
fn width(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

fn col(c: usize) -> ColNum {
    // Callers check against COLUMNS_MAX first, which fits.
    ColNum::try_from(c).unwrap_or(ColNum::MAX)
}

/// A name Excel accepts for a sheet: at most 31 characters, none of `[ ] : * ? / \`,
/// not starting or ending with an apostrophe, not blank and not "History".
pub fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let mut s: String = cleaned.trim_matches('\'').chars().take(31).collect();
    s = s.trim_end_matches('\'').to_string();
    if s.trim().is_empty() {
        s = "Sheet1".into();
    }
    if s.eq_ignore_ascii_case("history") {
        s.push('_');
    }
    s
}

/// An error from the workbook writer that dossier's own checks should have prevented.
fn internal(e: XlsxError) -> Error {
    Error::Internal(format!("writing the workbook: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excel() {
        assert_eq!(sheet_name("events"), "events");
        assert_eq!(sheet_name("a/b:c[d]*?\\"), "a_b_c_d____");
        assert_eq!(sheet_name(&"x".repeat(40)).chars().count(), 31);
        assert_eq!(sheet_name("'quoted'"), "quoted");
        assert_eq!(sheet_name(""), "Sheet1");
        assert_eq!(sheet_name("History"), "History_");
        let long = format!("{}é", "a".repeat(30));
        assert_eq!(sheet_name(&long), long);
    }

    #[test]
    fn widths_count_characters_of_the_longest_line() {
        assert_eq!(width("Pyongyang’s"), 11);
        assert_eq!(width("ab\nabcd\nc"), 4);
        assert_eq!(width(""), 0);
    }
}
