//! One table case per rule and per reason of the contract.

use repatria_exchange::{check_plan, parse_scenario, plan, Balance, Objective, Reason, Scenario};

use crate::support::*;

#[test]
fn a_prisoner_who_refuses_never_moves_even_when_sick() {
    let s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU").refuses(),
            prisoner("b", "UA", "RU").refuses().sick(),
            prisoner("c", "UA", "RU"),
            prisoner("d", "RU", "UA"),
        ],
    );
    check(
        &s,
        "a refuses_repatriation\nb refuses_repatriation\nc counted\nd counted",
    );
}

#[test]
fn a_prisoner_whose_transfer_is_barred_never_moves_even_when_sick() {
    let s = scenario(
        &["UA", "RU", "BY"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU").barred(),
            prisoner("b", "UA", "RU").barred().sick(),
            prisoner("c", "UA", "RU").barred().proceedings(),
            prisoner("d", "UA", "RU").barred().demanded(),
            // Refusal comes first; the bar before every other reason.
            prisoner("e", "UA", "RU").barred().refuses(),
            prisoner("f", "BY", "RU").barred(),
            prisoner("g", "UA", "UA").barred(),
            prisoner("h", "UA", "RU"),
            prisoner("i", "RU", "UA"),
        ],
    );
    check(
        &s,
        "a transfer_barred\nb transfer_barred\nc transfer_barred\nd transfer_barred\n\
         e refuses_repatriation\nf transfer_barred\ng transfer_barred\nh counted\ni counted",
    );
}

/// The barred prisoner is the one each solver would pick first (demanded, longest held); the
/// terms choose the solver: the circulation (count), the knapsack per direction (value, two
/// sides), the knapsack network (value, three sides) and the integer program (value, three
/// sides, a binding cap).
#[test]
fn every_solver_leaves_a_barred_prisoner_where_he_is() {
    let three = |by_value: bool, cap: Option<u64>| {
        let mut prisoners = Vec::new();
        for (holder, origin) in [("A", "B"), ("B", "C"), ("C", "A")] {
            for i in 0..3 {
                prisoners.push(prisoner(&format!("{origin}-{i}"), holder, origin).rank("nco"));
            }
        }
        prisoners.push(
            prisoner("x", "A", "B")
                .rank("nco")
                .demanded()
                .captured("2020-01-01"),
        );
        let mut s = scenario(&["A", "B", "C"], &[&["A"], &["B"], &["C"]], prisoners);
        if by_value {
            s.terms.balance = Balance::Value;
            s.terms.values = rank_values();
        }
        s.terms.max_total = cap;
        s
    };
    let two = |by_value: bool| {
        let mut s = scenario(
            &["A", "B"],
            &[&["A"], &["B"]],
            vec![
                prisoner("B-0", "A", "B").rank("nco"),
                prisoner("x", "A", "B")
                    .rank("nco")
                    .demanded()
                    .captured("2020-01-01"),
                prisoner("A-0", "B", "A").rank("private"),
                prisoner("A-1", "B", "A").rank("private"),
            ],
        );
        if by_value {
            s.terms.balance = Balance::Value;
            s.terms.values = rank_values();
        }
        s
    };
    let cases = [
        ("count, two sides", two(false)),
        ("count, three sides, capped", three(false, Some(4))),
        ("value, two sides", two(true)),
        ("value, three sides", three(true, None)),
        ("value, three sides, capped", three(true, Some(4))),
    ];
    for (name, mut s) in cases {
        let free = plan(&s).unwrap().into_owned();
        assert!(
            free.transfers
                .iter()
                .any(|t| t.prisoner == "x" && t.counts_toward_balance),
            "{name}: x would move"
        );
        s.prisoners
            .iter_mut()
            .find(|p| p.id == "x")
            .unwrap()
            .transfer_barred = true;
        let barred = plan(&s).unwrap();
        assert!(barred.optimal, "{name}");
        check_plan(&s, &barred).unwrap_or_else(|p| panic!("{name}: {p:#?}"));
        let stays = barred.not_moved.iter().find(|n| n.prisoner == "x");
        assert_eq!(
            stays.map(|n| n.reason),
            Some(Reason::TransferBarred),
            "{name}"
        );
        assert_eq!(
            objective_of(&barred),
            per_prisoner_objective(&s),
            "{name}: the best plan without him"
        );
        assert!(barred.objective < free.objective, "{name}");
    }
}

#[test]
fn the_checker_refuses_a_plan_that_moves_a_barred_prisoner_or_gives_another_reason() {
    let mut s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU"),
            prisoner("b", "RU", "UA"),
            prisoner("c", "RU", "UA").sick(),
        ],
    );
    let before = plan(&s).unwrap().into_owned();
    s.prisoners[0].transfer_barred = true;
    s.prisoners[2].transfer_barred = true;
    let problems = check_plan(&s, &before).unwrap_err();
    assert!(
        problems.contains(&"a moves but must stay (transfer_barred)".to_string())
            && problems.contains(&"c moves but must stay (transfer_barred)".to_string()),
        "{problems:#?}"
    );
    let mut wrong_reason = plan(&s).unwrap();
    assert_eq!(wrong_reason.not_moved[0].reason, Reason::TransferBarred);
    wrong_reason.not_moved[0].reason = Reason::Balance;
    assert_eq!(
        check_plan(&s, &wrong_reason).unwrap_err(),
        ["a: reason balance but expected transfer_barred"]
    );
}

