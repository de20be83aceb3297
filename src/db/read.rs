//! Read-only access to an archive, for every command that queries it.
//!
//! Three layers keep queries from changing anything. The file is opened read-only.
//! `query_only` is set. An authorizer refuses, at prepare time, every action that is
//! not a read: writes, schema changes, ATTACH, settings pragmas and extension loading.
//! The authorizer's reason becomes the message, so users are told what was refused
//! and why, not just "not authorized". A progress handler enforces the time limit.

use crate::error::{Error, Result};
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::{Connection, Statement};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Pragmas that only read, and may take an argument naming what to read.
const READ_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
    "database_list",
    "function_list",
    "module_list",
    "pragma_list",
    "collation_list",
    "compile_options",
];

/// Pragmas that report a setting when given no value.
const SETTING_PRAGMAS: &[&str] = &[
    "application_id",
    "user_version",
    "schema_version",
    "page_size",
    "page_count",
    "freelist_count",
    "encoding",
    "journal_mode",
    "foreign_keys",
    "data_version",
];

/// An archive opened for queries.
pub struct Archive {
    pub conn: Connection,
    refused: Arc<Mutex<Option<String>>>,
    deadline: Arc<Mutex<Option<Instant>>>,
    timeout: Option<Duration>,
}

impl Archive {
    /// Opens the archive read-only; `timeout` bounds each statement's run time.
    pub fn open(path: &Path, timeout: Option<Duration>) -> Result<Self> {
        if !path.exists() {
            return Err(Error::NoArchive {
                path: path.to_path_buf(),
            });
        }
        let mut conn = super::open_read_only(path)?;
        conn.pragma_update(None, "query_only", true)?;
        let refused: Arc<Mutex<Option<String>>> = Arc::default();
        let reason = refused.clone();
        conn.authorizer(Some(move |ctx: AuthContext<'_>| match refusal(&ctx) {
            None => Authorization::Allow,
            Some(why) => {
                if let Ok(mut r) = reason.lock() {
                    r.get_or_insert(why);
                }
                Authorization::Deny
            }
        }))?;
        let deadline: Arc<Mutex<Option<Instant>>> = Arc::default();
        let watch = deadline.clone();
        conn.progress_handler(
            10_000,
            Some(move || {
                watch
                    .lock()
                    .ok()
                    .and_then(|d| *d)
                    .is_some_and(|d| Instant::now() >= d)
            }),
        )?;
        Ok(Archive {
            conn,
            refused,
            deadline,
            timeout,
        })
    }

    /// Prepares one statement, explaining a refusal or a syntax error.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        if let Ok(mut r) = self.refused.lock() {
            *r = None;
        }
        let stmt = self.conn.prepare(sql).map_err(|e| self.explain(e))?;
        if !stmt.readonly() {
            return Err(Error::Refused(format!(
                "this statement would write, and sql only reads — {CHANGE}"
            )));
        }
        self.start_clock();
        Ok(stmt)
    }

    /// Starts the time limit for the statement about to run.
    pub fn start_clock(&self) {
        if let Ok(mut d) = self.deadline.lock() {
            *d = self.timeout.map(|t| Instant::now() + t);
        }
    }

    /// Turns a SQLite error into one a user can act on.
    pub fn explain(&self, e: rusqlite::Error) -> Error {
        let refused = self.refused.lock().ok().and_then(|mut r| r.take());
        if let Some(why) = refused {
            return Error::Refused(why);
        }
        match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::OperationInterrupted =>
            {
                Error::Timeout {
                    seconds: self.timeout.map_or(0.0, |t| t.as_secs_f64()),
                }
            }
            rusqlite::Error::SqlInputError {
                msg,
                sql: text,
                offset,
                ..
            } => Error::Query(format!("{msg}\n{}", pointer(&text, offset))),
            rusqlite::Error::MultipleStatement => {
                Error::Usage("sql runs one statement at a time — run the others separately".into())
            }
            rusqlite::Error::SqliteFailure(_, Some(msg)) => Error::Query(msg),
            other => Error::Query(other.to_string()),
        }
    }
}

