//! `dossier export`: a table, view or query in any output format, with a profile for
//! spreadsheets; or the whole archive as the CSV files `load` reads.

use super::{Context, open_output, pairs, run_canned, streamed};
use crate::cli::ExportArgs;
use crate::db::{dump, spec::Table};
use crate::error::{Error, Result};
use crate::output::{self, Format, Output, Style};
use rusqlite::OptionalExtension;
use std::path::Path;

pub fn run(args: &ExportArgs, ctx: &Context) -> Result<()> {
    if args.excel && !matches!(args.format, Format::Csv | Format::Tsv) {
        return Err(Error::Usage(
            "--excel shapes CSV and TSV; leave it out for other formats".into(),
        ));
    }
    if let Some(dir) = &args.dir {
        if args.excel || args.format != Format::Csv || args.no_header || !args.params.is_empty() {
            return Err(Error::Usage(
                "--dir writes the exact CSV files load reads; it takes no --excel, --format, --no-header or -p".into(),
            ));
        }
        return export_dir(dir, ctx);
    }
    let style = Style {
        format: args.format,
        header: !args.no_header,
        excel: args.excel,
    };
    let given = pairs(&args.params)?;
    let archive = ctx.open(None)?;
    let mut out = open_output(args.output.as_deref())?;
    match (&args.name, &args.query, &args.run) {
        (Some(name), None, None) => {
            if !given.is_empty() {
                return Err(Error::Usage(
                    "-p goes with --query or --run, not with a table or view".into(),
                ));
            }
            let name = object(&archive.conn, name)?;
            let mut stmt =
                archive.prepare(&format!("SELECT * FROM {}", quote_identifier(&name)))?;
            output::query(&mut out, style, &mut stmt).map_err(|e| streamed(&archive, e))?;
        }
        (None, Some(sql), None) => {
            let mut stmt = archive.prepare(sql)?;
            super::sql::bind_text(&mut stmt, &given)?;
            output::query(&mut out, style, &mut stmt).map_err(|e| streamed(&archive, e))?;
        }
        (None, None, Some(name)) => {
            let registry = ctx.all_queries()?;
            run_canned(&archive, &registry, name, &given, style, &mut out)?;
        }
        _ => {
            return Err(Error::Usage(
                "say what to export: a table or view name, --query SQL, --run NAME or --dir DIR"
                    .into(),
            ));
        }
    }
    Ok(out.finish()?)
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
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' \
         AND name NOT IN ('search_data', 'search_idx', 'search_content', 'search_docsize', 'search_config') \
         ORDER BY type, name",
    )?;
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
    let archive = ctx.open(None)?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut report = Output::stdout();
    for table in Table::ALL {
        let path = dir.join(table.file_name());
        let mut out = open_output(Some(&path))?;
        let mut stmt = archive.prepare(dump::statement(table))?;
        let rows = output::query(&mut out, Style::new(Format::Csv), &mut stmt)
            .map_err(|e| streamed(&archive, e))?;
        out.finish().map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        report.line(&format!("wrote {rows} rows to {}", path.display()))?;
    }
    Ok(report.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("events"), "\"events\"");
        assert_eq!(
            quote_identifier("a\"; DROP TABLE x; --"),
            "\"a\"\"; DROP TABLE x; --\""
        );
    }
}
