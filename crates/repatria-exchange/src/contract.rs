//! The planner's exchange format (docs/exchange.md): the scenario that comes in and the plan
//! that goes out, exactly as the CLI and the API read and write them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything the planner needs to know: who takes part, who balances with whom, the prisoners
/// and the agreed terms. Read as is from JSON; [`crate::plan`] validates it before planning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Every party (state or armed force) the scenario mentions.
    pub parties: Vec<Party>,
    /// The sides of the agreement: each side is a list of party ids that balance as one
    /// (a coalition is one side). A party on no side is not in the agreement.
    pub sides: Vec<Vec<String>>,
    /// The prisoners held by any of the parties.
    pub prisoners: Vec<Prisoner>,
    /// The agreed terms: how to balance, tolerance, cap and reference date.
    #[serde(default)]
    pub terms: Terms,
}

/// A party to the conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Short unique id, e.g. `"UA"`.
    pub id: String,
    /// Name shown to people.
    #[serde(default)]
    pub name: String,
}

/// One prisoner of war as the planner sees him.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prisoner {
    /// Unique id within the scenario.
    pub id: String,
    /// The detaining power (a party id).
    pub held_by: String,
    /// The power of origin (a party id): where the prisoner goes when he moves.
    pub belongs_to: String,
    /// A key of `terms.values`; a missing or unknown rank is worth 1.
    #[serde(default)]
    pub rank: Option<String>,
    /// Qualifies for direct repatriation (GC III Arts. 109–110).
    #[serde(default)]
    pub seriously_wounded_or_sick: bool,
    /// Does not wish to be repatriated (GC III Art. 109): never moves.
    #[serde(default)]
    pub refuses_repatriation: bool,
    /// His power of origin is a party to which the detaining power may not transfer
    /// prisoners (GC III Art. 12): never moves, even seriously wounded or sick. Written only
    /// when true, so that scenarios without it read and write as before.
    #[serde(default, skip_serializing_if = "is_false")]
    pub transfer_barred: bool,
    /// Held back for judicial proceedings (GC III Art. 115).
    #[serde(default)]
    pub held_for_proceedings: bool,
    /// Named on the other side's demand list.
    #[serde(default)]
    pub demanded: bool,
    /// Date of capture, `YYYY-MM-DD`.
    pub captured_on: String,
}

/// For `skip_serializing_if`: a flag added to the format after others is written only when
/// set.
fn is_false(flag: &bool) -> bool {
    !*flag
}

repatria_core::words! {
    /// How the sides balance.
    #[derive(Default)]
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
    pub enum Balance {
        /// One prisoner is worth one prisoner.
        #[default]
        Count = "count",
        /// A prisoner is worth the value of his rank in `terms.values`.
        Value = "value",
    }
}

/// The terms of the agreement.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// Balance by count (default) or by value.
    #[serde(default)]
    pub balance: Balance,
    /// Worth of each rank when balancing by value; positive integers.
    #[serde(default, deserialize_with = "crate::whole::map")]
    pub values: BTreeMap<String, u64>,
    /// Largest allowed |gives − receives| for every side; default 0.
    #[serde(default, deserialize_with = "crate::whole::number")]
    pub tolerance: u64,
    /// Cap on the number of moved prisoners that count toward balance; default none.
    #[serde(default, deserialize_with = "crate::whole::optional")]
    pub max_total: Option<u64>,
    /// Reference date for days in captivity, `YYYY-MM-DD`. Required by [`crate::plan`];
    /// [`crate::plan_with`] takes a date to use when it is absent.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// The plan: who moves, the balance achieved, and why everybody else stays.
///
/// The ids in `transfers` and `not_moved` borrow from the [`Scenario`] that was planned (a plan
/// names every prisoner once, and copying a million ids would cost as much as the planning);
/// [`Plan::into_owned`] makes a plan that outlives its scenario. A plan read from JSON owns its
/// ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan<'a> {
    /// True when the plan is proven optimal for the lexicographic objective; exactly when
    /// `why_not_optimal` is `None`.
    pub optimal: bool,
    /// Why the plan is not proven optimal; `None` (and left out of the JSON) when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_not_optimal: Option<NotOptimal>,
    /// The objective achieved by the plan.
    pub objective: Objective,
    /// Every prisoner who moves, in scenario order.
    pub transfers: Vec<Transfer<'a>>,
    /// Per side of the agreement, in scenario order: what it gives and receives (counted moves,
    /// by count or value as the terms say).
    pub sides: Vec<SideBalance>,
    /// Every prisoner who stays, in scenario order, with the reason.
    pub not_moved: Vec<NotMoved<'a>>,
}

