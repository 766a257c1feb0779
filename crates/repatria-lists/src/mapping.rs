//! Which column holds which field: proposed from the header names, then corrected by the user.

use crate::{Field, ListError};

/// Column index → field. A column holds at most one field and a field comes from at
/// most one column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mapping {
    /// `(column index, field)`, in column order.
    pub columns: Vec<(usize, Field)>,
}

/// Header names per field, written as [`header_key`] folds them: lower case, without
/// spaces, punctuation or a parenthesised remark. Several lists label the same field
/// differently; these are the labels seen in English, Ukrainian and Russian lists (and
/// the field names themselves, so that a list in the CSV contract's columns maps).
#[rustfmt::skip]
const SYNONYMS: &[(Field, &[&str])] = &[
    (Field::ExternalId, &[
        "id", "№", "no", "nr", "#", "№пп", "пп", "number", "recordid", "externalid",
        "personrecordid", "номер", "номерзапису", "номерзаписи",
    ]),
    (Field::FullName, &[
        "fullname", "name", "піб", "піп", "фио", "прізвищеімяпобатькові", "прізвищеімя",
        "імятапрізвище", "фамилияимяотчество", "фамилияимя", "повнеімя", "полноеимя",
        "nameandsurname", "surnameandname",
    ]),
    (Field::FamilyName, &["familyname", "surname", "lastname", "прізвище", "фамилия"]),
    (Field::GivenName, &["givenname", "firstname", "forename", "імя", "имя"]),
    (Field::Patronymic, &["patronymic", "middlename", "fathersname", "побатькові", "отчество"]),
    (Field::DateOfBirth, &[
        "dateofbirth", "dob", "birthdate", "born", "yearofbirth", "датанародження",
        "рікнародження", "народився", "датарождения", "годрождения", "родился",
    ]),
    (Field::Sex, &["sex", "gender", "стать", "пол"]),
    (Field::PlaceOfBirth, &["placeofbirth", "birthplace", "місценародження", "месторождения"]),
    (Field::Nationality, &["nationality", "citizenship", "громадянство", "гражданство"]),
    (Field::Unit, &[
        "unit", "militaryunit", "військовачастина", "вч", "частина", "підрозділ",
        "воинскаячасть", "часть", "подразделение",
    ]),
    (Field::ServiceNumber, &[
        "servicenumber", "personalnumber", "serviceno", "особистийномер", "жетон",
        "номержетону", "личныйномер", "номержетона",
    ]),
    (Field::Rank, &["rank", "звання", "військовезвання", "звание", "воинскоезвание"]),
    (Field::LastSeenPlace, &[
        "lastseenplace", "placelastseen", "lastseenat", "lastknownlocation", "місцезникнення",
        "останнєвідомемісцеперебування", "останнємісцеперебування", "местоисчезновения",
        "местопропажи", "последнееместонахождения", "последнееизвестноеместонахождения",
    ]),
    (Field::LastSeenDate, &[
        "lastseendate", "datelastseen", "lastseenon", "датазникнення",
        "датаостанньогоконтакту", "датаисчезновения", "датапропажи",
        "датапоследнегоконтакта",
    ]),
    (Field::InquirerName, &[
        "inquirername", "inquirer", "enquirer", "requester", "requestedby", "заявник",
        "пібзаявника", "хтошукає", "заявитель", "фиозаявителя", "ктоищет",
    ]),
    (Field::InquirerRelation, &[
        "inquirerrelation", "relation", "relationship", "kinship", "ступіньспорідненості",
        "спорідненість", "родство", "степеньродства", "ктоприходится",
    ]),
    (Field::InquirerContact, &[
        "inquirercontact", "contact", "contacts", "phone", "telephone", "email",
        "телефон", "контакт", "контакти", "телефонзаявника", "електроннапошта", "контакты",
        "электроннаяпочта",
    ]),
    (Field::Note, &[
        "note", "notes", "remark", "remarks", "comment", "comments", "description",
        "примітка", "примітки", "коментар", "примечание", "примечания", "комментарий",
    ]),
];

/// A header folded for comparison: lower case, `ё` as `е`, a parenthesised remark
/// dropped (`Дата рождения (ДД.ММ.ГГГГ)`), and only letters, digits, `№` and `#` kept,
/// so that `Date of birth`, `DATE_OF_BIRTH` and `date-of-birth` are one key and
/// `Ім'я` is `імя`, `в/ч` is `вч`.
pub(crate) fn header_key(header: &str) -> String {
    let mut key = String::new();
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            'ё' | 'Ё' => key.push('е'),
            '№' | '#' => key.push(c),
            _ if c.is_alphanumeric() => key.extend(c.to_lowercase()),
            _ => {}
        }
    }
    if key.is_empty() {
        // A header that is all remark, like "(ID)", keeps its inside.
        return header
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '№' | '#'))
            .flat_map(char::to_lowercase)
            .collect();
    }
    key
}

