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

/// How far a statement may go: run time and SQLite's memory. `None` is no limit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub time: Option<Duration>,
    /// Bytes of heap that SQLite may hold at once.
    pub memory: Option<u64>,
}

/// When the running statement started, and when it must stop.
#[derive(Clone, Copy)]
struct Clock {
    started: Instant,
    deadline: Instant,
}

/// An archive opened for queries.
pub struct Archive {
    pub conn: Connection,
    refused: Arc<Mutex<Option<String>>>,
    clock: Arc<Mutex<Option<Clock>>>,
    limits: Limits,
}

impl Archive {
    /// Opens the archive read-only, with `limits` on each statement.
    pub fn open(path: &Path, limits: Limits) -> Result<Self> {
        if !path.exists() {
            return Err(Error::NoArchive {
                path: path.to_path_buf(),
            });
        }
        if let Some(bytes) = limits.memory {
            limit_heap(bytes)?;
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
        let clock: Arc<Mutex<Option<Clock>>> = Arc::default();
        let watch = clock.clone();
        // Checked every 1,000 virtual-machine steps: often enough that a statement whose
        // steps are heavy (a megabyte blob each) still stops within a second of its
        // limit, rarely enough to cost nothing measurable. Without a limit, no check.
        if limits.time.is_some() {
            conn.progress_handler(
                1_000,
                Some(move || {
                    watch
                        .lock()
                        .ok()
                        .and_then(|c| *c)
                        .is_some_and(|c| Instant::now() >= c.deadline)
                }),
            )?;
        }
        Ok(Archive {
            conn,
            refused,
            clock,
            limits,
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
        if let Ok(mut c) = self.clock.lock() {
            let started = Instant::now();
            *c = self.limits.time.map(|t| Clock {
                started,
                deadline: started + t,
            });
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
                let clock = self.clock.lock().ok().and_then(|c| *c);
                Error::Timeout {
                    seconds: self.limits.time.map_or(0.0, |t| t.as_secs_f64()),
                    ran: clock.map_or(0.0, |c| c.started.elapsed().as_secs_f64()),
                }
            }
            // Only a limit dossier set is the user's to raise; without one, an
            // allocation that fails is the machine's and keeps SQLite's own words.
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::OutOfMemory && self.limits.memory.is_some() =>
            {
                Error::Memory {
                    mib: self.limits.memory.map_or(0, |b| b / MIB),
                }
            }
            rusqlite::Error::SqlInputError {
                msg,
                sql: text,
                offset,
                ..
            } => Error::QueryFailed(format!("{msg}\n{}", pointer(&text, offset))),
            rusqlite::Error::MultipleStatement => {
                Error::Usage("sql runs one statement at a time — run the others separately".into())
            }
            rusqlite::Error::SqliteFailure(_, Some(msg)) => Error::QueryFailed(msg),
            other => Error::QueryFailed(other.to_string()),
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// Sets a hard limit on SQLite's heap: an allocation beyond it fails with SQLITE_NOMEM,
/// which ends the statement cleanly instead of letting a group_concat over everything
/// exhaust the machine. The limit covers the whole process; a command opens one archive.
///
/// SQLite counts its memory only when memory statistics are on, and dossier's build
/// turns them off by default because they take a global lock on every allocation of a
/// bulk load (.cargo/config.toml). They are turned on here, which SQLite allows only
/// before it starts.
fn limit_heap(bytes: u64) -> Result<()> {
    use rusqlite::ffi;
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; both calls only set numbers
    // inside SQLite and involve no pointers.
    let counted = unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 1 as std::ffi::c_int) == ffi::SQLITE_OK
            || ffi::sqlite3_memory_used() > 0
    };
    if !counted {
        return Err(Error::Internal(
            "the memory limit must be set before SQLite starts".into(),
        ));
    }
    // SAFETY: as above.
    unsafe {
        ffi::sqlite3_hard_heap_limit64(bytes);
    }
    Ok(())
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
