//! The interactive SQL shell that `dossier sql` opens when it is given no SQL and a
//! terminal: statements that end with `;`, dot commands, history, Tab completion, and
//! Ctrl-C that stops the running query instead of the shell.
//!
//! It is `dossier sql` one statement at a time: the same read-only archive, the same
//! refusals, time limit and `-p` parameters, and the same output formats.

mod complete;
mod split;

use super::{Context, pairs, streamed, style};
use crate::cli::SqlArgs;
use crate::db::read::Archive;
use crate::error::{Error, Result};
use crate::output::{self, Format, Output, RowWriter, Style};
use clap::ValueEnum;
use complete::{DOT_COMMANDS, Names};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const PROMPT: &str = "dossier> ";
const CONTINUE: &str = "    ...> ";

/// Entries the history keeps; older ones are dropped.
const HISTORY_SIZE: usize = 1000;

pub fn run(args: &SqlArgs, ctx: &Context) -> Result<()> {
    if args.out.output.is_some() {
        return Err(Error::Usage(
            "the shell prints to the terminal; -o FILE goes with dossier sql 'SELECT …', -f FILE or -".into(),
        ));
    }
    let archive = ctx.open_limited(&args.query)?;
    let given = pairs(&args.query.params)?;
    let formats = Format::value_variants()
        .iter()
        .filter_map(|f| f.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect();
    let names = Names::read(&archive.conn, formats)?;
    let config = Config::builder()
        .max_history_size(HISTORY_SIZE)
        .and_then(|b| b.history_ignore_dups(true))
        .map_err(terminal)?
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<Names, FileHistory> = Editor::with_config(config).map_err(terminal)?;
    editor.set_helper(Some(names));
    let history = history_file(args.history.as_deref());
    if let Some(path) = &history {
        load_history(&mut editor, path);
    }
    let cancelled = Arc::new(AtomicBool::new(false));
    catch_ctrl_c(&archive, cancelled.clone());
    let mut shell = Shell {
        archive,
        given,
        style: style(&args.out),
        cancelled,
    };
    let mut out = Output::stdout();
    out.line(&format!(
        "dossier {} on {} (read-only). End statements with ;  .help lists the commands, Ctrl-D leaves.",
        env!("CARGO_PKG_VERSION"),
        ctx.db.display()
    ))?;
    out.finish()?;
    // The history is kept even when the terminal fails under the shell.
    let ended = shell.run(&mut editor);
    if let Some(path) = &history
        && let Err(e) = editor.save_history(path)
    {
        output::warn(&format!(
            "cannot write the history to {}: {e} — this session's history is not kept",
            path.display()
        ));
    }
    ended
}

struct Shell {
    archive: Archive,
    given: Vec<(String, String)>,
    style: Style,
    /// Set by the Ctrl-C handler, so that an interrupted query is told from one that
    /// ran out of time.
    cancelled: Arc<AtomicBool>,
}

/// The line after its first `n` words, as typed, without the spaces around it.
fn after_words(line: &str, n: usize) -> &str {
    let mut rest = line;
    for _ in 0..n {
        rest = rest.trim_start();
        rest = &rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..];
    }
    rest.trim()
}

/// What a dot command asks of the shell.
enum Next {
    Continue,
    Quit,
}

impl Shell {
    /// Reads and runs input until `.quit` or Ctrl-D.
    fn run(&mut self, editor: &mut Editor<Names, FileHistory>) -> Result<()> {
        let mut pending = String::new();
        loop {
            let prompt = if split::is_blank(&pending) {
                PROMPT
            } else {
                CONTINUE
            };
            let line = match editor.readline(prompt) {
                Ok(line) => line,
                // Ctrl-C at the prompt drops what was typed, the unfinished statement too.
                Err(ReadlineError::Interrupted) => {
                    pending.clear();
                    continue;
                }
                Err(ReadlineError::Eof) => return Ok(()),
                Err(e) => return Err(terminal(e)),
            };
            if split::is_blank(&pending) && line.trim_start().starts_with('.') {
                pending.clear();
                remember(editor, line.trim());
                match self.dot(line.trim()) {
                    Ok(Next::Quit) => return Ok(()),
                    Ok(Next::Continue) => {}
                    Err(e) => output::report(&e),
                }
                continue;
            }
            pending.push_str(&line);
            pending.push('\n');
            let split = split::split(&pending);
            if split.statements.is_empty() {
                continue;
            }
            let done = pending.len() - split.rest.len();
            remember(editor, pending[..done].trim());
            pending = split.rest;
            for (i, sql) in split.statements.iter().enumerate() {
                match self.execute(sql) {
                    Ok(()) => {}
                    Err(Error::Cancelled) => {
                        output::report(&Error::Cancelled);
                        let left = split.statements.len() - i - 1;
                        if left > 0 {
                            output::warn(&format!(
                                "{left} more {} on that line not run",
                                crate::error::plural(left, "statement", "statements")
                            ));
                        }
                        break;
                    }
                    Err(e) => output::report(&e),
                }
            }
        }
    }