impl Plan<'_> {
    /// The same plan with its own copy of every id, independent of the scenario.
    pub fn into_owned(self) -> Plan<'static> {
        Plan {
            optimal: self.optimal,
            why_not_optimal: self.why_not_optimal,
            objective: self.objective,
            transfers: self
                .transfers
                .into_iter()
                .map(|t| Transfer {
                    prisoner: Cow::Owned(t.prisoner.into_owned()),
                    from: Cow::Owned(t.from.into_owned()),
                    to: Cow::Owned(t.to.into_owned()),
                    counts_toward_balance: t.counts_toward_balance,
                })
                .collect(),
            sides: self.sides,
            not_moved: self
                .not_moved
                .into_iter()
                .map(|n| NotMoved {
                    prisoner: Cow::Owned(n.prisoner.into_owned()),
                    reason: n.reason,
                })
                .collect(),
        }
    }
}

repatria_core::words! {
    /// Why a plan is not proven optimal (`why_not_optimal`). Only the integer program of last
    /// resort (`mip.rs`) can stop short of a proof; every other solver's answer is optimal.
    /// Whatever the reason, the plan obeys every rule: it is the best one found and checked.
    pub enum NotOptimal {
        /// The time budget ([`crate::PlanOptions`]) ran out: before an integer program
        /// started, or the solver stopped on its time limit.
        TimeBudgetSpent = "time_budget_spent",
        /// The refinement of the days in captivity (the last stage) reached its round limit
        /// before the solver's estimate was exact.
        RoundLimit = "round_limit",
        /// The solver gave an error, stopped short of its proof for a reason of its own, or
        /// gave an answer that breaks a rule when checked in exact arithmetic.
        SolverFailed = "solver_failed",
    }
}

impl NotOptimal {
    /// What the word means, in a sentence for people (English; not stable).
    pub fn description(self) -> &'static str {
        match self {
            NotOptimal::TimeBudgetSpent => "the time budget ran out",
            NotOptimal::RoundLimit => "the refinement of days in captivity reached its round limit",
            NotOptimal::SolverFailed => "the integer programming solver failed",
        }
    }
}

/// The lexicographic objective, most important first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Objective {
    /// Counted moved prisoners with `demanded: true`.
    pub demanded: u64,
    /// Total value of counted moved prisoners (their number when balancing by count).
    pub value: u64,
    /// Total days in captivity of counted moved prisoners.
    pub days_in_captivity: u64,
}

/// One prisoner moving from his detaining power to his power of origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer<'a> {
    /// Prisoner id.
    pub prisoner: Cow<'a, str>,
    /// The detaining power (`held_by`).
    pub from: Cow<'a, str>,
    /// The power of origin (`belongs_to`).
    pub to: Cow<'a, str>,
    /// False for the seriously wounded and sick, who move regardless of numbers (Arts. 109–110).
    pub counts_toward_balance: bool,
}

/// What one side gives and receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideBalance {
    /// The parties of the side, as in the scenario.
    pub parties: Vec<String>,
    /// Sum of values of counted moved prisoners held by a party of the side.
    pub gives: u64,
    /// Sum of values of counted moved prisoners belonging to a party of the side.
    pub receives: u64,
}

/// A prisoner who stays, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotMoved<'a> {
    /// Prisoner id.
    pub prisoner: Cow<'a, str>,
    /// Why he stays.
    pub reason: Reason,
}

repatria_core::words! {
    /// Why a prisoner stays. When several apply, the first in this order is given; the
    /// word is the reason as written in the plan JSON.
    pub enum Reason {
        /// He does not wish to be repatriated (GC III Art. 109).
        RefusesRepatriation = "refuses_repatriation",
        /// His power of origin is a party to which the detaining power may not transfer
        /// prisoners (GC III Art. 12), even seriously wounded or sick.
        TransferBarred = "transfer_barred",
        /// His detaining power or his power of origin is on no side of the agreement.
        PartyNotInAgreement = "party_not_in_agreement",
        /// His detaining power and his power of origin are on the same side.
        SameSide = "same_side",
        /// Held back for judicial proceedings (GC III Art. 115) and not seriously wounded or sick.
        HeldForProceedings = "held_for_proceedings",
        /// He could move, but moving him would break the balance or lower the objective.
        Balance = "balance",
        /// He could move, but the plan already moves `max_total` counted prisoners.
        MaxTotal = "max_total",
    }
}
