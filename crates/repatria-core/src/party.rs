//! Parties to the conflict: the powers that detain prisoners and on which prisoners depend.

use std::fmt;

use crate::error::FieldError;

/// A short code naming a party, such as `UA` or `KP`: 2 to 16 characters, upper-case
/// Latin letters, digits and `-`. ISO 3166-1 alpha-2 codes are the natural choice for
/// states; other parties (an armed group, an international organisation) pick their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct PartyCode(String);

impl PartyCode {
    pub fn parse(input: &str) -> Result<PartyCode, FieldError> {
        let code = input.trim();
        let ok = (2..=16).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(FieldError::new(
                "",
                format!("party code must be 2 to 16 characters A-Z, 0-9 or '-', got {input:?}"),
            ));
        }
        Ok(PartyCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PartyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A party to the conflict, or a neutral power that takes part in an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Party {
    pub code: PartyCode,
    pub name: String,
    /// Why the bureau's detaining power may not transfer prisoners to this party
    /// (GC III Art. 12: only to a party to the Convention willing and able to apply
    /// it); `None` when transfers are allowed.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub transfer_barred: Option<String>,
}

impl Party {
    pub fn new(code: &str, name: &str) -> Result<Party, crate::DomainError> {
        let mut v = crate::error::Validator::new();
        let code = v.check(PartyCode::parse(code).map_err(|e| e.within("code")));
        let name = v.check(required_text(name, 200).map_err(|e| e.within("name")));
        v.finish()?;
        Ok(Party {
            code: code.expect("checked"),
            name: name.expect("checked"),
            transfer_barred: None,
        })
    }
}

/// Checks the reason a party is on the Art. 12 list: 1 to 500 characters.
pub fn parse_transfer_bar(reason: &str) -> Result<String, FieldError> {
    required_text(reason, 500).map_err(|e| e.within("reason"))
}

/// Trims `input` and checks that it is present and not longer than `max` characters.
pub(crate) fn required_text(input: &str, max: usize) -> Result<String, FieldError> {
    if input.trim().is_empty() {
        return Err(FieldError::new("", "must not be empty"));
    }
    optional_text(input, max).map(|t| t.expect("not empty"))
}

/// Trims `input`; an empty string becomes `None`. Rejects text over `max` characters
/// and control characters, which have no place in a record and break printed cards.
///
/// The bound counts the text as given, blanks around it included, so that it is the
/// `maxLength` the API's document states.
pub(crate) fn optional_text(input: &str, max: usize) -> Result<Option<String>, FieldError> {
    if input.chars().count() > max {
        return Err(FieldError::new(
            "",
            format!("must be at most {max} characters"),
        ));
    }
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldError::new("", "must not contain control characters"));
    }
    Ok(Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_codes_are_short_upper_case_tokens() {
        for good in ["UA", "RU", "KP", "ICRC", "UA-NG", "X1"] {
            assert_eq!(PartyCode::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "U", "ua", "U A", "ТОО", "ABCDEFGHIJKLMNOPQ"] {
            assert!(PartyCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_party_needs_a_code_and_a_name_and_reports_both_problems() {
        let error = Party::new("u", " ").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("code:") && text.contains("name: must not be empty"),
            "{text}"
        );
        assert_eq!(Party::new("UA", " Ukraine ").unwrap().name, "Ukraine");
    }
}
