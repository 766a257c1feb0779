//! One person on a list, validated: every cell checked once, every bad row reported.

use std::collections::HashMap;

use repatria_core::{PartialDate, Sex};

use crate::{Field, Mapping, RowError, Table};

/// One person on a list, validated. Text is trimmed; an empty cell is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// Where the person's row (or PFIF `<person>` element) starts, 1-based.
    pub line: u64,
    pub external_id: Option<String>,
    pub full_name: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    pub date_of_birth: Option<PartialDate>,
    pub sex: Option<Sex>,
    pub place_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub nationality: Option<String>,
    pub unit: Option<String>,
    pub service_number: Option<String>,
    pub rank: Option<String>,
    pub last_seen_place: Option<String>,
    pub last_seen_date: Option<PartialDate>,
    pub inquirer_name: Option<String>,
    pub inquirer_relation: Option<String>,
    pub inquirer_contact: Option<String>,
    pub note: Option<String>,
}

impl Entry {
    /// Whether the entry names the person at all (full name, family name or given
    /// name); a list row without a name cannot be matched and is refused.
    pub fn has_name(&self) -> bool {
        self.full_name.is_some() || self.family_name.is_some() || self.given_name.is_some()
    }

    /// Sets one field from its text, validating it. An empty text leaves the field
    /// unset. The error is the reason, for a [`RowError`] naming the field.
    pub(crate) fn set(&mut self, field: Field, text: &str) -> Result<(), String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let value = Some(text.to_string());
        match field {
            Field::ExternalId => self.external_id = value,
            Field::FullName => self.full_name = value,
            Field::FamilyName => self.family_name = value,
            Field::GivenName => self.given_name = value,
            Field::Patronymic => self.patronymic = value,
            Field::DateOfBirth => self.date_of_birth = Some(parse_date(text)?),
            Field::Sex => {
                self.sex = Some(
                    Sex::parse(text)
                        .map_err(|_| format!("not a sex ({}): {text}", Sex::USUAL_SPELLINGS))?,
                )
            }
            Field::PlaceOfBirth => self.place_of_birth = value,
            Field::Nationality => self.nationality = Some(parse_country(text)?),
            Field::Unit => self.unit = value,
            Field::ServiceNumber => self.service_number = value,
            Field::Rank => self.rank = value,
            Field::LastSeenPlace => self.last_seen_place = value,
            Field::LastSeenDate => self.last_seen_date = Some(parse_date(text)?),
            Field::InquirerName => self.inquirer_name = value,
            Field::InquirerRelation => self.inquirer_relation = value,
            Field::InquirerContact => self.inquirer_contact = value,
            Field::Note => self.note = value,
        }
        Ok(())
    }
}

pub(crate) const NO_NAME: &str = "no name: a row needs a full_name, family_name or given_name";
const NO_NAME_COLUMN: &str = "no name: no column is mapped to full_name, family_name or \
     given_name, and every row needs one (map a column with HEADER=field)";

