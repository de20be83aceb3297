//! `dossier diff`: what loading folders would change in the archive, or how two
//! archives differ, as a diff coloured like git's, as rows for scripts, as Markdown
//! for a pull request, or as counts.

use super::{Context, open_output, style};
use crate::cli::DiffArgs;
use crate::db::diff::{self, Change, Counts, Kind};
use crate::db::load::{self, Options};
use crate::error::{Error, Result};
use crate::output::{self, Format, Output, RowWriter, text_of};
use crate::progress::{self, Bar};
use rusqlite::Connection;
use rusqlite::types::Value;
use std::path::{Path, PathBuf};

pub fn run(args: &DiffArgs, ctx: &Context) -> Result<()> {
    let sides = Sides::of(&args.paths)?;
    let compared = sides.open(ctx, args.encoding.unwrap_or_default())?;
    let mut out = open_output(args.out.output.as_deref())?;
    let colour =
        args.out.output.is_none() && args.out.format == Format::Table && output::colour_on_stdout();
    let mut printer = Printer::new(args, colour);
    let mut counts = Counts::default();
    diff::compare(&compared.conn, compared.old, "main", &mut |c| {
        counts.add(&c);
        printer.change(&mut out, c)
    })?;
    printer.finish(&mut out, &counts)?;
    out.finish()?;
    drop(compared);
    if args.exit_code && !counts.is_empty() {
        return Err(Error::Differs);
    }
    Ok(())
}

/// What is compared with what.
#[derive(Debug, PartialEq)]
enum Sides<'a> {
    /// Two archives, old then new.
    Archives(&'a Path, &'a Path),
    /// The archive (--db) against what loading these folders would make of it; the
    /// bundled seed when none is named.
    Folders(&'a [PathBuf]),
}

impl<'a> Sides<'a> {
    fn of(paths: &'a [PathBuf]) -> Result<Self> {
        let archives: Vec<bool> = paths.iter().map(|p| is_sqlite(p)).collect();
        match (paths, archives.as_slice()) {
            ([old, new], [true, true]) => Ok(Sides::Archives(old, new)),
            (_, a) if a.iter().any(|x| *x) => Err(Error::Usage(
                "diff compares two archives (dossier diff OLD.db NEW.db), or folders of CSV files with the archive named by --db (dossier diff FOLDER…) — not a mix".into(),
            )),
            _ => Ok(Sides::Folders(paths)),
        }
    }

    /// The new side as `main`, the old one attached as `old` (none when the archive a
    /// folder is compared with does not exist yet).
    fn open(&self, ctx: &Context, encoding: crate::db::encoding::Encoding) -> Result<Compared> {
        match self {
            Sides::Archives(old, new) => {
                crate::db::open_read_only(old)?;
                let conn = crate::db::open_read_only(new)?;
                attach(&conn, old)?;
                Ok(Compared {
                    conn,
                    old: Some("old"),
                    scratch: None,
                })
            }
            Sides::Folders(paths) => {
                let (inputs, described) = if paths.is_empty() {
                    (load::seed(), "built-in seed".to_string())
                } else {
                    (load::discover(paths, encoding)?, describe(paths))
                };
                let scratch = Scratch::new();
                let total = load::input_bytes(&inputs);
                let bar = Shown(Bar::bytes(progress::wanted(ctx.quiet), total, "reading"));
                load::run(
                    &Options {
                        target: ctx.db.clone(),
                        inputs,
                        described,
                        dry_run: true,
                        full: true,
                        scratch: Some(scratch.0.clone()),
                    },
                    &bar,
                )?;
                bar.0.finish();
                let conn = crate::db::open_read_only(&scratch.0)?;
                let old = if ctx.db.exists() {
                    crate::db::open_read_only(&ctx.db)?;
                    attach(&conn, &ctx.db)?;
                    Some("old")
                } else {
                    None
                };
                Ok(Compared {
                    conn,
                    old,
                    scratch: Some(scratch),
                })
            }
        }
    }
}

/// The folders as `load_runs.inputs` describes them.
fn describe(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn attach(conn: &Connection, path: &Path) -> Result<()> {
    conn.execute(
        "ATTACH DATABASE ?1 AS old",
        [crate::db::read_only_uri(path)],
    )
    .map_err(Error::sqlite(format!("cannot open {}", path.display())))?;
    Ok(())
}

/// Whether a path is a file that starts as every SQLite database does.
fn is_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == b"SQLite format 3\0")
}

/// The connection a diff reads, and the scratch archive it may read from.
struct Compared {
    conn: Connection,
    old: Option<&'static str>,
    /// Dropped after the connection, which is declared first.
    #[allow(dead_code)]
    scratch: Option<Scratch>,
}

