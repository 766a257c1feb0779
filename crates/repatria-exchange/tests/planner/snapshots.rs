//! Snapshots of a plan's reasons and of its explanation for a small scenario where every
//! reason to stay occurs. A change to the planner's choices or to the summary shows here
//! as a diff to review; `UPDATE_EXPECT=1 cargo test -p repatria-exchange --test
//! snapshots` rewrites them.

use expect_test::expect;
use repatria_exchange::{explain, parse_scenario, plan};

const SCENARIO: &str = r#"{
  "parties": [
    { "id": "UA", "name": "Ukraine" },
    { "id": "RU", "name": "Russia" },
    { "id": "KP", "name": "DPRK" },
    { "id": "CH", "name": "Switzerland" }
  ],
  "sides": [["UA"], ["RU", "KP"]],
  "prisoners": [
    { "id": "p-01", "held_by": "UA", "belongs_to": "RU", "captured_on": "2025-01-09" },
    { "id": "p-02", "held_by": "UA", "belongs_to": "RU", "captured_on": "2025-03-01" },
    { "id": "p-03", "held_by": "UA", "belongs_to": "KP", "captured_on": "2024-11-20",
      "held_for_proceedings": true },
    { "id": "p-04", "held_by": "UA", "belongs_to": "RU", "captured_on": "2024-06-30",
      "seriously_wounded_or_sick": true },
    { "id": "p-05", "held_by": "UA", "belongs_to": "CH", "captured_on": "2025-02-02" },
    { "id": "p-06", "held_by": "RU", "belongs_to": "UA", "captured_on": "2023-05-05",
      "demanded": true },
    { "id": "p-07", "held_by": "RU", "belongs_to": "UA", "captured_on": "2024-09-09",
      "refuses_repatriation": true },
    { "id": "p-08", "held_by": "KP", "belongs_to": "RU", "captured_on": "2025-04-04" },
    { "id": "p-09", "held_by": "UA", "belongs_to": "RU", "captured_on": "2025-05-05" },
    { "id": "p-10", "held_by": "RU", "belongs_to": "UA", "captured_on": "2022-03-03",
      "seriously_wounded_or_sick": true, "transfer_barred": true }
  ],
  "terms": { "balance": "count", "tolerance": 0, "max_total": 4, "as_of": "2026-01-01" }
}"#;

#[test]
fn a_plan_gives_its_reasons_and_explains_itself() {
    let scenario = parse_scenario(SCENARIO).unwrap();
    let plan = plan(&scenario).unwrap();
    let reasons: String = plan
        .not_moved
        .iter()
        .map(|n| format!("{} stays: {}\n", n.prisoner, n.reason))
        .chain(plan.transfers.iter().map(|t| {
            format!(
                "{} moves {} -> {}{}\n",
                t.prisoner,
                t.from,
                t.to,
                if t.counts_toward_balance {
                    ""
                } else {
                    " (not counted)"
                }
            )
        }))
        .collect();
    expect![[r#"
        p-02 stays: balance
        p-03 stays: held_for_proceedings
        p-05 stays: party_not_in_agreement
        p-07 stays: refuses_repatriation
        p-08 stays: same_side
        p-09 stays: balance
        p-10 stays: transfer_barred
        p-01 moves UA -> RU
        p-04 moves UA -> RU (not counted)
        p-06 moves RU -> UA
    "#]]
    .assert_eq(&reasons);
    expect![[r#"
        Exchange plan (proven optimal), balanced by count, tolerance 0, at most 4 counted moves, as of 2026-01-01.
        3 prisoners move: 2 traded (1 demanded, value 2, 1329 days in captivity in all) and 1 seriously wounded or sick repatriated regardless of numbers (GC III Arts. 109-110).

        Per side (counted moves, by count):
          [UA]: gives 1, receives 1
            UA -> RU: 1 traded, 1 wounded or sick
          [RU, KP]: gives 1, receives 1
            RU -> UA: 1 traded

        What limited the exchange:
          - [UA] still holds 2 prisoner(s) who could go home (0 demanded), but nothing more can be received in return within the tolerance; nothing more to give from [RU, KP].

        Left out (7):
          1 refuses repatriation (GC III Art. 109): p-07
          1 may not be transferred to his power of origin (GC III Art. 12): p-10
          1 holder or power of origin not in the agreement: p-05
          1 holder and power of origin on the same side: p-08
          1 held for judicial proceedings (GC III Art. 115): p-03
          2 could move, but balance (or a better choice) left no room: p-02, p-09
    "#]].assert_eq(&explain(&scenario, &plan));
}
