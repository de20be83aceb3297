//! The rules of `dossier check`: what each looks for, the level it reports at, and
//! how its findings are found and tied to the files and lines they came from.
//!
//! A rule is a SQL file with a header like a canned query's (the built-in ones in
//! src/rules/*.sql, and the user's own from a folder): `-- name:`, `-- summary:`,
//! `-- level: allow|warn|deny`, then prose that says what the rule checks and why,
//! which `--explain` prints. Its query returns one row per finding, with three
//! columns: `rows`, the rows involved as `table:id` separated by spaces (`figures:fig-a
//! sources:src-b`); `message`, what is wrong with the numbers or dates worked out; and
//! `fix`. Where SQL cannot say it (numbers written in words in a quote, titles that
//! nearly match), a rule is written in Rust, with the same parts.

pub mod duplicates;
pub mod quotes;

use crate::db::read::Archive;
use crate::db::spec::Table;
use crate::error::{Error, Result, plural};
use crate::queries::{self, HeaderError, Origin, header_error};
use rusqlite::{Connection, Statement};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// How a rule's findings are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Not reported; the rule does not run.
    Allow,
    /// Reported; the exit code stays 0.
    Warn,
    /// Reported, and the exit code is 1.
    Deny,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "allow" => Level::Allow,
            "warn" => Level::Warn,
            "deny" => Level::Deny,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// How a rule written in Rust reports a finding: it hands over a way to make it,
/// which is called when the finding is shown and not when findings are only counted.
pub type Emit<'a> = &'a mut dyn FnMut(&dyn Fn() -> Found) -> Result<()>;

/// A rule written in Rust: it reads the archive and reports each finding to `emit`.
pub type RustRule = fn(&Connection, Emit<'_>) -> Result<()>;

pub enum Body {
    /// The query, and the line of its file on which it starts.
    Sql {
        sql: String,
        line: usize,
    },
    Rust(RustRule),
}

pub struct Rule {
    pub name: String,
    /// The name again, shared by every finding of the rule.
    pub id: Arc<str>,
    pub summary: String,
    /// The level it reports at unless the command line says otherwise.
    pub level: Level,
    /// What it checks and why, for `--explain`.
    pub explanation: String,
    pub body: Body,
    pub origin: Origin,
}

/// A row a finding involves, as a rule names it; a rule that knows where the row
/// came from says so, which spares a lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowRef {
    pub table: Table,
    pub id: String,
    /// `load_files.id` and line, when the rule has them.
    pub at: Option<(i64, i64)>,
}

impl RowRef {
    pub fn new(table: Table, id: impl Into<String>) -> Self {
        RowRef {
            table,
            id: id.into(),
            at: None,
        }
    }

    pub fn at(table: Table, id: impl Into<String>, file: i64, line: i64) -> Self {
        RowRef {
            table,
            id: id.into(),
            at: Some((file, line)),
        }
    }
}

/// What a rule reports: the rows involved, what is wrong, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub rows: Vec<RowRef>,
    pub message: String,
    pub fix: String,
}

/// A row a finding involves, with the file and line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub table: Table,
    pub id: String,
    /// The file as the load named it.
    pub file: Arc<str>,
    pub line: i64,
}

/// A finding, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Arc<str>,
    pub level: Level,
    pub rows: Vec<Located>,
    pub message: String,
    pub fix: String,
}

/// A rule written in Rust, described as a SQL rule's header describes it.
pub struct RustDef {
    pub name: &'static str,
    pub summary: &'static str,
    pub level: Level,
    pub explanation: &'static str,
    pub run: RustRule,
}