/// The archive a folder would make, built in the temporary folder and removed after.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Scratch(
            std::env::temp_dir().join(format!("dossier-diff-{}-{nanos}.db", std::process::id())),
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The load's progress on standard error, while a folder is read.
struct Shown(Bar);

impl load::Progress for Shown {
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn step(&self, what: &'static str) {
        self.0.step(what);
    }
}

/// Writes changes as they come, in the format asked for.
struct Printer<'a> {
    args: &'a DiffArgs,
    colour: bool,
    /// The table whose changes are being written, and (Markdown) its lines so far.
    table: Option<String>,
    held: Vec<String>,
    held_counts: [u64; 3],
    /// CSV and TSV: the rows being written, once started.
    rows: Option<Vec<Vec<Value>>>,
    /// JSON: whether an object has been written.
    first: bool,
}

/// git's colours: headers bold, hunk headers cyan, removed red, added green.
const BOLD: &str = "1";
const CYAN: &str = "36";
const RED: &str = "31";
const GREEN: &str = "32";

impl<'a> Printer<'a> {
    fn new(args: &'a DiffArgs, colour: bool) -> Self {
        Printer {
            args,
            colour,
            table: None,
            held: Vec::new(),
            held_counts: [0; 3],
            rows: None,
            first: true,
        }
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn change(&mut self, out: &mut Output, c: Change) -> Result<()> {
        if self.args.stat {
            return Ok(());
        }
        match self.args.out.format {
            Format::Table => {
                if self.table.as_deref() != Some(c.table.as_str()) {
                    if self.table.is_some() {
                        out.line("")?;
                    }
                    out.line(&self.paint(&c.table, BOLD))?;
                    self.table = Some(c.table.clone());
                }
                for line in self.lines(&c) {
                    out.line(&line)?;
                }
            }
            Format::Markdown => {
                if self.table.as_deref() != Some(c.table.as_str()) {
                    self.flush_markdown(out)?;
                    self.table = Some(c.table.clone());
                }
                self.held_counts[c.kind as usize] += 1;
                let lines = self.lines(&c);
                self.held.extend(lines);
            }
            Format::Csv | Format::Tsv => {
                let rows = self.rows.get_or_insert_with(Vec::new);
                let record = |field: Option<&diff::Field>| -> Vec<Value> {
                    vec![
                        Value::Text(c.table.clone()),
                        Value::Text(c.key.clone()),
                        Value::Text(c.kind.name().into()),
                        field.map_or(Value::Null, |f| Value::Text(f.name.clone())),
                        field.map_or(Value::Null, |f| f.old.clone()),
                        field.map_or(Value::Null, |f| f.new.clone()),
                    ]
                };
                if c.fields.is_empty() {
                    rows.push(record(None));
                }
                rows.extend(c.fields.iter().map(|f| record(Some(f))));
                // Written in bounded batches, so that memory stays flat.
                if rows.len() >= 1024 {
                    self.write_rows(out)?;
                }
            }
            Format::Json | Format::Ndjson => {
                let fields: serde_json::Map<String, serde_json::Value> = c
                    .fields
                    .iter()
                    .map(|f| {
                        (
                            f.name.clone(),
                            serde_json::json!({"old": output::json_of(&f.old), "new": output::json_of(&f.new)}),
                        )
                    })
                    .collect();
                let object = serde_json::json!({
                    "table": c.table,
                    "key": c.key,
                    "change": c.kind.name(),
                    "fields": fields,
                });
                let w = out.writer();
                if self.args.out.format == Format::Json {
                    w.write_all(if self.first { b"[\n" } else { b",\n" })?;
                    serde_json::to_writer(&mut *w, &object).map_err(std::io::Error::other)?;
                } else {
                    serde_json::to_writer(&mut *w, &object).map_err(std::io::Error::other)?;
                    w.write_all(b"\n")?;
                }
                self.first = false;
            }
        }
        Ok(())
    }

    /// A change as lines of a diff: `+ key`, `- key` or `~ key`, then its fields, each
    /// old value on a `-` line and each new one on a `+` line.
    fn lines(&self, c: &Change) -> Vec<String> {
        let width = c
            .fields
            .iter()
            .map(|f| f.name.chars().count())
            .max()
            .unwrap_or(0);
        let mut lines = Vec::new();
        let (mark, code) = match c.kind {
            Kind::Added => ("+", GREEN),
            Kind::Removed => ("-", RED),
            Kind::Changed => ("~", CYAN),
        };
        lines.push(self.paint(&format!("{mark} {}", c.key), code));
        for f in &c.fields {
            for (sign, value, code) in [("-", &f.old, RED), ("+", &f.new, GREEN)] {
                // An added row has no old values, a removed one no new values.
                let shown = !matches!((c.kind, sign), (Kind::Added, "-") | (Kind::Removed, "+"));
                if shown {
                    let text = one_line(&text_of(value.into()));
                    let line = format!("{sign}     {:width$}  {text}", f.name);
                    lines.push(self.paint(line.trim_end(), code));
                }
            }
        }
        lines
    }

    fn flush_markdown(&mut self, out: &mut Output) -> Result<()> {
        let Some(table) = self.table.take() else {
            return Ok(());
        };
        let [added, removed, changed] = self.held_counts;
        out.line(&format!(
            "### {table}: {added} added, {removed} removed, {changed} changed"
        ))?;
        out.line("")?;
        // A fence longer than any run of backticks in the lines.
        let longest = self
            .held
            .iter()
            .map(|l| l.split(|c| c != '`').map(str::len).max().unwrap_or(0))
            .max()
            .unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        out.line(&format!("{fence}diff"))?;
        for line in self.held.drain(..) {
            out.line(&line)?;
        }
        out.line(&fence)?;
        out.line("")?;
        self.held_counts = [0; 3];
        Ok(())
    }

    fn write_rows(&mut self, out: &mut Output) -> Result<()> {
        let Some(rows) = self.rows.as_mut() else {
            return Ok(());
        };
        let style = style(&self.args.out);
        let columns = ["table", "key", "change", "field", "old", "new"]
            .map(String::from)
            .to_vec();
        // The header is written with the first batch only.
        let style = if self.first {
            style
        } else {
            output::Style {
                header: false,
                ..style
            }
        };
        let mut w = RowWriter::new(out, style, columns)?;
        for row in rows.drain(..) {
            w.owned_row(&row)?;
        }
        w.finish()?;
        self.first = false;
        Ok(())
    }

    fn finish(&mut self, out: &mut Output, counts: &Counts) -> Result<()> {
        if self.args.stat {
            let columns = ["table", "added", "removed", "changed"]
                .map(String::from)
                .to_vec();
            let mut w = RowWriter::new(out, style(&self.args.out), columns)?;
            for (table, n) in &counts.tables {
                w.owned_row(&[
                    Value::Text(table.clone()),
                    Value::Integer(n[0] as i64),
                    Value::Integer(n[1] as i64),
                    Value::Integer(n[2] as i64),
                ])?;
            }
            w.finish()?;
            return Ok(());
        }
        match self.args.out.format {
            Format::Markdown => {
                if counts.is_empty() {
                    out.line("No differences.")?;
                }
                self.flush_markdown(out)?;
            }
            Format::Csv | Format::Tsv => {
                self.rows.get_or_insert_with(Vec::new);
                self.write_rows(out)?;
            }
            Format::Json => {
                out.writer()
                    .write_all(if self.first { b"[]\n" } else { b"\n]\n" })?;
            }
            Format::Table | Format::Ndjson => {}
        }
        Ok(())
    }
}

/// A value on one line: line breaks as ↵, tabs as spaces.
fn one_line(s: &str) -> String {
    s.replace("\r\n", "↵")
        .replace(['\n', '\r'], "↵")
        .replace('\t', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_archives_or_folders_never_a_mix() {
        let dir = tempfile::tempdir().unwrap();
        let db = |name: &str| {
            let p = dir.path().join(name);
            Connection::open(&p)
                .unwrap()
                .execute_batch("CREATE TABLE t (x)")
                .unwrap();
            p
        };
        let (a, b) = (db("a.db"), db("b.db"));
        let folder = dir.path().join("f");
        std::fs::create_dir(&folder).unwrap();
        assert_eq!(
            Sides::of(&[a.clone(), b.clone()]).unwrap(),
            Sides::Archives(&a, &b)
        );
        let folders = [folder.clone()];
        assert_eq!(Sides::of(&folders).unwrap(), Sides::Folders(&folders));
        assert_eq!(Sides::of(&[]).unwrap(), Sides::Folders(&[]));
        for mixed in [
            vec![a.clone(), folder.clone()],
            vec![a.clone()],
            vec![a, b.clone(), b],
        ] {
            assert!(
                matches!(Sides::of(&mixed), Err(Error::Usage(_))),
                "{mixed:?}"
            );
        }
    }

    #[test]
    fn values_stay_on_one_line() {
        assert_eq!(one_line("a\nb\r\nc\td"), "a↵b↵c d");
    }
}
