//! Everything dossier prints goes through here: result rows as a table, CSV, TSV,
//! JSON, NDJSON or Markdown; documents (`show`, `summary`) made of sections; plain
//! messages; and, on standard error, errors and warnings.
//!
//! Rows stream: each is written as it arrives, so memory does not grow with the
//! result. The table format is the one exception in kind, not in bound: it holds the
//! first rows to size its columns, then streams the rest at those widths.

use crate::atomic::AtomicFile;
use rusqlite::types::{Value, ValueRef};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// The formats every row-printing command offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading in a terminal
    Table,
    /// RFC 4180 CSV (NULL is an empty field)
    Csv,
    /// Tab-separated; tabs, line breaks and backslashes in cells are escaped as \t \n \r \\
    Tsv,
    /// One JSON array of objects (NULL is null, numbers stay numbers)
    Json,
    /// One JSON object per line
    Ndjson,
    /// A GitHub-flavoured Markdown table
    Markdown,
}

/// How rows are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub format: Format,
    pub header: bool,
    /// The spreadsheet profile for CSV and TSV: byte-order mark, CRLF, formula guard.
    pub excel: bool,
}

impl Style {
    pub fn new(format: Format) -> Self {
        Style {
            format,
            header: true,
            excel: false,
        }
    }
}

/// Cells wider than this are cut in the table format (other formats keep everything).
pub const TABLE_CELL_MAX: usize = 80;

/// Rows the table format holds to size its columns before it starts streaming.
const TABLE_SAMPLE: usize = 1000;

/// The destination of a command's output: standard output, or a file that appears
/// only once it is complete.
pub struct Output {
    w: Box<dyn Write>,
    /// Shows how many rows have been written, for long exports.
    progress: Option<crate::progress::Bar>,
    /// For `-o FILE`: the file being written, put in place by `finish`. It is removed
    /// if the output is dropped unfinished.
    file: Option<AtomicFile>,
}

impl Output {
    pub fn stdout() -> Self {
        Output {
            w: Box::new(BufWriter::with_capacity(64 * 1024, io::stdout())),
            progress: None,
            file: None,
        }
    }

    /// Writes to `path` through a temporary file beside it, synced and renamed on
    /// `finish`, so a failed command never leaves half a file where a whole one was
    /// expected.
    pub fn file(path: &Path) -> io::Result<Self> {
        let file = AtomicFile::beside(path, &format!(".{}.part", std::process::id()));
        let f = file.create()?;
        Ok(Output {
            w: Box::new(BufWriter::with_capacity(256 * 1024, f)),
            progress: None,
            file: Some(file),
        })
    }

    /// An output into any writer.
    #[cfg(test)]
    pub fn to(w: Box<dyn Write>) -> Self {
        Output {
            w,
            progress: None,
            file: None,
        }
    }

    /// Shows the rows written on this progress bar.
    pub fn show_progress(&mut self, bar: crate::progress::Bar) {
        self.progress = Some(bar);
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.w
    }

    /// Writes one line of a human-readable message.
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.w, "{text}")
    }

    /// Writes rows of cells as columns; a column whose cells (after the first row,
    /// its header) all start with a digit is right-aligned, so that counts line up.
    pub fn columns(&mut self, rows: &[Vec<String>]) -> io::Result<()> {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; width];
        let mut numeric = vec![true; width];
        for (r, row) in rows.iter().enumerate() {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
                if r > 0 && !cell.starts_with(|c: char| c.is_ascii_digit()) {
                    numeric[i] = false;
                }
            }
        }
        for row in rows {
            let cells: Vec<(&str, bool)> = row
                .iter()
                .enumerate()
                .map(|(i, c)| (c.as_str(), numeric[i]))
                .collect();
            write_aligned(&mut self.w, &cells, &widths)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.w.flush()?;
        // Closed before it is synced and renamed.
        drop(self.w);
        match self.file {
            Some(file) => file.commit(),
            None => Ok(()),
        }
    }
}

fn write_aligned(w: &mut dyn Write, cells: &[(&str, bool)], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, (cell, right)) in cells.iter().enumerate() {
        let pad = widths[i].saturating_sub(cell.chars().count());
        if i > 0 {
            line.push_str("  ");
        }
        if *right {
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(cell);
        } else {
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    writeln!(w, "{}", line.trim_end())
}

/// Reports an error on standard error, the way every command reports the one that
/// stopped it (a load's problems carry their own `error:` line).
pub fn report(e: &crate::error::Error) {
    let error = paint("error:", "31");
    match e {
        // Each problem line already starts with its file:line:column; the summary line
        // carries the prefix.
        crate::error::Error::Invalid(_) => {
            eprintln!(
                "{}",
                e.to_string().replace("\nerror: ", &format!("\n{error} "))
            )
        }
        // The terminal has just echoed ^C where the cursor was.
        crate::error::Error::Cancelled => eprintln!("\n{error} {e}"),
        _ => eprintln!("{error} {e}"),
    }
}

/// Reports on standard error something that went wrong but does not stop the command;
/// `--quiet` silences it.
pub fn warn(message: &str) {
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{} {message}", paint("warning:", "33"));
    }
}

