//! dossier as a library: the command line, the commands, the database layer and the
//! output module. The `dossier` binary (src/main.rs) is a thin caller; the library
//! exists so that tests and fuzz targets can reach the parsers and the loader directly.

pub mod atomic;
pub mod cli;
pub mod cmd;
pub mod columnar;
pub mod db;
pub mod error;
pub mod output;
pub mod progress;
pub mod queries;
pub mod rules;
pub mod xlsx;