/// What to do instead of writing with sql.
const CHANGE: &str = "to change the archive, edit the CSV files and run dossier load";

/// Why an action is refused, or `None` to allow it.
fn refusal(ctx: &AuthContext<'_>) -> Option<String> {
    let refused = |what: String| Some(format!("{what} is refused: sql only reads — {CHANGE}"));
    match ctx.action {
        AuthAction::Select | AuthAction::Read { .. } | AuthAction::Recursive => None,
        AuthAction::Function { function_name } => {
            if function_name.eq_ignore_ascii_case("load_extension") {
                Some("load_extension is refused: sql cannot load extensions".into())
            } else {
                None
            }
        }
        AuthAction::Pragma {
            pragma_name,
            pragma_value,
        } => {
            let name = pragma_name.to_ascii_lowercase();
            let reads = READ_PRAGMAS.contains(&name.as_str())
                || (pragma_value.is_none() && SETTING_PRAGMAS.contains(&name.as_str()));
            if reads {
                None
            } else {
                Some(format!(
                    "PRAGMA {pragma_name}{} is refused: sql may read settings but not change them",
                    pragma_value.map(|v| format!(" = {v}")).unwrap_or_default()
                ))
            }
        }
        AuthAction::Attach { filename } => Some(format!(
            "ATTACH {filename:?} is refused: sql reads only this archive"
        )),
        AuthAction::Detach { .. } => Some("DETACH is refused: sql reads only this archive".into()),
        // CREATE, DROP and ALTER first ask to write the schema table.
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. }
            if table_name.starts_with("sqlite_") =>
        {
            refused("changing the schema (CREATE, DROP, ALTER)".into())
        }
        AuthAction::Insert { table_name } => refused(format!("INSERT into {table_name}")),
        AuthAction::Update { table_name, .. } => refused(format!("UPDATE of {table_name}")),
        AuthAction::Delete { table_name } => refused(format!("DELETE from {table_name}")),
        AuthAction::DropTable { table_name, .. } | AuthAction::DropTempTable { table_name, .. } => {
            refused(format!("DROP TABLE {table_name}"))
        }
        AuthAction::DropView { view_name, .. } | AuthAction::DropTempView { view_name, .. } => {
            refused(format!("DROP VIEW {view_name}"))
        }
        AuthAction::CreateTable { table_name, .. }
        | AuthAction::CreateTempTable { table_name, .. } => {
            refused(format!("CREATE TABLE {table_name}"))
        }
        AuthAction::CreateView { view_name, .. } | AuthAction::CreateTempView { view_name, .. } => {
            refused(format!("CREATE VIEW {view_name}"))
        }
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            Some("transactions are refused: sql only reads, so it needs none".into())
        }
        _ => refused("this statement".into()),
    }
}

/// The line of `sql` that `offset` falls in, with a caret under it.
pub fn pointer(sql: &str, offset: i32) -> String {
    let Ok(offset) = usize::try_from(offset) else {
        return format!("  in: {}", sql.trim());
    };
    let offset = offset.min(sql.len());
    let start = sql[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = sql[offset..].find('\n').map_or(sql.len(), |i| offset + i);
    let line_no = sql[..start].matches('\n').count() + 1;
    let line = &sql[start..end];
    let col = sql[start..offset].chars().count();
    let label = if sql.contains('\n') {
        format!("line {line_no}: ")
    } else {
        String::new()
    };
    format!(
        "  {label}{line}\n  {}^",
        " ".repeat(label.chars().count() + col)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_marks_the_offending_spot() {
        assert_eq!(
            pointer("select * form events", 9),
            "  select * form events\n           ^"
        );
        assert_eq!(
            pointer("select *\nfrom nowhere\nwhere x", 14),
            "  line 2: from nowhere\n               ^"
        );
        assert_eq!(pointer("select 1", -1), "  in: select 1");
    }
}
