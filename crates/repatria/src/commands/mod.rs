//! One module per group of subcommands.

pub mod matching;
pub mod plan;