/// Tells a person or a test harness on standard error where a command stands, even
/// with `--quiet`: used only for what someone asked to be told.
pub fn notice(message: &str) {
    eprintln!("dossier: {message}");
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records `--quiet` for the messages this module writes on standard error.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// Colours a label for standard error: only when it is a terminal, and never when
/// NO_COLOR is set (<https://no-color.org>).
fn paint(label: &str, colour: &str) -> String {
    use std::io::IsTerminal;
    if colour_allowed() && io::stderr().is_terminal() {
        format!("\x1b[1;{colour}m{label}\x1b[0m")
    } else {
        label.to_string()
    }
}

/// Whether colour may be used at all: not when NO_COLOR is set to anything.
fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether output to standard output may be coloured: it is a terminal, and NO_COLOR
/// is not set.
pub fn colour_on_stdout() -> bool {
    use std::io::IsTerminal;
    colour_allowed() && io::stdout().is_terminal()
}

/// Writes a stream of rows in one format.
pub struct RowWriter<'o> {
    out: &'o mut Output,
    style: Style,
    columns: Vec<String>,
    /// JSON keys: column names, made unique (`id`, `id_2`) and encoded once.
    keys: Vec<String>,
    rows: u64,
    /// Table format: rows held until the widths are known.
    held: Option<Vec<Vec<(String, bool)>>>,
    widths: Vec<usize>,
    numeric: Vec<bool>,
}

impl<'o> RowWriter<'o> {
    pub fn new(out: &'o mut Output, style: Style, columns: Vec<String>) -> io::Result<Self> {
        let keys = unique_keys(&columns)
            .iter()
            .map(|k| serde_json::to_string(k).unwrap_or_else(|_| "\"\"".into()))
            .collect();
        let mut w = RowWriter {
            out,
            style,
            keys,
            rows: 0,
            held: None,
            widths: Vec::new(),
            numeric: vec![true; columns.len()],
            columns,
        };
        w.start()?;
        Ok(w)
    }

    fn start(&mut self) -> io::Result<()> {
        let w = &mut self.out.w;
        match self.style.format {
            Format::Table => self.held = Some(Vec::new()),
            Format::Csv | Format::Tsv => {
                if self.style.excel {
                    w.write_all("\u{feff}".as_bytes())?;
                }
                if self.style.header {
                    let cells: Vec<ValueRef<'_>> = self
                        .columns
                        .iter()
                        .map(|c| ValueRef::Text(c.as_bytes()))
                        .collect();
                    write_delimited(w, &cells, self.style)?;
                }
            }
            Format::Markdown => {
                if self.style.header {
                    write!(w, "|")?;
                    for c in &self.columns {
                        write!(w, " {} |", markdown_cell(c))?;
                    }
                    write!(w, "\n|")?;
                    for _ in &self.columns {
                        write!(w, " --- |")?;
                    }
                    writeln!(w)?;
                }
            }
            Format::Json => write!(w, "[")?,
            Format::Ndjson => {}
        }
        Ok(())
    }

