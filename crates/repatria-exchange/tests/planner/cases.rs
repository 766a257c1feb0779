//! Exchanges with more than two parties, the JSON round trip and the negotiator's summary.

use repatria_exchange::{explain, parse_scenario, plan, plan_json, Balance, Plan};

use crate::support::*;

#[test]
fn three_party_exchange_returns_korean_soldiers_for_ukrainian_ones() {
    // UA holds KP soldiers, RU holds UA soldiers; RU and KP balance as one side.
    let s = scenario(
        &["UA", "RU", "KP"],
        &[&["UA"], &["RU", "KP"]],
        vec![
            prisoner("kp-1", "UA", "KP"),
            prisoner("kp-2", "UA", "KP"),
            prisoner("ua-1", "RU", "UA"),
            prisoner("ua-2", "RU", "UA"),
            prisoner("ua-3", "RU", "UA").captured("2025-06-01"),
        ],
    );
    let plan = check(
        &s,
        "kp-1 counted\nkp-2 counted\nua-1 counted\nua-2 counted\nua-3 balance",
    );
    assert_eq!(plan.sides[1].parties, ["RU", "KP"]);
    assert_eq!((plan.sides[1].gives, plan.sides[1].receives), (2, 2));
    let text = explain(&s, &plan);
    assert!(text.contains("UA -> KP: 2 traded"), "{text}");
    assert!(text.contains("RU -> UA: 2 traded"), "{text}");
    assert!(text.contains("ua-3"), "{text}");
}

fn cycle(held: [usize; 3]) -> repatria_exchange::Scenario {
    // A holds B's, B holds C's, C holds A's.
    let mut prisoners = Vec::new();
    for (holder, origin, n) in [
        ("A", "B", held[0]),
        ("B", "C", held[1]),
        ("C", "A", held[2]),
    ] {
        for i in 0..n {
            prisoners.push(prisoner(&format!("{origin}-{i}"), holder, origin));
        }
    }
    scenario(&["A", "B", "C"], &[&["A"], &["B"], &["C"]], prisoners)
}

#[test]
fn three_sides_exchange_around_a_cycle() {
    let s = cycle([2, 3, 4]);
    let plan = plan(&s).unwrap();
    repatria_exchange::check_plan(&s, &plan).unwrap();
    assert!(plan.optimal);
    assert_eq!(plan.objective.value, 6);
    for side in &plan.sides {
        assert_eq!((side.gives, side.receives), (2, 2));
    }
}

#[test]
fn a_cap_that_is_not_a_multiple_of_the_cycle_is_met_by_whole_cycles() {
    let mut s = cycle([2, 3, 4]);
    s.terms.max_total = Some(5);
    let capped = plan(&s).unwrap();
    repatria_exchange::check_plan(&s, &capped).unwrap();
    assert!(capped.optimal);
    assert_eq!(capped.objective.value, 3);
    assert!(capped
        .not_moved
        .iter()
        .all(|n| n.reason.as_str() == "balance"));
    s.terms.max_total = Some(3);
    let capped = plan(&s).unwrap();
    assert_eq!(capped.objective.value, 3);
    assert!(capped
        .not_moved
        .iter()
        .all(|n| n.reason.as_str() == "max_total"));
}

#[test]
fn cycle_and_pairs_combine_by_value() {
    let mut s = cycle([2, 2, 2]);
    s.prisoners
        .push(prisoner("back-1", "B", "A").rank("colonel"));
    s.terms.balance = Balance::Value;
    s.terms.values = rank_values();
    s.terms.tolerance = 0;
    let plan = plan(&s).unwrap();
    repatria_exchange::check_plan(&s, &plan).unwrap();
    assert_eq!(
        plan.objective,
        repatria_exchange::Objective {
            demanded: 0,
            value: 6,
            days_in_captivity: 6 * 365
        }
    );
    assert_eq!(per_prisoner_objective(&s), objective_of(&plan));
}

