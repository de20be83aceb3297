//! Checks that need nothing but the row itself: header mapping, cell syntax, dates,
//! numbers, vocabularies and the rules that tie one row's cells together.
//!
//! Checks that need other rows (duplicate ids, references, loops) run in SQLite once
//! every row is in; see `load.rs`.

use super::csvread::{Issue, Record};
use super::dates::{self, Date, Precision};
use super::spec::{Check, Column, ID_MAX, TITLE_MAX, Table};
use super::values;
use std::collections::HashSet;

/// The controlled vocabularies, read from the schema's lookup tables.
#[derive(Clone, Debug, Default)]
pub struct Vocab {
    pub units: HashSet<String>,
    pub source_kinds: Vec<String>,
    pub actor_kinds: Vec<String>,
}

/// Where each of a table's columns sits in one file.
#[derive(Clone, Debug)]
pub struct Layout {
    pub table: Table,
    /// For each column in canonical order, its field index in the file, if present.
    pub fields: Vec<Option<usize>>,
    /// How many fields the header has.
    pub width: usize,
}

impl Layout {
    /// The cell for a column, or `None` when the file lacks the column or the cell is empty.
    pub fn cell<'r>(&self, rec: &'r Record, column: usize) -> Option<&'r str> {
        self.fields[column]
            .map(|f| rec.get(f))
            .filter(|s| !s.is_empty())
    }

    /// The field position, from 1, to report for a column.
    pub fn position(&self, column: usize) -> usize {
        self.fields[column].map_or(1, |f| f + 1)
    }

    /// The cell of the column of this name; see [`Layout::cell`].
    pub fn cell_of<'r>(&self, rec: &'r Record, name: &str) -> Option<&'r str> {
        self.table.index(name).and_then(|c| self.cell(rec, c))
    }

    /// The field position, from 1, of the column of this name.
    pub fn position_of(&self, name: &str) -> usize {
        self.table.index(name).map_or(1, |c| self.position(c))
    }
}

/// A problem found in one row or header, before the file name and line are attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Field position from 1.
    pub column: usize,
    pub what: String,
    pub found: String,
    pub fix: String,
}

fn finding(
    column: usize,
    what: impl Into<String>,
    found: String,
    fix: impl Into<String>,
) -> Finding {
    Finding {
        column,
        what: what.into(),
        found,
        fix: fix.into(),
    }
}

/// A value as messages show it: quoted, escaped, and cut short when long.
pub fn quoted(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut:?}…")
    } else {
        format!("{s:?}")
    }
}

/// What a cell was parsed into: the source of the derived columns it fills (see
/// [`crate::db::spec::Part`]). A row has one per column, in canonical order.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Parsed {
    /// Nothing beyond the text: an empty cell, or a column without derived columns.
    #[default]
    None,
    Date(Date),
    Value(f64),
}

impl Parsed {
    pub fn date(self) -> Option<Date> {
        match self {
            Parsed::Date(d) => Some(d),
            _ => None,
        }
    }

