//! Scenario builders and a per-prisoner reference planner shared by the tests.

use std::collections::HashMap;

use good_lp::{microlp, variable, Expression, ProblemVariables, SolverModel, Variable};
use repatria_exchange::{parse_date, plan, Balance, Party, Plan, Prisoner, Scenario, Terms};

pub const AS_OF: &str = "2026-01-01";

pub fn prisoner(id: &str, held_by: &str, belongs_to: &str) -> Prisoner {
    Prisoner {
        id: id.to_string(),
        held_by: held_by.to_string(),
        belongs_to: belongs_to.to_string(),
        rank: None,
        seriously_wounded_or_sick: false,
        refuses_repatriation: false,
        transfer_barred: false,
        held_for_proceedings: false,
        demanded: false,
        captured_on: "2025-01-01".to_string(),
    }
}

pub trait PrisonerExt {
    fn sick(self) -> Self;
    fn refuses(self) -> Self;
    fn barred(self) -> Self;
    fn proceedings(self) -> Self;
    fn demanded(self) -> Self;
    fn rank(self, rank: &str) -> Self;
    fn captured(self, date: &str) -> Self;
}

impl PrisonerExt for Prisoner {
    fn sick(mut self) -> Self {
        self.seriously_wounded_or_sick = true;
        self
    }
    fn refuses(mut self) -> Self {
        self.refuses_repatriation = true;
        self
    }
    fn barred(mut self) -> Self {
        self.transfer_barred = true;
        self
    }
    fn proceedings(mut self) -> Self {
        self.held_for_proceedings = true;
        self
    }
    fn demanded(mut self) -> Self {
        self.demanded = true;
        self
    }
    fn rank(mut self, rank: &str) -> Self {
        self.rank = Some(rank.to_string());
        self
    }
    fn captured(mut self, date: &str) -> Self {
        self.captured_on = date.to_string();
        self
    }
}

pub fn scenario(parties: &[&str], sides: &[&[&str]], prisoners: Vec<Prisoner>) -> Scenario {
    Scenario {
        parties: parties
            .iter()
            .map(|id| Party {
                id: id.to_string(),
                name: format!("Party {id}"),
            })
            .collect(),
        sides: sides
            .iter()
            .map(|side| side.iter().map(|p| p.to_string()).collect())
            .collect(),
        prisoners,
        terms: Terms {
            as_of: Some(AS_OF.to_string()),
            ..Terms::default()
        },
    }
}

/// Standard rank values of the contract's example.
pub fn rank_values() -> std::collections::BTreeMap<String, u64> {
    [
        ("private", 1),
        ("nco", 2),
        ("lieutenant", 4),
        ("captain", 6),
        ("major", 8),
        ("colonel", 15),
        ("general", 40),
    ]
    .into_iter()
    .map(|(r, v)| (r.to_string(), v))
    .collect()
}

/// Each prisoner's outcome in scenario order: `counted`, `uncounted`, or the reason he stays.
pub fn outcomes(scenario: &Scenario, plan: &Plan) -> Vec<(String, String)> {
    let mut by_id: HashMap<&str, String> = HashMap::new();
    for t in &plan.transfers {
        by_id.insert(
            &t.prisoner,
            if t.counts_toward_balance {
                "counted"
            } else {
                "uncounted"
            }
            .to_string(),
        );
    }
    for n in &plan.not_moved {
        by_id.insert(&n.prisoner, n.reason.as_str().to_string());
    }
    scenario
        .prisoners
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                by_id
                    .get(p.id.as_str())
                    .cloned()
                    .unwrap_or_else(|| "MISSING".to_string()),
            )
        })
        .collect()
}

/// Plans, checks the plan with the independent checker, and compares outcomes with `expect`
/// given as `"id outcome"` lines.
pub fn check<'a>(scenario: &'a Scenario, expect: &str) -> Plan<'a> {
    let plan = plan(scenario).expect("scenario is valid");
    if let Err(problems) = repatria_exchange::check_plan(scenario, &plan) {
        panic!("plan breaks the rules: {problems:#?}");
    }
    let got: Vec<String> = outcomes(scenario, &plan)
        .into_iter()
        .map(|(id, o)| format!("{id} {o}"))
        .collect();
    let want: Vec<String> = expect
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(got, want, "outcomes differ");
    plan
}

/// A counted candidate as the reference sees it.
pub struct RefCandidate {
    pub holder_side: usize,
    pub origin_side: usize,
    pub value: u64,
    pub demanded: bool,
    pub days: u64,
}

