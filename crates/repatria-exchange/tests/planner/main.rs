//! Tests of the exchange planner against contracts/EXCHANGE.md.

mod cases;
mod errors;
mod random;
mod rules;
mod support;
