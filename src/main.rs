//! dossier: parse the command line, run the command, map the outcome to an exit code.

mod cli;
mod cmd;
mod db;
mod error;
mod output;

use clap::Parser;
use error::Error;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let mut out = output::Output::stdout();
    let result = match &cli.command {
        cli::Command::Load(args) => cmd::load::run(args, &cli.db, &mut out),
    }
    .and_then(|()| out.finish().map_err(Error::from));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`dossier … | head`) is not a failure.
        Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            match &e {
                Error::Invalid(_) => eprintln!("{e}"),
                _ => eprintln!("error: {e}"),
            }
            ExitCode::from(e.exit_code())
        }
    }
}
