//! Incremental loads: the archive updated in place, reading only the files that
//! changed and writing only the rows that did.
//!
//! Every input is hashed first, but for one whose size changed, which has changed. A
//! file whose SHA-256 is the one the last load recorded is not read at all. A changed
//! file is read and checked in full, as a full load reads it, and each row's
//! fingerprint is compared with the row the archive has in its place (`load_rows`): the
//! rows that differ are staged in a scratch database attached as `stage`, through the
//! same inserter a full load uses. Then, in one transaction on the archive: the rows
//! they replace go, with their join rows, inline citations, fingerprints and search
//! entries; the staged rows come in; rows that only moved to another line get their new
//! line; and the checks that need other rows run on what changed: ids and aliases
//! against the rows kept, references from the new rows, references from the kept rows
//! to ids that went away, loops through new rows.
//!
//! Rows are numbered by their file's block and their place in it (see `prior`), so
//! the archive this gives is the one a full rebuild gives, number for number. When
//! that cannot hold cheaply, the load says why and rebuilds instead: when files moved
//! to other blocks, or when so many rows changed that a rebuild is quicker.
//!
//! The transaction keeps every promise of a full load. Nothing reaches the archive's
//! file before the commit (the page cache does not spill), so a load that fails or is
//! killed before it leaves the file as it was; SQLite's journal makes the commit
//! itself all or nothing, and readers see the archive before it or after it.

use super::changes;
use super::checks;
use super::prior::{self, Prior};
use super::reader;
use super::{
    FileInfo, Input, Mode, Options, Progress, Quotes, Report, Slot, TableReport, finish_run, now,
    pipeline, slots, start_run, step, vocabularies,
};
use crate::db::spec::{self, Table};
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, params};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How an attempt at an incremental load ended.
pub(super) enum Outcome {
    Done(Box<Report>),
    /// Build the archive anew instead; with the reason to tell, if there is one worth it.
    Rebuild(Option<String>),
}

/// The share of the archive's rows beyond which rewriting them costs more than
/// building the archive anew (measured at a million events; see bench/).
const MOST_CHANGED: f64 = 0.2;

/// How long the commit waits for queries that are reading the archive. Readers wait
/// up to 5 s for the commit in turn, so this stays below that.
const COMMIT_WAIT: Duration = Duration::from_secs(4);

pub(super) fn run(
    opts: &Options,
    prior: &Prior,
    progress: &dyn Progress,
    started: Instant,
) -> Result<Outcome> {
    if !prior.compatible {
        return Ok(Outcome::Rebuild(Some(
            "the archive was built by another version of dossier".into(),
        )));
    }
    if !opts.inputs.iter().any(|i| prior.input(&i.label).is_some()) {
        return Ok(Outcome::Rebuild(Some(
            "none of the files was loaded into it before under the same path".into(),
        )));
    }
    progress.step(step::HASHING);
    // A file whose size changed has changed: the reader hashes it as it reads it.
    let hashes = hash_all(&opts.inputs, |input, bytes| {
        prior.input(&input.label).is_some_and(|p| p.bytes != bytes)
    })?;
    let blocks = prior::blocks(&opts.inputs)?;
    let mut unchanged = vec![false; opts.inputs.len()];
    for (i, input) in opts.inputs.iter().enumerate() {
        if let Some(p) = prior.input(&input.label) {
            if p.block != blocks[i] {
                return Ok(Outcome::Rebuild(Some(format!(
                    "{} moved among the files of its kind (a file was added or removed before it), which renumbers its rows",
                    input.label
                ))));
            }
            unchanged[i] = hashes[i]
                .as_ref()
                .is_some_and(|(sha256, _)| p.sha256 == *sha256)
                && p.encoding == input.encoding.name();
        }
    }
    if let Some(reason) = documents_changed(opts, prior, &unchanged) {
        return Ok(Outcome::Rebuild(Some(reason)));
    }
    let same_inputs = prior.inputs.len() == opts.inputs.len()
        && opts
            .inputs
            .iter()
            .zip(&prior.inputs)
            .all(|(i, p)| i.label == p.path);
    if same_inputs && unchanged.iter().all(|u| *u) {
        let (loads, quotes) = stored(&opts.target)?;
        return Ok(Outcome::Done(Box::new(Report {
            tables: Table::ALL
                .iter()
                .map(|t| TableReport {
                    table: *t,
                    files: opts.inputs.iter().filter(|i| i.table == *t).count(),
                    read: 0,
                    rows: prior
                        .inputs
                        .iter()
                        .filter(|p| p.table == *t)
                        .map(|p| p.rows)
                        .sum(),
                    elapsed: Duration::ZERO,
                })
                .collect(),
            quotes,
            phases: Vec::new(),
            elapsed: started.elapsed(),
            history: loads,
            mode: Mode::Unchanged,
            changes: Some(Default::default()),
            rebuilt_because: None,
        })));
    }
    Update {
        opts,
        prior,
        progress,
        started,
        hashes,
        unchanged,
    }
    .run()
}

