//! What the OpenAPI document says a valid value is, where a field's Rust type (a `String`
//! read and validated at the edge) cannot say it: the closed sets of words as `enum`s,
//! and the regular expressions of the validators.
//!
//! A request the document calls valid must be accepted (unless it names something that
//! does not exist, or conflicts with the records), and one it calls invalid must be
//! refused: the patterns below say exactly what the validators of `repatria-core` and the
//! routes accept, surrounding blanks included (they are trimmed).
//!
//! The patterns are string literals in `#[schema(pattern = …)]` attributes (utoipa takes
//! only literals there); these constants hold the same text, so that the tests below
//! check each one against its validator, and the document's test checks that every
//! pattern in the document is one of them.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

/// Blanks: what trimming removes (Unicode `White_Space`, as `str::trim`).
macro_rules! blank {
    () => {
        r"[\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    };
}
/// A character free text may hold inside: anything but a control character, the line
/// break excepted.
macro_rules! inner {
    () => {
        r"[^\x00-\x09\x0B-\x1F\x7F-\x9F]"
    };
}
/// A character that may begin or end free text once trimmed: neither blank nor control.
macro_rules! edge {
    () => {
        r"[^\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F]"
    };
}

/// A character that is not blank (control characters included).
macro_rules! edge_or_control {
    () => {
        r"[^\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    };
}

/// Free text that may be left out (blank is absent): once trimmed, no control characters
/// but the line break (`repatria_core::captive::text`).
pub const TEXT: &str = concat!(
    "^",
    blank!(),
    "*(",
    edge!(),
    "(",
    inner!(),
    "*",
    edge!(),
    ")?)?",
    blank!(),
    "*$"
);
/// Free text that must be given: once trimmed, not empty, no control characters but the
/// line break (`repatria_core::captive::required`).
pub const REQUIRED: &str = concat!(
    "^",
    blank!(),
    "*",
    edge!(),
    "(",
    inner!(),
    "*",
    edge!(),
    ")?",
    blank!(),
    "*$"
);
/// Text on one line (a name): as [`REQUIRED`], without line breaks inside.
pub const LINE: &str = concat!(
    "^",
    blank!(),
    "*(",
    edge!(),
    "([^\\x00-\\x1F\\x7F-\\x9F]*",
    edge!(),
    ")?)?",
    blank!(),
    "*$"
);
/// A prisoner number (`parse_prisoner_number`): letters and digits with blanks, `-`, `/`
/// or `.` between them; blank is absent. (`[^\W_]` is a letter or a digit.)
pub const PRISONER_NUMBER: &str = concat!(
    "^(",
    blank!(),
    "*|(",
    blank!(),
    "|[/.-])*[^\\W_](",
    blank!(),
    "|[/.-]|[^\\W_])*)$"
);
/// An account's name (`parse_username`).
pub const USERNAME: &str = concat!("^", blank!(), "*[a-z][a-z0-9._-]{1,63}", blank!(), "*$");
/// A new password (`check_new_password`, with `minLength` 12): not only blanks.
pub const PASSWORD: &str = concat!(edge_or_control!());
/// A party's code as a filter of a list: as [`PARTY`], or empty for any.
pub const PARTY_FILTER: &str = concat!("^$|^", blank!(), "*[A-Z0-9-]{2,16}", blank!(), "*$");
/// Words to search names for: blank (no search), or holding a letter or a digit.
pub const SEARCH: &str = concat!("^", blank!(), "*$|[^\\W_]");
/// A domain for PFIF record ids (`check_record_domain`): lower-case labels, each
/// beginning with a letter and ending with a letter or a digit.
pub const DOMAIN: &str = r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z]([a-z0-9-]{0,61}[a-z0-9])?)*$";
/// A party's code (`PartyCode::parse`).
pub const PARTY: &str = concat!("^", blank!(), "*[A-Z0-9-]{2,16}", blank!(), "*$");
/// A language: ISO 639-1 or 639-3 (`parse_language`).
pub const LANGUAGE: &str = concat!("^", blank!(), "*[A-Za-z]{2,3}", blank!(), "*$");
/// A nationality: ISO 3166-1 alpha-2 (`parse_nationality`).
pub const NATIONALITY: &str = concat!("^", blank!(), "*([A-Za-z]{2})?", blank!(), "*$");
/// A year the registry takes: 1900 to 2100 (`PartialDate`).
macro_rules! year {
    () => {
        "(19[0-9]{2}|20[0-9]{2}|2100)"
    };
}
/// A whole date of a year 1900 to 2100 that is in the calendar (29 February in leap
/// years only).
macro_rules! full_date {
    () => {
        concat!(
            "(",
            year!(),
            "-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)",
            "|02-(0[1-9]|1[0-9]|2[0-8]))",
            "|(19(0[48]|[2468][048]|[13579][26])|20(0[048]|[2468][048]|[13579][26]))-02-29)"
        )
    };
}
/// A partial date that may be left out (blank is absent): `YYYY`, `YYYY-MM` or
/// `YYYY-MM-DD`, years 1900 to 2100 (`PartialDate::parse`).
pub const PARTIAL_DATE: &str = concat!(
    "^",
    blank!(),
    "*(",
    year!(),
    "(-(0[1-9]|1[0-2]))?|",
    full_date!(),
    ")?",
    blank!(),
    "*$"
);

