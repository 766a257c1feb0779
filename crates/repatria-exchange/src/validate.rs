//! Validation at the edge: a raw [`Scenario`] becomes a [`Validated`] one, or an error that
//! names the offending field. Everything after this module trusts its input.

use std::hash::BuildHasher;

use foldhash::{HashMap, HashMapExt};

use chrono::{Datelike, NaiveDate};

use crate::contract::{Balance, Prisoner, Scenario};

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

/// One prisoner, with parties resolved to indices. Kept to 16 bytes: at a million prisoners
/// this list is written and read once each, and its size is most of what that costs.
#[derive(Debug, Clone, Copy)]
pub struct ValidPrisoner {
    /// Index of the detaining power in `Scenario::parties`.
    pub held_by: u32,
    /// Index of the power of origin in `Scenario::parties`.
    pub belongs_to: u32,
    /// Worth toward balance: 1 when balancing by count (at most [`MAX_RANK_VALUE`]).
    pub value: u32,
    /// Days from capture to `terms.as_of`.
    pub days: u32,
}

/// A scenario whose every reference has been checked.
#[derive(Debug, Clone)]
pub struct Validated<'a> {
    /// The scenario as read.
    pub scenario: &'a Scenario,
    /// Prisoners in scenario order.
    pub prisoners: Vec<ValidPrisoner>,
    /// Side of each party (index into `Scenario::sides`), if it is in the agreement.
    pub side_of_party: Vec<Option<usize>>,
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

