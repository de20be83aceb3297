//! Loading: builds a new archive from CSV files, all or nothing.
//!
//! The new database is written to a temporary file beside the target and renamed over
//! it only when every row of every file is valid, so a failed, interrupted or killed
//! load leaves the previous archive exactly as it was. A lock file beside the target
//! keeps two loads from building at once, and lets the next load remove what a killed
//! one left behind.
//!
//! Three threads share the work. The calling thread reads and checks the CSV
//! (`reader`); one thread inserts the rows (`insert`); a third builds the full-text
//! index in a database of its own (`search`), which is copied into the archive at
//! the end, because indexing text costs as much as everything else together and
//! SQLite lets only one thread write a database; it indexes the documents'
//! paragraphs last, while the indexes are built on the other core. Batches of records
//! travel from the reader to both and come back to be reused, so memory stays flat
//! however large the input. Checks that need every row (`checks`) run once the rows
//! are in. Sources' documents are read, and quotes checked against them, on the
//! reading thread (`documents`).

mod changes;
mod checks;
mod documents;
mod incremental;
mod insert;
mod prior;
mod reader;
mod search;

pub use prior::schema_sha256;

use super::check::{Finding, Layout, Parsed, Vocab};
use super::csvread::Record;
use super::diff::Counts;
use super::encoding::Encoding;
use super::spec::Table;
use super::{APPLICATION_ID, SCHEMA_VERSION};
use crate::atomic::{AtomicFile, folder_of, sidecar};
use crate::error::{Error, Problem, Problems, Result};
use prior::Prior;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Sender, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

/// How many problems a failed load lists before it only counts the rest.
pub const PROBLEM_CAP: usize = 100;

/// Records per batch handed from the reading thread to the inserting one.
const BATCH: usize = 1024;

/// Where a CSV file's bytes come from.
#[derive(Clone, Debug)]
pub enum Data {
    Path(PathBuf),
    /// The seed, compiled into the binary so that `load` works from any directory.
    Embedded(&'static [u8]),
}

/// One CSV file to load.
#[derive(Clone, Debug)]
pub struct Input {
    /// The name messages and `load_files` use for it.
    pub label: String,
    pub table: Table,
    pub data: Data,
    /// The encoding the file is in, as the user named it; UTF-8 unless they did.
    pub encoding: Encoding,
}

impl Input {
    /// The file's bytes, from the start.
    fn open(&self) -> Result<Box<dyn io::Read + Send>> {
        Ok(match &self.data {
            Data::Path(p) => Box::new(File::open(p).map_err(|source| Error::Read {
                path: p.clone(),
                source,
            })?),
            Data::Embedded(bytes) => Box::new(*bytes),
        })
    }

    /// Its size in bytes, for progress; a file that cannot be read counts nothing
    /// here and is reported when it is read.
    fn size(&self) -> u64 {
        match &self.data {
            Data::Path(p) => fs::metadata(p).map_or(0, |m| m.len()),
            Data::Embedded(b) => b.len() as u64,
        }
    }
}

/// The seed archive, as embedded at build time.
pub fn seed() -> Vec<Input> {
    let files: [(Table, &'static [u8]); 5] = [
        (Table::Sources, include_bytes!("../../../seed/sources.csv")),
        (Table::Actors, include_bytes!("../../../seed/actors.csv")),
        (Table::Events, include_bytes!("../../../seed/events.csv")),
        (Table::Figures, include_bytes!("../../../seed/figures.csv")),
        (
            Table::Citations,
            include_bytes!("../../../seed/citations.csv"),
        ),
    ];
    files
        .into_iter()
        .map(|(table, bytes)| Input {
            label: format!("seed/{}", table.file_name()),
            table,
            data: Data::Embedded(bytes),
            encoding: Encoding::Utf8,
        })
        .collect()
}

/// Finds the CSV files in the folders (or files) named on the command line, all in
/// the encoding given.
///
/// A `.csv` file whose name is not one of the five is an error rather than skipped:
/// a misnamed `Events.csv` silently left out would be data lost without a word.
pub fn discover(paths: &[PathBuf], encoding: Encoding) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    let names = || {
        Table::ALL
            .iter()
            .map(|t| t.file_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for path in paths {
        let meta = fs::metadata(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        if meta.is_file() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let table = Table::from_file_name(name).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: dossier reads only files named {} — rename the file, or name its folder",
                    path.display(),
                    names()
                ))
            })?;
            inputs.push(Input {
                label: label(path),
                table,
                data: Data::Path(path.clone()),
                encoding,
            });
            continue;
        }
        let mut found = Vec::new();
        let entries = fs::read_dir(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let file = entry.path();
            if let Some(table) = Table::from_file_name(&name) {
                found.push(Input {
                    label: label(&file),
                    table,
                    data: Data::Path(file),
                    encoding,
                });
            } else if name.to_lowercase().ends_with(".csv") {
                return Err(Error::Usage(format!(
                    "{}: not a file dossier reads — the CSV files of an archive folder are {}; \
                     rename it, or move it out of the folder",
                    file.display(),
                    names()
                )));
            }
        }
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "{}: no archive files in this folder — it needs at least one of {}",
                path.display(),
                names()
            )));
        }
        inputs.extend(found);
    }
    // Files load table by table, so that the report can time each table.
    inputs.sort_by_key(|i| i.table);
    Ok(inputs)
}

