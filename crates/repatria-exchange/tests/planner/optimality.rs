//! Plans not proven optimal: each says why (`why_not_optimal`), obeys every rule, and prints
//! the field right after `optimal`; proven plans leave it out.

use std::cell::Cell;

use repatria_exchange::{
    check_plan, explain, plan, plan_with, Balance, NotOptimal, Plan, PlanOptions, Scenario,
};

use crate::support::*;

/// Balance by value on three sides with a binding cap: only the integer program plans it.
/// A holds B's, B holds C's, C holds A's; the first of each are demanded.
fn integer_program_scenario() -> Scenario {
    let mut prisoners = Vec::new();
    for (holder, origin, n) in [("A", "B", 2), ("B", "C", 3), ("C", "A", 4)] {
        for i in 0..n {
            let p = prisoner(&format!("{origin}-{i}"), holder, origin)
                .captured(&format!("2025-0{}-01", i + 1));
            prisoners.push(if i == 0 { p.demanded() } else { p });
        }
    }
    let mut s = scenario(&["A", "B", "C"], &[&["A"], &["B"], &["C"]], prisoners);
    s.terms.balance = Balance::Value;
    s.terms.max_total = Some(5);
    s
}

fn with_budget(s: &Scenario, seconds: f64, clock: Option<fn() -> f64>) -> Plan<'_> {
    let options = PlanOptions {
        time_limit_seconds: Some(seconds),
        clock,
    };
    let plan = plan_with(s, &options, None).unwrap();
    if let Err(problems) = check_plan(s, &plan) {
        panic!("plan breaks the rules: {problems:#?}");
    }
    plan
}

#[test]
fn the_scenario_is_proven_optimal_with_time_to_spare() {
    let s = integer_program_scenario();
    let plan = plan(&s).unwrap();
    assert!(plan.optimal);
    assert_eq!(plan.why_not_optimal, None);
    assert_eq!(
        (plan.objective.demanded, plan.objective.value),
        (3, 3),
        "one cycle of the demanded"
    );
}

#[test]
fn a_time_budget_too_short_for_the_solver_stops_it_and_says_so() {
    // A budget left, but far too small: the solver's own time limit stops it.
    let s = integer_program_scenario();
    let plan = with_budget(&s, 1e-9, None);
    assert!(!plan.optimal);
    assert_eq!(plan.why_not_optimal, Some(NotOptimal::TimeBudgetSpent));
}

thread_local! {
    static READINGS: Cell<u32> = const { Cell::new(0) };
}

/// A clock that stands still for four readings, then jumps an hour ahead. The planner reads
/// it when the fallback starts, to share out the budget, to set the deadline, and before each
/// integer program: the first program (the demanded) runs, the second (the value) finds the
/// budget spent.
fn clock_stopping_after_the_first_program() -> f64 {
    READINGS.with(|r| {
        r.set(r.get() + 1);
        if r.get() <= 4 {
            0.0
        } else {
            3600.0
        }
    })
}

#[test]
fn a_budget_spent_between_programs_keeps_what_the_first_one_found() {
    READINGS.with(|r| r.set(0));
    let s = integer_program_scenario();
    let plan = with_budget(&s, 60.0, Some(clock_stopping_after_the_first_program));
    assert_eq!(
        READINGS.with(Cell::get),
        5,
        "the clock was read as described"
    );
    assert!(!plan.optimal);
    assert_eq!(plan.why_not_optimal, Some(NotOptimal::TimeBudgetSpent));
    // The demanded were maximised before the budget ran out.
    assert_eq!(plan.objective.demanded, 3);
}

fn clock_racing() -> f64 {
    READINGS.with(|r| {
        r.set(r.get() + 1);
        f64::from(r.get()) * 100.0
    })
}

#[test]
fn time_spent_before_the_integer_program_counts_against_its_budget() {
    READINGS.with(|r| r.set(0));
    let s = integer_program_scenario();
    let plan = with_budget(&s, 60.0, Some(clock_racing));
    assert_eq!(plan.why_not_optimal, Some(NotOptimal::TimeBudgetSpent));
    assert!(
        plan.transfers.is_empty(),
        "no program ran: nobody is traded"
    );
}