/// A day number for a strict `YYYY-MM-DD` date in the proleptic Gregorian calendar, or `None`
/// when [`parse_date`] would refuse the text. Only differences of day numbers mean anything
/// (they are differences of dates); this runs once per prisoner and needs no calendar object.
fn day_number(text: &str) -> Option<u32> {
    let bytes: &[u8; 10] = text.as_bytes().try_into().ok()?;
    let digit = |i: usize| {
        let d = bytes[i].wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    if bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digit(0)? * 1000 + digit(1)? * 100 + digit(2)? * 10 + digit(3)?;
    let month = digit(5)? * 10 + digit(6)?;
    let day = digit(8)? * 10 + digit(9)?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_length = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > month_length {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The day number of a valid date of a year from 0 on; see [`day_number`].
fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    // H. Hinnant's days_from_civil: years start on 1 March, so that the leap day ends a year
    // and January and February count in the year before. Years are shifted by one 400-year era
    // so that January 0000 (year -1 of this count) stays non-negative.
    let (y, m) = if month <= 2 {
        (year + 399, month + 9)
    } else {
        (year + 400, month - 3)
    };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era
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

    if let Some((i, first)) = first_duplicate(&scenario.prisoners) {
        return Err(ScenarioError::new(
            format!("prisoners[{i}].id"),
            format!(
                "duplicate prisoner id {:?} (first at prisoners[{first}])",
                scenario.prisoners[i].id
            ),
        ));
    }
    if scenario.parties.len() > u32::MAX as usize || scenario.prisoners.len() > u32::MAX as usize {
        return Err(ScenarioError::new(
            "scenario",
            format!("more than {} parties or prisoners", u32::MAX),
        ));
    }
    let Ok(as_of_year) = u32::try_from(as_of.year()) else {
        return Err(ScenarioError::new(
            "terms.as_of",
            format!("{as_of} is before the year 0"),
        ));
    };
    let as_of_day = days_from_civil(as_of_year, as_of.month(), as_of.day());
    // A rank's value is looked up by name once per prisoner; with a handful of ranks, comparing
    // against the previous prisoner's rank first saves most of the lookups.
    let mut last_rank: Option<(&str, u32)> = None;
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
        let Some(captured_day) = day_number(&prisoner.captured_on) else {
            // Only for the message: parse_date refuses exactly what day_number does.
            let message = parse_date(&prisoner.captured_on)
                .err()
                .unwrap_or_else(|| format!("{:?} is not a valid date", prisoner.captured_on));
            return Err(ScenarioError::new(
                format!("prisoners[{i}].captured_on"),
                message,
            ));
        };
        if captured_day > as_of_day {
            return Err(ScenarioError::new(
                format!("prisoners[{i}].captured_on"),
                format!("{} is after terms.as_of {as_of}", prisoner.captured_on),
            ));
        }
        let value = match (terms.balance, prisoner.rank.as_deref()) {
            (Balance::Count, _) | (Balance::Value, None) => 1,
            (Balance::Value, Some(rank)) => match last_rank {
                Some((last, value)) if last == rank => value,
                _ => {
                    // Values were checked above to be at most MAX_RANK_VALUE, which fits u32.
                    let value = terms.values.get(rank).map_or(1, |&v| v as u32);
                    last_rank = Some((rank, value));
                    value
                }
            },
        };
        prisoners.push(ValidPrisoner {
            held_by: held_by as u32,
            belongs_to: belongs_to as u32,
            value,
            days: as_of_day - captured_day,
        });
    }

    Ok(Validated {
        scenario,
        prisoners,
        side_of_party,
        tolerance: terms.tolerance,
        max_total: terms.max_total,
    })
}

/// The first repeated id in list order, with the index of its first occurrence. Sorting hashes
/// instead of filling a hash set keeps memory access sequential, which matters for a million ids;
/// each hash carries the prisoner's index in its low bits, so one `u64` per prisoner is sorted.
fn first_duplicate(prisoners: &[Prisoner]) -> Option<(usize, usize)> {
    let index_bits = usize::BITS - prisoners.len().leading_zeros();
    let index_mask = (1u64 << index_bits) - 1;
    let hasher = foldhash::fast::RandomState::default();
    let mut keys: Vec<u64> = prisoners
        .iter()
        .enumerate()
        .map(|(i, p)| (hasher.hash_one(p.id.as_str()) & !index_mask) | i as u64)
        .collect();
    keys.sort_unstable();
    let mut found: Option<(usize, usize)> = None;
    let mut start = 0;
    while start < keys.len() {
        let hash = keys[start] & !index_mask;
        let mut end = start + 1;
        while end < keys.len() && keys[end] & !index_mask == hash {
            end += 1;
        }
        // Equal (shortened) hashes: compare the ids themselves (rarely more than one). Within a
        // run the keys are sorted by index, so `b < a` means the earlier prisoner.
        for a in start + 1..end {
            for b in start..a {
                let (first, later) = (
                    (keys[b] & index_mask) as usize,
                    (keys[a] & index_mask) as usize,
                );
                if prisoners[first].id == prisoners[later].id
                    && found.is_none_or(|(i, _)| later < i)
                {
                    found = Some((later, first));
                    break;
                }
            }
        }
        start = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Prisoner;

    #[test]
    fn day_numbers_differ_as_the_dates_do_and_refuse_what_parse_date_refuses() {
        let epoch = NaiveDate::from_ymd_opt(2000, 3, 1).unwrap();
        let epoch_day = day_number("2000-03-01").unwrap();
        // Every day of four centuries on both sides of a leap century, and the first years.
        let mut date = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        let mut checked = 0;
        while date <= last {
            let text = date.format("%Y-%m-%d").to_string();
            let expected = (date - epoch).num_days();
            assert_eq!(
                i64::from(day_number(&text).unwrap()) - i64::from(epoch_day),
                expected,
                "{text}"
            );
            checked += 1;
            date = date + chrono::Days::new(if date.year() < 2400 { 1 } else { 37 });
        }
        assert!(checked > 800_000);
        for text in [
            "2023-02-29",
            "1900-02-29",
            "2100-02-29",
            "2025-04-31",
            "2025-13-01",
            "2025-00-10",
            "2025-01-00",
            "2025-01-32",
            "2025-1-09",
            "2025/01/09",
            "20250-1-09",
            "2025-01-0a",
            "+025-01-09",
            "2025-01-09 ",
            "",
        ] {
            assert_eq!(day_number(text), None, "{text:?}");
            assert!(parse_date(text).is_err(), "{text:?}");
        }
        for text in [
            "2024-02-29",
            "2000-02-29",
            "1600-02-29",
            "0000-02-29",
            "0000-01-01",
        ] {
            assert!(day_number(text).is_some(), "{text:?}");
            assert!(parse_date(text).is_ok(), "{text:?}");
        }
    }

    fn prisoners(ids: &[&str]) -> Vec<Prisoner> {
        ids.iter()
            .map(|id| Prisoner {
                id: id.to_string(),
                held_by: "A".into(),
                belongs_to: "B".into(),
                rank: None,
                seriously_wounded_or_sick: false,
                refuses_repatriation: false,
                transfer_barred: false,
                held_for_proceedings: false,
                demanded: false,
                captured_on: "2025-01-01".into(),
            })
            .collect()
    }

    #[test]
    fn the_first_duplicate_is_the_earliest_repeat_with_its_first_occurrence() {
        assert_eq!(first_duplicate(&prisoners(&[])), None);
        assert_eq!(first_duplicate(&prisoners(&["a", "b", "c"])), None);
        assert_eq!(
            first_duplicate(&prisoners(&["a", "b", "c", "b", "a", "b"])),
            Some((3, 1))
        );
        assert_eq!(
            first_duplicate(&prisoners(&["x", "a", "a", "x"])),
            Some((2, 1))
        );
        // Many ids, one repeat far apart: the shortened hashes still tell ids apart.
        let many: Vec<String> = (0..50_000).map(|i| format!("p{i}")).collect();
        let mut ids: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(first_duplicate(&prisoners(&ids)), None);
        ids.push("p17");
        assert_eq!(first_duplicate(&prisoners(&ids)), Some((50_000, 17)));
    }
}
