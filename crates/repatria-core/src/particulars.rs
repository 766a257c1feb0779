//! The particulars GC III asks the bureau to hold beside a prisoner's identity: the
//! father's first name and the mother's maiden name, the person to be informed and the
//! addresses of Art. 122 and of the capture card (Annex IV B), and the number the
//! detaining power gave him.
//!
//! Art. 17 obliges a prisoner to give only his surname, first names, rank, date of birth
//! and service number; he may refuse everything else, and his refusal may not be
//! punished. A refusal is recorded as such ([`Particulars::refused`]): a field he refused
//! has no value. The prisoner number is the detaining power's, not his to refuse.
//!
//! [`Particulars::new`] is the one way from text as typed to a value: trimmed, blank as
//! absent, bounded, every error naming its field by the API's path.

use crate::error::{FieldError, Validator};
use crate::party::optional_text;
use crate::words;
use crate::Timestamp;

words! {
    /// The particulars of Art. 122 and Annex IV the record holds, as the API names
    /// them; the words of a refusal.
    pub enum ParticularField {
        FatherFirstName = "father_first_name",
        MotherMaidenName = "mother_maiden_name",
        /// The name and address of the person to be informed (Art. 122).
        PersonToInform = "person_to_inform",
        CorrespondenceAddress = "correspondence_address",
        /// The family's address, as on the capture card (Annex IV B).
        FamilyAddress = "family_address",
        /// The number the detaining power gave him (Art. 122).
        PrisonerNumber = "prisoner_number",
    }
}

impl ParticularField {
    /// Whether the captive may refuse to give it (Art. 17): everything he is asked for,
    /// but not the number the detaining power gives him.
    pub fn refusable(&self) -> bool {
        *self != ParticularField::PrisonerNumber
    }
}

/// The longest name (a father's first name, a maiden name, the person to inform).
pub const NAME_MAX: usize = 120;
/// The longest address.
pub const ADDRESS_MAX: usize = 500;
/// The longest prisoner number.
pub const PRISONER_NUMBER_MAX: usize = 40;

/// Whom the detaining power informs of his capture, and where (Art. 122).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PersonToInform {
    pub name: String,
    pub address: Option<String>,
}

/// The particulars of Art. 122 and Annex IV, as recorded once checked. A field is
/// `None` when it is not known or when he refused it; `refused` says which.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Particulars {
    pub father_first_name: Option<String>,
    pub mother_maiden_name: Option<String>,
    pub person_to_inform: Option<PersonToInform>,
    pub correspondence_address: Option<String>,
    pub family_address: Option<String>,
    /// Unique per detaining power across the registry (the store keeps it so).
    pub prisoner_number: Option<String>,
    /// What he refused to give (Art. 17), each once, in declaration order; never
    /// `prisoner_number`.
    pub refused: Vec<ParticularField>,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

/// The particulars as typed, before [`Particulars::new`] checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParticularsText {
    pub father_first_name: Option<String>,
    pub mother_maiden_name: Option<String>,
    pub person_to_inform_name: Option<String>,
    pub person_to_inform_address: Option<String>,
    pub correspondence_address: Option<String>,
    pub family_address: Option<String>,
    pub prisoner_number: Option<String>,
    pub refused: Vec<ParticularField>,
}

/// A name: trimmed, on one line, at most [`NAME_MAX`] characters; blank is absent.
fn name(input: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = optional_text(input.unwrap_or(""), NAME_MAX)? else {
        return Ok(None);
    };
    if text.contains('\n') {
        return Err(FieldError::new("", "must be on one line"));
    }
    Ok(Some(text))
}

/// An address: trimmed, at most [`ADDRESS_MAX`] characters, lines allowed; blank is
/// absent.
fn address(input: Option<&str>) -> Result<Option<String>, FieldError> {
    optional_text(input.unwrap_or(""), ADDRESS_MAX)
}

/// Checks a prisoner number: letters (of any script) and digits, with single spaces,
/// `-`, `/` or `.` between them, at most [`PRISONER_NUMBER_MAX`] characters. Runs of
/// blanks become one space; blank is absent. Two captives of one detaining power never
/// share the number this returns.
pub fn parse_prisoner_number(input: &str) -> Result<Option<String>, FieldError> {
    let number = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if number.is_empty() {
        return Ok(None);
    }
    // The bound counts the number as given, as the API's document says.
    if input.chars().count() > PRISONER_NUMBER_MAX {
        return Err(FieldError::new(
            "",
            format!("must be at most {PRISONER_NUMBER_MAX} characters"),
        ));
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '/' | '.');
    if !number.chars().all(allowed) || !number.chars().any(char::is_alphanumeric) {
        return Err(FieldError::new(
            "",
            format!(
                "a prisoner number is letters and digits, with spaces, '-', '/' or '.' between them; got {input:?}"
            ),
        ));
    }
    Ok(Some(number))
}

