//! Canned queries: SQL files with a header that names them, says what they do and
//! types their parameters; the built-in ones compiled in, and the user's own read from
//! a folder.
//!
//! A header looks like this:
//!
//! ```sql
//! -- name: timeline
//! -- summary: Events in timeline order, filtered by date, actor and tag
//! -- param: from date optional | keep events that may have happened on or after this date
//! -- param: actor actor[] optional | keep events involving this actor (repeat for any of several)
//! -- param: within boolean default false | keep only events certainly inside from..to
//! ```
//!
//! A parameter is `required`, `optional` (NULL when not given) or has a `default`.
//! Its type is text, integer, real, date, boolean or actor; `[]` makes it a list,
//! given by repeating it and bound as a JSON array (`json_each(:actor)` reads it).
//! A date `x` binds `:x` as written, `:x_start` and `:x_end` (its earliest and latest
//! day); queries use whichever they need. Values are always bound, never pasted.

use crate::db::{check, dates};
use crate::error::{Error, Result};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Statement};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The built-in queries, in the order `dossier queries` lists them.
const BUILT_IN: &[(&str, &str)] = &[
    ("timeline", include_str!("queries/timeline.sql")),
    ("figures", include_str!("queries/figures.sql")),
    ("sources", include_str!("queries/sources.sql")),
    ("actors", include_str!("queries/actors.sql")),
    ("search", include_str!("queries/search.sql")),
    ("summary", include_str!("queries/summary.sql")),
    ("event", include_str!("queries/event.sql")),
    ("figure", include_str!("queries/figure.sql")),
    ("source", include_str!("queries/source.sql")),
    ("actor", include_str!("queries/actor.sql")),
    ("citations", include_str!("queries/citations.sql")),
    ("paragraphs", include_str!("queries/paragraphs.sql")),
    ("linked", include_str!("queries/linked.sql")),
    ("via", include_str!("queries/via.sql")),
    ("last-load", include_str!("queries/last-load.sql")),
    ("changes", include_str!("queries/changes.sql")),
    ("report-figures", include_str!("queries/report-figures.sql")),
    (
        "report-citations",
        include_str!("queries/report-citations.sql"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Text,
    Integer,
    Real,
    Date,
    Boolean,
    Actor,
}

impl Type {
    fn parse(s: &str) -> Option<Type> {
        Some(match s {
            "text" => Type::Text,
            "integer" => Type::Integer,
            "real" => Type::Real,
            "date" => Type::Date,
            "boolean" => Type::Boolean,
            "actor" => Type::Actor,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Type::Text => "text",
            Type::Integer => "integer",
            Type::Real => "real",
            Type::Date => "date",
            Type::Boolean => "boolean",
            Type::Actor => "actor",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
    Default(String),
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub ty: Type,
    /// Given by repeating; bound as a JSON array.
    pub list: bool,
    pub need: Need,
    pub help: String,
}

impl Param {
    /// `date`, `actor[]`, …
    pub fn type_name(&self) -> String {
        format!("{}{}", self.ty.name(), if self.list { "[]" } else { "" })
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.name, self.type_name())?;
        match &self.need {
            Need::Required => write!(f, ", required)"),
            Need::Optional => write!(f, ")"),
            Need::Default(d) => write!(f, ", default {d})"),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Origin {
    BuiltIn,
    File(PathBuf),
}

impl Origin {
    /// Where it comes from, as listings show it: built-in, or the file's path.
    pub fn describe(&self) -> String {
        match self {
            Origin::BuiltIn => "built-in".into(),
            Origin::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Query {
    pub name: String,
    pub summary: String,
    pub params: Vec<Param>,
    pub sql: String,
    pub origin: Origin,
}

/// A problem in a query file's header, with its line.
#[derive(Debug, PartialEq, Eq)]
pub struct HeaderError {
    pub line: usize,
    pub message: String,
}

pub fn header_error(line: usize, message: impl Into<String>) -> HeaderError {
    HeaderError {
        line,
        message: message.into(),
    }
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// A SQL file as canned queries and rules write it: a header of `-- key: value`
/// lines and prose comments, then the SQL.
#[derive(Clone, Debug)]
pub struct SqlFile {
    pub name: String,
    pub summary: String,
    pub params: Vec<Param>,
    /// The `-- key: value` lines of the keys the caller asked for: key, value, line.
    pub fields: Vec<(String, String, usize)>,
    /// The header's other comment lines, in order, without their `--` and one space;
    /// an empty string for a blank `--` line.
    pub prose: Vec<String>,
    pub sql: String,
    /// The line of the file on which the SQL starts.
    pub sql_line: usize,
}

/// Parses a query file: its header, then its SQL.
pub fn parse(text: &str, origin: Origin) -> Result<Query, HeaderError> {
    let file = parse_file(text, &[])?;
    Ok(Query {
        name: file.name,
        summary: file.summary,
        params: file.params,
        sql: file.sql,
        origin,
    })
}

/// Parses a SQL file's header and body. `keys` are the header keys the caller reads
/// beyond `name`, `summary` and `param`; their lines are returned in `fields`.
pub fn parse_file(text: &str, keys: &[&str]) -> Result<SqlFile, HeaderError> {
    let mut name = None;
    let mut summary = None;
    let mut params: Vec<Param> = Vec::new();
    let mut fields = Vec::new();
    let mut prose = Vec::new();
    let mut body_start = text.len();
    let mut sql_line = 1;
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end();
        let Some(comment) = line.strip_prefix("--") else {
            if !line.trim().is_empty() {
                body_start = offset;
                sql_line = line_no;
                break;
            }
            offset += raw.len();
            continue;
        };
        offset += raw.len();
        let text = comment.strip_prefix(' ').unwrap_or(comment);
        let comment = comment.trim();
        let field = keys.iter().find_map(|k| {
            comment
                .strip_prefix(k)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|v| (k.to_string(), v.trim().to_string()))
        });
        if let Some(v) = comment.strip_prefix("name:") {
            let v = v.trim();
            if !is_name(&v.replace('-', "_")) {
                return Err(header_error(
                    line_no,
                    format!("{v:?} is not a query name: use lower-case letters, digits, - and _"),
                ));
            }
            name = Some(v.to_string());
        } else if let Some(v) = comment.strip_prefix("summary:") {
            summary = Some(v.trim().to_string());
        } else if let Some(v) = comment.strip_prefix("param:") {
            let p = parse_param(v, line_no)?;
            if params.iter().any(|q| q.name == p.name) {
                return Err(header_error(
                    line_no,
                    format!("parameter {} is declared twice", p.name),
                ));
            }
            params.push(p);
        } else if let Some((key, value)) = field {
            fields.push((key, value, line_no));
        } else {
            prose.push(text.to_string());
        }
    }
    let name = name.ok_or_else(|| header_error(1, "the header has no `-- name:` line"))?;
    let summary = summary.ok_or_else(|| header_error(1, "the header has no `-- summary:` line"))?;
    let sql = text[body_start..].trim().to_string();
    if sql.is_empty() {
        return Err(header_error(
            text.lines().count().max(1),
            "the file has a header but no SQL",
        ));
    }
    Ok(SqlFile {
        name,
        summary,
        params,
        fields,
        prose,
        sql,
        sql_line,
    })
}

/// `from date optional | help`, `limit integer default 20 | help`.
fn parse_param(spec: &str, line: usize) -> Result<Param, HeaderError> {
    let (decl, help) = spec.split_once('|').unwrap_or((spec, ""));
    let words: Vec<&str> = decl.split_whitespace().collect();
    let form = "write `-- param: NAME TYPE required|optional|default VALUE | help`";
    let (Some(name), Some(ty)) = (words.first(), words.get(1)) else {
        return Err(header_error(
            line,
            format!("a parameter needs a name and a type; {form}"),
        ));
    };
    if !is_name(name) {
        return Err(header_error(
            line,
            format!("{name:?} is not a parameter name: use lower-case letters, digits and _"),
        ));
    }
    let (base, list) = match ty.strip_suffix("[]") {
        Some(b) => (b, true),
        None => (*ty, false),
    };
    let ty = Type::parse(base).ok_or_else(|| {
        header_error(line, format!("unknown type {ty:?}: use text, integer, real, date, boolean or actor (add [] for a list)"))
    })?;
    let need = match words.get(2..).unwrap_or(&[]) {
        ["required"] => Need::Required,
        ["optional"] => Need::Optional,
        ["default", value] => Need::Default(value.trim_matches('"').to_string()),
        _ => return Err(header_error(line, form)),
    };
    if list && need != Need::Optional {
        return Err(header_error(
            line,
            "a list parameter is always optional: it is empty when not given",
        ));
    }
    let p = Param {
        name: name.to_string(),
        ty,
        list,
        need,
        help: help.trim().to_string(),
    };
    if let Need::Default(d) = &p.need {
        convert(&p, d)
            .map_err(|e| header_error(line, format!("the default does not fit the type: {e}")))?;
    }
    Ok(p)
}

/// The built-in queries and the user's.
pub struct Registry {
    pub queries: Vec<Query>,
}

impl Registry {
    /// Loads the built-in queries and, if given, every `*.sql` file in `user_dir`.
    pub fn load(user_dir: Option<&Path>) -> Result<Self> {
        let mut queries: Vec<Query> = BUILT_IN
            .iter()
            .map(|(name, text)| {
                parse(text, Origin::BuiltIn).map_err(|e| {
                    Error::Internal(format!(
                        "built-in query {name} line {}: {}",
                        e.line, e.message
                    ))
                })
            })
            .collect::<Result<_>>()?;
        if let Some(dir) = user_dir {
            let built_in = queries.clone();
            let taken = |name: &str| {
                built_in
                    .iter()
                    .any(|q| q.name == name)
                    .then(|| "a built-in query".to_string())
            };
            let parse = |text: &str, path: &Path| parse(text, Origin::File(path.to_path_buf()));
            queries.extend(read_folder(
                dir,
                "query",
                parse,
                |q: &Query| &q.name,
                taken,
            )?);
        }
        Ok(Registry { queries })
    }

    pub fn get(&self, name: &str) -> Result<&Query> {
        self.queries.iter().find(|q| q.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.queries.iter().map(|q| q.name.as_str()).collect();
            Error::Usage(format!(
                "no query named {name:?} — the queries are {}; dossier queries describes them",
                names.join(", ")
            ))
        })
    }
}

/// Reads every `*.sql` file of a folder, in the order of their names, each parsed by
/// `parse`. A file must be named after the `-- name:` it declares (the `noun` says
/// what it is), and no two may declare one name; `taken` says who else holds a name.
pub fn read_folder<T>(
    dir: &Path,
    noun: &str,
    parse: impl Fn(&str, &Path) -> Result<T, HeaderError>,
    name_of: impl Fn(&T) -> &str,
    taken: impl Fn(&str) -> Option<String>,
) -> Result<Vec<T>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let mut read: Vec<(T, PathBuf)> = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let item = parse(&text, &path).map_err(|e| Error::QueryFile {
            path: path.clone(),
            line: e.line,
            message: e.message,
        })?;
        let name = name_of(&item).to_string();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if name != stem {
            return Err(Error::QueryFile {
                message: format!(
                    "the {noun} is named {name:?} but the file is {stem}.sql — name the file after the {noun}"
                ),
                path,
                line: 1,
            });
        }
        let holder = taken(&name).or_else(|| {
            read.iter()
                .find(|(other, _)| name_of(other) == name)
                .map(|(_, p)| p.display().to_string())
        });
        if let Some(was) = holder {
            return Err(Error::QueryFile {
                message: format!(
                    "the name {name:?} is already taken by {was} — rename the file and its name: line"
                ),
                path,
                line: 1,
            });
        }
        read.push((item, path));
    }
    Ok(read.into_iter().map(|(item, _)| item).collect())
}

/// The help of a built-in query's parameter, written as a flag's help (capitalised),
/// for the commands that offer the parameter as a flag; empty if there is no such
/// parameter, which the tests rule out.
pub fn flag_help(query: &str, param: &str) -> String {
    let help = BUILT_IN
        .iter()
        .filter(|(name, _)| *name == query)
        .filter_map(|(_, text)| parse(text, Origin::BuiltIn).ok())
        .flat_map(|q| q.params)
        .find(|p| p.name == param)
        .map(|p| p.help)
        .unwrap_or_default();
    let mut chars = help.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => help,
    }
}

/// Values ready to bind, by SQL parameter name (`:from`, `:from_start`, …).
#[derive(Debug, Default)]
pub struct Bindings {
    values: HashMap<String, Value>,
}

impl Bindings {
    pub fn set(&mut self, name: &str, v: Value) {
        self.values.insert(format!(":{name}"), v);
    }

    /// Binds every parameter the statement uses.
    pub fn apply(&self, stmt: &mut Statement<'_>) -> Result<()> {
        for i in 1..=stmt.parameter_count() {
            let Some(name) = stmt.parameter_name(i) else {
                return Err(Error::Usage(
                    "use named parameters (:name) in canned and ad-hoc SQL, not ? placeholders"
                        .into(),
                ));
            };
            let v = self
                .values
                .get(name)
                .ok_or_else(|| Error::Internal(format!("parameter {name} was not bound")))?;
            stmt.raw_bind_parameter(i, v)?;
        }
        Ok(())
    }
}

/// Splits `key=value`, as given to `-p`.
pub fn split_pair(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(Error::Usage(format!(
            "-p takes name=value (found {text:?})"
        ))),
    }
}

/// `name=value` pairs as the commands pass them, from literals.
#[cfg(test)]
pub fn owned_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Checks values given on the command line against a query's parameters, fills in
/// defaults, and returns what to bind.
pub fn bind(query: &Query, given: &[(String, String)], conn: &Connection) -> Result<Bindings> {
    let valid = || {
        if query.params.is_empty() {
            format!("{} takes no parameters", query.name)
        } else {
            let list: Vec<String> = query.params.iter().map(|p| p.to_string()).collect();
            format!("the parameters of {} are {}", query.name, list.join(", "))
        }
    };
    for (k, _) in given {
        if !query.params.iter().any(|p| &p.name == k) {
            return Err(Error::Usage(format!(
                "{} has no parameter {k:?} — {}",
                query.name,
                valid()
            )));
        }
    }
    let mut b = Bindings::default();
    for p in &query.params {
        let values: Vec<&str> = given
            .iter()
            .filter(|(k, _)| *k == p.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.len() > 1 && !p.list {
            return Err(Error::Usage(format!(
                "{} was given {} times; it takes one value",
                p.name,
                values.len()
            )));
        }
        let usage = |e: String| Error::Usage(format!("{}: {e}", p.name));
        if p.list {
            let mut items = Vec::new();
            for v in &values {
                let item = convert(p, v).map_err(usage)?;
                if p.ty == Type::Actor {
                    known_actor(conn, v, &p.name)?;
                }
                items.push(json_item(&item));
            }
            let bound = if items.is_empty() {
                Value::Null
            } else {
                Value::Text(format!("[{}]", items.join(",")))
            };
            b.set(&p.name, bound);
            continue;
        }
        let text = match (values.first(), &p.need) {
            (Some(v), _) => Some(v.to_string()),
            (None, Need::Default(d)) => Some(d.clone()),
            (None, Need::Optional) => None,
            (None, Need::Required) => {
                return Err(Error::Usage(format!(
                    "{} needs {} — {}",
                    query.name,
                    p,
                    valid()
                )));
            }
        };
        let Some(text) = text else {
            b.set(&p.name, Value::Null);
            if p.ty == Type::Date {
                b.set(&format!("{}_start", p.name), Value::Null);
                b.set(&format!("{}_end", p.name), Value::Null);
            }
            continue;
        };
        if p.ty == Type::Actor {
            known_actor(conn, &text, &p.name)?;
        }
        if p.ty == Type::Date {
            let d = dates::parse(&text)
                .map_err(|e| usage(format!("{} (found {text:?}) — {}", e.problem, e.hint)))?;
            b.set(
                &format!("{}_start", p.name),
                Value::Text(d.start.to_string()),
            );
            b.set(
                &format!("{}_end", p.name),
                d.end.map_or(Value::Null, |e| Value::Text(e.to_string())),
            );
        }
        b.set(&p.name, convert(p, &text).map_err(usage)?);
    }
    Ok(b)
}

/// Converts one value to its type.
fn convert(p: &Param, text: &str) -> std::result::Result<Value, String> {
    match p.ty {
        Type::Text => Ok(Value::Text(text.to_string())),
        Type::Integer => text
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| format!("not a whole number (found {text:?})")),
        Type::Real => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Real(f)),
            _ => Err(format!("not a number (found {text:?})")),
        },
        Type::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(Value::Integer(1)),
            "false" | "no" | "0" | "off" => Ok(Value::Integer(0)),
            _ => Err(format!("not true or false (found {text:?})")),
        },
        Type::Date => dates::parse(text)
            .map(|_| Value::Text(text.to_string()))
            .map_err(|e| format!("{} (found {text:?}) — {}", e.problem, e.hint)),
        Type::Actor => {
            if check::is_id(text) {
                Ok(Value::Text(text.to_string()))
            } else {
                Err(format!("not an actor id (found {text:?})"))
            }
        }
    }
}

fn json_item(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => serde_json::to_string(t).unwrap_or_else(|_| "\"\"".into()),
        _ => "null".into(),
    }
}