/// A string with a pattern and a bound on its length in characters.
fn string(pattern: &str, max: Option<usize>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(pattern))
        .max_length(max)
        .description(Some(description))
        .into()
}

/// Declares the kinds of text the API reads, each a schema named after it: fields name
/// one with `#[schema(value_type = crate::schema::Name)]` (or `Option<…>`).
macro_rules! texts {
    ($($name:ident = $pattern:expr, $max:expr, $description:literal;)*) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    string($pattern, $max, $description)
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        )*
    };
}

texts! {
    Text80 = TEXT, Some(80), "Free text, at most 80 characters; blank is absent.";
    Text120 = TEXT, Some(120), "Free text, at most 120 characters; blank is absent.";
    Text200 = TEXT, Some(200), "Free text, at most 200 characters; blank is absent.";
    Text300 = TEXT, Some(300), "Free text, at most 300 characters; blank is absent.";
    Text4000 = TEXT, Some(4000), "Free text, at most 4,000 characters; blank is absent.";
    Required300 = REQUIRED, Some(300), "Text, not blank, at most 300 characters.";
    Required4000 = REQUIRED, Some(4000), "Text, not blank, at most 4,000 characters.";
    PrisonerNumber = PRISONER_NUMBER, Some(40), "A prisoner number: letters and digits, with blanks, '-', '/' or '.' between them, at most 40 characters; blank is absent.";
    Text500 = TEXT, Some(500), "Free text, at most 500 characters; blank is absent.";
    Text2000 = TEXT, Some(2000), "Free text, at most 2,000 characters; blank is absent.";
    Text20000 = TEXT, Some(20_000), "Free text, at most 20,000 characters; blank is absent.";
    Required100 = REQUIRED, Some(100), "Text, not blank, at most 100 characters.";
    Username = USERNAME, None, "An account's name: 2 to 64 characters a-z, 0-9, '.', '_' or '-', beginning with a letter.";
    Required200 = REQUIRED, Some(200), "Text, not blank, at most 200 characters.";
    Required500 = REQUIRED, Some(500), "Text, not blank, at most 500 characters.";
    Required2000 = REQUIRED, Some(2000), "Text, not blank, at most 2,000 characters.";
    Line120 = LINE, Some(120), "Text on one line, at most 120 characters; blank is absent.";
    PartyFilter = PARTY_FILTER, None, "A party's code (2 to 16 characters A-Z, 0-9 or '-'), or empty for any.";
    SearchWords = SEARCH, Some(200), "Name words in any script, holding a letter or a digit; blank for no search.";
    RecordDomain = DOMAIN, Some(253), "A lower-case domain name such as bureau.example; each label begins with a letter and ends with a letter or a digit.";
    PartyCode = PARTY, None, "A party's code: 2 to 16 characters A-Z, 0-9 or '-'.";
    LanguageCode = LANGUAGE, None, "An ISO 639-1 or 639-3 language code, such as uk.";
    CountryCode = NATIONALITY, None, "An ISO 3166-1 alpha-2 country code, such as UA; blank is absent.";
    PartialDate = PARTIAL_DATE, None, "A date, as much of it as is known: YYYY, YYYY-MM or YYYY-MM-DD, years 1900 to 2100; blank is absent.";
    Text100 = TEXT, Some(100), "Free text, at most 100 characters; blank is absent.";
    Text400 = TEXT, Some(400), "Free text, at most 400 characters; blank is absent.";
    Required400 = REQUIRED, Some(400), "Text, not blank, at most 400 characters.";
}

/// Every pattern the document may use (the document's test checks it).
#[cfg(test)]
pub const ALL: &[&str] = &[
    TEXT,
    REQUIRED,
    LINE,
    PRISONER_NUMBER,
    USERNAME,
    PASSWORD,
    PARTY_FILTER,
    SEARCH,
    DOMAIN,
    PARTY,
    LANGUAGE,
    NATIONALITY,
    PARTIAL_DATE,
];

/// A particular the captive may refuse to give (all but the prisoner number).
pub struct RefusableParticular;

