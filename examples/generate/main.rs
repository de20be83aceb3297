//! Writes a large, valid dossier archive folder for benchmarks and stress tests.
//!
//! `cargo run --release --example generate -- --events N --seed S --out DIR [--documents | --documents-withheld | --documents-unchecked]`
//!
//! The folder holds the five files `dossier load` reads, in the proportions of a
//! working archive: one figure per event, one source per hundred events, a few hundred
//! actors, and an extra citation for about a quarter of the facts. Rows look like the
//! seed's: headlines, a few sentences of notes, quotes with commas and quotation marks,
//! every date form and every number form the loader accepts, `via` chains and share
//! bases that point backwards (so there are no loops), ids that are unique. With
//! `--documents`, every source has a document (`documents/SOURCE.txt`, 40 paragraphs)
//! and every quote is taken from the paragraph of its source's document that its
//! locator names, so that a load checks them all. `--documents-withheld` writes the
//! same archive without its documents, every locator filled in: the load it is
//! compared with. `--documents-unchecked` writes that same archive again, with the
//! documents held by sources of their own that nothing cites: a load stores and
//! indexes them but checks no quote, which tells what checking costs. The output
//! depends only on N, S and those flags.

mod archive;

use archive::{Args, Documents};
use std::path::PathBuf;
use std::process::ExitCode;

fn args() -> Result<Args, String> {
    let mut events = None;
    let mut seed = 1;
    let mut out = None;
    let mut documents = Documents::No;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let chosen = match flag.as_str() {
            "--documents" => Some(Documents::Written),
            "--documents-withheld" => Some(Documents::Withheld),
            "--documents-unchecked" => Some(Documents::Unchecked),
            _ => None,
        };
        if let Some(d) = chosen {
            documents = d;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => {
                events = Some(
                    value
                        .replace('_', "")
                        .parse()
                        .map_err(|_| format!("--events: not a number: {value}"))?,
                )
            }
            "--seed" => {
                seed = value
                    .parse()
                    .map_err(|_| format!("--seed: not a number: {value}"))?
            }
            "--out" => out = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(Args {
        events: events.ok_or("give --events N")?,
        seed,
        out: out.ok_or("give --out DIR")?,
        documents,
    })
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "generate: {e}\nusage: generate --events N [--seed S] --out DIR [--documents | --documents-withheld | --documents-unchecked]"
            );
            return ExitCode::from(2);
        }
    };
    match archive::generate(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("generate: {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
