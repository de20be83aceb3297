//! The inserting side of a load: one thread, one transaction, prepared statements;
//! rows arrive already checked and numbered, and duplicates of an id are reported here,
//! where the primary key finds them.

use super::documents::{Anchor, Read};
use super::{Batch, Collector, FileInfo, InsertOutcome, Message, Row, recycle};
use crate::db::check::{self, Finding, Layout, Parsed};
use crate::db::csvread::Record;
use crate::db::dates::Day;
use crate::db::spec::{Part, Store, Table};
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Statement, params};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

/// The inserting thread: takes batches, inserts them, returns them for reuse.
///
/// Rows go to the tables of `schema`: the archive's own (`main`), or, for an
/// incremental load, a staging copy from which they are merged once every row has
/// been read. The load history always goes to `main`; in an incremental load the
/// caller holds the transaction, so no other is begun here.
pub(super) fn run(
    conn: Connection,
    run_id: i64,
    schema: &'static str,
    rx: Receiver<Message>,
    back: Sender<Batch>,
) -> Result<(Connection, InsertOutcome)> {
    let mut out = InsertOutcome {
        problems: Collector::default(),
        tables: HashMap::new(),
    };
    let own = conn.is_autocommit();
    if own {
        conn.execute_batch("BEGIN")?;
    }
    {
        let mut ins = Inserter::new(&conn, schema)?;
        let mut current: Option<Arc<FileInfo>> = None;
        for msg in rx {
            match msg {
                Message::Start(info) => {
                    let stats = out.tables.entry(info.layout.table).or_default();
                    stats.files += 1;
                    stats.first.get_or_insert_with(Instant::now);
                    ins.position = info.order as i64 + 1;
                    current = Some(info);
                }
                Message::Rows(batch) => {
                    if let Some(info) = &current {
                        for row in &batch.rows[..batch.len] {
                            ins.row(info, row, &mut out.problems)?;
                        }
                    }
                    recycle(batch, &back);
                }
                Message::Document(read) => ins.document(run_id, &read)?,
                Message::End {
                    sha256,
                    bytes,
                    rows,
                    position,
                } => {
                    if let Some(info) = current.take() {
                        ins.input.execute(params![
                            run_id,
                            info.id,
                            position as i64,
                            sha256,
                            bytes as i64,
                            rows as i64,
                            info.encoding.name()
                        ])?;
                        let stats = out.tables.entry(info.layout.table).or_default();
                        stats.rows += rows;
                        stats.last = Some(Instant::now());
                    }
                }
            }
        }
    }
    if own {
        conn.execute_batch("COMMIT")?;
    }
    Ok((conn, out))
}

/// Where one parameter of an INSERT takes its value from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bind {
    /// A part of one of the row's columns: its text, or a value derived from it.
    Cell(usize, Part),
    /// The id of the row an inline citation belongs to.
    Owner,
    Fixed(&'static str),
    Null,
    /// `load_files.id` of the file the row came from.
    File,
    Line,
    /// The row's number from the reader.
    RowId,
    /// The number of the row's inline citation.
    CitationId,
}

/// An INSERT built from the column declarations, and where each of its parameters
/// comes from, in bind order.
struct Insert<'c> {
    stmt: Statement<'c>,
    binds: Vec<Bind>,
}

/// The INSERT of a table's own rows: every part of every column it stores, then
/// where the row came from and its number.
fn row_sql(table: Table, schema: &str) -> (String, Vec<Bind>) {
    let mut names = Vec::new();
    let mut binds = Vec::new();
    for (i, column) in table.columns().iter().enumerate() {
        if column.store != Store::Column {
            continue;
        }
        for &part in column.parts() {
            names.push(format!("{}{}", column.name, part.suffix()));
            binds.push(Bind::Cell(i, part));
        }
    }
    names.extend(["csv_file", "csv_line", table.rowid_column()].map(String::from));
    binds.extend([Bind::File, Bind::Line, Bind::RowId]);
    let params: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {schema}.{} ({}) VALUES ({})",
        table.name(),
        names.join(", "),
        params.join(", ")
    );
    (sql, binds)
}

