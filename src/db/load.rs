//! Loading: builds a new archive from CSV files, all or nothing.
//!
//! The new database is written to a temporary file beside the target and renamed over
//! it only when every row of every file is valid, so a failed, interrupted or killed
//! load leaves the previous archive exactly as it was. A lock file beside the target
//! keeps two loads from building at once, and lets the next load remove what a killed
//! one left behind.
//!
//! Reading and checking the CSV runs on the calling thread while SQLite inserts on a
//! second one; batches of records travel between them and come back to be reused, so
//! memory stays flat however large the input.

use super::check::{self, Derived, Finding, Layout, Vocab};
use super::csvread::{Fatal, Reader, Record};
use super::dates::Date;
use super::spec::{Table, col};
use super::{APPLICATION_ID, SCHEMA_VERSION};
use crate::error::{Error, Problem, Problems, Result};
use rusqlite::{Connection, OptionalExtension, Statement, params};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
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
}

/// The seed archive, as embedded at build time.
pub fn seed() -> Vec<Input> {
    let files: [(Table, &'static [u8]); 5] = [
        (Table::Sources, include_bytes!("../../seed/sources.csv")),
        (Table::Actors, include_bytes!("../../seed/actors.csv")),
        (Table::Events, include_bytes!("../../seed/events.csv")),
        (Table::Figures, include_bytes!("../../seed/figures.csv")),
        (Table::Citations, include_bytes!("../../seed/citations.csv")),
    ];
    files
        .into_iter()
        .map(|(table, bytes)| Input {
            label: format!("seed/{}", table.file_name()),
            table,
            data: Data::Embedded(bytes),
        })
        .collect()
}

/// Finds the CSV files in the folders (or files) named on the command line.
///
/// A `.csv` file whose name is not one of the five is an error rather than skipped:
/// a misnamed `Events.csv` silently left out would be data lost without a word.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>> {
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
                label: path.display().to_string(),
                table,
                data: Data::Path(path.clone()),
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
                    label: file.display().to_string(),
                    table,
                    data: Data::Path(file),
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

/// What to load and where.
pub struct Options {
    pub target: PathBuf,
    pub inputs: Vec<Input>,
    /// How the inputs are described in `load_runs.inputs`.
    pub described: String,
    /// Check everything, write nothing.
    pub dry_run: bool,
}

/// Rows and time for one table.
#[derive(Clone, Debug)]
pub struct TableReport {
    pub table: Table,
    pub files: usize,
    pub rows: u64,
    pub elapsed: Duration,
}

/// What a successful load did.
#[derive(Clone, Debug)]
pub struct Report {
    pub tables: Vec<TableReport>,
    /// Time spent after the rows were in: cross-file checks, indexes, syncing.
    pub finishing: Duration,
    pub elapsed: Duration,
    /// Earlier loads carried over into the new archive's history.
    pub history: usize,
}

/// Builds the archive. On any problem, nothing is written.
pub fn run(opts: &Options) -> Result<Report> {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let _lock = if opts.dry_run {
        None
    } else {
        Some(lock(&opts.target)?)
    };
    let previous = previous_archive(&opts.target)?;
    let temp = TempFile::new(&opts.target, opts.dry_run)?;
    let conn = Connection::open(&temp.path).map_err(Error::sqlite(format!(
        "cannot create {}",
        temp.path.display()
    )))?;
    prepare_build(&conn)?;
    let history = match &previous {
        Some(path) => carry_history(&conn, path),
        None => 0,
    };
    conn.execute(
        "INSERT INTO load_runs (started, finished, dossier_version, inputs) VALUES (?1, ?1, ?2, ?3)",
        params![started_at, env!("CARGO_PKG_VERSION"), opts.described],
    )?;
    let run_id = conn.last_insert_rowid();
    let vocab = vocabularies(&conn)?;

    let (conn, read, inserted) = read_and_insert(conn, run_id, &opts.inputs, &vocab)?;
    let files: Vec<Arc<FileInfo>> = read.files.clone();
    let mut problems = Collector::default();
    problems.merge(read.problems);
    problems.merge(inserted.problems);
    let finishing = Instant::now();
    // References can only be judged when every file was read to its end; otherwise each
    // row of an unreadable file would come back as a wave of "unknown id" problems.
    if read.complete {
        cross_checks(&conn, &files, &inserted.file_ids, &mut problems)?;
    }
    if problems.total > 0 {
        return Err(Error::Invalid(problems.finish(opts.inputs.len())));
    }

    conn.execute_batch(super::schema_after_rows())
        .map_err(Error::sqlite("cannot build the indexes"))?;
    let finished_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    conn.execute(
        "UPDATE load_runs SET finished = ?1 WHERE id = ?2",
        params![finished_at, run_id],
    )?;
    let dangling: i64 =
        conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })?;
    if dangling > 0 {
        // The cross-file checks above should have caught every one of these.
        return Err(Error::Internal(format!(
            "{dangling} foreign key violations survived the checks; nothing was loaded"
        )));
    }
    conn.close().map_err(|(_, e)| Error::from(e))?;
    if !opts.dry_run {
        temp.commit(&opts.target)?;
    }
    let tables = Table::ALL
        .iter()
        .map(|t| {
            let s = inserted.tables.get(t).cloned().unwrap_or_default();
            TableReport {
                table: *t,
                files: s.files,
                rows: s.rows,
                elapsed: s.elapsed(),
            }
        })
        .collect();
    Ok(Report {
        tables,
        finishing: finishing.elapsed(),
        elapsed: started.elapsed(),
        history,
    })
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

