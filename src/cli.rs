//! The command line: every subcommand, flag and help text, as clap definitions.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 a data or runtime error (bad input rows, a failed query), 2 a usage error.

Examples:
  dossier load                 build ./dossier.db from the bundled seed archive
  dossier load my-archive/     build it from the CSV files in my-archive/
  dossier load --dry-run dir/  check the files, write nothing";

/// An archive of events, figures and sources for analysts: strict, atomic CSV loads
/// into SQLite, with every fact tied to the words that support it.
#[derive(Debug, Parser)]
#[command(name = "dossier", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// The archive file
    #[arg(
        long,
        global = true,
        env = "DOSSIER_DB",
        default_value = "dossier.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the archive from folders of CSV files (the bundled seed if none is named)
    #[command(long_about = LOAD_ABOUT)]
    Load(LoadArgs),
}

const LOAD_ABOUT: &str = "\
Build the archive from folders of CSV files (the bundled seed if none is named).

Each folder holds any of sources.csv, actors.csv, events.csv, figures.csv and
citations.csv. Every row of every file is checked; if anything is wrong, every
problem is listed as file:line:column and the archive is left exactly as it was.
Otherwise the new archive replaces the old one in a single rename.";

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Folders (or single CSV files) to load, together, into one archive
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Check everything and report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
