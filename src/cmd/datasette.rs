//! `dossier datasette`: Datasette metadata for the archive: the descriptions of every
//! table, view and column from schema.sql, full-text search on `search`, and every
//! canned query, its SQL rewritten so that Datasette's text parameters mean what
//! dossier's typed ones do.
//!
//! Datasette binds every parameter as text, binds an empty string for a field left
//! empty, and knows neither defaults, dates nor lists. Each query therefore gets a
//! first common table expression, `dossier_params`, that turns the text Datasette
//! binds into the values `dossier run` would bind: an empty field is NULL, a default
//! fills in for it, numbers and booleans are converted, a date `x` also gives
//! `x_start` and `x_end` (its first and last day), and a list may be written
//! comma-separated or as a JSON array. The query's own SQL reads its parameters from
//! there instead of from bound values. Datasette does not check what it is given:
//! where dossier refuses a malformed date or an unknown actor, Datasette returns no
//! rows, or rows for what the text happens to mean.

use super::{Context, collect, open_output};
use crate::cli::DatasetteArgs;
use crate::db::{self, read::Archive};
use crate::error::{Error, Result};
use crate::output::text_of;
use crate::queries::{Need, Param, Query, Type};
use rusqlite::types::ValueRef;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The column each table is best labelled by, where a foreign key points at it.
const LABELS: &[(&str, &str)] = &[
    ("actors", "name"),
    ("sources", "title"),
    ("events", "title"),
    ("figures", "measure"),
    ("units", "name"),
    ("load_files", "path"),
];

/// The tables FTS5 keeps for a full-text table, by suffix.
const FTS5_SHADOWS: &[&str] = &["_data", "_idx", "_content", "_docsize", "_config"];

pub fn run(args: &DatasetteArgs, ctx: &Context) -> Result<()> {
    let registry = ctx.all_queries()?;
    let archive = ctx.open()?;
    let built_in = ctx.built_in()?;
    // Datasette names a database after its file, without the extension.
    let database = ctx
        .db
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{}: Datasette names a database after its file, and this path has no usable name — choose another with --db",
                ctx.db.display()
            ))
        })?
        .to_string();
    let description = match &args.description {
        Some(d) => d.clone(),
        None => describe_archive(&archive, &built_in)?,
    };
    let (source, source_url) = first_hand(&archive)?;

    let mut top = Map::new();
    top.insert("title".into(), json!(args.title));
    top.insert("description".into(), json!(description));
    if let Some(s) = args.source.clone().or(source) {
        top.insert("source".into(), json!(s));
    }
    if let Some(u) = args.source_url.clone().or(source_url) {
        top.insert("source_url".into(), json!(u));
    }
    if let Some(l) = &args.license {
        top.insert("license".into(), json!(l));
    }
    if let Some(u) = &args.license_url {
        top.insert("license_url".into(), json!(u));
    }
    let mut db_meta = Map::new();
    db_meta.insert("description".into(), json!(description));
    let tables = tables(&archive)?;
    let mut queries = Map::new();
    for q in &registry.queries {
        let (name, value) = canned(q, |n| tables.contains_key(n) || queries.contains_key(n));
        queries.insert(name, value);
    }
    db_meta.insert("tables".into(), Value::Object(tables));
    db_meta.insert("queries".into(), Value::Object(queries));
    top.insert(
        "databases".into(),
        json!({ database: Value::Object(db_meta) }),
    );

    let mut out = open_output(args.output.as_deref())?;
    serde_json::to_writer_pretty(out.writer(), &Value::Object(top))
        .map_err(|e| Error::Output(std::io::Error::other(e)))?;
    out.writer().write_all(b"\n")?;
    Ok(out.finish()?)
}