/// `dossier.db` + `.lock` → `dossier.db.lock`, in the same folder.
fn sidecar(target: &Path, suffix: &str) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    target.with_file_name(name)
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

/// The file a load builds in; removed unless it is renamed over the target.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn new(target: &Path, dry_run: bool) -> Result<Self> {
        let path = if dry_run {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            std::env::temp_dir().join(format!("dossier-check-{}-{nanos}.db", std::process::id()))
        } else {
            remove_leftovers(target);
            sidecar(target, &format!(".load-{}.tmp", std::process::id()))
        };
        remove_quietly(&path);
        Ok(TempFile { path })
    }

    /// Makes the new archive durable, then puts it in place in one rename.
    fn commit(self, target: &Path) -> Result<()> {
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Write { path, source }
        };
        File::open(&self.path)
            .and_then(|f| f.sync_all())
            .map_err(write_err(&self.path))?;
        fs::rename(&self.path, target).map_err(write_err(target))?;
        // The rename itself is durable only once the folder is synced.
        if let Some(dir) = target.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        remove_quietly(&self.path);
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
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
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
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = FILE;",
    )
    .map_err(Error::sqlite("cannot set up the new archive"))?;
    conn.execute_batch(super::schema_tables())
        .map_err(Error::sqlite("cannot create the tables"))?;
    // Foreign keys are checked by the cross-file queries after all rows are in: rows may
    // name ids defined further down (a figure's base, a source's via), and those queries
    // say which file and line is wrong where SQLite would only refuse. The final
    // foreign_key_check confirms the result.
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
            let (app, version): (i64, i64) = conn.query_row(
                "SELECT (SELECT application_id FROM previous.pragma_application_id), \
                        (SELECT user_version FROM previous.pragma_user_version)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if app != APPLICATION_ID || version != SCHEMA_VERSION {
                return Ok(0);
            }
            let runs = conn.execute(
                "INSERT INTO load_runs SELECT id, started, finished, dossier_version, inputs \
                 FROM previous.load_runs ORDER BY id",
                [],
            )?;
            conn.execute(
                "INSERT INTO load_files SELECT id, run, path, tbl, sha256, bytes, rows \
                 FROM previous.load_files ORDER BY id",
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
            let _ = conn.execute_batch("DELETE FROM load_files; DELETE FROM load_runs;");
            0
        }
    }
}

