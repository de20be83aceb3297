//! Integration tests: each runs the dossier binary in a temporary folder and checks
//! what a user sees (stdout, stderr, exit code) and what ends up in the archive.

mod common;
mod datasette;
mod export;
mod load;
mod load_errors;
mod query;
mod report;
mod seed;
mod sql;
