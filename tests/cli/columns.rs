//! Every declared column survives a load and an export. The files are generated from
//! the column declarations, with every optional column filled, so a column added to
//! a declaration is covered here without editing this test. Every source has a
//! document that holds the quotes that cite it, so that where each quote stands is
//! stored too.

use crate::common::Env;
use dossier::db::spec::{Check, Column, Part, Store, Table};
use rusqlite::types::Value;

/// Rows per file: enough for a reference chain that ends (via, base) and for every
/// column of a pair (a citation's event or figure) to be filled somewhere.
const ROWS: usize = 3;

fn id(table: Table, row: usize) -> String {
    format!("{}-{}", table.noun(), row + 1)
}

/// A valid, non-empty cell for a column of row `row`, or an empty one where the
/// rules between rows or cells need it: a chain of references to the same table ends
/// at the last row, and a row fills one column of a pair that must not both be set.
fn sample(table: Table, column: &Column, row: usize) -> String {
    let pair = table.exactly_one_of();
    if let Some(i) = pair.iter().position(|n| *n == column.name)
        && row % pair.len() != i
    {
        return String::new();
    }
    let n = row + 1;
    match column.check {
        Check::Id => id(table, row),
        Check::Ref(t) if t == table && row + 1 == ROWS => String::new(),
        Check::Ref(t) if t == table => id(t, row + 1),
        Check::Ref(t) => id(t, row),
        Check::RefList(t) => format!("{};{}", id(t, (row + 1) % ROWS), id(t, row)),
        Check::Line => format!("{} {} {n}, “curly”, 'straight'", table.noun(), column.name),
        Check::Title => format!("Title of {} {n}", table.noun()),
        Check::Text => format!("{} line one, {n}\nline two with \"quotes\"", column.name),
        Check::Quote => format!("“We said,” row {n} of {}: \"verbatim\"", table.name()),
        Check::Date => ["2017-06-23", "2014/2015-03", "[2016..2017-06-23]"][row % 3].into(),
        Check::Day => format!("2017-06-2{n}"),
        Check::Value => ["5.7 billion", "1.3", "400 thousand"][row % 3].into(),
        Check::Unit => ["USD", "percent", "t"][row % 3].into(),
        // Not the default, so a default cannot pass for the value.
        Check::Qualifier => "range".into(),
        Check::Relation => "disputes".into(),
        Check::SourceKind => "statement".into(),
        Check::ActorKind => "person".into(),
        Check::Language => "ko".into(),
        Check::Url => format!("https://example.org/{n}?a=1&b=2"),
        Check::Locator => "para 1".into(),
        Check::Document => document(row),
        Check::Tags => format!("tag-{n};shared"),
        Check::Aliases => format!("alias {n};other name {n}"),
    }
}

/// The document of source `row`, as sources.csv names it.
fn document(row: usize) -> String {
    format!("documents/{}.txt", id(Table::Sources, row))
}

/// The text of source `row`'s document: a title block, then one paragraph with the
/// quote of the row of each table that cites it (row `row` of each file).
fn document_text(row: usize) -> String {
    let quotes: Vec<String> = Table::ALL
        .iter()
        .filter_map(|&t| {
            let c = t.columns().iter().find(|c| c.check == Check::Quote)?;
            Some(sample(t, c, row))
        })
        .collect();
    format!(
        "Source {}\nBy someone\n\n{}\n",
        row + 1,
        quotes.join(" And then:\n")
    )
}

fn cells(table: Table, row: usize) -> Vec<String> {
    table
        .columns()
        .iter()
        .map(|c| sample(table, c, row))
        .collect()
}

/// The line each row starts on: cells with line breaks make rows span lines.
fn lines(table: Table) -> Vec<i64> {
    let mut line = 2;
    (0..ROWS)
        .map(|row| {
            let start = line;
            line += 1 + cells(table, row)
                .iter()
                .map(|c| c.matches('\n').count() as i64)
                .sum::<i64>();
            start
        })
        .collect()
}

fn write(env: &Env, dir: &str) {
    std::fs::create_dir_all(env.path(dir)).expect("mkdir");
    for table in Table::ALL {
        let mut w = csv::Writer::from_path(env.path(&format!("{dir}/{}", table.file_name())))
            .expect("create");
        w.write_record(table.columns().iter().map(|c| c.name))
            .expect("header");
        for row in 0..ROWS {
            w.write_record(cells(table, row)).expect("row");
        }
        w.flush().expect("flush");
    }
    for row in 0..ROWS {
        env.write(&format!("{dir}/{}", document(row)), document_text(row));
    }
}

/// The values of a column's database columns for the row at `line` of a table's file.
fn stored(db: &rusqlite::Connection, table: Table, column: &Column, line: i64) -> Vec<Value> {
    let from_file = "csv_line = ?1 AND csv_file IN (SELECT id FROM load_files WHERE tbl = ?2)";
    let one = |sql: String| -> Value {
        db.query_row(&sql, rusqlite::params![line, table.name()], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    column
        .fills(table)
        .into_iter()
        .map(|f| match column.store {
            // The inline citation comes from the same file and line as its row.
            Store::Column | Store::Citation => one(format!(
                "SELECT {} FROM {} WHERE {from_file}",
                f.name, f.table
            )),
            Store::List {
                table: join,
                element,
            } => one(format!(
                "SELECT group_concat({element}, ';') FROM (SELECT {element} FROM {join} \
                 WHERE {} = (SELECT id FROM {} WHERE {from_file}) ORDER BY position)",
                table.noun(),
                table.name()
            )),
        })
        .collect()
}

#[test]
fn every_declared_column_is_stored_and_exported_back() {
    let env = Env::new();
    write(&env, "in");
    let run = env.run(&["load", "in"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = env.db("dossier.db");
    for table in Table::ALL {
        let lines = lines(table);
        for column in table.columns() {
            let mut filled = 0;
            for (row, &line) in lines.iter().enumerate() {
                let cell = sample(table, column, row);
                if cell.is_empty() {
                    continue;
                }
                filled += 1;
                let values = stored(&db, table, column, line);
                let where_ = format!("{}.{} of row {}", table.name(), column.name, row + 1);
                for (f, value) in column.fills(table).iter().zip(&values) {
                    assert_ne!(
                        *value,
                        Value::Null,
                        "{where_}: {}.{} is NULL",
                        f.table,
                        f.name
                    );
                    if f.part == Part::Text {
                        assert_eq!(*value, Value::Text(cell.clone()), "{where_}");
                    }
                }
            }
            assert!(
                filled > 0,
                "{}.{}: no row fills it",
                table.name(),
                column.name
            );
        }
    }
    let run = env.run(&["export", "--dir", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for table in Table::ALL {
        let read = |dir: &str| -> Vec<csv::StringRecord> {
            let mut r = csv::Reader::from_path(env.path(&format!("{dir}/{}", table.file_name())))
                .expect("open");
            let header = r.headers().expect("header").clone();
            std::iter::once(Ok(header))
                .chain(r.records())
                .collect::<Result<_, _>>()
                .expect("records")
        };
        assert_eq!(read("out"), read("in"), "{}", table.file_name());
    }
    for row in 0..ROWS {
        let doc = document(row);
        assert_eq!(
            env.bytes(&format!("out/{doc}")),
            env.bytes(&format!("in/{doc}")),
            "{doc}"
        );
    }
}