#[test]
fn the_contract_example_round_trips_through_json() {
    let input = r#"{
      "parties": [
        { "id": "UA", "name": "Ukraine" },
        { "id": "RU", "name": "Russian Federation" },
        { "id": "KP", "name": "Democratic People's Republic of Korea" }
      ],
      "sides": [["UA"], ["RU", "KP"]],
      "prisoners": [
        { "id": "p-0001", "held_by": "UA", "belongs_to": "KP", "rank": "private",
          "seriously_wounded_or_sick": false, "refuses_repatriation": false,
          "held_for_proceedings": false, "demanded": false, "captured_on": "2025-01-09" },
        { "id": "p-0002", "held_by": "RU", "belongs_to": "UA", "rank": "private",
          "refuses_repatriation": true, "captured_on": "2024-02-01" },
        { "id": "p-0003", "held_by": "RU", "belongs_to": "UA", "rank": "nco", "demanded": true,
          "captured_on": "2023-01-01" }
      ],
      "terms": {
        "balance": "count",
        "values": { "private": 1, "nco": 2, "lieutenant": 4, "captain": 6, "major": 8, "colonel": 15, "general": 40 },
        "tolerance": 0,
        "max_total": 1000,
        "as_of": "2026-11-27"
      }
    }"#;
    let output = plan_json(input).unwrap();
    let plan: Plan = serde_json::from_str(&output).unwrap();
    // The exact text: the plan's ids are borrowed from the scenario, and must print as before.
    assert_eq!(
        serde_json::to_string(&plan).unwrap(),
        concat!(
            r#"{"optimal":true,"objective":{"demanded":1,"value":2,"days_in_captivity":2113},"#,
            r#""transfers":[{"prisoner":"p-0001","from":"UA","to":"KP","counts_toward_balance":true},"#,
            r#"{"prisoner":"p-0003","from":"RU","to":"UA","counts_toward_balance":true}],"#,
            r#""sides":[{"parties":["UA"],"gives":1,"receives":1},"#,
            r#"{"parties":["RU","KP"],"gives":1,"receives":1}],"#,
            r#""not_moved":[{"prisoner":"p-0002","reason":"refuses_repatriation"}]}"#
        )
    );
    let scenario = parse_scenario(input).unwrap();
    let planned = repatria_exchange::plan(&scenario).unwrap();
    assert_eq!(serde_json::to_string_pretty(&planned).unwrap(), output);
    assert_eq!(planned.clone().into_owned(), planned);
    let value: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(value["objective"]["days_in_captivity"], 687 + 1426);
    assert_eq!(value["not_moved"][0]["reason"], "refuses_repatriation");
    assert_eq!(value["transfers"][0]["counts_toward_balance"], true);
    assert_eq!(value["sides"][1]["parties"][1], "KP");
    repatria_exchange::check_plan(&scenario, &plan).unwrap();
    assert_eq!(plan.objective.demanded, 1);
}

#[test]
fn explain_tells_who_was_left_out_and_why() {
    let mut s = scenario(
        &["UA", "RU", "BY"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU"),
            prisoner("b", "UA", "RU"),
            prisoner("c", "RU", "UA"),
            prisoner("d", "RU", "UA").refuses(),
            prisoner("e", "BY", "UA"),
            prisoner("f", "RU", "UA").sick(),
        ],
    );
    s.terms.max_total = Some(10);
    let plan = plan(&s).unwrap();
    let text = explain(&s, &plan);
    for needle in [
        "proven optimal",
        "[UA]: gives 1, receives 1",
        "[UA] still holds 1 prisoner(s)",
        "refuses repatriation (GC III Art. 109): d",
        "not in the agreement: e",
        "1 seriously wounded or sick",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn a_spent_time_budget_gives_a_valid_plan_that_does_not_claim_optimality() {
    // Balance by value on three sides with a binding cap: only the integer program handles it.
    let mut s = cycle([2, 3, 4]);
    s.terms.balance = Balance::Value;
    s.terms.max_total = Some(5);
    let options = repatria_exchange::PlanOptions {
        time_limit_seconds: Some(0.0),
        clock: None,
    };
    let plan = repatria_exchange::plan_with(&s, &options, None).unwrap();
    assert!(!plan.optimal);
    assert_eq!(
        plan.why_not_optimal,
        Some(repatria_exchange::NotOptimal::TimeBudgetSpent)
    );
    repatria_exchange::check_plan(&s, &plan).unwrap();
    assert!(explain(&s, &plan).contains("optimality not proven: the time budget ran out"));
}