/// What the archive holds and where it came from, from the `summary` query.
fn describe_archive(archive: &Archive, registry: &crate::queries::Registry) -> Result<String> {
    let (_, rows) = collect(archive, registry, "summary", &[("top".into(), "0".into())])?;
    let mut facts: HashMap<(String, String), String> = HashMap::new();
    for row in rows {
        let cell = |i: usize| {
            row.get(i)
                .map(|v| text_of(ValueRef::from(v)).into_owned())
                .unwrap_or_default()
        };
        facts.insert((cell(0), cell(1)), cell(2));
    }
    let get = |section: &str, item: &str| {
        facts
            .get(&(section.to_string(), item.to_string()))
            .cloned()
            .unwrap_or_default()
    };
    let mut text = format!(
        "A dossier archive: {} events, {} figures, {} sources, {} actors and {} citations. \
         Every event and figure is tied to the verbatim words of a source (see citations), \
         and every source to the sources it is known through (see sources_full.cited_as).",
        get("rows", "events"),
        get("rows", "figures"),
        get("rows", "sources"),
        get("rows", "actors"),
        get("rows", "citations"),
    );
    let documents = get("documents", "documents");
    if !documents.is_empty() && documents != "0" {
        let _ = write!(
            text,
            " {} of the quotes were found in the text of their source, {} {} (see documents and paragraphs).",
            get("quotes", "verified against a document"),
            documents,
            if documents == "1" {
                "document"
            } else {
                "documents"
            }
        );
    }
    let finished = get("last load", "finished");
    if !finished.is_empty() {
        let _ = write!(
            text,
            " Loaded by dossier {} on {finished} from {} (load {}).",
            get("last load", "dossier version"),
            get("last load", "inputs"),
            get("last load", "loads so far"),
        );
    }
    Ok(text)
}

/// The sources the analyst read first-hand (those known through no other), as
/// Datasette's `source`, and a link when there is exactly one and it has a web address.
fn first_hand(archive: &Archive) -> Result<(Option<String>, Option<String>)> {
    let mut stmt = archive.prepare(
        "SELECT cited_as, url FROM sources_full WHERE via IS NULL \
         ORDER BY events + figures DESC, id",
    )?;
    let rows: Vec<(String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| archive.explain(e))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| archive.explain(e))?;
    let source = match rows.len() {
        0 => None,
        1..=3 => Some(
            rows.iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        n => Some(format!(
            "{}; and {} more",
            rows[..3]
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            n - 3
        )),
    };
    let url = match rows.as_slice() {
        [(_, Some(u))] if u.starts_with("https://") || u.starts_with("http://") => Some(u.clone()),
        _ => None,
    };
    Ok((source, url))
}

/// Every table and view with its description and its columns'.
fn tables(archive: &Archive) -> Result<Map<String, Value>> {
    let mut stmt = archive.prepare(
        "SELECT m.name, m.type, m.sql LIKE 'CREATE VIRTUAL%', p.name \
         FROM sqlite_schema m JOIN pragma_table_info(m.name) p \
         WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' \
         ORDER BY m.type, m.rowid, p.cid",
    )?;
    let rows: Vec<(String, String, bool, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map_err(|e| archive.explain(e))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| archive.explain(e))?;
    let virtual_tables: Vec<&str> = rows.iter().filter(|r| r.2).map(|r| r.0.as_str()).collect();
    let shadow_of = |name: &str| {
        virtual_tables
            .iter()
            .copied()
            .find(|v| FTS5_SHADOWS.iter().any(|s| name.strip_prefix(v) == Some(s)))
    };
    let objects = db::object_notes();
    let columns = db::column_notes();
    let mut tables = Map::new();
    for (name, _, is_virtual, column) in &rows {
        let entry = tables.entry(name.clone()).or_insert_with(|| {
            let mut t = Map::new();
            let shadow = shadow_of(name);
            let description = match shadow {
                Some(v) => format!(
                    "part of the full-text index {v}, kept by SQLite (FTS5); query {v} instead"
                ),
                None => objects
                    .iter()
                    .find(|o| &o.object == name)
                    .map_or_else(String::new, |o| o.note.clone()),
            };
            t.insert("description".into(), json!(description));
            if shadow.is_some() {
                t.insert("hidden".into(), json!(true));
            }
            if *is_virtual {
                // Datasette searches a table through a full-text table and the
                // column that matches its rowid; the search table is its own index.
                t.insert("fts_table".into(), json!(name));
                t.insert("fts_pk".into(), json!("rowid"));
                // dossier search takes FTS5 syntax (phrases, prefix*, AND, OR, NOT).
                t.insert("searchmode".into(), json!("raw"));
            }
            if let Some((_, label)) = LABELS.iter().find(|(t, _)| t == name) {
                t.insert("label_column".into(), json!(label));
            }
            if name == "events" {
                t.insert("sort".into(), json!("date_start"));
            }
            t.insert("columns".into(), Value::Object(Map::new()));
            Value::Object(t)
        });
        let note = match shadow_of(name) {
            Some(v) => format!("kept by SQLite for the full-text index {v}"),
            None => columns
                .iter()
                .find(|n| &n.object == name && &n.column == column)
                .map_or_else(String::new, |n| n.note.clone()),
        };
        if let Some(cols) = entry.get_mut("columns").and_then(Value::as_object_mut) {
            cols.insert(column.clone(), json!(note));
        }
    }
    Ok(tables)
}