    pub fn row(&mut self, values: &[ValueRef<'_>]) -> io::Result<()> {
        self.rows += 1;
        if self.rows.is_multiple_of(4096)
            && let Some(bar) = &self.out.progress
        {
            bar.set_position(self.rows);
        }
        let style = self.style;
        match style.format {
            Format::Table => self.table_row(values)?,
            Format::Csv | Format::Tsv => write_delimited(&mut self.out.w, values, style)?,
            Format::Markdown => {
                let w = &mut self.out.w;
                write!(w, "|")?;
                for v in values {
                    write!(w, " {} |", markdown_cell(&text_of(*v)))?;
                }
                writeln!(w)?;
            }
            Format::Json => {
                let w = &mut self.out.w;
                w.write_all(if self.rows == 1 { b"\n" } else { b",\n" })?;
                json_object(w, &self.keys, values)?;
            }
            Format::Ndjson => {
                json_object(&mut self.out.w, &self.keys, values)?;
                self.out.w.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// Writes one row of owned values.
    pub fn owned_row(&mut self, values: &[Value]) -> io::Result<()> {
        let refs: Vec<ValueRef<'_>> = values.iter().map(ValueRef::from).collect();
        self.row(&refs)
    }

    /// Writes one row in which some cells hold JSON already made, such as a list of
    /// records: JSON and NDJSON embed it as it is, and the other formats write the
    /// cell's value. `json` has an entry per cell, `None` for a plain one.
    pub fn row_with_json(
        &mut self,
        values: &[ValueRef<'_>],
        json: &[Option<&str>],
    ) -> io::Result<()> {
        if !matches!(self.style.format, Format::Json | Format::Ndjson) {
            return self.row(values);
        }
        self.rows += 1;
        let w = &mut self.out.w;
        if self.style.format == Format::Json {
            w.write_all(if self.rows == 1 { b"\n" } else { b",\n" })?;
        }
        w.write_all(b"{")?;
        for (i, (k, v)) in self.keys.iter().zip(values).enumerate() {
            if i > 0 {
                w.write_all(b", ")?;
            }
            w.write_all(k.as_bytes())?;
            w.write_all(b": ")?;
            match json.get(i).copied().flatten() {
                Some(raw) => w.write_all(raw.as_bytes())?,
                None => json_value(w, *v)?,
            }
        }
        w.write_all(b"}")?;
        if self.style.format == Format::Ndjson {
            w.write_all(b"\n")?;
        }
        Ok(())
    }

    fn table_row(&mut self, values: &[ValueRef<'_>]) -> io::Result<()> {
        let cells: Vec<(String, bool)> = values
            .iter()
            .map(|v| {
                let number = matches!(v, ValueRef::Integer(_) | ValueRef::Real(_));
                (table_cell(&text_of(*v)), number)
            })
            .collect();
        for (i, (_, number)) in cells.iter().enumerate() {
            if !number && !matches!(values[i], ValueRef::Null) {
                self.numeric[i] = false;
            }
        }
        match &mut self.held {
            Some(held) => {
                held.push(cells);
                if held.len() >= TABLE_SAMPLE {
                    self.release()?;
                }
            }
            None => self.write_table_line(&cells)?,
        }
        Ok(())
    }

    /// Sizes the columns from the rows held so far and writes them.
    fn release(&mut self) -> io::Result<()> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        self.widths = self
            .columns
            .iter()
            .map(|c| {
                if self.style.header {
                    c.chars().count()
                } else {
                    0
                }
            })
            .collect();
        for row in &held {
            for (i, (cell, _)) in row.iter().enumerate() {
                self.widths[i] = self.widths[i].max(cell.chars().count());
            }
        }
        if self.style.header {
            let widths = self.widths.clone();
            let header: Vec<(String, bool)> = self
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| (table_cell(c), self.numeric[i]))
                .collect();
            let rule: Vec<(String, bool)> =
                widths.iter().map(|w| ("-".repeat(*w), false)).collect();
            self.write_line_with(&header, &widths)?;
            self.write_line_with(&rule, &widths)?;
        }
        for row in &held {
            self.write_table_line(row)?;
        }
        Ok(())
    }

    fn write_table_line(&mut self, cells: &[(String, bool)]) -> io::Result<()> {
        let widths = self.widths.clone();
        let aligned: Vec<(String, bool)> = cells
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (c.clone(), self.numeric[i]))
            .collect();
        self.write_line_with(&aligned, &widths)
    }

    fn write_line_with(&mut self, cells: &[(String, bool)], widths: &[usize]) -> io::Result<()> {
        let refs: Vec<(&str, bool)> = cells.iter().map(|(c, r)| (c.as_str(), *r)).collect();
        write_aligned(&mut self.out.w, &refs, widths)
    }

    /// Ends the stream; returns how many rows were written.
    pub fn finish(mut self) -> io::Result<u64> {
        match self.style.format {
            Format::Table => self.release()?,
            Format::Json => {
                let w = &mut self.out.w;
                w.write_all(if self.rows == 0 { b"]\n" } else { b"\n]\n" })?;
            }
            _ => {}
        }
        Ok(self.rows)
    }
}

/// Column names made unique for JSON keys: a repeated `id` becomes `id_2`, `id_3`.
fn unique_keys(columns: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::with_capacity(columns.len());
    for c in columns {
        let mut key = c.clone();
        let mut n = 2;
        while seen.contains(&key) {
            key = format!("{c}_{n}");
            n += 1;
        }
        seen.push(key);
    }
    seen
}

/// A value as text, for the text formats: NULL is empty, numbers as SQLite prints them.
pub fn text_of(v: ValueRef<'_>) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match v {
        ValueRef::Null => Cow::Borrowed(""),
        ValueRef::Integer(i) => Cow::Owned(i.to_string()),
        ValueRef::Real(f) => Cow::Owned(real(f)),
        ValueRef::Text(t) => String::from_utf8_lossy(t),
        ValueRef::Blob(b) => Cow::Owned(format!("x'{}'", hex(b))),
    }
}

/// A REAL as text: integral values without a fraction (5700000000), others in the
/// shortest form that reads back the same (1.3).
pub fn real(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn table_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(TABLE_CELL_MAX * 4));
    for (n, c) in s.chars().enumerate() {
        if n == TABLE_CELL_MAX - 1 && s.chars().count() > TABLE_CELL_MAX {
            out.push('…');
            break;
        }
        out.push(match c {
            '\n' => '↵',
            '\r' | '\t' => ' ',
            c if c.is_control() => '�',
            c => c,
        });
    }
    out
}

pub fn markdown_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

/// A cell a spreadsheet would run as a formula if it were opened as-is.
pub fn is_formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn write_delimited(w: &mut dyn Write, values: &[ValueRef<'_>], style: Style) -> io::Result<()> {
    let (sep, end): (u8, &[u8]) = match (style.format, style.excel) {
        (Format::Tsv, true) => (b'\t', b"\r\n"),
        (Format::Tsv, false) => (b'\t', b"\n"),
        (_, true) => (b',', b"\r\n"),
        (_, false) => (b',', b"\n"),
    };
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            w.write_all(&[sep])?;
        }
        if let ValueRef::Integer(i) = v {
            write!(w, "{i}")?;
            continue;
        }
        let text = text_of(*v);
        // Only text can be a formula; numbers stay numbers in the spreadsheet.
        let guard = style.excel && matches!(v, ValueRef::Text(_)) && is_formula_like(&text);
        if style.format == Format::Tsv {
            if guard {
                w.write_all(b"'")?;
            }
            write_tsv_cell(w, &text)?;
        } else {
            write_csv_cell(w, &text, guard)?;
        }
    }
    w.write_all(end)
}

