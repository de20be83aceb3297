//! Comparing two archives row by row: which rows one has that the other lacks, and
//! which fields of the rows both have differ.
//!
//! Facts are compared as their CSV files hold them (`dump::rows`: one row per fact,
//! with its lists and its inline citation), matched by id, and the rows of
//! `citations.csv` by their fact, source and quote (`Table::key`). Every other table
//! is compared as the schema declares it, matched by its primary key: the
//! vocabularies, and whatever tables a later schema adds. Left out are the join
//! tables, which the facts' lists already cover, and what says how an archive was
//! built rather than what it holds: the load history and the full-text index.
//!
//! Nothing here prints. The two archives are schemas of one connection (`main` and an
//! attached one); rows are read from both in key order and merged, so memory does not
//! grow with the archives, and each change is handed to the caller as it is found.

use super::dump;
use super::spec::{self, Table};
use crate::error::Result;
use rusqlite::Connection;
use rusqlite::types::Value;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// What happened to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Added,
    Removed,
    Changed,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Added, Kind::Removed, Kind::Changed];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Changed => "changed",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One field of a row, before and after. NULL stands for an empty cell, and for the
/// side on which the row does not exist.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub old: Value,
    pub new: Value,
}

/// A row added, removed or changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub table: String,
    /// The row's key as text: its id, or the values of its key columns joined by " / ".
    pub key: String,
    pub kind: Kind,
    /// For a changed row, the fields that differ; for an added or removed row, every
    /// field that has a value, the key's columns left out.
    pub fields: Vec<Field>,
}

/// The key of a row as text: the values of its key columns that are not NULL.
pub fn key_text(values: &[Value]) -> String {
    values
        .iter()
        .filter(|v| !matches!(v, Value::Null))
        .map(|v| crate::output::text_of(v.into()).into_owned())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A table as it is compared: the columns, which of them are the key, and the SELECT
/// that gives its rows in key order on each side (none where the table is missing).
struct Compared {
    name: String,
    columns: Vec<String>,
    key: Vec<usize>,
    old: Option<String>,
    new: Option<String>,
}

/// Whether a table is part of the load history, which says how the archive was built.
pub fn is_history(name: &str) -> bool {
    name.starts_with("load_")
}

/// The tables of one side: name and CREATE statement.
fn tables_of(conn: &Connection, schema: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT name, coalesce(sql, '') FROM {schema}.sqlite_schema WHERE type = 'table' ORDER BY name"
    ))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A table's columns on one side, and which are its primary key, in key order.
