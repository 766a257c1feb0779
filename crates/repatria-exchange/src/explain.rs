//! The negotiator's summary of a plan: what each side gives and receives, what limited the
//! exchange, and who was left out and why. Plain text, meant to be read, not parsed.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use crate::contract::{Balance, Plan, Reason, Scenario};

/// How many prisoner ids to list per reason before summarising the rest.
const IDS_SHOWN: usize = 10;

/// Writes a summary of `plan` for `scenario` that a negotiator can read.
pub fn explain(scenario: &Scenario, plan: &Plan<'_>) -> String {
    let terms = &scenario.terms;
    let mut out = String::new();
    let unit = match terms.balance {
        Balance::Count => "by count",
        Balance::Value => "by value of rank",
    };
    let cap = terms.max_total.map_or_else(
        || "no cap".to_string(),
        |c| format!("at most {c} counted moves"),
    );
    let optimality = match (plan.optimal, plan.why_not_optimal) {
        (true, _) => "proven optimal".to_string(),
        (false, Some(why)) => format!("best found, optimality not proven: {}", why.description()),
        (false, None) => "best found, optimality not proven".to_string(),
    };
    let _ = writeln!(
        out,
        "Exchange plan ({optimality}), balanced {unit}, tolerance {}, {cap}, as of {}.",
        terms.tolerance,
        terms.as_of.as_deref().unwrap_or("today"),
    );
    let counted = plan
        .transfers
        .iter()
        .filter(|t| t.counts_toward_balance)
        .count();
    let uncounted = plan.transfers.len() - counted;
    let _ = writeln!(
        out,
        "{} prisoners move: {counted} traded ({} demanded, value {}, {} days in captivity in all) \
         and {uncounted} seriously wounded or sick repatriated regardless of numbers (GC III Arts. 109-110).",
        plan.transfers.len(),
        plan.objective.demanded,
        plan.objective.value,
        plan.objective.days_in_captivity,
    );

    let side_of: HashMap<&str, usize> = scenario
        .sides
        .iter()
        .enumerate()
        .flat_map(|(s, parties)| parties.iter().map(move |p| (p.as_str(), s)))
        .collect();
    let side_name = |s: usize| format!("[{}]", scenario.sides[s].join(", "));
    let prisoner_of: HashMap<&str, &crate::contract::Prisoner> = scenario
        .prisoners
        .iter()
        .map(|p| (p.id.as_str(), p))
        .collect();

    // Per direction between parties: counted and uncounted moves.
    let mut directions: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for t in &plan.transfers {
        let entry = directions.entry((&*t.from, &*t.to)).or_default();
        if t.counts_toward_balance {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    let _ = writeln!(out, "\nPer side (counted moves, {unit}):");
    for (s, balance) in plan.sides.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}: gives {}, receives {}",
            side_name(s),
            balance.gives,
            balance.receives
        );
        for ((from, to), (n_counted, n_uncounted)) in &directions {
            if side_of.get(from) == Some(&s) {
                let _ = writeln!(
                    out,
                    "    {from} -> {to}: {n_counted} traded{}",
                    if *n_uncounted > 0 {
                        format!(", {n_uncounted} wounded or sick")
                    } else {
                        String::new()
                    }
                );
            }
        }
    }

    // Who could still move but was left out by the numbers, per holding side.
    let mut left_by_numbers: Vec<(usize, usize)> = vec![(0, 0); scenario.sides.len()];
    let mut by_reason: BTreeMap<Reason, Vec<&str>> = BTreeMap::new();
    for entry in &plan.not_moved {
        by_reason
            .entry(entry.reason)
            .or_default()
            .push(&*entry.prisoner);
        if matches!(entry.reason, Reason::Balance | Reason::MaxTotal) {
            if let Some(p) = prisoner_of.get(&*entry.prisoner) {
                if let Some(&s) = side_of.get(p.held_by.as_str()) {
                    left_by_numbers[s].0 += 1;
                    left_by_numbers[s].1 += usize::from(p.demanded);
                }
            }
        }
    }

    let _ = writeln!(out, "\nWhat limited the exchange:");
    let counted = counted as u64;
    let mut limits = 0;
    let at_cap = terms.max_total.is_some_and(|c| counted >= c);
    if at_cap {
        let _ = writeln!(out, "  - the cap of {counted} counted moves is reached.");
        limits += 1;
    }
    let exhausted: Vec<String> = (0..scenario.sides.len())
        .filter(|&s| left_by_numbers[s].0 == 0)
        .map(side_name)
        .collect();
    for (s, &(left, left_demanded)) in left_by_numbers.iter().enumerate() {
        if left == 0 {
            continue;
        }
        let why = if at_cap {
            "left out by the cap".to_string()
        } else if exhausted.is_empty() {
            "but nothing more can be received in return within the tolerance".to_string()
        } else {
            format!(
                "but nothing more can be received in return within the tolerance; nothing more to give from {}",
                exhausted.join(", ")
            )
        };
        let _ = writeln!(
            out,
            "  - {} still holds {left} prisoner(s) who could go home ({left_demanded} demanded), {why}.",
            side_name(s),
        );
        limits += 1;
    }
    if limits == 0 {
        let _ = writeln!(
            out,
            "  - nothing: every prisoner who may be traded is traded."
        );
    }

    let _ = writeln!(out, "\nLeft out ({}):", plan.not_moved.len());
    if plan.not_moved.is_empty() {
        let _ = writeln!(out, "  nobody.");
    }
    for (reason, ids) in &by_reason {
        let why = match reason {
            Reason::RefusesRepatriation => "refuses repatriation (GC III Art. 109)",
            Reason::TransferBarred => {
                "may not be transferred to his power of origin (GC III Art. 12)"
            }
            Reason::PartyNotInAgreement => "holder or power of origin not in the agreement",
            Reason::SameSide => "holder and power of origin on the same side",
            Reason::HeldForProceedings => "held for judicial proceedings (GC III Art. 115)",
            Reason::Balance => "could move, but balance (or a better choice) left no room",
            Reason::MaxTotal => "could move, but the cap on counted moves is reached",
        };
        let shown: Vec<&str> = ids.iter().take(IDS_SHOWN).copied().collect();
        let more = ids.len().saturating_sub(IDS_SHOWN);
        let _ = writeln!(
            out,
            "  {} {why}: {}{}",
            ids.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    out
}
