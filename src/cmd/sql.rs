//! `dossier sql`: ad-hoc, read-only SQL with named parameters, from the command line,
//! a file or standard input; with none of these at a terminal, the shell.

use super::{Context, open_output, pairs, streamed, style};
use crate::cli::SqlArgs;
use crate::error::{Error, Result};
use crate::output;
use rusqlite::Statement;
use std::io::{IsTerminal, Read};

pub fn run(args: &SqlArgs, ctx: &Context) -> Result<()> {
    if args.sql.is_none() && args.file.is_none() && std::io::stdin().is_terminal() {
        return super::shell::run(args, ctx);
    }
    let sql = source(args)?;
    let archive = ctx.open_limited(&args.query)?;
    let given = pairs(&args.query.params)?;
    let mut stmt = archive.prepare(&sql)?;
    bind_text(&mut stmt, &given)?;
    let mut out = open_output(args.out.output.as_deref())?;
    output::query(&mut out, style(&args.out), &mut stmt).map_err(|e| streamed(&archive, e))?;
    Ok(out.finish()?)
}

/// The SQL to run: the argument, a file, or standard input.
fn source(args: &SqlArgs) -> Result<String> {
    let sql = match (&args.sql, &args.file) {
        (Some(s), _) if s == "-" => read_stdin()?,
        (Some(s), _) => s.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|source| Error::Read {
            path: f.clone(),
            source,
        })?,
        (None, None) => read_stdin()?,
    };
    if sql.trim().is_empty() {
        return Err(Error::Usage("the SQL is empty".into()));
    }
    Ok(sql)
}

fn read_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|source| Error::Read {
            path: "standard input".into(),
            source,
        })?;
    Ok(s)
}

/// Binds `-p name=value` pairs as text to a statement's named parameters; every
/// parameter must be given, and nothing else.
pub fn bind_text(stmt: &mut Statement<'_>, given: &[(String, String)]) -> Result<()> {
    let names = bind_used(stmt, given)?;
    if let Some((k, _)) = given.iter().find(|(k, _)| !names.contains(k)) {
        let used = if names.is_empty() {
            "it has no parameters".to_string()
        } else {
            format!(
                "it uses {}",
                names
                    .iter()
                    .map(|n| format!(":{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::Usage(format!(
            "-p {k}: the SQL has no :{k} parameter ({used})"
        )));
    }
    Ok(())
}

/// Binds the `-p name=value` pairs a statement uses, as text; every parameter it
/// names must be given. Returns the names. The shell binds this way, because the
/// pairs given when it starts serve many statements and each uses some of them.
pub fn bind_used(stmt: &mut Statement<'_>, given: &[(String, String)]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for i in 1..=stmt.parameter_count() {
        let Some(name) = stmt.parameter_name(i).map(|n| n[1..].to_string()) else {
            return Err(Error::Usage(
                "use named parameters (:name) and give them with -p name=value; ? placeholders cannot be named".into(),
            ));
        };
        let Some((_, value)) = given.iter().rev().find(|(k, _)| *k == name) else {
            return Err(Error::Usage(format!(
                "the SQL uses :{name} — give it with -p {name}=VALUE"
            )));
        };
        stmt.raw_bind_parameter(i, value)?;
        names.push(name);
    }
    Ok(names)
}