/// How a file is named in messages and in `load_files`, which knows a file by it: the
/// path as given, without `./` steps, so that `data` and `./data` name the same files.
fn label(path: &Path) -> String {
    let clean: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if clean.as_os_str().is_empty() {
        path.display().to_string()
    } else {
        clean.display().to_string()
    }
}

/// The steps after the rows are read, in order, as `Progress::step` names them.
pub mod step {
    pub const INDEXES: &str = "building indexes";
    pub const REFERENCES: &str = "checking references";
    pub const SEARCH: &str = "building the search index";
    pub const SYNC: &str = "syncing";
    /// The new archive is complete and on disk; only the rename is left.
    pub const RENAME: &str = "replacing the archive";
    /// An incremental load: the files are being hashed to see which changed.
    pub const HASHING: &str = "hashing the files";
    /// An incremental load: the rows that changed replace the old ones.
    pub const APPLYING: &str = "applying the changes";
    /// An incremental load: the search index is brought up to date.
    pub const UPDATING_SEARCH: &str = "updating the search index";
    /// An incremental load: every change is in and checked; only the commit is left.
    pub const COMMIT: &str = "committing";
    pub const ALL: [&str; 9] = [
        INDEXES,
        REFERENCES,
        SEARCH,
        SYNC,
        RENAME,
        HASHING,
        APPLYING,
        UPDATING_SEARCH,
        COMMIT,
    ];
}

/// Told how far a load has got. The database layer only reports; the command decides
/// whether and how to show it.
pub trait Progress: Sync {
    /// Reading starts; the inputs hold `bytes` in all.
    fn start(&self, _bytes: u64) {}
    /// More of the input has been read and checked.
    fn advance(&self, _bytes: u64) {}
    /// A step after the rows are read: checking references, building indexes, …
    fn step(&self, _what: &'static str) {}
}

/// The inputs' size in bytes, for progress (see [`Input::size`]).
pub fn input_bytes(inputs: &[Input]) -> u64 {
    inputs.iter().map(Input::size).sum()
}

/// What to load and where.
pub struct Options {
    pub target: PathBuf,
    pub inputs: Vec<Input>,
    /// How the inputs are described in `load_runs.inputs`.
    pub described: String,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Rebuild the whole archive, even where it could be updated in place.
    pub full: bool,
    /// For a dry run: build the archive (without its search index) at this path and
    /// leave it there, for `diff` to compare.
    pub scratch: Option<PathBuf>,
}

/// How a load went about its work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every file was read and a new archive built beside the old one.
    Full,
    /// Only the files that changed were read, and the archive updated in place.
    Incremental,
    /// No file had changed since the last load: nothing was written.
    Unchanged,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
            Mode::Unchanged => "unchanged",
        }
    }
}

/// Rows and time for one table.
#[derive(Clone, Debug)]
pub struct TableReport {
    pub table: Table,
    /// The table's files, and how many of them were read.
    pub files: usize,
    pub read: usize,
    /// The rows its files hold.
    pub rows: u64,
    pub elapsed: Duration,
}

/// The documents a load read, and what its quotes came to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quotes {
    pub documents: u64,
    pub paragraphs: u64,
    /// Quotes found in a document.
    pub verified: u64,
    /// Quotes with no document to check them against.
    pub unchecked: u64,
}