    /// Runs one statement and prints its rows.
    fn execute(&mut self, sql: &str) -> Result<()> {
        self.cancelled.store(false, Ordering::SeqCst);
        let result = (|| {
            let mut stmt = self.archive.prepare(sql)?;
            super::sql::bind_used(&mut stmt, &self.given)?;
            let mut out = Output::stdout();
            output::query(&mut out, self.style, &mut stmt)
                .map_err(|e| streamed(&self.archive, e))?;
            Ok(out.finish()?)
        })();
        match result {
            Err(Error::Timeout { .. }) if self.cancelled.swap(false, Ordering::SeqCst) => {
                Err(Error::Cancelled)
            }
            other => other,
        }
    }

    /// Runs a dot command.
    fn dot(&mut self, line: &str) -> Result<Next> {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or("");
        let args: Vec<&str> = words.collect();
        let no_args = |args: &[&str]| -> Result<()> {
            if args.is_empty() {
                Ok(())
            } else {
                Err(Error::Usage(format!("{command} takes no argument")))
            }
        };
        let mut out = Output::stdout();
        match command {
            ".quit" | ".exit" => {
                no_args(&args)?;
                return Ok(Next::Quit);
            }
            ".help" => {
                no_args(&args)?;
                let mut rows = vec![vec!["command".to_string(), "what it does".to_string()]];
                rows.extend(DOT_COMMANDS.iter().map(|(c, takes, what)| {
                    vec![
                        format!("{c} {takes}").trim_end().to_string(),
                        what.to_string(),
                    ]
                }));
                out.columns(&rows)?;
                out.line("SQL statements end with ; and may span lines. Tab completes names. Ctrl-C stops a query.")?;
            }
            ".tables" => {
                no_args(&args)?;
                self.tables(&mut out)?;
            }
            ".schema" => {
                if args.len() > 1 {
                    return Err(Error::Usage(
                        ".schema takes one table or view name, or none".into(),
                    ));
                }
                super::schema::write(&self.archive, args.first().copied(), self.style, &mut out)?;
            }
            ".param" | ".parameter" => self.param(line, &args, &mut out)?,
            ".format" => match args.as_slice() {
                [] => out.line(&format!("{}", FormatName(self.style.format)))?,
                [name] => match Format::from_str(name, true) {
                    Ok(format) => self.style.format = format,
                    Err(_) => {
                        return Err(Error::Usage(format!(
                            "unknown format {name:?} — one of table, csv, tsv, json, ndjson, markdown"
                        )));
                    }
                },
                _ => {
                    return Err(Error::Usage(
                        ".format takes one format name, or none".into(),
                    ));
                }
            },
            _ => {
                return Err(Error::Usage(format!(
                    "unknown command {command} — .help lists the commands; SQL needs no dot"
                )));
            }
        }
        out.finish()?;
        Ok(Next::Continue)
    }

