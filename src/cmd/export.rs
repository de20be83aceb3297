//! `dossier export`: a table, view or query in any output format, with a profile for
//! spreadsheets, or as an Excel workbook; or the whole archive, as the CSV files
//! `load` reads or as one workbook.

mod csl;
mod timelinejs;

use super::{Context, open_output, pairs, prepare_canned, streamed};
use crate::cli::{ExportArgs, ExportFormat};
use crate::db::read::Archive;
use crate::db::{datapackage, dump, spec::Table};
use crate::error::{Error, Result, plural};
use crate::output::{self, Format, Output, Style};
use crate::progress::{self, Bar};
use crate::xlsx::Workbook;
use rusqlite::{OptionalExtension, Statement};
use std::path::Path;

pub fn run(args: &ExportArgs, ctx: &Context) -> Result<()> {
    match Export::of(args)? {
        Export::Dir(dir) => export_dir(dir, ctx),
        Export::Workbook(sheets, path) => export_workbook(&sheets, path, !args.no_header, ctx),
        Export::Rows(rows, style) => export_rows(&rows, style, args.output.as_deref(), ctx),
        Export::Parquet(rows, path) => export_parquet(&rows, path, ctx),
        Export::ParquetDir(dir) => export_parquet_dir(dir, ctx),
        Export::Timeline(params, path) => timelinejs::export(&params, path, ctx),
        Export::Sources(path) => csl::export(path, ctx),
    }
}

