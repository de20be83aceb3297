//! One module per subcommand; each takes its parsed arguments and writes through
//! [`crate::output::Output`].

pub mod load;