/// A built-in rule: the text of a SQL rule file (src/rules/*.sql), whose header names
/// it, or a rule written in Rust.
enum Builtin {
    Sql(&'static str),
    Rust(&'static RustDef),
}

/// The built-in rules, in the order they run and are listed. A new SQL rule is a
/// file in src/rules/ and its line here.
const BUILT_IN: &[Builtin] = &[
    Builtin::Sql(include_str!("rules/after-publication.sql")),
    Builtin::Sql(include_str!("rules/share-amount.sql")),
    Builtin::Sql(include_str!("rules/shares-exceed-base.sql")),
    Builtin::Rust(&quotes::NUMBER_NOT_IN_QUOTE),
    Builtin::Rust(&quotes::QUALIFIER_WORDS),
    Builtin::Sql(include_str!("rules/conflicting-figures.sql")),
    Builtin::Rust(&duplicates::DUPLICATE_EVENT),
    Builtin::Sql(include_str!("rules/unused.sql")),
    Builtin::Sql(include_str!("rules/uncited-paragraph.sql")),
];

/// Parses a rule file: a canned query's header with a `level:` line, prose that says
/// what the rule checks and why, and the query.
pub fn parse(text: &str, origin: Origin) -> Result<Rule, HeaderError> {
    let file = queries::parse_file(text, &["level"])?;
    if !file.params.is_empty() {
        return Err(header_error(
            1,
            "a rule takes no parameters: write the values it needs into its SQL",
        ));
    }
    let mut level = Level::Warn;
    for (_, value, line) in &file.fields {
        level = Level::parse(value).ok_or_else(|| {
            header_error(
                *line,
                format!("unknown level {value:?}: a rule's level is allow, warn or deny"),
            )
        })?;
    }
    Ok(Rule {
        id: Arc::from(file.name.as_str()),
        name: file.name,
        summary: file.summary,
        level,
        explanation: prose(&file.prose),
        body: Body::Sql {
            sql: file.sql,
            line: file.sql_line,
        },
        origin,
    })
}

/// The header's prose as paragraphs: lines joined, blank lines kept between them.
fn prose(lines: &[String]) -> String {
    lines.join("\n").trim().to_string()
}

/// The built-in rules and the user's.
pub struct Rules {
    pub rules: Vec<Rule>,
}

impl Rules {
    /// The built-in rules and, if given, every `*.sql` file in `user_dir`.
    pub fn load(user_dir: Option<&Path>) -> Result<Self> {
        let mut rules = Vec::new();
        for b in BUILT_IN {
            rules.push(match b {
                Builtin::Sql(text) => parse(text, Origin::BuiltIn).map_err(|e| {
                    Error::Internal(format!("a built-in rule, line {}: {}", e.line, e.message))
                })?,
                Builtin::Rust(def) => Rule {
                    name: def.name.to_string(),
                    id: Arc::from(def.name),
                    summary: def.summary.to_string(),
                    level: def.level,
                    explanation: def.explanation.to_string(),
                    body: Body::Rust(def.run),
                    origin: Origin::BuiltIn,
                },
            });
        }
        if let Some(dir) = user_dir {
            let built_in: Vec<String> = rules.iter().map(|r| r.name.clone()).collect();
            let taken = |name: &str| {
                built_in
                    .iter()
                    .any(|n| n == name)
                    .then(|| "a built-in rule".to_string())
            };
            let parse = |text: &str, path: &Path| parse(text, Origin::File(path.to_path_buf()));
            rules.extend(queries::read_folder(
                dir,
                "rule",
                parse,
                |r: &Rule| &r.name,
                taken,
            )?);
        }
        Ok(Rules { rules })
    }

    pub fn get(&self, name: &str) -> Result<&Rule> {
        self.rules
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> Error {
        let names: Vec<&str> = self.rules.iter().map(|r| r.name.as_str()).collect();
        Error::Usage(format!(
            "no rule named {name:?} — the rules are {}; dossier check --list describes them",
            names.join(", ")
        ))
    }

    /// The rules to consider and the level of each, from their defaults and the
    /// command line. A rule named on its own outranks `all`; one rule named at two
    /// levels is a usage error. With `only`, the other rules are left out.
    pub fn select(&self, choice: &Choice) -> Result<Vec<(&Rule, Level)>> {
        let mut named: HashMap<&str, (Level, &str)> = HashMap::new();
        let mut all: Option<(Level, &str)> = None;
        let lists = [
            (Level::Allow, "--allow", &choice.allow),
            (Level::Warn, "--warn", &choice.warn),
            (Level::Deny, "--deny", &choice.deny),
        ];
        for (level, flag, names) in lists {
            for name in names {
                if name == "all" {
                    if let Some((_, other)) = all.filter(|(l, _)| *l != level) {
                        return Err(Error::Usage(format!(
                            "all is given to both {other} and {flag} — give it to one of them"
                        )));
                    }
                    all = Some((level, flag));
                    continue;
                }
                self.get(name)?;
                if let Some((_, other)) = named.get(name.as_str()).filter(|(l, _)| *l != level) {
                    return Err(Error::Usage(format!(
                        "{name} is given to both {other} and {flag} — give it to one of them"
                    )));
                }
                named.insert(name, (level, flag));
            }
        }
        for name in &choice.only {
            if name != "all" {
                self.get(name)?;
            }
        }
        let only_all = choice.only.iter().any(|n| n == "all");
        Ok(self
            .rules
            .iter()
            .filter(|r| choice.only.is_empty() || only_all || choice.only.contains(&r.name))
            .map(|r| {
                let level = named
                    .get(r.name.as_str())
                    .or(all.as_ref())
                    .map_or(r.level, |(l, _)| *l);
                (r, level)
            })
            .collect())
    }
}

/// What the command line says about which rules run, and at which level.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    pub only: Vec<String>,
    pub allow: Vec<String>,
    pub warn: Vec<String>,
    pub deny: Vec<String>,
}

/// Runs one rule and hands each finding, as the rule reports it, to `each`.
pub fn run(
    conn: &Connection,
    rule: &Rule,
    each: &mut dyn FnMut(Found) -> Result<()>,
) -> Result<()> {
    match &rule.body {
        Body::Rust(f) => f(conn, &mut |make| each(make())),
        Body::Sql { sql, line } => run_sql(conn, rule, sql, *line, each),
    }
}

/// How many findings a load counts of each rule before it says "at least": enough to
/// count every finding of an archive that is being worked on, few enough that a rule
/// that finds something in every row of a large one stops early.
pub const COUNTED: u64 = 1000;

/// How many findings one rule has, found without making them, up to `cap`: a SQL
/// rule's query is counted by SQLite, which then leaves out the work of its message and
/// fix, and stops at the cap unless the query has to be sorted first. Returns the
/// count, at most `cap`, and whether the rule has more. A rule written in Rust stops
/// at its next finding once `stop` is set.
pub fn tally(
    conn: &Connection,
    rule: &Rule,
    cap: u64,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(u64, bool)> {
    match &rule.body {
        Body::Rust(f) => {
            let mut n = 0;
            let ran = f(conn, &mut |_| {
                n += 1;
                if n > cap || stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err(Error::Cancelled);
                }
                Ok(())
            });
            match ran {
                Err(Error::Cancelled) if n > cap => Ok((cap, true)),
                Err(e) => Err(e),
                Ok(()) => Ok((n, false)),
            }
        }
        Body::Sql { sql, line } => {
            // The order of the findings makes no difference to their number, and a query
            // that need not be sorted can stop at the cap.
            let sql = unordered(sql.trim_end().trim_end_matches(';'));
            let counted = format!("SELECT count(*) FROM (SELECT 1 FROM (\n{sql}\n) LIMIT ?1)");
            // The query starts on the second line of what SQLite is given.
            let limit = i64::try_from(cap.saturating_add(1)).unwrap_or(i64::MAX);
            let n = conn
                .query_row(&counted, [limit], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(|e| rule_error(rule, line.saturating_sub(1), &counted, e))?;
            Ok((n.min(cap), n > cap))
        }
    }
}

/// A query without its last ORDER BY, when that clause ends it and is not inside
/// parentheses: the same rows, in any order. A query with a LIMIT after its ORDER BY
/// is left as it is, since there the order decides which rows are returned.
fn unordered(sql: &str) -> &str {
    let bytes = sql.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut order: Option<usize> = None;
    // The last word seen at the top level, and where it starts.
    let mut last: Option<(usize, usize)> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                i += 1;
                while i < bytes.len() && bytes[i] != close {
                    i += 1;
                }
                i += 1;
                last = None;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
                if depth == 0 {
                    let word = &sql[start..i];
                    if word.eq_ignore_ascii_case("by")
                        && let Some((s, e)) = last
                        && sql[s..e].eq_ignore_ascii_case("order")
                    {
                        order = Some(s);
                    } else if word.eq_ignore_ascii_case("limit") {
                        order = None;
                    }
                    last = Some((start, i));
                }
                continue;
            }
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            last = None;
        }
        i += 1;
    }
    match order {
        Some(at) => &sql[..at],
        None => sql,
    }
}