#[test]
fn transfer_barred_is_read_and_written_only_when_true() {
    let json = r#"{"parties": [{"id": "UA"}, {"id": "RU"}], "sides": [["UA"], ["RU"]],
        "prisoners": [
          {"id": "a", "held_by": "UA", "belongs_to": "RU", "captured_on": "2025-01-01", "transfer_barred": true},
          {"id": "b", "held_by": "UA", "belongs_to": "RU", "captured_on": "2025-01-01", "transfer_barred": false},
          {"id": "c", "held_by": "UA", "belongs_to": "RU", "captured_on": "2025-01-01"}
        ]}"#;
    let s = parse_scenario(json).unwrap();
    let flags: Vec<bool> = s.prisoners.iter().map(|p| p.transfer_barred).collect();
    assert_eq!(flags, [true, false, false]);
    let written = serde_json::to_value(&s).unwrap();
    assert_eq!(written["prisoners"][0]["transfer_barred"], true);
    for i in [1, 2] {
        let keys: Vec<&String> = written["prisoners"][i]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert!(!keys.iter().any(|k| *k == "transfer_barred"), "{keys:?}");
    }
    let not_a_bool = json.replace(r#""transfer_barred": true"#, r#""transfer_barred": "yes""#);
    assert_eq!(
        parse_scenario(&not_a_bool).unwrap_err().field,
        "prisoners[0].transfer_barred"
    );
}

#[test]
fn the_seriously_wounded_and_sick_move_regardless_of_numbers_and_are_not_counted() {
    let mut s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU").sick(),
            prisoner("b", "UA", "RU").sick().proceedings(),
            prisoner("c", "UA", "RU"),
            prisoner("d", "RU", "UA"),
        ],
    );
    s.terms.max_total = Some(2);
    let plan = check(&s, "a uncounted\nb uncounted\nc counted\nd counted");
    assert_eq!((plan.sides[0].gives, plan.sides[0].receives), (1, 1));
}

#[test]
fn a_sick_prisoner_stays_when_he_cannot_move_at_all() {
    let s = scenario(
        &["UA", "RU", "BY"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "BY").sick(),
            prisoner("b", "BY", "UA").sick(),
        ],
    );
    check(&s, "a party_not_in_agreement\nb party_not_in_agreement");
}

#[test]
fn a_prisoner_held_for_proceedings_stays() {
    let s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU").proceedings(),
            prisoner("b", "UA", "RU"),
            prisoner("c", "RU", "UA"),
        ],
    );
    check(&s, "a held_for_proceedings\nb counted\nc counted");
}

#[test]
fn a_party_on_no_side_keeps_its_prisoners_and_gets_none() {
    let s = scenario(
        &["UA", "RU", "BY"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "BY", "RU"),
            prisoner("b", "UA", "BY"),
            prisoner("c", "UA", "RU"),
            prisoner("d", "RU", "UA"),
        ],
    );
    check(
        &s,
        "a party_not_in_agreement\nb party_not_in_agreement\nc counted\nd counted",
    );
}

#[test]
fn coalition_partners_do_not_exchange_among_themselves() {
    let s = scenario(
        &["UA", "RU", "KP"],
        &[&["UA"], &["RU", "KP"]],
        vec![prisoner("a", "RU", "KP"), prisoner("b", "UA", "UA")],
    );
    check(&s, "a same_side\nb same_side");
}

#[test]
fn moves_that_would_break_balance_are_left_out_for_balance() {
    let s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU").captured("2025-06-01"),
            prisoner("b", "UA", "RU").captured("2024-06-01"),
            prisoner("c", "RU", "UA"),
        ],
    );
    // b has been held longer, so b goes.
    check(&s, "a balance\nb counted\nc counted");
}

#[test]
fn tolerance_allows_a_bounded_imbalance() {
    let mut s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU"),
            prisoner("b", "UA", "RU"),
            prisoner("c", "UA", "RU"),
            prisoner("d", "RU", "UA"),
        ],
    );
    s.terms.tolerance = 2;
    check(&s, "a counted\nb counted\nc counted\nd counted");
    s.terms.tolerance = 1;
    check(&s, "a counted\nb counted\nc balance\nd counted");
}

#[test]
fn the_cap_limits_counted_moves_and_is_given_as_the_reason() {
    let mut s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU"),
            prisoner("b", "UA", "RU").captured("2024-01-01"),
            prisoner("c", "RU", "UA").captured("2024-01-01"),
            prisoner("d", "RU", "UA"),
        ],
    );
    s.terms.max_total = Some(2);
    check(&s, "a max_total\nb counted\nc counted\nd max_total");
    s.terms.max_total = Some(0);
    check(&s, "a max_total\nb max_total\nc max_total\nd max_total");
}