/// A particular as recorded: given, or refused by the captive (Art. 17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Given(String),
    Refused,
}

impl Particulars {
    /// Checks particulars as typed: each text trimmed and bounded, blank as absent; a
    /// person to inform needs a name when an address is given; a field he refused has
    /// no value; the prisoner number cannot be refused. Every error names its field
    /// (`person_to_inform.name`, `refused`).
    pub fn new(
        text: ParticularsText,
        recorded_at: Timestamp,
        recorded_by: &str,
    ) -> Result<Particulars, Vec<FieldError>> {
        let mut v = Validator::new();
        let mut checked = |result: Result<Option<String>, FieldError>, field: &str| {
            v.check(result.map_err(|e| e.within(field))).flatten()
        };
        let father_first_name =
            checked(name(text.father_first_name.as_deref()), "father_first_name");
        let mother_maiden_name = checked(
            name(text.mother_maiden_name.as_deref()),
            "mother_maiden_name",
        );
        let inform_name = checked(
            name(text.person_to_inform_name.as_deref()),
            "person_to_inform.name",
        );
        let inform_address = checked(
            address(text.person_to_inform_address.as_deref()),
            "person_to_inform.address",
        );
        let correspondence_address = checked(
            address(text.correspondence_address.as_deref()),
            "correspondence_address",
        );
        let family_address = checked(address(text.family_address.as_deref()), "family_address");
        let prisoner_number = checked(
            parse_prisoner_number(text.prisoner_number.as_deref().unwrap_or("")),
            "prisoner_number",
        );
        let person_to_inform = match (inform_name, inform_address) {
            (Some(name), address) => Some(PersonToInform { name, address }),
            (None, Some(_)) => {
                v.push(FieldError::new(
                    "person_to_inform.name",
                    "name the person to be informed at this address",
                ));
                None
            }
            (None, None) => None,
        };
        let mut refused = text.refused;
        refused.sort();
        refused.dedup();
        let particulars = Particulars {
            father_first_name,
            mother_maiden_name,
            person_to_inform,
            correspondence_address,
            family_address,
            prisoner_number,
            refused,
            recorded_at,
            recorded_by: recorded_by.to_string(),
        };
        for field in &particulars.refused {
            if !field.refusable() {
                v.push(FieldError::new(
                    "refused",
                    format!(
                        "{field} is given by the detaining power, not by the captive, and cannot be refused"
                    ),
                ));
            } else if particulars.has_value(*field) {
                v.push(FieldError::new(
                    field.as_str(),
                    "the captive refused to give this (Art. 17): record the refusal or a value, not both",
                ));
            }
        }
        let errors = v.into_errors();
        if errors.is_empty() {
            Ok(particulars)
        } else {
            Err(errors)
        }
    }

    /// The same particulars as text, as [`Particulars::new`] reads them.
    pub fn text(&self) -> ParticularsText {
        ParticularsText {
            father_first_name: self.father_first_name.clone(),
            mother_maiden_name: self.mother_maiden_name.clone(),
            person_to_inform_name: self.person_to_inform.as_ref().map(|p| p.name.clone()),
            person_to_inform_address: self
                .person_to_inform
                .as_ref()
                .and_then(|p| p.address.clone()),
            correspondence_address: self.correspondence_address.clone(),
            family_address: self.family_address.clone(),
            prisoner_number: self.prisoner_number.clone(),
            refused: self.refused.clone(),
        }
    }

    /// What a form or a list prints for `field`: the refusal (Art. 17) or the text (the
    /// person to inform as "name, address"); `None` when neither was recorded.
    pub fn answer(&self, field: ParticularField) -> Option<Answer> {
        if self.refused.contains(&field) {
            return Some(Answer::Refused);
        }
        self.value(field).map(Answer::Given)
    }

