//! Incremental loads give the archive a full rebuild gives: random edits, additions,
//! removals and moves of rows across the seed's files, loaded in place into one copy
//! of an archive and rebuilt with --full from another, compare equal table by table
//! (the load history but for its clock and the way the load went) and search by
//! search. Edits that make the files wrong must be refused with the same problems.

use crate::common::{Env, repo, waiting_out_locks};
use dossier::db::load::{self, Input, Mode, Options, Progress};
use proptest::prelude::*;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use std::fs;
use std::path::Path;

struct Quiet;
impl Progress for Quiet {}

const FILES: [&str; 5] = [
    "sources.csv",
    "actors.csv",
    "events.csv",
    "figures.csv",
    "citations.csv",
];

/// Columns whose text can change freely without making a row wrong, by file.
fn free_text(file: &str) -> &'static [&'static str] {
    match file {
        "sources.csv" => &["title", "author", "outlet", "notes"],
        "actors.csv" => &["name"],
        "events.csv" => &[
            "title",
            "notes",
            "location",
            "display_date",
            "quote",
            "locator",
        ],
        "figures.csv" => &["measure", "notes", "quote", "locator"],
        _ => &["quote", "locator"],
    }
}

/// Words the edits write and the searches look for.
const WORDS: &[&str] = &[
    "coal",
    "sanctions",
    "wheat",
    "talks",
    "pipeline",
    "envoy",
    "Russia",
];

