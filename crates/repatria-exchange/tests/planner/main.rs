//! Tests of the exchange planner against docs/exchange.md.

mod cases;
mod errors;
mod optimality;
mod random;
mod rules;
mod snapshots;
mod support;