#[test]
fn a_plan_not_proven_optimal_prints_the_reason_after_optimal_and_reads_back() {
    let s = integer_program_scenario();
    let plan = with_budget(&s, 0.0, None);
    assert_eq!(plan.why_not_optimal, Some(NotOptimal::TimeBudgetSpent));
    let json = serde_json::to_string(&plan).unwrap();
    assert!(
        json.starts_with(r#"{"optimal":false,"why_not_optimal":"time_budget_spent","objective":{"#),
        "{json}"
    );
    let read: Plan = serde_json::from_str(&json).unwrap();
    assert_eq!(read, plan);
    // A plan written before the field existed reads as without a reason.
    let old: Plan =
        serde_json::from_str(&json.replace(r#""why_not_optimal":"time_budget_spent","#, ""))
            .unwrap();
    assert_eq!(old.why_not_optimal, None);
    let unknown = json.replace("time_budget_spent", "bad_luck");
    let error = serde_json::from_str::<Plan>(&unknown)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("time_budget_spent, round_limit or solver_failed"),
        "{error}"
    );
    assert!(
        explain(&s, &plan).contains("(best found, optimality not proven: the time budget ran out)"),
        "{}",
        explain(&s, &plan)
    );
}

#[test]
fn the_checker_refuses_a_plan_whose_optimality_and_reason_disagree() {
    let s = integer_program_scenario();
    let proven = plan(&s).unwrap();
    let mut claims_both = proven.clone();
    claims_both.why_not_optimal = Some(NotOptimal::RoundLimit);
    let problems = check_plan(&s, &claims_both).unwrap_err();
    assert_eq!(
        problems,
        ["optimal is true but why_not_optimal is round_limit"]
    );
    let mut no_reason = proven;
    no_reason.optimal = false;
    let problems = check_plan(&s, &no_reason).unwrap_err();
    assert_eq!(
        problems,
        ["optimal is false but why_not_optimal is missing"]
    );
}

#[test]
fn every_reason_has_a_description() {
    for why in NotOptimal::ALL {
        assert!(!why.description().is_empty(), "{why}");
        assert_eq!(NotOptimal::parse(why.as_str()), Ok(*why));
    }
}

/// Three sides balancing by value, privates and NCOs in every direction, a cap near a third
/// of the prisoners: the integer program. With the earlier stages' optima as exact floors,
/// microlp declared the days stage of round 7 infeasible (`solver_failed`); the retry with
/// floors half a unit lower proves it.
#[test]
fn the_integer_program_proves_large_capped_exchanges_by_value() {
    use rand::{rngs::SmallRng, Rng, SeedableRng};
    let mut rng = SmallRng::seed_from_u64(464);
    let as_of = repatria_exchange::parse_date(AS_OF).unwrap();
    for round in 0..8 {
        let n = rng.gen_range(1300..2200);
        let prisoners = (0..n)
            .map(|i| {
                let holder = rng.gen_range(0..3);
                let origin = (holder + rng.gen_range(1..3)) % 3;
                let parties = ["A", "B", "C"];
                prisoner(&format!("p{i}"), parties[holder], parties[origin])
                    .rank(["private", "nco"][rng.gen_range(0..2)])
                    .captured(
                        &(as_of - chrono::Days::new(rng.gen_range(0..1000)))
                            .format("%Y-%m-%d")
                            .to_string(),
                    )
            })
            .collect();
        let mut s = scenario(&["A", "B", "C"], &[&["A"], &["B"], &["C"]], prisoners);
        s.terms.balance = Balance::Value;
        s.terms.values = rank_values();
        s.terms.max_total = Some(n / 3 + rng.gen_range(0..7));
        let plan = plan(&s).unwrap();
        check_plan(&s, &plan).unwrap();
        assert_eq!(plan.why_not_optimal, None, "round {round}, {n} prisoners");
    }
}
