//! Archives from the benchmark generator: deterministic, valid, and fully indexed.

use crate::archive::{self, Documents};
use crate::common::{Env, one, repo};
use dossier::db::spec::Table;

fn generate(env: &Env, dir: &str, events: u64, seed: u64) {
    generate_with(env, dir, events, seed, Documents::No);
}

fn generate_with(env: &Env, dir: &str, events: u64, seed: u64, documents: Documents) {
    archive::generate(&archive::Args {
        events,
        seed,
        out: env.path(dir),
        documents,
    })
    .expect("generate");
}

#[test]
fn the_generator_is_deterministic_from_its_seed() {
    let env = Env::new();
    generate(&env, "a", 500, 7);
    generate(&env, "b", 500, 7);
    generate(&env, "c", 500, 8);
    for file in [
        "sources.csv",
        "actors.csv",
        "events.csv",
        "figures.csv",
        "citations.csv",
    ] {
        assert_eq!(
            env.bytes(&format!("a/{file}")),
            env.bytes(&format!("b/{file}")),
            "{file}"
        );
    }
    assert_ne!(env.bytes("a/events.csv"), env.bytes("c/events.csv"));
}

#[test]
fn a_generated_archive_loads_with_a_consistent_search_index() {
    let env = Env::new();
    generate(&env, "big", 3000, 1);
    let run = env.run(&["load", "big"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = env.db("dossier.db");
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM events"), 3000);
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM figures"), 3000);
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM sources"), 30);
    assert_eq!(one::<String>(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(
        one::<i64>(&db, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    // Every form of date the generator writes was parsed.
    assert_eq!(
        one::<i64>(&db, "SELECT count(DISTINCT date_kind) FROM events"),
        3
    );
    assert_eq!(
        one::<i64>(&db, "SELECT count(DISTINCT date_precision) FROM events"),
        4
    );
    // The index built beside the inserts and copied in agrees with its content.
    let rw = rusqlite::Connection::open(env.path("dossier.db")).unwrap();
    rw.execute(
        "INSERT INTO search (search, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the search index matches search_source");
    drop(rw);
    // One entry per indexed row: every event, figure, source and citation.
    let indexed: i64 = one(&db, "SELECT count(*) FROM search_docsize");
    let expected: i64 = one(&db, "SELECT count(*) FROM search_source");
    assert_eq!(indexed, expected);
    let run = env.run(&[
        "search",
        "coal",
        "--format",
        "csv",
        "--no-header",
        "--limit",
        "5",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 5);
    assert!(
        run.stdout
            .lines()
            .all(|l| l.to_lowercase().contains("[coal]")),
        "{}",
        run.stdout
    );
}

#[test]
fn the_generator_writes_every_declared_column() {
    let env = Env::new();
    generate_with(&env, "g", 500, 3, Documents::Written);
    for table in Table::ALL {
        let mut reader = csv::Reader::from_path(env.path(&format!("g/{}", table.file_name())))
            .expect("generated file");
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(header.join(","), table.header(), "{}", table.file_name());
        let mut filled = vec![false; header.len()];
        for record in reader.records() {
            for (i, cell) in record.expect("record").iter().enumerate() {
                filled[i] |= !cell.is_empty();
            }
        }
        // A benchmark that never fills a column never measures what it costs.
        for (name, filled) in header.iter().zip(filled) {
            assert!(filled, "the generator never fills {}.{name}", table.name());
        }
    }
}

#[test]
fn the_shell_import_script_indexes_declared_columns() {
    // bench.py creates the shell's tables from the generated files' headers; the
    // script adds the indexes, which must name columns those tables have.
    let script = std::fs::read_to_string(repo().join("bench/shell-import.sql")).expect("script");
    let mut indexes = 0;
    for line in script.lines().filter(|l| l.starts_with("CREATE INDEX")) {
        let (_, rest) = line.split_once(" ON ").expect("ON");
        let (table, columns) = rest.split_once(" (").expect("columns");
        let table = Table::from_name(table).unwrap_or_else(|| panic!("{line}: no such file"));
        for column in columns.trim_end_matches(");").split(", ") {
            assert!(
                table.index(column).is_some(),
                "{line}: {column} is not a column of {}",
                table.file_name()
            );
        }
        indexes += 1;
    }
    assert!(indexes >= 10, "{indexes}");
    assert!(
        !script.lines().any(|l| l.starts_with("CREATE TABLE")),
        "bench.py creates the tables from the headers"
    );
}

#[test]
fn withholding_the_documents_leaves_the_same_archive_with_its_locators_filled_in() {
    // The benchmark compares the load with documents against this one: it must be the
    // same rows, less only the documents and what checking against them adds.
    let env = Env::new();
    generate_with(&env, "with", 2000, 5, Documents::Written);
    generate_with(&env, "without", 2000, 5, Documents::Withheld);
    assert!(env.path("with/documents").is_dir());
    assert!(!env.path("without/documents").exists());
    for (dir, db) in [("with", "with.db"), ("without", "without.db")] {
        let run = env.run(&["load", dir, "--db", db]);
        assert_eq!(run.code, 0, "{dir}: {}", run.stderr);
    }
    let with = env.db("with.db");
    let without = env.db("without.db");
    let verified = "SELECT count(*) FROM citations WHERE quote_document IS NOT NULL";
    assert!(one::<i64>(&with, verified) > 2000);
    assert_eq!(one::<i64>(&without, verified), 0);
    assert_eq!(one::<i64>(&without, "SELECT count(*) FROM documents"), 0);
    // Every row, with the locators a load with documents filled in written out.
    for sql in SAME_ROWS {
        let (a, b) = (rows(&with, sql), rows(&without, sql));
        assert!(a.len() >= 2000 / 100, "{sql}: {}", a.len());
        assert_eq!(a, b, "{sql}");
    }
    let computed = "SELECT count(*) FROM citations WHERE locator_computed";
    assert!(one::<i64>(&with, computed) > 0);
    assert_eq!(one::<i64>(&without, computed), 0);
}

/// What the archives the benchmark compares hold alike: every source, event, figure
/// and citation, less what a load works out from documents.
const SAME_ROWS: [&str; 4] = [
    "SELECT id, title, author, published, via FROM sources WHERE id NOT LIKE '%-text' ORDER BY id",
    "SELECT id, date, title, notes FROM events ORDER BY id",
    "SELECT id, measure, value, unit FROM figures ORDER BY id",
    "SELECT source, event, figure, quote, locator, relation FROM citations \
     ORDER BY event, figure, source, quote",
];

/// The rows a query gives, each cell as text (NULL as empty).
fn rows(db: &rusqlite::Connection, sql: &str) -> Vec<Vec<String>> {
    let mut stmt = db.prepare(sql).expect(sql);
    let width = stmt.column_count();
    stmt.query_map([], |r| {
        (0..width)
            .map(|i| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default))
            .collect()
    })
    .expect(sql)
    .collect::<Result<_, _>>()
    .expect(sql)
}

#[test]
fn documents_held_by_sources_nothing_cites_are_stored_and_indexed_but_check_no_quote() {
    // The benchmark tells what checking quotes costs by comparing the load with
    // documents against this one: the same documents, read, stored and indexed, and
    // the rows of the archive without documents, whose quotes are checked against
    // nothing.
    let env = Env::new();
    generate_with(&env, "with", 2000, 5, Documents::Written);
    generate_with(&env, "without", 2000, 5, Documents::Withheld);
    generate_with(&env, "unchecked", 2000, 5, Documents::Unchecked);
    let listed = |dir: &str| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(env.path(dir))
            .expect(dir)
            .map(|e| {
                let path = e.expect("entry").path();
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                (name, std::fs::read(&path).expect("document"))
            })
            .collect();
        files.sort();
        files
    };
    let documents = listed("with/documents");
    assert_eq!(documents.len(), 2000 / 100);
    assert_eq!(listed("unchecked/documents"), documents);
    for dir in ["with", "without", "unchecked"] {
        let run = env.run(&["load", dir, "--db", &format!("{dir}.db")]);
        assert_eq!(run.code, 0, "{dir}: {}", run.stderr);
    }
    let (with, without, unchecked) = (
        env.db("with.db"),
        env.db("without.db"),
        env.db("unchecked.db"),
    );
    for sql in SAME_ROWS {
        assert_eq!(rows(&unchecked, sql), rows(&without, sql), "{sql}");
    }
    for sql in [
        "SELECT text FROM documents ORDER BY text",
        "SELECT CAST(number AS TEXT), CAST(start AS TEXT), CAST(end AS TEXT), text \
         FROM paragraphs ORDER BY text, number",
    ] {
        let (a, b) = (rows(&unchecked, sql), rows(&with, sql));
        assert!(a.len() >= 2000 / 100, "{sql}: {}", a.len());
        assert_eq!(a, b, "{sql}");
    }
    // Each document is held by a source of its own, which nothing cites or reports.
    assert_eq!(
        one::<i64>(
            &unchecked,
            "SELECT count(*) FROM documents WHERE source LIKE '%-text'"
        ),
        2000 / 100
    );
    for sql in [
        "SELECT count(*) FROM citations WHERE source LIKE '%-text' OR quote_document IS NOT NULL",
        "SELECT count(*) FROM sources WHERE via LIKE '%-text'",
    ] {
        assert_eq!(one::<i64>(&unchecked, sql), 0, "{sql}");
    }
    // And its paragraphs are in the search index, as those of a cited source are.
    let found = "SELECT count(*) FROM search WHERE search MATCH 'body:sanctions' \
                 AND rowid IN (SELECT rowid FROM paragraphs)";
    assert!(one::<i64>(&with, found) > 0);
    assert_eq!(one::<i64>(&unchecked, found), one::<i64>(&with, found));
}
