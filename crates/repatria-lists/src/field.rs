//! The fields an incoming list can carry, by their stable snake_case names.

repatria_core::words! {
    /// The fields an incoming list row can carry. The names ([`Field::as_str`]) are the
    /// column names of the command-line CSV contract and what users type in overrides;
    /// [`Field::parse`] forgives case and `-` for `_`, so that `Date-Of-Birth` is
    /// `date_of_birth`.
    pub enum Field {
        /// The list's own identifier of the row; unique within the file.
        ExternalId = "external_id" | "external_id",
        FullName = "full_name" | "full_name",
        FamilyName = "family_name" | "family_name",
        GivenName = "given_name" | "given_name",
        Patronymic = "patronymic" | "patronymic",
        DateOfBirth = "date_of_birth" | "date_of_birth",
        Sex = "sex" | "sex",
        PlaceOfBirth = "place_of_birth" | "place_of_birth",
        /// ISO 3166-1 alpha-2.
        Nationality = "nationality" | "nationality",
        /// Military unit.
        Unit = "unit" | "unit",
        ServiceNumber = "service_number" | "service_number",
        Rank = "rank" | "rank",
        LastSeenPlace = "last_seen_place" | "last_seen_place",
        LastSeenDate = "last_seen_date" | "last_seen_date",
        /// Who asks about the person (a tracing request).
        InquirerName = "inquirer_name" | "inquirer_name",
        InquirerRelation = "inquirer_relation" | "inquirer_relation",
        InquirerContact = "inquirer_contact" | "inquirer_contact",
        Note = "note" | "note",
    }
}

impl Field {
    /// All names, comma-separated, for messages.
    pub(crate) fn names() -> String {
        Field::ALL
            .iter()
            .map(|field| field.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