/// The INSERT of the inline citation of a row of `owner`: a row of `citations` whose
/// columns come from the owner's cited columns of the same name, whose owner column
/// (`event`, `figure`) is the owner's id, and whose other columns take their
/// defaults.
fn citation_sql(owner: Table, schema: &str) -> (String, Vec<Bind>) {
    let (sql, binds) = row_sql(Table::Citations, schema);
    let cited = Table::Citations.columns();
    let binds = binds
        .into_iter()
        .map(|b| match b {
            Bind::Cell(i, part) => {
                let name = cited[i].name;
                match owner
                    .columns()
                    .iter()
                    .position(|c| c.store == Store::Citation && c.name == name)
                {
                    Some(j) => Bind::Cell(j, part),
                    None if name == owner.noun() => Bind::Owner,
                    None => cited[i].default.map_or(Bind::Null, Bind::Fixed),
                }
            }
            Bind::RowId => Bind::CitationId,
            other => other,
        })
        .collect();
    (sql, binds)
}

/// The INSERTs of one table: its rows, the join rows of its lists, and its inline
/// citation.
struct Plan<'c> {
    row: Insert<'c>,
    /// For each list column, its position and the INSERT of one element.
    lists: Vec<(usize, Statement<'c>)>,
    citation: Option<Insert<'c>>,
}

impl<'c> Plan<'c> {
    fn new(conn: &'c Connection, table: Table, schema: &str) -> rusqlite::Result<Self> {
        let insert = |(sql, binds): (String, Vec<Bind>)| -> rusqlite::Result<Insert<'c>> {
            Ok(Insert {
                stmt: conn.prepare(&sql)?,
                binds,
            })
        };
        let mut lists = Vec::new();
        for (i, column) in table.columns().iter().enumerate() {
            if let Store::List {
                table: join,
                element,
            } = column.store
            {
                let sql = format!(
                    "INSERT INTO {schema}.{join} ({}, {element}, position) VALUES (?1, ?2, ?3)",
                    table.noun()
                );
                lists.push((i, conn.prepare(&sql)?));
            }
        }
        Ok(Plan {
            row: insert(row_sql(table, schema))?,
            lists,
            citation: if table.has_citation() {
                Some(insert(citation_sql(table, schema))?)
            } else {
                None
            },
        })
    }
}

/// A row as the binds see it.
struct Source<'a> {
    layout: &'a Layout,
    rec: &'a Record,
    parsed: &'a [Parsed],
    file_id: i64,
    rowid: i64,
    citation: i64,
    anchor: Option<&'a Anchor>,
}

impl Source<'_> {
    fn id(&self) -> Option<&str> {
        self.layout
            .table
            .id_index()
            .and_then(|c| self.layout.cell(self.rec, c))
    }
}

impl Insert<'_> {
    /// Binds every parameter from the row and runs the INSERT.
    fn execute(&mut self, row: &Source<'_>) -> rusqlite::Result<usize> {
        for (i, bind) in self.binds.iter().enumerate() {
            let at = i + 1;
            match *bind {
                Bind::Cell(c, part) => bind_part(&mut self.stmt, at, row, c, part)?,
                Bind::Owner => self.stmt.raw_bind_parameter(at, row.id())?,
                Bind::Fixed(text) => self.stmt.raw_bind_parameter(at, text)?,
                Bind::Null => self.stmt.raw_bind_parameter(at, rusqlite::types::Null)?,
                Bind::File => self.stmt.raw_bind_parameter(at, row.file_id)?,
                Bind::Line => self.stmt.raw_bind_parameter(at, row.rec.line as i64)?,
                Bind::RowId => self.stmt.raw_bind_parameter(at, row.rowid)?,
                Bind::CitationId => self.stmt.raw_bind_parameter(at, row.citation)?,
            }
        }
        self.stmt.raw_execute()
    }
}