/// One canned query as Datasette takes it, and the name it is served under: its own,
/// unless a table or view has that name. Datasette serves a canned query in place of
/// the table of the same name, which would hide the table, so the query takes a
/// `-query` suffix instead (figures-query).
fn canned(q: &Query, taken: impl Fn(&str) -> bool) -> (String, Value) {
    let mut name = q.name.clone();
    while taken(&name) {
        name.push_str("-query");
    }
    let mut description = describe_params(q);
    if name != q.name {
        let _ = write!(
            description,
            " It is named {name} here because {} is also a table or view.",
            q.name
        );
    }
    let mut m = Map::new();
    m.insert("title".into(), json!(q.summary));
    m.insert("description".into(), json!(description));
    m.insert("sql".into(), json!(datasette_sql(q)));
    let params: Vec<&str> = q.params.iter().map(|p| p.name.as_str()).collect();
    m.insert("params".into(), json!(params));
    if !q.params.is_empty() {
        // The parameter preamble is long; the form and the results are what matter.
        m.insert("hide_sql".into(), json!(true));
    }
    (name, Value::Object(m))
}

/// The parameters as a reader fills them in a Datasette form.
fn describe_params(q: &Query) -> String {
    let same = format!("The same rows as dossier run {}.", q.name);
    if q.params.is_empty() {
        return format!("No parameters. {same}");
    }
    let each: Vec<String> = q
        .params
        .iter()
        .map(|p| {
            let form = match (p.ty, p.list) {
                (_, true) => format!(
                    "a list of {}: comma-separated, or a JSON array",
                    match p.ty {
                        Type::Actor => "actor ids".to_string(),
                        other => format!("{} values", other.name()),
                    }
                ),
                (Type::Date, false) => "a date: 2014, 2014-06, 2014-06-23, 2014/2015 …".into(),
                (Type::Boolean, false) => "true or false".into(),
                (Type::Actor, false) => "an actor id".into(),
                (other, false) => other.name().to_string(),
            };
            let need = match &p.need {
                Need::Required => ", required".to_string(),
                Need::Optional => String::new(),
                Need::Default(d) => format!(", {d} if left empty"),
            };
            format!("{} ({form}{need}): {}", p.name, p.help)
        })
        .collect();
    format!("{}. {same}", each.join("; "))
}