impl utoipa::PartialSchema for RefusableParticular {
    fn schema() -> RefOr<Schema> {
        words(
            repatria_core::ParticularField::ALL
                .iter()
                .filter(|f| f.refusable())
                .map(|f| f.as_str()),
            "A particular the captive refused to give (GC III Art. 17); the prisoner number is the detaining power's and cannot be refused.",
        )
    }
}

impl utoipa::ToSchema for RefusableParticular {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("RefusableParticular")
    }
}

/// A tracing request's status as a filter of a list, or empty for any.
pub struct TracingStatusFilter;

impl utoipa::PartialSchema for TracingStatusFilter {
    fn schema() -> RefOr<Schema> {
        words(
            std::iter::once("").chain(repatria_core::TracingStatus::ALL.iter().map(|s| s.as_str())),
            "A tracing request's status, or empty for any.",
        )
    }
}

impl utoipa::ToSchema for TracingStatusFilter {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("TracingStatusFilter")
    }
}

/// A custody status as a filter of a list, or empty for any.
pub struct StatusFilter;

impl utoipa::PartialSchema for StatusFilter {
    fn schema() -> RefOr<Schema> {
        words(
            std::iter::once("").chain(repatria_core::CustodyStatus::ALL.iter().map(|s| s.as_str())),
            "A custody status, or empty for any.",
        )
    }
}

impl utoipa::ToSchema for StatusFilter {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("StatusFilter")
    }
}

/// A new password: at least 12 characters, not only blanks (`check_new_password`).
pub struct NewPassword;

impl utoipa::PartialSchema for NewPassword {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .min_length(Some(12))
            .pattern(Some(PASSWORD))
            .description(Some("A password: at least 12 characters, not only blanks."))
            .into()
    }
}

impl utoipa::ToSchema for NewPassword {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NewPassword")
    }
}

/// The parts of an identity claim a captive may refuse to give (Art. 17).
pub struct ClaimField;

impl utoipa::PartialSchema for ClaimField {
    fn schema() -> RefOr<Schema> {
        words(
            repatria_core::captive::REFUSABLE_FIELDS.iter().copied(),
            "A part of an identity claim the captive refused to give (GC III Art. 17).",
        )
    }
}

impl utoipa::ToSchema for ClaimField {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ClaimField")
    }
}

/// A closed set of words, as an OpenAPI `enum` of strings.
fn words(words: impl IntoIterator<Item = &'static str>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(words))
        .description(Some(description))
        .into()
}

/// Declares, for each closed set of words of the core, a schema type of the same name
/// whose values are its words (`ALL`, `as_str`): fields read as text name it with
/// `#[schema(value_type = crate::schema::Name)]`.
macro_rules! closed_words {
    ($($name:ident => $core:path: $description:literal),* $(,)?) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    use $core as Core;
                    words(Core::ALL.iter().map(|w| w.as_str()), $description)
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        )*

        /// The words of each declared set, by schema name (for the tests).
        #[cfg(test)]
        pub(crate) fn declared() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$({
                use $core as Core;
                (stringify!($name), Core::ALL.iter().map(|w| w.as_str()).collect())
            }),*]
        }
    };
}

