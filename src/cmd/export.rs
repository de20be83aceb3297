//! `dossier export`: a table, view or query in any output format, with a profile for
//! spreadsheets, or as an Excel workbook; or the whole archive, as the CSV files
//! `load` reads or as one workbook.

use super::{Context, open_output, pairs, prepare_canned, run_canned, streamed};
use crate::cli::{ExportArgs, ExportFormat};
use crate::db::{dump, spec::Table};
use crate::error::{Error, Result, plural};
use crate::output::{self, Format, Output, Style};
use crate::progress::{self, Bar};
use crate::xlsx::Workbook;
use rusqlite::OptionalExtension;
use std::path::Path;

pub fn run(args: &ExportArgs, ctx: &Context) -> Result<()> {
    if args.excel && !matches!(args.format, ExportFormat::Rows(Format::Csv | Format::Tsv)) {
        return Err(Error::Usage(
            "--excel shapes CSV and TSV; leave it out for other formats".into(),
        ));
    }
    if let Some(dir) = &args.dir {
        if args.excel
            || args.format != ExportFormat::Rows(Format::Csv)
            || args.no_header
            || !args.params.is_empty()
        {
            return Err(Error::Usage(
                "--dir writes the exact CSV files load reads; it takes no --excel, --format, --no-header or -p".into(),
            ));
        }
        return export_dir(dir, ctx);
    }
    let format = match args.format {
        ExportFormat::Xlsx => return export_workbook(args, ctx),
        ExportFormat::Rows(_) if args.all => {
            return Err(Error::Usage(
                "--all writes one workbook: add --format xlsx -o FILE (for the CSV files load reads, use --dir DIR)".into(),
            ));
        }
        ExportFormat::Rows(format) => format,
    };
    let style = Style {
        format,
        header: !args.no_header,
        excel: args.excel,
    };
    let given = pairs(&args.params)?;
    let archive = ctx.open()?;
    let mut out = open_output(args.output.as_deref())?;
    let show = progress::wanted(ctx.quiet);
    match (&args.name, &args.query, &args.run) {
        (Some(name), None, None) => {
            no_params(&given)?;
            let name = object(&archive.conn, name)?;
            if show {
                out.show_progress(Bar::rows(
                    true,
                    table_rows(&archive.conn, &name),
                    "exporting",
                ));
            }
            let mut stmt = archive.prepare(&select_all(&name))?;
            output::query(&mut out, style, &mut stmt).map_err(|e| streamed(&archive, e))?;
        }
        (None, Some(sql), None) => {
            out.show_progress(Bar::rows(show, None, "exporting"));
            let mut stmt = archive.prepare(sql)?;
            super::sql::bind_text(&mut stmt, &given)?;
            output::query(&mut out, style, &mut stmt).map_err(|e| streamed(&archive, e))?;
        }
        (None, None, Some(name)) => {
            out.show_progress(Bar::rows(show, None, "exporting"));
            let registry = ctx.all_queries()?;
            run_canned(&archive, &registry, name, &given, style, &mut out)?;
        }
        _ => return Err(what_to_export()),
    }
    Ok(out.finish()?)
}

/// How many rows a table has, for a progress bar; None for a view, whose count
/// would cost as much as the export.
fn table_rows(conn: &rusqlite::Connection, name: &str) -> Option<u64> {
    let is_table: bool = conn
        .query_row(
            "SELECT type = 'table' FROM sqlite_schema WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .ok()?;
    if !is_table {
        return None;
    }
    conn.query_row(
        &format!("SELECT count(*) FROM {}", quote_identifier(name)),
        [],
        |r| r.get::<_, i64>(0),
    )
    .ok()
    .map(|n| n as u64)
}

fn what_to_export() -> Error {
    Error::Usage(
        "say what to export: a table or view name, --query SQL, --run NAME, --dir DIR or --all (with --format xlsx)"
            .into(),
    )
}

fn no_params(given: &[(String, String)]) -> Result<()> {
    if given.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(
            "-p goes with --query or --run, not with a table or view".into(),
        ))
    }
}

/// Every row of a table or view, in the order `SELECT *` gives: the same statement for
/// every format, so that a workbook's sheet and a CSV export of a table agree.
fn select_all(name: &str) -> String {
    format!("SELECT * FROM {}", quote_identifier(name))
}

/// The tables `--all` puts in a workbook, a sheet each, in this order: the facts first,
/// as a reader looks for them; then the join tables, the only place where an event's
/// actors and tags and an actor's aliases are kept; then the load history, which
/// resolves the `csv_file` number on every row to a file, its SHA-256 and its load.
///
/// Left out: the vocabularies (`source_kinds`, `actor_kinds`, `units`), which come
/// with dossier and are the same in every archive, and the full-text index, which is
/// derived from the rest. Each can still be exported by name.
pub const WORKBOOK_TABLES: &[&str] = &[
    "sources",
    "actors",
    "events",
    "figures",
    "citations",
    "event_actors",
    "event_tags",
    "actor_aliases",
    "load_runs",
    "load_files",
];