/// The columns a SQL rule returns.
const COLUMNS: [&str; 3] = ["rows", "message", "fix"];

fn run_sql(
    conn: &Connection,
    rule: &Rule,
    sql: &str,
    line: usize,
    each: &mut dyn FnMut(Found) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn
        .prepare(sql)
        .map_err(|e| rule_error(rule, line, sql, e))?;
    if !stmt.readonly() {
        return Err(rule_problem(
            rule,
            line,
            "a rule only reads: its SQL must be a query",
        ));
    }
    let names: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
    for n in &names {
        if !COLUMNS.contains(&n.as_str()) {
            return Err(rule_problem(
                rule,
                line,
                &format!(
                    "the query returns a column {n:?}; a rule returns exactly rows, message and fix"
                ),
            ));
        }
    }
    let index = |want: &str| names.iter().position(|n| n == want);
    let (Some(ri), Some(mi), Some(fi)) = (index("rows"), index("message"), index("fix")) else {
        return Err(rule_problem(
            rule,
            line,
            "a rule returns exactly three columns: rows, message and fix",
        ));
    };
    let mut rows = stmt.raw_query();
    while let Some(r) = rows.next().map_err(|e| rule_error(rule, line, sql, e))? {
        let refs: Option<String> = r.get(ri)?;
        let message: Option<String> = r.get(mi)?;
        let fix: Option<String> = r.get(fi)?;
        let refs = refs.unwrap_or_default();
        let mut parsed = Vec::new();
        for word in refs.split_whitespace() {
            parsed.push(row_ref(word).ok_or_else(|| {
                rule_problem(
                    rule,
                    line,
                    &format!(
                        "{word:?} in rows is not a row: write table:id, where table is events, figures, sources, actors or citations"
                    ),
                )
            })?);
        }
        if parsed.is_empty() {
            return Err(rule_problem(
                rule,
                line,
                "a finding has no rows: rows names the rows involved, as table:id separated by spaces",
            ));
        }
        each(Found {
            rows: parsed,
            message: message.unwrap_or_default(),
            fix: fix.unwrap_or_default(),
        })?;
    }
    Ok(())
}

