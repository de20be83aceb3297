//! `dossier completions SHELL`: a completion script for the shell, generated from the
//! same clap definitions that parse the command line, so it never falls behind them.

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use crate::output::Output;
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs) -> Result<()> {
    let mut out = Output::stdout();
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "dossier", out.writer());
    Ok(out.finish()?)
}
