//! The errors users can act on, and the exit code each one maps to.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// One thing wrong with an input file, located at `file:line:column`.
///
/// `column` is the field's position in the row, from 1 (spreadsheet column A is 1),
/// and `line` is the line on which the row starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: Arc<str>,
    pub line: u64,
    pub column: usize,
    /// What is wrong.
    pub what: String,
    /// What was found, already phrased: `"2017-13-01"`, `an empty cell`.
    pub found: String,
    /// How to fix it.
    pub fix: String,
    /// The file's place in the load, so that problems sort in reading order.
    pub order: usize,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} (found {}) — {}",
            self.file, self.line, self.column, self.what, self.found, self.fix
        )
    }
}

/// Every problem a load found, up to a cap, and how many there were in all.
#[derive(Debug)]
pub struct Problems {
    pub shown: Vec<Problem>,
    pub total: usize,
    pub files: usize,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.shown {
            writeln!(f, "{p}")?;
        }
        let hidden = self.total - self.shown.len();
        if hidden > 0 {
            writeln!(
                f,
                "… and {hidden} more {} not shown",
                plural(hidden, "problem", "problems")
            )?;
        }
        write!(
            f,
            "error: {} {} in {} {}; nothing was loaded and the archive is unchanged",
            self.total,
            plural(self.total, "problem", "problems"),
            self.files,
            plural(self.files, "file", "files"),
        )
    }
}

/// What a search may look like, for a search that is not understood.
const SEARCH_EXAMPLES: &str = "for example: coal, \"crossed the line\", nucl*, coal AND China, wheat OR flour, coal NOT China";

pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input files have problems; nothing was written.
    #[error("{0}")]
    Invalid(Problems),

    /// The command line asks for something that cannot be done as asked.
    #[error("{0}")]
    Usage(String),

    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{} is not a dossier archive ({reason}) — dossier only replaces archives it built; \
         choose another path with --db, or move the file away",
        path.display()
    )]
    NotAnArchive { path: PathBuf, reason: String },

    #[error(
        "another dossier load is writing {} — wait for it to finish, then run this one again",
        path.display()
    )]
    Locked { path: PathBuf },

    #[error(
        "queries kept {} busy for too long, so the load could not commit its changes; nothing was changed — run it again when they end, or use dossier load --full, which builds a new archive beside them",
        path.display()
    )]
    Busy { path: PathBuf },

    #[error("{}: no archive there — build one with dossier load (or name another with --db)", path.display())]
    NoArchive { path: PathBuf },

    /// A query tried to do something other than read.
    #[error("{0}")]
    Refused(String),

    /// `ran` is how long the statement had run when it was stopped.
    #[error(
        "the query was stopped after {ran:.2} s, its limit being {seconds} s (--timeout) — narrow it, or raise the limit with --timeout SECONDS (0 for none)"
    )]
    Timeout { seconds: f64, ran: f64 },

    #[error(
        "the query needed more than {mib} MiB of memory and was stopped (--memory-limit) — narrow it (fewer rows, shorter values), or raise the limit with --memory-limit MIB (0 for none)"
    )]
    Memory { mib: u64 },

    /// The user stopped the running query with Ctrl-C (in the shell).
    #[error("the query was cancelled (Ctrl-C)")]
    Cancelled,

    /// A result that the output cannot hold, such as a sheet of a workbook, or a
    /// Parquet column of values of several types.
    #[error("{0}")]
    TooBig(String),

    /// SQLite could not run a query: its own words, with a pointer under the SQL when it
    /// knows where.
    #[error("{0}")]
    QueryFailed(String),

    /// The text of a search is not FTS5 syntax; `reason` is SQLite's.
    #[error(
        "search: {query:?} is not a search dossier understands ({reason}) — {SEARCH_EXAMPLES}; \
         put words with punctuation in double quotes"
    )]
    BadSearch { query: String, reason: String },

    /// A canned-query file that cannot be used: its header is malformed, or its name
    /// does not fit. `line` is where the problem is.
    #[error("{}:{line}:1: {message}", path.display())]
    QueryFile {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// No event, figure, source or actor has this id; `hint` is the nearest one, or
    /// where to look.
    #[error("no event, figure, source or actor has the id {id:?} — {hint}")]
    UnknownId { id: String, hint: String },

    /// `dossier check` found something at deny level; the findings are already shown.
    #[error(
        "{findings} {} at deny level, from {rules} — dossier check --explain RULE says why each rule matters",
        plural(*findings as usize, "finding", "findings")
    )]
    Denied { findings: u64, rules: String },

    /// Writing to standard output failed (a closed pipe is not an error; see `main`).
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),

    /// `diff --exit-code` found differences; the diff itself is the message.
    #[error("the archives differ")]
    Differs,

    /// A bug: something dossier's own checks should have made impossible.
    #[error("internal error: {0} — please report this, with the command and its input files")]
    Internal(String),

    #[error("{context}: {source}")]
    Sqlite {
        context: String,
        source: rusqlite::Error,
    },
}

impl Error {
    /// The process exit code: 2 for a usage error, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::BadSearch { .. } => 2,
            _ => 1,
        }
    }

    pub fn sqlite(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
        let context = context.into();
        move |source| Error::Sqlite { context, source }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(source: rusqlite::Error) -> Self {
        Error::Sqlite {
            context: "database error".into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A search the user mistyped is a usage error; a fact that is not there, or a
    /// query SQLite cannot run, is not.
    #[test]
    fn query_errors_keep_their_words_and_exit_codes() {
        let search = Error::BadSearch {
            query: "\"open".into(),
            reason: "unterminated string".into(),
        };
        assert_eq!(search.exit_code(), 2);
        assert_eq!(
            search.to_string(),
            "search: \"\\\"open\" is not a search dossier understands (unterminated string) — \
             for example: coal, \"crossed the line\", nucl*, coal AND China, wheat OR flour, \
             coal NOT China; put words with punctuation in double quotes"
        );
        let id = Error::UnknownId {
            id: "ev-1".into(),
            hint: "did you mean ev-10?".into(),
        };
        assert_eq!(id.exit_code(), 1);
        assert_eq!(
            id.to_string(),
            "no event, figure, source or actor has the id \"ev-1\" — did you mean ev-10?"
        );
        let failed = Error::QueryFailed("no such column: x".into());
        assert_eq!(
            (failed.to_string().as_str(), failed.exit_code()),
            ("no such column: x", 1)
        );
    }
}