impl Quotes {
    /// What the archive holds: its documents and paragraphs, and its quotes found in
    /// one or left unchecked. An incremental load reports these, for the quotes it
    /// did not read again were checked by the load that wrote them, against the
    /// documents the archive still holds.
    fn stored(conn: &Connection) -> Result<Quotes> {
        Ok(conn.query_row(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM paragraphs),
                    (SELECT count(*) FROM citations WHERE quote_document IS NOT NULL),
                    (SELECT count(*) FROM citations WHERE quote_document IS NULL)",
            [],
            |r| {
                Ok(Quotes {
                    documents: r.get::<_, i64>(0)? as u64,
                    paragraphs: r.get::<_, i64>(1)? as u64,
                    verified: r.get::<_, i64>(2)? as u64,
                    unchecked: r.get::<_, i64>(3)? as u64,
                })
            },
        )?)
    }
}

/// What a successful load did.
#[derive(Clone, Debug)]
pub struct Report {
    pub tables: Vec<TableReport>,
    pub quotes: Quotes,
    /// What happened after the rows were in, and how long each step took.
    pub phases: Vec<(&'static str, Duration)>,
    pub elapsed: Duration,
    /// Earlier loads carried over into the new archive's history.
    pub history: usize,
    pub mode: Mode,
    /// What the load changed in the archive, table by table; `None` when there was
    /// no archive before it, and every row is new.
    pub changes: Option<Counts>,
    /// Why a load that could have been incremental rebuilt the archive instead.
    pub rebuilt_because: Option<String>,
}

/// Loads the inputs. On any problem, nothing is written.
///
/// An archive built by this version of dossier is updated in place, file by file and
/// row by row, unless `full` is set or the change is too large to be worth it (see
/// `incremental`); otherwise a new archive is built beside it and renamed over it.
pub fn run(opts: &Options, progress: &dyn Progress) -> Result<Report> {
    let started = Instant::now();
    let _lock = if opts.dry_run {
        None
    } else {
        Some(lock(&opts.target)?)
    };
    let prior = match previous_archive(&opts.target)? {
        Some(path) => Some(Prior::inspect(&path)?),
        None => None,
    };
    let mut rebuilt_because = None;
    if let Some(p) = prior.as_ref().filter(|_| !opts.dry_run && !opts.full) {
        match incremental::run(opts, p, progress, started)? {
            incremental::Outcome::Done(report) => return Ok(*report),
            incremental::Outcome::Rebuild(why) => rebuilt_because = why,
        }
    }
    let mut report = full(opts, prior.as_ref(), progress, started)?;
    report.rebuilt_because = rebuilt_because;
    Ok(report)
}

/// What each input is, for the threads: its `load_files.id` and the first number of
/// its block.
#[derive(Clone, Copy, Debug)]
struct Slot {
    id: i64,
    block: i64,
    /// The block its rows had in the archive before, when they can be compared.
    old_block: Option<i64>,
    /// Not read at all: the file has not changed since the last load (incremental).
    skip: bool,
}

/// The files' ids in `load_files`: a file keeps the id it had when it was last loaded
/// under the same path; a new one is added. Returns each input's slot.
fn slots(conn: &Connection, inputs: &[Input], prior: Option<&Prior>) -> Result<Vec<Slot>> {
    let blocks = prior::blocks(inputs)?;
    let mut find = conn.prepare("SELECT id FROM load_files WHERE path = ?1")?;
    let mut add = conn.prepare("INSERT INTO load_files (path, tbl) VALUES (?1, ?2)")?;
    let mut out = Vec::with_capacity(inputs.len());
    for (input, block) in inputs.iter().zip(blocks) {
        let id = match find
            .query_row([&input.label], |r| r.get::<_, i64>(0))
            .optional()?
        {
            Some(id) => id,
            None => {
                add.execute(params![input.label, input.table.name()])?;
                conn.last_insert_rowid()
            }
        };
        let old_block = prior
            .filter(|p| p.compatible)
            .and_then(|p| p.input(&input.label))
            .map(|i| i.block);
        out.push(Slot {
            id,
            block,
            old_block,
            skip: false,
        });
    }
    Ok(out)
}

/// Builds a new archive beside the target from every input, and renames it over the
/// target.
fn full(
    opts: &Options,
    prior: Option<&Prior>,
    progress: &dyn Progress,
    started: Instant,
) -> Result<Report> {
    let started_at = now();
    let temp = match &opts.scratch {
        Some(path) if opts.dry_run => TempFile::kept(path.clone()),
        _ => TempFile::archive(&opts.target, opts.dry_run),
    };
    let conn = Connection::open(&temp.path).map_err(Error::sqlite(format!(
        "cannot create {}",
        temp.path.display()
    )))?;
    prepare_build(&conn)?;
    let history = match prior {
        Some(p) => carry_history(&conn, &p.path),
        None => 0,
    };
    let run_id = start_run(&conn, &started_at, opts, Mode::Full)?;
    let slots = slots(&conn, &opts.inputs, prior)?;
    let vocab = vocabularies(&conn)?;
    // A dry run checks; it has no use for a search index.
    let index = if opts.dry_run {
        None
    } else {
        let file = TempFile::beside(&opts.target, ".search");
        let conn = search::open(&file.path)?;
        Some((file, conn))
    };
    let (index_file, index_conn) = match index {
        Some((f, c)) => (Some(f), Some(c)),
        None => (None, None),
    };
    let compared = match prior.filter(|p| p.compatible) {
        Some(p) => Some(crate::db::open_read_only(&p.path)?),
        None => None,
    };

    progress.start(input_bytes(&opts.inputs));
    let mut threads = pipeline(
        conn,
        index_conn,
        run_id,
        &opts.inputs,
        &slots,
        compared,
        false,
        &vocab,
        progress,
    )?;
    let mut problems = threads.problems();
    let conn = threads.conn;
    let mut phases = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, phases: &mut Vec<(&'static str, Duration)>| {
        phases.push((name, clock.elapsed()));
        clock = Instant::now();
    };
    let files = &threads.read.files;
    let unread = &threads.read.unread;
    checks::before_indexes(&conn, files, &mut problems)?;
    // References are checked through the indexes, which are built first: scanning an
    // index is far cheaper than scanning a table that holds all the text.
    if unread.is_empty() && problems.total == 0 {
        progress.step(step::INDEXES);
        build_indexes(&conn)?;
        lap("built indexes", &mut phases);
        progress.step(step::REFERENCES);
        checks::after_indexes(&conn, files, unread, &mut problems)?;
        lap("checked references", &mut phases);
    } else {
        // The load fails already; report every problem, without building indexes that
        // a shared alias would break. References to a table with a file that was not
        // read to its end cannot be judged: its ids are not all known.
        progress.step(step::REFERENCES);
        checks::after_indexes(&conn, files, unread, &mut problems)?;
    }
    if problems.total > 0 {
        return Err(Error::Invalid(problems.finish(opts.inputs.len())));
    }
    if let (Some(file), Some(indexer)) = (&index_file, threads.indexer.take()) {
        progress.step(step::SEARCH);
        indexer.finish()?;
        search::copy_into(&conn, &file.path)?;
        lap("built the search index", &mut phases);
    }
    let mut differences = threads.read.differences;
    let changes = match prior {
        None => None,
        Some(p) => {
            let counts = if p.compatible {
                differences.removed_files(p, &opts.inputs, &crate::db::open_read_only(&p.path)?)?;
                conn.execute("ATTACH DATABASE ?1 AS old", [uri(&p.path)])?;
                let counts = changes::record(&conn, run_id, "old", "main", &differences);
                conn.execute_batch("DETACH DATABASE old")?;
                counts?
            } else {
                changes::record_all(&conn, run_id, &p.path)?
            };
            lap("compared with the archive before", &mut phases);
            Some(counts)
        }
    };
    finish_run(&conn, run_id)?;
    conn.close().map_err(|(_, e)| Error::from(e))?;
    drop(index_file);
    if !opts.dry_run {
        temp.commit(progress)?;
        lap("synced", &mut phases);
    } else if opts.scratch.is_some() {
        temp.keep();
    }
    Ok(Report {
        tables: table_reports(&threads.inserted.tables, &opts.inputs),
        quotes: threads.read.quotes,
        phases,
        elapsed: started.elapsed(),
        history,
        mode: Mode::Full,
        changes,
        rebuilt_because: None,
    })
}

/// The time now, as the load history records it.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Adds the load to `load_runs`; returns its id.
fn start_run(conn: &Connection, started: &str, opts: &Options, mode: Mode) -> Result<i64> {
    conn.execute(
        "INSERT INTO load_runs (started, finished, dossier_version, schema_sha256, inputs, mode) \
         VALUES (?1, ?1, ?2, ?3, ?4, ?5)",
        params![
            started,
            env!("CARGO_PKG_VERSION"),
            schema_sha256(),
            opts.described,
            mode.name()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Records when the load finished.
fn finish_run(conn: &Connection, run_id: i64) -> Result<()> {
    conn.execute(
        "UPDATE load_runs SET finished = ?1 WHERE id = ?2",
        params![now(), run_id],
    )?;
    Ok(())
}

/// Rows and files per table, every table listed.
fn table_reports(stats: &HashMap<Table, TableStats>, inputs: &[Input]) -> Vec<TableReport> {
    Table::ALL
        .iter()
        .map(|t| {
            let s = stats.get(t).cloned().unwrap_or_default();
            TableReport {
                table: *t,
                files: inputs.iter().filter(|i| i.table == *t).count(),
                read: s.files,
                rows: s.rows,
                elapsed: s.elapsed(),
            }
        })
        .collect()
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds the indexes (and the empty full-text table) once the rows are in. By now the
/// other threads are done, so SQLite's sorter may use a second one; each sorting thread
/// buffers up to the page cache's size, which the 16 MiB cache keeps within the load's
/// memory budget. Measured at a million events: 14 s and 80 MB, against 17 s and 96 MB
/// with one thread and a 32 MiB cache.
fn build_indexes(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA threads = 2;")?;
    conn.execute_batch(super::schema_after_rows())
        .map_err(Error::sqlite("cannot build the indexes"))
}

/// Takes the lock that keeps two loads of one archive apart.
fn lock(target: &Path) -> Result<File> {
    let path = sidecar(target, ".lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Locked {
            path: target.to_path_buf(),
        }),
        Err(fs::TryLockError::Error(source)) => Err(Error::Write { path, source }),
    }
}

/// The existing archive at the target, if there is one; refuses anything else.
fn previous_archive(target: &Path) -> Result<Option<PathBuf>> {
    match fs::metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read {
            path: target.to_path_buf(),
            source,
        }),
        Ok(m) if m.is_dir() => Err(Error::NotAnArchive {
            path: target.to_path_buf(),
            reason: "it is a folder".into(),
        }),
        Ok(m) if m.len() == 0 => Ok(None),
        Ok(_) => {
            super::open_read_only(target)?;
            Ok(Some(target.to_path_buf()))
        }
    }
}

/// A database file the load builds: the new archive, which an [`AtomicFile`] puts in
/// place, or a scratch file (a dry run's archive, the search index). Either is removed,
/// with any journal SQLite left beside it, unless it was renamed over the target.
struct TempFile {
    path: PathBuf,
    archive: Option<AtomicFile>,
}

impl TempFile {
    /// The new archive, beside the target (`dossier.db.load-PID.tmp`); or for a dry
    /// run, a scratch file in the system's temporary folder.
    fn archive(target: &Path, dry_run: bool) -> Self {
        if dry_run {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            return TempFile::scratch(
                std::env::temp_dir()
                    .join(format!("dossier-check-{}-{nanos}.db", std::process::id())),
            );
        }
        remove_leftovers(target);
        let archive = AtomicFile::beside(target, &format!(".load-{}.tmp", std::process::id()));
        remove_quietly(archive.temp());
        TempFile {
            path: archive.temp().to_path_buf(),
            archive: Some(archive),
        }
    }

