//! `dossier search`: full-text search through the `search` canned query, with a plain
//! explanation when the query is not valid FTS5 syntax.

use super::{Context, open_output, run_canned, style};
use crate::cli::SearchArgs;
use crate::error::{Error, Result};

pub fn run(args: &SearchArgs, ctx: &Context) -> Result<()> {
    let registry = ctx.built_in()?;
    let archive = ctx.open()?;
    let mut out = open_output(args.out.output.as_deref())?;
    let params = vec![
        ("query".to_string(), args.query.clone()),
        ("limit".to_string(), args.limit.to_string()),
    ];
    match run_canned(
        &archive,
        &registry,
        "search",
        &params,
        style(&args.out),
        &mut out,
    ) {
        Ok(_) => Ok(out.finish()?),
        // The SQL is fixed; only the search text varies, so a query error is about it.
        Err(Error::QueryFailed(reason)) => Err(Error::BadSearch {
            query: args.query.clone(),
            reason,
        }),
        Err(e) => Err(e),
    }
}
