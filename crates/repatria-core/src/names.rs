//! Personal names in their original script, and the folding used by registry search.
//!
//! Transliteration across scripts belongs to the matching engine (`repatria-match`); this
//! module only makes search insensitive to case and diacritics within one script.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::error::{FieldError, Validator};
use crate::party::optional_text;

/// A name as written in one script: family name, given name(s) and patronymic
/// (father's name, as used in Ukrainian and Russian names and on the capture card).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PersonName {
    pub family: Option<String>,
    pub given: Option<String>,
    pub patronymic: Option<String>,
}

impl PersonName {
    /// Validates and trims the parts; empty parts become absent.
    pub fn new(
        family: Option<&str>,
        given: Option<&str>,
        patronymic: Option<&str>,
    ) -> Result<PersonName, Vec<FieldError>> {
        let mut v = Validator::new();
        let mut part = |value: Option<&str>, field: &str| {
            value.and_then(|s| {
                v.check(optional_text(s, 120).map_err(|e| e.within(field)))
                    .flatten()
            })
        };
        let name = PersonName {
            family: part(family, "family_name"),
            given: part(given, "given_name"),
            patronymic: part(patronymic, "patronymic"),
        };
        let errors = v.into_errors();
        if errors.is_empty() {
            Ok(name)
        } else {
            Err(errors)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.family.is_none() && self.given.is_none() && self.patronymic.is_none()
    }

    /// The name as a person reads it in lists: `FAMILY, Given Patronymic`.
    pub fn display(&self) -> String {
        let rest: Vec<&str> = [self.given.as_deref(), self.patronymic.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        match (&self.family, rest.is_empty()) {
            (Some(f), true) => f.clone(),
            (Some(f), false) => format!("{f}, {}", rest.join(" ")),
            (None, _) => rest.join(" "),
        }
    }
}

/// Folds text for search: compatibility decomposition, diacritics removed, lower case,
/// apostrophes dropped (Ukrainian `Мар'яна` and `Марʼяна` are the same name). Hangul
/// syllables are recomposed so that they stay whole.
pub fn fold_for_search(text: &str) -> String {
    let stripped: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '`' | '\u{2018}'))
        .collect();
    stripped.nfc().flat_map(char::to_lowercase).collect()
}

/// The search tokens of a name: each word folded by [`fold_for_search`]. A Korean name
/// written as one Hangul word (`김철수`) also yields its given name (`철수`), because the
/// family name is written first without a space.
pub fn search_tokens(text: &str) -> Vec<String> {
    let folded = fold_for_search(text);
    let mut tokens = Vec::new();
    for word in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        tokens.push(word.to_string());
        let syllables: Vec<char> = word.chars().collect();
        if (2..=4).contains(&syllables.len()) && syllables.iter().all(|c| is_hangul_syllable(*c)) {
            tokens.push(syllables[1..].iter().collect());
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        assert_eq!(fold_for_search(input), expect, "input {input:?}");
    }

    #[test]
    fn folding_ignores_case_and_diacritics_in_every_script() {
        check("Šimon Dvořák", "simon dvorak");
        check("ШЕВЧЕНКО", "шевченко");
        check("Фёдор", "федор");
        check("Мар'яна", "маряна");
        check("Марʼяна", "маряна");
        check("Їжак", "іжак");
        check("김철수", "김철수");
        check("ＫＩＭ", "kim");
    }

    #[test]
    fn tokens_split_words_and_add_the_korean_given_name() {
        assert_eq!(
            search_tokens("Шевченко-Коваль  Тарас"),
            vec!["коваль", "тарас", "шевченко"]
        );
        assert_eq!(search_tokens("김철수"), vec!["김철수", "철수"]);
        assert_eq!(search_tokens("  "), Vec::<String>::new());
    }

    #[test]
    fn names_validate_each_part_and_display_family_first() {
        let name = PersonName::new(Some(" Шевченко "), Some("Тарас"), Some("")).unwrap();
        assert_eq!(name.patronymic, None);
        assert_eq!(name.display(), "Шевченко, Тарас");
        let long = "я".repeat(121);
        let errors = PersonName::new(Some(&long), Some("a\u{7}b"), None).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["family_name", "given_name"]);
    }
}
