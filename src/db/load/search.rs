//! The full-text index, built on a thread of its own while the rows are inserted.
//!
//! SQLite lets one connection write a database at a time, and tokenizing every title,
//! note and quote costs about as much as inserting the rows. So the index is built in
//! a second database by a second thread, from the same batches the inserter gets, and
//! its tables are copied into the archive at the end. The index is external-content:
//! it stores no copy of the text, which it reads back through the `search_source`
//! view when a snippet is asked for; rowids that are unique across the five tables
//! (see `Row::rowid`) make that lookup an indexed one.
//!
//! The documents' paragraphs are indexed last, once every row is in. While rows are
//! read, the three threads keep both cores busy; once they are in, the load builds
//! its indexes on one core and the other would idle. Indexed there, the paragraphs
//! cost the load little time (the README's "Checking quotes against documents" has
//! the figures). So the thread runs on past the rows, and the load joins it only when
//! it needs the index ([`Indexer::finish`]).

use super::{Batch, Message, recycle};
use crate::db::spec::{Search, Store, Table};
use crate::error::{Error, Result};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::thread::{self, JoinHandle};

/// The in-memory term buffer FTS5 fills before writing a segment. The default (1 MiB)
/// writes many small segments that are then merged again and again; 8 MiB cuts most of
/// that work and keeps the whole load under 100 MiB (16 MiB measured no faster).
const HASH_SIZE: i64 = 8 << 20;

/// How many segments of one size FTS5 lets build up before merging them (its defaults
/// are 4 and 16). Each merge rewrites what it merges, so merging less often does less
/// work as the index grows: at a million events this cut the indexing thread's time
/// by a tenth, with no measurable cost to searches.
const AUTOMERGE: i64 = 8;
const CRISISMERGE: i64 = 32;

/// The tables FTS5 keeps an external-content index in.
const SHADOW_TABLES: [&str; 3] = ["search_data", "search_idx", "search_docsize"];

/// Opens the database the index is built in.
pub(super) fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .map_err(Error::sqlite(format!("cannot create {}", path.display())))?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA cache_size = -8192;",
    )?;
    conn.execute_batch(crate::db::search_table())
        .map_err(Error::sqlite("cannot create the search index"))?;
    for (setting, value) in [
        ("hashsize", HASH_SIZE),
        ("automerge", AUTOMERGE),
        ("crisismerge", CRISISMERGE),
    ] {
        conn.execute(
            "INSERT INTO search (search, rank) VALUES (?1, ?2)",
            rusqlite::params![setting, value],
        )?;
    }
    Ok(conn)
}

/// The indexing thread, which runs on after the rows are in. Dropped before it is
/// finished (a load that fails), it is told to stop and waited for, so that nothing
/// goes on writing to the index once the load has given up on it.
pub(super) struct Indexer {
    handle: Option<JoinHandle<Result<()>>>,
    stop: Arc<AtomicBool>,
}

impl Indexer {
    /// Starts the thread, which indexes what `rx` brings.
    pub(super) fn start(
        conn: Connection,
        rx: Receiver<Message>,
        back: Sender<Batch>,
    ) -> Result<Indexer> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let handle = thread::Builder::new()
            .name("dossier-search".into())
            .spawn(move || run(conn, rx, back, &stopped))
            .map_err(|e| Error::Internal(format!("cannot start the indexing thread: {e}")))?;
        Ok(Indexer {
            handle: Some(handle),
            stop,
        })
    }

    /// Waits for the index to be complete.
    pub(super) fn finish(mut self) -> Result<()> {
        self.handle
            .take()
            .ok_or_else(|| Error::Internal("the indexing thread was already joined".into()))?
            .join()
            .map_err(|_| Error::Internal("the indexing thread stopped unexpectedly".into()))?
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.stop.store(true, Ordering::Relaxed);
            // Its result is of no use to a load that has failed.
            let _ = handle.join();
        }
    }
}

/// The indexing thread: indexes the text of every valid row, then the paragraphs of
/// every document, unless told to stop; then closes the index's database, whose
/// memory the indexes' sorters may then use.
fn run(
    conn: Connection,
    rx: Receiver<Message>,
    back: Sender<Batch>,
    stop: &AtomicBool,
) -> Result<()> {
    conn.execute_batch("BEGIN")?;
    {
        let mut insert =
            conn.prepare("INSERT INTO search (rowid, title, body) VALUES (?1, ?2, ?3)")?;
        let mut add =
            |rowid: i64, title: Option<&str>, body: Option<&str>| -> rusqlite::Result<()> {
                if title.is_some() || body.is_some() {
                    insert.execute(rusqlite::params![rowid, title, body])?;
                }
                Ok(())
            };
        let mut current = None;
        let mut documents = Vec::new();
        for msg in rx {
            match msg {
                Message::Start(info) => {
                    let fields = Indexed::of(info.layout.table);
                    current = Some((info, fields));
                }
                Message::Rows(batch) => {
                    if let Some((info, fields)) = &current {
                        let layout = &info.layout;
                        for row in batch.rows[..batch.len].iter().filter(|r| r.valid) {
                            let cell = |c: Option<usize>| c.and_then(|c| layout.cell(&row.rec, c));
                            add(row.rowid, cell(fields.title), cell(fields.body))?;
                            if let Some(quote) = fields.cited {
                                add(row.citation, None, layout.cell(&row.rec, quote))?;
                            }
                        }
                    }
                    recycle(batch, &back);
                }
                Message::Document(read) => documents.push(read),
                Message::End { .. } => {}
            }
        }
        // Their rowids come before the rows' (see `reader`), so FTS5 starts a new
        // segment here, once; within them they grow.
        for read in documents {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let doc = &read.held.index.doc;
            for (i, p) in doc.paragraphs.iter().enumerate() {
                add(read.first_rowid + i as i64, None, Some(p.text(doc)))?;
            }
        }
    }
    conn.execute_batch("COMMIT")?;
    conn.close().map_err(|(_, e)| Error::from(e))
}

/// The columns of a table whose text the index holds, as the declarations mark them.
struct Indexed {
    /// Searched first, under the row's own number.
    title: Option<usize>,
    /// Searched second, under the row's own number.
    body: Option<usize>,
    /// The inline citation's searched text, under the citation's number.
    cited: Option<usize>,
}

impl Indexed {
    fn of(table: Table) -> Self {
        let find = |search: Search, store: Store| {
            table
                .columns()
                .iter()
                .position(|c| c.search == search && c.store == store)
        };
        Indexed {
            title: find(Search::Title, Store::Column),
            body: find(Search::Body, Store::Column),
            cited: find(Search::Body, Store::Citation),
        }
    }
}

/// Copies the finished index into the archive, whose `search` table is empty.
pub(super) fn copy_into(main: &Connection, index: &Path) -> Result<()> {
    let copy = || -> rusqlite::Result<()> {
        main.execute("ATTACH DATABASE ?1 AS built", [super::uri(index)])?;
        for table in SHADOW_TABLES {
            main.execute_batch(&format!(
                "DELETE FROM main.{table}; INSERT INTO main.{table} SELECT * FROM built.{table};"
            ))?;
        }
        main.execute_batch("DETACH DATABASE built")
    };
    copy().map_err(Error::sqlite(
        "cannot copy the search index into the archive",
    ))
}