    /// A scratch file beside the target, named with `kind` (`.search`) before `.tmp`.
    fn beside(target: &Path, kind: &str) -> Self {
        TempFile::scratch(sidecar(
            target,
            &format!(".load-{}{kind}.tmp", std::process::id()),
        ))
    }

    /// A dry run's archive at a path of the caller's, kept if the build succeeds.
    fn kept(path: PathBuf) -> Self {
        TempFile::scratch(path)
    }

    /// Leaves the file where it is.
    fn keep(mut self) {
        self.path = PathBuf::new();
    }

    fn scratch(path: PathBuf) -> Self {
        remove_quietly(&path);
        TempFile {
            path,
            archive: None,
        }
    }

    /// Makes the new archive durable, then puts it in place in one rename, telling
    /// `progress` of each step.
    fn commit(mut self, progress: &dyn Progress) -> Result<()> {
        let Some(archive) = self.archive.take() else {
            return Err(Error::Internal(
                "a scratch file cannot replace the archive".into(),
            ));
        };
        progress.step(step::SYNC);
        let synced = archive.sync().map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })?;
        progress.step(step::RENAME);
        let target = synced.target().to_path_buf();
        synced.commit().map_err(|source| Error::Write {
            path: target,
            source,
        })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // After a commit nothing is left under this name but, perhaps, a journal.
        if !self.path.as_os_str().is_empty() {
            remove_quietly(&self.path);
        }
    }
}

