//! The planner proper: applies the rules that do not depend on numbers, picks the counted moves
//! with the exact solver that fits the terms, and writes the plan with a reason for everybody.

use std::borrow::Cow;

use crate::contract::{
    Balance, NotMoved, NotOptimal, Objective, Plan, Prisoner, Reason, Scenario, SideBalance,
    Transfer,
};
use crate::validate::{ValidPrisoner, Validated};
use crate::{bilateral, flow, mip, network};

/// A prisoner who may move and whose move counts toward balance: the planner's decision variable.
/// Candidates are listed in scenario order, which solvers use to break ties reproducibly. Kept
/// small (20 bytes), since there is one per prisoner.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// Side of the detaining power.
    pub holder_side: u32,
    /// Side of the power of origin.
    pub origin_side: u32,
    /// Worth toward balance.
    pub value: u32,
    /// Days in captivity.
    pub days: u32,
    /// On the other side's demand list.
    pub demanded: bool,
}

impl Candidate {
    pub fn holder(&self) -> usize {
        self.holder_side as usize
    }

    pub fn origin(&self) -> usize {
        self.origin_side as usize
    }

    pub fn value(&self) -> u64 {
        u64::from(self.value)
    }

    pub fn days(&self) -> u64 {
        u64::from(self.days)
    }
}

/// What the rules alone decide for one prisoner.
#[derive(Clone, Copy)]
enum Fate {
    /// Stays for a reason that no choice of the planner can change.
    Stays(Reason),
    /// Moves regardless of numbers and is not counted (GC III Arts. 109–110).
    MovesUncounted,
    /// Up to the optimisation, from the holder's side to the origin's side.
    Candidate(usize, usize),
}

/// Applies the rules that do not depend on numbers. Computed twice per prisoner (to list the
/// candidates, then to write the plan) rather than stored: it is cheaper than a list the size
/// of the scenario.
fn fate(raw: &Prisoner, prisoner: &ValidPrisoner, side_of_party: &[Option<usize>]) -> Fate {
    if raw.refuses_repatriation {
        // Nobody is repatriated against his will (Art. 109); this wins over every other rule.
        return Fate::Stays(Reason::RefusesRepatriation);
    }
    if raw.transfer_barred {
        // The detaining power may not transfer him to his power of origin (Art. 12): no other
        // rule, not even Arts. 109–110 for the seriously wounded and sick, can move him.
        return Fate::Stays(Reason::TransferBarred);
    }
    let holder_side = side_of_party[prisoner.held_by as usize];
    let origin_side = side_of_party[prisoner.belongs_to as usize];
    match (holder_side, origin_side) {
        (None, _) | (_, None) => Fate::Stays(Reason::PartyNotInAgreement),
        (Some(h), Some(o)) if h == o => Fate::Stays(Reason::SameSide),
        // The seriously wounded and sick are repatriated regardless of number or rank and are
        // never traded man for man (Arts. 109–110), even when held for proceedings.
        _ if raw.seriously_wounded_or_sick => Fate::MovesUncounted,
        // Those held for judicial proceedings may be kept back (Art. 115).
        _ if raw.held_for_proceedings => Fate::Stays(Reason::HeldForProceedings),
        (Some(h), Some(o)) => Fate::Candidate(h, o),
    }
}

/// Options of the planner that are not part of the scenario.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Time budget, in seconds, for all the integer programs of one plan. When it runs out
    /// the plan is the best found and says `optimal: false` and `why_not_optimal:
    /// time_budget_spent`. `None` waits for the proof.
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
pub fn plan_validated<'a>(valid: &Validated<'a>, options: &PlanOptions) -> Plan<'a> {
    let scenario = valid.scenario;
    let sides = scenario.sides.len();
    let mut candidates = Vec::new();
    let mut uncounted = 0;
    for (raw, prisoner) in scenario.prisoners.iter().zip(&valid.prisoners) {
        match fate(raw, prisoner, &valid.side_of_party) {
            Fate::Candidate(h, o) => candidates.push(Candidate {
                // Sides fit in u32: each has a party of its own, and validation caps the parties.
                holder_side: h as u32,
                origin_side: o as u32,
                value: prisoner.value,
                days: prisoner.days,
                demanded: raw.demanded,
            }),
            Fate::MovesUncounted => uncounted += 1,
            Fate::Stays(_) => {}
        }
    }
    let (chosen, why_not_optimal) = choose(valid, options, sides, &candidates);
    assemble(valid, &candidates, &chosen, uncounted, why_not_optimal)
}