/// `figures:fig-a` as a row reference.
fn row_ref(word: &str) -> Option<RowRef> {
    let (table, id) = word.split_once(':')?;
    let table = Table::from_name(table)?;
    (!id.is_empty()).then(|| RowRef::new(table, id))
}

/// A rule that cannot run: a bug for a built-in rule, a problem in its file for a
/// user's.
fn rule_problem(rule: &Rule, line: usize, message: &str) -> Error {
    match &rule.origin {
        Origin::BuiltIn => Error::Internal(format!("rule {}: {message}", rule.name)),
        Origin::File(path) => Error::QueryFile {
            path: path.clone(),
            line,
            message: format!("rule {}: {message}", rule.name),
        },
    }
}

/// SQLite's error for a rule's query, at the line of the file it points at.
fn rule_error(rule: &Rule, line: usize, sql: &str, e: rusqlite::Error) -> Error {
    // A full disk, an I/O error or a lack of memory is the machine's, not the rule's:
    // a large archive can fill the disk with a rule's temporary tables.
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && f.code != rusqlite::ErrorCode::Unknown
    {
        return Error::Sqlite {
            context: format!("rule {} could not run", rule.name),
            source: e,
        };
    }
    match e {
        rusqlite::Error::SqlInputError { msg, offset, .. } => {
            let before = usize::try_from(offset)
                .ok()
                .and_then(|o| sql.get(..o))
                .unwrap_or("");
            rule_problem(rule, line + before.matches('\n').count(), &msg)
        }
        rusqlite::Error::SqliteFailure(_, Some(msg)) => rule_problem(rule, line, &msg),
        other => rule_problem(rule, line, &other.to_string()),
    }
}