fn columns_of(conn: &Connection, schema: &str, table: &str) -> Result<(Vec<String>, Vec<String>)> {
    let mut stmt = conn.prepare("SELECT name, pk FROM pragma_table_info(?1, ?2) ORDER BY cid")?;
    let rows: Vec<(String, i64)> = stmt
        .query_map([table, schema], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut pk: Vec<(i64, String)> = rows
        .iter()
        .filter(|(_, k)| *k > 0)
        .map(|(n, k)| (*k, n.clone()))
        .collect();
    pk.sort();
    Ok((
        rows.into_iter().map(|(n, _)| n).collect(),
        pk.into_iter().map(|(_, n)| n).collect(),
    ))
}

/// The tables to compare, facts first in load order, then the others by name.
fn plan(conn: &Connection, old: Option<&str>, new: &str) -> Result<Vec<Compared>> {
    let new_tables = tables_of(conn, new)?;
    let old_tables = match old {
        Some(s) => tables_of(conn, s)?,
        None => Vec::new(),
    };
    let has = |tables: &[(String, String)], name: &str| tables.iter().any(|(n, _)| n == name);
    let mut plans = Vec::new();
    for table in Table::ALL {
        let old = old.filter(|_| has(&old_tables, table.name()));
        let new = Some(new).filter(|_| has(&new_tables, table.name()));
        plans.push(facts(conn, table, old, new, None)?);
    }
    // Every other table that holds what the archive says, by the schema.
    let covered = spec::archive_tables();
    let mut derived: Vec<String> = Vec::new();
    for (name, sql) in new_tables.iter().chain(&old_tables) {
        if sql.starts_with("CREATE VIRTUAL TABLE") {
            derived.push(format!("{name}_"));
        }
    }
    let names: BTreeSet<&String> = new_tables
        .iter()
        .chain(&old_tables)
        .map(|(n, _)| n)
        .filter(|n| {
            !n.starts_with("sqlite_")
                && !is_history(n)
                && !covered.contains(&n.as_str())
                && !derived
                    .iter()
                    .any(|d| n.starts_with(d.as_str()) || d == &format!("{n}_"))
        })
        .collect();
    for name in names {
        let new_cols = match has(&new_tables, name) {
            true => Some(columns_of(conn, new, name)?),
            false => None,
        };
        let old_cols = match old.filter(|_| has(&old_tables, name)) {
            Some(s) => Some(columns_of(conn, s, name)?),
            None => None,
        };
        let mut columns: Vec<String> = Vec::new();
        for (cols, _) in new_cols.iter().chain(&old_cols) {
            for c in cols {
                if !columns.contains(c) {
                    columns.push(c.clone());
                }
            }
        }
        let pk = new_cols
            .as_ref()
            .or(old_cols.as_ref())
            .map(|(_, pk)| pk.clone())
            .unwrap_or_default();
        let key: Vec<usize> = if pk.is_empty() {
            (0..columns.len()).collect()
        } else {
            pk.iter()
                .filter_map(|k| columns.iter().position(|c| c == k))
                .collect()
        };
        let select = |schema: &str, present: &[String]| {
            let list: Vec<String> = columns
                .iter()
                .map(|c| {
                    if present.contains(c) {
                        quote(c)
                    } else {
                        format!("NULL AS {}", quote(c))
                    }
                })
                .collect();
            let order: Vec<String> = key.iter().map(|&k| quote(&columns[k])).collect();
            format!(
                "SELECT {} FROM {schema}.{} ORDER BY {}",
                list.join(", "),
                quote(name),
                order.join(", ")
            )
        };
        plans.push(Compared {
            name: name.clone(),
            old: old_cols
                .as_ref()
                .zip(old)
                .map(|((cols, _), s)| select(s, cols)),
            new: new_cols.as_ref().map(|(cols, _)| select(new, cols)),
            columns,
            key,
        });
    }
    Ok(plans)
}

/// The plan for one table of facts, compared as its CSV file holds it. With `only`,
/// just the rows whose numbers are in the named one-column tables (old side, new side).
fn facts(
    conn: &Connection,
    table: Table,
    old: Option<&str>,
    new: Option<&str>,
    only: Option<(&str, &str)>,
) -> Result<Compared> {
    let name = table.name();
    let side = |schema: Option<&str>, rows_in: Option<&str>| -> Result<Option<String>> {
        let Some(schema) = schema else {
            return Ok(None);
        };
        let (present, _) = columns_of(conn, schema, name)?;
        let rows = dump::rows(table, schema, &|c| present.iter().any(|p| p == c));
        let only = rows_in
            .map(|t| format!(" AND t.{} IN (SELECT row FROM {t})", table.rowid_column()))
            .unwrap_or_default();
        let order: Vec<String> = table
            .key()
            .iter()
            .map(|k| format!("t.{k}"))
            .chain([format!("t.{}", table.rowid_column())])
            .collect();
        Ok(Some(format!("{rows}{only} ORDER BY {}", order.join(", "))))
    };
    let columns: Vec<String> = table.columns().iter().map(|c| c.name.to_string()).collect();
    let key = table
        .key()
        .iter()
        .filter_map(|k| columns.iter().position(|c| c == k))
        .collect();
    Ok(Compared {
        name: name.to_string(),
        key,
        old: side(old, only.map(|o| o.0))?,
        new: side(new, only.map(|o| o.1))?,
        columns,
    })
}

/// Compares only some rows of the facts: those numbered in the one-column (`row`)
/// table `old_rows` on the old side and in `new_rows` on the new side. A load uses it
/// to compare just the rows whose fingerprints differ.
pub fn compare_rows(
    conn: &Connection,
    (old, old_rows): (&str, &str),
    (new, new_rows): (&str, &str),
    each: &mut dyn FnMut(Change) -> Result<()>,
) -> Result<()> {
    for table in Table::ALL {
        let plan = facts(
            conn,
            table,
            Some(old),
            Some(new),
            Some((old_rows, new_rows)),
        )?;
        compare_table(conn, &plan, each)?;
    }
    Ok(())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Compares the archive attached as `old` (none: an archive with no rows) with the one
/// attached as `new`, handing every change to `each` in table order, then key order.
pub fn compare(
    conn: &Connection,
    old: Option<&str>,
    new: &str,
    each: &mut dyn FnMut(Change) -> Result<()>,
) -> Result<()> {
    for table in plan(conn, old, new)? {
        compare_table(conn, &table, each)?;
    }
    Ok(())
}

/// One row: its values in the table's column order.
type Row = Vec<Value>;

/// Reads the rows of one side in key order.
struct Side<'c> {
    rows: Option<rusqlite::Rows<'c>>,
    width: usize,
}

impl Side<'_> {
    fn next(&mut self) -> Result<Option<Row>> {
        let Some(rows) = self.rows.as_mut() else {
            return Ok(None);
        };
        match rows.next()? {
            Some(r) => Ok(Some(
                (0..self.width)
                    .map(|i| r.get::<_, Value>(i))
                    .collect::<rusqlite::Result<_>>()?,
            )),
            None => Ok(None),
        }
    }
}

