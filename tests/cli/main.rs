//! Integration tests: each runs the dossier binary in a temporary folder and checks
//! what a user sees (stdout, stderr, exit code) and what ends up in the archive.

mod common;
mod completions;
mod export;
mod load;
mod load_errors;
mod query;
mod seed;
#[cfg(unix)]
mod shell;
mod sql;
