//! The checks that need every row of every file: references to ids no file defines,
//! loops of `via` and of `base`, and aliases shared by two actors. They run in SQL
//! once the rows are in, and each finding is traced back to its file, line and column
//! through the row's `csv_file` and `csv_line`.

use super::{Collector, FileInfo, PROBLEM_CAP};
use crate::db::check::{self, Finding};
use crate::db::spec::Table;
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use std::sync::Arc;

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
pub(super) fn run(
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