#[test]
fn demanded_prisoners_come_first_then_value_then_days() {
    let mut s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU").captured("2022-03-01"),
            prisoner("b", "UA", "RU").demanded().captured("2025-12-01"),
            prisoner("c", "RU", "UA"),
        ],
    );
    check(&s, "a balance\nb counted\nc counted");

    // By value: the tolerance leaves room for one extra value point, which only a private
    // can use, so a major and a private go for a major; days decide among equals.
    s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU")
                .rank("major")
                .captured("2025-01-01"),
            prisoner("b", "UA", "RU")
                .rank("major")
                .captured("2024-01-01"),
            prisoner("c", "UA", "RU").rank("private"),
            prisoner("d", "RU", "UA").rank("major"),
        ],
    );
    s.terms.balance = Balance::Value;
    s.terms.values = rank_values();
    s.terms.tolerance = 1;
    let plan = check(&s, "a balance\nb counted\nc counted\nd counted");
    assert_eq!(
        plan.objective,
        Objective {
            demanded: 0,
            value: 17,
            days_in_captivity: 731 + 365 + 365
        }
    );
}

#[test]
fn balance_by_value_trades_one_officer_for_several_privates() {
    let mut s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU").rank("major"),
            prisoner("b", "RU", "UA").rank("private"),
            prisoner("c", "RU", "UA").rank("nco"),
            prisoner("d", "RU", "UA").rank("captain"),
        ],
    );
    s.terms.balance = Balance::Value;
    s.terms.values = rank_values();
    // Only captain (6) + nco (2) make a major (8).
    let plan = check(&s, "a counted\nb balance\nc counted\nd counted");
    assert_eq!(plan.objective.value, 16);
    assert_eq!((plan.sides[0].gives, plan.sides[0].receives), (8, 8));

    // A rank missing from the values is worth 1, like a private.
    s.prisoners.push(prisoner("e", "UA", "RU").rank("cook"));
    check(&s, "a counted\nb counted\nc counted\nd counted\ne counted");
}

#[test]
fn balance_by_count_ignores_rank_values() {
    let mut s = scenario(
        &["UA", "RU"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU").rank("general"),
            prisoner("b", "RU", "UA").rank("private"),
        ],
    );
    s.terms.values = rank_values();
    let plan = check(&s, "a counted\nb counted");
    assert_eq!(plan.objective.value, 2);
}

#[test]
fn every_prisoner_appears_exactly_once_in_scenario_order() {
    let s = scenario(
        &["UA", "RU", "BY"],
        &[&["UA"], &["RU"]],
        vec![
            prisoner("a", "UA", "RU"),
            prisoner("b", "BY", "UA"),
            prisoner("c", "RU", "UA").sick(),
            prisoner("d", "RU", "UA").refuses(),
            prisoner("e", "RU", "UA"),
        ],
    );
    let plan = check(
        &s,
        "a counted\nb party_not_in_agreement\nc uncounted\nd refuses_repatriation\ne counted",
    );
    let moved: Vec<&str> = plan.transfers.iter().map(|t| &*t.prisoner).collect();
    assert_eq!(moved, ["a", "c", "e"]);
    assert_eq!(plan.transfers[0].from, "UA");
    assert_eq!(plan.transfers[0].to, "RU");
}

#[test]
fn between_two_sides_by_value_demanded_prisoners_are_left_when_nothing_else_balances() {
    // UA holds 100 demanded RU generals (worth 40 each), RU holds 3,000 UA privates: only 75
    // generals can be matched, so 25 demanded prisoners stay, and the knapsack must look far
    // beyond the difference of what the sides hold to prove it.
    let mut prisoners = Vec::new();
    for i in 0..100 {
        prisoners.push(
            prisoner(&format!("g{i:03}"), "UA", "RU")
                .rank("general")
                .demanded(),
        );
    }
    for i in 0..3000 {
        prisoners.push(prisoner(&format!("p{i:04}"), "RU", "UA").rank("private"));
    }
    let mut s = scenario(&["UA", "RU"], &[&["UA"], &["RU"]], prisoners);
    s.terms.balance = Balance::Value;
    s.terms.values = rank_values();
    let plan = plan(&s).unwrap();
    assert!(plan.optimal);
    check_plan(&s, &plan).unwrap();
    assert_eq!((plan.objective.demanded, plan.objective.value), (75, 6000));
    assert_eq!(plan.objective.days_in_captivity, 3075 * 365);
    // With room for one more general, the 40 privates it needs are found.
    s.terms.tolerance = 39;
    let plan = plan_of(&s);
    assert_eq!((plan.objective.demanded, plan.objective.value), (75, 6000));
    s.terms.tolerance = 40;
    let plan = plan_of(&s);
    assert_eq!((plan.objective.demanded, plan.objective.value), (76, 6040));
}

fn plan_of(s: &Scenario) -> repatria_exchange::Plan<'_> {
    let plan = plan(s).unwrap();
    assert!(plan.optimal);
    check_plan(s, &plan).unwrap();
    plan
}