/// A name quoted for SQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A text literal for SQL.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The query's SQL for Datasette: the `dossier_params` preamble, then the query with
/// each `:name` read from it.
pub fn datasette_sql(q: &Query) -> String {
    if q.params.is_empty() {
        return q.sql.clone();
    }
    let is_date = |p: &Param| p.ty == Type::Date && !p.list;
    let mut reads = HashMap::new();
    for p in &q.params {
        let mut names = vec![p.name.clone()];
        if is_date(p) {
            names.push(format!("{}_start", p.name));
            names.push(format!("{}_end", p.name));
        }
        for n in names {
            reads.insert(
                n.clone(),
                format!("(SELECT {} FROM dossier_params)", ident(&n)),
            );
        }
    }
    let body = replace_params(&q.sql, &reads);

    // The text Datasette binds, with defaults filled in.
    let given: Vec<String> = q
        .params
        .iter()
        .map(|p| {
            let text = match &p.need {
                Need::Default(d) if !p.list => {
                    format!("coalesce(nullif(:{}, ''), {})", p.name, literal(d))
                }
                _ => format!("nullif(:{}, '')", p.name),
            };
            format!("{text} AS {}", ident(&p.name))
        })
        .collect();
    let mut source = format!("SELECT\n      {}", given.join(",\n      "));
    let dates: Vec<&Param> = q.params.iter().filter(|p| is_date(p)).collect();
    if !dates.is_empty() {
        // Each date's two sides: the qualifiers ? ~ % and the brackets of [a..b]
        // dropped, so "2014/2015", "1961/" (open) and "2015" (both sides) remain.
        let cleaned: Vec<String> = dates
            .iter()
            .map(|p| {
                let mut e = ident(&p.name);
                for (from, to) in [
                    ("?", ""),
                    ("~", ""),
                    ("%", ""),
                    ("[", ""),
                    ("]", ""),
                    ("/..", "/"),
                    ("..", "/"),
                ] {
                    e = format!("replace({e}, {}, {})", literal(from), literal(to));
                }
                format!("{e} AS {}", ident(&format!("{}__edtf", p.name)))
            })
            .collect();
        source = format!(
            "SELECT *,\n      {}\n    FROM ({source})",
            cleaned.join(",\n      ")
        );
        let sides: Vec<String> = dates
            .iter()
            .map(|p| {
                let e = ident(&format!("{}__edtf", p.name));
                format!(
                    "CASE WHEN instr({e}, '/') > 0 THEN substr({e}, 1, instr({e}, '/') - 1) ELSE {e} END AS {},\n      \
                     CASE WHEN instr({e}, '/') > 0 THEN substr({e}, instr({e}, '/') + 1) ELSE {e} END AS {}",
                    ident(&format!("{}__a", p.name)),
                    ident(&format!("{}__b", p.name))
                )
            })
            .collect();
        source = format!(
            "SELECT *,\n      {}\n    FROM ({source})",
            sides.join(",\n      ")
        );
    }
    let mut typed: Vec<String> = Vec::new();
    for p in &q.params {
        typed.push(format!("{} AS {}", typed_value(p), ident(&p.name)));
        if is_date(p) {
            let a = ident(&format!("{}__a", p.name));
            let b = ident(&format!("{}__b", p.name));
            typed.push(format!(
                "CASE WHEN length({a}) = 4 AND substr({a}, 4, 1) = 'X' THEN substr({a}, 1, 3) || '0-01-01' \
                 WHEN length({a}) = 4 THEN {a} || '-01-01' WHEN length({a}) = 7 THEN {a} || '-01' ELSE {a} END AS {}",
                ident(&format!("{}_start", p.name))
            ));
            typed.push(format!(
                "CASE WHEN {b} = '' THEN NULL \
                 WHEN length({b}) = 4 AND substr({b}, 4, 1) = 'X' THEN substr({b}, 1, 3) || '9-12-31' \
                 WHEN length({b}) = 4 THEN {b} || '-12-31' \
                 WHEN length({b}) = 7 THEN date({b} || '-01', '+1 month', '-1 day') ELSE {b} END AS {}",
                ident(&format!("{}_end", p.name))
            ));
        }
    }
    let preamble = format!(
        "dossier_params AS (\n  SELECT\n    {}\n  FROM ({source})\n)",
        typed.join(",\n    ")
    );
    let trimmed = body.trim_start();
    match keyword_rest(trimmed, "WITH") {
        Some(rest) => match keyword_rest(rest, "RECURSIVE") {
            Some(rest) => format!("WITH RECURSIVE {preamble},\n{rest}"),
            None => format!("WITH {preamble},\n{rest}"),
        },
        None => format!("WITH {preamble}\n{trimmed}"),
    }
}

