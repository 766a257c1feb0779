//! Partial dates: a date of birth is often known only by year, or year and month.

use std::fmt;

use chrono::NaiveDate;

use crate::error::FieldError;

/// A calendar date of which the month and day may be unknown: `YYYY`, `YYYY-MM` or
/// `YYYY-MM-DD`. A day is never known without its month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    // Compact on purpose: the matching engine holds millions of these in memory.
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, rejecting impossible dates such as
    /// `2001-02-30`. The error names the field `date`; callers re-root it.
    pub fn parse(input: &str) -> Result<PartialDate, FieldError> {
        let bad = |reason: &str| FieldError::new("", reason.to_string());
        let text = input.trim();
        let parts: Vec<&str> = text.split('-').collect();
        let number = |part: &str, digits: usize, what: &str| -> Result<u32, FieldError> {
            if part.len() != digits || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!(
                    "expected YYYY, YYYY-MM or YYYY-MM-DD; the {what} must have {digits} digits, got {input:?}"
                )));
            }
            Ok(part.parse().expect("digits only"))
        };
        match parts.as_slice() {
            [y] => Ok(PartialDate::year_only(number(y, 4, "year")? as i32)?),
            [y, m] => PartialDate::year_month(number(y, 4, "year")? as i32, number(m, 2, "month")?),
            [y, m, d] => PartialDate::full(
                number(y, 4, "year")? as i32,
                number(m, 2, "month")?,
                number(d, 2, "day")?,
            ),
            _ => Err(bad(&format!(
                "expected YYYY, YYYY-MM or YYYY-MM-DD, got {input:?}"
            ))),
        }
    }

    pub fn year_only(year: i32) -> Result<PartialDate, FieldError> {
        check_year(year)?;
        Ok(PartialDate {
            year: year as u16,
            month: None,
            day: None,
        })
    }

    pub fn year_month(year: i32, month: u32) -> Result<PartialDate, FieldError> {
        check_year(year)?;
        if !(1..=12).contains(&month) {
            return Err(FieldError::new(
                "",
                format!("month {month} is not between 01 and 12"),
            ));
        }
        Ok(PartialDate {
            year: year as u16,
            month: Some(month as u8),
            day: None,
        })
    }

    pub fn full(year: i32, month: u32, day: u32) -> Result<PartialDate, FieldError> {
        PartialDate::year_month(year, month)?;
        if NaiveDate::from_ymd_opt(year, month, day).is_none() {
            return Err(FieldError::new(
                "",
                format!("{year:04}-{month:02}-{day:02} is not a calendar date"),
            ));
        }
        Ok(PartialDate {
            year: year as u16,
            month: Some(month as u8),
            day: Some(day as u8),
        })
    }

    pub fn year(&self) -> i32 {
        self.year as i32
    }

    pub fn month(&self) -> Option<u32> {
        self.month.map(u32::from)
    }

    pub fn day(&self) -> Option<u32> {
        self.day.map(u32::from)
    }

    /// The first day the date can denote.
    pub fn earliest(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(
            self.year(),
            self.month().unwrap_or(1),
            self.day().unwrap_or(1),
        )
        .expect("validated on construction")
    }

    /// The last day the date can denote.
    pub fn latest(&self) -> NaiveDate {
        let year = self.year();
        match (self.month(), self.day()) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(year, m, d),
            (Some(m), None) => {
                let (ny, nm) = if m == 12 {
                    (year + 1, 1)
                } else {
                    (year, m + 1)
                };
                NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
            }
            _ => NaiveDate::from_ymd_opt(year, 12, 31),
        }
        .expect("validated on construction")
    }

    /// Whether the two dates could denote the same day (`1990` is compatible with
    /// `1990-04-12`, `1990-04` is not compatible with `1990-05-01`).
    pub fn is_compatible_with(&self, other: &PartialDate) -> bool {
        self.earliest() <= other.latest() && other.earliest() <= self.latest()
    }
}

fn check_year(year: i32) -> Result<(), FieldError> {
    // Nobody alive was born before 1900; a year past 2100 is a typing error.
    if !(1900..=2100).contains(&year) {
        return Err(FieldError::new(
            "",
            format!("year {year} is not between 1900 and 2100"),
        ));
    }
    Ok(())
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for PartialDate {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartialDate::parse(s)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        PartialDate::parse(&text).map_err(|e| serde::de::Error::custom(e.reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, &str>) {
        match (PartialDate::parse(input), expect) {
            (Ok(date), Ok(text)) => assert_eq!(date.to_string(), text, "input {input:?}"),
            (Err(error), Err(fragment)) => assert!(
                error.reason.contains(fragment),
                "input {input:?}: reason {:?} lacks {fragment:?}",
                error.reason
            ),
            (got, want) => panic!("input {input:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parses_the_three_precisions_and_rejects_everything_else() {
        check("1990", Ok("1990"));
        check("1990-04", Ok("1990-04"));
        check("1990-04-12", Ok("1990-04-12"));
        check(" 2001-12-31 ", Ok("2001-12-31"));
        check("2000-02-29", Ok("2000-02-29"));
        check("2001-02-29", Err("not a calendar date"));
        check("1990-13", Err("month 13"));
        check("1990-00-10", Err("month 0"));
        check("1990-4-12", Err("month must have 2 digits"));
        check("90", Err("year must have 4 digits"));
        check("1899", Err("between 1900 and 2100"));
        check("12.04.1990", Err("expected YYYY"));
        check("1990-04-12-01", Err("expected YYYY"));
        check("", Err("year must have 4 digits"));
        check("١٩٩٠", Err("year must have 4 digits"));
    }

    #[test]
    fn partial_dates_span_the_days_they_may_denote() {
        let year = PartialDate::parse("1996").unwrap();
        assert_eq!(year.earliest().to_string(), "1996-01-01");
        assert_eq!(year.latest().to_string(), "1996-12-31");
        let february = PartialDate::parse("1996-02").unwrap();
        assert_eq!(february.latest().to_string(), "1996-02-29");
        let december = PartialDate::parse("1996-12").unwrap();
        assert_eq!(december.latest().to_string(), "1996-12-31");
    }

    #[test]
    fn compatibility_follows_the_known_parts() {
        let d = |s| PartialDate::parse(s).unwrap();
        assert!(d("1990").is_compatible_with(&d("1990-04-12")));
        assert!(d("1990-04").is_compatible_with(&d("1990-04-30")));
        assert!(!d("1990-04").is_compatible_with(&d("1990-05-01")));
        assert!(!d("1990").is_compatible_with(&d("1991")));
        assert!(d("1990-04-12").is_compatible_with(&d("1990-04-12")));
    }
}
