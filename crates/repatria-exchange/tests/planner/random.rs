//! Random scenarios: every plan passes the independent checker (proptest), and the planner's
//! objective equals that of a straightforward per-prisoner integer program and, when small
//! enough, of brute force.

use proptest::prelude::*;
use rand::{rngs::SmallRng, Rng, SeedableRng};
use repatria_exchange::{check_plan, plan, Balance, Reason, Scenario};

use crate::support::*;

const RANKS: [&str; 8] = [
    "private",
    "nco",
    "lieutenant",
    "captain",
    "major",
    "colonel",
    "general",
    "cook",
];

/// A scenario described by small numbers, so that both proptest and a seeded generator can make
/// one.
#[derive(Debug, Clone)]
struct Shape {
    /// Side of each party: 0..=2 (or 4..=6 for more sides), or 3 for none.
    party_sides: Vec<u8>,
    /// (holder, origin, rank, flags, days before as_of); flags: 1 sick, 2 refuses,
    /// 4 proceedings, 8 demanded (sick, refuses and proceedings are made rare); the rank's
    /// top three bits all set (one in eight) bar his transfer (GC III Art. 12).
    prisoners: Vec<(u8, u8, u8, u8, u16)>,
    by_value: bool,
    tolerance: u64,
    max_total: Option<u64>,
}

fn build(shape: &Shape) -> Scenario {
    let ids: Vec<String> = (0..shape.party_sides.len())
        .map(|i| format!("P{i}"))
        .collect();
    let mut sides: Vec<Vec<String>> = vec![Vec::new(); 7];
    for (i, &side) in shape.party_sides.iter().enumerate() {
        if side != 3 {
            sides[side as usize].push(ids[i].clone());
        }
    }
    sides.retain(|s| !s.is_empty());
    let party_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let as_of = repatria_exchange::parse_date(AS_OF).unwrap();
    let prisoners = shape
        .prisoners
        .iter()
        .enumerate()
        .map(|(i, &(h, o, rank, flags, days))| {
            let n = ids.len();
            let mut p = prisoner(&format!("p{i}"), &ids[h as usize % n], &ids[o as usize % n]);
            p.seriously_wounded_or_sick = flags & 1 != 0 && flags & 0x30 == 0x30;
            p.refuses_repatriation = flags & 2 != 0 && flags & 0x30 == 0x30;
            p.held_for_proceedings = flags & 4 != 0 && flags & 0xc0 == 0xc0;
            p.demanded = flags & 8 != 0;
            p.transfer_barred = rank & 0xe0 == 0xe0;
            p.rank = Some(RANKS[rank as usize % RANKS.len()].to_string());
            p.captured_on = (as_of - chrono::Days::new(u64::from(days)))
                .format("%Y-%m-%d")
                .to_string();
            p
        })
        .collect();
    let side_refs: Vec<Vec<&str>> = sides
        .iter()
        .map(|s| s.iter().map(String::as_str).collect())
        .collect();
    let side_slices: Vec<&[&str]> = side_refs.iter().map(Vec::as_slice).collect();
    let mut s = scenario(&party_refs, &side_slices, prisoners);
    if shape.by_value {
        s.terms.balance = Balance::Value;
        s.terms.values = rank_values();
    }
    s.terms.tolerance = shape.tolerance;
    s.terms.max_total = shape.max_total;
    s
}

fn shape_strategy(max_prisoners: usize) -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec(0u8..4, 2..6),
        prop::collection::vec(
            (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), 0u16..60),
            0..max_prisoners,
        ),
        any::<bool>(),
        0u64..4,
        prop::option::of(0u64..15),
    )
        .prop_map(
            |(party_sides, prisoners, by_value, tolerance, max_total)| Shape {
                party_sides,
                prisoners,
                by_value,
                tolerance,
                max_total,
            },
        )
}