/// Picks the counted moves: the min-cost circulation when balancing by count (with a Lagrangian
/// penalty on the moves when `max_total` binds), the knapsack per direction when balancing by
/// value between two sides, the knapsack per pair of sides coupled by a flow when balancing by
/// value between more sides, and the integer program when these give up (a capped optimum the
/// relaxation cannot certify, a binding cap under balance by value, a huge range, a branching
/// too long). Only the integer program may stop short of a proof, and then says why; the other
/// solvers answer an optimum or give up.
fn choose(
    valid: &Validated<'_>,
    options: &PlanOptions,
    sides: usize,
    candidates: &[Candidate],
) -> (Vec<bool>, Option<NotOptimal>) {
    if candidates.is_empty() {
        return (Vec::new(), None);
    }
    // The network solver, when it gives up, spends part of the budget of the integer program.
    let started = options.clock.map(|now| now());
    match valid.scenario.terms.balance {
        Balance::Count => {
            if let Some(chosen) = flow::solve(sides, candidates, valid.tolerance, valid.max_total) {
                return (chosen, None);
            }
        }
        Balance::Value => {
            if let Some(chosen) = bilateral::solve(candidates, valid.tolerance, valid.max_total) {
                return (chosen, None);
            }
            if let Some(chosen) =
                network::solve(sides, candidates, valid.tolerance, valid.max_total)
            {
                return (chosen, None);
            }
        }
    }
    let time_limit_seconds = match (options.time_limit_seconds, options.clock, started) {
        (Some(limit), Some(now), Some(started)) => Some((limit - (now() - started)).max(0.0)),
        (limit, ..) => limit,
    };
    mip::solve(
        sides,
        candidates,
        valid.tolerance,
        valid.max_total,
        time_limit_seconds,
        options.clock,
    )
}

fn assemble<'a>(
    valid: &Validated<'a>,
    candidates: &[Candidate],
    chosen: &[bool],
    uncounted: usize,
    why_not_optimal: Option<NotOptimal>,
) -> Plan<'a> {
    let scenario: &'a Scenario = valid.scenario;
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
    for (candidate, _) in candidates.iter().zip(chosen).filter(|(_, &c)| c) {
        objective.demanded += u64::from(candidate.demanded);
        objective.value += candidate.value();
        objective.days_in_captivity += candidate.days();
        side_balance[candidate.holder()].gives += candidate.value();
        side_balance[candidate.origin()].receives += candidate.value();
    }
    // Sized up front: at a million prisoners, growing these would copy them several times. The
    // ids are borrowed from the scenario, not copied.
    let moving = uncounted + counted_moves as usize;
    let mut transfers = Vec::with_capacity(moving);
    let mut not_moved = Vec::with_capacity(scenario.prisoners.len() - moving);
    let mut next_candidate = 0;
    for (raw, prisoner) in scenario.prisoners.iter().zip(&valid.prisoners) {
        let transfer = |counts_toward_balance| Transfer {
            prisoner: Cow::Borrowed(raw.id.as_str()),
            from: Cow::Borrowed(scenario.parties[prisoner.held_by as usize].id.as_str()),
            to: Cow::Borrowed(scenario.parties[prisoner.belongs_to as usize].id.as_str()),
            counts_toward_balance,
        };
        let stays = |reason| NotMoved {
            prisoner: Cow::Borrowed(raw.id.as_str()),
            reason,
        };
        match fate(raw, prisoner, &valid.side_of_party) {
            Fate::Stays(reason) => not_moved.push(stays(reason)),
            Fate::MovesUncounted => transfers.push(transfer(false)),
            Fate::Candidate(..) => {
                // Candidates were listed in scenario order: this is the next one.
                if chosen[next_candidate] {
                    transfers.push(transfer(true));
                } else {
                    not_moved.push(stays(leftover_reason));
                }
                next_candidate += 1;
            }
        }
    }
    debug_assert_eq!(next_candidate, candidates.len());
    Plan {
        optimal: why_not_optimal.is_none(),
        why_not_optimal,
        objective,
        transfers,
        sides: side_balance,
        not_moved,
    }
}