/// Reads every row of `table` through `mapping` into entries. All bad rows are reported,
/// each with its line and, where one is at fault, its field:
///
/// - a row needs a name (full, family or given);
/// - dates are `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or, as Ukrainian and Russian lists write
///   them, `DD.MM.YYYY` (or `MM.YYYY`); a date with a time keeps the date;
/// - sex as [`Sex::parse`] reads it; nationality an ISO 3166-1 alpha-2 code;
/// - an external_id seen on an earlier line is an error on the later one.
///
/// Rows with every cell empty are skipped.
pub fn read_entries(table: &Table, mapping: &Mapping) -> Result<Vec<Entry>, Vec<RowError>> {
    let mut entries = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    let mut lines_of_ids: HashMap<String, u64> = HashMap::new();
    // Without a name column every row lacks a name; say so once, not once per row.
    let name_is_mapped = [Field::FullName, Field::FamilyName, Field::GivenName]
        .into_iter()
        .any(|field| mapping.column_of(field).is_some());
    let mut unmapped_name_reported = false;
    for row in &table.rows {
        if row.cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let mut entry = Entry {
            line: row.line,
            ..Entry::default()
        };
        let errors_before = errors.len();
        for &(column, field) in &mapping.columns {
            let text = row.cells.get(column).map_or("", String::as_str);
            if let Err(reason) = entry.set(field, text) {
                errors.push(RowError::new(row.line, Some(field.as_str()), reason));
            }
        }
        let mut accepted = true;
        if !entry.has_name() {
            accepted = false;
            if name_is_mapped {
                errors.push(RowError::new(row.line, None, NO_NAME));
            } else if !unmapped_name_reported {
                unmapped_name_reported = true;
                // A title line above the real header is a common cause; show what was
                // taken for the header.
                let headers = table.headers.join(" | ");
                errors.push(RowError::new(
                    row.line,
                    None,
                    format!("{NO_NAME_COLUMN}; the header row read is: {headers}"),
                ));
            }
        }
        if let Some(id) = &entry.external_id {
            if let Some(first) = lines_of_ids.get(id) {
                errors.push(RowError::new(
                    row.line,
                    Some(Field::ExternalId.as_str()),
                    format!("{id} is already on line {first}"),
                ));
            } else {
                lines_of_ids.insert(id.clone(), row.line);
            }
        }
        if accepted && errors.len() == errors_before {
            entries.push(entry);
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// A date as lists write it: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `DD.MM.YYYY` or `MM.YYYY`
/// (day and month may have one digit there), or a date followed by a time
/// (`1990-04-12T10:00:00`, `1990-04-12 10:00`), of which the date is kept.
pub(crate) fn parse_date(text: &str) -> Result<PartialDate, String> {
    let text = text.trim();
    let candidates = [
        Some(PartialDate::parse(text)),
        dotted_date(text),
        text.get(..10)
            .filter(|_| matches!(text.as_bytes().get(10), Some(b'T' | b' ')))
            .map(PartialDate::parse),
    ];
    let mut out_of_range = None;
    for candidate in candidates.into_iter().flatten() {
        match candidate {
            Ok(date) => return Ok(date),
            // A year out of the range PartialDate accepts is worth saying; that the
            // text fits no form is said anyway.
            Err(error) if error.reason.starts_with("year ") => out_of_range = Some(error.reason),
            Err(_) => {}
        }
    }
    let reason = format!("not a date (YYYY, YYYY-MM or YYYY-MM-DD): {text}");
    Err(match out_of_range {
        Some(detail) => format!("{reason}; {detail}"),
        None => reason,
    })
}

/// `DD.MM.YYYY` or `MM.YYYY`, day and month of one or two digits; `None` when the text
/// has another form.
fn dotted_date(text: &str) -> Option<Result<PartialDate, repatria_core::FieldError>> {
    let number = |part: &str, max_digits: usize| -> Option<u32> {
        let digits =
            (1..=max_digits).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| part.parse().ok()).flatten()
    };
    let year = |part: &str| number(part, 4).filter(|_| part.len() == 4);
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        [day, month, y] => {
            let (d, m, y) = (number(day, 2)?, number(month, 2)?, year(y)?);
            Some(PartialDate::full(y as i32, m, d))
        }
        [month, y] => {
            let (m, y) = (number(month, 2)?, year(y)?);
            Some(PartialDate::year_month(y as i32, m))
        }
        _ => None,
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-cased; `ua` is `UA`.
pub(crate) fn parse_country(text: &str) -> Result<String, String> {
    let code = text.trim().to_ascii_uppercase();
    if code.len() == 2 && COUNTRY_CODES.split(' ').any(|known| known == code) {
        Ok(code)
    } else {
        Err(format!(
            "not an ISO 3166-1 alpha-2 country code (such as UA): {}",
            text.trim()
        ))
    }
}

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, and XK (Kosovo), which is
/// user-assigned but in wide use on identity documents.
const COUNTRY_CODES: &str = "\
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM \
PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

#[cfg(test)]
mod tests {
    use super::*;

    fn check_date(text: &str, expect: Option<&str>) {
        let got = parse_date(text).ok().map(|d| d.to_string());
        assert_eq!(got.as_deref(), expect, "{text:?}");
    }

    #[test]
    fn dates_in_the_forms_lists_use() {
        check_date("1990", Some("1990"));
        check_date("1990-04", Some("1990-04"));
        check_date("1990-04-12", Some("1990-04-12"));
        check_date("12.04.1990", Some("1990-04-12"));
        check_date("2.4.1990", Some("1990-04-02"));
        check_date("04.1990", Some("1990-04"));
        check_date("1990-04-12T00:00:00", Some("1990-04-12"));
        check_date("1990-04-12 13:45", Some("1990-04-12"));
        check_date("31.02.1990", None);
        check_date("12/04/1990", None);
        check_date("1990-04-12x", None);
        check_date("12.04.90", None);
        check_date("1990-4-12", None);
        check_date("1990-04-31T00:00:00", None);
    }

    #[test]
    fn a_year_out_of_range_is_named() {
        assert_eq!(
            parse_date("1850-01-01"),
            Err("not a date (YYYY, YYYY-MM or YYYY-MM-DD): 1850-01-01; \
                 year 1850 is not between 1900 and 2100"
                .into())
        );
        assert!(parse_date("01.01.2150")
            .unwrap_err()
            .ends_with("2150 is not between 1900 and 2100"));
        assert_eq!(
            parse_date("31.02.1990"),
            Err("not a date (YYYY, YYYY-MM or YYYY-MM-DD): 31.02.1990".into())
        );
    }

    #[test]
    fn sexes_in_three_languages() {
        for text in ["m", "M", "male", "ч", "Ч.", "чол", "м", "муж"] {
            assert_eq!(Sex::parse(text), Ok(Sex::Male), "{text}");
        }
        for text in ["f", "Female", "ж", "жін.", "жен", "женский"] {
            assert_eq!(Sex::parse(text), Ok(Sex::Female), "{text}");
        }
        for text in ["x", "other", "", "mf"] {
            assert!(Sex::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn countries_are_assigned_two_letter_codes() {
        assert_eq!(COUNTRY_CODES.split(' ').count(), 250);
        assert_eq!(parse_country("ua"), Ok("UA".into()));
        assert_eq!(parse_country(" KR "), Ok("KR".into()));
        assert!(parse_country("UK").is_err(), "GB is the code");
        assert!(parse_country("UKR").is_err());
        assert!(parse_country("Україна").is_err());
    }
}
