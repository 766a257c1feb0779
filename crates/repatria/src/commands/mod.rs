//! One module per group of subcommands.

pub mod audit;
pub mod files;
pub mod matching;
pub mod plan;
pub mod serve;
pub mod tracing;
pub mod user;
