//! The checks that need every row of every file: references to ids no file defines,
//! loops of `via` and of `base`, and aliases shared by two actors. They run in SQL
//! once the rows are in, and each finding is traced back to its file, line and column
//! through the row's `csv_file` and `csv_line`.

use super::{Collector, FileInfo, PROBLEM_CAP};
use crate::db::check::{self, Finding};
use crate::db::spec::{self, Reference, Table};
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Finds, for a row stored with its `csv_file`, the file it came from and where a
/// named column sits in it.
struct Files<'a> {
    by_id: HashMap<i64, &'a FileInfo>,
}

impl<'a> Files<'a> {
    fn new(files: &'a [Arc<FileInfo>]) -> Self {
        Files {
            by_id: files.iter().map(|f| (f.id, &**f)).collect(),
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

/// The checks that need every row but no index: aliases shared by two actors. They
/// run before the indexes are built, because a shared alias would make the unique
/// index on aliases fail with SQLite's message instead of this one.
pub(super) fn before_indexes(
    conn: &Connection,
    files: &[Arc<FileInfo>],
    problems: &mut Collector,
) -> Result<()> {
    shared_aliases(conn, &Files::new(files), problems)
}

/// The checks that read the indexes: references to ids no file defines, and loops.
/// References to the tables in `unread` are not judged: a file of theirs was not
/// read to its end, so an id missing from them may well be in the part left unread.
pub(super) fn after_indexes(
    conn: &Connection,
    files: &[Arc<FileInfo>],
    unread: &BTreeSet<Table>,
    problems: &mut Collector,
) -> Result<()> {
    let files = Files::new(files);
    references(conn, &files, unread, problems)?;
    loops_from(conn, Table::Sources, "via", &files, problems, "1")?;
    loops_from(conn, Table::Figures, "base", &files, problems, "1")?;
    Ok(())
}

/// References to ids that no file defines, each traced to its file, line and column.
/// Every reference the declarations make is checked (`spec::references`); each
/// referencing column is indexed, so the check reads the index, not the table (which
/// holds all the text), and looks each id up in the parent's primary key. Checking
/// after the rows are in lets a row name an id defined further down, as a figure's
/// base or a source's via may. A join table's rows are traced through the row that
/// owns them.
fn references(
    conn: &Connection,
    files: &Files<'_>,
    unread: &BTreeSet<Table>,
    problems: &mut Collector,
) -> Result<()> {
    for r in spec::references() {
        if unread.contains(&r.parent) {
            continue;
        }
        missing(conn, files, problems, r, Scope::All)?;
    }
    Ok(())
}

/// Which rows a reference check reads.
#[derive(Clone, Copy)]
enum Scope {
    /// Every row of the archive.
    All,
    /// The rows an incremental load is adding (in `stage`), against every row once
    /// they are in.
    Staged,
    /// The rows an incremental load keeps, against the ids it removed
    /// (`temp.removed`); rows it adds are left to `Staged`.
    Kept,
}

/// Reports the references, of the rows in `scope`, to ids the archive does not have.
fn missing(
    conn: &Connection,
    files: &Files<'_>,
    problems: &mut Collector,
    r: Reference,
    scope: Scope,
) -> Result<()> {
    let p = r.parent.name();
    let (table, column) = (r.table, r.column);
    let (rows, unknown) = match scope {
        Scope::All => (
            "main",
            format!("NOT EXISTS (SELECT 1 FROM main.{p} WHERE id = c.{column})"),
        ),
        Scope::Staged => (
            "stage",
            format!("NOT EXISTS (SELECT 1 FROM main.{p} WHERE id = c.{column})"),
        ),
        Scope::Kept => (
            "main",
            format!("c.{column} IN (SELECT id FROM temp.removed WHERE tbl = '{p}')"),
        ),
    };
    let rows: Vec<(i64, i64, String)> = match r.owner {
        // Only the index is scanned for the missing ids; the few rows that have
        // one are then read for their file and line.
        None => {
            let kept = match scope {
                Scope::Kept => " AND c.rowid NOT IN (SELECT row FROM temp.came)",
                _ => "",
            };
            let mut missing = conn.prepare(&format!(
                "SELECT c.rowid FROM {rows}.{table} c WHERE c.{column} IS NOT NULL AND {unknown}{kept}"
            ))?;
            let rowids: Vec<i64> = missing
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut at = conn.prepare(&format!(
                "SELECT csv_file, csv_line, {column} FROM {rows}.{table} WHERE rowid = ?1"
            ))?;
            rowids
                .into_iter()
                .map(|rowid| at.query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))
                .collect::<rusqlite::Result<_>>()?
        }
        Some(owner) => {
            let (o, noun) = (owner.name(), owner.noun());
            let kept = match scope {
                Scope::Kept => " WHERE o.rowid NOT IN (SELECT row FROM temp.came)",
                _ => "",
            };
            let mut stmt = conn.prepare(&format!(
                "SELECT o.csv_file, o.csv_line, m.{column} FROM \
                   (SELECT {noun}, {column} FROM {rows}.{table} c WHERE {unknown}) m \
                 JOIN {rows}.{o} o ON o.id = m.{noun}{kept}"
            ))?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        }
    };
    for (file_id, line, value) in rows {
        report(conn, files, problems, r, file_id, line, &value)?;
    }
    Ok(())
}

/// The checks of an incremental load that run before its rows join the archive's:
/// ids and aliases the rows it adds share with the rows it keeps. (Duplicates among
/// the added rows were found as they were staged.)
pub(super) fn staged_before_merge(
    conn: &Connection,
    files: &[Arc<FileInfo>],
    problems: &mut Collector,
) -> Result<()> {
    let files = Files::new(files);
    for table in Table::ALL.into_iter().filter(|t| t.has_id()) {
        let name = table.name();
        let mut stmt = conn.prepare(&format!(
            "SELECT s.id, s.rowid, s.csv_file, s.csv_line, m.rowid, m.csv_file, m.csv_line \
             FROM stage.{name} s JOIN main.{name} m ON m.id = s.id"
        ))?;
        let found: Vec<(String, i64, i64, i64, i64, i64, i64)> = stmt
            .query_map([], |r| r.try_into())?
            .collect::<rusqlite::Result<_>>()?;
        for (id, s_row, s_file, s_line, m_row, m_file, m_line) in found {
            // The row that comes later in load order is the one refused, as in a full
            // load, which inserts rows in that order.
            let ((file, line), (first_file, first_line)) = if s_row > m_row {
                ((s_file, s_line), (m_file, m_line))
            } else {
                ((m_file, m_line), (s_file, s_line))
            };
            let path: Option<String> = conn
                .query_row(
                    "SELECT path FROM main.load_files WHERE id = ?1",
                    [first_file],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(info) = files.by_id.get(&file) else {
                continue;
            };
            let finding = super::insert::duplicate_finding(
                table,
                &info.layout,
                &id,
                path.map(|p| (p, first_line)),
            );
            problems.add(info, line as u64, finding);
        }
    }
    shared_aliases_with(
        conn,
        &files,
        problems,
        "(SELECT actor, alias, 1 AS staged FROM stage.actor_aliases \
           UNION ALL SELECT actor, alias, 0 FROM main.actor_aliases)",
        "(SELECT id, csv_file, csv_line FROM stage.actors \
           UNION ALL SELECT id, csv_file, csv_line FROM main.actors)",
        "WHERE x.staged OR y.staged",
    )
}

/// The checks of an incremental load that run once its rows are in: the references
/// of the rows it added, the references of the rows it kept to the ids it removed,
/// and loops through the rows it added.
pub(super) fn staged_after_merge(
    conn: &Connection,
    files: &[Arc<FileInfo>],
    problems: &mut Collector,
) -> Result<()> {
    let files = Files::new(files);
    for r in spec::references() {
        missing(conn, &files, problems, r, Scope::Staged)?;
        missing(conn, &files, problems, r, Scope::Kept)?;
    }
    for (table, column) in [(Table::Sources, "via"), (Table::Figures, "base")] {
        // A loop the archive did not have passes through a row this load added. Every
        // row on it is reported, as a full load reports them.
        let on_loops = loop_members(conn, table, column, "rowid IN (SELECT row FROM temp.came)")?;
        if on_loops.is_empty() {
            continue;
        }
        conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS on_loops (id TEXT PRIMARY KEY); DELETE FROM temp.on_loops;")?;
        let mut add = conn.prepare("INSERT OR IGNORE INTO temp.on_loops VALUES (?1)")?;
        for id in on_loops {
            add.execute([id])?;
        }
        loops_from(
            conn,
            table,
            column,
            &files,
            problems,
            "id IN (SELECT id FROM temp.on_loops)",
        )?;
    }
    Ok(())
}

/// Reports one reference to an id that `parent` does not have, unless the row that
/// had the id was itself refused (then its own problem says why).
fn report(
    conn: &Connection,
    files: &Files<'_>,
    problems: &mut Collector,
    reference: Reference,
    file_id: i64,
    line: i64,
    value: &str,
) -> Result<()> {
    let table = reference.parent;
    let parent = table.name();
    let refused: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM temp.invalid_ids WHERE tbl = ?1 AND id = ?2",
            [parent, value],
            |r| r.get(0),
        )
        .optional()?;
    let column = reference.csv_column;
    let Some((info, position)) = files.at(file_id, column) else {
        return Ok(());
    };
    if refused.is_some() {
        return Ok(());
    }
    let near: Option<String> = if problems.shown.len() < PROBLEM_CAP {
        conn.query_row(
            &format!("SELECT id FROM {parent} WHERE id = ?1 COLLATE NOCASE LIMIT 1"),
            [value],
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
            table.file_name()
        ),
    };
    let noun = table.noun();
    let what = if reference.owner.is_some() {
        format!("unknown {noun} in {column}")
    } else {
        format!("unknown {noun}")
    };
    problems.add(
        info,
        line as u64,
        Finding {
            column: position,
            what,
            found: check::quoted(value),
            fix,
        },
    );
    Ok(())
}

/// Reports every row that lies on a loop of `column` references (a source known via
/// a source known via the first one; a figure that is a share of its own share).
/// The walk from every row that `starts` (a condition on the rows) picks, along
/// `column`, with the rows whose walk comes back to them.
fn loop_walk(table: Table, column: &str, starts: &str) -> String {
    let name = table.name();
    format!(
        "WITH RECURSIVE walk(start, cur, depth) AS (
           SELECT id, {column}, 1 FROM {name} WHERE {column} IS NOT NULL AND {starts}
           UNION ALL
           SELECT w.start, t.{column}, w.depth + 1 FROM walk w JOIN {name} t ON t.id = w.cur
           WHERE t.{column} IS NOT NULL AND w.cur <> w.start AND w.depth < 1000)"
    )
}

/// The ids of every row on a loop through a row that `starts` picks.
fn loop_members(
    conn: &Connection,
    table: Table,
    column: &str,
    starts: &str,
) -> Result<Vec<String>> {
    let name = table.name();
    let mut stmt = conn.prepare(&format!(
        "{} SELECT DISTINCT w.start FROM walk w WHERE w.cur = w.start",
        loop_walk(table, column, starts)
    ))?;
    let found: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut next = conn.prepare(&format!("SELECT {column} FROM {name} WHERE id = ?1"))?;
    let mut members = Vec::new();
    for id in found {
        let mut cur = id.clone();
        members.push(id.clone());
        while let Some(n) = next
            .query_row([&cur], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten()
        {
            if n == id || members.len() > 100_000 {
                break;
            }
            members.push(n.clone());
            cur = n;
        }
    }
    Ok(members)
}

/// Reports every row on a loop among the rows `starts` picks (`1` for all).
fn loops_from(
    conn: &Connection,
    table: Table,
    column: &str,
    files: &Files<'_>,
    problems: &mut Collector,
    starts: &str,
) -> Result<()> {
    let name = table.name();
    let sql = format!(
        "{}
         SELECT DISTINCT t.csv_file, t.csv_line, t.id FROM walk w JOIN {name} t ON t.id = w.start
         WHERE w.cur = w.start ORDER BY t.csv_file, t.csv_line",
        loop_walk(table, column, starts)
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
    shared_aliases_with(conn, files, problems, "actor_aliases", "actors", "")
}

/// Reports the aliases that two actors share, from the aliases and actors (id, file,
/// line) that `aliases` and `actors` give, among the pairs `filter` keeps.
fn shared_aliases_with(
    conn: &Connection,
    files: &Files<'_>,
    problems: &mut Collector,
    aliases: &str,
    actors: &str,
    filter: &str,
) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT b.csv_file, b.csv_line, y.alias, x.actor, a.csv_line
         FROM {aliases} x JOIN {aliases} y ON x.alias = y.alias COLLATE NOCASE AND x.actor < y.actor
         JOIN {actors} a ON a.id = x.actor JOIN {actors} b ON b.id = y.actor
         {filter}
         ORDER BY b.csv_file, b.csv_line"
    ))?;
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