/// What `export` was asked to write, and in what form: resolved from the command line
/// in one place, [`Export::of`], which refuses every combination that makes no sense
/// before anything is opened.
#[derive(Debug, PartialEq)]
enum Export<'a> {
    /// A table, view or query, in a row format.
    Rows(Rows<'a>, Style),
    /// A table, view or query as the sheet of a workbook, or the whole archive.
    Workbook(Sheets<'a>, &'a Path),
    /// The CSV files `load` reads and their data package, into this folder.
    Dir(&'a Path),
    /// A table, view or query as one Parquet file.
    Parquet(Rows<'a>, &'a Path),
    /// Every table as a Parquet file, into this folder.
    ParquetDir(&'a Path),
    /// The timeline, with the timeline query's parameters, as TimelineJS's JSON.
    Timeline(Vec<(String, String)>, Option<&'a Path>),
    /// The sources as CSL-JSON.
    Sources(Option<&'a Path>),
}

/// Rows to export.
#[derive(Debug, PartialEq)]
enum Rows<'a> {
    /// A table or view, by name as given (the archive says whether it exists).
    Object(&'a str),
    /// Read-only SQL, with its -p parameters.
    Query(&'a str, Vec<(String, String)>),
    /// A canned query, with its -p parameters.
    Run(&'a str, Vec<(String, String)>),
}

/// The sheets of a workbook.
#[derive(Debug, PartialEq)]
enum Sheets<'a> {
    One(Rows<'a>),
    /// Every table of [`WORKBOOK_TABLES`], a sheet each.
    All,
}

/// The one thing the command line names to export.
enum Target<'a> {
    Object(&'a str),
    Query(&'a str),
    Run(&'a str),
    Dir(&'a Path),
    /// `--all`, with the folder of `--dir` if given.
    All(Option<&'a Path>),
}

impl<'a> Export<'a> {
    fn of(args: &'a ExportArgs) -> Result<Self> {
        if args.excel && !matches!(args.format, ExportFormat::Rows(Format::Csv | Format::Tsv)) {
            return Err(Error::Usage(
                "--excel shapes CSV and TSV; leave it out for other formats".into(),
            ));
        }
        if args.no_header
            && matches!(
                args.format,
                ExportFormat::Parquet | ExportFormat::TimelineJs | ExportFormat::CslJson
            )
        {
            return Err(Error::Usage(
                "--no-header is for row formats and workbooks; Parquet, TimelineJS and CSL-JSON always name their fields".into(),
            ));
        }
        let rows = match Target::of(args)? {
            Target::Dir(dir) => {
                if args.format == ExportFormat::Parquet {
                    return Err(Error::Usage(
                        "--dir alone writes the CSV files load reads; for a Parquet file per table, add --all: --all --format parquet --dir DIR".into(),
                    ));
                }
                if args.excel
                    || args.format != ExportFormat::Rows(Format::Csv)
                    || args.no_header
                    || !args.params.is_empty()
                {
                    return Err(Error::Usage(
                        "--dir writes the exact CSV files load reads; it takes no --excel, --format, --no-header or -p".into(),
                    ));
                }
                return Ok(Export::Dir(dir));
            }
            Target::All(dir) => {
                no_params(args, "--all")?;
                return match (args.format, dir) {
                    (ExportFormat::Xlsx, None) => {
                        Ok(Export::Workbook(Sheets::All, workbook_file(args)?))
                    }
                    (ExportFormat::Xlsx, Some(_)) => Err(Error::Usage(
                        "--all --format xlsx writes one workbook: name it with -o FILE, not --dir".into(),
                    )),
                    (ExportFormat::Parquet, Some(dir)) => Ok(Export::ParquetDir(dir)),
                    (ExportFormat::Parquet, None) => Err(Error::Usage(
                        "--all --format parquet writes one file per table: name their folder with --dir DIR".into(),
                    )),
                    _ => Err(Error::Usage(
                        "--all writes one workbook (--format xlsx -o FILE) or a Parquet file per table (--format parquet --dir DIR); for the CSV files load reads, use --dir DIR alone".into(),
                    )),
                };
            }
            Target::Object(name) => {
                no_params(args, "a table or view")?;
                Rows::Object(name)
            }
            Target::Query(sql) => Rows::Query(sql, pairs(&args.params)?),
            Target::Run(name) => Rows::Run(name, pairs(&args.params)?),
        };
        Ok(match args.format {
            ExportFormat::Xlsx => Export::Workbook(Sheets::One(rows), workbook_file(args)?),
            ExportFormat::Parquet => Export::Parquet(
                rows,
                args.output.as_deref().ok_or_else(|| {
                    Error::Usage(
                        "parquet is a binary file, not text for a terminal or a pipe: name the file with -o FILE (for example -o events.parquet)".into(),
                    )
                })?,
            ),
            ExportFormat::TimelineJs => match rows {
                Rows::Run("timeline", params) => {
                    Export::Timeline(params, args.output.as_deref())
                }
                _ => {
                    return Err(Error::Usage(
                        "--format timelinejs writes the timeline: use it with --run timeline, filtered with -p (for example -p from=2014 -p actor=RUS)".into(),
                    ));
                }
            },
            ExportFormat::CslJson => match rows {
                Rows::Object(name) if name.eq_ignore_ascii_case("sources") => {
                    Export::Sources(args.output.as_deref())
                }
                _ => {
                    return Err(Error::Usage(
                        "--format csl-json writes citations of the sources: export sources --format csl-json".into(),
                    ));
                }
            },
            ExportFormat::Rows(format) => Export::Rows(
                rows,
                Style {
                    format,
                    header: !args.no_header,
                    excel: args.excel,
                },
            ),
        })
    }
}

impl<'a> Target<'a> {
    /// The one thing named; clap refuses two, and none is refused here.
    fn of(args: &'a ExportArgs) -> Result<Self> {
        let named = [
            args.name.as_deref().map(Target::Object),
            args.query.as_deref().map(Target::Query),
            args.run.as_deref().map(Target::Run),
            args.all.then_some(Target::All(args.dir.as_deref())),
        ];
        let mut named = named.into_iter().flatten();
        match (named.next(), named.next(), args.dir.as_deref()) {
            (Some(Target::All(dir)), None, _) => Ok(Target::All(dir)),
            (Some(target), None, None) => Ok(target),
            (None, _, Some(dir)) => Ok(Target::Dir(dir)),
            (None, _, None) => Err(Error::Usage(
                "say what to export: a table or view name, --query SQL, --run NAME, --dir DIR or --all (with --format xlsx or parquet)"
                    .into(),
            )),
            (Some(_), _, _) => Err(Error::Usage(
                "export one thing at a time: a table or view name, --query SQL, --run NAME, --dir DIR or --all"
                    .into(),
            )),
        }
    }
}

/// The file a workbook goes to: it must be named.
fn workbook_file(args: &ExportArgs) -> Result<&Path> {
    args.output.as_deref().ok_or_else(|| {
        Error::Usage(
            "xlsx is a binary workbook, not text for a terminal or a pipe: name the file with -o FILE (for example -o archive.xlsx)".into(),
        )
    })
}

/// Refuses -p for what takes no parameters.
fn no_params(args: &ExportArgs, what: &str) -> Result<()> {
    if args.params.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "-p goes with --query or --run, not with {what}"
        )))
    }
}

impl Rows<'_> {
    /// The statement that gives the rows, bound; and a name for them: the table or
    /// view as SQLite spells it, the canned query's name, or `query`.
    fn prepare<'c>(&self, archive: &'c Archive, ctx: &Context) -> Result<(Statement<'c>, String)> {
        match self {
            Rows::Object(name) => {
                let name = object(&archive.conn, name)?;
                Ok((archive.prepare(&select_all(&name))?, name))
            }
            Rows::Query(sql, given) => {
                let mut stmt = archive.prepare(sql)?;
                super::sql::bind_text(&mut stmt, given)?;
                Ok((stmt, "query".into()))
            }
            Rows::Run(name, given) => {
                let registry = ctx.all_queries()?;
                let stmt = prepare_canned(archive, &registry, name, given)?;
                Ok((stmt, name.to_string()))
            }
        }
    }
}

/// Rows in a row format, to standard output or a file.
fn export_rows(rows: &Rows<'_>, style: Style, path: Option<&Path>, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    let (mut stmt, name) = rows.prepare(&archive, ctx)?;
    let mut out = open_output(path)?;
    let show = progress::wanted(ctx.quiet);
    // A table's rows are counted cheaply; a view's or a query's count would cost as
    // much as the export.
    let total = match rows {
        Rows::Object(_) if show => table_rows(&archive.conn, &name),
        _ => None,
    };
    out.show_progress(Bar::rows(show, total, "exporting"));
    output::query(&mut out, style, &mut stmt).map_err(|e| streamed(&archive, e))?;
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

/// Every row of a table or view, in the order `SELECT *` gives: the same statement for
/// every format, so that a workbook's sheet and a CSV export of a table agree.
fn select_all(name: &str) -> String {
    format!("SELECT * FROM {}", quote_identifier(name))
}

/// The tables `--all` puts in a workbook, a sheet each, in this order: the facts first,
/// as a reader looks for them; then the join tables, the only place where an event's
/// actors and tags and an actor's aliases are kept; then the documents and their
/// paragraphs; then the load history, which resolves the `csv_file` number on every
/// row to a file, its SHA-256 and its load.
///
/// Left out: the vocabularies (`source_kinds`, `actor_kinds`, `units`), which come
/// with dossier and are the same in every archive, and the full-text index and the
/// rows' fingerprints (`load_rows`), which are derived from the rest. Each can still be exported by name.
pub const WORKBOOK_TABLES: &[&str] = &[
    "sources",
    "actors",
    "events",
    "figures",
    "citations",
    "event_actors",
    "event_tags",
    "actor_aliases",
    "documents",
    "paragraphs",
    "load_runs",
    "load_files",
    "load_inputs",
    "load_changes",
];

/// The vocabularies, which a workbook leaves out (see [`WORKBOOK_TABLES`]) and
/// Parquet files keep: an engine that reads them has no dossier to ask what a unit
/// converts to.
const VOCABULARIES: &[&str] = &["source_kinds", "actor_kinds", "units"];

/// Columns `--all` leaves off their sheet: a document's whole text, which a cell
/// (32,767 characters at most) cannot hold for most documents. The paragraphs sheet
/// has it paragraph by paragraph.
const NOT_ON_SHEET: &[(&str, &str)] = &[("documents", "text")];

/// The SELECT of a table's sheet: every column but those [`NOT_ON_SHEET`].
fn sheet_select(conn: &rusqlite::Connection, table: &str) -> Result<String> {
    if !NOT_ON_SHEET.iter().any(|(t, _)| *t == table) {
        return Ok(select_all(table));
    }
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    let columns: Vec<String> = stmt
        .query_map([table], |r| r.get::<_, String>(0))?
        .filter(|c| !matches!(c, Ok(c) if NOT_ON_SHEET.contains(&(table, c.as_str()))))
        .map(|c| c.map(|c| quote_identifier(&c)))
        .collect::<rusqlite::Result<_>>()?;
    Ok(format!(
        "SELECT {} FROM {}",
        columns.join(", "),
        quote_identifier(table)
    ))
}

/// The tables that neither a workbook nor Parquet files hold: the rows' fingerprints,
/// which only incremental loads read, and which any load makes again.
#[cfg(test)]
const DERIVED: &[&str] = &["load_rows"];

/// `--format xlsx`: one table, view or query as a sheet, or the whole archive.
fn export_workbook(sheets: &Sheets<'_>, path: &Path, header: bool, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    let mut book = Workbook::new(header);
    let mut written = Vec::new();
    match sheets {
        Sheets::All => {
            for table in WORKBOOK_TABLES {
                let mut stmt = archive.prepare(&sheet_select(&archive.conn, table)?)?;
                let rows = book.sheet(&archive, table, &mut stmt)?;
                written.push((table.to_string(), rows));
            }
        }
        Sheets::One(rows) => {
            let (mut stmt, name) = rows.prepare(&archive, ctx)?;
            book.sheet(&archive, &name, &mut stmt)?;
        }
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

/// Puts a finished output in place and, when it went to a file, says how many of
/// what it holds (unless `--quiet`).
fn written(
    out: Output,
    path: Option<&Path>,
    count: usize,
    noun: (&str, &str),
    ctx: &Context,
) -> Result<()> {
    out.finish().map_err(|source| match path {
        Some(p) => Error::Write {
            path: p.to_path_buf(),
            source,
        },
        None => Error::Output(source),
    })?;
    if let Some(p) = path.filter(|_| !ctx.quiet) {
        let mut report = Output::stdout();
        report.line(&format!(
            "wrote {count} {} to {}",
            plural(count, noun.0, noun.1),
            p.display()
        ))?;
        report.finish()?;
    }
    Ok(())
}

/// Creates the folder an export writes into.
fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })
}

/// A table, view or query as one Parquet file.
fn export_parquet(rows: &Rows<'_>, path: &Path, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    let (mut stmt, name) = rows.prepare(&archive, ctx)?;
    let show = progress::wanted(ctx.quiet);
    let total = match rows {
        Rows::Object(_) if show => table_rows(&archive.conn, &name),
        _ => None,
    };
    let bar = Bar::rows(show, total, "exporting");
    crate::columnar::write(&mut stmt, &name, path, &bar).map_err(|e| sql_error(&archive, e))?;
    bar.finish();
    Ok(())
}

/// An error met while stepping a statement, explained as the archive explains them.
fn sql_error(archive: &Archive, e: Error) -> Error {
    match e {
        Error::Sqlite { source, .. } => archive.explain(source),
        e => e,
    }
}

/// Every table of the archive, vocabularies included, as a Parquet file each.
fn export_parquet_dir(dir: &Path, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    create_dir(dir)?;
    let mut report = Output::stdout();
    for table in WORKBOOK_TABLES.iter().chain(VOCABULARIES) {
        let path = dir.join(format!("{table}.parquet"));
        let mut stmt = archive.prepare(&select_all(table))?;
        let show = progress::wanted(ctx.quiet);
        let total = if show {
            table_rows(&archive.conn, table)
        } else {
            None
        };
        let bar = Bar::rows(show, total, table);
        let rows = crate::columnar::write(&mut stmt, table, &path, &bar)
            .map_err(|e| sql_error(&archive, e))?;
        bar.finish();
        if !ctx.quiet {
            report.line(&format!(
                "wrote {rows} {} to {}",
                plural(rows as usize, "row", "rows"),
                path.display()
            ))?;
        }
    }
    Ok(report.finish()?)
}

/// Writes the five CSV files into `dir`, each through a temporary file, every
/// source's document at the path its `document` column names, and the data package
/// that describes the CSV files.
fn export_dir(dir: &Path, ctx: &Context) -> Result<()> {
    let archive = ctx.open()?;
    create_dir(dir)?;
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
    let written = export_documents(&archive, dir)?;
    if !ctx.quiet && written > 0 {
        report.line(&format!(
            "wrote {written} {} under {}",
            plural(written, "document", "documents"),
            dir.display()
        ))?;
    }
    let path = dir.join(datapackage::FILE_NAME);
    let package = datapackage::descriptor(&archive.conn)?;
    let mut out = open_output(Some(&path))?;
    out.writer()
        .write_all(datapackage::to_text(&package).as_bytes())?;
    out.finish().map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    if !ctx.quiet {
        report.line(&format!("wrote the data package to {}", path.display()))?;
    }
    Ok(report.finish()?)
}

/// Writes each source's document where its `document` column says, relative to
/// `dir`; returns how many files were written.
fn export_documents(archive: &Archive, dir: &Path) -> Result<usize> {
    let mut stmt = archive.prepare(
        "SELECT s.id, s.document, d.text FROM documents d JOIN sources s ON s.id = d.source \
         WHERE s.csv_file IN (SELECT id FROM load_files WHERE tbl = 'sources') ORDER BY s.rowid",
    )?;
    let docs: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(|e| archive.explain(e))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| archive.explain(e))?;
    let mut written: std::collections::HashMap<String, (String, usize)> = Default::default();
    for (i, (source, rel, text)) in docs.iter().enumerate() {
        // The archive's paths were checked at load; a file that a dossier did not
        // build is refused when opened, but nothing is written outside `dir` however
        // the archive came to be.
        if let Err(f) = crate::db::check::document_path("document", rel) {
            return Err(Error::Usage(format!(
                "{source}: its document {} cannot be written under {}: {} — fix the document column and load again",
                f.found,
                dir.display(),
                f.what
            )));
        }
        if let Some((first, at)) = written.get(rel) {
            if *first != *text {
                return Err(Error::Usage(format!(
                    "{} and {source} both name the document {rel}, with different texts (they were loaded from different folders) — give one of them another path, so that both can be written",
                    docs[*at].0
                )));
            }
            continue;
        }
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut out = open_output(Some(&path))?;
        out.writer().write_all(text.as_bytes())?;
        out.finish().map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        written.insert(rel.clone(), (text.clone(), i));
    }
    Ok(written.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queries::owned_pairs as pairs;
    use clap::Parser;

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
            let homes = [WORKBOOK_TABLES, VOCABULARIES, DERIVED]
                .iter()
                .filter(|h| h.contains(&t.as_str()))
                .count();
            assert_eq!(
                homes, 1,
                "{t}: put it in WORKBOOK_TABLES, VOCABULARIES or DERIVED"
            );
        }
        for t in WORKBOOK_TABLES.iter().chain(VOCABULARIES) {
            assert!(tables.contains(&t.to_string()), "{t} is not a table");
        }
    }

    fn args(words: &[&str]) -> ExportArgs {
        let cli = crate::cli::Cli::try_parse_from(["dossier", "export"].iter().chain(words))
            .unwrap_or_else(|e| panic!("{words:?}: {e}"));
        match cli.command {
            crate::cli::Command::Export(a) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_way_of_naming_what_to_export_resolves_to_one_export() {
        let csv = Style::new(Format::Csv);
        let a = args(&["events"]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Rows(Rows::Object("events"), csv)
        );
        let a = args(&["events", "--format", "tsv", "--excel", "--no-header"]);
        let tsv = Style {
            format: Format::Tsv,
            header: false,
            excel: true,
        };
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Rows(Rows::Object("events"), tsv)
        );
        let a = args(&["--query", "SELECT :a", "-p", "a=1=2", "--format", "json"]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Rows(
                Rows::Query("SELECT :a", pairs(&[("a", "1=2")])),
                Style::new(Format::Json)
            )
        );
        let a = args(&[
            "--run",
            "timeline",
            "-p",
            "from=2014",
            "--format",
            "xlsx",
            "-o",
            "t.xlsx",
        ]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Workbook(
                Sheets::One(Rows::Run("timeline", pairs(&[("from", "2014")]))),
                Path::new("t.xlsx")
            )
        );
        let a = args(&["events", "--format", "xlsx", "-o", "e.xlsx"]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Workbook(Sheets::One(Rows::Object("events")), Path::new("e.xlsx"))
        );
        let a = args(&["--all", "--format", "xlsx", "-o", "a.xlsx", "--no-header"]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Workbook(Sheets::All, Path::new("a.xlsx"))
        );
        let a = args(&["--dir", "backup"]);
        assert_eq!(Export::of(&a).unwrap(), Export::Dir(Path::new("backup")));
        let a = args(&["events", "--format", "parquet", "-o", "e.parquet"]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Parquet(Rows::Object("events"), Path::new("e.parquet"))
        );
        let a = args(&[
            "--query",
            "SELECT 1",
            "--format",
            "parquet",
            "-o",
            "q.parquet",
        ]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Parquet(Rows::Query("SELECT 1", vec![]), Path::new("q.parquet"))
        );
        let a = args(&["--all", "--format", "parquet", "--dir", "pq"]);
        assert_eq!(Export::of(&a).unwrap(), Export::ParquetDir(Path::new("pq")));
        let a = args(&[
            "--run",
            "timeline",
            "-p",
            "actor=RUS",
            "--format",
            "timelinejs",
            "-o",
            "t.json",
        ]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Timeline(pairs(&[("actor", "RUS")]), Some(Path::new("t.json")))
        );
        let a = args(&["sources", "--format", "csl-json"]);
        assert_eq!(Export::of(&a).unwrap(), Export::Sources(None));
        let a = args(&["Sources", "--format", "csl-json", "-o", "s.json"]);
        assert_eq!(
            Export::of(&a).unwrap(),
            Export::Sources(Some(Path::new("s.json")))
        );
    }

    #[test]
    fn what_cannot_be_exported_as_asked_is_a_usage_error() {
        let what = "say what to export: a table or view name, --query SQL, --run NAME, --dir DIR or --all (with --format xlsx or parquet)";
        let excel = "--excel shapes CSV and TSV; leave it out for other formats";
        let dir = "--dir writes the exact CSV files load reads; it takes no --excel, --format, --no-header or -p";
        let all = "--all writes one workbook (--format xlsx -o FILE) or a Parquet file per table (--format parquet --dir DIR); for the CSV files load reads, use --dir DIR alone";
        let parquet_file = "parquet is a binary file, not text for a terminal or a pipe: name the file with -o FILE (for example -o events.parquet)";
        let timeline = "--format timelinejs writes the timeline: use it with --run timeline, filtered with -p (for example -p from=2014 -p actor=RUS)";
        let csl =
            "--format csl-json writes citations of the sources: export sources --format csl-json";
        let header = "--no-header is for row formats and workbooks; Parquet, TimelineJS and CSL-JSON always name their fields";
        let file = "xlsx is a binary workbook, not text for a terminal or a pipe: name the file with -o FILE (for example -o archive.xlsx)";
        let cases: &[(&[&str], &str)] = &[
            (&[], what),
            (&["--format", "xlsx", "-o", "a.xlsx"], what),
            (&["--excel"], what),
            (&["events", "--excel", "--format", "json"], excel),
            (
                &["events", "--excel", "--format", "xlsx", "-o", "e.xlsx"],
                excel,
            ),
            (&["--dir", "d", "--excel"], dir),
            (&["--dir", "d", "--format", "tsv"], dir),
            (&["--dir", "d", "--format", "xlsx"], dir),
            (&["--dir", "d", "--no-header"], dir),
            (&["--dir", "d", "-p", "a=1"], dir),
            (&["--all"], all),
            (&["--all", "-o", "a.csv"], all),
            (&["--all", "--format", "json", "--dir", "d"], all),
            (
                &["--all", "--format", "parquet"],
                "--all --format parquet writes one file per table: name their folder with --dir DIR",
            ),
            (
                &["--all", "--format", "xlsx", "--dir", "d"],
                "--all --format xlsx writes one workbook: name it with -o FILE, not --dir",
            ),
            (
                &["--dir", "d", "--format", "parquet"],
                "--dir alone writes the CSV files load reads; for a Parquet file per table, add --all: --all --format parquet --dir DIR",
            ),
            (&["events", "--format", "parquet"], parquet_file),
            (&["--run", "timeline", "--format", "parquet"], parquet_file),
            (
                &["events", "--format", "parquet", "-o", "e", "--no-header"],
                header,
            ),
            (&["sources", "--format", "csl-json", "--no-header"], header),
            (&["events", "--format", "timelinejs"], timeline),
            (&["--run", "figures", "--format", "timelinejs"], timeline),
            (&["--query", "SELECT 1", "--format", "timelinejs"], timeline),
            (&["events", "--format", "csl-json"], csl),
            (&["sources_full", "--format", "csl-json"], csl),
            (&["--run", "sources", "--format", "csl-json"], csl),
            (
                &["events", "--format", "parquet", "--excel", "-o", "e"],
                excel,
            ),
            (&["--all", "--format", "xlsx"], file),
            (&["events", "--format", "xlsx"], file),
            (&["--query", "SELECT 1", "--format", "xlsx"], file),
            (
                &["events", "-p", "a=1"],
                "-p goes with --query or --run, not with a table or view",
            ),
            (
                &["--all", "--format", "xlsx", "-o", "a.xlsx", "-p", "a=1"],
                "-p goes with --query or --run, not with --all",
            ),
            (
                &["--run", "timeline", "-p", "from"],
                "-p takes name=value (found \"from\")",
            ),
        ];
        for (words, message) in cases {
            let a = args(words);
            let e = Export::of(&a).unwrap_err();
            assert_eq!(
                (e.to_string().as_str(), e.exit_code()),
                (*message, 2),
                "{words:?}"
            );
        }
        // The command line cannot name two things, and if it did, they are refused.
        assert!(crate::cli::Cli::try_parse_from(["dossier", "export", "events", "--all"]).is_err());
        let mut a = args(&["events"]);
        a.run = Some("timeline".into());
        assert_eq!(
            Export::of(&a).unwrap_err().to_string(),
            "export one thing at a time: a table or view name, --query SQL, --run NAME, --dir DIR or --all"
        );
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