fn remove_quietly(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = fs::remove_file(sidecar(path, suffix));
    }
}

/// Removes the temporary files of loads that were killed. Called under the lock, so
/// no other load can be writing them.
fn remove_leftovers(target: &Path) {
    let Some(name) = target.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let prefix = format!("{name}.load-");
    let Ok(entries) = fs::read_dir(folder_of(target)) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Settings for the file being built. It is private until renamed, so the rollback
/// journal and syncs are off; durability comes from one sync before the rename.
fn prepare_build(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA cache_size = -16384;
         PRAGMA temp_store = FILE;",
    )
    .map_err(Error::sqlite("cannot set up the new archive"))?;
    conn.execute_batch(super::schema_tables())
        .map_err(Error::sqlite("cannot create the tables"))?;
    // Foreign keys are checked once all rows are in (checks.rs): rows may name ids
    // defined further down (a figure's base, a source's via), and the check then says
    // which file and line is wrong where SQLite would only refuse the insert.
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         CREATE TEMP TABLE invalid_ids (tbl TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (tbl, id)) WITHOUT ROWID;",
    )?;
    Ok(())
}

/// Copies the load history of the archive being replaced. History is a convenience:
/// an archive whose history cannot be read is still replaced, with fresh history.
fn carry_history(conn: &Connection, previous: &Path) -> usize {
    let copy = || -> rusqlite::Result<usize> {
        conn.execute("ATTACH DATABASE ?1 AS previous", [uri(previous)])?;
        let result = (|| {
            // As PRAGMA statements: the pragma functions (pragma_user_version) read the
            // main database whatever schema they are qualified with.
            let app: i64 = conn.query_row("PRAGMA previous.application_id", [], |r| r.get(0))?;
            let version: i64 = conn.query_row("PRAGMA previous.user_version", [], |r| r.get(0))?;
            if app != APPLICATION_ID {
                return Ok(0);
            }
            if version == SCHEMA_VERSION {
                let runs = conn.execute(
                    "INSERT INTO load_runs SELECT * FROM previous.load_runs ORDER BY id",
                    [],
                )?;
                for table in ["load_files", "load_inputs", "load_changes"] {
                    conn.execute(
                        &format!("INSERT INTO {table} SELECT * FROM previous.{table}"),
                        [],
                    )?;
                }
                return Ok(runs);
            }
            // Versions 1 to 3 kept one load_files row per file per load: its files
            // (documents too, from version 3) become one row per path, and its loads'
            // inputs rows of load_inputs. Version 1 has no encoding column: every load
            // then read UTF-8.
            let encoding = match version {
                1 => "'utf-8'",
                2 | 3 => "encoding",
                _ => return Ok(0),
            };
            let runs = conn.execute(
                "INSERT INTO load_runs (id, started, finished, dossier_version, schema_sha256, inputs, mode) \
                 SELECT id, started, finished, dossier_version, NULL, inputs, 'full' \
                 FROM previous.load_runs ORDER BY id",
                [],
            )?;
            conn.execute(
                "INSERT INTO load_files (path, tbl) SELECT path, tbl FROM previous.load_files \
                 GROUP BY path ORDER BY min(id)",
                [],
            )?;
            conn.execute(
                &format!(
                    "INSERT INTO load_inputs (run, file, position, sha256, bytes, rows, encoding, read) \
                     SELECT o.run, n.id, row_number() OVER (PARTITION BY o.run ORDER BY o.id), \
                            o.sha256, o.bytes, o.rows, {encoding}, 1 \
                     FROM previous.load_files o JOIN load_files n ON n.path = o.path"
                ),
                [],
            )?;
            Ok(runs)
        })();
        conn.execute_batch("DETACH DATABASE previous")?;
        result
    };
    match copy() {
        Ok(n) => n,
        Err(_) => {
            let _ = conn.execute_batch(
                "DELETE FROM load_changes; DELETE FROM load_inputs; DELETE FROM load_files; \
                 DELETE FROM load_runs;",
            );
            0
        }
    }
}