    /// The text of one particular; `None` when not given.
    pub fn value(&self, field: ParticularField) -> Option<String> {
        use ParticularField as F;
        match field {
            F::FatherFirstName => self.father_first_name.clone(),
            F::MotherMaidenName => self.mother_maiden_name.clone(),
            F::FamilyAddress => self.family_address.clone(),
            F::CorrespondenceAddress => self.correspondence_address.clone(),
            F::PrisonerNumber => self.prisoner_number.clone(),
            F::PersonToInform => self.person_to_inform.as_ref().map(|t| match &t.address {
                Some(address) => format!("{}, {address}", t.name),
                None => t.name.clone(),
            }),
        }
    }

    /// Whether `field` has a value.
    pub fn has_value(&self, field: ParticularField) -> bool {
        use ParticularField as F;
        match field {
            F::FatherFirstName => self.father_first_name.is_some(),
            F::MotherMaidenName => self.mother_maiden_name.is_some(),
            F::PersonToInform => self.person_to_inform.is_some(),
            F::CorrespondenceAddress => self.correspondence_address.is_some(),
            F::FamilyAddress => self.family_address.is_some(),
            F::PrisonerNumber => self.prisoner_number.is_some(),
        }
    }

    /// The fields that have a value, in declaration order.
    pub fn given(&self) -> Vec<ParticularField> {
        ParticularField::ALL
            .iter()
            .copied()
            .filter(|f| self.has_value(*f))
            .collect()
    }

