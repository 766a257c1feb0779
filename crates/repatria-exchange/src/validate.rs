//! Validation at the edge: a raw [`Scenario`] becomes a [`Validated`] one, or an error that
//! names the offending field. Everything after this module trusts its input.

use std::hash::BuildHasher;

use foldhash::{HashMap, HashMapExt};

use chrono::NaiveDate;

use crate::contract::{Balance, Scenario};

/// Largest value a rank may be worth; keeps every sum far from integer overflow.
pub const MAX_RANK_VALUE: u64 = 1_000_000;

/// A scenario that cannot be planned, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScenarioError {
    /// Path of the field, e.g. `prisoners[3].captured_on`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ScenarioError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// One prisoner, with parties and sides resolved to indices.
#[derive(Debug, Clone)]
pub struct ValidPrisoner {
    /// Index of the detaining power in `Scenario::parties`.
    pub held_by: usize,
    /// Index of the power of origin in `Scenario::parties`.
    pub belongs_to: usize,
    /// Side of the detaining power, if it is in the agreement.
    pub holder_side: Option<usize>,
    /// Side of the power of origin, if it is in the agreement.
    pub origin_side: Option<usize>,
    /// Worth toward balance: 1 when balancing by count.
    pub value: u64,
    /// Days from capture to `terms.as_of`.
    pub days: u64,
}

/// A scenario whose every reference has been checked.
#[derive(Debug, Clone)]
pub struct Validated<'a> {
    /// The scenario as read.
    pub scenario: &'a Scenario,
    /// Prisoners in scenario order.
    pub prisoners: Vec<ValidPrisoner>,
    /// Balance tolerance.
    pub tolerance: u64,
    /// Cap on counted moves, if any.
    pub max_total: Option<u64>,
}

/// Parses a `YYYY-MM-DD` date strictly (four-digit year, two-digit month and day). Written by
/// hand because it runs once per prisoner and a format-string parser is several times slower.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return Err(format!("{text:?} is not a date of the form YYYY-MM-DD"));
    }
    let number = |range: std::ops::Range<usize>| {
        bytes[range]
            .iter()
            .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
    };
    NaiveDate::from_ymd_opt(number(0..4) as i32, number(5..7), number(8..10))
        .ok_or_else(|| format!("{text:?} is not a valid date"))
}