/// A read-only URI for a path, so that ATTACH can never write to the old archive.
fn uri(path: &Path) -> String {
    crate::db::read_only_uri(path)
}

fn vocabularies(conn: &Connection) -> Result<Vocab> {
    let list = |sql: &str| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect()
    };
    Ok(Vocab {
        units: list("SELECT code FROM units")?.into_iter().collect(),
        source_kinds: list("SELECT code FROM source_kinds ORDER BY rowid")?,
        actor_kinds: list("SELECT code FROM actor_kinds ORDER BY rowid")?,
    })
}

/// A file being loaded, as every thread sees it.
#[derive(Debug)]
struct FileInfo {
    label: Arc<str>,
    order: usize,
    encoding: Encoding,
    layout: Layout,
    /// Its `load_files.id`, which its rows' `csv_file` holds.
    id: i64,
}

/// One record and what the reading thread made of it.
#[derive(Default)]
struct Row {
    rec: Record,
    /// What each cell was parsed into, one per column.
    parsed: Vec<Parsed>,
    valid: bool,
    /// The row's rowid (for citations, its id): the start of its file's block (see
    /// `prior`) and its place in the file. Rows of events, figures, sources and
    /// citations never share a number, so the full-text index, which points at all
    /// four, can name any of them; and numbers grow in load order, so that the index
    /// gets them in increasing order: FTS5 writes a segment whenever a rowid goes
    /// backwards, and merging thousands of small segments costs more than indexing.
    rowid: i64,
    /// For an event or figure, the id of its inline citation: the number after its own.
    citation: i64,
    /// Where the row's quote stands in its source's document, when it has one.
    anchor: Option<documents::Anchor>,
    /// The row's fingerprint (`reader::fingerprint`).
    hash: i64,
}

