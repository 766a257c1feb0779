//! Bad scenarios are rejected with a message naming the field.

use repatria_exchange::{parse_scenario, plan, plan_json};

use crate::support::*;

fn base() -> repatria_exchange::Scenario {
    scenario(
        &["UA", "RU", "KP"],
        &[&["UA"], &["RU", "KP"]],
        vec![prisoner("a", "UA", "RU"), prisoner("b", "RU", "UA")],
    )
}

fn rejects(scenario: &repatria_exchange::Scenario, expect: &str) {
    let error = plan(scenario).expect_err("must be rejected");
    assert_eq!(error.to_string(), expect);
}

#[test]
fn bad_scenarios_name_the_field_at_fault() {
    let mut s = base();
    s.prisoners[1].held_by = "XX".into();
    rejects(&s, r#"prisoners[1].held_by: unknown party "XX""#);

    let mut s = base();
    s.prisoners[0].belongs_to = "XX".into();
    rejects(&s, r#"prisoners[0].belongs_to: unknown party "XX""#);

    let mut s = base();
    s.sides[1].push("XX".into());
    rejects(&s, r#"sides[1][2]: unknown party "XX""#);

    let mut s = base();
    s.prisoners[1].id = "a".into();
    rejects(
        &s,
        r#"prisoners[1].id: duplicate prisoner id "a" (first at prisoners[0])"#,
    );

    let mut s = base();
    s.parties[2].id = "UA".into();
    rejects(&s, r#"parties[2].id: duplicate party "UA""#);

    let mut s = base();
    s.prisoners[0].captured_on = "2025-02-30".into();
    rejects(
        &s,
        r#"prisoners[0].captured_on: "2025-02-30" is not a valid date"#,
    );

    let mut s = base();
    s.prisoners[1].captured_on = "2025-1-9".into();
    rejects(
        &s,
        r#"prisoners[1].captured_on: "2025-1-9" is not a date of the form YYYY-MM-DD"#,
    );

    let mut s = base();
    s.prisoners[1].captured_on = "2026-06-01".into();
    rejects(
        &s,
        "prisoners[1].captured_on: 2026-06-01 is after terms.as_of 2026-01-01",
    );

    let mut s = base();
    s.sides[1].push("UA".into());
    rejects(&s, r#"sides[1]: party "UA" is on two sides"#);

    let mut s = base();
    s.sides[1].push("RU".into());
    rejects(&s, r#"sides[1]: party "RU" is named twice"#);

    let mut s = base();
    s.sides.push(Vec::new());
    rejects(&s, "sides[2]: a side needs at least one party");

    let mut s = base();
    s.terms.values.insert("major".into(), 0);
    rejects(
        &s,
        "terms.values.major: must be a positive integer of at most 1000000, not 0",
    );

    let mut s = base();
    s.terms.as_of = None;
    rejects(&s, "terms.as_of: missing reference date (YYYY-MM-DD)");

    let mut s = base();
    s.terms.as_of = Some("27.11.2026".into());
    rejects(
        &s,
        r#"terms.as_of: "27.11.2026" is not a date of the form YYYY-MM-DD"#,
    );
}

/// A misspelt key must not be ignored: a prisoner whose refusal (GC III Art. 109) is
/// written `refuses_repatriaton` would otherwise be planned to move.
#[test]
fn an_unknown_key_is_refused_with_its_place() {
    let misspelt = r#"{"parties": [{"id": "UA"}, {"id": "RU"}], "sides": [["UA"], ["RU"]],
        "prisoners": [{"id": "a", "held_by": "UA", "belongs_to": "RU", "captured_on": "2025-01-01",
                       "refuses_repatriaton": true}]}"#;
    let error = parse_scenario(misspelt).unwrap_err();
    assert_eq!(error.field, "prisoners[0].refuses_repatriaton");
    assert!(
        error
            .message
            .contains("unknown field `refuses_repatriaton`")
            && error.message.contains("refuses_repatriation"),
        "{error}"
    );
    for (json, field) in [
        (
            r#"{"parties": [], "sides": [], "prisoners": [], "term": {}}"#,
            "term",
        ),
        (
            r#"{"parties": [{"id": "UA", "nme": "x"}], "sides": [], "prisoners": []}"#,
            "parties[0].nme",
        ),
        (
            r#"{"parties": [], "sides": [], "prisoners": [], "terms": {"tolerence": 1}}"#,
            "terms.tolerence",
        ),
    ] {
        let error = parse_scenario(json).unwrap_err();
        assert_eq!(error.field, field, "{json}: {error}");
        assert!(error.message.contains("unknown field"), "{error}");
        assert!(plan_json(json).is_err());
    }
}

#[test]
fn malformed_json_names_the_field() {
    let bad_type = r#"{"parties": [{"id": "UA"}], "sides": [["UA"]],
        "prisoners": [{"id": "a", "held_by": "UA", "belongs_to": "UA", "captured_on": "2025-01-01", "demanded": "yes"}]}"#;
    let error = parse_scenario(bad_type).unwrap_err();
    assert_eq!(error.field, "prisoners[0].demanded");

    let missing = r#"{"parties": [{"id": "UA"}], "sides": [["UA"]],
        "prisoners": [{"id": "a", "held_by": "UA", "belongs_to": "UA"}]}"#;
    let error = parse_scenario(missing).unwrap_err();
    assert_eq!(error.field, "prisoners[0]");
    assert!(error.message.contains("captured_on"), "{error}");

    let bad_balance =
        r#"{"parties": [], "sides": [], "prisoners": [], "terms": {"balance": "weight"}}"#;
    assert_eq!(
        parse_scenario(bad_balance).unwrap_err().field,
        "terms.balance"
    );

    let negative = r#"{"parties": [], "sides": [], "prisoners": [], "terms": {"tolerance": -1}}"#;
    assert_eq!(
        parse_scenario(negative).unwrap_err().field,
        "terms.tolerance"
    );

    assert_eq!(plan_json("not json").unwrap_err().field, "scenario");
    assert_eq!(plan_json("{} {}").unwrap_err().field, "scenario");
}

#[test]
fn an_empty_scenario_is_an_empty_plan() {
    let s = scenario(&[], &[], Vec::new());
    let plan = plan(&s).unwrap();
    assert!(
        plan.optimal
            && plan.transfers.is_empty()
            && plan.not_moved.is_empty()
            && plan.sides.is_empty()
    );
}

#[test]
fn the_first_repeated_prisoner_id_in_list_order_is_named() {
    let mut s = base();
    let template = s.prisoners[0].clone();
    s.prisoners = (0..5000)
        .map(|i| {
            let mut p = template.clone();
            p.id = format!("p{i}");
            p
        })
        .collect();
    s.prisoners[4000].id = "p17".into();
    s.prisoners[3000].id = "p2999".into();
    rejects(
        &s,
        r#"prisoners[3000].id: duplicate prisoner id "p2999" (first at prisoners[2999])"#,
    );
}