/// Why sources' documents call for a full rebuild, if they do. A quote is checked
/// against the document of its source, or of one up its `via` chain, and where it
/// stands in it is stored with it: a changed document, or a changed sources.csv in an
/// archive with documents (which may give a source another document or another
/// `via`), can change rows of files that did not change. Rows of changed files are
/// checked against the documents the archive holds, as a full load would check them.
fn documents_changed(opts: &Options, prior: &Prior, unchanged: &[bool]) -> Option<String> {
    if prior.documents.is_empty() {
        return None;
    }
    if let Some(i) = opts
        .inputs
        .iter()
        .zip(unchanged)
        .position(|(i, u)| i.table == Table::Sources && !*u)
    {
        return Some(format!(
            "{} changed, and a full load checks every quote against the documents its sources name",
            opts.inputs[i].label
        ));
    }
    let embedded = opts
        .inputs
        .iter()
        .any(|i| i.table == Table::Sources && matches!(i.data, super::Data::Embedded(_)));
    for (path, sha256) in &prior.documents {
        if super::documents::sha256_now(embedded, path).as_deref() != Some(sha256.as_str()) {
            return Some(format!(
                "the document {path} changed, and a full load checks every quote against it again"
            ));
        }
    }
    None
}

/// The SHA-256 and size of each input, in their order; None for those that `changed`
/// says have changed by their size alone. Hashing is most of what a load in which
/// nothing changed does, and most of the files' bytes are in one or two large files,
/// so the files are hashed side by side, one per core, largest first.
fn hash_all(
    inputs: &[Input],
    changed: impl Fn(&Input, u64) -> bool + Sync,
) -> Result<Vec<Option<(String, u64)>>> {
    let sizes: Vec<u64> = inputs.iter().map(Input::size).collect();
    let mut order: Vec<usize> = (0..inputs.len())
        .filter(|&i| !changed(&inputs[i], sizes[i]))
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, order.len().max(1));
    let next = AtomicUsize::new(0);
    let done = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                        done.push((i, hash(&inputs[i])));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| Error::Internal("a hashing thread stopped unexpectedly".into()))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let mut hashes: Vec<Option<(String, u64)>> = inputs.iter().map(|_| None).collect();
    for (i, h) in done.into_iter().flatten() {
        hashes[i] = Some(h?);
    }
    Ok(hashes)
}

/// The SHA-256 and size of an input.
fn hash(input: &Input) -> Result<(String, u64)> {
    let read_err = |source| Error::Read {
        path: input.label.clone().into(),
        source,
    };
    let mut h = Sha256::new();
    let mut f = input.open()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        total += n as u64;
    }
    Ok((super::hex(&h.finalize()), total))
}

/// How many loads the archive's history holds, and what its quotes came to.
fn stored(target: &std::path::Path) -> Result<(usize, Quotes)> {
    let conn = crate::db::open_read_only(target)?;
    let n: i64 = conn.query_row("SELECT count(*) FROM load_runs", [], |r| r.get(0))?;
    Ok((n as usize, Quotes::stored(&conn)?))
}

/// An incremental load under way: what it was asked, and what hashing the files found.
struct Update<'a> {
    opts: &'a Options,
    prior: &'a Prior,
    progress: &'a dyn Progress,
    started: Instant,
    /// Each input's SHA-256 and size, if it was hashed: every input not read is.
    hashes: Vec<Option<(String, u64)>>,
    /// Whether each input is the file the last load read.
    unchanged: Vec<bool>,
}