fn compare_table(
    conn: &Connection,
    table: &Compared,
    each: &mut dyn FnMut(Change) -> Result<()>,
) -> Result<()> {
    let mut old_stmt = table.old.as_deref().map(|s| conn.prepare(s)).transpose()?;
    let mut new_stmt = table.new.as_deref().map(|s| conn.prepare(s)).transpose()?;
    let width = table.columns.len();
    let mut old = Side {
        rows: old_stmt.as_mut().map(|s| s.raw_query()),
        width,
    };
    let mut new = Side {
        rows: new_stmt.as_mut().map(|s| s.raw_query()),
        width,
    };
    let (mut a, mut b) = (old.next()?, new.next()?);
    loop {
        let order = match (&a, &b) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => table
                .key
                .iter()
                .map(|&k| order_of(&x[k], &y[k]))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal),
        };
        match order {
            Ordering::Less => {
                if let Some(x) = a.take() {
                    each(whole(table, &x, Kind::Removed))?;
                }
                a = old.next()?;
            }
            Ordering::Greater => {
                if let Some(y) = b.take() {
                    each(whole(table, &y, Kind::Added))?;
                }
                b = new.next()?;
            }
            Ordering::Equal => {
                if let (Some(x), Some(y)) = (a.take(), b.take()) {
                    let fields: Vec<Field> = (0..width)
                        .filter(|i| !table.key.contains(i) && !same(&x[*i], &y[*i]))
                        .map(|i| Field {
                            name: table.columns[i].clone(),
                            old: x[i].clone(),
                            new: y[i].clone(),
                        })
                        .collect();
                    if !fields.is_empty() {
                        each(Change {
                            table: table.name.clone(),
                            key: key_text(
                                &table.key.iter().map(|&k| x[k].clone()).collect::<Vec<_>>(),
                            ),
                            kind: Kind::Changed,
                            fields,
                        })?;
                    }
                }
                a = old.next()?;
                b = new.next()?;
            }
        }
    }
    Ok(())
}

/// An added or removed row, with every field that has a value.
fn whole(table: &Compared, row: &Row, kind: Kind) -> Change {
    let key: Vec<Value> = table.key.iter().map(|&k| row[k].clone()).collect();
    let fields = (0..row.len())
        .filter(|i| !table.key.contains(i) && !matches!(row[*i], Value::Null))
        .map(|i| {
            let (old, new) = match kind {
                Kind::Removed => (row[i].clone(), Value::Null),
                _ => (Value::Null, row[i].clone()),
            };
            Field {
                name: table.columns[i].clone(),
                old,
                new,
            }
        })
        .collect();
    Change {
        table: table.name.clone(),
        key: key_text(&key),
        kind,
        fields,
    }
}

/// SQLite's order of values: NULL, then numbers, then text (byte by byte, as the BINARY
/// collation compares), then blobs. The merge relies on it matching ORDER BY.
fn order_of(a: &Value, b: &Value) -> Ordering {
    fn class(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
        _ if class(a) == 1 && class(b) == 1 => number(a).total_cmp(&number(b)),
        _ => class(a).cmp(&class(b)),
    }
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Integer(i) => *i as f64,
        Value::Real(f) => *f,
        _ => 0.0,
    }
}

/// Whether two values are the same, as SQLite's = would say (1 and 1.0 are).
fn same(a: &Value, b: &Value) -> bool {
    order_of(a, b) == Ordering::Equal
}

/// How many rows of each table were added, removed and changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// (table, added, removed, changed), in the order the tables were compared.
    pub tables: Vec<(String, [u64; 3])>,
}

impl Counts {
    pub fn add(&mut self, change: &Change) {
        let i = change.kind as usize;
        match self.tables.iter_mut().find(|(t, _)| *t == change.table) {
            Some((_, n)) => n[i] += 1,
            None => {
                let mut n = [0; 3];
                n[i] = 1;
                self.tables.push((change.table.clone(), n));
            }
        }
    }

    pub fn of(&self, table: &str) -> [u64; 3] {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or([0; 3], |(_, n)| *n)
    }