fn write_csv_cell(w: &mut dyn Write, s: &str, guard: bool) -> io::Result<()> {
    let b = s.as_bytes();
    let needs_quotes = memchr::memchr3(b',', b'"', b'\n', b).is_some()
        || memchr::memchr(b'\r', b).is_some()
        || s.starts_with(' ')
        || s.ends_with(' ');
    if !needs_quotes {
        if guard {
            w.write_all(b"'")?;
        }
        return w.write_all(s.as_bytes());
    }
    w.write_all(b"\"")?;
    if guard {
        w.write_all(b"'")?;
    }
    let mut rest = s.as_bytes();
    while let Some(i) = memchr::memchr(b'"', rest) {
        w.write_all(&rest[..=i])?;
        w.write_all(b"\"")?;
        rest = &rest[i + 1..];
    }
    w.write_all(rest)?;
    w.write_all(b"\"")
}

fn write_tsv_cell(w: &mut dyn Write, s: &str) -> io::Result<()> {
    if !s.contains(['\t', '\n', '\r', '\\']) {
        return w.write_all(s.as_bytes());
    }
    for c in s.chars() {
        match c {
            '\t' => w.write_all(b"\\t")?,
            '\n' => w.write_all(b"\\n")?,
            '\r' => w.write_all(b"\\r")?,
            '\\' => w.write_all(b"\\\\")?,
            c => {
                let mut buf = [0; 4];
                w.write_all(c.encode_utf8(&mut buf).as_bytes())?;
            }
        }
    }
    Ok(())
}

fn json_value(w: &mut dyn Write, v: ValueRef<'_>) -> io::Result<()> {
    match v {
        ValueRef::Null => w.write_all(b"null"),
        ValueRef::Integer(i) => write!(w, "{i}"),
        // serde_json writes a NaN or an infinity, which JSON has no number for, as null.
        ValueRef::Real(f) => serde_json::to_writer(&mut *w, &f).map_err(io::Error::other),
        ValueRef::Text(t) => {
            serde_json::to_writer(&mut *w, &String::from_utf8_lossy(t)).map_err(io::Error::other)
        }
        ValueRef::Blob(b) => write!(w, "\"x'{}'\"", hex(b)),
    }
}