impl Update<'_> {
    /// Reads the changed files and updates the archive in place, in one transaction.
    fn run(self) -> Result<Outcome> {
        let Update { opts, progress, .. } = self;
        let conn = Connection::open_with_flags(
            &opts.target,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(Error::sqlite(format!(
            "cannot open {}",
            opts.target.display()
        )))?;
        // The archive's file must not change before the commit: dirty pages stay in memory
        // however many there are, rather than spill into the file mid-transaction.
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
         PRAGMA journal_mode = DELETE;
         PRAGMA synchronous = FULL;
         PRAGMA cache_spill = OFF;
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = FILE;
         BEGIN IMMEDIATE;",
        )
        .map_err(Error::sqlite(format!(
            "cannot update {}",
            opts.target.display()
        )))?;
        // On an error the connection is dropped with its transaction open, which rolls it
        // back.
        let (conn, report) = self.within(conn)?;
        let report = match report {
            Ok(r) => r,
            Err(why) => {
                conn.execute_batch("ROLLBACK")?;
                return Ok(Outcome::Rebuild((!why.is_empty()).then_some(why)));
            }
        };
        progress.step(step::COMMIT);
        conn.busy_timeout(COMMIT_WAIT)?;
        if let Err(e) = conn.execute_batch("COMMIT") {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::DatabaseBusy =>
                {
                    Error::Busy {
                        path: opts.target.clone(),
                    }
                }
                e => Error::sqlite(format!("cannot update {}", opts.target.display()))(e),
            });
        }
        Ok(Outcome::Done(Box::new(report)))
    }

    /// Everything an incremental load does inside its transaction: the connection back,
    /// and the report, or why the archive is better built anew (empty when the full
    /// load's own report says it).
    fn within(
        &self,
        conn: Connection,
    ) -> Result<(Connection, std::result::Result<Report, String>)> {
        let Update {
            opts,
            prior,
            progress,
            started,
            ref hashes,
            ref unchanged,
        } = *self;
        let loads: i64 = conn.query_row("SELECT count(*) FROM load_runs", [], |r| r.get(0))?;
        let run_id = start_run(&conn, &now(), opts, Mode::Incremental)?;
        let mut slots: Vec<Slot> = slots(&conn, &opts.inputs, Some(prior))?;
        for (slot, skip) in slots.iter_mut().zip(unchanged) {
            slot.skip = *skip;
        }
        stage(&conn)?;
        let vocab = vocabularies(&conn)?;
        let read_bytes: u64 = opts
            .inputs
            .iter()
            .zip(unchanged)
            .filter(|(_, u)| !**u)
            .map(|(i, _)| i.size())
            .sum();
        progress.start(read_bytes);
        // The fingerprints are read through a connection of their own, which sees the
        // archive as it was before this transaction.
        let fingerprints = crate::db::open_read_only(&opts.target)?;
        let mut threads = pipeline(
            conn,
            None,
            run_id,
            &opts.inputs,
            &slots,
            Some(fingerprints),
            true,
            &vocab,
            progress,
        )?;
        let mut problems = threads.problems();
        let conn = threads.conn;
        let mut differences = threads.read.differences;
        differences.removed_files(prior, &opts.inputs, &conn)?;
        let total: u64 = prior.inputs.iter().map(|p| p.rows).sum();
        let touched = differences.new.len().max(differences.old.len()) as f64;
        if total > 50_000 && touched > MOST_CHANGED * total as f64 {
            return Ok((
                conn,
                Err("so many rows changed that building the archive anew is quicker".into()),
            ));
        }
        // A file that cannot be read to its end: a full load says what else is wrong
        // with it, and what that means for the files that cite it.
        if !threads.read.unread.is_empty() {
            return Ok((conn, Err(String::new())));
        }
        // The quotes of the files this load did not read were never checked against
        // the documents a changed sources.csv now names.
        if threads.read.quotes.documents > 0 {
            return Ok((
                conn,
                Err(
                    "sources now have documents, and a full load checks every quote against them"
                        .into(),
                ),
            ));
        }
        // Every file, for messages about rows of files this load did not read.
        let mut files: Vec<Arc<FileInfo>> = threads.read.files.clone();
        for (order, (input, slot)) in opts.inputs.iter().zip(&slots).enumerate() {
            if slot.skip
                && let Some(layout) = reader::layout_of(input)?
            {
                files.push(Arc::new(FileInfo {
                    label: Arc::from(input.label.as_str()),
                    order,
                    encoding: input.encoding,
                    layout,
                    id: slot.id,
                }));
            }
        }

        let mut phases = Vec::new();
        let mut clock = Instant::now();
        let mut lap = |name: &'static str, phases: &mut Vec<(&'static str, Duration)>| {
            phases.push((name, clock.elapsed()));
            clock = Instant::now();
        };
        progress.step(step::APPLYING);
        // What changed, compared before the rows it replaces go.
        let counts = changes::record(&conn, run_id, "main", "stage", &differences)?;
        rows_table(&conn, "gone", &differences.old)?;
        rows_table(&conn, "came", &differences.new)?;
        conn.execute_batch(
        "CREATE TEMP TABLE removed (tbl TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (tbl, id)) WITHOUT ROWID;",
    )?;
        for table in Table::ALL.into_iter().filter(|t| t.has_id()) {
            let name = table.name();
            conn.execute(
                &format!(
                    "INSERT INTO temp.removed SELECT '{name}', id FROM main.{name} \
                 WHERE rowid IN (SELECT row FROM temp.gone)"
                ),
                [],
            )?;
        }
        // The search entries of the rows that go, while their text can still be read.
        conn.execute_batch(
            "INSERT INTO main.search (search, rowid, title, body)
           SELECT 'delete', rowid, title, body FROM main.search_source
           WHERE rowid IN (SELECT row FROM temp.gone) AND (title IS NOT NULL OR body IS NOT NULL);",
        )?;
        for table in Table::ALL {
            let name = table.name();
            for c in table.columns() {
                if let spec::Store::List { table: join, .. } = c.store {
                    conn.execute(
                        &format!(
                            "DELETE FROM main.{join} WHERE {} IN \
                         (SELECT id FROM main.{name} WHERE rowid IN (SELECT row FROM temp.gone))",
                            table.noun()
                        ),
                        [],
                    )?;
                }
            }
        }
        for table in Table::ALL {
            conn.execute(
                &format!(
                    "DELETE FROM main.{} WHERE {} IN (SELECT row FROM temp.gone)",
                    table.name(),
                    table.rowid_column()
                ),
                [],
            )?;
        }
        conn.execute_batch("DELETE FROM main.load_rows WHERE row IN (SELECT row FROM temp.gone);")?;
        checks::staged_before_merge(&conn, &files, &mut problems)?;
        let mut merged: Vec<&str> = spec::archive_tables();
        merged.push("load_rows");
        for name in merged {
            // A table keyed by a text id keeps its rowid apart from its columns, and the
            // rowid is the row's number.
            let mut columns: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info(?1, 'main') ORDER BY cid")?
                .query_map([name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if Table::from_name(name).is_some_and(|t| t.rowid_column() == "rowid") {
                columns.insert(0, "rowid".into());
            }
            let list = columns.join(", ");
            conn.execute(
                &format!(
                    "INSERT OR IGNORE INTO main.{name} ({list}) SELECT {list} FROM stage.{name}"
                ),
                [],
            )?;
        }
        moved_lines(&conn, &differences.lines)?;
        for table in Table::ALL.into_iter().filter(|t| t.has_id()) {
            let name = table.name();
            conn.execute(
            &format!(
                "DELETE FROM temp.removed WHERE tbl = '{name}' AND id IN (SELECT id FROM main.{name})"
            ),
            [],
        )?;
        }
        lap("applied the changes", &mut phases);
        progress.step(step::REFERENCES);
        checks::staged_after_merge(&conn, &files, &mut problems)?;
        lap("checked references", &mut phases);
        if problems.total > 0 {
            return Err(Error::Invalid(problems.finish(opts.inputs.len())));
        }
        progress.step(step::UPDATING_SEARCH);
        conn.execute_batch(
            "INSERT INTO main.search (rowid, title, body)
           SELECT rowid, title, body FROM main.search_source
           WHERE rowid IN (SELECT row FROM temp.came) AND (title IS NOT NULL OR body IS NOT NULL)
           ORDER BY rowid;",
        )?;
        lap("updated the search index", &mut phases);
        // The files that were not read are still inputs of this load.
        let mut kept = conn.prepare(
        "INSERT INTO main.load_inputs (run, file, position, sha256, bytes, rows, encoding, read) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
    )?;
        let mut rows: HashMap<Table, u64> = HashMap::new();
        for (i, (input, slot)) in opts.inputs.iter().zip(&slots).enumerate() {
            if !slot.skip {
                continue;
            }
            let n = prior.input(&input.label).map_or(0, |p| p.rows);
            *rows.entry(input.table).or_default() += n;
            let Some((sha256, bytes)) = &hashes[i] else {
                return Err(Error::Internal(format!(
                    "{} was kept unhashed",
                    input.label
                )));
            };
            kept.execute(params![
                run_id,
                slot.id,
                i as i64 + 1,
                sha256,
                *bytes as i64,
                n as i64,
                input.encoding.name()
            ])?;
        }
        drop(kept);
        // So are the sources' documents: only an archive whose documents are all as
        // the last load read them is updated in place, and none is read again. Each
        // shares the place of the sources file that names it.
        conn.execute(
            "INSERT INTO main.load_inputs (run, file, position, sha256, bytes, rows, encoding, read)
             SELECT ?1, i.file,
                    (SELECT k.position FROM main.documents d
                     JOIN main.sources s ON s.id = d.source
                     JOIN main.load_inputs k ON k.run = ?1 AND k.file = s.csv_file
                     WHERE d.file = i.file LIMIT 1),
                    i.sha256, i.bytes, i.rows, i.encoding, 0
             FROM main.load_inputs i JOIN main.load_files f ON f.id = i.file
             WHERE i.run = (SELECT max(id) FROM main.load_runs WHERE id < ?1)
               AND f.tbl = 'documents'",
            [run_id],
        )?;
        finish_run(&conn, run_id)?;
        let tables = super::table_reports(&threads.inserted.tables, &opts.inputs)
            .into_iter()
            .map(|mut t| {
                t.rows += rows.get(&t.table).copied().unwrap_or(0);
                t
            })
            .collect();
        let report = Report {
            tables,
            quotes: Quotes::stored(&conn)?,
            phases,
            elapsed: started.elapsed(),
            history: loads as usize,
            mode: Mode::Incremental,
            changes: Some(counts),
            rebuilt_because: None,
        };
        Ok((conn, Ok(report)))
    }
}

