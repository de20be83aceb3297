//! One module per subcommand; each takes its parsed arguments and writes through
//! [`crate::output::Output`]. What several commands share lives here.

pub mod check;
pub mod completions;
pub mod datasette;
pub mod diff;
pub mod export;
pub mod listing;
pub mod load;
pub mod man;
pub mod queries;
pub mod report;
pub mod schema;
pub mod search;
pub mod shell;
pub mod show;
pub mod sql;
pub mod summary;

use crate::cli::{OutputArgs, QueryArgs};
use crate::db::read::{Archive, Limits};
use crate::error::{Error, Result};
use crate::output::{self, Output, StreamError, Style};
use crate::queries::Registry;
use rusqlite::Statement;
use rusqlite::types::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What every command may need besides its own arguments.
pub struct Context {
    pub db: PathBuf,
    /// The user's canned-query folder, if any.
    pub queries: Option<PathBuf>,
    /// The user's folder of check rules, if any.
    pub rules: Option<PathBuf>,
    /// `--quiet`: no progress, summaries or warnings.
    pub quiet: bool,
}

impl Context {
    /// The built-in queries only: built-in commands must not depend on a user's folder.
    pub fn built_in(&self) -> Result<Registry> {
        Registry::load(None)
    }

    /// The built-in queries and the user's.
    pub fn all_queries(&self) -> Result<Registry> {
        Registry::load(self.queries.as_deref())
    }

    /// The built-in check rules and the user's.
    pub fn rules(&self) -> Result<crate::rules::Rules> {
        crate::rules::Rules::load(self.rules.as_deref())
    }

    /// The archive, for a command that runs only its own queries.
    pub fn open(&self) -> Result<Archive> {
        Archive::open(&self.db, Limits::default())
    }

    /// The archive, for SQL a user writes or names: within the limits asked for.
    pub fn open_limited(&self, q: &QueryArgs) -> Result<Archive> {
        Archive::open(&self.db, limits(q)?)
    }
}

pub fn style(o: &OutputArgs) -> Style {
    Style {
        header: !o.no_header,
        ..Style::new(o.format)
    }
}

/// Standard output, or the file named with -o.
pub fn open_output(path: Option<&Path>) -> Result<Output> {
    match path {
        None => Ok(Output::stdout()),
        Some(p) => Output::file(p).map_err(|source| Error::Write {
            path: p.to_path_buf(),
            source,
        }),
    }
}

/// `--timeout SECONDS` and `--memory-limit MIB` as limits; 0 means none.
fn limits(q: &QueryArgs) -> Result<Limits> {
    if !q.timeout.is_finite() || q.timeout < 0.0 {
        return Err(Error::Usage(format!(
            "--timeout takes a number of seconds, 0 for no limit (found {})",
            q.timeout
        )));
    }
    Ok(Limits {
        time: (q.timeout > 0.0).then(|| Duration::from_secs_f64(q.timeout)),
        memory: (q.memory_limit > 0).then(|| q.memory_limit.saturating_mul(1024 * 1024)),
    })
}

/// `-p name=value` pairs.
pub fn pairs(params: &[String]) -> Result<Vec<(String, String)>> {
    params
        .iter()
        .map(|p| crate::queries::split_pair(p))
        .collect()
}

/// Maps an error met while streaming rows.
pub fn streamed(archive: &Archive, e: StreamError) -> Error {
    match e {
        StreamError::Io(e) => Error::Output(e),
        StreamError::Sql(e) => archive.explain(e),
    }
}

/// Prepares a canned query with its parameters checked and bound.
pub fn prepare_canned<'a>(
    archive: &'a Archive,
    registry: &Registry,
    name: &str,
    given: &[(String, String)],
) -> Result<Statement<'a>> {
    let query = registry.get(name)?;
    let bindings = crate::queries::bind(query, given, &archive.conn)?;
    let mut stmt = archive.prepare(&query.sql)?;
    bindings.apply(&mut stmt)?;
    Ok(stmt)
}

/// Runs a canned query and streams its rows to `out`.
pub fn run_canned(
    archive: &Archive,
    registry: &Registry,
    name: &str,
    given: &[(String, String)],
    style: Style,
    out: &mut Output,
) -> Result<u64> {
    let mut stmt = prepare_canned(archive, registry, name, given)?;
    output::query(out, style, &mut stmt).map_err(|e| streamed(archive, e))
}

/// Runs a canned query and collects its rows, for documents (`show`, `summary`).
pub fn collect(
    archive: &Archive,
    registry: &Registry,
    name: &str,
    given: &[(String, String)],
) -> Result<(Vec<String>, Vec<Vec<Value>>)> {
    let mut out = Vec::new();
    let columns = for_each_row(archive, registry, name, given, |_, values| {
        out.push(values.to_vec());
        Ok(())
    })?;
    Ok((columns, out))
}

/// Runs a canned query and hands each row to `each` with the column names, holding
/// one row at a time; returns the column names.
pub fn for_each_row(
    archive: &Archive,
    registry: &Registry,
    name: &str,
    given: &[(String, String)],
    mut each: impl FnMut(&[String], &[Value]) -> Result<()>,
) -> Result<Vec<String>> {
    let mut stmt = prepare_canned(archive, registry, name, given)?;
    let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
    let n = columns.len();
    let mut rows = stmt.raw_query();
    let mut values = Vec::with_capacity(n);
    while let Some(row) = rows.next().map_err(|e| archive.explain(e))? {
        values.clear();
        for i in 0..n {
            values.push(row.get::<_, Value>(i)?);
        }
        each(&columns, &values)?;
    }
    Ok(columns)
}

/// Builds `name=value` pairs from typed flags, leaving out what was not given.
pub fn given(pairs: &[(&str, Option<String>)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
        .collect()
}