/// The field a header names, if it is one we know.
fn field_of_header(header: &str) -> Option<Field> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    let exact = SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(field, _)| *field);
    // "ПІБ полоненого", "ФИО военнослужащего", "Прізвище, ім'я та по батькові": the
    // full-name abbreviations and phrases are unambiguous at the start of a header.
    exact.or_else(|| {
        FULL_NAME_PREFIXES
            .iter()
            .any(|prefix| key.starts_with(prefix))
            .then_some(Field::FullName)
    })
}

const FULL_NAME_PREFIXES: &[&str] = &["піб", "фио", "прізвищеімя", "фамилияимя"];

/// Proposes a mapping from header names in English, Ukrainian and Russian, ignoring
/// case, spaces and punctuation. Unknown headers stay unmapped; when two columns name
/// the same field, the first wins.
///
/// A header that starts with a full-name abbreviation or phrase (`ПІБ полоненого`,
/// `ФИО военнослужащего`, `Прізвище, ім'я та по батькові`) names the full name.
/// A column headed just `Name` beside a family-name column holds the given name (a
/// translation of `Ім'я`/`Имя` next to `Surname`); elsewhere it holds the full name.
pub fn propose_mapping(headers: &[String]) -> Mapping {
    let mut fields: Vec<Option<Field>> = headers.iter().map(|h| field_of_header(h)).collect();
    let has_family_name = fields.contains(&Some(Field::FamilyName));
    let has_given_name = fields.contains(&Some(Field::GivenName));
    if has_family_name && !has_given_name {
        if let Some(column) = headers.iter().position(|h| header_key(h) == "name") {
            fields[column] = Some(Field::GivenName);
        }
    }
    let mut mapping = Mapping::default();
    for (column, field) in fields.into_iter().enumerate() {
        if let Some(field) = field {
            if mapping.column_of(field).is_none() {
                mapping.columns.push((column, field));
            }
        }
    }
    mapping
}

impl Mapping {
    /// Applies the user's corrections, each `HEADER=field`, or `HEADER=` or
    /// `HEADER=ignore` to leave the column unmapped. `HEADER` is the column's header as
    /// written, or folded as in [`propose_mapping`] when no header is written so; a
    /// field taken from another column leaves that column unmapped. The error names the
    /// unknown header or field.
    pub fn with_overrides(
        mut self,
        headers: &[String],
        overrides: &[String],
    ) -> Result<Mapping, ListError> {
        for item in overrides {
            let (header, field) = item
                .rsplit_once('=')
                .ok_or_else(|| ListError::BadOverride(item.clone()))?;
            let header = header.trim();
            let column = headers
                .iter()
                .position(|h| h.trim() == header)
                .or_else(|| {
                    let key = header_key(header);
                    let known = !key.is_empty();
                    headers.iter().position(|h| known && header_key(h) == key)
                })
                .filter(|_| !header.is_empty())
                .ok_or_else(|| ListError::UnknownHeader(header.to_string()))?;
            let field = field.trim();
            let field = if field.is_empty() || field.eq_ignore_ascii_case("ignore") {
                None
            } else {
                Some(Field::parse(field).map_err(|_| ListError::UnknownField(field.into()))?)
            };
            self.columns
                .retain(|&(c, f)| c != column && Some(f) != field);
            if let Some(field) = field {
                self.columns.push((column, field));
            }
        }
        self.columns.sort_by_key(|&(column, _)| column);
        Ok(self)
    }

    /// The field read from `column`, if any.
    pub fn field_of(&self, column: usize) -> Option<Field> {
        self.columns
            .iter()
            .find(|&&(c, _)| c == column)
            .map(|&(_, field)| field)
    }

    /// The column `field` is read from, if any.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .find(|&&(_, f)| f == field)
            .map(|&(column, _)| column)
    }

    /// One line per header, `HEADER → field` or `HEADER → (ignored)`, for showing the
    /// user what will be read before anything is.
    pub fn describe(&self, headers: &[String]) -> Vec<String> {
        headers
            .iter()
            .enumerate()
            .map(|(column, header)| match self.field_of(column) {
                Some(field) => format!("{header} → {field}"),
                None => format!("{header} → (ignored)"),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys_ignore_case_spacing_punctuation_and_remarks() {
        assert_eq!(header_key("Date of birth"), "dateofbirth");
        assert_eq!(header_key("DATE_OF_BIRTH"), "dateofbirth");
        assert_eq!(header_key("Ім'я"), "імя");
        assert_eq!(header_key("в/ч"), "вч");
        assert_eq!(header_key("Дата рождения (ДД.ММ.ГГГГ)"), "датарождения");
        assert_eq!(header_key("№ п/п"), "№пп");
        assert_eq!(header_key("(ID)"), "id");
        assert_eq!(header_key("Отчёт"), "отчет");
    }

    #[test]
    fn every_synonym_is_a_folded_key_and_names_one_field() {
        let mut seen = std::collections::HashMap::new();
        for (field, names) in SYNONYMS {
            for name in *names {
                let key = header_key(name);
                assert_eq!(&key, name, "write synonyms folded");
                if let Some(other) = seen.insert(key.clone(), *field) {
                    assert_eq!(other, *field, "{name:?} names both {other} and {field}");
                }
            }
        }
        for &field in Field::ALL {
            assert_eq!(field_of_header(field.as_str()), Some(field), "{field}");
        }
    }
}
