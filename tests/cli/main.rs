//! Integration tests: each runs the dossier binary in a temporary folder and checks
//! what a user sees (stdout, stderr, exit code) and what ends up in the archive.

#[path = "../../examples/generate/archive.rs"]
mod archive;
mod check;
mod columns;
mod common;
mod completions;
mod datasette;
mod diff;
mod documents;
mod durability;
mod ecosystem;
mod export;
mod generated;
mod incremental;
mod load;
mod load_errors;
mod properties;
mod query;
mod report;
mod seed;
#[cfg(unix)]
mod shell;
mod sql;
#[cfg(unix)]
mod terminal;