fn random_shape(rng: &mut SmallRng, max_prisoners: usize) -> Shape {
    let parties = rng.gen_range(2..=5);
    // Fewer distinct days make ties, which are where lexicographic mistakes hide.
    let day_spread = if rng.gen_bool(0.5) { 4 } else { 400 };
    Shape {
        party_sides: (0..parties)
            .map(|_| {
                if rng.gen_bool(0.1) {
                    3
                } else {
                    rng.gen_range(0..3)
                }
            })
            .collect(),
        prisoners: (0..rng.gen_range(0..=max_prisoners))
            .map(|_| {
                (
                    rng.gen(),
                    rng.gen(),
                    rng.gen(),
                    rng.gen(),
                    rng.gen_range(0..day_spread),
                )
            })
            .collect(),
        by_value: rng.gen_bool(0.5),
        tolerance: if rng.gen_bool(0.6) {
            0
        } else {
            rng.gen_range(1..4)
        },
        max_total: if rng.gen_bool(0.6) {
            None
        } else {
            Some(rng.gen_range(0..12))
        },
    }
}

/// Asks brute force too (when the scenario is small enough).
const BRUTE_FORCE: bool = true;

/// Plans `shape`'s scenario: the plan is optimal, passes the checker and has the objective
/// of the per-prisoner integer program and, when `brute_force` is asked and there are at
/// most 12 candidates, of brute force. True when brute force was compared.
fn plan_matches_the_models(round: usize, shape: &Shape, brute_force: bool) -> bool {
    let s = build(shape);
    let plan = plan(&s).unwrap();
    assert!(plan.optimal, "round {round}\n{shape:?}");
    assert_eq!(plan.why_not_optimal, None, "round {round}\n{shape:?}");
    if let Err(problems) = check_plan(&s, &plan) {
        panic!("round {round}: {problems:#?}\n{shape:?}");
    }
    for t in &plan.transfers {
        let p = s.prisoners.iter().find(|p| p.id == t.prisoner).unwrap();
        assert!(!p.transfer_barred, "round {round}: barred {} moves", p.id);
    }
    assert_eq!(
        objective_of(&plan),
        per_prisoner_objective(&s),
        "round {round}: per-prisoner model disagrees\n{shape:?}"
    );
    if !brute_force || reference_candidates(&s).len() > 12 {
        return false;
    }
    assert_eq!(
        objective_of(&plan),
        brute_force_objective(&s),
        "round {round}: brute force disagrees\n{shape:?}"
    );
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_plan_obeys_every_rule(shape in shape_strategy(40)) {
        let s = build(&shape);
        let plan = plan(&s).unwrap();
        prop_assert!(plan.optimal);
        prop_assert_eq!(plan.why_not_optimal, None);
        if let Err(problems) = check_plan(&s, &plan) {
            prop_assert!(false, "{:#?}\n{:?}", problems, shape);
        }
        // A prisoner whose transfer is barred never moves, and says why unless he refuses.
        for barred in s.prisoners.iter().filter(|p| p.transfer_barred) {
            prop_assert!(plan.transfers.iter().all(|t| t.prisoner != barred.id), "{} moves", barred.id);
            let entry = plan.not_moved.iter().find(|n| n.prisoner == barred.id);
            let expected = if barred.refuses_repatriation {
                Reason::RefusesRepatriation
            } else {
                Reason::TransferBarred
            };
            prop_assert_eq!(entry.map(|n| n.reason), Some(expected));
        }
    }
}

#[test]
fn the_generators_bar_the_transfer_of_some_prisoners_who_could_otherwise_move() {
    let mut rng = SmallRng::seed_from_u64(20261127);
    let (mut barred, mut prisoners) = (0, 0);
    for _ in 0..300 {
        let s = build(&random_shape(&mut rng, 24));
        prisoners += s.prisoners.len();
        barred += s
            .prisoners
            .iter()
            .filter(|p| p.transfer_barred && !p.refuses_repatriation && p.held_by != p.belongs_to)
            .count();
    }
    // One in eight are barred, fewer once those held by their own party are left out.
    assert!(
        barred * 20 > prisoners && barred * 4 < prisoners,
        "{barred} of {prisoners}"
    );
}

