//! dossier: parse the command line, run the command, map the outcome to an exit code.

use clap::Parser;
use dossier::cli::{self, Command};
use dossier::error::Error;
use dossier::{cmd, output};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    output::set_quiet(cli.quiet);
    let ctx = cmd::Context {
        db: cli.db,
        queries: cli.queries,
        rules: cli.rules,
        quiet: cli.quiet,
    };
    let result = match &cli.command {
        Command::Load(a) => cmd::load::run(a, &ctx),
        Command::Timeline(a) => cmd::listing::timeline(a, &ctx),
        Command::Figures(a) => cmd::listing::figures(a, &ctx),
        Command::Sources(a) => cmd::listing::sources(a, &ctx),
        Command::Actors(a) => cmd::listing::actors(a, &ctx),
        Command::Show(a) => cmd::show::run(a, &ctx),
        Command::Search(a) => cmd::search::run(a, &ctx),
        Command::Summary(a) => cmd::summary::run(a, &ctx),
        Command::Schema(a) => cmd::schema::run(a, &ctx),
        Command::Sql(a) => cmd::sql::run(a, &ctx),
        Command::Queries(a) => cmd::queries::list(a, &ctx),
        Command::Run(a) => cmd::queries::run(a, &ctx),
        Command::Export(a) => cmd::export::run(a, &ctx),
        Command::Completions(a) => cmd::completions::run(a),
        Command::Man(a) => cmd::man::run(a),
        Command::Report(a) => cmd::report::run(a, &ctx),
        Command::Datasette(a) => cmd::datasette::run(a, &ctx),
        Command::Check(a) => cmd::check::run(a, &ctx),
        Command::Diff(a) => cmd::diff::run(a, &ctx),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`dossier … | head`) is not a failure.
        Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        // `diff --exit-code` found differences: said already, as the output.
        Err(Error::Differs) => ExitCode::from(1),
        Err(e) => {
            output::report(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
