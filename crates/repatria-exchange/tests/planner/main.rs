//! Tests of the exchange planner against docs/exchange.md.

mod cases;
mod errors;
mod optimality;
mod random;
mod records;
mod rules;
mod snapshots;
mod support;
