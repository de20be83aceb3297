//! The archive a load replaces or updates: whether this dossier may update it in
//! place, which files its last load was built from, and where each file's rows are
//! numbered.
//!
//! Rows are numbered in blocks: each file gets a range of its own, placed by its
//! table and its place among that table's files. So a row's number depends only on
//! its file and its place in it, and an edit to one file renumbers nothing in
//! another: what lets a load rewrite only the rows that changed, and still give the
//! numbers a full rebuild gives.

use super::Input;
use crate::db::spec::Table;
use crate::db::{APPLICATION_ID, SCHEMA_VERSION};
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// How many bits of a row's number count rows within its file, and how many number
/// the files of one table; the table's place in load order stands above them. The
/// largest number stays below 2^47, which SQLite stores in six bytes.
const ROW_BITS: u32 = 32;
const FILE_BITS: u32 = 12;

/// The first number of the block of the `nth` file (from 0) of `table`; its rows are
/// numbered from the block's start + 1.
pub(super) fn block(table: Table, nth: usize) -> Result<i64> {
    if nth >= 1 << FILE_BITS {
        return Err(Error::Usage(format!(
            "more than {} files of {} — dossier loads at most that many of one kind; merge some of them",
            1u32 << FILE_BITS,
            table.file_name()
        )));
    }
    let t = Table::ALL.iter().position(|x| *x == table).unwrap_or(0) as i64 + 1;
    Ok((t << (ROW_BITS + FILE_BITS)) | ((nth as i64) << ROW_BITS))
}

/// The table a row's number belongs to.
pub(super) fn table_of(row: i64) -> Option<Table> {
    let t = (row >> (ROW_BITS + FILE_BITS)) as usize;
    t.checked_sub(1).and_then(|i| Table::ALL.get(i).copied())
}

/// One past the last number of a block.
pub(super) fn block_end(start: i64) -> i64 {
    start + (1 << ROW_BITS)
}

/// The most numbers one file may use: two per event or figure (its row and its inline
/// citation), one per other row.
pub(super) const BLOCK_SIZE: i64 = (1 << ROW_BITS) - 1;

/// The block of every input, by its table and its place among that table's files.
pub(super) fn blocks(inputs: &[Input]) -> Result<Vec<i64>> {
    let mut seen: Vec<Table> = Vec::new();
    inputs
        .iter()
        .map(|i| {
            let nth = seen.iter().filter(|t| **t == i.table).count();
            seen.push(i.table);
            block(i.table, nth)
        })
        .collect()
}

/// The SHA-256 of the schema this dossier creates archives with, in hex.
pub fn schema_sha256() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        super::hex(&<sha2::Sha256 as sha2::Digest>::digest(
            crate::db::SCHEMA.as_bytes(),
        ))
    })
}

/// A file the last load was built from.
#[derive(Clone, Debug)]
pub(super) struct PriorInput {
    pub path: String,
    pub table: Table,
    pub block: i64,
    pub sha256: String,
    pub bytes: u64,
    /// The encoding it was read in: the same bytes read in another are another file.
    pub encoding: String,
    pub rows: u64,
}

/// The archive that was at the target when the load began.
#[derive(Debug)]
pub(super) struct Prior {
    pub path: PathBuf,
    /// Built by this version of dossier with this schema: its rows' fingerprints can
    /// be compared, and it may be updated in place.
    pub compatible: bool,
    /// Its last load's input files, in load order (empty if it is not compatible).
    pub inputs: Vec<PriorInput>,
    /// The sources' documents its last load read: each one's path and SHA-256.
    pub documents: Vec<(String, String)>,
}

impl Prior {
    /// Reads what the archive at `path` says of its last load.
    pub(super) fn inspect(path: &Path) -> Result<Prior> {
        let conn = crate::db::open_read_only(path)?;
        let compatible = compatible(&conn).unwrap_or(false);
        let (inputs, documents) = if compatible {
            (last_inputs(&conn)?, last_documents(&conn)?)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Prior {
            path: path.to_path_buf(),
            compatible,
            inputs,
            documents,
        })
    }

    pub(super) fn input(&self, path: &str) -> Option<&PriorInput> {
        self.inputs.iter().find(|i| i.path == path)
    }
}

/// Whether this dossier built the archive, with this schema.
fn compatible(conn: &Connection) -> rusqlite::Result<bool> {
    let (app, version): (i64, i64) = conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id), \
                (SELECT user_version FROM pragma_user_version)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if app != APPLICATION_ID || version != SCHEMA_VERSION {
        return Ok(false);
    }
    let last: Option<(String, String)> = conn
        .query_row(
            "SELECT dossier_version, schema_sha256 FROM load_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(last.is_some_and(|(v, s)| v == env!("CARGO_PKG_VERSION") && s == schema_sha256()))
}

fn last_documents(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT f.path, i.sha256 FROM load_inputs i JOIN load_files f ON f.id = i.file \
         WHERE i.run = (SELECT max(id) FROM load_runs) AND f.tbl = 'documents' ORDER BY f.path",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

fn last_inputs(conn: &Connection) -> Result<Vec<PriorInput>> {
    let mut stmt = conn.prepare(
        "SELECT f.path, f.tbl, i.sha256, i.bytes, i.encoding, i.rows FROM load_inputs i JOIN load_files f ON f.id = i.file \
         WHERE i.run = (SELECT max(id) FROM load_runs) ORDER BY i.position",
    )?;
    let rows: Vec<(String, String, String, i64, String, i64)> = stmt
        .query_map([], |r| r.try_into())?
        .collect::<rusqlite::Result<_>>()?;
    let mut seen: Vec<Table> = Vec::new();
    let mut out = Vec::new();
    for (path, tbl, sha256, bytes, encoding, rows) in rows {
        let Some(table) = Table::from_name(&tbl) else {
            continue;
        };
        let nth = seen.iter().filter(|t| **t == table).count();
        seen.push(table);
        out.push(PriorInput {
            path,
            table,
            block: block(table, nth)?,
            sha256,
            bytes: bytes as u64,
            encoding,
            rows: rows as u64,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_follow_load_order_and_stay_within_six_bytes() {
        let sources = block(Table::Sources, 0).unwrap();
        let second = block(Table::Sources, 1).unwrap();
        let events = block(Table::Events, 0).unwrap();
        let last = block(Table::Citations, (1 << FILE_BITS) - 1).unwrap();
        assert!(sources < block_end(sources) && block_end(sources) <= second);
        assert!(second < block(Table::Actors, 0).unwrap());
        assert!(events < block(Table::Figures, 0).unwrap());
        assert!(block_end(last) < 1 << 47);
        assert!(matches!(
            block(Table::Events, 1 << FILE_BITS),
            Err(Error::Usage(_))
        ));
        assert_eq!(schema_sha256().len(), 64);
        assert_eq!(table_of(second + 5), Some(Table::Sources));
        assert_eq!(table_of(events + 2), Some(Table::Events));
        assert_eq!(table_of(last + 1), Some(Table::Citations));
        assert_eq!(table_of(7), None);
    }
}
