//! Prisoner-exchange planner: scenario in, optimal plan and reasons out. Pure: no I/O.
//!
//! The exchange format (docs/exchange.md): a [`Scenario`] (parties, sides, prisoners,
//! terms) comes in, a [`Plan`] goes out, with every prisoner either in `transfers` or in
//! `not_moved` with a [`Reason`]. The CLI (`repatria plan`) and the API
//! (`POST /api/exchange/plan`) both go through [`parse_scenario`] and [`plan_with`].
//!
//! How it works: rules that do not depend on numbers (refusal, Art. 109; a transfer barred,
//! Art. 12; sick and wounded, Arts. 109–110; proceedings, Art. 115; parties outside the
//! agreement) are applied first. The remaining candidates are chosen by an exact solver for the
//! lexicographic objective (demanded, then value, then days in captivity): a min-cost circulation
//! over the sides when balancing by count (a binding `max_total` is carried by a Lagrangian
//! penalty on the moves, with a small branch and bound where the relaxation leaves a gap), a
//! knapsack over the values of each direction when balancing by value between two sides, and a
//! knapsack per pair of sides coupled by a min-cost flow over their convex hulls, with branching
//! where a hull hides a gap, when balancing by value between more sides. An integer program over
//! classes of interchangeable prisoners takes over when these give up (a binding `max_total`
//! under balance by value, tables or a branching too large); see the `flow`, `bilateral`,
//! `network` and `mip` modules.
//!
//! Decisions the contract leaves open:
//! - when several reasons apply to a prisoner who stays, the first in the order of [`Reason`]
//!   is given (refusal, transfer barred, party not in the agreement, same side, proceedings,
//!   then the numbers);
//! - a prisoner who could move but is left out gets `max_total` when the plan moves exactly
//!   `max_total` counted prisoners (adding him is then impossible whatever the balance), and
//!   `balance` otherwise;
//! - a scenario without `terms.as_of` is refused by [`plan`]; [`plan_with`] takes the date to
//!   use instead (the CLI passes today's date), since the engine never reads the clock;
//! - the integer programs share one time budget ([`PlanOptions`], 60 s by default), less what
//!   the network solver spent before giving up; when it runs out the plan is the best found,
//!   valid, and says `"optimal": false`. The clock is read for that budget only;
//! - a plan not proven optimal says why in `why_not_optimal`, one word of [`NotOptimal`]
//!   (the time budget, the round limit of the last stage, or a failure of the solver). A word
//!   rather than the solver's own text: the solver reports nothing the word does not say, and
//!   a word is stable for programs and can be translated for people.
//!
//! The integer programs use microlp (pure Rust). The `highs` cargo feature swaps in HiGHS; on
//! these small aggregated programs, re-solved round after round, it measured slower.

mod bilateral;
mod check;
mod contract;
mod explain;
mod flow;
mod mip;
mod network;
mod planner;
pub mod record;
mod validate;
pub mod whole;

pub use check::check_plan;
pub use chrono::NaiveDate;
pub use contract::{
    Balance, NotMoved, NotOptimal, Objective, Party, Plan, Prisoner, Reason, Scenario, SideBalance,
    Terms, Transfer,
};
pub use explain::explain;
pub use planner::PlanOptions;
pub use validate::{parse_date, ScenarioError, MAX_RANK_VALUE};

/// Plans a scenario whose `terms.as_of` is given, with default options.
pub fn plan(scenario: &Scenario) -> Result<Plan<'_>, ScenarioError> {
    plan_with(scenario, &PlanOptions::default(), None)
}

/// Plans a scenario. `default_as_of` is used when the scenario has no `terms.as_of` (the CLI
/// and the server pass today's date: the engine itself never reads the clock).
pub fn plan_with<'a>(
    scenario: &'a Scenario,
    options: &PlanOptions,
    default_as_of: Option<NaiveDate>,
) -> Result<Plan<'a>, ScenarioError> {
    let valid = validate::validate(scenario, default_as_of)?;
    Ok(planner::plan_validated(&valid, options))
}

/// Checks a scenario without planning it.
pub fn validate_scenario(
    scenario: &Scenario,
    default_as_of: Option<NaiveDate>,
) -> Result<(), ScenarioError> {
    validate::validate(scenario, default_as_of).map(|_| ())
}

/// Reads a scenario from JSON; a malformed document gives an error naming the field, such as
/// `prisoners[2].demanded: invalid type: string "yes", expected a boolean at line 9 column 25`.
pub fn parse_scenario(json: &str) -> Result<Scenario, ScenarioError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let scenario: Scenario =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let field = if path == "." || path.is_empty() {
                "scenario".to_string()
            } else {
                path
            };
            ScenarioError::new(field, error.into_inner().to_string())
        })?;
    deserializer
        .end()
        .map_err(|error| ScenarioError::new("scenario", error.to_string()))?;
    Ok(scenario)
}

/// JSON in, JSON out: the whole contract in one call (`terms.as_of` required).
pub fn plan_json(input: &str) -> Result<String, ScenarioError> {
    let scenario = parse_scenario(input)?;
    let plan = plan(&scenario)?;
    Ok(serde_json::to_string_pretty(&plan).expect("a plan always serializes"))
}
