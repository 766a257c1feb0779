//! The input of the engine: a person record as it arrives on a list, validated at the edge.

use std::fmt;

/// Sex as written on a list: the domain's own type, read by [`parse_sex`].
pub use repatria_core::Sex;

/// Parses a sex as lists write it (`m`, `f`, `male`, `female`, `ч`, `ж`, ... in any case;
/// [`Sex::parse`]).
pub fn parse_sex(text: &str) -> Result<Sex, RecordError> {
    Sex::parse(text).map_err(|_| RecordError::BadSex(text.trim().to_owned()))
}

/// A date of birth known to the year, the month or the day: the domain's own type.
pub use repatria_core::PartialDate;

/// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, rejecting impossible months and days.
pub fn parse_date(text: &str) -> Result<PartialDate, RecordError> {
    PartialDate::parse(text).map_err(|_| RecordError::BadDate(text.to_owned()))
}

/// The digits known of a date, `YYYY`, `YYYYMM` or `YYYYMMDD`, and how many there are.
pub(crate) fn digit_array(date: &PartialDate) -> ([u8; 8], usize) {
    let mut digits = [0u8; 8];
    let y = date.year() as u16;
    digits[..4].copy_from_slice(&[
        (y / 1000) as u8,
        (y / 100 % 10) as u8,
        (y / 10 % 10) as u8,
        (y % 10) as u8,
    ]);
    let mut len = 4;
    if let Some(m) = date.month() {
        let m = m as u8;
        digits[4..6].copy_from_slice(&[m / 10, m % 10]);
        len = 6;
        if let Some(d) = date.day() {
            let d = d as u8;
            digits[6..8].copy_from_slice(&[d / 10, d % 10]);
            len = 8;
        }
    }
    (digits, len)
}

/// Why a field of a record could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordError {
    BadDate(String),
    BadSex(String),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::BadDate(text) => {
                write!(
                    f,
                    "bad date of birth {text:?} (expected YYYY, YYYY-MM or YYYY-MM-DD)"
                )
            }
            RecordError::BadSex(text) => write!(
                f,
                "bad sex {text:?} (expected {} or empty)",
                Sex::USUAL_SPELLINGS
            ),
        }
    }
}

impl std::error::Error for RecordError {}

/// One person as a list describes him or her. Names may be in any script; when
/// `full_name` is given together with name parts, the parts win.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub full_name: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    pub date_of_birth: Option<PartialDate>,
    pub sex: Option<Sex>,
    pub place_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    pub unit: Option<String>,
    pub service_number: Option<String>,
}

impl Record {
    /// A record with only an id and a full name, the shape of a tracing request.
    pub fn with_full_name(id: &str, full_name: &str) -> Record {
        Record {
            id: id.to_owned(),
            full_name: Some(full_name.to_owned()),
            ..Record::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: Result<(u16, Option<u8>, Option<u8>), ()>) {
        let got = parse_date(text)
            .map(|d| {
                (
                    d.year() as u16,
                    d.month().map(|m| m as u8),
                    d.day().map(|d| d as u8),
                )
            })
            .map_err(|_| ());
        assert_eq!(got, expect, "{text}");
    }

    #[test]
    fn partial_dates_parse_and_validate() {
        check("1994", Ok((1994, None, None)));
        check("1994-03", Ok((1994, Some(3), None)));
        check("1994-03-17", Ok((1994, Some(3), Some(17))));
        check("2000-02-29", Ok((2000, Some(2), Some(29))));
        check("1999-02-29", Err(()));
        check("1994-13-01", Err(()));
        check("1994-3-1", Err(()));
        check("17.03.1994", Err(()));
        check("", Err(()));
        check("1994-03-17-01", Err(()));
    }

    #[test]
    fn partial_dates_print_as_parsed() {
        assert_eq!(
            PartialDate::parse("1994-03").unwrap().to_string(),
            "1994-03"
        );
    }
}