struct Batch {
    rows: Vec<Row>,
    len: usize,
}

#[derive(Clone)]
enum Message {
    Start(Arc<FileInfo>),
    Rows(Arc<Batch>),
    /// A source's document, sent after the row that names it.
    Document(Arc<documents::Read>),
    End {
        sha256: String,
        bytes: u64,
        rows: u64,
        /// The file's place in the load, from 1.
        position: usize,
    },
}

/// Hands a batch back to the reader once the last thread is done with it.
fn recycle(batch: Arc<Batch>, back: &Sender<Batch>) {
    if let Some(b) = Arc::into_inner(batch) {
        // The reader may have finished; then nobody needs the batch back.
        let _ = back.send(b);
    }
}

/// Problems up to the cap, and a count of all.
#[derive(Default)]
struct Collector {
    shown: Vec<Problem>,
    total: usize,
}

impl Collector {
    fn push(&mut self, p: Problem) {
        self.total += 1;
        if self.shown.len() < PROBLEM_CAP {
            self.shown.push(p);
        }
    }

    fn add(&mut self, file: &FileInfo, line: u64, f: Finding) {
        self.push(Problem {
            file: file.label.clone(),
            line,
            column: f.column,
            what: f.what,
            found: f.found,
            fix: f.fix,
            order: file.order,
        });
    }

    /// Adds a problem about a whole file, which must be shown even when the cap is
    /// reached: it takes the place of the last problem kept.
    fn add_first(&mut self, file: &FileInfo, line: u64, f: Finding) {
        if self.shown.len() >= PROBLEM_CAP {
            self.shown.pop();
        }
        let total = self.total;
        self.add(file, line, f);
        self.total = total + 1;
    }

    /// Forgets the last `count` problems of the file `order`, which one problem about
    /// the whole file explains.
    fn forget_file(&mut self, order: usize, count: usize) {
        self.shown.retain(|p| p.order != order);
        self.total -= count;
    }

    fn merge(&mut self, other: Collector) {
        self.total += other.total;
        self.shown.extend(other.shown);
    }

    fn finish(mut self, inputs: usize) -> Problems {
        self.shown.sort_by_key(|p| (p.order, p.line, p.column));
        self.shown.truncate(PROBLEM_CAP);
        let mut files: Vec<usize> = self.shown.iter().map(|p| p.order).collect();
        files.dedup();
        Problems {
            shown: self.shown,
            total: self.total,
            files: files.len().clamp(1, inputs.max(1)),
        }
    }
}

/// What the reading side saw.
struct ReadOutcome {
    files: Vec<Arc<FileInfo>>,
    problems: Collector,
    /// The tables with a file that could not be read to its end, whose ids are
    /// therefore not all known.
    unread: BTreeSet<Table>,
    quotes: Quotes,
    differences: Differences,
}

impl ReadOutcome {
    fn unread(&mut self, table: Table) {
        self.unread.insert(table);
    }
}

/// Where the files and the archive before the load part ways: found by comparing
/// the rows' fingerprints place by place, file by file.
#[derive(Debug, Default)]
struct Differences {
    /// Rows of the files that are not the row the archive had in their place.
    new: Vec<i64>,
    /// Rows of the archive that the files no longer have in their place.
    old: Vec<i64>,
    /// Rows that read the same but now start on another line: (rowid, line).
    lines: Vec<(i64, i64)>,
}

