//! What a load changed in the archive: the rows whose fingerprints differ from the
//! archive's before the load, matched by key and compared field by field (`diff`),
//! counted for the load's summary and written to `load_changes`.
//!
//! A row that moved (to another line, or after a row inserted above it) but reads the
//! same is no change, and neither is a row whose cells differ only in ways the archive
//! does not keep (an empty qualifier and an explicit `eq`).

use super::Differences;
use crate::db::diff::{self, Change, Counts};
use crate::error::Result;
use crate::output::text_of;
use rusqlite::{Connection, Statement, params};
use std::path::Path;

/// Compares the rows listed in `differences` (old rows in schema `old`, new rows in
/// schema `new`), and records each change under load `run`.
pub(super) fn record(
    conn: &Connection,
    run: i64,
    old: &str,
    new: &str,
    differences: &Differences,
) -> Result<Counts> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS changed_old (row INTEGER PRIMARY KEY);
         CREATE TEMP TABLE IF NOT EXISTS changed_new (row INTEGER PRIMARY KEY);
         DELETE FROM temp.changed_old; DELETE FROM temp.changed_new;",
    )?;
    for (table, rows) in [
        ("changed_old", &differences.old),
        ("changed_new", &differences.new),
    ] {
        let mut add = conn.prepare(&format!("INSERT OR IGNORE INTO temp.{table} VALUES (?1)"))?;
        for row in rows {
            add.execute([row])?;
        }
    }
    let mut counts = Counts::default();
    let mut write = Writer::new(conn, run)?;
    diff::compare_rows(
        conn,
        (old, "temp.changed_old"),
        (new, "temp.changed_new"),
        &mut |c| {
            counts.add(&c);
            write.change(&c)
        },
    )?;
    Ok(counts)
}

/// Compares the whole of the archive at `previous` with the one being built: for an
/// archive another version of dossier built, whose rows cannot be compared by their
/// fingerprints.
pub(super) fn record_all(conn: &Connection, run: i64, previous: &Path) -> Result<Counts> {
    conn.execute("ATTACH DATABASE ?1 AS old", [super::uri(previous)])?;
    let mut counts = Counts::default();
    let result = (|| {
        let mut write = Writer::new(conn, run)?;
        diff::compare(conn, Some("old"), "main", &mut |c| {
            counts.add(&c);
            write.change(&c)
        })
    })();
    conn.execute_batch("DETACH DATABASE old")?;
    result?;
    Ok(counts)
}

/// Writes changes to `load_changes`.
struct Writer<'c> {
    run: i64,
    insert: Statement<'c>,
}

impl<'c> Writer<'c> {
    fn new(conn: &'c Connection, run: i64) -> Result<Self> {
        Ok(Writer {
            run,
            insert: conn.prepare(
                "INSERT INTO main.load_changes (run, tbl, key, change, field, old, new) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
        })
    }

    /// A changed row as one record per field that changed; an added or removed row
    /// as one record: its values are in the archive, or in the files, that hold it.
    fn change(&mut self, c: &Change) -> Result<()> {
        let text = |v: &rusqlite::types::Value| -> Option<String> {
            match v {
                rusqlite::types::Value::Null => None,
                v => Some(text_of(v.into()).into_owned()),
            }
        };
        if c.kind == diff::Kind::Changed {
            for f in &c.fields {
                self.insert.execute(params![
                    self.run,
                    c.table,
                    c.key,
                    c.kind.name(),
                    f.name,
                    text(&f.old),
                    text(&f.new)
                ])?;
            }
        } else {
            self.insert.execute(params![
                self.run,
                c.table,
                c.key,
                c.kind.name(),
                None::<String>,
                None::<String>,
                None::<String>
            ])?;
        }
        Ok(())
    }
}