/// The file (`load_files.id`) and line of rows, by id.
type Places = HashMap<String, (i64, i64)>;

/// Finds the file and line of the rows findings name.
pub struct Locator<'c> {
    conn: &'c Connection,
    files: HashMap<i64, Arc<str>>,
    /// A lookup statement per table, prepared when first needed.
    lookups: RefCell<[Option<Statement<'c>>; 5]>,
    /// Sources and actors already looked up: a few rows that many findings name.
    known: RefCell<HashMap<Table, Places>>,
}

impl<'c> Locator<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        let mut stmt = conn.prepare("SELECT id, path FROM load_files")?;
        let files = stmt
            .query_map([], |r| Ok((r.get(0)?, Arc::from(r.get::<_, String>(1)?))))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Locator {
            conn,
            files,
            lookups: RefCell::new(Default::default()),
            known: Default::default(),
        })
    }

    /// The file and line of a row, if it exists.
    fn lookup(&self, table: Table, id: &str) -> Result<Option<(i64, i64)>> {
        let small = matches!(table, Table::Sources | Table::Actors);
        if small && let Some(at) = self.known.borrow().get(&table).and_then(|m| m.get(id)) {
            return Ok(Some(*at));
        }
        let slot = Table::ALL.iter().position(|t| *t == table).unwrap_or(0);
        let mut lookups = self.lookups.borrow_mut();
        if lookups[slot].is_none() {
            let key = if table == Table::Citations {
                "CAST(?1 AS INTEGER)"
            } else {
                "?1"
            };
            // The table name is one of the five the Table type knows, not user text.
            lookups[slot] = Some(self.conn.prepare(&format!(
                "SELECT csv_file, csv_line FROM {} WHERE id = {key}",
                table.name()
            ))?);
        }
        let Some(stmt) = lookups[slot].as_mut() else {
            return Ok(None);
        };
        let mut rows = stmt.query([id])?;
        let at = match rows.next()? {
            Some(row) => Some((row.get(0)?, row.get(1)?)),
            None => None,
        };
        if small && let Some(at) = at {
            self.known
                .borrow_mut()
                .entry(table)
                .or_default()
                .insert(id.to_string(), at);
        }
        Ok(at)
    }

    /// Where a row came from; a row that does not exist is the rule's mistake.
    pub fn locate(&self, rule: &Rule, r: RowRef) -> Result<Located> {
        let at = match r.at {
            Some(at) => Some(at),
            None => self.lookup(r.table, &r.id)?,
        };
        let Some((file, line)) = at else {
            let line = match &rule.body {
                Body::Sql { line, .. } => *line,
                Body::Rust(_) => 1,
            };
            return Err(rule_problem(
                rule,
                line,
                &format!(
                    "rows names {}:{}, which is not in the archive",
                    r.table.name(),
                    r.id
                ),
            ));
        };
        Ok(Located {
            table: r.table,
            id: r.id,
            file: self
                .files
                .get(&file)
                .cloned()
                .unwrap_or_else(|| Arc::from("")),
            line,
        })
    }

    /// A rule's finding, located, at a level.
    pub fn finding(&self, rule: &Rule, level: Level, found: Found) -> Result<Finding> {
        let rows = found
            .rows
            .into_iter()
            .map(|r| self.locate(rule, r))
            .collect::<Result<_>>()?;
        Ok(Finding {
            rule: Arc::clone(&rule.id),
            level,
            rows,
            message: found.message,
            fix: found.fix,
        })
    }
}

