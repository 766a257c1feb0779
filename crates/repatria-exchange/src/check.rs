//! An independent checker: validates any plan against the scenario and every rule of the
//! contract, sharing no code with the planner. Used by the tests, and useful to vet a plan that
//! a person edited by hand before it is signed.

use std::collections::{HashMap, HashSet};

use crate::contract::{Balance, Plan, Reason, Scenario};
use crate::validate::parse_date;

/// Returns every way in which `plan` breaks the contract for `scenario` (empty when none).
/// Optimality is not checked, only the rules, the reasons and the reported figures, and that
/// `optimal` and `why_not_optimal` agree (a reason exactly when not optimal).
pub fn check_plan(scenario: &Scenario, plan: &Plan<'_>) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    match (plan.optimal, plan.why_not_optimal) {
        (true, Some(why)) => problems.push(format!(
            "optimal is true but why_not_optimal is {}",
            why.as_str()
        )),
        (false, None) => problems.push("optimal is false but why_not_optimal is missing".into()),
        _ => {}
    }
    let terms = &scenario.terms;
    let mut side_of: HashMap<&str, usize> = HashMap::new();
    for (s, side) in scenario.sides.iter().enumerate() {
        for party in side {
            side_of.insert(party.as_str(), s);
        }
    }
    let as_of = terms.as_of.as_deref().and_then(|d| parse_date(d).ok());

    // Every prisoner appears exactly once.
    let mut seen: HashSet<&str> = HashSet::new();
    let mut transfer_of = HashMap::new();
    let mut reason_of = HashMap::new();
    for transfer in &plan.transfers {
        if !seen.insert(&*transfer.prisoner) {
            problems.push(format!("{} appears more than once", transfer.prisoner));
        }
        transfer_of.insert(&*transfer.prisoner, transfer);
    }
    for entry in &plan.not_moved {
        if !seen.insert(&*entry.prisoner) {
            problems.push(format!("{} appears more than once", entry.prisoner));
        }
        reason_of.insert(&*entry.prisoner, entry.reason);
    }
    let known: HashSet<&str> = scenario.prisoners.iter().map(|p| p.id.as_str()).collect();
    for id in &seen {
        if !known.contains(id) {
            problems.push(format!("{id} is not a prisoner of the scenario"));
        }
    }

    let mut gives = vec![0u64; scenario.sides.len()];
    let mut receives = vec![0u64; scenario.sides.len()];
    let (mut demanded, mut value, mut days, mut counted) = (0u64, 0u64, 0u64, 0u64);
    let mut left_for_numbers = Vec::new();
    for p in &scenario.prisoners {
        let id = p.id.as_str();
        let holder = side_of.get(p.held_by.as_str()).copied();
        let origin = side_of.get(p.belongs_to.as_str()).copied();
        let movable = matches!((holder, origin), (Some(h), Some(o)) if h != o);
        let expected_fixed = if p.refuses_repatriation {
            Some(Reason::RefusesRepatriation)
        } else if p.transfer_barred {
            Some(Reason::TransferBarred)
        } else if holder.is_none() || origin.is_none() {
            Some(Reason::PartyNotInAgreement)
        } else if holder == origin {
            Some(Reason::SameSide)
        } else if p.seriously_wounded_or_sick {
            None
        } else if p.held_for_proceedings {
            Some(Reason::HeldForProceedings)
        } else {
            None
        };
        match (transfer_of.get(id), reason_of.get(id)) {
            (None, None) => problems.push(format!("{id} is neither moved nor in not_moved")),
            (Some(t), _) => {
                if t.from != p.held_by || t.to != p.belongs_to {
                    problems.push(format!(
                        "{id} moves {} -> {}, not held_by -> belongs_to",
                        t.from, t.to
                    ));
                }
                if let Some(reason) = expected_fixed {
                    problems.push(format!("{id} moves but must stay ({})", reason.as_str()));
                }
                if !movable {
                    continue;
                }
                if t.counts_toward_balance == p.seriously_wounded_or_sick {
                    problems.push(format!(
                        "{id}: counts_toward_balance must be {}",
                        !p.seriously_wounded_or_sick
                    ));
                }
                if t.counts_toward_balance {
                    let worth = match terms.balance {
                        Balance::Count => 1,
                        Balance::Value => p
                            .rank
                            .as_ref()
                            .and_then(|r| terms.values.get(r))
                            .copied()
                            .unwrap_or(1),
                    };
                    counted += 1;
                    value += worth;
                    demanded += u64::from(p.demanded);
                    match (as_of, parse_date(&p.captured_on)) {
                        (Some(a), Ok(c)) if c <= a => days += (a - c).num_days() as u64,
                        _ => problems.push(format!("{id}: no days in captivity can be computed")),
                    }
                    if let (Some(h), Some(o)) = (holder, origin) {
                        gives[h] += worth;
                        receives[o] += worth;
                    }
                }
            }
            (None, Some(&reason)) => match expected_fixed {
                Some(expected) if expected != reason => {
                    problems.push(format!(
                        "{id}: reason {} but expected {}",
                        reason.as_str(),
                        expected.as_str()
                    ));
                }
                Some(_) => {}
                None if p.seriously_wounded_or_sick => {
                    problems.push(format!(
                        "{id} is seriously wounded or sick and must move (Arts. 109-110)"
                    ));
                }
                None => left_for_numbers.push((id, reason)),
            },
        }
    }

    for (s, (g, r)) in gives.iter().zip(&receives).enumerate() {
        if g.abs_diff(*r) > terms.tolerance {
            problems.push(format!(
                "side {s} gives {g} and receives {r}, beyond tolerance {}",
                terms.tolerance
            ));
        }
        match plan.sides.get(s) {
            Some(reported) => {
                if reported.parties != scenario.sides[s]
                    || reported.gives != *g
                    || reported.receives != *r
                {
                    problems.push(format!(
                        "sides[{s}] reported as {reported:?}, computed gives {g} receives {r}"
                    ));
                }
            }
            None => problems.push(format!("sides[{s}] missing from the plan")),
        }
    }
    if plan.sides.len() != scenario.sides.len() {
        problems.push(format!(
            "plan has {} sides, scenario {}",
            plan.sides.len(),
            scenario.sides.len()
        ));
    }
    let at_cap = terms.max_total.is_some_and(|cap| counted >= cap);
    if let Some(cap) = terms.max_total {
        if counted > cap {
            problems.push(format!("{counted} counted moves exceed max_total {cap}"));
        }
    }
    for (id, reason) in left_for_numbers {
        let expected = if at_cap {
            Reason::MaxTotal
        } else {
            Reason::Balance
        };
        if reason != expected {
            problems.push(format!(
                "{id}: reason {} but expected {}",
                reason.as_str(),
                expected.as_str()
            ));
        }
    }
    let objective = &plan.objective;
    if (
        objective.demanded,
        objective.value,
        objective.days_in_captivity,
    ) != (demanded, value, days)
    {
        problems.push(format!(
            "objective reported {objective:?}, computed ({demanded}, {value}, {days})"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