#[derive(Clone, Debug)]
enum Op {
    /// Sets a free-text cell to some words.
    Text {
        file: usize,
        row: usize,
        column: usize,
        words: Vec<usize>,
    },
    /// Empties a free-text cell: a quote is then missing, and a locator is filled in
    /// from the document or, with none, missing too.
    Clear {
        file: usize,
        row: usize,
        column: usize,
    },
    /// Gives an event another valid date.
    Date {
        row: usize,
        date: usize,
    },
    /// Copies a row, with a new id, to another place in its file.
    Copy {
        file: usize,
        row: usize,
        to: usize,
    },
    Remove {
        file: usize,
        row: usize,
    },
    Move {
        file: usize,
        row: usize,
        to: usize,
    },
    /// Adds a line break inside an event's notes, which moves the lines after it.
    Break {
        row: usize,
    },
    /// Gives an event an actor no file defines.
    UnknownActor {
        row: usize,
    },
    /// Adds a paragraph of words at the end of the seed's document, when it has one.
    Document {
        words: Vec<usize>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let file = 0usize..5;
    prop_oneof![
        4 => (file.clone(), any::<usize>(), any::<usize>(), prop::collection::vec(0..WORDS.len(), 1..4))
            .prop_map(|(file, row, column, words)| Op::Text { file, row, column, words }),
        1 => (file.clone(), any::<usize>(), any::<usize>()).prop_map(|(file, row, column)| Op::Clear { file, row, column }),
        2 => (any::<usize>(), 0usize..6).prop_map(|(row, date)| Op::Date { row, date }),
        2 => (file.clone(), any::<usize>(), any::<usize>()).prop_map(|(file, row, to)| Op::Copy { file, row, to }),
        2 => (2usize..5, any::<usize>()).prop_map(|(file, row)| Op::Remove { file, row }),
        1 => (file.clone(), any::<usize>()).prop_map(|(file, row)| Op::Remove { file, row }),
        2 => (file, any::<usize>(), any::<usize>()).prop_map(|(file, row, to)| Op::Move { file, row, to }),
        1 => any::<usize>().prop_map(|row| Op::Break { row }),
        1 => any::<usize>().prop_map(|row| Op::UnknownActor { row }),
        1 => prop::collection::vec(0..WORDS.len(), 1..4).prop_map(|words| Op::Document { words }),
    ]
}

/// A CSV file as header and rows of cells.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let mut r = csv::Reader::from_path(path).expect("read the CSV");
        let header = r
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let rows = r
            .records()
            .map(|rec| rec.expect("record").iter().map(String::from).collect())
            .collect();
        Csv { header, rows }
    }

    fn write(&self, path: &Path) {
        let mut w = csv::Writer::from_path(path).expect("write the CSV");
        w.write_record(&self.header).expect("header");
        for row in &self.rows {
            w.write_record(row).expect("row");
        }
        w.flush().expect("flush");
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The seed's document, as the sources.csv of the test folder names it.
const DOCUMENT: &str = "documents/nee-2017-pyongyang-russian-sentiment.txt";

fn apply(files: &mut [Csv], ops: &[Op], copies: &mut usize, document: Option<&Path>) {
    for op in ops {
        match op {
            Op::Text {
                file,
                row,
                column,
                words,
            } => {
                let f = &mut files[*file];
                let names = free_text(FILES[*file]);
                let Some(c) = f.column(names[column % names.len()]) else {
                    continue;
                };
                if f.rows.is_empty() {
                    continue;
                }
                let n = f.rows.len();
                f.rows[row % n][c] = words
                    .iter()
                    .map(|w| WORDS[*w])
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            Op::Clear { file, row, column } => {
                let f = &mut files[*file];
                let names = free_text(FILES[*file]);
                let Some(c) = f.column(names[column % names.len()]) else {
                    continue;
                };
                let n = f.rows.len();
                if n > 0 {
                    f.rows[row % n][c].clear();
                }
            }
            Op::Date { row, date } => {
                let f = &mut files[2];
                let c = f.column("date").expect("date");
                let n = f.rows.len();
                if n > 0 {
                    f.rows[row % n][c] = [
                        "2001",
                        "1999-05",
                        "2016-06-23",
                        "2014/2015",
                        "2017~",
                        "1990?",
                    ][*date]
                        .into();
                }
            }
            Op::Copy { file, row, to } => {
                let f = &mut files[*file];
                if f.rows.is_empty() {
                    continue;
                }
                let n = f.rows.len();
                let mut copy = f.rows[row % n].clone();
                if let Some(id) = f.column("id") {
                    *copies += 1;
                    copy[id] = format!("{}-copy{copies}", copy[id]);
                }
                // An alias belongs to one actor.
                if let Some(a) = f.column("aliases") {
                    copy[a].clear();
                }
                f.rows.insert(to % (n + 1), copy);
            }
            Op::Remove { file, row } => {
                let f = &mut files[*file];
                if !f.rows.is_empty() {
                    let n = f.rows.len();
                    f.rows.remove(row % n);
                }
            }
            Op::Move { file, row, to } => {
                let f = &mut files[*file];
                if !f.rows.is_empty() {
                    let n = f.rows.len();
                    let r = f.rows.remove(row % n);
                    f.rows.insert(to % n, r);
                }
            }
            Op::Break { row } => {
                let f = &mut files[2];
                let c = f.column("notes").expect("notes");
                let n = f.rows.len();
                if n > 0 {
                    f.rows[row % n][c].push_str("\nand more");
                }
            }
            Op::UnknownActor { row } => {
                let f = &mut files[2];
                let c = f.column("actors").expect("actors");
                let n = f.rows.len();
                if n > 0 {
                    f.rows[row % n][c] = "XXX".into();
                }
            }
            Op::Document { words } => {
                if let Some(path) = document {
                    let mut text = fs::read_to_string(path).expect("read the document");
                    let words: Vec<&str> = words.iter().map(|w| WORDS[*w]).collect();
                    text.push_str(&format!("\n{}.\n", words.join(" ")));
                    fs::write(path, text).expect("write the document");
                }
            }
        }
    }
}

fn load(target: &Path, folder: &Path, full: bool) -> Result<load::Report, String> {
    let inputs: Vec<Input> =
        load::discover(&[folder.to_path_buf()], Default::default()).map_err(|e| e.to_string())?;
    let opts = Options {
        target: target.to_path_buf(),
        inputs,
        described: "test".into(),
        dry_run: false,
        full,
        scratch: None,
    };
    waiting_out_locks(
        || load::run(&opts, &Quiet),
        |r| matches!(r, Err(dossier::error::Error::Locked { .. })),
    )
    .map_err(|e| e.to_string())
}

/// Every row of every table but the full-text index's own, in a fixed order; the load
/// history without its clock and without how each load went about it.
fn contents(path: &Path) -> Vec<(String, Vec<Vec<Value>>)> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let mut names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'search%' ORDER BY name")
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<rusqlite::Result<_>>()
        .expect("tables");
    names.retain(|n| !n.starts_with("sqlite_"));
    assert!(names.len() >= 15, "{names:?}");
    names
        .into_iter()
        .map(|name| {
            let columns: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .expect("columns")
                .query_map([&name], |r| r.get(0))
                .expect("columns")
                .collect::<rusqlite::Result<_>>()
                .expect("columns");
            let kept: Vec<String> = columns
                .iter()
                .filter(|c| {
                    !matches!(
                        (name.as_str(), c.as_str()),
                        ("load_runs", "started" | "finished" | "mode") | ("load_inputs", "read")
                    )
                })
                .map(|c| format!("\"{c}\""))
                .collect();
            let without_rowid = conn
                .query_row(
                    "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE name = ?1",
                    [&name],
                    |r| r.get::<_, bool>(0),
                )
                .expect("kind");
            let order = if without_rowid { "1, 2, 3" } else { "rowid" };
            let rowid = if without_rowid { "NULL" } else { "rowid" };
            let sql = format!(
                "SELECT {rowid}, {} FROM \"{name}\" ORDER BY {order}",
                kept.join(", ")
            );
            let n = kept.len() + 1;
            let rows = conn
                .prepare(&sql)
                .expect("select")
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .expect("rows")
                .collect::<rusqlite::Result<Vec<Vec<Value>>>>()
                .expect("rows");
            (name, rows)
        })
        .collect()
}

/// What each search finds, best first, with its rank.
fn searches(path: &Path) -> Vec<Vec<(i64, String)>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let mut stmt = conn
        .prepare("SELECT rowid, rank FROM search WHERE search MATCH ?1 ORDER BY rank, rowid")
        .expect("search");
    WORDS
        .iter()
        .chain(&["Korea", "trade", "more", "Moscow OR Pyongyang"])
        .map(|q| {
            stmt.query_map([q], |r| {
                Ok((r.get(0)?, format!("{:.9}", r.get::<_, f64>(1)?)))
            })
            .expect("search")
            .collect::<rusqlite::Result<_>>()
            .expect("search")
        })
        .collect()
}