/// The rules, written again from the contract, independently of the planner.
pub fn reference_candidates(scenario: &Scenario) -> Vec<RefCandidate> {
    let side_of = |party: &str| {
        scenario
            .sides
            .iter()
            .position(|s| s.iter().any(|p| p == party))
    };
    let as_of = parse_date(scenario.terms.as_of.as_deref().unwrap()).unwrap();
    scenario
        .prisoners
        .iter()
        .filter_map(|p| {
            let (h, o) = (side_of(&p.held_by)?, side_of(&p.belongs_to)?);
            let counted = h != o
                && !p.refuses_repatriation
                && !p.transfer_barred
                && !p.seriously_wounded_or_sick
                && !p.held_for_proceedings;
            counted.then(|| RefCandidate {
                holder_side: h,
                origin_side: o,
                value: match scenario.terms.balance {
                    Balance::Count => 1,
                    Balance::Value => p
                        .rank
                        .as_ref()
                        .and_then(|r| scenario.terms.values.get(r))
                        .copied()
                        .unwrap_or(1),
                },
                demanded: p.demanded,
                days: (as_of - parse_date(&p.captured_on).unwrap()).num_days() as u64,
            })
        })
        .collect()
}

/// Lexicographic optimum by trying every subset of candidates (tiny scenarios only).
pub fn brute_force_objective(scenario: &Scenario) -> (u64, u64, u64) {
    let candidates = reference_candidates(scenario);
    assert!(
        candidates.len() <= 16,
        "too many candidates for brute force"
    );
    let sides = scenario.sides.len();
    let mut best = (0, 0, 0);
    for mask in 0u32..(1 << candidates.len()) {
        let mut net = vec![0i64; sides];
        let (mut count, mut objective) = (0u64, (0u64, 0u64, 0u64));
        for (i, c) in candidates.iter().enumerate() {
            if mask & (1 << i) != 0 {
                net[c.holder_side] += c.value as i64;
                net[c.origin_side] -= c.value as i64;
                count += 1;
                objective.0 += u64::from(c.demanded);
                objective.1 += c.value;
                objective.2 += c.days;
            }
        }
        let balanced = net
            .iter()
            .all(|d| d.unsigned_abs() <= scenario.terms.tolerance);
        if balanced && scenario.terms.max_total.is_none_or(|cap| count <= cap) && objective > best {
            best = objective;
        }
    }
    best
}

/// The straightforward model: one binary per prisoner, the three objective levels solved in
/// turn, each fixing the optimum of the previous one.
pub fn per_prisoner_objective(scenario: &Scenario) -> (u64, u64, u64) {
    let candidates = reference_candidates(scenario);
    let mut floors: Vec<(usize, f64)> = Vec::new();
    let mut result = (0, 0, 0);
    for level in 0..3 {
        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = candidates
            .iter()
            .map(|_| vars.add(variable().binary()))
            .collect();
        let weight = |c: &RefCandidate, level: usize| match level {
            0 => f64::from(u8::from(c.demanded)),
            1 => c.value as f64,
            _ => c.days as f64,
        };
        let level_expr = |level: usize| {
            let mut e = Expression::default();
            for (c, &v) in candidates.iter().zip(&x) {
                e.add_mul(weight(c, level), v);
            }
            e
        };
        let mut problem = vars.maximise(level_expr(level)).using(microlp);
        for side in 0..scenario.sides.len() {
            let mut net = Expression::default();
            for (c, &v) in candidates.iter().zip(&x) {
                if c.holder_side == side {
                    net.add_mul(c.value as f64, v);
                }
                if c.origin_side == side {
                    net.add_mul(-(c.value as f64), v);
                }
            }
            let tolerance = scenario.terms.tolerance as f64;
            problem.add_constraint(net.clone().leq(tolerance));
            problem.add_constraint(net.geq(-tolerance));
        }
        if let Some(cap) = scenario.terms.max_total {
            let mut total = Expression::default();
            for &v in &x {
                total.add_mul(1.0, v);
            }
            problem.add_constraint(total.leq(cap as f64));
        }
        for &(l, floor) in &floors {
            problem.add_constraint(level_expr(l).geq(floor - 0.5));
        }
        let solution = problem.solve().expect("reference model solves");
        let achieved = level_expr(level).eval_with(&solution).round();
        floors.push((level, achieved));
        match level {
            0 => result.0 = achieved as u64,
            1 => result.1 = achieved as u64,
            _ => result.2 = achieved as u64,
        }
    }
    result
}

pub fn objective_of(plan: &Plan) -> (u64, u64, u64) {
    (
        plan.objective.demanded,
        plan.objective.value,
        plan.objective.days_in_captivity,
    )
}