/// A temporary table of row numbers: `rows`, and for each event or figure among
/// them, its inline citation, which is numbered right after it.
fn rows_table(conn: &Connection, name: &str, rows: &[i64]) -> Result<()> {
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE {name} (row INTEGER PRIMARY KEY);"
    ))?;
    let mut add = conn.prepare(&format!("INSERT OR IGNORE INTO temp.{name} VALUES (?1)"))?;
    for &row in rows {
        add.execute([row])?;
        if prior::table_of(row).is_some_and(|t| t.has_citation()) {
            add.execute([row + 1])?;
        }
    }
    Ok(())
}

/// Rows that read the same but start on another line, in their table, their inline
/// citation and their fingerprint.
fn moved_lines(conn: &Connection, lines: &[(i64, i64)]) -> Result<()> {
    let mut fingerprint = conn.prepare("UPDATE main.load_rows SET line = ?2 WHERE row = ?1")?;
    let mut citation = conn.prepare("UPDATE main.citations SET csv_line = ?2 WHERE id = ?1")?;
    for &(row, line) in lines {
        let Some(table) = prior::table_of(row) else {
            continue;
        };
        conn.execute(
            &format!(
                "UPDATE main.{} SET csv_line = ?2 WHERE {} = ?1",
                table.name(),
                table.rowid_column()
            ),
            params![row, line],
        )?;
        if table.has_citation() {
            citation.execute(params![row + 1, line])?;
        }
        fingerprint.execute(params![row, line])?;
    }
    Ok(())
}