    /// Nothing given and nothing refused.
    pub fn is_empty(&self) -> bool {
        self.refused.is_empty() && self.given().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::at;
    use crate::DomainError;

    fn text() -> ParticularsText {
        ParticularsText {
            father_first_name: Some(" Чоль Мін ".into()),
            mother_maiden_name: Some("Пак".into()),
            person_to_inform_name: Some("Лі Сун Хі".into()),
            person_to_inform_address: Some("Village 3,\nDistrict 5 (fictional)".into()),
            correspondence_address: Some("  ".into()),
            family_address: None,
            prisoner_number: Some("  UA-PW   0042 ".into()),
            refused: vec![
                ParticularField::FamilyAddress,
                ParticularField::CorrespondenceAddress,
                ParticularField::FamilyAddress,
            ],
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn text_is_trimmed_blank_is_absent_and_refusals_are_kept_once() {
        let p = Particulars::new(text(), at(12, 8), "registrar").unwrap();
        assert_eq!(p.father_first_name.as_deref(), Some("Чоль Мін"));
        assert_eq!(p.correspondence_address, None, "blank is absent");
        assert_eq!(p.prisoner_number.as_deref(), Some("UA-PW 0042"));
        assert_eq!(
            p.person_to_inform,
            Some(PersonToInform {
                name: "Лі Сун Хі".into(),
                address: Some("Village 3,\nDistrict 5 (fictional)".into()),
            })
        );
        assert_eq!(
            p.refused,
            [
                ParticularField::CorrespondenceAddress,
                ParticularField::FamilyAddress
            ]
        );
        assert_eq!(
            p.given(),
            [
                ParticularField::FatherFirstName,
                ParticularField::MotherMaidenName,
                ParticularField::PersonToInform,
                ParticularField::PrisonerNumber,
            ]
        );
        // Reading a value back as text gives the same value.
        assert_eq!(
            Particulars::new(p.text(), p.recorded_at, &p.recorded_by).unwrap(),
            p
        );
        assert!(!p.is_empty());
        assert!(
            Particulars::new(ParticularsText::default(), at(12, 8), "registrar")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_refused_field_has_no_value_art_17() {
        let mut both = text();
        both.refused = vec![
            ParticularField::FatherFirstName,
            ParticularField::PersonToInform,
        ];
        let errors = Particulars::new(both, at(12, 8), "registrar").unwrap_err();
        assert_eq!(fields(&errors), ["father_first_name", "person_to_inform"]);
        assert!(errors[0].reason.contains("Art. 17"), "{}", errors[0]);
        // A refusal of a field left blank is what a refusal is.
        let mut refusal = text();
        refusal.father_first_name = Some("   ".into());
        refusal.refused = vec![ParticularField::FatherFirstName];
        let p = Particulars::new(refusal, at(12, 8), "registrar").unwrap();
        assert_eq!(p.father_first_name, None);
        assert_eq!(p.refused, [ParticularField::FatherFirstName]);
    }

    #[test]
    fn the_prisoner_number_is_the_detaining_powers_and_cannot_be_refused() {
        let mut refused = text();
        refused.prisoner_number = None;
        refused.refused = vec![ParticularField::PrisonerNumber];
        let errors = Particulars::new(refused, at(12, 8), "registrar").unwrap_err();
        assert_eq!(fields(&errors), ["refused"]);
        assert!(!ParticularField::PrisonerNumber.refusable());
        assert!(ParticularField::ALL
            .iter()
            .filter(|f| **f != ParticularField::PrisonerNumber)
            .all(ParticularField::refusable));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = ParticularsText {
            father_first_name: Some("a\nb".into()),
            mother_maiden_name: Some("я".repeat(NAME_MAX + 1)),
            person_to_inform_name: None,
            person_to_inform_address: Some("Street 1".into()),
            correspondence_address: Some("x".repeat(ADDRESS_MAX + 1)),
            family_address: Some("bell\u{7}".into()),
            prisoner_number: Some("12; DROP".into()),
            refused: vec![],
        };
        let errors = Particulars::new(bad, at(12, 8), "registrar").unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "father_first_name",
                "mother_maiden_name",
                "correspondence_address",
                "family_address",
                "prisoner_number",
                "person_to_inform.name",
            ]
        );
        // At the bounds, accepted.
        let edge = ParticularsText {
            mother_maiden_name: Some("я".repeat(NAME_MAX)),
            correspondence_address: Some("x".repeat(ADDRESS_MAX)),
            prisoner_number: Some("9".repeat(PRISONER_NUMBER_MAX)),
            ..Default::default()
        };
        assert!(Particulars::new(edge, at(12, 8), "registrar").is_ok());
    }

    #[test]
    fn prisoner_numbers_are_checked_and_spaced_once() {
        assert_eq!(
            parse_prisoner_number(" UA\t 12/345 ").unwrap().as_deref(),
            Some("UA 12/345")
        );
        assert_eq!(
            parse_prisoner_number("ВП-2025.7").unwrap().as_deref(),
            Some("ВП-2025.7")
        );
        assert_eq!(parse_prisoner_number("   ").unwrap(), None);
        for bad in ["--", "12;3", "<b>", &"1".repeat(PRISONER_NUMBER_MAX + 1)] {
            assert!(parse_prisoner_number(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn set_particulars_records_replaces_and_clears() {
        let mut c = crate::captive::tests::captive();
        let now = at(20, 8);
        let nothing = Particulars::new(ParticularsText::default(), at(12, 8), "registrar");
        let error = c.set_particulars(nothing.unwrap(), now).unwrap_err();
        assert!(
            matches!(&error, DomainError::Rule { field, .. } if field == "particulars"),
            "nothing to record and nothing to clear: {error}"
        );
        let p = Particulars::new(text(), at(12, 8), "registrar").unwrap();
        // Given untidy, stored tidy: the record never holds what `new` would refuse.
        let mut untidy = p.clone();
        untidy.father_first_name = Some("  Чоль Мін  ".into());
        c.set_particulars(untidy, now).unwrap();
        assert_eq!(c.particulars.as_ref(), Some(&p));
        assert_eq!(c.updated_at, now);

        let before = c.clone();
        let mut future = p.clone();
        future.recorded_at = at(21, 8);
        let error = c.set_particulars(future, now).unwrap_err();
        assert!(
            matches!(&error, DomainError::Invalid(f) if f[0].field == "recorded_at"),
            "{error}"
        );
        let mut both = p.clone();
        both.refused.push(ParticularField::MotherMaidenName);
        let error = c.set_particulars(both, now).unwrap_err();
        assert!(
            matches!(&error, DomainError::Invalid(f) if f[0].field == "mother_maiden_name"),
            "{error}"
        );
        assert_eq!(c, before, "a refused change leaves the record as it was");

        let empty = Particulars::new(ParticularsText::default(), at(13, 8), "registrar").unwrap();
        c.set_particulars(empty, now).unwrap();
        assert_eq!(
            c.particulars, None,
            "nothing given and nothing refused clears"
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_record_stored_before_particulars_still_loads() {
        let c = crate::captive::tests::captive();
        let mut stored = serde_json::to_value(&c).unwrap();
        stored.as_object_mut().unwrap().remove("particulars");
        let back: crate::Captive = serde_json::from_value(stored).unwrap();
        assert_eq!(back.particulars, None);
        assert_eq!(back, c);
    }
}
