//! `dossier man [SUBCOMMAND]`: the manual pages in roff, generated from the clap
//! definitions, so that `man dossier` says what `dossier --help` says. dossier's own
//! page lists the subcommands as dossier-NAME(1); each of those is a page too.

use crate::cli::{Cli, ManArgs};
use crate::error::{Error, Result};
use crate::output::Output;
use clap::CommandFactory;

pub fn run(args: &ManArgs) -> Result<()> {
    let mut command = Cli::command();
    // Building names each subcommand's page as dossier-NAME.
    command.build();
    let page = match &args.subcommand {
        None => command,
        Some(name) => {
            let found = command
                .get_subcommands()
                .find(|c| c.get_name() == name)
                .cloned();
            match found {
                Some(sub) => sub,
                None => {
                    let names: Vec<&str> =
                        command.get_subcommands().map(|c| c.get_name()).collect();
                    return Err(Error::Usage(format!(
                        "no subcommand named {name:?} — one of {}",
                        names.join(", ")
                    )));
                }
            }
        }
    };
    let mut out = Output::stdout();
    clap_mangen::Man::new(page)
        .source(format!("dossier {}", env!("CARGO_PKG_VERSION")))
        .render(out.writer())?;
    Ok(out.finish()?)
}