/// Creates the staging database: the archive's tables of rows, empty, with their
/// constraints, and the archive's files.
fn stage(conn: &Connection) -> Result<()> {
    conn.execute_batch("ATTACH DATABASE '' AS stage")?;
    let mut tables: Vec<&str> = spec::archive_tables();
    tables.extend(["load_rows", "load_files"]);
    for name in tables {
        let sql: String = conn.query_row(
            "SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get(0),
        )?;
        let staged = sql.replacen(
            &format!("CREATE TABLE {name} "),
            &format!("CREATE TABLE stage.{name} "),
            1,
        );
        conn.execute_batch(&staged)?;
        // The archive's indexes too, so that comparing the staged rows with the
        // archive's (which looks up each fact's citation by its event or figure) finds
        // them as quickly on both sides. Not the unique ones: staged rows are checked
        // for duplicates as a full load checks them, with messages.
        let mut indexes = conn.prepare(
            "SELECT name, sql FROM main.sqlite_schema
             WHERE type = 'index' AND tbl_name = ?1 AND sql NOT LIKE 'CREATE UNIQUE %'",
        )?;
        let indexes: Vec<(String, String)> = indexes
            .query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (index, sql) in indexes {
            if let Some(rest) = sql.strip_prefix(&format!("CREATE INDEX {index} ")) {
                conn.execute_batch(&format!("CREATE INDEX stage.{index} {rest}"))?;
            }
        }
    }
    conn.execute_batch(
        "INSERT INTO stage.load_files SELECT * FROM main.load_files;
         CREATE TEMP TABLE IF NOT EXISTS invalid_ids (tbl TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (tbl, id)) WITHOUT ROWID;",
    )?;
    Ok(())
}
