//! The fields an incoming list can carry, by their stable snake_case names.

use std::fmt;

/// The fields an incoming list row can carry. The names ([`Field::as_str`]) are the
/// column names of the command-line CSV contract and what users type in overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The list's own identifier of the row; unique within the file.
    ExternalId,
    FullName,
    FamilyName,
    GivenName,
    Patronymic,
    DateOfBirth,
    Sex,
    PlaceOfBirth,
    /// ISO 3166-1 alpha-2.
    Nationality,
    /// Military unit.
    Unit,
    ServiceNumber,
    Rank,
    LastSeenPlace,
    LastSeenDate,
    /// Who asks about the person (a tracing request).
    InquirerName,
    InquirerRelation,
    InquirerContact,
    Note,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::ExternalId,
        Field::FullName,
        Field::FamilyName,
        Field::GivenName,
        Field::Patronymic,
        Field::DateOfBirth,
        Field::Sex,
        Field::PlaceOfBirth,
        Field::Nationality,
        Field::Unit,
        Field::ServiceNumber,
        Field::Rank,
        Field::LastSeenPlace,
        Field::LastSeenDate,
        Field::InquirerName,
        Field::InquirerRelation,
        Field::InquirerContact,
        Field::Note,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Field::ExternalId => "external_id",
            Field::FullName => "full_name",
            Field::FamilyName => "family_name",
            Field::GivenName => "given_name",
            Field::Patronymic => "patronymic",
            Field::DateOfBirth => "date_of_birth",
            Field::Sex => "sex",
            Field::PlaceOfBirth => "place_of_birth",
            Field::Nationality => "nationality",
            Field::Unit => "unit",
            Field::ServiceNumber => "service_number",
            Field::Rank => "rank",
            Field::LastSeenPlace => "last_seen_place",
            Field::LastSeenDate => "last_seen_date",
            Field::InquirerName => "inquirer_name",
            Field::InquirerRelation => "inquirer_relation",
            Field::InquirerContact => "inquirer_contact",
            Field::Note => "note",
        }
    }

    /// The field of a snake_case name; case and `-` for `_` are forgiven, so that
    /// `Date-Of-Birth` is `date_of_birth`.
    pub fn parse(name: &str) -> Option<Field> {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        Field::ALL.into_iter().find(|field| field.as_str() == name)
    }

    /// All names, comma-separated, for messages.
    pub(crate) fn names() -> String {
        Field::ALL.map(|field| field.as_str()).join(", ")
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Field {
    type Err = crate::ListError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::parse(s).ok_or_else(|| crate::ListError::UnknownField(s.to_string()))
    }
}