    pub fn total(&self) -> [u64; 3] {
        let mut sum = [0; 3];
        for (_, n) in &self.tables {
            for i in 0..3 {
                sum[i] += n[i];
            }
        }
        sum
    }

    pub fn is_empty(&self) -> bool {
        self.total() == [0; 3]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two archives, `main` (the new one, in memory) and `old` (a file in `dir`), each
    /// with one load of one file per table, and rows inserted by `old_sql` and `new_sql`.
    fn pair(dir: &tempfile::TempDir, old_sql: &str, new_sql: &str) -> Connection {
        let old = dir.path().join("old.db");
        Connection::open(&old)
            .unwrap()
            .execute_batch(crate::db::SCHEMA)
            .unwrap();
        let conn = crate::db::in_memory().unwrap();
        conn.execute("ATTACH DATABASE ?1 AS old", [old.to_str().unwrap()])
            .unwrap();
        for schema in ["main", "old"] {
            conn.execute_batch(&format!(
                "INSERT INTO {schema}.load_runs VALUES (1, 'a', 'b', 'v', printf('%064d', 0), 'x', 'full');"
            ))
            .unwrap();
            for (i, t) in Table::ALL.iter().enumerate() {
                conn.execute(
                    &format!("INSERT INTO {schema}.load_files (id, path, tbl) VALUES (?1, ?2, ?3)"),
                    rusqlite::params![i as i64 + 1, t.file_name(), t.name()],
                )
                .unwrap();
            }
        }
        conn.execute_batch(old_sql).unwrap();
        conn.execute_batch(new_sql).unwrap();
        conn
    }

    fn changes(conn: &Connection) -> Vec<Change> {
        let mut out = Vec::new();
        compare(conn, Some("old"), "main", &mut |c| {
            out.push(c);
            Ok(())
        })
        .unwrap();
        out
    }

    const ACTORS: &str = "INSERT INTO {s}.actors (id, name, kind, csv_file, csv_line) VALUES
        ('PRK', 'North Korea', 'state', 2, 2), ('RUS', 'Russia', 'state', 2, 3), ('CHN', 'China', 'state', 2, 4);";

    fn actors(schema: &str) -> String {
        ACTORS.replace("{s}", schema)
    }

    fn field(name: &str, old: Value, new: Value) -> Field {
        Field {
            name: name.into(),
            old,
            new,
        }
    }

    #[test]
    fn rows_are_matched_by_id_and_fields_compared() {
        let dir = tempfile::tempdir().unwrap();
        let conn = pair(
            &dir,
            &actors("old"),
            &(actors("main")
                + "UPDATE main.actors SET name = 'Russian Federation', kind = NULL WHERE id = 'RUS';
                   DELETE FROM main.actors WHERE id = 'CHN';
                   INSERT INTO main.actors (id, name, csv_file, csv_line) VALUES ('UN', 'United Nations', 2, 5);
                   INSERT INTO main.actor_aliases VALUES ('PRK', 'DPRK', 1);"),
        );
        let got = changes(&conn);
        let t = |v: &str| Value::Text(v.into());
        assert_eq!(
            got,
            [
                Change {
                    table: "actors".into(),
                    key: "CHN".into(),
                    kind: Kind::Removed,
                    fields: vec![
                        field("name", t("China"), Value::Null),
                        field("kind", t("state"), Value::Null),
                    ],
                },
                // The alias, kept in a join table, shows as the actor's aliases field.
                Change {
                    table: "actors".into(),
                    key: "PRK".into(),
                    kind: Kind::Changed,
                    fields: vec![field("aliases", Value::Null, t("DPRK"))],
                },
                Change {
                    table: "actors".into(),
                    key: "RUS".into(),
                    kind: Kind::Changed,
                    fields: vec![
                        field("name", t("Russia"), t("Russian Federation")),
                        field("kind", t("state"), Value::Null),
                    ],
                },
                Change {
                    table: "actors".into(),
                    key: "UN".into(),
                    kind: Kind::Added,
                    fields: vec![field("name", Value::Null, t("United Nations"))],
                },
            ]
        );
        let mut counts = Counts::default();
        got.iter().for_each(|c| counts.add(c));
        assert_eq!(counts.of("actors"), [1, 1, 2]);
        assert_eq!(counts.of("events"), [0, 0, 0]);
    }

    #[test]
    fn where_a_row_is_written_is_not_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let conn = pair(
            &dir,
            &actors("old"),
            &(actors("main")
                + "UPDATE main.actors SET csv_line = csv_line + 10, rowid = rowid + 100;"),
        );
        assert_eq!(changes(&conn), []);
    }

    #[test]
    fn citations_are_matched_by_fact_source_and_quote() {
        let rows = |s: &str| {
            format!(
                "INSERT INTO {s}.sources (id, kind, title, csv_file, csv_line) VALUES ('s1', 'article', 'A', 1, 2);
                 INSERT INTO {s}.events (id, date, date_start, date_precision, date_kind, date_uncertain, date_approx, title, csv_file, csv_line)
                   VALUES ('e1', '2017', '2017-01-01', 'year', 'point', 0, 0, 'E', 3, 2);
                 INSERT INTO {s}.citations (id, source, event, quote, locator, locator_computed, relation, csv_file, csv_line)
                   VALUES (10, 's1', 'e1', 'inline words', 'para 1', 0, 'supports', 3, 2),
                          (20, 's1', 'e1', 'more words', 'para 2', 0, 'supports', 5, 2),
                          (21, 's1', 'e1', 'other words', 'para 3', 0, 'supports', 5, 3);"
            )
        };
        let dir = tempfile::tempdir().unwrap();
        let conn = pair(
            &dir,
            &rows("old"),
            &(rows("main")
                + "UPDATE main.citations SET locator = 'para 9' WHERE id = 20;
                   UPDATE main.citations SET quote = 'changed words' WHERE id = 21;"),
        );
        let got: Vec<(String, Kind, Vec<String>)> = changes(&conn)
            .into_iter()
            .map(|c| {
                (
                    c.key,
                    c.kind,
                    c.fields.into_iter().map(|f| f.name).collect(),
                )
            })
            .collect();
        // A new quote is another citation; a new locator changes the same one.
        assert_eq!(
            got,
            [
                (
                    "e1 / s1 / changed words".into(),
                    Kind::Added,
                    vec!["locator".into(), "relation".into()]
                ),
                (
                    "e1 / s1 / more words".into(),
                    Kind::Changed,
                    vec!["locator".into()]
                ),
                (
                    "e1 / s1 / other words".into(),
                    Kind::Removed,
                    vec!["locator".into(), "relation".into()]
                ),
            ]
        );
    }

    #[test]
    fn other_tables_are_compared_by_their_primary_key() {
        let dir = tempfile::tempdir().unwrap();
        let conn = pair(
            &dir,
            "",
            "UPDATE main.units SET name = 'metric tonne' WHERE code = 't';
             CREATE TABLE main.notes (n INTEGER PRIMARY KEY, body TEXT) STRICT;
             INSERT INTO main.notes VALUES (1, 'x');",
        );
        let got: Vec<(String, String, Kind)> = changes(&conn)
            .into_iter()
            .map(|c| (c.table, c.key, c.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("notes".into(), "1".into(), Kind::Added),
                ("units".into(), "t".into(), Kind::Changed),
            ]
        );
    }

    #[test]
    fn the_history_and_the_search_index_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let conn = pair(
            &dir,
            "",
            "INSERT INTO main.load_runs VALUES (2, 'c', 'd', 'v', printf('%064d', 0), 'y', 'full');",
        );
        conn.execute_batch("INSERT INTO main.search (rowid, title) VALUES (1, 'words')")
            .unwrap();
        assert_eq!(changes(&conn), []);
    }

    #[test]
    fn against_no_archive_every_row_is_added() {
        let dir = tempfile::tempdir().unwrap();
        let conn = pair(&dir, "", &actors("main"));
        let mut out = Vec::new();
        compare(&conn, None, "main", &mut |c| {
            out.push((c.table, c.key, c.kind));
            Ok(())
        })
        .unwrap();
        let vocabulary: usize = conn
            .query_row(
                "SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM source_kinds) \
                 + (SELECT count(*) FROM actor_kinds)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as usize;
        assert_eq!(out.len(), 3 + vocabulary, "{out:?}");
        assert!(out.iter().all(|(_, _, k)| *k == Kind::Added));
    }

    #[test]
    fn values_order_as_sqlite_orders_them() {
        let v = [
            Value::Null,
            Value::Integer(-1),
            Value::Real(0.5),
            Value::Integer(1),
            Value::Text("B".into()),
            Value::Text("a".into()),
            Value::Text("é".into()),
            Value::Blob(vec![0]),
        ];
        for (i, a) in v.iter().enumerate() {
            for (j, b) in v.iter().enumerate() {
                assert_eq!(order_of(a, b), i.cmp(&j), "{a:?} {b:?}");
            }
        }
        assert!(same(&Value::Integer(1), &Value::Real(1.0)));
    }
}