/// Binds one part of a column: the text (or the column's default when the cell is
/// empty), or what was derived from it.
fn bind_part(
    stmt: &mut Statement<'_>,
    at: usize,
    row: &Source<'_>,
    c: usize,
    part: Part,
) -> rusqlite::Result<()> {
    let parsed = row.parsed.get(c).copied().unwrap_or_default();
    let date = parsed.date();
    let anchor = row.anchor;
    match part {
        Part::Text => {
            let column = &row.layout.table.columns()[c];
            match row.layout.cell(row.rec, c).or(column.default) {
                Some(text) => stmt.raw_bind_parameter(at, text),
                // An empty locator is filled in from where the document has the quote.
                None if column.computed() => {
                    stmt.raw_bind_parameter(at, anchor.map(Anchor::locator))
                }
                None => stmt.raw_bind_parameter(at, rusqlite::types::Null),
            }
        }
        Part::Start => bind_day(stmt, at, date.map(|d| d.start)),
        Part::End => bind_day(stmt, at, date.and_then(|d| d.end)),
        Part::Precision => stmt.raw_bind_parameter(at, date.map(|d| d.precision.as_str())),
        Part::Kind => stmt.raw_bind_parameter(at, date.map(|d| d.kind.as_str())),
        Part::Uncertain => stmt.raw_bind_parameter(at, date.map(|d| d.uncertain)),
        Part::Approx => stmt.raw_bind_parameter(at, date.map(|d| d.approx)),
        Part::Norm => stmt.raw_bind_parameter(at, parsed.value()),
        Part::Document => stmt.raw_bind_parameter(at, anchor.map(Anchor::document)),
        Part::Paragraph => stmt.raw_bind_parameter(at, anchor.and_then(|a| a.place.paragraph())),
        Part::From => stmt.raw_bind_parameter(at, anchor.map(|a| a.start as i64)),
        Part::To => stmt.raw_bind_parameter(at, anchor.map(|a| a.end as i64)),
        Part::Prefix => stmt.raw_bind_parameter(at, anchor.map(Anchor::prefix)),
        Part::Suffix => stmt.raw_bind_parameter(at, anchor.map(Anchor::suffix)),
        Part::Computed => stmt.raw_bind_parameter(at, anchor.is_some_and(|a| a.computed)),
    }
}

/// Binds a day as YYYY-MM-DD, or NULL.
fn bind_day(stmt: &mut Statement<'_>, at: usize, day: Option<Day>) -> rusqlite::Result<()> {
    let iso = day.map(Day::iso);
    stmt.raw_bind_parameter(at, iso.as_ref().and_then(|d| std::str::from_utf8(d).ok()))
}