/// How many findings each level has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub warn: u64,
    pub deny: u64,
    /// The highest level of a rule that has more findings than were counted: then the
    /// total, and the count at that level, are the least there are.
    pub more: Option<Level>,
    /// Rules that were not counted, for want of time.
    pub uncounted: usize,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.warn + self.deny
    }

    pub fn add(&mut self, level: Level) {
        self.add_n(level, 1);
    }

    /// What a load says of the counts at its end, if anything: the number of findings,
    /// "at least" when some were not counted, and the rules left out for want of time.
    pub fn said(&self) -> Option<String> {
        let n = usize::try_from(self.total()).unwrap_or(usize::MAX);
        let partial = self.uncounted > 0;
        let least = |capped: bool| if capped { "at least " } else { "" };
        let deny = if self.deny > 0 {
            let capped = partial || self.more == Some(Level::Deny);
            format!(", {}{} at deny level", least(capped), self.deny)
        } else {
            String::new()
        };
        let found = format!(
            "{}{n} {}{deny}",
            least(partial || self.more.is_some()),
            plural(n, "finding", "findings")
        );
        let left = format!(
            "{} {} not counted in the time a load gives them",
            self.uncounted,
            plural(self.uncounted, "rule", "rules")
        );
        let said = match (n > 0, partial) {
            (false, false) => return None,
            (true, false) => found,
            (false, true) => left,
            (true, true) => format!("{found} ({left})"),
        };
        Some(format!("{said}: run dossier check"))
    }

    fn add_n(&mut self, level: Level, n: u64) {
        match level {
            Level::Warn => self.warn += n,
            Level::Deny => self.deny += n,
            Level::Allow => {}
        }
    }
}

/// Findings a rule may run ahead of the output by, before it waits: enough to keep
/// the rules busy while the output is written, little enough to hold in memory.
const AHEAD: usize = 4096;

/// What a rule's thread hands to the output.
enum Message {
    Finding(Finding),
    /// The rule is done, or failed.
    Done(Result<()>),
}

/// Runs rules at the given levels on several threads at once, each with its own
/// connection from `open`, and hands their findings to `each` in the order of the
/// rules, each rule's in the order it reports them: the output is the same however
/// the threads are scheduled. With `locate`, each row gets its file and line;
/// without, findings have no rows, which is enough to count them.
pub fn run_all(
    open: &(dyn Fn() -> Result<Archive> + Sync),
    jobs: &[(&Rule, Level)],
    locate: bool,
    each: &mut dyn FnMut(Finding) -> Result<()>,
) -> Result<()> {
    let jobs: Vec<(&Rule, Level)> = jobs
        .iter()
        .copied()
        .filter(|(_, level)| *level != Level::Allow)
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (senders, receivers): (Vec<_>, Vec<_>) = jobs
        .iter()
        .map(|_| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Message>(AHEAD);
            (std::sync::Mutex::new(Some(tx)), rx)
        })
        .unzip();
    // The thread that takes a rule takes its sender, so that the channel closes when
    // the thread is done with it, even if it stops unexpectedly.
    let take = |k: usize| {
        senders
            .get(k)
            .and_then(|s| s.lock().ok().and_then(|mut s| s.take()))
    };
    std::thread::scope(|scope| {
        for _ in 0..threads(jobs.len()) {
            let (jobs, next, take) = (&jobs, &next, &take);
            scope.spawn(move || {
                let archive = match open() {
                    Ok(a) => a,
                    Err(e) => {
                        // The first rule not yet taken reports why nothing ran.
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if let Some(tx) = take(k) {
                            let _ = tx.send(Message::Done(Err(e)));
                        }
                        return;
                    }
                };
                let conn = &archive.conn;
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let (Some((rule, level)), Some(tx)) = (jobs.get(k), take(k)) else {
                        return;
                    };
                    let result = (|| {
                        let locator = Locator::new(conn)?;
                        run(conn, rule, &mut |found| {
                            let finding = if locate {
                                locator.finding(rule, *level, found)?
                            } else {
                                Finding {
                                    rule: Arc::clone(&rule.id),
                                    level: *level,
                                    rows: Vec::new(),
                                    message: found.message,
                                    fix: found.fix,
                                }
                            };
                            // The output stopped; so does the rule.
                            tx.send(Message::Finding(finding))
                                .map_err(|_| Error::Cancelled)
                        })
                    })();
                    let _ = tx.send(Message::Done(result));
                }
            });
        }
        // Owned here, so that an early return drops them and stops every thread.
        let receivers = receivers;
        for (rx, (rule, _)) in receivers.iter().zip(&jobs) {
            loop {
                match rx.recv() {
                    Ok(Message::Finding(f)) => each(f)?,
                    Ok(Message::Done(result)) => {
                        result?;
                        break;
                    }
                    Err(_) => {
                        return Err(Error::Internal(format!(
                            "the thread running rule {} stopped unexpectedly",
                            rule.name
                        )));
                    }
                }
            }
        }
        Ok(())
    })
}