fn json_object(w: &mut dyn Write, keys: &[String], values: &[ValueRef<'_>]) -> io::Result<()> {
    w.write_all(b"{")?;
    for (i, (k, v)) in keys.iter().zip(values).enumerate() {
        if i > 0 {
            w.write_all(b", ")?;
        }
        w.write_all(k.as_bytes())?;
        w.write_all(b": ")?;
        json_value(w, *v)?;
    }
    w.write_all(b"}")
}

/// Why streaming a query's rows stopped.
#[derive(Debug)]
pub enum StreamError {
    /// Writing failed (a closed pipe, a full disk).
    Io(io::Error),
    /// SQLite failed while stepping (a time limit, a runtime error).
    Sql(rusqlite::Error),
}

impl From<io::Error> for StreamError {
    fn from(e: io::Error) -> Self {
        StreamError::Io(e)
    }
}

impl From<rusqlite::Error> for StreamError {
    fn from(e: rusqlite::Error) -> Self {
        StreamError::Sql(e)
    }
}

/// Streams every row of a prepared, bound query; returns the row count.
pub fn query(
    out: &mut Output,
    style: Style,
    stmt: &mut rusqlite::Statement<'_>,
) -> Result<u64, StreamError> {
    let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
    let n = columns.len();
    let mut rows = stmt.raw_query();
    let mut w = RowWriter::new(out, style, columns)?;
    // Rows of up to 32 columns are gathered on the stack: no allocation per row.
    const ON_STACK: usize = 32;
    while let Some(row) = rows.next()? {
        if n <= ON_STACK {
            let mut values = [ValueRef::Null; ON_STACK];
            for (i, v) in values.iter_mut().enumerate().take(n) {
                *v = row.get_ref(i)?;
            }
            w.row(&values[..n])?;
        } else {
            let values = (0..n)
                .map(|i| row.get_ref(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            w.row(&values)?;
        }
    }
    Ok(w.finish()?)
}

/// A command's output that is not one stream of rows: named sections, each either
/// fields (name and value) or a table.
#[derive(Debug, Default)]
pub struct Document {
    pub sections: Vec<Section>,
}

#[derive(Debug)]
pub struct Section {
    /// A key for machine formats (`event`, `citations`).
    pub key: String,
    /// A heading for people ("Citations (3)").
    pub title: String,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    Fields(Vec<(String, Value)>),
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<Value>>,
    },
}

impl Document {
    pub fn fields(&mut self, key: &str, title: &str, fields: Vec<(String, Value)>) {
        self.sections.push(Section {
            key: key.into(),
            title: title.into(),
            body: Body::Fields(fields),
        });
    }

    pub fn table(&mut self, key: &str, title: &str, columns: Vec<String>, rows: Vec<Vec<Value>>) {
        self.sections.push(Section {
            key: key.into(),
            title: title.into(),
            body: Body::Table { columns, rows },
        });
    }

    /// Writes the document. Table and Markdown give headed sections; JSON and NDJSON
    /// one object keyed by section; CSV and TSV one long table of
    /// (section, row, field, value), so that every value has a cell of its own.
    pub fn write(&self, out: &mut Output, style: Style) -> io::Result<()> {
        match style.format {
            Format::Table | Format::Markdown => self.write_for_people(out, style),
            Format::Json | Format::Ndjson => self.write_json(out, style.format == Format::Json),
            Format::Csv | Format::Tsv => {
                let columns = ["section", "row", "field", "value"]
                    .map(String::from)
                    .to_vec();
                let mut w = RowWriter::new(out, style, columns)?;
                for s in &self.sections {
                    let key = Value::Text(s.key.clone());
                    match &s.body {
                        Body::Fields(fields) => {
                            for (name, v) in fields {
                                w.owned_row(&[
                                    key.clone(),
                                    Value::Null,
                                    Value::Text(name.clone()),
                                    v.clone(),
                                ])?;
                            }
                        }
                        Body::Table { columns, rows } => {
                            for (r, row) in rows.iter().enumerate() {
                                for (c, v) in columns.iter().zip(row) {
                                    w.owned_row(&[
                                        key.clone(),
                                        Value::Integer(r as i64 + 1),
                                        Value::Text(c.clone()),
                                        v.clone(),
                                    ])?;
                                }
                            }
                        }
                    }
                }
                w.finish().map(|_| ())
            }
        }
    }

    fn write_for_people(&self, out: &mut Output, style: Style) -> io::Result<()> {
        let markdown = style.format == Format::Markdown;
        for (i, s) in self.sections.iter().enumerate() {
            if i > 0 {
                out.line("")?;
            }
            if markdown {
                out.line(&format!("## {}", s.title))?;
                out.line("")?;
            } else {
                out.line(&s.title)?;
            }
            match &s.body {
                Body::Fields(fields) => {
                    let width = fields
                        .iter()
                        .map(|(n, _)| n.chars().count())
                        .max()
                        .unwrap_or(0);
                    for (name, v) in fields {
                        let text = text_of(ValueRef::from(v));
                        if markdown {
                            out.line(&format!("- **{name}**: {}", markdown_cell(&text)))?;
                        } else {
                            let text = text.replace('\n', "\n  ");
                            out.line(format!("  {name:width$}  {text}").trim_end())?;
                        }
                    }
                }
                Body::Table { columns, rows } => {
                    if rows.is_empty() {
                        out.line(if markdown { "(none)" } else { "  (none)" })?;
                        continue;
                    }
                    let mut w = RowWriter::new(out, style, columns.clone())?;
                    for row in rows {
                        w.owned_row(row)?;
                    }
                    w.finish()?;
                }
            }
        }
        Ok(())
    }

    fn write_json(&self, out: &mut Output, pretty: bool) -> io::Result<()> {
        let mut map = serde_json::Map::new();
        for s in &self.sections {
            let value = match &s.body {
                Body::Fields(fields) => serde_json::Value::Object(
                    fields
                        .iter()
                        .map(|(n, v)| (n.clone(), json_of(v)))
                        .collect(),
                ),
                Body::Table { columns, rows } => {
                    let keys = unique_keys(columns);
                    serde_json::Value::Array(
                        rows.iter()
                            .map(|row| {
                                serde_json::Value::Object(
                                    keys.iter().cloned().zip(row.iter().map(json_of)).collect(),
                                )
                            })
                            .collect(),
                    )
                }
            };
            map.insert(s.key.clone(), value);
        }
        let doc = serde_json::Value::Object(map);
        let w = out.writer();
        if pretty {
            serde_json::to_writer_pretty(&mut *w, &doc).map_err(io::Error::other)?;
        } else {
            serde_json::to_writer(&mut *w, &doc).map_err(io::Error::other)?;
        }
        w.write_all(b"\n")
    }
}

pub fn json_of(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => (*i).into(),
        Value::Real(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Text(t) => t.clone().into(),
        Value::Blob(b) => format!("x'{}'", hex(b)).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn render(style: Style, columns: &[&str], rows: &[Vec<Value>]) -> String {
        let buf = Shared::default();
        let mut out = Output::to(Box::new(buf.clone()));
        let mut w = RowWriter::new(
            &mut out,
            style,
            columns.iter().map(|c| c.to_string()).collect(),
        )
        .unwrap();
        for r in rows {
            w.owned_row(r).unwrap();
        }
        w.finish().unwrap();
        out.finish().unwrap();
        let bytes = buf.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    fn sample() -> Vec<Vec<Value>> {
        vec![
            vec![
                Value::Text("PRK".into()),
                Value::Integer(7),
                Value::Real(5.7e9),
                Value::Null,
            ],
            vec![
                Value::Text("a, \"b\"\nc".into()),
                Value::Integer(-1),
                Value::Real(1.3),
                Value::Text("=1+1".into()),
            ],
        ]
    }

    #[test]
    fn csv_is_rfc_4180_and_null_is_empty() {
        let got = render(
            Style::new(Format::Csv),
            &["id", "n", "x", "note"],
            &sample(),
        );
        assert_eq!(
            got,
            "id,n,x,note\nPRK,7,5700000000,\n\"a, \"\"b\"\"\nc\",-1,1.3,=1+1\n"
        );
    }

    #[test]
    fn excel_profile_adds_bom_crlf_and_guards_formulas_but_not_numbers() {
        let style = Style {
            excel: true,
            ..Style::new(Format::Csv)
        };
        let got = render(style, &["id", "n", "x", "note"], &sample());
        assert_eq!(
            got,
            "\u{feff}id,n,x,note\r\nPRK,7,5700000000,\r\n\"a, \"\"b\"\"\nc\",-1,1.3,'=1+1\r\n"
        );
        let got = render(
            style,
            &["a"],
            &[vec![Value::Text(
                "=HYPERLINK(\"http://example.com\",\"x\")".into(),
            )]],
        );
        assert_eq!(
            got,
            "\u{feff}a\r\n\"'=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\"\r\n"
        );
        for bad in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(is_formula_like(bad), "{bad:?}");
        }
    }

    #[test]
    fn tsv_escapes_what_would_break_a_line() {
        let got = render(
            Style::new(Format::Tsv),
            &["a", "b"],
            &[vec![Value::Text("x\ty\nz\\".into()), Value::Null]],
        );
        assert_eq!(got, "a\tb\nx\\ty\\nz\\\\\t\n");
    }

    #[test]
    fn json_keeps_types_and_renames_duplicate_keys() {
        let got = render(Style::new(Format::Json), &["id", "n", "x", "id"], &sample());
        let parsed: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert_eq!(parsed[0]["id"], "PRK");
        assert_eq!(parsed[0]["n"], 7);
        assert_eq!(parsed[0]["x"], 5.7e9);
        assert_eq!(parsed[0]["id_2"], serde_json::Value::Null);
        assert_eq!(parsed[1]["id"], "a, \"b\"\nc");
        assert_eq!(render(Style::new(Format::Json), &["a"], &[]), "[]\n");
        let nd = render(
            Style::new(Format::Ndjson),
            &["a"],
            &[vec![Value::Integer(1)], vec![Value::Null]],
        );
        assert_eq!(nd, "{\"a\": 1}\n{\"a\": null}\n");
    }

    #[test]
    fn json_cells_are_embedded_in_json_and_written_as_text_elsewhere() {
        let run = |format| {
            let buf = Shared::default();
            let mut out = Output::to(Box::new(buf.clone()));
            let mut w =
                RowWriter::new(&mut out, Style::new(format), vec!["a".into(), "b".into()]).unwrap();
            for _ in 0..2 {
                w.row_with_json(
                    &[ValueRef::Integer(1), ValueRef::Text(b"x (f:2)")],
                    &[None, Some("[{\"id\": \"x\"}]")],
                )
                .unwrap();
            }
            w.finish().unwrap();
            out.finish().unwrap();
            String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
        };
        assert_eq!(
            run(Format::Ndjson),
            "{\"a\": 1, \"b\": [{\"id\": \"x\"}]}\n{\"a\": 1, \"b\": [{\"id\": \"x\"}]}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&run(Format::Json)).unwrap();
        assert_eq!(parsed[1]["b"][0]["id"], "x");
        assert_eq!(run(Format::Csv), "a,b\n1,x (f:2)\n1,x (f:2)\n");
    }

    #[test]
    fn table_aligns_numbers_right_and_cuts_long_cells() {
        let long = "x".repeat(100);
        let got = render(
            Style::new(Format::Table),
            &["name", "n"],
            &[
                vec![Value::Text("a\nb".into()), Value::Integer(5)],
                vec![Value::Text(long), Value::Integer(1234)],
            ],
        );
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines[0], format!("{:<80}  {:>4}", "name", "n"));
        assert_eq!(lines[1], format!("{}  ----", "-".repeat(80)));
        assert_eq!(lines[2], format!("{:<80}  {:>4}", "a↵b", "5"));
        assert_eq!(lines[3], format!("{}…  1234", "x".repeat(79)));
    }

    #[test]
    fn markdown_escapes_pipes_and_breaks() {
        let got = render(
            Style::new(Format::Markdown),
            &["a|b"],
            &[vec![Value::Text("x|y\nz".into())]],
        );
        assert_eq!(got, "| a\\|b |\n| --- |\n| x\\|y<br>z |\n");
    }

    #[test]
    fn no_header() {
        let style = Style {
            header: false,
            ..Style::new(Format::Csv)
        };
        assert_eq!(render(style, &["a"], &[vec![Value::Integer(1)]]), "1\n");
        let style = Style {
            header: false,
            ..Style::new(Format::Table)
        };
        assert_eq!(render(style, &["a"], &[vec![Value::Integer(1)]]), "1\n");
    }

    #[test]
    fn a_file_appears_only_when_the_output_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let files = || {
            std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        let mut out = Output::file(&path).unwrap();
        out.line("first").unwrap();
        assert!(!path.exists());
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
        assert_eq!(files(), ["out.txt"]);

        let mut out = Output::file(&path).unwrap();
        out.line("second").unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
        assert_eq!(files(), ["out.txt"]);
    }

    #[test]
    fn columns_align_text_left_and_numbers_right() {
        let buf = Shared::default();
        let mut out = Output::to(Box::new(buf.clone()));
        out.columns(&[
            vec!["table".into(), "rows".into()],
            vec!["sources".into(), "10".into()],
            vec!["citations".into(), "112".into()],
        ])
        .unwrap();
        out.finish().unwrap();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "table      rows\nsources      10\ncitations   112\n");
    }

    #[test]
    fn documents_render_in_every_format() {
        let mut doc = Document::default();
        doc.fields(
            "event",
            "Event e1",
            vec![
                ("id".into(), Value::Text("e1".into())),
                ("n".into(), Value::Integer(2)),
            ],
        );
        doc.table(
            "citations",
            "Citations",
            vec!["source".into()],
            vec![vec![Value::Text("s1".into())]],
        );
        let run = |format| {
            let buf = Shared::default();
            let mut out = Output::to(Box::new(buf.clone()));
            doc.write(&mut out, Style::new(format)).unwrap();
            out.finish().unwrap();
            String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
        };
        assert_eq!(
            run(Format::Table),
            "Event e1\n  id  e1\n  n   2\n\nCitations\nsource\n------\ns1\n"
        );
        assert_eq!(
            run(Format::Ndjson),
            "{\"event\":{\"id\":\"e1\",\"n\":2},\"citations\":[{\"source\":\"s1\"}]}\n"
        );
        assert_eq!(
            run(Format::Csv),
            "section,row,field,value\nevent,,id,e1\nevent,,n,2\ncitations,1,source,s1\n"
        );
    }

    #[test]
    fn a_column_name_repeated_three_times_gets_three_keys() {
        let names = ["id", "id", "id", "n"].map(String::from);
        assert_eq!(unique_keys(&names), ["id", "id_2", "id_3", "n"]);
    }

    #[test]
    fn integral_reals_are_written_whole_up_to_where_doubles_stop_being_exact() {
        assert_eq!(real(5.7e9), "5700000000");
        assert_eq!(real(1.3), "1.3");
        assert_eq!(real(-0.5), "-0.5");
        // Below 1e17 every digit is written (the shortest form would end in a 0)...
        assert_eq!(real(99_999_999_999_999_984.0), "99999999999999984");
        // ...above it, the shortest form that reads back the same.
        assert_eq!(real(2f64.powi(60)), "1152921504606847000");
        assert_eq!(real(f64::NAN), "NaN");
    }

    #[test]
    fn table_cells_are_cut_only_past_the_limit_and_show_control_characters() {
        let fits = "x".repeat(TABLE_CELL_MAX);
        assert_eq!(table_cell(&fits), fits);
        let over = "y".repeat(TABLE_CELL_MAX + 1);
        assert_eq!(
            table_cell(&over),
            format!("{}…", "y".repeat(TABLE_CELL_MAX - 1))
        );
        assert_eq!(table_cell("a\u{1}b\tc\rd\ne"), "a�b c d↵e");
    }

    #[test]
    fn csv_quotes_a_carriage_return_and_spaces_at_either_end() {
        let got = render(
            Style::new(Format::Csv),
            &["a", "b", "c", "d"],
            &[vec![
                Value::Text("x\ry".into()),
                Value::Text(" lead".into()),
                Value::Text("trail ".into()),
                Value::Text("in side".into()),
            ]],
        );
        assert_eq!(got, "a,b,c,d\n\"x\ry\",\" lead\",\"trail \",in side\n");
    }

    #[test]
    fn blobs_are_written_as_hex_literals_and_non_finite_reals_as_json_null() {
        let rows = [vec![
            Value::Blob(vec![0, 0xab, 0x10]),
            Value::Real(f64::NAN),
        ]];
        assert_eq!(
            render(Style::new(Format::Csv), &["b", "r"], &rows),
            "b,r\nx'00ab10',NaN\n"
        );
        assert_eq!(
            render(Style::new(Format::Ndjson), &["b", "r"], &rows),
            "{\"b\": \"x'00ab10'\", \"r\": null}\n"
        );
        assert_eq!(json_of(&Value::Blob(vec![0xff])), "x'ff'");
        assert_eq!(
            json_of(&Value::Real(f64::INFINITY)),
            serde_json::Value::Null
        );
    }

    #[test]
    fn a_row_writer_counts_the_rows_it_wrote() {
        let mut out = Output::to(Box::new(io::sink()));
        let mut w = RowWriter::new(&mut out, Style::new(Format::Table), vec!["a".into()]).unwrap();
        for i in 0..3 {
            w.owned_row(&[Value::Integer(i)]).unwrap();
        }
        assert_eq!(w.finish().unwrap(), 3);
    }

    #[test]
    fn a_query_streams_rows_of_any_width() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        // 32 columns are gathered on the stack, 33 are not: both write every cell.
        for n in [2, 32, 33] {
            let columns: Vec<String> = (1..=n).map(|i| format!("{i} AS c{i}")).collect();
            let sql = format!("SELECT {0} UNION ALL SELECT {0}", columns.join(", "));
            let mut stmt = conn.prepare(&sql).unwrap();
            let buf = Shared::default();
            let mut out = Output::to(Box::new(buf.clone()));
            let rows = query(&mut out, Style::new(Format::Csv), &mut stmt).unwrap();
            out.finish().unwrap();
            assert_eq!(rows, 2, "{n} columns");
            let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
            let header: Vec<String> = (1..=n).map(|i| format!("c{i}")).collect();
            let row: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
            let row = row.join(",");
            assert_eq!(text, format!("{}\n{row}\n{row}\n", header.join(",")));
        }
    }
}