/// A read-only URI for a path, so that ATTACH can never write to the old archive.
fn uri(path: &Path) -> String {
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

/// A file being loaded, as both threads see it.
#[derive(Debug)]
struct FileInfo {
    label: Arc<str>,
    order: usize,
    layout: Layout,
}

/// One record and what the reading thread made of it.
#[derive(Default)]
struct Row {
    rec: Record,
    derived: Derived,
    valid: bool,
}

struct Batch {
    rows: Vec<Row>,
    len: usize,
}

enum Message {
    Start(Arc<FileInfo>),
    Rows(Batch),
    End {
        sha256: String,
        bytes: u64,
        rows: u64,
    },
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
    /// False when some file could not be read to its end.
    complete: bool,
}

/// What the inserting side did.
struct InsertOutcome {
    problems: Collector,
    /// `load_files.id` of each started file, in the order they started.
    file_ids: Vec<i64>,
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

fn read_and_insert(
    conn: Connection,
    run_id: i64,
    inputs: &[Input],
    vocab: &Vocab,
) -> Result<(Connection, ReadOutcome, InsertOutcome)> {
    let (to_inserter, from_reader) = mpsc::sync_channel::<Message>(4);
    let (to_reader, returned) = mpsc::channel::<Batch>();
    let inserter = thread::Builder::new()
        .name("dossier-insert".into())
        .spawn(move || insert_all(conn, run_id, from_reader, to_reader))
        .map_err(|e| Error::Internal(format!("cannot start the inserting thread: {e}")))?;
    let mut outcome = ReadOutcome {
        files: Vec::new(),
        problems: Collector::default(),
        complete: true,
    };
    let mut spare: Vec<Batch> = Vec::new();
    let mut read_error = None;
    for (order, input) in inputs.iter().enumerate() {
        match read_file(
            input,
            order,
            vocab,
            &to_inserter,
            &returned,
            &mut spare,
            &mut outcome,
        ) {
            Ok(true) => {}
            // The inserter stopped; its own error says why.
            Ok(false) => break,
            Err(e) => {
                read_error = Some(e);
                break;
            }
        }
    }
    drop(to_inserter);
    let joined = inserter
        .join()
        .map_err(|_| Error::Internal("the inserting thread stopped unexpectedly".into()))?;
    let (conn, inserted) = joined?;
    if let Some(e) = read_error {
        return Err(e);
    }
    Ok((conn, outcome, inserted))
}

/// Reads one file and sends its rows. Returns false if the inserter has gone away.
fn read_file(
    input: &Input,
    order: usize,
    vocab: &Vocab,
    tx: &SyncSender<Message>,
    returned: &Receiver<Batch>,
    spare: &mut Vec<Batch>,
    outcome: &mut ReadOutcome,
) -> Result<bool> {
    let label: Arc<str> = Arc::from(input.label.as_str());
    let source: Box<dyn Read> = match &input.data {
        Data::Path(p) => Box::new(File::open(p).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?),
        Data::Embedded(bytes) => Box::new(*bytes),
    };
    let read_err = |e: io::Error| Error::Read {
        path: PathBuf::from(input.label.clone()),
        source: e,
    };
    let at_start = |what: &str, found: &str, fix: &str| Problem {
        file: label.clone(),
        line: 1,
        column: 1,
        what: what.into(),
        found: found.into(),
        fix: fix.into(),
        order,
    };
    let mut reader = match Reader::new(Hashing::new(source)) {
        Ok(r) => r,
        Err(Fatal::Io(e)) => return Err(read_err(e)),
        Err(_) => {
            outcome.problems.push(at_start(
                "file is UTF-16 or UTF-32",
                "a UTF-16 byte-order mark",
                "save it as UTF-8 (in Excel: CSV UTF-8; in LibreOffice: character set Unicode (UTF-8))",
            ));
            outcome.complete = false;
            return Ok(true);
        }
    };
    let table = input.table;
    if reader.is_empty() {
        outcome.problems.push(at_start(
            "file is empty",
            "no header row",
            &format!("start the file with a header row: {}", table.header()),
        ));
        outcome.complete = false;
        return Ok(true);
    }
    reader.set_delimiter(check::delimiter(table, reader.first_line()));
    let mut header = Record::default();
    let header_read = reader.read(&mut header);
    let provisional = Arc::new(FileInfo {
        label: label.clone(),
        order,
        layout: Layout {
            table,
            fields: Vec::new(),
            width: 0,
        },
    });
    match header_read {
        Ok(true) => {}
        Ok(false) => {
            outcome.problems.push(at_start(
                "file has no header row",
                "only blank lines",
                &format!("start the file with {}", table.header()),
            ));
            outcome.complete = false;
            return Ok(true);
        }
        Err(fatal) => {
            fatal_problem(fatal, &provisional, &mut outcome.problems).map_err(read_err)?;
            outcome.complete = false;
            return Ok(true);
        }
    }
    let layout = match check::layout(table, &header) {
        Ok(l) => l,
        Err(findings) => {
            for f in findings {
                outcome.problems.add(&provisional, header.line, f);
            }
            outcome.complete = false;
            return Ok(true);
        }
    };
    let info = Arc::new(FileInfo {
        label,
        order,
        layout,
    });
    outcome.files.push(info.clone());
    if tx.send(Message::Start(info.clone())).is_err() {
        return Ok(false);
    }
    let mut findings = Vec::new();
    let mut rows = 0u64;
    let mut batch = next_batch(spare, returned);
    loop {
        if batch.len == batch.rows.len() {
            batch.rows.push(Row::default());
        }
        let row = &mut batch.rows[batch.len];
        match reader.read(&mut row.rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(fatal) => {
                fatal_problem(fatal, &info, &mut outcome.problems).map_err(read_err)?;
                outcome.complete = false;
                break;
            }
        }
        if row.rec.is_blank() {
            continue;
        }
        rows += 1;
        check::row(
            &info.layout,
            &row.rec,
            vocab,
            &mut row.derived,
            &mut findings,
        );
        row.valid = findings.is_empty();
        for f in findings.drain(..) {
            outcome.problems.add(&info, row.rec.line, f);
        }
        batch.len += 1;
        if batch.len == BATCH {
            if tx.send(Message::Rows(batch)).is_err() {
                return Ok(false);
            }
            batch = next_batch(spare, returned);
        }
    }
    if batch.len > 0 && tx.send(Message::Rows(batch)).is_err() {
        return Ok(false);
    }
    let hashing = reader.into_inner();
    let end = Message::End {
        sha256: hashing.hex(),
        bytes: hashing.bytes,
        rows,
    };
    Ok(tx.send(end).is_ok())
}

fn next_batch(spare: &mut Vec<Batch>, returned: &Receiver<Batch>) -> Batch {
    while let Ok(mut b) = returned.try_recv() {
        b.len = 0;
        spare.push(b);
    }
    spare.pop().unwrap_or_else(|| Batch {
        rows: Vec::with_capacity(BATCH),
        len: 0,
    })
}

fn fatal_problem(fatal: Fatal, file: &FileInfo, out: &mut Collector) -> io::Result<()> {
    match fatal {
        Fatal::Io(e) => return Err(e),
        Fatal::Utf16 => {}
        Fatal::UnterminatedQuote {
            line,
            field,
            offset,
        } => out.add(
            file,
            line,
            Finding {
                column: field + 1,
                what: "quoted field is never closed".into(),
                found: format!(
                    "a \" at byte offset {offset} with no closing quote before the end of the file"
                ),
                fix: "add the closing double quote; the file may have been cut off".into(),
            },
        ),
    }
    Ok(())
}

/// Passes bytes through while computing their SHA-256.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn hex(&self) -> String {
        self.hasher
            .clone()
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// The inserting thread: takes batches, inserts them, returns them for reuse.
fn insert_all(
    conn: Connection,
    run_id: i64,
    rx: Receiver<Message>,
    back: Sender<Batch>,
) -> Result<(Connection, InsertOutcome)> {
    let mut out = InsertOutcome {
        problems: Collector::default(),
        file_ids: Vec::new(),
        tables: HashMap::new(),
    };
    conn.execute_batch("BEGIN")?;
    {
        let mut ins = Inserter::new(&conn)?;
        let mut current: Option<(Arc<FileInfo>, i64)> = None;
        for msg in rx {
            match msg {
                Message::Start(info) => {
                    ins.file
                        .execute(params![run_id, &*info.label, info.layout.table.name()])?;
                    let id = conn.last_insert_rowid();
                    out.file_ids.push(id);
                    let stats = out.tables.entry(info.layout.table).or_default();
                    stats.files += 1;
                    stats.first.get_or_insert_with(Instant::now);
                    current = Some((info, id));
                }
                Message::Rows(batch) => {
                    if let Some((info, file_id)) = &current {
                        for row in &batch.rows[..batch.len] {
                            ins.row(info, *file_id, row, &mut out.problems)?;
                        }
                    }
                    // The reader may have finished; then nobody needs the batch back.
                    let _ = back.send(batch);
                }
                Message::End {
                    sha256,
                    bytes,
                    rows,
                } => {
                    if let Some((info, file_id)) = current.take() {
                        ins.file_end.execute(params![
                            sha256,
                            bytes as i64,
                            rows as i64,
                            file_id
                        ])?;
                        let stats = out.tables.entry(info.layout.table).or_default();
                        stats.rows += rows;
                        stats.last = Some(Instant::now());
                    }
                }
            }
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok((conn, out))
}

/// The prepared statements of the inserting thread.
struct Inserter<'c> {
    conn: &'c Connection,
    file: Statement<'c>,
    file_end: Statement<'c>,
    source: Statement<'c>,
    actor: Statement<'c>,
    alias: Statement<'c>,
    event: Statement<'c>,
    event_actor: Statement<'c>,
    event_tag: Statement<'c>,
    figure: Statement<'c>,
    citation: Statement<'c>,
    invalid: Statement<'c>,
}

/// A date's derived columns, ready to bind.
struct DateCols {
    start: Option<[u8; 10]>,
    end: Option<[u8; 10]>,
    precision: Option<&'static str>,
    kind: Option<&'static str>,
    uncertain: Option<bool>,
    approx: Option<bool>,
}

impl DateCols {
    fn of(d: Option<Date>) -> Self {
        DateCols {
            start: d.map(|d| d.start.iso()),
            end: d.and_then(|d| d.end).map(|e| e.iso()),
            precision: d.map(|d| d.precision.as_str()),
            kind: d.map(|d| d.kind.as_str()),
            uncertain: d.map(|d| d.uncertain),
            approx: d.map(|d| d.approx),
        }
    }
}

fn ascii(day: &Option<[u8; 10]>) -> Option<&str> {
    day.as_ref().and_then(|d| std::str::from_utf8(d).ok())
}

impl<'c> Inserter<'c> {
    fn new(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Inserter {
            conn,
            file: conn.prepare(
                "INSERT INTO load_files (run, path, tbl, sha256, bytes, rows) VALUES (?1, ?2, ?3, printf('%064d', 0), 0, 0)",
            )?,
            file_end: conn.prepare("UPDATE load_files SET sha256 = ?1, bytes = ?2, rows = ?3 WHERE id = ?4")?,
            source: conn.prepare(
                "INSERT INTO sources (id, kind, title, author, issuer, outlet, published, published_start, \
                 published_end, published_precision, published_kind, published_uncertain, published_approx, \
                 url, accessed, language, via, notes, csv_file, csv_line) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            )?,
            actor: conn.prepare(
                "INSERT INTO actors (id, name, kind, csv_file, csv_line) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            alias: conn.prepare("INSERT INTO actor_aliases (actor, alias, position) VALUES (?1, ?2, ?3)")?,
            event: conn.prepare(
                "INSERT INTO events (id, date, date_start, date_end, date_precision, date_kind, date_uncertain, \
                 date_approx, title, display_date, notes, location, csv_file, csv_line) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?,
            event_actor: conn.prepare("INSERT INTO event_actors (event, actor, position) VALUES (?1, ?2, ?3)")?,
            event_tag: conn.prepare("INSERT INTO event_tags (event, tag, position) VALUES (?1, ?2, ?3)")?,
            figure: conn.prepare(
                "INSERT INTO figures (id, measure, value, value_norm, unit, qualifier, lower, lower_norm, upper, \
                 upper_norm, area, counterpart, period, period_start, period_end, period_precision, period_kind, \
                 period_uncertain, period_approx, base, event, notes, csv_file, csv_line) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
                 ?20, ?21, ?22, ?23, ?24)",
            )?,
            citation: conn.prepare(
                "INSERT INTO citations (source, event, figure, quote, locator, relation, csv_file, csv_line) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?,
            invalid: conn.prepare("INSERT OR IGNORE INTO temp.invalid_ids (tbl, id) VALUES (?1, ?2)")?,
        })
    }

    fn row(
        &mut self,
        info: &FileInfo,
        file_id: i64,
        row: &Row,
        problems: &mut Collector,
    ) -> Result<()> {
        let layout = &info.layout;
        let table = layout.table;
        let rec = &row.rec;
        let cell = |c: usize| layout.cell(rec, c);
        let line = rec.line as i64;
        if !row.valid {
            // Remember the id of a refused row, so that rows naming it are not also
            // reported as naming an unknown id.
            if table.has_id()
                && let Some(id) = cell(col::ID).filter(|id| check::is_id(id))
            {
                self.invalid.execute(params![table.name(), id])?;
            }
            return Ok(());
        }
        let inserted = match table {
            Table::Sources => {
                use col::sources::*;
                let d = DateCols::of(row.derived.date);
                self.source.execute(params![
                    cell(ID),
                    cell(KIND),
                    cell(TITLE),
                    cell(AUTHOR),
                    cell(ISSUER),
                    cell(OUTLET),
                    cell(PUBLISHED),
                    ascii(&d.start),
                    ascii(&d.end),
                    d.precision,
                    d.kind,
                    d.uncertain,
                    d.approx,
                    cell(URL),
                    cell(ACCESSED),
                    cell(LANGUAGE),
                    cell(VIA),
                    cell(NOTES),
                    file_id,
                    line
                ])
            }
            Table::Actors => {
                use col::actors::*;
                self.actor
                    .execute(params![cell(ID), cell(NAME), cell(KIND), file_id, line])
            }
            Table::Events => {
                use col::events::*;
                let d = DateCols::of(row.derived.date);
                self.event.execute(params![
                    cell(ID),
                    cell(DATE),
                    ascii(&d.start),
                    ascii(&d.end),
                    d.precision,
                    d.kind,
                    d.uncertain,
                    d.approx,
                    cell(TITLE),
                    cell(DISPLAY_DATE),
                    cell(NOTES),
                    cell(LOCATION),
                    file_id,
                    line
                ])
            }
            Table::Figures => {
                use col::figures::*;
                let d = DateCols::of(row.derived.date);
                let [value, lower, upper] = row.derived.nums;
                self.figure.execute(params![
                    cell(ID),
                    cell(MEASURE),
                    cell(VALUE),
                    value,
                    cell(UNIT),
                    cell(QUALIFIER).unwrap_or("eq"),
                    cell(LOWER),
                    lower,
                    cell(UPPER),
                    upper,
                    cell(AREA),
                    cell(COUNTERPART),
                    cell(PERIOD),
                    ascii(&d.start),
                    ascii(&d.end),
                    d.precision,
                    d.kind,
                    d.uncertain,
                    d.approx,
                    cell(BASE),
                    cell(EVENT),
                    cell(NOTES),
                    file_id,
                    line
                ])
            }
            Table::Citations => {
                use col::citations::*;
                self.citation.execute(params![
                    cell(SOURCE),
                    cell(EVENT),
                    cell(FIGURE),
                    cell(QUOTE),
                    cell(LOCATOR),
                    cell(RELATION).unwrap_or("supports"),
                    file_id,
                    line
                ])
            }
        };
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                let id = cell(col::ID).unwrap_or("");
                problems.add(info, rec.line, self.duplicate(table, layout, id)?);
                return Ok(());
            }
            Err(rusqlite::Error::SqliteFailure(e, msg))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                problems.add(
                    info,
                    rec.line,
                    Finding {
                        column: 1,
                        what: "the database refused the row".into(),
                        found: msg.unwrap_or_else(|| e.to_string()),
                        fix: "please report this: the loader's checks should have explained it"
                            .into(),
                    },
                );
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        self.children(table, layout, rec, file_id, line)?;
        Ok(())
    }

    /// Join rows and the inline citation of a row just inserted.
    fn children(
        &mut self,
        table: Table,
        layout: &Layout,
        rec: &Record,
        file_id: i64,
        line: i64,
    ) -> Result<()> {
        let cell = |c: usize| layout.cell(rec, c);
        match table {
            Table::Actors => {
                use col::actors::*;
                if let Some(aliases) = cell(ALIASES) {
                    for (i, alias) in check::elements(aliases).enumerate() {
                        self.alias.execute(params![cell(ID), alias, i as i64 + 1])?;
                    }
                }
            }
            Table::Events => {
                use col::events::*;
                let id = cell(ID);
                for (column, stmt) in [(ACTORS, &mut self.event_actor), (TAGS, &mut self.event_tag)]
                {
                    if let Some(list) = cell(column) {
                        for (i, element) in check::elements(list).enumerate() {
                            stmt.execute(params![id, element, i as i64 + 1])?;
                        }
                    }
                }
                self.citation.execute(params![
                    cell(SOURCE),
                    id,
                    None::<&str>,
                    cell(QUOTE),
                    cell(LOCATOR),
                    "supports",
                    file_id,
                    line
                ])?;
            }
            Table::Figures => {
                use col::figures::*;
                self.citation.execute(params![
                    cell(SOURCE),
                    None::<&str>,
                    cell(ID),
                    cell(QUOTE),
                    cell(LOCATOR),
                    "supports",
                    file_id,
                    line
                ])?;
            }
            Table::Sources | Table::Citations => {}
        }
        Ok(())
    }

    fn duplicate(&self, table: Table, layout: &Layout, id: &str) -> Result<Finding> {
        let first: Option<(String, i64)> = self
            .conn
            .query_row(
                &format!(
                    "SELECT f.path, t.csv_line FROM {} t JOIN load_files f ON f.id = t.csv_file WHERE t.id = ?1",
                    table.name()
                ),
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let found = match first {
            Some((path, line)) => format!("{}, first defined at {path}:{line}", check::quoted(id)),
            None => check::quoted(id),
        };
        Ok(Finding {
            column: layout.position(col::ID),
            what: format!("duplicate {} id", table.noun()),
            found,
            fix: format!(
                "give each {} its own id, or delete the repeated row",
                table.noun()
            ),
        })
    }
}

/// A reference from a CSV column to the ids of a table.
struct Reference {
    /// The CSV column that holds the reference, in whichever file the row came from.
    column: &'static str,
    parent: Table,
    /// Rows with a dangling reference: (csv_file, csv_line, value).
    sql: &'static str,
}

const REFERENCES: &[Reference] = &[
    Reference {
        column: "issuer",
        parent: Table::Actors,
        sql: "SELECT csv_file, csv_line, issuer FROM sources c WHERE issuer IS NOT NULL AND {missing:issuer}",
    },
    Reference {
        column: "via",
        parent: Table::Sources,
        sql: "SELECT csv_file, csv_line, via FROM sources c WHERE via IS NOT NULL AND {missing:via}",
    },
    Reference {
        column: "actors",
        parent: Table::Actors,
        sql: "SELECT e.csv_file, e.csv_line, c.actor FROM event_actors c JOIN events e ON e.id = c.event \
              WHERE {missing:actor}",
    },
    Reference {
        column: "area",
        parent: Table::Actors,
        sql: "SELECT csv_file, csv_line, area FROM figures c WHERE area IS NOT NULL AND {missing:area}",
    },
    Reference {
        column: "counterpart",
        parent: Table::Actors,
        sql: "SELECT csv_file, csv_line, counterpart FROM figures c WHERE counterpart IS NOT NULL AND {missing:counterpart}",
    },
    Reference {
        column: "base",
        parent: Table::Figures,
        sql: "SELECT csv_file, csv_line, base FROM figures c WHERE base IS NOT NULL AND {missing:base}",
    },
    Reference {
        column: "event",
        parent: Table::Events,
        sql: "SELECT csv_file, csv_line, event FROM figures c WHERE event IS NOT NULL AND {missing:event}",
    },
    // Citations come from three files (inline in events.csv and figures.csv, and
    // citations.csv); each names its source in a column called source.
    Reference {
        column: "source",
        parent: Table::Sources,
        sql: "SELECT csv_file, csv_line, source FROM citations c WHERE {missing:source}",
    },
    Reference {
        column: "event",
        parent: Table::Events,
        sql: "SELECT csv_file, csv_line, event FROM citations c WHERE event IS NOT NULL AND {missing:event}",
    },
    Reference {
        column: "figure",
        parent: Table::Figures,
        sql: "SELECT csv_file, csv_line, figure FROM citations c WHERE figure IS NOT NULL AND {missing:figure}",
    },
];

impl Reference {
    /// The query, with `{missing:col}` spelled out: no row of the parent has that id,
    /// and no refused row had it either.
    fn query(&self) -> String {
        let (before, rest) = self.sql.split_once("{missing:").unwrap_or((self.sql, ""));
        let (column, after) = rest.split_once('}').unwrap_or(("", ""));
        let parent = self.parent.name();
        format!(
            "{before}NOT EXISTS (SELECT 1 FROM main.{parent} p WHERE p.id = c.{column}) \
             AND NOT EXISTS (SELECT 1 FROM temp.invalid_ids i WHERE i.tbl = '{parent}' AND i.id = c.{column}){after}"
        )
    }
}

/// Finds, for a row stored with its `csv_file`, the file it came from and where a
/// named column sits in it.
struct Files<'a> {
    by_id: HashMap<i64, &'a FileInfo>,
}

impl<'a> Files<'a> {
    fn new(files: &'a [Arc<FileInfo>], file_ids: &[i64]) -> Self {
        Files {
            by_id: file_ids
                .iter()
                .copied()
                .zip(files.iter().map(|f| &**f))
                .collect(),
        }
    }

    fn at(&self, file_id: i64, column: &str) -> Option<(&'a FileInfo, usize)> {
        let info = *self.by_id.get(&file_id)?;
        let layout = &info.layout;
        let c = layout
            .table
            .columns()
            .iter()
            .position(|c| c.name == column)?;
        Some((info, layout.position(c)))
    }
}

/// The checks that need every row: references, loops, shared aliases.
fn cross_checks(
    conn: &Connection,
    files: &[Arc<FileInfo>],
    file_ids: &[i64],
    problems: &mut Collector,
) -> Result<()> {
    let files = Files::new(files, file_ids);
    for r in REFERENCES {
        let mut stmt = conn.prepare(&r.query())?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (file_id, line, value): (i64, i64, String) =
                (row.get(0)?, row.get(1)?, row.get(2)?);
            let Some((info, column)) = files.at(file_id, r.column) else {
                continue;
            };
            let noun = r.parent.noun();
            let near: Option<String> = if problems.shown.len() < PROBLEM_CAP {
                conn.query_row(
                    &format!(
                        "SELECT id FROM {} WHERE id = ?1 COLLATE NOCASE LIMIT 1",
                        r.parent.name()
                    ),
                    [&value],
                    |r| r.get(0),
                )
                .optional()?
            } else {
                None
            };
            let fix = match near {
                Some(n) => format!("ids are case-sensitive: did you mean {n}?"),
                None => format!(
                    "add a row with this id to {}, or correct the id",
                    r.parent.file_name()
                ),
            };
            let what = if r.column == "actors" {
                format!("unknown {noun} in actors")
            } else {
                format!("unknown {noun}")
            };
            problems.add(
                info,
                line as u64,
                Finding {
                    column,
                    what,
                    found: check::quoted(&value),
                    fix,
                },
            );
        }
    }
    loops(conn, Table::Sources, "via", &files, problems)?;
    loops(conn, Table::Figures, "base", &files, problems)?;
    shared_aliases(conn, &files, problems)?;
    Ok(())
}

/// Reports every row that lies on a loop of `column` references (a source known via
/// a source known via the first one; a figure that is a share of its own share).
fn loops(
    conn: &Connection,
    table: Table,
    column: &str,
    files: &Files<'_>,
    problems: &mut Collector,
) -> Result<()> {
    let name = table.name();
    let sql = format!(
        "WITH RECURSIVE walk(start, cur, depth) AS (
           SELECT id, {column}, 1 FROM {name} WHERE {column} IS NOT NULL
           UNION ALL
           SELECT w.start, t.{column}, w.depth + 1 FROM walk w JOIN {name} t ON t.id = w.cur
           WHERE t.{column} IS NOT NULL AND w.cur <> w.start AND w.depth < 1000)
         SELECT DISTINCT t.csv_file, t.csv_line, t.id FROM walk w JOIN {name} t ON t.id = w.start
         WHERE w.cur = w.start ORDER BY t.csv_file, t.csv_line"
    );
    let mut stmt = conn.prepare(&sql)?;
    let found: Vec<(i64, i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut next = conn.prepare(&format!("SELECT {column} FROM {name} WHERE id = ?1"))?;
    for (file_id, line, id) in found {
        let Some((info, position)) = files.at(file_id, column) else {
            continue;
        };
        let mut chain = vec![id.clone()];
        let mut cur = id.clone();
        while let Some(n) = next
            .query_row([&cur], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten()
        {
            chain.push(n.clone());
            if n == id || chain.len() > 20 {
                break;
            }
            cur = n;
        }
        let (what, fix) = match table {
            Table::Sources => (
                "via leads back to this source",
                "via names the source this one was reported in; the chain must end at a source read first-hand",
            ),
            _ => (
                "base leads back to this figure",
                "base names the figure this one is a share of; a chain of bases must not loop",
            ),
        };
        problems.add(
            info,
            line as u64,
            Finding {
                column: position,
                what: what.into(),
                found: chain.join(" → "),
                fix: fix.into(),
            },
        );
    }
    Ok(())
}

/// Two actors may not share an alias: an alias is how a name in a source is resolved
/// to one actor.
fn shared_aliases(conn: &Connection, files: &Files<'_>, problems: &mut Collector) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT b.csv_file, b.csv_line, y.alias, x.actor, a.csv_line
         FROM actor_aliases x JOIN actor_aliases y ON x.alias = y.alias COLLATE NOCASE AND x.actor < y.actor
         JOIN actors a ON a.id = x.actor JOIN actors b ON b.id = y.actor
         ORDER BY b.csv_file, b.csv_line",
    )?;
    let rows: Vec<(i64, i64, String, String, i64)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (file_id, line, alias, other, other_line) in rows {
        let Some((info, column)) = files.at(file_id, "aliases") else {
            continue;
        };
        problems.add(
            info,
            line as u64,
            Finding {
                column,
                what: "alias already belongs to another actor".into(),
                found: format!(
                    "{}, also an alias of {other} on line {other_line}",
                    check::quoted(&alias)
                ),
                fix: "an alias must point at one actor; remove it from one of the two".into(),
            },
        );
    }
    Ok(())
}
