//! The planner proper: applies the rules that do not depend on numbers, picks the counted moves
//! with the exact solver that fits the terms, and writes the plan with a reason for everybody.

use crate::contract::{Balance, NotMoved, Objective, Plan, Reason, SideBalance, Transfer};
use crate::validate::Validated;
use crate::{flow, mip};

/// A prisoner who may move and whose move counts toward balance: the planner's decision variable.
/// Candidates are listed in scenario order, which solvers use to break ties reproducibly.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// Side of the detaining power.
    pub holder_side: usize,
    /// Side of the power of origin.
    pub origin_side: usize,
    /// Worth toward balance.
    pub value: u64,
    /// On the other side's demand list.
    pub demanded: bool,
    /// Days in captivity.
    pub days: u64,
}

/// What the rules alone decide for one prisoner.
enum Fate {
    /// Stays for a reason that no choice of the planner can change.
    Stays(Reason),
    /// Moves regardless of numbers and is not counted (GC III Arts. 109–110).
    MovesUncounted,
    /// Up to the optimisation: index into the candidate list.
    Candidate(usize),
}

/// Options of the planner that are not part of the scenario.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Time budget, in seconds, for all the integer programs of one plan. When it runs out
    /// the plan is the best found and says `optimal: false`. `None` waits for the proof.
    pub time_limit_seconds: Option<f64>,
    /// Seconds on a monotonic clock, supplied by the caller: the engine reads no clock of
    /// its own. With it the budget is shared by all integer programs of a plan; without
    /// it each program may use the whole budget.
    pub clock: Option<fn() -> f64>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            time_limit_seconds: Some(60.0),
            clock: None,
        }
    }
}

/// Plans a validated scenario.
pub fn plan_validated(valid: &Validated<'_>, options: &PlanOptions) -> Plan {
    let scenario = valid.scenario;
    let mut fates = Vec::with_capacity(valid.prisoners.len());
    let mut candidates = Vec::with_capacity(valid.prisoners.len());
    for (raw, prisoner) in scenario.prisoners.iter().zip(&valid.prisoners) {
        let fate = if raw.refuses_repatriation {
            // Nobody is repatriated against his will (Art. 109); this wins over every other rule.
            Fate::Stays(Reason::RefusesRepatriation)
        } else {
            match (prisoner.holder_side, prisoner.origin_side) {
                (None, _) | (_, None) => Fate::Stays(Reason::PartyNotInAgreement),
                (Some(h), Some(o)) if h == o => Fate::Stays(Reason::SameSide),
                // The seriously wounded and sick are repatriated regardless of number or rank
                // and are never traded man for man (Arts. 109–110), even when held for
                // proceedings.
                _ if raw.seriously_wounded_or_sick => Fate::MovesUncounted,
                // Those held for judicial proceedings may be kept back (Art. 115).
                _ if raw.held_for_proceedings => Fate::Stays(Reason::HeldForProceedings),
                (Some(h), Some(o)) => {
                    candidates.push(Candidate {
                        holder_side: h,
                        origin_side: o,
                        value: prisoner.value,
                        demanded: raw.demanded,
                        days: prisoner.days,
                    });
                    Fate::Candidate(candidates.len() - 1)
                }
            }
        };
        fates.push(fate);
    }

    let sides = scenario.sides.len();
    let (chosen, optimal) = choose(valid, options, sides, &candidates);
    assemble(valid, &fates, &candidates, &chosen, optimal)
}

/// Picks the counted moves: the min-cost circulation when balancing by count (with a Lagrangian
/// penalty on the moves when `max_total` binds), the integer program otherwise or when the
/// relaxation cannot certify the capped optimum.
fn choose(
    valid: &Validated<'_>,
    options: &PlanOptions,
    sides: usize,
    candidates: &[Candidate],
) -> (Vec<bool>, bool) {
    if candidates.is_empty() {
        return (Vec::new(), true);
    }
    if valid.scenario.terms.balance == Balance::Count {
        if let Some(chosen) = flow::solve(sides, candidates, valid.tolerance, valid.max_total) {
            return (chosen, true);
        }
    }
    mip::solve(
        sides,
        candidates,
        valid.tolerance,
        valid.max_total,
        options.time_limit_seconds,
        options.clock,
    )
}

fn assemble(
    valid: &Validated<'_>,
    fates: &[Fate],
    candidates: &[Candidate],
    chosen: &[bool],
    optimal: bool,
) -> Plan {
    let scenario = valid.scenario;
    let counted_moves = chosen.iter().filter(|&&c| c).count() as u64;
    // When the cap is reached, no further prisoner can be added whatever the balance, so the cap
    // is the reason given; below the cap it is the balance (or the objective) that kept him.
    let leftover_reason = match valid.max_total {
        Some(cap) if counted_moves >= cap => Reason::MaxTotal,
        _ => Reason::Balance,
    };
    let mut objective = Objective::default();
    let mut side_balance: Vec<SideBalance> = scenario
        .sides
        .iter()
        .map(|parties| SideBalance {
            parties: parties.clone(),
            gives: 0,
            receives: 0,
        })
        .collect();
    // Sized up front: at a million prisoners, growing these would copy them several times.
    let moving = fates
        .iter()
        .filter(|fate| match fate {
            Fate::Stays(_) => false,
            Fate::MovesUncounted => true,
            Fate::Candidate(c) => chosen[*c],
        })
        .count();
    let mut transfers = Vec::with_capacity(moving);
    let mut not_moved = Vec::with_capacity(fates.len() - moving);
    for (i, fate) in fates.iter().enumerate() {
        let raw = &scenario.prisoners[i];
        let valid_prisoner = &valid.prisoners[i];
        // Party ids are copied from the (few, cache-hot) parties rather than from each prisoner.
        let transfer = |counts_toward_balance| Transfer {
            prisoner: raw.id.clone(),
            from: scenario.parties[valid_prisoner.held_by].id.clone(),
            to: scenario.parties[valid_prisoner.belongs_to].id.clone(),
            counts_toward_balance,
        };
        match *fate {
            Fate::Stays(reason) => not_moved.push(NotMoved {
                prisoner: raw.id.clone(),
                reason,
            }),
            Fate::MovesUncounted => transfers.push(transfer(false)),
            Fate::Candidate(c) if chosen[c] => {
                let candidate = &candidates[c];
                objective.demanded += u64::from(candidate.demanded);
                objective.value += candidate.value;
                objective.days_in_captivity += candidate.days;
                side_balance[candidate.holder_side].gives += candidate.value;
                side_balance[candidate.origin_side].receives += candidate.value;
                transfers.push(transfer(true));
            }
            Fate::Candidate(_) => not_moved.push(NotMoved {
                prisoner: raw.id.clone(),
                reason: leftover_reason,
            }),
        }
    }
    Plan {
        optimal,
        objective,
        transfers,
        sides: side_balance,
        not_moved,
    }
}