/// A rule's level, how many findings it has up to the cap, and whether it has more.
type Tally = (Level, (u64, bool));

/// Runs every rule at its default level and counts what they find, up to `cap` findings
/// a rule, without making the findings: what a load says at its end. Rules run on
/// several threads at once. Counting stops when `budget` is spent: the rules not
/// counted by then are left out, and `Counts::uncounted` says how many there were.
pub fn count(
    open: &(dyn Fn() -> Result<Archive> + Sync),
    rules: &Rules,
    cap: u64,
    budget: std::time::Duration,
) -> Result<Counts> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    let jobs: Vec<&Rule> = rules
        .rules
        .iter()
        .filter(|r| r.level != Level::Allow)
        .collect();
    let next = AtomicUsize::new(0);
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let tallies: std::sync::Mutex<Vec<Result<Tally>>> = Default::default();
    let push = |t| {
        if let Ok(mut all) = tallies.lock() {
            all.push(t);
        }
    };
    let (done, finished) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        // A thread per rule: the rules share the cores, so that the quick ones are
        // counted even when a slow one takes the whole budget.
        for _ in 0..jobs.len().clamp(1, 16) {
            let done = done.clone();
            let (jobs, next, stop, push) = (&jobs, &next, &stop, &push);
            scope.spawn(move || {
                // Dropped when the thread ends, which is how the wait below learns it.
                let _done = done;
                let mut archive = match open() {
                    Ok(a) => a,
                    Err(e) => return push(Err(e)),
                };
                // SQLite asks every thousand steps whether to go on: a query stops soon
                // after the budget is spent, whenever it started.
                let asked = std::sync::Arc::clone(stop);
                if let Err(e) = archive
                    .conn
                    .progress_handler(1000, Some(move || asked.load(SeqCst)))
                {
                    return push(Err(e.into()));
                }
                while let Some(rule) = jobs.get(next.fetch_add(1, SeqCst)) {
                    if stop.load(SeqCst) {
                        return;
                    }
                    match tally(&archive.conn, rule, cap, stop) {
                        Ok(n) => push(Ok((rule.level, n))),
                        // Stopped by the budget, or failed: either way, not counted, and
                        // a failure is reported unless the budget was spent.
                        Err(_) if stop.load(SeqCst) => return,
                        Err(e) => return push(Err(e)),
                    }
                }
            });
        }
        drop(done);
        // Nothing is sent: the wait ends when every thread has dropped its sender.
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(budget) {
            stop.store(true, SeqCst);
        }
    });
    let mut counts = Counts::default();
    let tallies = tallies
        .into_inner()
        .map_err(|_| Error::Internal("a thread counting findings stopped unexpectedly".into()))?;
    counts.uncounted = jobs.len().saturating_sub(tallies.len());
    for t in tallies {
        let (level, (n, more)) = t?;
        counts.add_n(level, n);
        if more {
            counts.more = counts.more.max(Some(level));
        }
    }
    Ok(counts)
}

/// How many threads run rules: one per core, up to four, and no more than there are
/// rules.
fn threads(jobs: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(jobs.max(1))
}

#[cfg(test)]
mod tests;