closed_words! {
    HealthCategory => repatria_core::HealthCategory:
        "A health category of the capture card (GC III Annex IV B).",
    CustodyEventKind => repatria_core::CustodyEventKind:
        "What happened to a captive, as an event of his custody timeline.",
    ClaimSource => repatria_core::ClaimSource: "Where an identity claim comes from.",
    RepatriationWish => repatria_core::RepatriationWish:
        "The captive's wish about his repatriation (Art. 109, 118).",
    FacilityKind => repatria_core::FacilityKind: "A kind of place of internment.",
    Role => repatria_core::Role: "An account's role.",
    LinkState => repatria_core::LinkState: "Where a proposed match stands.",
    LinkDecision => repatria_core::matching::Decision: "A reviewer's decision on a match.",
    ImportKind => repatria_core::ImportKind:
        "What an imported list holds: a party's list, tracing requests, or a side's demands.",
    ListFormat => repatria_lists::Format: "A list's file format.",
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn matches(pattern: &str, text: &str) -> bool {
        Regex::new(pattern).unwrap().is_match(text)
    }

    /// Each pattern says what its validator says, on values on both sides of the line.
    #[test]
    fn patterns_agree_with_the_validators() {
        use repatria_core::captive::{parse_language, parse_nationality, required, text};
        let texts = [
            "",
            " ",
            "Ivan",
            " Ivan ",
            "a\nb",
            "a\tb",
            "a\u{7}b",
            "\u{85}",
            "Петро",
            "  \n ",
            "\u{3000}x",
            "x\u{9f}",
            "\tIvan\r\n",
            "\u{1c}Ivan",
            "Iv\u{85}an",
            "\u{a0}",
        ];
        for t in texts {
            assert_eq!(matches(TEXT, t), text(Some(t), 100).is_ok(), "TEXT {t:?}");
            assert_eq!(
                matches(REQUIRED, t),
                required(t, 100).is_ok(),
                "REQUIRED {t:?}"
            );
            let one_line = text(Some(t), 100).is_ok_and(|t| !t.is_some_and(|t| t.contains('\n')));
            assert_eq!(matches(LINE, t), one_line, "LINE {t:?}");
        }
        for code in [
            "UA",
            " RU ",
            "U",
            "ua",
            "UA-NG",
            "ICRC",
            "ABCDEFGHIJKLMNOPQ",
            "У",
            "",
        ] {
            assert_eq!(
                matches(PARTY, code),
                repatria_core::PartyCode::parse(code).is_ok(),
                "PARTY {code:?}"
            );
        }
        for code in ["uk", "UK", "fra", " ru ", "u", "abcd", "u1", ""] {
            assert_eq!(
                matches(LANGUAGE, code),
                parse_language(code).is_ok(),
                "{code:?}"
            );
        }
        for code in ["UA", "ua", " RU ", "U", "UKR", "1A", "", " "] {
            let valid = code.trim().is_empty() || parse_nationality(code).is_ok();
            assert_eq!(matches(NATIONALITY, code), valid, "{code:?}");
        }
        for number in [
            "A-123", " 12/B.7 ", "", "  ", "-", "Б-17", "A_1", "A\t1", "A\u{1c}1", "12 34", "№5",
        ] {
            let valid = repatria_core::parse_prisoner_number(number).is_ok();
            assert_eq!(
                matches(PRISONER_NUMBER, number),
                valid,
                "PRISONER_NUMBER {number:?}"
            );
        }
        for name in [
            "ivan",
            " ivan.p ",
            "i",
            "Ivan",
            "1van",
            "iv an",
            &"a".repeat(64),
            &"a".repeat(65),
        ] {
            let valid = repatria_core::parse_username(name).is_ok();
            assert_eq!(matches(USERNAME, name), valid, "USERNAME {name:?}");
        }
        for password in [
            "correct horse battery",
            "            ",
            "\u{3000}".repeat(12).as_str(),
            "\u{7}           ",
        ] {
            let valid = repatria_core::check_new_password(password).is_ok();
            let schema = password.chars().count() >= 12 && matches(PASSWORD, password);
            assert_eq!(schema, valid, "PASSWORD {password:?}");
        }
        for domain in [
            "bureau.example",
            "a",
            "a1.b-2.c",
            "0",
            "a.",
            ".a",
            "a..b",
            "a-.b",
            "Bureau.example",
            "a.1b",
        ] {
            let valid = repatria_lists::check_record_domain(domain).is_ok()
                && domain.bytes().all(|b| !b.is_ascii_uppercase());
            assert_eq!(matches(DOMAIN, domain), valid, "DOMAIN {domain:?}");
        }
        for q in ["Petrenko", " ", "", "'", "Пе", "-- ''", "_"] {
            let valid = q.trim().is_empty()
                || repatria_core::fold_for_search(q)
                    .chars()
                    .any(char::is_alphanumeric);
            assert_eq!(matches(SEARCH, q), valid, "SEARCH {q:?}");
        }
        let dates = [
            "1990",
            "1990-05",
            "1990-05-17",
            " 1990-05 ",
            "90",
            "1990-13",
            "1990-5",
            "1899",
            "2100",
            "2101",
            "1900-02-29",
            "2000-02-29",
            "2004-02-29",
            "2003-02-29",
            "2100-02-29",
            "1990-04-31",
            "1990-12-31",
            "",
            "  ",
        ];
        for date in dates {
            let valid = date.trim().is_empty() || repatria_core::PartialDate::parse(date).is_ok();
            assert_eq!(matches(PARTIAL_DATE, date), valid, "PARTIAL_DATE {date:?}");
        }
        // Every day of the years around the edges and a leap year or two.
        for year in [1900, 1901, 1996, 2000, 2023, 2024, 2100] {
            for month in 1..=12 {
                for day in 1..=31 {
                    let date = format!("{year:04}-{month:02}-{day:02}");
                    let valid = repatria_core::PartialDate::parse(&date).is_ok();
                    assert_eq!(matches(PARTIAL_DATE, &date), valid, "PARTIAL_DATE {date:?}");
                }
            }
        }
    }

    /// Every closed set of words is documented with all its words.
    #[test]
    fn closed_sets_list_every_word() {
        for (name, words) in declared() {
            assert!(!words.is_empty(), "{name}");
        }
        let json =
            serde_json::to_value(<HealthCategory as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(json["enum"].as_array().unwrap().len(), 7);
    }
}