/// The full-text index agrees with the rows it indexes.
fn search_is_sound(path: &Path) {
    let conn = Connection::open(path).expect("open");
    conn.execute(
        "INSERT INTO search (search, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the search index matches its rows");
}

/// The seed's files in `folder`: with its document, or with sources.csv naming none,
/// so that every quote goes unchecked.
fn seed_files(folder: &Path, with_document: bool) -> Vec<Csv> {
    let mut files: Vec<Csv> = FILES
        .iter()
        .map(|f| Csv::read(&repo().join("seed").join(f)))
        .collect();
    let _ = fs::remove_dir_all(folder.join("documents"));
    if with_document {
        fs::create_dir_all(folder.join("documents")).expect("mkdir");
        fs::copy(repo().join("seed").join(DOCUMENT), folder.join(DOCUMENT)).expect("copy");
    } else {
        let c = files[0].column("document").expect("document");
        for row in &mut files[0].rows {
            row[c].clear();
        }
    }
    files
}

fn write_all(files: &[Csv], folder: &Path) {
    for (f, name) in files.iter().zip(FILES) {
        f.write(&folder.join(name));
    }
}

/// Loads the seed, changed by `first`, then changes it by `ops` and loads the result
/// in place into one copy of that archive and with --full into another: the two must
/// be the same archive, or fail with the same problems.
fn same_as_a_rebuild(first: &[Op], ops: &[Op], with_document: bool) -> Result<(), TestCaseError> {
    let env = Env::new();
    let folder = env.path("data");
    fs::create_dir_all(&folder).expect("mkdir");
    let document = with_document.then(|| folder.join(DOCUMENT));
    let mut files = seed_files(&folder, with_document);
    let mut copies = 0;
    // An archive built from the seed (perhaps changed a little, by a load that must succeed).
    write_all(&files, &folder);
    let before = env.path("before.db");
    load(&before, &folder, true).expect("the seed loads");
    apply(&mut files, first, &mut copies, document.as_deref());
    write_all(&files, &folder);
    if load(&before, &folder, false).is_err() {
        // That first change was not valid; start from the seed alone.
        let _ = fs::remove_file(&before);
        files = seed_files(&folder, with_document);
        write_all(&files, &folder);
        load(&before, &folder, true).expect("the seed loads");
    }
    // The same change, loaded in place into one copy and rebuilt into another.
    let sources = fs::read(folder.join("sources.csv")).expect("read");
    let text = document.as_ref().map(|d| fs::read(d).expect("read"));
    apply(&mut files, ops, &mut copies, document.as_deref());
    write_all(&files, &folder);
    let sources_changed = fs::read(folder.join("sources.csv")).expect("read") != sources;
    let text_changed = document.as_ref().map(|d| fs::read(d).expect("read")) != text;
    let (inc, full) = (env.path("incremental.db"), env.path("full.db"));
    fs::copy(&before, &inc).expect("copy");
    fs::copy(&before, &full).expect("copy");
    let a = load(&inc, &folder, false);
    let b = load(&full, &folder, true);
    match (&a, &b) {
        (Ok(ra), Ok(rb)) if ra.mode == Mode::Unchanged => {
            // Nothing changed: the archive is left as it was, which is what a
            // rebuild makes of it but for one more line of history.
            prop_assert_eq!(
                fs::read(&inc).expect("read"),
                fs::read(&before).expect("read")
            );
            prop_assert!(
                rb.changes.as_ref().is_some_and(|c| c.is_empty()),
                "{:?}",
                rb.changes
            );
        }
        (Ok(ra), Ok(rb)) => {
            if with_document && (sources_changed || text_changed) {
                // A changed document rebuilds, and so does a changed sources.csv
                // beside documents, which may give a source another; each says why.
                prop_assert_eq!(ra.mode, Mode::Full);
                prop_assert!(ra.rebuilt_because.is_some());
            } else {
                prop_assert_eq!(ra.mode, Mode::Incremental);
            }
            prop_assert_eq!(rb.mode, Mode::Full);
            prop_assert_eq!(&ra.changes, &rb.changes);
            prop_assert_eq!(ra.quotes, rb.quotes);
            let (ca, cb) = (contents(&inc), contents(&full));
            for ((name, rows_a), (_, rows_b)) in ca.iter().zip(&cb) {
                prop_assert_eq!(rows_a, rows_b, "table {}", name);
            }
            prop_assert_eq!(searches(&inc), searches(&full));
            search_is_sound(&inc);
        }
        (Err(ea), Err(eb)) => {
            prop_assert_eq!(ea, eb);
            // A refused load leaves the archive as it was.
            prop_assert_eq!(
                fs::read(&inc).expect("read"),
                fs::read(&before).expect("read")
            );
        }
        _ => prop_assert!(
            false,
            "incremental: {:?}\nfull: {:?}",
            a.map(|r| r.mode),
            b.map(|r| r.mode)
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

    #[test]
    fn an_incremental_load_gives_the_archive_a_full_rebuild_gives(
        first in prop::collection::vec(op(), 0..3),
        ops in prop::collection::vec(op(), 1..8),
    ) {
        same_as_a_rebuild(&first, &ops, false)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    #[test]
    fn a_load_beside_a_document_gives_the_archive_a_full_rebuild_gives(
        first in prop::collection::vec(op(), 0..3),
        ops in prop::collection::vec(op(), 1..8),
    ) {
        same_as_a_rebuild(&first, &ops, true)?;
    }
}