    pub fn value(self) -> Option<f64> {
        match self {
            Parsed::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// Recognises the delimiter from the header line: `;` when it names more known
/// columns than `,` does.
pub fn delimiter(table: Table, first_line: &[u8]) -> u8 {
    let known = |d: u8| {
        first_line
            .split(|b| *b == d)
            .filter(|name| {
                let name = String::from_utf8_lossy(name);
                let name = name.trim().trim_matches('"').to_lowercase();
                table.columns().iter().any(|c| c.name == name)
            })
            .count()
    };
    if known(b';') > known(b',') {
        b';'
    } else {
        b','
    }
}

/// Maps a header row onto the table's columns.
pub fn layout(table: Table, header: &Record) -> Result<Layout, Vec<Finding>> {
    let columns = table.columns();
    let mut fields = vec![None; columns.len()];
    // A header whose bytes are wrong cannot be read as names; say only that.
    if !header.issues.is_empty() {
        return Err(header
            .issues
            .iter()
            .map(|(f, issue)| issue_finding(f + 1, issue))
            .collect());
    }
    let mut problems = Vec::new();
    let expected = || {
        format!(
            "the columns of {} are {}",
            table.file_name(),
            table.header().replace(',', ", ")
        )
    };
    for i in 0..header.width() {
        let name = header.get(i);
        let at = i + 1;
        if name.is_empty() {
            problems.push(finding(
                at,
                "column has no name",
                "an empty header cell".into(),
                format!("name it or delete the column; {}", expected()),
            ));
            continue;
        }
        match columns.iter().position(|c| c.name == name) {
            Some(c) if fields[c].is_some() => {
                let first = fields[c].map_or(0, |f: usize| f + 1);
                problems.push(finding(
                    at,
                    "column appears twice",
                    format!("{} again; first at column {first}", quoted(name)),
                    "delete one of the two columns",
                ));
            }
            Some(c) => fields[c] = Some(i),
            None => {
                let near = columns
                    .iter()
                    .find(|c| c.name == name.trim().to_lowercase().replace(' ', "_"));
                // `Title` beside `title`: renaming it as for a lone column would only
                // make the same column twice.
                if let Some(c) = near
                    && let Some(other) = (0..header.width()).find(|&j| header.get(j) == c.name)
                {
                    problems.push(finding(
                        at,
                        "column appears twice",
                        format!(
                            "{}, which column {} already names as {}",
                            quoted(name),
                            other + 1,
                            c.name
                        ),
                        "delete one of the two columns",
                    ));
                    continue;
                }
                let fix = match near {
                    _ if name.contains('\t') => {
                        "the header is tab-separated; dossier reads comma- or \
                        semicolon-separated files: save the file as CSV"
                            .to_string()
                    }
                    Some(c) if name.trim() != name => {
                        format!("remove the spaces around the name: {}", c.name)
                    }
                    Some(c) => format!("rename it {} (names are lower case)", c.name),
                    None => match closest(name, columns) {
                        Some(c) => format!("did you mean {}? {}", c, expected()),
                        None => expected(),
                    },
                };
                problems.push(finding(at, "unknown column", quoted(name), fix));
            }
        }
    }
    // A tab-separated header explains every column it seems to lack.
    let tabs = problems
        .iter()
        .any(|p| p.fix.starts_with("the header is tab-separated"));
    for (c, column) in columns.iter().enumerate() {
        if column.required
            && fields[c].is_none()
            && !tabs
            && !problems.iter().any(|p| p.fix.contains(column.name))
        {
            problems.push(finding(
                header.width() + 1,
                format!("required column {} is missing", column.name),
                format!("a header without {}", column.name),
                format!(
                    "add a {} column; {} needs {}",
                    column.name,
                    table.file_name(),
                    table.required().join(", ")
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(Layout {
            table,
            fields,
            width: header.width(),
        })
    } else {
        Err(problems)
    }
}

/// The known column name nearest to a misspelt one, if any is close.
fn closest(name: &str, columns: &[Column]) -> Option<&'static str> {
    let name = name.to_lowercase();
    columns
        .iter()
        .map(|c| (edit_distance(&name, c.name), c.name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Describes a byte-level problem the reader found in a field.
pub fn issue_finding(column: usize, issue: &Issue) -> Finding {
    match issue {
        Issue::QuoteInUnquoted => finding(
            column,
            "stray double quote in a field that does not start with one",
            "a \" inside the field".into(),
            "put the whole field in double quotes and double each quote inside it: \"5\"\" pipe\"",
        ),
        Issue::TextAfterQuote(b) => finding(
            column,
            "text after the closing quote of a field",
            format!("{} after the quote", byte_name(*b)),
            "a quote inside a quoted field is written twice (\"\"); or add the missing delimiter",
        ),
        Issue::Nul { offset } => finding(
            column,
            "NUL byte in the file",
            format!("byte 0x00 at byte offset {offset}"),
            "the file may be UTF-16 or binary; save it as UTF-8 CSV",
        ),
        Issue::NotUtf8 { byte, offset } => finding(
            column,
            "bytes that are not UTF-8",
            format!("byte 0x{byte:02X} at byte offset {offset}"),
            "save the file as UTF-8 (in Excel: CSV UTF-8; in LibreOffice: character set Unicode (UTF-8))",
        ),
    }
}

fn byte_name(b: u8) -> String {
    if b.is_ascii_graphic() || b == b' ' {
        format!("{:?}", char::from(b))
    } else {
        format!("byte 0x{b:02X}")
    }
}

/// Checks one data row. Findings go to `out`; what each cell was parsed into, to
/// `parsed`, one per column.
pub fn row(
    layout: &Layout,
    rec: &Record,
    vocab: &Vocab,
    parsed: &mut Vec<Parsed>,
    out: &mut Vec<Finding>,
) {
    parsed.clear();
    parsed.resize(layout.table.columns().len(), Parsed::None);
    if let Some((field, issue)) = rec.issues.first() {
        out.push(issue_finding(field + 1, issue));
        return;
    }
    if rec.width() != layout.width {
        let (column, what, fix) = if rec.width() < layout.width {
            (
                rec.width() + 1,
                "row has fewer fields than the header",
                "a delimiter is missing, or a field with a line break lost its quotes",
            )
        } else {
            (
                layout.width + 1,
                "row has more fields than the header",
                "put fields that contain the delimiter in double quotes",
            )
        };
        out.push(finding(
            column,
            what,
            format!("{} fields, the header has {}", rec.width(), layout.width),
            fix,
        ));
        return;
    }
    let first = out.len();
    let columns = layout.table.columns();
    for (c, column) in columns.iter().enumerate() {
        let Some(field) = layout.fields[c] else {
            continue;
        };
        let text = rec.get(field);
        let at = field + 1;
        if text.is_empty() {
            if column.required {
                out.push(finding(
                    at,
                    format!("{} is required", column.name),
                    "an empty cell".into(),
                    fill_hint(layout.table, column),
                ));
            }
            continue;
        }
        match cell(column, text, vocab) {
            Ok(p) => parsed[c] = p,
            Err(f) => out.push(Finding { column: at, ..f }),
        }
    }
    across(layout, rec, parsed, out);
    out[first..].sort_by_key(|f| f.column);
}

fn fill_hint(table: Table, column: &Column) -> String {
    match column.name {
        "id" => format!(
            "give every row an id; ids are how other files refer to this {}",
            table.noun()
        ),
        "quote" => "copy the source's words that support this row, verbatim".into(),
        "locator" => "say where the quote stands in the source, e.g. para 3 or p. 12".into(),
        "source" => "name the id of the source (from sources.csv) that supports this row".into(),
        name => format!("fill in the {name} column"),
    }
}

/// Checks a non-empty cell, and gives what it was parsed into.
fn cell(column: &Column, text: &str, vocab: &Vocab) -> Result<Parsed, Finding> {
    let name = column.name;
    let bad = |what: String, fix: String| finding(0, what, quoted(text), fix);
    let parsed = match column.check {
        Check::Date => {
            let d =
                dates::parse(text).map_err(|e| bad(format!("{name}: {}", e.problem), e.hint))?;
            return Ok(Parsed::Date(d));
        }
        Check::Value => {
            let v =
                values::parse(text).map_err(|e| bad(format!("{name}: {}", e.problem), e.hint))?;
            return Ok(Parsed::Value(v));
        }
        _ => Parsed::None,
    };
    text_cell(column, text, vocab).map(|()| parsed)
}

/// Checks a non-empty cell of a column that derives nothing from its text.
fn text_cell(column: &Column, text: &str, vocab: &Vocab) -> Result<(), Finding> {
    let name = column.name;
    let bad = |what: String, fix: String| finding(0, what, quoted(text), fix);
    match column.check {
        Check::Date | Check::Value => Ok(()),
        Check::Id | Check::Ref(_) => id(name, text),
        Check::Line => line(name, text),
        Check::Title => {
            line(name, text)?;
            let n = text.chars().count();
            if n > TITLE_MAX {
                return Err(finding(
                    0,
                    format!("{name} is longer than {TITLE_MAX} characters"),
                    format!("{n} characters"),
                    "keep the title to a one-line headline and move the rest to notes",
                ));
            }
            Ok(())
        }
        Check::Text => free_text(name, text),
        Check::Quote => {
            free_text(name, text)?;
            if text.trim().is_empty() {
                return Err(bad(
                    format!("{name} is blank"),
                    "copy the source's words that support this row, verbatim".into(),
                ));
            }
            Ok(())
        }
        Check::Day => {
            let d =
                dates::parse(text).map_err(|e| bad(format!("{name}: {}", e.problem), e.hint))?;
            if d.precision != Precision::Day || d.end != Some(d.start) || d.uncertain || d.approx {
                return Err(bad(
                    format!("{name} must be a single day"),
                    "write the day the page was read as YYYY-MM-DD".into(),
                ));
            }
            Ok(())
        }
        Check::Unit => {
            if vocab.units.contains(text) {
                return Ok(());
            }
            Err(bad("unknown unit".into(), unit_hint(text, vocab)))
        }
        Check::Qualifier => one_of(name, text, &QUALIFIERS, QUALIFIER_HINT),
        Check::Relation => one_of(
            name,
            text,
            &RELATIONS,
            "use supports, disputes or mentions (empty means supports)",
        ),
        Check::SourceKind => one_of(name, text, &vocab.source_kinds, ""),
        Check::ActorKind => one_of(name, text, &vocab.actor_kinds, ""),
        Check::Language => {
            if is_language(text) {
                Ok(())
            } else {
                Err(bad(
                    "not a language tag".into(),
                    "write a BCP 47 language tag such as en, ko, ru or zh-Hans".into(),
                ))
            }
        }
        Check::Url => {
            let ok = (text.starts_with("https://") || text.starts_with("http://"))
                && text.len() > 8
                && !text.chars().any(|c| c.is_whitespace() || c.is_control());
            if ok {
                Ok(())
            } else {
                Err(bad(
                    "not a web address".into(),
                    "write the full address, starting with https:// or http://, without spaces"
                        .into(),
                ))
            }
        }
        Check::Locator => {
            line(name, text)?;
            if super::quote::paragraph_locator(text) == Some(0) {
                return Err(bad(
                    "paragraphs are numbered from 1".into(),
                    "para 1 is the first paragraph after the title block".into(),
                ));
            }
            Ok(())
        }
        Check::Document => document_path(name, text),
        Check::RefList(_) | Check::Tags => list(name, text, true),
        Check::Aliases => list(name, text, false),
    }
}

/// The qualifiers a figure may have, as `figures.csv`'s qualifier column takes them.
pub const QUALIFIERS: [&str; 7] = ["eq", "approx", "gt", "ge", "lt", "le", "range"];
/// How a citation may bear on its fact, as the relation column takes them.
pub const RELATIONS: [&str; 3] = ["supports", "disputes", "mentions"];
const QUALIFIER_HINT: &str = "eq (exact, or leave empty), approx (about, near), gt (more than), \
                              ge (at least), lt (less than, almost), le (at most, up to), range (with lower and upper)";

fn one_of<S: AsRef<str>>(name: &str, text: &str, allowed: &[S], hint: &str) -> Result<(), Finding> {
    if allowed.iter().any(|a| a.as_ref() == text) {
        return Ok(());
    }
    let list: Vec<&str> = allowed.iter().map(AsRef::as_ref).collect();
    let fix = match allowed
        .iter()
        .find(|a| a.as_ref().eq_ignore_ascii_case(text.trim()))
    {
        Some(a) => format!("write {}", a.as_ref()),
        None if hint.is_empty() => format!("use one of {}", list.join(", ")),
        None => format!("use one of {hint}"),
    };
    Err(finding(0, format!("unknown {name}"), quoted(text), fix))
}

fn unit_hint(text: &str, vocab: &Vocab) -> String {
    let t = text.trim();
    if let Some(u) = vocab.units.iter().find(|u| u.eq_ignore_ascii_case(t)) {
        return format!("write {u} (unit codes are case-sensitive)");
    }
    let lower = t.to_lowercase();
    let common = [
        (&["$", "us$", "dollar", "dollars", "usd$"][..], "USD"),
        (&["%", "per cent", "pct", "percentage"][..], "percent"),
        (
            &[
                "ton",
                "tons",
                "tonne",
                "tonnes",
                "mt",
                "metric ton",
                "metric tons",
            ][..],
            "t (tonnes; or short_ton for US tons)",
        ),
        (
            &["kilometre", "kilometres", "kilometer", "kilometers"][..],
            "km",
        ),
        (
            &["people", "persons", "number", "units", "items"][..],
            "count",
        ),
        (&["years", "yr", "yrs"][..], "year"),
        (
            &["rouble", "roubles", "ruble", "rubles"][..],
            "RUB (or SUR for Soviet roubles)",
        ),
        (
            &["won"][..],
            "KPW (North Korean won) or KRW (South Korean won)",
        ),
        (&["yuan", "renminbi", "rmb"][..], "CNY"),
        (&["euro", "euros", "€"][..], "EUR"),
    ];
    if let Some((_, code)) = common
        .iter()
        .find(|(names, _)| names.contains(&lower.as_str()))
    {
        return format!("write {code}");
    }
    "use a code from the units table: an ISO 4217 currency code such as USD, or percent, count, t, kg, km, year… \
     (dossier sql \"select code, name from units\" lists them)"
        .into()
}

/// The first control character in `text`, if any (tab, LF and CR allowed when
/// `allow_breaks`). Every C0 control is a byte below 0x20, DEL is 0x7F and every C1
/// control starts with 0xC2, so most cells are cleared by a byte scan without
/// decoding a character.
fn has_control(text: &str, allow_breaks: bool) -> Option<char> {
    let b = text.as_bytes();
    // `min` over bytes compiles to vector instructions; a cell with no byte below a
    // space, no DEL and no 0xC2 holds no control character at all.
    let clean = b.iter().copied().min().is_none_or(|m| m >= 0x20)
        && memchr::memchr2(0x7F, 0xC2, b).is_none();
    if clean {
        return None;
    }
    text.chars()
        .find(|c| c.is_control() && !(allow_breaks && matches!(c, '\n' | '\r' | '\t')))
}

fn line(name: &str, text: &str) -> Result<(), Finding> {
    if text.contains(['\n', '\r']) {
        return Err(finding(
            0,
            format!("{name} must be one line"),
            quoted(text),
            "remove the line breaks (longer text belongs in notes)",
        ));
    }
    control(name, text, false)
}

fn free_text(name: &str, text: &str) -> Result<(), Finding> {
    control(name, text, true)
}

fn control(name: &str, text: &str, allow_breaks: bool) -> Result<(), Finding> {
    match has_control(text, allow_breaks) {
        Some(c) => Err(finding(
            0,
            format!("{name} contains a control character"),
            format!("U+{:04X} in {}", u32::from(c), quoted(text)),
            "remove it; it was probably pasted in by accident",
        )),
        None => Ok(()),
    }
}

/// A document's path: relative to the folder of the CSV file that names it, and
/// inside that folder. Whether the file is there, and where a symbolic link leads,
/// is checked when it is read.
pub fn document_path(name: &str, text: &str) -> Result<(), Finding> {
    line(name, text)?;
    let bad = |what: &str, fix: &str| Err(finding(0, format!("{name}: {what}"), quoted(text), fix));
    let example = "write it relative to the folder of sources.csv, such as documents/article.txt";
    if text.trim() != text {
        return bad(
            "the path has spaces around it",
            &format!("remove them: {}", text.trim()),
        );
    }
    if text.contains('\\') {
        return bad(
            "the path has a backslash",
            &format!("separate folders with /, as in {}", text.replace('\\', "/")),
        );
    }
    let drive =
        text.len() >= 2 && text.as_bytes()[1] == b':' && text.as_bytes()[0].is_ascii_alphabetic();
    if text.starts_with('/') || text.starts_with('~') || drive {
        return bad("the path is absolute", example);
    }
    if text.split('/').any(|part| part == "..") {
        return bad(
            "the path leaves the folder of sources.csv (..)",
            "keep documents in the folder of sources.csv or below it, such as documents/article.txt",
        );
    }
    if text.ends_with('/') || text.split('/').all(|p| p.is_empty() || p == ".") {
        return bad("the path names a folder, not a file", example);
    }
    Ok(())
}

/// Ids: letters, digits, `.`, `_` and `-`, starting with a letter or digit.
pub fn is_id(text: &str) -> bool {
    let b = text.as_bytes();
    !b.is_empty()
        && b.len() <= ID_MAX
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

fn id(name: &str, text: &str) -> Result<(), Finding> {
    if is_id(text) {
        return Ok(());
    }
    let fix = if text.trim() != text {
        format!("remove the spaces around it: {}", text.trim())
    } else if text.chars().any(char::is_control) {
        "remove the control characters; ids use letters, digits, . _ and -".to_string()
    } else if text.contains(' ') {
        format!("ids have no spaces; write {}", text.replace(' ', "-"))
    } else if text.contains(';') {
        format!("{name} takes one id; lists are only for actors and tags")
    } else if text.len() > ID_MAX {
        format!("ids are at most {ID_MAX} characters")
    } else {
        "ids use letters, digits, . _ and -, and start with a letter or digit".to_string()
    };
    Err(finding(
        0,
        format!("{name} is not a valid id"),
        quoted(text),
        fix,
    ))
}

/// A `;`-separated list: elements trimmed of spaces, none empty, none repeated.
fn list(name: &str, text: &str, ids: bool) -> Result<(), Finding> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, element) in text.split(';').enumerate() {
        let element = element.trim();
        if element.is_empty() {
            return Err(finding(
                0,
                format!("{name} has an empty element (element {})", i + 1),
                quoted(text),
                "remove the extra ; so that the list reads like PRK;RUS",
            ));
        }
        if ids {
            id(name, element).map_err(|f| Finding {
                what: format!("{name} element {} is not a valid id", i + 1),
                found: quoted(element),
                ..f
            })?;
        } else {
            line(name, element)?;
        }
        let repeated = if ids {
            seen.contains(&element)
        } else {
            seen.iter().any(|s| s.eq_ignore_ascii_case(element))
        };
        if repeated {
            return Err(finding(
                0,
                format!("{name} lists {} twice", quoted(element)),
                quoted(text),
                "list each one once",
            ));
        }
        seen.push(element);
    }
    Ok(())
}

/// Splits a list cell the way [`list`] checked it.
pub fn elements(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim)
}

fn is_language(text: &str) -> bool {
    let mut parts = text.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Rules that tie cells of one row together.
fn across(layout: &Layout, rec: &Record, parsed: &[Parsed], out: &mut Vec<Finding>) {
    let cell = |name: &str| layout.cell_of(rec, name);
    let at = |name: &str| layout.position_of(name);
    let itself = |column: &str, what: &str, fix: &str, out: &mut Vec<Finding>| {
        if let (Some(id), Some(other)) = (cell("id"), cell(column))
            && id == other
        {
            out.push(finding(at(column), what, quoted(other), fix));
        }
    };
    match layout.table {
        Table::Sources => itself(
            "via",
            "a source cannot be known via itself",
            "leave via empty, or name the source this one was reported in",
            out,
        ),
        Table::Figures => {
            figure_bounds(layout, rec, parsed, out);
            itself(
                "base",
                "a figure cannot be its own base",
                "base names the figure this one is a share of, e.g. the total",
                out,
            );
        }
        Table::Actors | Table::Events | Table::Citations => {}
    }
    exactly_one(layout, rec, out);
}

/// A row fills exactly one of the columns its table pairs (a citation's event or
/// figure).
fn exactly_one(layout: &Layout, rec: &Record, out: &mut Vec<Finding>) {
    let names = layout.table.exactly_one_of();
    if names.is_empty() {
        return;
    }
    let filled: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| layout.cell_of(rec, n).is_some())
        .collect();
    let noun = layout.table.noun();
    let either = names
        .iter()
        .map(|n| {
            format!(
                "{} {n}",
                if n.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                }
            )
        })
        .collect::<Vec<_>>()
        .join(" or ");
    let listed = names.join(" and ");
    match filled.as_slice() {
        [] => out.push(finding(
            layout.position_of(names[0]),
            format!("a {noun} needs {either}"),
            format!("both {listed} empty"),
            format!(
                "fill in the id of {} the quote supports",
                names
                    .iter()
                    .map(|n| format!("the {n}"))
                    .collect::<Vec<_>>()
                    .join(" or of ")
            ),
        )),
        [_] => {}
        [.., last] => out.push(finding(
            layout.position_of(last),
            format!("a {noun} is for {either}, not both"),
            format!("both {listed} filled in"),
            format!(
                "split it into two rows, {}",
                names
                    .iter()
                    .map(|n| format!("one for the {n}"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
    }
}

fn figure_bounds(layout: &Layout, rec: &Record, parsed: &[Parsed], out: &mut Vec<Finding>) {
    let qualifier = layout.cell_of(rec, "qualifier").unwrap_or("eq");
    let number = |name: &str| {
        layout
            .table
            .index(name)
            .and_then(|c| parsed.get(c))
            .and_then(|p| p.value())
    };
    let (value, lower, upper) = (number("value"), number("lower"), number("upper"));
    match qualifier {
        "range" => {
            for name in ["lower", "upper"] {
                if layout.cell_of(rec, name).is_none() {
                    out.push(finding(
                        layout.position_of(name),
                        format!("a range needs {name}"),
                        "an empty cell".into(),
                        "fill in lower and upper, and put the source's best figure (or the midpoint) in value",
                    ));
                }
            }
        }
        "approx" => {}
        q => {
            for name in ["lower", "upper"] {
                if let Some(text) = layout.cell_of(rec, name) {
                    out.push(finding(
                        layout.position_of(name),
                        format!("{name} is only for qualifiers range and approx"),
                        format!("{} with qualifier {q}", quoted(text)),
                        "empty the bound, or set qualifier to range",
                    ));
                }
            }
        }
    }
    if let (Some(v), Some(lo)) = (value, lower)
        && lo > v
    {
        out.push(finding(
            layout.position_of("lower"),
            "lower is above value",
            format!("{} > {}", lo, v),
            "lower must not exceed value",
        ));
    }
    if let (Some(v), Some(hi)) = (value, upper)
        && hi < v
    {
        out.push(finding(
            layout.position_of("upper"),
            "upper is below value",
            format!("{} < {}", hi, v),
            "upper must not be below value",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::csvread::Reader;

    fn records(input: &str) -> Vec<Record> {
        let mut r = Reader::new(input.as_bytes()).unwrap();
        let mut out = Vec::new();
        loop {
            let mut rec = Record::default();
            if !r.read(&mut rec).unwrap() {
                return out;
            }
            out.push(rec);
        }
    }

    fn vocab() -> Vocab {
        Vocab {
            units: ["USD", "percent", "t"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            source_kinds: vec!["article".into(), "statement".into()],
            actor_kinds: vec!["state".into()],
        }
    }

    fn check(table: Table, csv: &str) -> Vec<String> {
        let recs = records(csv);
        let layout = match layout(table, &recs[0]) {
            Ok(l) => l,
            Err(f) => {
                return f
                    .iter()
                    .map(|f| format!("{}: {} ({}) — {}", f.column, f.what, f.found, f.fix))
                    .collect();
            }
        };
        let mut out = Vec::new();
        for rec in &recs[1..] {
            let mut parsed = Vec::new();
            row(&layout, rec, &vocab(), &mut parsed, &mut out);
        }
        out.iter()
            .map(|f| format!("{}: {} ({}) — {}", f.column, f.what, f.found, f.fix))
            .collect()
    }

    #[test]
    fn header_problems() {
        assert_eq!(
            check(Table::Actors, "id,Name,kind\n"),
            vec!["2: unknown column (\"Name\") — rename it name (names are lower case)"]
        );
        assert_eq!(
            check(Table::Actors, "id, name\n"),
            vec!["2: unknown column (\" name\") — remove the spaces around the name: name"]
        );
        assert_eq!(
            check(Table::Actors, "id,name,id\n"),
            vec![
                "3: column appears twice (\"id\" again; first at column 1) — delete one of the two columns"
            ]
        );
        // The same name but for case or spaces: the one column twice, not a misspelling.
        assert_eq!(
            check(Table::Actors, "ID,name,id\n"),
            vec![
                "1: column appears twice (\"ID\", which column 3 already names as id) — delete one of the two columns"
            ]
        );
        assert_eq!(
            check(Table::Actors, "id,name,name \n"),
            vec![
                "3: column appears twice (\"name \", which column 2 already names as name) — delete one of the two columns"
            ]
        );
        assert_eq!(
            check(Table::Actors, "id,nmae\n"),
            vec![
                "2: unknown column (\"nmae\") — did you mean name? the columns of actors.csv are id, name, kind, aliases"
            ]
        );
        assert_eq!(
            check(Table::Actors, "id,kind\n"),
            vec![
                "3: required column name is missing (a header without name) — add a name column; actors.csv needs id, name"
            ]
        );
    }

    #[test]
    fn optional_columns_may_be_left_out_and_order_is_free() {
        assert!(check(Table::Actors, "name,id\nNorth Korea,PRK\n").is_empty());
    }

    #[test]
    fn delimiter_is_recognised_from_the_header() {
        assert_eq!(delimiter(Table::Actors, b"id;name;kind"), b';');
        assert_eq!(delimiter(Table::Actors, b"id,name,kind"), b',');
        assert_eq!(delimiter(Table::Actors, b"\"id\";\"name\""), b';');
        assert_eq!(delimiter(Table::Actors, b"id"), b',');
    }

    #[test]
    fn a_row_gives_the_loader_its_dates_and_values() {
        let parsed = |table: Table, csv: &str| {
            let recs = records(csv);
            let layout = layout(table, &recs[0]).unwrap();
            let (mut parsed, mut out) = (Vec::new(), Vec::new());
            row(&layout, &recs[1], &vocab(), &mut parsed, &mut out);
            assert_eq!(out, []);
            (layout, parsed)
        };
        let (layout, got) = parsed(
            Table::Events,
            "id,date,title,source,quote\nev-1,2017-06~,T,s1,q\n",
        );
        let date = layout.table.index("date").unwrap();
        assert_eq!(got[date].date(), crate::db::dates::parse("2017-06~").ok());
        assert!(got[date].date().is_some());
        assert_eq!(got[date].value(), None);
        assert_eq!(got[layout.table.index("title").unwrap()].date(), None);
        let (layout, got) = parsed(
            Table::Figures,
            "id,measure,value,unit,source,quote,locator\nf1,trade,2.5,USD,s1,q,para 1\n",
        );
        let value = layout.table.index("value").unwrap();
        assert_eq!(got[value].value(), Some(2.5));
        assert_eq!(got[value].date(), None);
    }

    #[test]
    fn row_problems() {
        let got = check(
            Table::Figures,
            "id,measure,value,unit,source,quote,locator,qualifier,lower,upper,base\n\
             f1,trade,\"1,000\",USD,s1,q,para 1,,,,\n\
             f2,trade,5,tons,s1,q,para 1,gt,,,\n\
             f3,trade,5,USD,s1, ,para 1,range,6,,f3\n\
             f 4,trade,5,USD,s1,q,para 1,,,,\n",
        );
        assert_eq!(
            got,
            vec![
                "3: value: number has a comma (\"1,000\") — dossier does not guess: write 1000 if the comma separates thousands, or 1.000 if it is a decimal comma",
                "4: unknown unit (\"tons\") — write t (tonnes; or short_ton for US tons)",
                "6: quote is blank (\" \") — copy the source's words that support this row, verbatim",
                "9: lower is above value (6 > 5) — lower must not exceed value",
                "10: a range needs upper (an empty cell) — fill in lower and upper, and put the source's best figure (or the midpoint) in value",
                "11: a figure cannot be its own base (\"f3\") — base names the figure this one is a share of, e.g. the total",
                "1: id is not a valid id (\"f 4\") — ids have no spaces; write f-4",
            ]
        );
    }

    #[test]
    fn ragged_rows() {
        assert_eq!(
            check(Table::Actors, "id,name\nPRK\nRUS,Russia,x\n"),
            vec![
                "2: row has fewer fields than the header (1 fields, the header has 2) — a delimiter is missing, or a field with a line break lost its quotes",
                "3: row has more fields than the header (3 fields, the header has 2) — put fields that contain the delimiter in double quotes",
            ]
        );
    }

    #[test]
    fn lists() {
        let got = check(
            Table::Events,
            "id,date,title,source,quote,locator,actors,tags\n\
             e1,2017,t,s,q,p,RUS;;PRK,\n\
             e2,2017,t,s,q,p,RUS; PRK,a;a\n\
             e3,2017,t,s,q,p, RUS ; PRK ,x\n",
        );
        assert_eq!(
            got,
            vec![
                "7: actors has an empty element (element 2) (\"RUS;;PRK\") — remove the extra ; so that the list reads like PRK;RUS",
                "8: tags lists \"a\" twice (\"a;a\") — list each one once",
            ]
        );
        assert_eq!(
            elements(" RUS ; PRK ").collect::<Vec<_>>(),
            vec!["RUS", "PRK"]
        );
    }

    #[test]
    fn citations_need_exactly_one_target() {
        let got = check(
            Table::Citations,
            "source,event,figure,quote,locator\ns,,,q,p\ns,e,f,q,p\ns,e,,q,p\n",
        );
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("2: a citation needs an event or a figure"));
        assert!(got[1].starts_with("3: a citation is for an event or a figure, not both"));
    }

    #[test]
    fn vocabularies_suggest_the_right_spelling() {
        let got = check(
            Table::Sources,
            "id,kind,title,language,url,accessed\ns,Article,t,EN,www.x.org,2017-06\n",
        );
        assert_eq!(
            got,
            vec![
                "2: unknown kind (\"Article\") — write article",
                "4: not a language tag (\"EN\") — write a BCP 47 language tag such as en, ko, ru or zh-Hans",
                "5: not a web address (\"www.x.org\") — write the full address, starting with https:// or http://, without spaces",
                "6: accessed must be a single day (\"2017-06\") — write the day the page was read as YYYY-MM-DD",
            ]
        );
    }

    #[test]
    fn quoted_values_are_escaped_and_cut() {
        assert_eq!(quoted("a\tb"), "\"a\\tb\"");
        assert_eq!(quoted(&"x".repeat(100)), format!("\"{}\"…", "x".repeat(60)));
    }

    #[test]
    fn ids() {
        assert!(is_id("PRK"));
        assert!(is_id("ev-1961.treaty_1"));
        assert!(is_id("007"));
        assert!(!is_id("-x"));
        assert!(!is_id("a b"));
        assert!(!is_id("a\u{7}"));
        assert!(!is_id(&"a".repeat(ID_MAX + 1)));
    }

    /// The findings for a sources.csv row that is valid but for one cell.
    fn source_cell(column: &str, value: &str) -> Vec<String> {
        check(
            Table::Sources,
            &format!(
                "id,kind,title,{column}\ns1,article,t,\"{}\"\n",
                value.replace('"', "\"\"")
            ),
        )
    }

    /// The one finding for a cell that is refused.
    fn refused(column: &str, value: &str) -> String {
        let got = source_cell(column, value);
        assert_eq!(got.len(), 1, "{column} {value:?}: {got:?}");
        got[0].clone()
    }

    #[test]
    fn a_value_as_long_as_the_limit_is_shown_whole() {
        let s = "é".repeat(60);
        assert_eq!(quoted(&s), format!("\"{s}\""));
        let s = "é".repeat(61);
        assert_eq!(quoted(&s), format!("\"{}\"…", "é".repeat(60)));
    }

    #[test]
    fn a_header_naming_as_many_columns_either_way_is_comma_separated() {
        assert_eq!(delimiter(Table::Actors, b"id;name,kind"), b',');
        // Known names count, not fields: semicolons inside one unknown name change nothing.
        assert_eq!(delimiter(Table::Actors, b"id,name,a;b;c;d"), b',');
    }

    #[test]
    fn a_misspelt_column_is_matched_within_two_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "id"), 2);
        assert_eq!(edit_distance("id", ""), 2);
        assert_eq!(edit_distance("nmae", "name"), 2);
        assert_eq!(edit_distance("nam", "name"), 1);
        assert_eq!(edit_distance("name", "name"), 0);
        let columns = Table::Actors.columns();
        assert_eq!(closest("nmae", columns), Some("name"));
        assert_eq!(closest("KINDS", columns), Some("kind"));
        assert_eq!(closest("nationality", columns), None);
    }

    #[test]
    fn bytes_in_the_way_of_a_field_are_reported_where_they_are() {
        assert_eq!(byte_name(b'c'), "'c'");
        assert_eq!(byte_name(b' '), "' '");
        assert_eq!(byte_name(b'\t'), "byte 0x09");
        assert_eq!(byte_name(0xE9), "byte 0xE9");
        let stray = "stray double quote in a field that does not start with one \
                     (a \" inside the field) — put the whole field in double quotes and \
                     double each quote inside it: \"5\"\" pipe\"";
        assert_eq!(
            check(Table::Actors, "id,name\nPRK,\"North\" Korea\nRUS,R\"x\n"),
            vec![
                "2: text after the closing quote of a field (' ' after the quote) — a quote \
                 inside a quoted field is written twice (\"\"); or add the missing delimiter"
                    .to_string(),
                format!("2: {stray}"),
            ]
        );
        assert_eq!(
            check(Table::Actors, "id,na\"me\n"),
            vec![format!("2: {stray}")]
        );
        assert_eq!(
            check(Table::Actors, "id\tname\n"),
            vec![
                "1: unknown column (\"id\\tname\") — the header is tab-separated; dossier reads \
                 comma- or semicolon-separated files: save the file as CSV"
            ]
        );
    }

    #[test]
    fn a_title_is_one_line_of_at_most_the_limit_in_characters() {
        let event = |title: &str| {
            check(
                Table::Events,
                &format!("id,date,title,source,quote\ne1,2017,\"{title}\",s1,q\n"),
            )
        };
        assert!(event(&"é".repeat(TITLE_MAX)).is_empty());
        assert_eq!(
            event(&"é".repeat(TITLE_MAX + 1)),
            vec![format!(
                "3: title is longer than {TITLE_MAX} characters ({} characters) — keep the \
                 title to a one-line headline and move the rest to notes",
                TITLE_MAX + 1
            )]
        );
        assert_eq!(
            event("a\nb"),
            vec![
                "3: title must be one line (\"a\\nb\") — remove the line breaks (longer text \
                 belongs in notes)"
            ]
        );
    }

    #[test]
    fn an_empty_required_cell_says_what_to_fill_in() {
        assert_eq!(
            check(Table::Events, "id,date,title,source,quote\n,,,,\n"),
            vec![
                "1: id is required (an empty cell) — give every row an id; ids are how other \
                 files refer to this event",
                "2: date is required (an empty cell) — fill in the date column",
                "3: title is required (an empty cell) — fill in the title column",
                "4: source is required (an empty cell) — name the id of the source (from \
                 sources.csv) that supports this row",
                "5: quote is required (an empty cell) — copy the source's words that support \
                 this row, verbatim",
            ]
        );
    }

    #[test]
    fn accessed_is_one_certain_day() {
        assert!(source_cell("accessed", "2017-06-23").is_empty());
        for v in [
            "2017-06-23?",
            "2017-06-23~",
            "2017-06-22/2017-06-23",
            "[2017-06-22..2017-06-23]",
        ] {
            assert_eq!(
                refused("accessed", v),
                format!(
                    "4: accessed must be a single day ({}) — write the day the page was read \
                     as YYYY-MM-DD",
                    quoted(v)
                )
            );
        }
    }

    #[test]
    fn a_web_address_is_http_or_https_with_a_host_and_no_spaces() {
        for v in ["https://example.org", "http://x.org", "https://a.b"] {
            assert!(source_cell("url", v).is_empty(), "{v}");
        }
        for v in [
            "https://",
            "http://",
            "ftp://example.org/file",
            "example.org/https://x",
            "https://example.org/a b",
            "https://example.org/\u{7}",
        ] {
            assert!(refused("url", v).contains("not a web address"), "{v}");
        }
    }

    #[test]
    fn a_language_is_a_bcp_47_tag() {
        for v in ["en", "ko", "haw", "zh-Hans", "sr-Latn-RS", "de-1996"] {
            assert!(source_cell("language", v).is_empty(), "{v}");
        }
        for v in [
            "e",
            "engl",
            "english",
            "EN",
            "e1",
            "en-",
            "en--US",
            "en-a_b",
            "en-abcdefghi",
        ] {
            assert!(refused("language", v).contains("not a language tag"), "{v}");
        }
    }

    #[test]
    fn a_source_may_be_known_via_another_but_not_via_itself() {
        assert!(source_cell("via", "s2").is_empty());
        assert_eq!(
            refused("via", "s1"),
            "4: a source cannot be known via itself (\"s1\") — leave via empty, or name the \
             source this one was reported in"
        );
    }

    #[test]
    fn a_document_path_is_relative_and_stays_in_the_folder() {
        for v in ["documents/article.txt", "a.txt", "./docs/a.txt", "1:/a.txt"] {
            assert!(source_cell("document", v).is_empty(), "{v}");
        }
        for (v, what) in [
            (" a.txt", "the path has spaces around it"),
            ("docs\\a.txt", "the path has a backslash"),
            ("/srv/a.txt", "the path is absolute"),
            ("~/a.txt", "the path is absolute"),
            ("C:/a.txt", "the path is absolute"),
            ("c:a.txt", "the path is absolute"),
            (
                "docs/../a.txt",
                "the path leaves the folder of sources.csv (..)",
            ),
            ("..", "the path leaves the folder of sources.csv (..)"),
            ("docs/", "the path names a folder, not a file"),
            (".", "the path names a folder, not a file"),
            ("./.", "the path names a folder, not a file"),
        ] {
            let got = refused("document", v);
            assert!(
                got.starts_with(&format!("4: document: {what} (")),
                "{v}: {got}"
            );
        }
        assert!(refused("document", "a\nb.txt").starts_with("4: document must be one line"));
    }

    #[test]
    fn paragraphs_are_counted_from_one() {
        let event = |locator: &str| {
            check(
                Table::Events,
                &format!("id,date,title,source,quote,locator\ne1,2017,t,s1,q,{locator}\n"),
            )
        };
        assert!(event("para 1").is_empty());
        assert_eq!(
            event("para 0"),
            vec![
                "6: paragraphs are numbered from 1 (\"para 0\") — para 1 is the first paragraph \
                 after the title block"
            ]
        );
    }

    #[test]
    fn a_word_outside_a_vocabulary_gets_the_list_or_the_spelling() {
        let kind = |k: &str| check(Table::Sources, &format!("id,kind,title\ns1,{k},t\n"));
        assert!(kind("article").is_empty());
        assert_eq!(
            kind("blog"),
            vec!["2: unknown kind (\"blog\") — use one of article, statement"]
        );
        let qualifier = |q: &str| {
            check(
                Table::Figures,
                &format!("id,measure,value,unit,source,quote,qualifier\nf1,m,5,USD,s1,q,{q}\n"),
            )
        };
        assert!(qualifier("gt").is_empty());
        assert_eq!(
            qualifier("GT"),
            vec!["7: unknown qualifier (\"GT\") — write gt"]
        );
        assert_eq!(
            qualifier("about"),
            vec![format!(
                "7: unknown qualifier (\"about\") — use one of {QUALIFIER_HINT}"
            )]
        );
        assert_eq!(
            check(
                Table::Figures,
                "id,measure,value,unit,source,quote\nf1,m,5,usd,s1,q\n"
            ),
            vec!["4: unknown unit (\"usd\") — write USD (unit codes are case-sensitive)"]
        );
    }

    #[test]
    fn text_and_line_cells_refuse_control_characters() {
        let fix = "remove it; it was probably pasted in by accident";
        assert_eq!(
            refused("notes", "a\u{7}b"),
            format!("4: notes contains a control character (U+0007 in \"a\\u{{7}}b\") — {fix}")
        );
        assert_eq!(
            source_cell("notes", "two\nlines\tand a tab"),
            Vec::<String>::new()
        );
        assert_eq!(
            refused("author", "a\u{7}b"),
            format!("4: author contains a control character (U+0007 in \"a\\u{{7}}b\") — {fix}")
        );
    }

    #[test]
    fn control_characters_are_found_and_clean_text_is_passed() {
        assert_eq!(has_control("plain text", false), None);
        assert_eq!(has_control("", false), None);
        assert_eq!(has_control("é ü 한국어 \u{A0}", false), None);
        assert_eq!(has_control("a\u{7}b", true), Some('\u{7}'));
        assert_eq!(has_control("a\tb\nc\r", true), None);
        assert_eq!(has_control("a\tb", false), Some('\t'));
        assert_eq!(has_control("a\u{7F}", true), Some('\u{7F}'));
        assert_eq!(has_control("a\u{85}", true), Some('\u{85}'));
    }

    #[test]
    fn an_invalid_id_gets_the_fix_for_what_is_wrong() {
        let fix = |id: &str| {
            let got = check(Table::Actors, &format!("id,name\n\"{id}\",n\n"));
            assert_eq!(got.len(), 1, "{id:?}: {got:?}");
            got[0].split(" — ").nth(1).unwrap_or_default().to_string()
        };
        assert_eq!(fix(" PRK"), "remove the spaces around it: PRK");
        assert_eq!(
            fix("P\u{7}K"),
            "remove the control characters; ids use letters, digits, . _ and -"
        );
        assert_eq!(
            fix("PRK;RUS"),
            "id takes one id; lists are only for actors and tags"
        );
        assert_eq!(
            fix(&"a".repeat(ID_MAX + 1)),
            format!("ids are at most {ID_MAX} characters")
        );
        let letters = "ids use letters, digits, . _ and -, and start with a letter or digit";
        assert_eq!(fix(&format!("-{}", "a".repeat(ID_MAX - 1))), letters);
        assert_eq!(fix("-x"), letters);
    }

    #[test]
    fn list_elements_are_ids_or_lines_each_listed_once() {
        assert_eq!(
            check(
                Table::Events,
                "id,date,title,source,quote,actors,tags\ne1,2017,t,s,q,PRK;R U S,a;A\n"
            ),
            vec![
                "6: actors element 2 is not a valid id (\"R U S\") — ids have no spaces; write R-U-S"
            ]
        );
        assert_eq!(
            check(Table::Actors, "id,name,aliases\nPRK,n,DPRK;dprk\n"),
            vec!["3: aliases lists \"dprk\" twice (\"DPRK;dprk\") — list each one once"]
        );
    }

    #[test]
    fn a_bound_may_equal_the_value_but_not_pass_it() {
        let figure = |q: &str, lower: &str, value: &str, upper: &str| {
            check(
                Table::Figures,
                &format!(
                    "id,measure,value,unit,source,quote,qualifier,lower,upper\n\
                     f1,m,{value},USD,s1,q,{q},{lower},{upper}\n"
                ),
            )
        };
        assert!(figure("range", "5", "5", "5").is_empty());
        assert!(figure("approx", "4", "5", "6").is_empty());
        assert_eq!(
            figure("range", "4", "5", "4.5"),
            vec!["9: upper is below value (4.5 < 5) — upper must not be below value"]
        );
        assert_eq!(
            figure("gt", "4", "5", ""),
            vec![
                "8: lower is only for qualifiers range and approx (\"4\" with qualifier gt) — \
                 empty the bound, or set qualifier to range"
            ]
        );
    }
}