/// Checks the scenario; `default_as_of` stands in for a missing `terms.as_of`.
pub fn validate(
    scenario: &Scenario,
    default_as_of: Option<NaiveDate>,
) -> Result<Validated<'_>, ScenarioError> {
    let mut party_index: HashMap<&str, usize> = HashMap::with_capacity(scenario.parties.len());
    for (i, party) in scenario.parties.iter().enumerate() {
        if party.id.is_empty() {
            return Err(ScenarioError::new(
                format!("parties[{i}].id"),
                "empty party id",
            ));
        }
        if party_index.insert(party.id.as_str(), i).is_some() {
            return Err(ScenarioError::new(
                format!("parties[{i}].id"),
                format!("duplicate party {:?}", party.id),
            ));
        }
    }

    let mut side_of_party = vec![None; scenario.parties.len()];
    for (s, side) in scenario.sides.iter().enumerate() {
        if side.is_empty() {
            return Err(ScenarioError::new(
                format!("sides[{s}]"),
                "a side needs at least one party",
            ));
        }
        for (j, id) in side.iter().enumerate() {
            let Some(&p) = party_index.get(id.as_str()) else {
                return Err(ScenarioError::new(
                    format!("sides[{s}][{j}]"),
                    format!("unknown party {id:?}"),
                ));
            };
            match side_of_party[p] {
                Some(other) if other == s => {
                    return Err(ScenarioError::new(
                        format!("sides[{s}]"),
                        format!("party {id:?} is named twice"),
                    ));
                }
                Some(_) => {
                    return Err(ScenarioError::new(
                        format!("sides[{s}]"),
                        format!("party {id:?} is on two sides"),
                    ));
                }
                None => side_of_party[p] = Some(s),
            }
        }
    }

    let terms = &scenario.terms;
    for (rank, &value) in &terms.values {
        if value == 0 || value > MAX_RANK_VALUE {
            return Err(ScenarioError::new(
                format!("terms.values.{rank}"),
                format!("must be a positive integer of at most {MAX_RANK_VALUE}, not {value}"),
            ));
        }
    }
    let as_of = match (&terms.as_of, default_as_of) {
        (Some(text), _) => parse_date(text).map_err(|m| ScenarioError::new("terms.as_of", m))?,
        (None, Some(date)) => date,
        (None, None) => {
            return Err(ScenarioError::new(
                "terms.as_of",
                "missing reference date (YYYY-MM-DD)",
            ))
        }
    };

    if let Some((i, first)) = first_duplicate(scenario.prisoners.iter().map(|p| p.id.as_str())) {
        return Err(ScenarioError::new(
            format!("prisoners[{i}].id"),
            format!(
                "duplicate prisoner id {:?} (first at prisoners[{first}])",
                scenario.prisoners[i].id
            ),
        ));
    }
    let mut prisoners = Vec::with_capacity(scenario.prisoners.len());
    for (i, prisoner) in scenario.prisoners.iter().enumerate() {
        if prisoner.id.is_empty() {
            return Err(ScenarioError::new(
                format!("prisoners[{i}].id"),
                "empty prisoner id",
            ));
        }
        let Some(&held_by) = party_index.get(prisoner.held_by.as_str()) else {
            return Err(ScenarioError::new(
                format!("prisoners[{i}].held_by"),
                format!("unknown party {:?}", prisoner.held_by),
            ));
        };
        let Some(&belongs_to) = party_index.get(prisoner.belongs_to.as_str()) else {
            return Err(ScenarioError::new(
                format!("prisoners[{i}].belongs_to"),
                format!("unknown party {:?}", prisoner.belongs_to),
            ));
        };
        let captured_on = parse_date(&prisoner.captured_on)
            .map_err(|m| ScenarioError::new(format!("prisoners[{i}].captured_on"), m))?;
        if captured_on > as_of {
            return Err(ScenarioError::new(
                format!("prisoners[{i}].captured_on"),
                format!("{} is after terms.as_of {as_of}", prisoner.captured_on),
            ));
        }
        let value = match terms.balance {
            Balance::Count => 1,
            Balance::Value => prisoner
                .rank
                .as_ref()
                .and_then(|rank| terms.values.get(rank))
                .copied()
                .unwrap_or(1),
        };
        prisoners.push(ValidPrisoner {
            held_by,
            belongs_to,
            holder_side: side_of_party[held_by],
            origin_side: side_of_party[belongs_to],
            value,
            days: (as_of - captured_on).num_days() as u64,
        });
    }

    Ok(Validated {
        scenario,
        prisoners,
        tolerance: terms.tolerance,
        max_total: terms.max_total,
    })
}

/// The first repeated id in list order, with the index of its first occurrence. Sorting hashes
/// instead of filling a hash set keeps memory access sequential, which matters for a million ids.
fn first_duplicate<'a>(ids: impl Iterator<Item = &'a str>) -> Option<(usize, usize)> {
    let ids: Vec<&str> = ids.collect();
    let hasher = foldhash::fast::RandomState::default();
    let mut hashes: Vec<(u64, u32)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (hasher.hash_one(id), i as u32))
        .collect();
    hashes.sort_unstable();
    let mut found: Option<(usize, usize)> = None;
    let mut start = 0;
    while start < hashes.len() {
        let mut end = start + 1;
        while end < hashes.len() && hashes[end].0 == hashes[start].0 {
            end += 1;
        }
        // Equal hashes: compare the ids themselves (rarely more than one).
        for a in start..end {
            for b in start..a {
                let (first, later) = (hashes[b].1 as usize, hashes[a].1 as usize);
                if ids[first] == ids[later] && found.is_none_or(|(i, _)| later < i) {
                    found = Some((later, first));
                }
            }
        }
        start = end;
    }
    found
}
