//! Tests of the exchange planner against contracts/EXCHANGE.md.

mod cases;
mod errors;
mod purity;
mod random;
mod rules;
mod support;
