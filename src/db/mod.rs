//! The database layer: the schema, opening archives, and loading CSV files into them.
//!
//! Nothing here prints or knows about the command line; commands call in and decide
//! what to show.

pub mod check;
pub mod csvread;
pub mod datapackage;
pub mod dates;
pub mod diff;
pub mod document;
pub mod dump;
pub mod encoding;
pub mod functions;
pub mod load;
pub mod quote;
pub mod read;
// For the property tests (tests/cli/properties.rs) and the fuzz targets (fuzz/).
#[doc(hidden)]
pub mod selfcheck;
pub mod spec;
pub mod values;
pub mod written;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// The whole schema, as written in schema.sql.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// The line that separates what is applied before the rows from what is applied after.
const AFTER_ROWS: &str = "\n-- dossier: after rows\n";

/// The `application_id` that marks a file as a dossier archive ('doss').
pub const APPLICATION_ID: i64 = 0x646F_7373;

/// The schema version stored in `user_version`.
pub const SCHEMA_VERSION: i64 = 4;

/// The part of the schema applied to an empty database: tables and vocabularies.
pub fn schema_tables() -> &'static str {
    SCHEMA
        .split_once(AFTER_ROWS)
        .map_or(SCHEMA, |(before, _)| before)
}

/// The part applied once the rows are in: indexes.
pub fn schema_after_rows() -> &'static str {
    SCHEMA.split_once(AFTER_ROWS).map_or("", |(_, after)| after)
}

/// What a column of a table or view holds, from the comments in schema.sql.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnNote {
    pub object: String,
    pub column: String,
    pub note: String,
}

/// Reads the column comments of schema.sql: `name TYPE …, -- note` in a table,
/// `expression AS name, -- note` in a view's select list, and
/// `-- column object.name: note` where neither fits (the full-text table).
pub fn column_notes() -> Vec<ColumnNote> {
    let mut notes = Vec::new();
    let mut object = String::new();
    // 't' inside a table's parentheses, 'v' inside a view's select list.
    let mut state = ' ';
    for line in SCHEMA.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("-- column ") {
            if let Some((name, note)) = rest.split_once(':')
                && let Some((o, c)) = name.split_once('.')
            {
                notes.push(ColumnNote {
                    object: o.to_string(),
                    column: c.to_string(),
                    note: note.trim().to_string(),
                });
            }
            continue;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        match words.as_slice() {
            ["CREATE", "TABLE", name, ..] => {
                object = name.to_string();
                state = 't';
                continue;
            }
            ["CREATE", "VIEW", name, ..] => {
                object = name.to_string();
                state = 'V';
                continue;
            }
            ["SELECT"] if state == 'V' => {
                state = 'v';
                continue;
            }
            _ => {}
        }
        if (state == 't' && trimmed.starts_with(')')) || (state == 'v' && line.starts_with("FROM"))
        {
            state = ' ';
            continue;
        }
        let Some((sql, note)) = line.split_once("-- ") else {
            continue;
        };
        let sql = sql.trim().trim_end_matches(',').trim();
        let column = match state {
            't' => {
                let first = sql.split_whitespace().next().unwrap_or("");
                if ["CHECK", "PRIMARY", "UNIQUE", "FOREIGN", "CONSTRAINT", ""].contains(&first) {
                    continue;
                }
                first.to_string()
            }
            'v' => sql
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
                .to_string(),
            _ => continue,
        };
        notes.push(ColumnNote {
            object: object.clone(),
            column,
            note: note.trim().to_string(),
        });
    }
    notes
}

/// The tables and views users see, with their kind (table, view or full-text): every
/// object of the schema but SQLite's own and the full-text index's storage tables.
/// Written as a SELECT to use as a subquery, so every listing agrees.
pub const OBJECTS: &str = "SELECT name, CASE WHEN sql LIKE 'CREATE VIRTUAL%' THEN 'full-text' ELSE type END AS kind, \
     type, rowid AS position FROM sqlite_schema \
     WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' \
     AND name NOT IN ('search_data', 'search_idx', 'search_content', 'search_docsize', 'search_config')";

/// The statement that creates the full-text table, as schema.sql writes it.
pub fn search_table() -> &'static str {
    let after = schema_after_rows();
    let start = after
        .find("CREATE VIRTUAL TABLE search")
        .unwrap_or(after.len());
    let rest = &after[start..];
    let end = rest.find(";\n").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// What a table or view holds, from schema.sql's `-- table NAME: …` and
/// `-- view NAME: …` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectNote {
    pub object: String,
    /// `table` or `view`.
    pub kind: String,
    pub note: String,
}

/// Reads the one-line description that stands above each table and view in schema.sql.
pub fn object_notes() -> Vec<ObjectNote> {
    SCHEMA
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("-- ")?;
            let (kind, rest) = rest.split_once(' ')?;
            if kind != "table" && kind != "view" {
                return None;
            }
            let (object, note) = rest.split_once(": ")?;
            let is_name = !object.is_empty()
                && object
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            is_name.then(|| ObjectNote {
                object: object.to_string(),
                kind: kind.to_string(),
                note: note.trim().to_string(),
            })
        })
        .collect()
}

/// Settings every connection gets, whatever it is for, and the functions rules use.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "foreign_keys", true)?;
    functions::register(conn)
}