/// The value dossier would bind, from the text column of the same name.
fn typed_value(p: &Param) -> String {
    let v = ident(&p.name);
    let convert = |x: &str| match p.ty {
        Type::Integer => format!("CAST({x} AS INTEGER)"),
        Type::Real => format!("CAST({x} AS REAL)"),
        Type::Boolean => format!(
            "CASE WHEN {x} IS NULL THEN NULL WHEN lower({x}) IN ('true', 'yes', '1', 'on') THEN 1 ELSE 0 END"
        ),
        Type::Text | Type::Date | Type::Actor => x.to_string(),
    };
    if !p.list {
        return convert(&v);
    }
    // A list is bound as a JSON array, or NULL when empty. Comma-separated text is
    // made into one: escaped for JSON, split at commas, each item trimmed.
    let mut escaped = v.clone();
    for (from, to) in [
        ("\\", "\\\\"),
        ("\"", "\\\""),
        ("\n", " "),
        ("\r", " "),
        ("\t", " "),
    ] {
        let from = match from {
            "\n" => "char(10)".to_string(),
            "\r" => "char(13)".to_string(),
            "\t" => "char(9)".to_string(),
            other => literal(other),
        };
        escaped = format!("replace({escaped}, {from}, {})", literal(to));
    }
    let item = convert("trim(value)");
    format!(
        "CASE WHEN {v} IS NULL THEN NULL \
         WHEN json_valid({v}) AND json_type({v}) = 'array' \
         THEN CASE WHEN json_array_length({v}) = 0 THEN NULL ELSE {v} END \
         ELSE (SELECT nullif(json_group_array({item}), '[]') \
         FROM json_each('[\"' || replace({escaped}, ',', '\",\"') || '\"]') WHERE trim(value) <> '') END"
    )
}

/// The text after a leading keyword (any case), if `sql` starts with it.
fn keyword_rest<'a>(sql: &'a str, keyword: &str) -> Option<&'a str> {
    let head = sql.get(..keyword.len())?;
    let next = sql[keyword.len()..].chars().next();
    if head.eq_ignore_ascii_case(keyword)
        && next.is_some_and(|c| !(c.is_ascii_alphanumeric() || c == '_'))
    {
        Some(sql[keyword.len()..].trim_start())
    } else {
        None
    }
}

