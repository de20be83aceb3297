//! The inserting side of a load: one thread, one transaction, prepared statements;
//! rows arrive already checked and numbered, and duplicates of an id are reported here,
//! where the primary key finds them.

use super::{Batch, Collector, FileInfo, InsertOutcome, Message, Row, recycle};
use crate::db::check::{self, Finding, Layout};
use crate::db::csvread::Record;
use crate::db::dates::Date;
use crate::db::spec::{Table, col};
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, Statement, params};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

/// The inserting thread: takes batches, inserts them, returns them for reuse.
pub(super) fn run(
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
                    recycle(batch, &back);
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
                 url, accessed, language, via, notes, csv_file, csv_line, rowid) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
            )?,
            actor: conn.prepare(
                "INSERT INTO actors (id, name, kind, csv_file, csv_line) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            alias: conn.prepare("INSERT INTO actor_aliases (actor, alias, position) VALUES (?1, ?2, ?3)")?,
            event: conn.prepare(
                "INSERT INTO events (id, date, date_start, date_end, date_precision, date_kind, date_uncertain, \
                 date_approx, title, display_date, notes, location, csv_file, csv_line, rowid) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?,
            event_actor: conn.prepare("INSERT INTO event_actors (event, actor, position) VALUES (?1, ?2, ?3)")?,
            event_tag: conn.prepare("INSERT INTO event_tags (event, tag, position) VALUES (?1, ?2, ?3)")?,
            figure: conn.prepare(
                "INSERT INTO figures (id, measure, value, value_norm, unit, qualifier, lower, lower_norm, upper, \
                 upper_norm, area, counterpart, period, period_start, period_end, period_precision, period_kind, \
                 period_uncertain, period_approx, base, event, notes, csv_file, csv_line, rowid) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
                 ?20, ?21, ?22, ?23, ?24, ?25)",
            )?,
            citation: conn.prepare(
                "INSERT INTO citations (source, event, figure, quote, locator, relation, csv_file, csv_line, id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                    line,
                    row.rowid
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
                    line,
                    row.rowid
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
                    line,
                    row.rowid
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
                    line,
                    row.rowid
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
        self.children(table, layout, rec, file_id, line, row.citation)?;
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
        citation: i64,
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
                    line,
                    citation
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
                    line,
                    citation
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