/// Opens an existing archive for reading only, refusing a file dossier did not build.
///
/// A load killed while it committed leaves a journal beside the archive: the pages it
/// was replacing, as they were. SQLite puts them back before it reads, but only on a
/// connection that may write, so on meeting one this opens the archive once for
/// writing, which restores the archive as it was before that load, and then reads.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let open = || -> Result<Connection> {
        let conn = Connection::open_with_flags(path, flags)
            .map_err(Error::sqlite(format!("cannot open {}", path.display())))?;
        configure(&conn)?;
        Ok(conn)
    };
    let conn = open()?;
    let rolled_back = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    });
    let conn = match rolled_back {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK =>
        {
            drop(conn);
            restore(path)?;
            open()?
        }
        _ => conn,
    };
    check_archive(&conn, path)?;
    Ok(conn)
}

/// A read-only URI for a path, so that ATTACH can never write to the archive it names.
pub fn read_only_uri(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file:");
    for b in abs.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push_str("?mode=ro");
    out
}

/// Lets SQLite roll back the journal a killed write left beside `path`.
fn restore(path: &Path) -> Result<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(Error::sqlite(format!(
        "{} was left mid-update by a load that was stopped, and cannot be restored",
        path.display()
    )))?;
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(Error::sqlite(format!(
        "{} was left mid-update by a load that was stopped, and cannot be restored",
        path.display()
    )))?;
    Ok(())
}

/// Refuses a database that dossier did not build.
pub fn check_archive(conn: &Connection, path: &Path) -> Result<()> {
    let not_archive = |reason: String| Error::NotAnArchive {
        path: path.to_path_buf(),
        reason,
    };
    let id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| not_archive(format!("SQLite cannot read it: {e}")))?;
    if id != APPLICATION_ID {
        return Err(not_archive("it is not a database dossier built".into()));
    }
    Ok(())
}

/// An empty in-memory database with the whole schema.
#[cfg(test)]
pub fn in_memory() -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    configure(&conn)?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// An empty in-memory archive with one load of one file, of `table`, for tests that
/// insert rows by hand: every row needs a file (`csv_file` 1) to come from.
#[cfg(test)]
pub fn in_memory_with_file(table: &str) -> Connection {
    let conn = in_memory().expect("the schema applies");
    conn.execute(
        "INSERT INTO load_runs VALUES (1, 'a', 'b', 'v', printf('%064d', 0), 'x', 'full');",
        [],
    )
    .expect("a load");
    conn.execute("INSERT INTO load_files VALUES (1, 'p', ?1);", [table])
        .expect("a file");
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_applies_in_two_parts_and_marks_the_file() -> Result<()> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(schema_tables())?;
        let indexes: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(indexes, 0, "indexes belong after the rows");
        conn.execute_batch(schema_after_rows())?;
        let indexes: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        assert!(indexes > 5);
        let id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        assert_eq!(id, APPLICATION_ID);
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        assert_eq!(version, SCHEMA_VERSION);
        Ok(())
    }

    #[test]
    fn every_table_is_strict_and_every_column_is_commented() -> Result<()> {
        let conn = in_memory()?;
        let mut stmt = conn.prepare(
            "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
             AND name NOT LIKE 'sqlite_%'",
        )?;
        let tables: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        assert!(tables.len() >= 10);
        for (name, strict) in &tables {
            assert_eq!(*strict, 1, "{name} is not STRICT");
        }
        // Each column definition line carries a comment saying what it holds.
        for line in schema_tables().lines() {
            let t = line.trim_start();
            let is_column = line.starts_with("  ")
                && !t.starts_with("--")
                && !t.starts_with('(')
                && !t.starts_with("CHECK")
                && !t.starts_with("PRIMARY KEY")
                && t.split_whitespace()
                    .nth(1)
                    .is_some_and(|ty| ["TEXT", "INTEGER", "REAL"].contains(&ty));
            if is_column {
                assert!(line.contains("-- "), "column without a comment: {line}");
            }
        }
        Ok(())
    }

    #[test]
    fn every_column_of_every_table_and_view_has_a_note() -> Result<()> {
        let conn = in_memory()?;
        let notes = column_notes();
        let mut stmt = conn.prepare(&format!(
            "SELECT m.name, p.name FROM ({OBJECTS}) m JOIN pragma_table_info(m.name) p"
        ))?;
        let columns: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        assert!(columns.len() > 100);
        for (object, column) in &columns {
            assert!(
                notes
                    .iter()
                    .any(|n| &n.object == object && &n.column == column && !n.note.is_empty()),
                "{object}.{column} has no comment in schema.sql"
            );
        }
        for n in &notes {
            assert!(
                columns
                    .iter()
                    .any(|(o, c)| *o == n.object && *c == n.column),
                "a comment names {}.{}, which does not exist",
                n.object,
                n.column
            );
        }
        Ok(())
    }

    #[test]
    fn every_table_and_view_has_one_description() -> Result<()> {
        let conn = in_memory()?;
        let notes = object_notes();
        let mut stmt = conn.prepare(&format!("SELECT name, type FROM ({OBJECTS})"))?;
        let objects: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        assert!(objects.len() >= 18);
        for (name, kind) in &objects {
            let found: Vec<&ObjectNote> = notes.iter().filter(|n| &n.object == name).collect();
            assert_eq!(
                found.len(),
                1,
                "{kind} {name} needs one `-- {kind} {name}: …` line"
            );
            assert_eq!(&found[0].kind, kind, "{name} is a {kind}");
            assert!(!found[0].note.is_empty());
        }
        assert_eq!(
            notes.len(),
            objects.len(),
            "a description names no table or view"
        );
        Ok(())
    }

    #[test]
    fn foreign_keys_are_on() -> Result<()> {
        let conn = in_memory()?;
        let on: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        assert!(on);
        let err = conn
            .execute(
                "INSERT INTO actors (id, name, kind, csv_file, csv_line) VALUES ('X', 'x', 'nonsense', 1, 1)",
                [],
            )
            .unwrap_err();
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
        Ok(())
    }
}