impl Differences {
    /// Adds every row of the files the archive was built from that are no longer
    /// among the inputs.
    fn removed_files(&mut self, prior: &Prior, inputs: &[Input], conn: &Connection) -> Result<()> {
        let mut rows =
            conn.prepare("SELECT row FROM load_rows WHERE row > ?1 AND row < ?2 ORDER BY row")?;
        for gone in prior
            .inputs
            .iter()
            .filter(|p| !inputs.iter().any(|i| i.label == p.path))
        {
            let found = rows
                .query_map([gone.block, prior::block_end(gone.block)], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            self.old.extend(found);
        }
        Ok(())
    }
}

/// What the inserting side did.
struct InsertOutcome {
    problems: Collector,
    tables: HashMap<Table, TableStats>,
}

#[derive(Clone, Default)]
struct TableStats {
    files: usize,
    rows: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl TableStats {
    fn elapsed(&self) -> Duration {
        match (self.first, self.last) {
            (Some(a), Some(b)) => b.duration_since(a),
            _ => Duration::ZERO,
        }
    }
}

/// What the threads leave behind.
struct Threads {
    conn: Connection,
    read: ReadOutcome,
    inserted: InsertOutcome,
    /// The indexing thread, still finishing; joined once the indexes are built.
    indexer: Option<search::Indexer>,
}

impl Threads {
    /// The problems the reading and the inserting found, taken out.
    fn problems(&mut self) -> Collector {
        let mut all = std::mem::take(&mut self.read.problems);
        all.merge(std::mem::take(&mut self.inserted.problems));
        all
    }
}

/// Runs the reader on this thread, the inserter and the indexer on their own.
#[allow(clippy::too_many_arguments)]
fn pipeline(
    conn: Connection,
    index: Option<Connection>,
    run_id: i64,
    inputs: &[Input],
    slots: &[Slot],
    prior: Option<Connection>,
    only_changes: bool,
    vocab: &Vocab,
    progress: &dyn Progress,
) -> Result<Threads> {
    let (back, returned) = mpsc::channel::<Batch>();
    let (to_inserter, inserter_rx) = mpsc::sync_channel::<Message>(4);
    let inserter_back = back.clone();
    let inserter = thread::Builder::new()
        .name("dossier-insert".into())
        .spawn(move || {
            let schema = if only_changes { "stage" } else { "main" };
            insert::run(conn, run_id, schema, inserter_rx, inserter_back)
        })
        .map_err(|e| Error::Internal(format!("cannot start the inserting thread: {e}")))?;
    let mut sinks: Vec<SyncSender<Message>> = vec![to_inserter];
    let mut indexer = None;
    if let Some(index) = index {
        let (to_indexer, indexer_rx) = mpsc::sync_channel::<Message>(4);
        indexer = Some(search::Indexer::start(index, indexer_rx, back.clone())?);
        sinks.push(to_indexer);
    }
    drop(back);
    let mut read = ReadOutcome {
        files: Vec::new(),
        problems: Collector::default(),
        unread: BTreeSet::new(),
        quotes: Quotes::default(),
        differences: Differences::default(),
    };
    let mut reader = reader::Reader::new(sinks, returned, prior, only_changes);
    let mut read_error = None;
    let mut stopped = false;
    for (order, (input, slot)) in inputs.iter().zip(slots).enumerate() {
        match reader.file(input, order, *slot, vocab, &mut read, progress) {
            Ok(true) => {}
            // A thread stopped; its own error says why.
            Ok(false) => {
                stopped = true;
                break;
            }
            Err(e) => {
                read_error = Some(e);
                break;
            }
        }
    }
    read.quotes = reader.quotes();
    drop(reader);
    let joined = inserter
        .join()
        .map_err(|_| Error::Internal("the inserting thread stopped unexpectedly".into()))?;
    let (conn, inserted) = joined?;
    if let Some(e) = read_error {
        return Err(e);
    }
    // The inserter's error would have been returned above, so a thread that stopped
    // the reading is the indexer: its error is the load's, and not the problems the
    // rows left unread would seem to have.
    if stopped && let Some(indexer) = indexer.take() {
        indexer.finish()?;
        // It ends without an error only once the reader is done: never here. Going on
        // would build an archive with no search index.
        return Err(Error::Internal(
            "the indexing thread stopped before the rows were all read".into(),
        ));
    }
    Ok(Threads {
        conn,
        read,
        inserted,
        indexer,
    })
}