/// The tables `--all` leaves out; see [`WORKBOOK_TABLES`].
#[cfg(test)]
const NOT_IN_WORKBOOK: &[&str] = &["source_kinds", "actor_kinds", "units"];

/// `--format xlsx`: one table, view or query as a sheet, or the whole archive.
fn export_workbook(args: &ExportArgs, ctx: &Context) -> Result<()> {
    let Some(path) = args.output.as_deref() else {
        return Err(Error::Usage(
            "xlsx is a binary workbook, not text for a terminal or a pipe: name the file with -o FILE (for example -o archive.xlsx)".into(),
        ));
    };
    let given = pairs(&args.params)?;
    let archive = ctx.open()?;
    let mut book = Workbook::new(!args.no_header);
    let mut written = Vec::new();
    match (&args.name, &args.query, &args.run, args.all) {
        (None, None, None, true) => {
            no_params(&given)?;
            for table in WORKBOOK_TABLES {
                let mut stmt = archive.prepare(&select_all(table))?;
                let rows = book.sheet(&archive, table, &mut stmt)?;
                written.push((table.to_string(), rows));
            }
        }
        (Some(name), None, None, false) => {
            no_params(&given)?;
            let name = object(&archive.conn, name)?;
            let mut stmt = archive.prepare(&select_all(&name))?;
            book.sheet(&archive, &name, &mut stmt)?;
        }
        (None, Some(sql), None, false) => {
            let mut stmt = archive.prepare(sql)?;
            super::sql::bind_text(&mut stmt, &given)?;
            book.sheet(&archive, "query", &mut stmt)?;
        }
        (None, None, Some(name), false) => {
            let registry = ctx.all_queries()?;
            let mut stmt = prepare_canned(&archive, &registry, name, &given)?;
            book.sheet(&archive, name, &mut stmt)?;
        }
        _ => return Err(what_to_export()),
    }
    let mut out = open_output(Some(path))?;
    book.write(&mut out)?;
    out.finish().map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    let mut report = Output::stdout();
    for (table, rows) in written.into_iter().filter(|_| !ctx.quiet) {
        report.line(&format!(
            "wrote {rows} {} to {}, sheet {table}",
            plural(rows as usize, "row", "rows"),
            path.display()
        ))?;
    }
    Ok(report.finish()?)
}

/// The table or view a name refers to, as SQLite spells it; refuses anything else.
fn object(conn: &rusqlite::Connection, name: &str) -> Result<String> {
    let found: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE \
             AND name NOT LIKE 'sqlite_%'",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(n) = found {
        return Ok(n);
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT name FROM ({}) ORDER BY type, name",
        crate::db::OBJECTS
    ))?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Err(Error::Usage(format!(
        "no table or view named {name:?} — export one of {}, or use --query",
        names.join(", ")
    )))
}

/// `"name"`, with any double quote doubled: the only safe way to put a user's
/// identifier into SQL.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Writes the five CSV files into `dir`, each through a temporary file.
fn export_dir(dir: &Path, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut report = Output::stdout();
    for table in Table::ALL {
        let path = dir.join(table.file_name());
        let mut out = open_output(Some(&path))?;
        let mut stmt = archive.prepare(&dump::statement(table))?;
        let rows = output::query(&mut out, Style::new(Format::Csv), &mut stmt)
            .map_err(|e| streamed(&archive, e))?;
        out.finish().map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        if !ctx.quiet {
            report.line(&format!("wrote {rows} rows to {}", path.display()))?;
        }
    }
    Ok(report.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_in_the_workbook_or_left_out_on_purpose() {
        let conn = crate::db::in_memory().unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name NOT LIKE 'search%' ORDER BY name",
            )
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for t in &tables {
            assert!(
                WORKBOOK_TABLES.contains(&t.as_str()) != NOT_IN_WORKBOOK.contains(&t.as_str()),
                "{t}: put it in WORKBOOK_TABLES or NOT_IN_WORKBOOK"
            );
        }
        for t in WORKBOOK_TABLES.iter().chain(NOT_IN_WORKBOOK) {
            assert!(tables.contains(&t.to_string()), "{t} is not a table");
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("events"), "\"events\"");
        assert_eq!(
            quote_identifier("a\"; DROP TABLE x; --"),
            "\"a\"\"; DROP TABLE x; --\""
        );
    }
}