/// Refuses an actor id the archive does not have, suggesting the nearest.
fn known_actor(conn: &Connection, id: &str, param: &str) -> Result<()> {
    let found: Option<String> = conn
        .query_row("SELECT id FROM actors WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    if found.is_some() {
        return Ok(());
    }
    let near: Option<String> = conn
        .query_row(
            "SELECT id FROM actors WHERE id = ?1 COLLATE NOCASE OR instr(lower(name), lower(?1)) > 0 ORDER BY id LIMIT 1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let hint = match near {
        Some(n) => format!("did you mean {n}?"),
        None => "dossier actors lists them".into(),
    };
    Err(Error::Usage(format!(
        "{param}: no actor {id:?} in the archive — {hint}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Result<Query, HeaderError> {
        parse(text, Origin::BuiltIn)
    }

    #[test]
    fn every_built_in_query_prepares_and_declares_exactly_what_it_uses() {
        let conn = crate::db::in_memory().unwrap();
        let registry = Registry::load(None).unwrap();
        assert_eq!(registry.queries.len(), BUILT_IN.len());
        for query in &registry.queries {
            let stmt = conn
                .prepare(&query.sql)
                .unwrap_or_else(|e| panic!("{}: {e}", query.name));
            assert!(stmt.readonly(), "{} must only read", query.name);
            let used: Vec<String> = (1..=stmt.parameter_count())
                .map(|i| {
                    stmt.parameter_name(i)
                        .expect("named")
                        .trim_start_matches(':')
                        .to_string()
                })
                .collect();
            for name in &used {
                let declared = query.params.iter().any(|p| {
                    *name == p.name
                        || (p.ty == Type::Date
                            && (*name == format!("{}_start", p.name)
                                || *name == format!("{}_end", p.name)))
                });
                assert!(declared, "{} uses :{name} without declaring it", query.name);
            }
            for p in &query.params {
                let is_used = used.iter().any(|u| {
                    *u == p.name
                        || u.strip_prefix(&p.name)
                            .is_some_and(|r| r == "_start" || r == "_end")
                });
                assert!(
                    is_used,
                    "{} declares {} but never uses it",
                    query.name, p.name
                );
                assert!(!p.help.is_empty(), "{}.{} has no help", query.name, p.name);
            }
            assert!(!query.summary.is_empty());
        }
    }

    #[test]
    fn headers_are_parsed() {
        let query = q("-- name: t\n-- summary: S\n-- param: a date optional | help a\n-- param: b integer default 3 | b\n-- param: c actor[] optional | c\n\nSELECT :a_start, :b, :c\n").unwrap();
        assert_eq!(query.name, "t");
        assert_eq!(query.summary, "S");
        assert_eq!(query.params.len(), 3);
        assert_eq!(query.params[1].need, Need::Default("3".into()));
        assert!(query.params[2].list);
        assert_eq!(query.sql, "SELECT :a_start, :b, :c");
        assert_eq!(query.params[0].to_string(), "a (date)");
        assert_eq!(query.params[1].to_string(), "b (integer, default 3)");
    }

    #[test]
    fn header_mistakes_name_their_line() {
        assert_eq!(
            q("-- summary: S\nSELECT 1").unwrap_err().message,
            "the header has no `-- name:` line"
        );
        assert_eq!(
            q("-- name: t\n-- summary: S\n-- param: x number optional | h\nSELECT :x").unwrap_err(),
            header_error(
                3,
                "unknown type \"number\": use text, integer, real, date, boolean or actor (add [] for a list)"
            )
        );
        assert_eq!(
            q("-- name: t\n-- summary: S\n-- param: x integer default abc | h\nSELECT :x")
                .unwrap_err()
                .line,
            3
        );
        assert_eq!(
            q("-- name: t\n-- summary: S\n-- param: x text[] required | h\nSELECT :x")
                .unwrap_err()
                .line,
            3
        );
        assert_eq!(
            q("-- name: t\n-- summary: S\n").unwrap_err().message,
            "the file has a header but no SQL"
        );
    }

    #[test]
    fn values_are_checked_against_their_types() {
        let conn = crate::db::in_memory_with_file("actors");
        conn.execute_batch(
            "INSERT INTO actors (id, name, kind, csv_file, csv_line) VALUES ('PRK', 'North Korea', 'state', 1, 2);",
        )
        .unwrap();
        let query = q("-- name: t\n-- summary: S\n-- param: n integer required | n\n-- param: d date optional | d\n-- param: a actor[] optional | a\n-- param: b boolean default false | b\nSELECT :n, :d_end, :a, :b").unwrap();
        let given = owned_pairs;
        let err =
            |pairs: &[(&str, &str)]| bind(&query, &given(pairs), &conn).unwrap_err().to_string();
        assert_eq!(
            err(&[]),
            "t needs n (integer, required) — the parameters of t are n (integer, required), d (date), a (actor[]), b (boolean, default false)"
        );
        assert_eq!(err(&[("n", "x")]), "n: not a whole number (found \"x\")");
        assert_eq!(
            err(&[("n", "1"), ("z", "1")]),
            "t has no parameter \"z\" — the parameters of t are n (integer, required), d (date), a (actor[]), b (boolean, default false)"
        );
        assert_eq!(
            err(&[("n", "1"), ("n", "2")]),
            "n was given 2 times; it takes one value"
        );
        assert_eq!(
            err(&[("n", "1"), ("d", "23/06/2017")]),
            "d: day/month/year dates are not accepted (found \"23/06/2017\") — write YYYY-MM-DD: 2017-06-23"
        );
        assert_eq!(
            err(&[("n", "1"), ("a", "prk")]),
            "a: no actor \"prk\" in the archive — did you mean PRK?"
        );
        assert_eq!(
            err(&[("n", "1"), ("b", "maybe")]),
            "b: not true or false (found \"maybe\")"
        );
        let b = bind(
            &query,
            &given(&[("n", "1"), ("d", "2015"), ("a", "PRK"), ("a", "PRK")]),
            &conn,
        )
        .unwrap();
        let mut stmt = conn.prepare(&query.sql).unwrap();
        b.apply(&mut stmt).unwrap();
        let mut rows = stmt.raw_query();
        let r = rows.next().unwrap().unwrap();
        let row: (i64, String, String, i64) = (
            r.get(0).unwrap(),
            r.get(1).unwrap(),
            r.get(2).unwrap(),
            r.get(3).unwrap(),
        );
        assert_eq!(row, (1, "2015-12-31".into(), "[\"PRK\",\"PRK\"]".into(), 0));
    }

    /// Each way a query file can be unusable is a `QueryFile` error at its line.
    #[test]
    fn unusable_query_files_are_named_with_their_line() {
        let load = |name: &str, text: &str| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(name), text).unwrap();
            match Registry::load(Some(dir.path())) {
                Err(Error::QueryFile {
                    path,
                    line,
                    message,
                }) => {
                    assert_eq!(path, dir.path().join(name));
                    (line, message)
                }
                other => panic!("{name}: {:?}", other.map(|r| r.queries.len())),
            }
        };
        assert_eq!(
            load("t.sql", "-- name: t\n-- summary: S\n-- param: n number optional | h\nSELECT :n\n"),
            (
                3,
                "unknown type \"number\": use text, integer, real, date, boolean or actor (add [] for a list)"
                    .into()
            )
        );
        assert_eq!(
            load("other.sql", "-- name: t\n-- summary: S\nSELECT 1\n"),
            (
                1,
                "the query is named \"t\" but the file is other.sql — name the file after the query"
                    .into()
            )
        );
        assert_eq!(
            load("via.sql", "-- name: via\n-- summary: S\nSELECT 1\n"),
            (
                1,
                "the name \"via\" is already taken by a built-in query — rename the file and its name: line"
                    .into()
            )
        );
        let e = Error::QueryFile {
            path: PathBuf::from("q/t.sql"),
            line: 3,
            message: "what".into(),
        };
        assert_eq!(
            (e.to_string().as_str(), e.exit_code()),
            ("q/t.sql:3:1: what", 1)
        );
    }

    #[test]
    fn pairs_split_at_the_first_equals_sign() {
        assert_eq!(split_pair("q=a=b").unwrap(), ("q".into(), "a=b".into()));
        assert!(split_pair("novalue").is_err());
    }
}