/// The prepared statements of the inserting thread.
struct Inserter<'c> {
    conn: &'c Connection,
    schema: &'static str,
    input: Statement<'c>,
    fingerprint: Statement<'c>,
    document: [Statement<'c>; 5],
    /// The place in the load of the file being read, which its documents share.
    position: i64,
    plans: Vec<(Table, Plan<'c>)>,
    invalid: Statement<'c>,
}

impl<'c> Inserter<'c> {
    fn new(conn: &'c Connection, schema: &'static str) -> rusqlite::Result<Self> {
        Ok(Inserter {
            conn,
            schema,
            input: conn.prepare(
                "INSERT INTO main.load_inputs (run, file, position, sha256, bytes, rows, encoding, read) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)",
            )?,
            fingerprint: conn.prepare(&format!(
                "INSERT INTO {schema}.load_rows (row, line, hash) VALUES (?1, ?2, ?3)"
            ))?,
            // A document whose source is refused as a duplicate id is not stored twice;
            // the duplicate is reported when the source row is inserted.
            document: [
                conn.prepare("INSERT OR IGNORE INTO main.load_files (path, tbl) VALUES (?1, 'documents')")?,
                conn.prepare("SELECT id FROM main.load_files WHERE path = ?1")?,
                conn.prepare(
                    "INSERT OR IGNORE INTO main.load_inputs (run, file, position, sha256, bytes, rows, encoding, read) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)",
                )?,
                // Always the archive's own tables: an incremental load, which stages its
                // rows, never reads a document (see `incremental::documents_changed`).
                conn.prepare("INSERT OR IGNORE INTO main.documents (source, file, text) VALUES (?1, ?2, ?3)")?,
                conn.prepare("INSERT OR IGNORE INTO main.paragraphs (rowid, source, number, start, end, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?,
            ],
            position: 0,
            plans: Table::ALL
                .into_iter()
                .map(|t| Ok((t, Plan::new(conn, t, schema)?)))
                .collect::<rusqlite::Result<_>>()?,
            invalid: conn.prepare("INSERT OR IGNORE INTO temp.invalid_ids (tbl, id) VALUES (?1, ?2)")?,
        })
    }

    /// Stores a source's document: its file in the load history, its text, and its
    /// paragraphs under the rowids the reader gave them.
    fn document(&mut self, run_id: i64, read: &Read) -> Result<()> {
        let doc = &read.held.index.doc;
        let source = read.held.source.as_str();
        let [path, file_id, input, document, paragraph] = &mut self.document;
        path.execute([&read.label])?;
        let file: i64 = file_id.query_row([&read.label], |r| r.get(0))?;
        input.execute(params![
            run_id,
            file,
            self.position,
            read.sha256,
            read.bytes as i64,
            doc.paragraphs.len() as i64,
            read.encoding.name()
        ])?;
        document.execute(params![source, file, doc.text])?;
        for (i, p) in doc.paragraphs.iter().enumerate() {
            paragraph.execute(params![
                read.first_rowid + i as i64,
                source,
                p.number,
                p.start as i64,
                p.end as i64,
                p.text(doc)
            ])?;
        }
        Ok(())
    }

    fn row(&mut self, info: &FileInfo, row: &Row, problems: &mut Collector) -> Result<()> {
        let layout = &info.layout;
        let table = layout.table;
        let source = Source {
            layout,
            rec: &row.rec,
            parsed: &row.parsed,
            file_id: info.id,
            rowid: row.rowid,
            citation: row.citation,
            anchor: row.anchor.as_ref(),
        };
        if !row.valid {
            // Remember the id of a refused row, so that rows naming it are not also
            // reported as naming an unknown id.
            if let Some(id) = source.id().filter(|id| check::is_id(id)) {
                self.invalid.execute(params![table.name(), id])?;
            }
            return Ok(());
        }
        let Some((_, plan)) = self.plans.iter_mut().find(|(t, _)| *t == table) else {
            return Err(Error::Internal(format!("no INSERT for {}", table.name())));
        };
        match plan.row.execute(&source) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                let id = source.id().unwrap_or("");
                let finding = duplicate(self.conn, self.schema, table, layout, id)?;
                problems.add(info, row.rec.line, finding);
                return Ok(());
            }
            Err(rusqlite::Error::SqliteFailure(e, msg))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                problems.add(
                    info,
                    row.rec.line,
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
        // The join rows of the lists, and the inline citation.
        let id = source.id();
        for (c, stmt) in &mut plan.lists {
            if let Some(list) = layout.cell(&row.rec, *c) {
                for (i, element) in check::elements(list).enumerate() {
                    stmt.execute(params![id, element, i as i64 + 1])?;
                }
            }
        }
        if let Some(citation) = &mut plan.citation {
            citation.execute(&source)?;
        }
        self.fingerprint
            .execute(params![row.rowid, row.rec.line as i64, row.hash])?;
        Ok(())
    }
}

/// The finding for an id that an earlier row already defined, with where.
fn duplicate(
    conn: &Connection,
    schema: &str,
    table: Table,
    layout: &Layout,
    id: &str,
) -> Result<Finding> {
    let first: Option<(String, i64)> = conn
        .query_row(
            &format!(
                "SELECT f.path, t.csv_line FROM {schema}.{} t JOIN main.load_files f ON f.id = t.csv_file WHERE t.id = ?1",
                table.name()
            ),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(duplicate_finding(table, layout, id, first))
}

/// The finding for a row whose id an earlier row, at `first` (path and line), has.
pub(super) fn duplicate_finding(
    table: Table,
    layout: &Layout,
    id: &str,
    first: Option<(String, i64)>,
) -> Finding {
    let found = match first {
        Some((path, line)) => format!("{}, first defined at {path}:{line}", check::quoted(id)),
        None => check::quoted(id),
    };
    Finding {
        column: table.id_index().map_or(1, |c| layout.position(c)),
        what: format!("duplicate {} id", table.noun()),
        found,
        fix: format!(
            "give each {} its own id, or delete the repeated row",
            table.noun()
        ),
    }
}