/// Replaces each `:name` that `with` has a replacement for, outside string literals,
/// quoted names and comments.
fn replace_params(sql: &str, with: &HashMap<String, String>) -> String {
    let b = sql.as_bytes();
    let ident_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = String::with_capacity(sql.len() * 2);
    let (mut i, mut last) = (0, 0);
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'[' => {
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b':' if b.get(i + 1).is_some_and(|c| ident_byte(*c)) => {
                let start = i;
                i += 1;
                while i < b.len() && ident_byte(b[i]) {
                    i += 1;
                }
                if let Some(r) = with.get(&sql[start + 1..i]) {
                    out.push_str(&sql[last..start]);
                    out.push_str(r);
                    last = i;
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[last.min(sql.len())..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queries::{Origin, Registry, parse};
    use rusqlite::Connection;

    fn query(text: &str) -> Query {
        parse(text, Origin::BuiltIn).unwrap()
    }

    /// Runs a query's Datasette SQL with named text values, as Datasette would:
    /// every declared parameter bound, "" for those not given.
    fn run(conn: &Connection, q: &Query, given: &[(&str, &str)]) -> Vec<Vec<String>> {
        let sql = datasette_sql(q);
        let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
        for i in 1..=stmt.parameter_count() {
            let name = stmt
                .parameter_name(i)
                .unwrap()
                .trim_start_matches(':')
                .to_string();
            let v = given
                .iter()
                .find(|(k, _)| *k == name)
                .map_or("", |(_, v)| v);
            stmt.raw_bind_parameter(i, v).unwrap();
        }
        let n = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            out.push(
                (0..n)
                    .map(|i| text_of(r.get_ref(i).unwrap()).into_owned())
                    .collect(),
            );
        }
        out
    }

    #[test]
    fn parameters_are_replaced_outside_strings_and_comments_only() {
        let with = HashMap::from([("a".to_string(), "X".to_string())]);
        assert_eq!(
            replace_params(
                "SELECT :a, ':a', \":a\", [:a], :ab -- :a\n/* :a */ :a",
                &with
            ),
            "SELECT X, ':a', \":a\", [:a], :ab -- :a\n/* :a */ X"
        );
    }

    #[test]
    fn text_values_become_what_dossier_binds() {
        let conn = Connection::open_in_memory().unwrap();
        let q = query(
            "-- name: t\n-- summary: s\n\
             -- param: d date optional | d\n\
             -- param: n integer default 20 | n\n\
             -- param: r real optional | r\n\
             -- param: b boolean default false | b\n\
             -- param: l actor[] optional | l\n\
             -- param: t text optional | t\n\
             SELECT :d, :d_start, :d_end, :n, :r, :b, :l, :t, typeof(:n)",
        );
        let row = |given: &[(&str, &str)]| run(&conn, &q, given).remove(0);
        assert_eq!(
            row(&[]),
            ["", "", "", "20", "", "0", "", "", "integer"],
            "empty fields are missing values, and defaults fill in"
        );
        let cases: &[(&str, &str, &str)] = &[
            ("2014", "2014-01-01", "2014-12-31"),
            ("2016-02", "2016-02-01", "2016-02-29"),
            ("2015-02", "2015-02-01", "2015-02-28"),
            ("2017-06-23", "2017-06-23", "2017-06-23"),
            ("196X", "1960-01-01", "1969-12-31"),
            ("2014/2015-06", "2014-01-01", "2015-06-30"),
            ("1961/..", "1961-01-01", ""),
            ("1985/", "1985-01-01", ""),
            ("[2014..2015]", "2014-01-01", "2015-12-31"),
            ("2017~", "2017-01-01", "2017-12-31"),
            ("2016?/2017%", "2016-01-01", "2017-12-31"),
        ];
        for (date, start, end) in cases {
            let r = row(&[("d", date)]);
            assert_eq!((r[1].as_str(), r[2].as_str()), (*start, *end), "{date}");
            // The same bounds as dossier's own parser.
            let parsed = crate::db::dates::parse(date).unwrap();
            assert_eq!(parsed.start.to_string(), *start, "{date}");
            assert_eq!(parsed.end.map(|e| e.to_string()).unwrap_or_default(), *end);
        }
        let r = row(&[("n", "7"), ("r", "1.5"), ("b", "yes"), ("t", "x")]);
        assert_eq!(&r[3..], ["7", "1.5", "1", "", "x", "integer"]);
        for (given, want) in [
            ("RUS,PRK", "[\"RUS\",\"PRK\"]"),
            (" RUS , PRK ,", "[\"RUS\",\"PRK\"]"),
            ("[\"RUS\"]", "[\"RUS\"]"),
            ("a\"b\\c", "[\"a\\\"b\\\\c\"]"),
            ("[]", ""),
            (",", ""),
        ] {
            assert_eq!(row(&[("l", given)])[6], want, "{given}");
        }
    }

    #[test]
    fn a_query_that_starts_with_with_keeps_its_own_expressions() {
        let q = query(
            "-- name: t\n-- summary: s\n-- param: n integer default 3 | n\n\
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) SELECT count(*) FROM c",
        );
        let sql = datasette_sql(&q);
        assert!(
            sql.starts_with("WITH RECURSIVE dossier_params AS ("),
            "{sql}"
        );
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(run(&conn, &q, &[]), [["3"]]);
        assert_eq!(run(&conn, &q, &[("n", "5")]), [["5"]]);
    }

    #[test]
    fn every_built_in_query_prepares_for_datasette_with_only_its_declared_parameters() {
        let conn = crate::db::in_memory().unwrap();
        for q in Registry::load(None).unwrap().queries {
            let sql = datasette_sql(&q);
            let stmt = conn
                .prepare(&sql)
                .unwrap_or_else(|e| panic!("{}: {e}\n{sql}", q.name));
            let mut used: Vec<String> = (1..=stmt.parameter_count())
                .map(|i| {
                    stmt.parameter_name(i)
                        .unwrap()
                        .trim_start_matches(':')
                        .to_string()
                })
                .collect();
            used.sort();
            let mut declared: Vec<String> = q.params.iter().map(|p| p.name.clone()).collect();
            declared.sort();
            assert_eq!(used, declared, "{}", q.name);
        }
    }
}