    /// `.param`: the parameters `:name` binds, as `-p name=value` set them at the
    /// start; `set` takes the rest of the line as the value, spaces included.
    fn param(&mut self, line: &str, args: &[&str], out: &mut Output) -> Result<()> {
        let usage = || {
            Error::Usage(
                ".param takes set NAME VALUE, unset NAME, clear, or nothing to list them".into(),
            )
        };
        let name = |n: &str| {
            let n = n.strip_prefix(':').unwrap_or(n);
            if n.is_empty() || !n.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(Error::Usage(format!(
                    "a parameter name is letters, digits and _, as in :unit (found {n:?})"
                )));
            }
            Ok(n.to_string())
        };
        match args {
            [] if self.given.is_empty() => {
                out.line("no parameters are set — .param set NAME VALUE sets one")?;
            }
            [] => {
                let mut rows = vec![vec!["name".to_string(), "value".to_string()]];
                rows.extend(
                    self.given
                        .iter()
                        .map(|(k, v)| vec![format!(":{k}"), v.clone()]),
                );
                out.columns(&rows)?;
            }
            ["set", n, _, ..] => {
                let n = name(n)?;
                let value = after_words(line, 3).to_string();
                self.given.retain(|(k, _)| *k != n);
                self.given.push((n, value));
            }
            ["unset", n] => {
                let n = name(n)?;
                let before = self.given.len();
                self.given.retain(|(k, _)| *k != n);
                if self.given.len() == before {
                    return Err(Error::Usage(format!(
                        "no parameter :{n} is set — .param lists them"
                    )));
                }
            }
            ["clear"] => self.given.clear(),
            _ => return Err(usage()),
        }
        Ok(())
    }

    /// `.tables`: the tables and views, with what kind each is.
    fn tables(&self, out: &mut Output) -> Result<()> {
        let mut stmt = self.archive.prepare(&format!(
            "SELECT name, kind FROM ({}) ORDER BY type, name",
            crate::db::OBJECTS
        ))?;
        let mut rows = stmt.query([])?;
        let mut w = RowWriter::new(out, self.style, vec!["name".into(), "kind".into()])?;
        while let Some(r) = rows.next()? {
            w.row(&[r.get_ref(0)?, r.get_ref(1)?])?;
        }
        w.finish()?;
        Ok(())
    }
}

/// A format as it is written on the command line.
struct FormatName(Format);

impl std::fmt::Display for FormatName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.to_possible_value() {
            Some(v) => f.write_str(v.get_name()),
            None => write!(f, "{:?}", self.0),
        }
    }
}

fn remember(editor: &mut Editor<Names, FileHistory>, entry: &str) {
    // A history that cannot take an entry is not worth stopping the shell for.
    let _ = editor.add_history_entry(entry);
}

/// Makes Ctrl-C stop the running query: SQLite checks the interrupt flag as it steps,
/// so the query ends with an error and the shell goes on. At the prompt the terminal
/// is in raw mode and Ctrl-C reaches the line editor as a key instead.
fn catch_ctrl_c(archive: &Archive, cancelled: Arc<AtomicBool>) {
    let handle = archive.conn.get_interrupt_handle();
    if let Err(e) = ctrlc::set_handler(move || {
        cancelled.store(true, Ordering::SeqCst);
        handle.interrupt();
    }) {
        output::warn(&format!(
            "Ctrl-C will end dossier, not just the running query: {e}"
        ));
    }
}

/// The history file: `--history` (or DOSSIER_HISTORY), else
/// `$XDG_DATA_HOME/dossier/history`, else `~/.local/share/dossier/history`.
fn history_file(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = given {
        return Some(p.to_path_buf());
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    match data {
        Some(d) => Some(d.join("dossier").join("history")),
        None => {
            output::warn("no home folder to keep the history in — set DOSSIER_HISTORY to keep it");
            None
        }
    }
}

/// Reads the history, creating its folder; a problem is a warning, not a failure.
fn load_history(editor: &mut Editor<Names, FileHistory>, path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        output::warn(&format!(
            "cannot create {} for the history: {e}",
            dir.display()
        ));
        return;
    }
    if path.exists()
        && let Err(e) = editor.load_history(path)
    {
        output::warn(&format!(
            "cannot read the history in {}: {e}",
            path.display()
        ));
    }
}

/// An error of the terminal itself, which the shell cannot go on without.
fn terminal(e: ReadlineError) -> Error {
    let source = match e {
        ReadlineError::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    };
    Error::Read {
        path: "the terminal".into(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_the_rest_of_the_line_as_typed() {
        assert_eq!(after_words(".param set actor RUS", 3), "RUS");
        assert_eq!(
            after_words("  .param  set\tq   wheat  flour aid  ", 3),
            "wheat  flour aid"
        );
        assert_eq!(after_words(".param set q", 3), "");
    }

    #[test]
    fn format_names_are_as_typed() {
        assert_eq!(FormatName(Format::Ndjson).to_string(), "ndjson");
        assert_eq!(FormatName(Format::Table).to_string(), "table");
    }

    #[test]
    fn the_history_goes_where_it_is_told() {
        assert_eq!(
            history_file(Some(Path::new("/tmp/h"))),
            Some(PathBuf::from("/tmp/h"))
        );
    }
}