#[test]
fn the_objective_equals_the_per_prisoner_integer_program_and_brute_force() {
    let mut rng = SmallRng::seed_from_u64(20261127);
    let (mut compared, mut brute_forced) = (0, 0);
    for round in 0..300 {
        let shape = random_shape(&mut rng, 24);
        compared += 1;
        if plan_matches_the_models(round, &shape, BRUTE_FORCE) {
            brute_forced += 1;
        }
    }
    assert_eq!(compared, 300);
    assert!(
        brute_forced > 100,
        "only {brute_forced} scenarios were small enough for brute force"
    );
}

#[test]
fn more_parties_and_prisoners_still_match_the_per_prisoner_model() {
    let mut rng = SmallRng::seed_from_u64(7);
    for round in 0..40 {
        let mut shape = random_shape(&mut rng, 60);
        shape.party_sides = (0..rng.gen_range(3..=8))
            .map(|_| rng.gen_range(0..3))
            .collect();
        plan_matches_the_models(round, &shape, !BRUTE_FORCE);
    }
}

#[test]
fn a_binding_cap_under_balance_by_count_matches_the_per_prisoner_model_and_brute_force() {
    let mut rng = SmallRng::seed_from_u64(1127);
    let (mut compared, mut brute_forced) = (0, 0);
    for round in 0..300 {
        let mut shape = random_shape(&mut rng, 36);
        shape.by_value = false;
        shape.max_total = None;
        if round % 2 == 1 {
            // Up to six sides, for cycles longer than three.
            shape.party_sides = (0..rng.gen_range(3..=8))
                .map(|_| [0, 1, 2, 4, 5, 6][rng.gen_range(0..6)])
                .collect();
        }
        let uncapped_scenario = build(&shape);
        let uncapped = plan(&uncapped_scenario).unwrap();
        let moved = uncapped
            .transfers
            .iter()
            .filter(|t| t.counts_toward_balance)
            .count() as u64;
        if moved == 0 {
            continue;
        }
        shape.max_total = Some(rng.gen_range(0..moved));
        compared += 1;
        if plan_matches_the_models(round, &shape, BRUTE_FORCE) {
            brute_forced += 1;
        }
    }
    assert!(
        compared > 150,
        "only {compared} scenarios had a binding cap"
    );
    assert!(
        brute_forced > 20,
        "only {brute_forced} were small enough for brute force"
    );
}

#[test]
fn balance_by_value_on_up_to_six_sides_matches_the_per_prisoner_model() {
    // Tolerance 0 on many sides is where the integer program leaves out a redundant balance row
    // and where its tangent ladder matters most.
    let mut rng = SmallRng::seed_from_u64(611);
    for round in 0..200 {
        let mut shape = random_shape(&mut rng, 40);
        shape.by_value = true;
        shape.party_sides = (0..rng.gen_range(3..=8))
            .map(|_| [0, 1, 2, 4, 5, 6][rng.gen_range(0..6)])
            .collect();
        if round % 3 != 0 {
            shape.tolerance = 0;
        }
        plan_matches_the_models(round, &shape, !BRUTE_FORCE);
    }
}

#[test]
fn balance_by_value_between_two_sides_matches_the_per_prisoner_model_and_brute_force() {
    // Two sides by value go to the knapsack per direction; ties in days and small tolerances
    // are where it could go wrong.
    let mut rng = SmallRng::seed_from_u64(2);
    let (mut compared, mut brute_forced) = (0, 0);
    for round in 0..300 {
        let mut shape = random_shape(&mut rng, 30);
        shape.by_value = true;
        shape.max_total = None;
        shape.party_sides = (0..rng.gen_range(2..=5))
            .map(|_| {
                if rng.gen_bool(0.1) {
                    3
                } else {
                    rng.gen_range(0..2)
                }
            })
            .collect();
        compared += 1;
        if plan_matches_the_models(round, &shape, BRUTE_FORCE) {
            brute_forced += 1;
        }
    }
    assert_eq!(compared, 300);
    assert!(brute_forced > 50, "only {brute_forced} small enough");
}
