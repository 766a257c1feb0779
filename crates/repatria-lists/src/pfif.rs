//! PFIF, the People Finder Interchange Format: reading person records (versions 1.1 to
//! 1.4) into entries, and writing PFIF 1.4 for export.
//!
//! Field names and the required fields follow the PFIF 1.4 specification: a person
//! record has `person_record_id` (`domain/unique`), `source_date` and `full_name`
//! (plus `entry_date` from a repository); a note has `note_record_id`, `author_name` and
//! `source_date`. Elements appear in the specification's order. A person record's author
//! (`author_name`, `author_email`, `author_phone`) is read as the inquirer of a tracing
//! request, with the relation "not stated" (PFIF carries none).
//!
//! What [`write_pfif`] writes is checked by Person Finder's own validator in the tests
//! (`tests/personfinder/`, which says where it comes from and what was changed).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use repatria_core::{FieldError, PartialDate};

use crate::entry::{parse_country, NO_NAME};
use crate::limits::{check_file_bytes, too_large, Tally};
use crate::table::Lines;
use crate::{Entry, Field, Limits, ListError, ReadError, RowError, Sex};

/// The namespace of PFIF 1.4, which [`write_pfif`] writes.
pub const PFIF_1_4_NAMESPACE: &str = "http://zesty.ca/pfif/1.4";

/// The relation of a PFIF record's author to the person, which PFIF does not carry.
pub const PFIF_RELATION: &str = "not stated";

repatria_core::words! {
    /// What a note says of where the person is (PFIF 1.4 `status`), as its author
    /// believes it.
    pub enum PfifStatus {
        /// The author is looking for the person.
        InformationSought = "information_sought",
        /// The author is the person.
        IsNoteAuthor = "is_note_author",
        /// The author has information that the person is alive.
        BelievedAlive = "believed_alive",
        /// The author has reason to think that the person is missing.
        BelievedMissing = "believed_missing",
        /// The author has information that the person is dead.
        BelievedDead = "believed_dead",
    }
}

/// Checks the domain of record ids (`DOMAIN/unique`) as Person Finder's validator reads
/// PFIF record ids: labels of 1 to 63 ASCII letters, digits and hyphens joined by dots,
/// each beginning with a letter and ending with a letter or a digit (the preferred
/// syntax of RFC 1034), at most 253 characters in all. The error names `domain`.
pub fn check_record_domain(domain: &str) -> Result<(), FieldError> {
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        (1..=63).contains(&bytes.len())
            && bytes[0].is_ascii_alphabetic()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    };
    if domain.len() <= 253 && domain.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(FieldError::new(
            "domain",
            format!(
                "a domain name such as bureau.example, each part between dots beginning \
                 with a letter and ending with a letter or digit (PFIF record ids), got \
                 {domain:?}"
            ),
        ))
    }
}

/// Namespaces [`read_pfif`] accepts. The element names it reads are those of 1.4 and
/// their earlier names (`first_name`, `last_name`, `other`).
const READ_NAMESPACES: [&str; 4] = [
    "http://zesty.ca/pfif/1.1",
    "http://zesty.ca/pfif/1.2",
    "http://zesty.ca/pfif/1.3",
    PFIF_1_4_NAMESPACE,
];

/// A person record to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PfifPerson {
    /// `domain/unique`, such as `repatria.example/captive.<uuid>`; PFIF requires the
    /// domain of the repository that made the record.
    pub person_record_id: String,
    /// When the record was last changed here, RFC 3339 (`2026-11-27T14:00:00Z`); written
    /// in UTC to the second, as PFIF has it. Also written as `source_date`: the bureau
    /// is the record's original source.
    pub entry_date: String,
    pub source_name: String,
    pub full_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub sex: Option<Sex>,
    pub date_of_birth: Option<PartialDate>,
    /// ISO 3166-1 alpha-2.
    pub home_country: Option<String>,
    pub description: Option<String>,
    pub notes: Vec<PfifNote>,
}

/// A note on a person record, written inside its `<pfif:person>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PfifNote {
    /// `domain/unique`, like a person record id.
    pub note_record_id: String,
    /// RFC 3339, written as [`PfifPerson::entry_date`] is; also written as `source_date`.
    pub entry_date: String,
    pub author_name: String,
    /// When what the note says happened or became known at its source, RFC 3339 (such
    /// as the time of a death), written as [`PfifNote::entry_date`] is; `None` writes
    /// the entry date, the note's source being the bureau when it wrote it.
    pub source_date: Option<String>,
    pub status: Option<PfifStatus>,
    pub text: String,
}

/// Writes a PFIF 1.4 document (UTF-8): one `<pfif:person>` per person, its notes
/// inside it. Text is escaped, and characters XML 1.0 cannot carry are left out.
pub fn write_pfif(persons: &[PfifPerson]) -> String {
    let mut xml = XmlText(String::new());
    xml.0
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml.0, "<pfif:pfif xmlns:pfif=\"{PFIF_1_4_NAMESPACE}\">");
    for person in persons {
        xml.0.push_str("  <pfif:person>\n");
        let indent = "    ";
        let entry_date = pfif_instant(&person.entry_date);
        xml.field(indent, "person_record_id", &person.person_record_id);
        xml.field(indent, "entry_date", &entry_date);
        xml.field(indent, "source_name", &person.source_name);
        xml.field(indent, "source_date", &entry_date);
        xml.field(indent, "full_name", &person.full_name);
        xml.optional(indent, "given_name", person.given_name.as_deref());
        xml.optional(indent, "family_name", person.family_name.as_deref());
        xml.optional(indent, "description", person.description.as_deref());
        let sex = person.sex.map(|sex| match sex {
            Sex::Male => "male",
            Sex::Female => "female",
        });
        xml.optional(indent, "sex", sex);
        let date_of_birth = person.date_of_birth.map(|date| date.to_string());
        xml.optional(indent, "date_of_birth", date_of_birth.as_deref());
        // PFIF has the code in upper case.
        let home_country = person.home_country.as_deref().map(str::to_ascii_uppercase);
        xml.optional(indent, "home_country", home_country.as_deref());
        for note in &person.notes {
            xml.0.push_str("    <pfif:note>\n");
            let indent = "      ";
            let entry_date = pfif_instant(&note.entry_date);
            let source_date = note.source_date.as_deref().map(pfif_instant);
            xml.field(indent, "note_record_id", &note.note_record_id);
            xml.field(indent, "person_record_id", &person.person_record_id);
            xml.field(indent, "entry_date", &entry_date);
            xml.field(indent, "author_name", &note.author_name);
            xml.field(
                indent,
                "source_date",
                source_date.as_ref().unwrap_or(&entry_date),
            );
            xml.optional(indent, "status", note.status.map(|s| s.as_str()));
            xml.field(indent, "text", &note.text);
            xml.0.push_str("    </pfif:note>\n");
        }
        xml.0.push_str("  </pfif:person>\n");
    }
    xml.0.push_str("</pfif:pfif>\n");
    xml.0
}

/// An instant as PFIF writes it, `yyyy-mm-ddThh:mm:ssZ`: an RFC 3339 instant is turned
/// to UTC and loses its fraction of a second (the store keeps microseconds). Text that
/// is no RFC 3339 instant is written as given.
fn pfif_instant(text: &str) -> Cow<'_, str> {
    match DateTime::parse_from_rfc3339(text.trim()) {
        Ok(instant) => Cow::Owned(
            instant
                .with_timezone(&Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        ),
        Err(_) => Cow::Borrowed(text),
    }
}

/// A PFIF document being written.
struct XmlText(String);

impl XmlText {
    /// `<pfif:NAME>value</pfif:NAME>` on a line of its own.
    fn field(&mut self, indent: &str, name: &str, value: &str) {
        let _ = write!(self.0, "{indent}<pfif:{name}>");
        escape_into(&mut self.0, value);
        let _ = writeln!(self.0, "</pfif:{name}>");
    }

    /// A field that is left out when it has no value, as PFIF leaves out unknowns.
    fn optional(&mut self, indent: &str, name: &str, value: Option<&str>) {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.field(indent, name, value);
        }
    }
}

/// Escapes text content. A carriage return is written as a reference, or a reader
/// would turn `\r\n` into `\n`; characters XML 1.0 forbids are dropped.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// A `<pfif:person>` being read.
struct PersonInProgress {
    line: u64,
    /// Depth of the open-element stack with the person element on it.
    depth: usize,
    fields: Vec<(String, String)>,
    /// The PFIF field element open directly under the person, with its text so far.
    field: Option<(String, String)>,
}

/// Reads the `<pfif:person>` records of a PFIF document (1.1 to 1.4) into entries;
/// notes and unknown elements are ignored. `line` is where each person element starts.
///
/// `person_record_id` becomes `external_id` (required, unique in the file);
/// `full_name`, `given_name` (`first_name`), `family_name` (`last_name`), `sex` (`male`,
/// `female`; `other` leaves it unset), `date_of_birth` and `home_country` (an ISO code:
/// the nationality) map to the fields of the same meaning. `description` (`other`),
/// `alternate_names` and a home country that is no ISO code are kept in `note`.
///
/// The document must be UTF-8. Every bad record is reported ([`ReadError::Rows`]); XML
/// that is not well-formed ends reading with an error naming the line where it goes
/// wrong. Within [`Limits::default`].
pub fn read_pfif(bytes: &[u8]) -> Result<Vec<Entry>, ReadError> {
    read_pfif_with(bytes, &Limits::default())
}

/// [`read_pfif`] within the given limits: the file's bytes, person records
/// ([`Limits::rows`]), a field's text ([`Limits::cell_bytes`]), fields in all
/// ([`Limits::cells`], [`Limits::text_bytes`]) and the nesting of elements
/// ([`Limits::xml_depth`]); beyond one, [`ListError::TooLarge`].
pub fn read_pfif_with(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>, ReadError> {
    check_file_bytes(bytes, limits)?;
    read_persons(bytes, limits).map_err(|e| e.map_or_else(ReadError::List, ReadError::Rows))
}

/// The reading of [`read_pfif_with`]: `Err(Ok(rows))` for bad records, `Err(Err(limit))`
/// for a limit crossed.
fn read_persons(
    bytes: &[u8],
    limits: &Limits,
) -> Result<Vec<Entry>, Result<Vec<RowError>, ListError>> {
    // PFIF is UTF-8 (XML's default); a byte order mark is allowed.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines = Lines::new(bytes, 1);
    let text = std::str::from_utf8(bytes).map_err(|error| {
        Ok(vec![RowError::new(
            lines.line_of(error.valid_up_to()),
            None,
            "not UTF-8 text; PFIF documents are UTF-8",
        )])
    })?;
    let mut tally = Tally::default();
    let mut persons = 0usize;
    let mut reader = NsReader::from_str(text);
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut lines_of_ids: HashMap<String, u64> = HashMap::new();
    // Each open element's qualified name and line.
    let mut open: Vec<(String, u64)> = Vec::new();
    let mut person: Option<PersonInProgress> = None;
    let mut saw_root = false;
    loop {
        let position = reader.buffer_position() as usize;
        let (pfif, event) = match reader.read_resolved_event() {
            Ok((namespace, event)) => (is_pfif(&namespace), event),
            Err(error) => {
                let line = lines.line_of(reader.error_position() as usize);
                errors.push(RowError::new(
                    line,
                    None,
                    format!("not well-formed XML: {error}"),
                ));
                return Err(Ok(errors));
            }
        };
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let is_empty = matches!(event, Event::Empty(_));
                let line = lines.line_of(position);
                let local = start.local_name().as_ref().to_string();
                let qualified = start.name().as_ref().to_string();
                if open.is_empty() && !(pfif && local == "pfif") {
                    errors.push(RowError::new(
                        line,
                        None,
                        format!(
                            "not a PFIF document: the root element is <{qualified}>, not \
                             <pfif:pfif xmlns:pfif=\"{PFIF_1_4_NAMESPACE}\">"
                        ),
                    ));
                    return Err(Ok(errors));
                }
                saw_root = true;
                if open.len() >= limits.xml_depth {
                    return Err(Err(too_large(
                        "levels of nested elements",
                        limits.xml_depth,
                    )));
                }
                match &mut person {
                    None if pfif && local == "person" => {
                        persons += 1;
                        if persons > limits.rows {
                            return Err(Err(too_large("person records", limits.rows)));
                        }
                        person = Some(PersonInProgress {
                            line,
                            depth: open.len() + 1,
                            fields: Vec::new(),
                            field: None,
                        });
                    }
                    Some(current) if pfif && open.len() == current.depth => {
                        current.field = Some((local, String::new()));
                    }
                    _ => {}
                }
                if is_empty {
                    // An empty element opens and closes at once.
                    close(
                        open.len() + 1,
                        &mut person,
                        &mut entries,
                        &mut errors,
                        &mut lines_of_ids,
                    );
                } else {
                    open.push((qualified, line));
                }
            }
            Event::End(_) => {
                if let Some((_, text)) = person
                    .as_ref()
                    .filter(|p| open.len() == p.depth + 1)
                    .and_then(|p| p.field.as_ref())
                {
                    // A field ends: one cell of the person's record.
                    tally.cell(text.len(), limits).map_err(Err)?;
                }
                close(
                    open.len(),
                    &mut person,
                    &mut entries,
                    &mut errors,
                    &mut lines_of_ids,
                );
                open.pop();
            }
            Event::Text(ref text) => {
                if let Some(field_text) = field_text(&mut person, open.len()) {
                    field_text.push_str(&text.xml10_content());
                    check_field(field_text, limits)?;
                }
            }
            Event::CData(ref data) => {
                if let Some(field_text) = field_text(&mut person, open.len()) {
                    field_text.push_str(&data.xml10_content());
                    check_field(field_text, limits)?;
                }
            }
            Event::GeneralRef(ref reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => resolve_predefined_entity(reference).map(str::to_string),
                    Err(_) => None,
                };
                let Some(resolved) = resolved else {
                    errors.push(RowError::new(
                        lines.line_of(position),
                        None,
                        format!("not well-formed XML: unknown entity &{};", &**reference),
                    ));
                    return Err(Ok(errors));
                };
                if let Some(field_text) = field_text(&mut person, open.len()) {
                    field_text.push_str(&resolved);
                    check_field(field_text, limits)?;
                }
            }
            Event::Eof => {
                if let Some((name, line)) = open.last() {
                    errors.push(RowError::new(
                        *line,
                        None,
                        format!("not well-formed XML: <{name}> is never closed"),
                    ));
                } else if !saw_root {
                    errors.push(RowError::new(
                        1,
                        None,
                        "not a PFIF document: it has no root element",
                    ));
                }
                break;
            }
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(Ok(errors))
    }
}

/// A field's text so far must be within [`Limits::cell_bytes`].
fn check_field(text: &str, limits: &Limits) -> Result<(), Result<Vec<RowError>, ListError>> {
    if text.len() > limits.cell_bytes {
        return Err(Err(too_large("bytes in one field", limits.cell_bytes)));
    }
    Ok(())
}

fn is_pfif(namespace: &ResolveResult<'_>) -> bool {
    match namespace {
        ResolveResult::Bound(namespace) => {
            READ_NAMESPACES.contains(&namespace.as_ref().trim_end_matches('/'))
        }
        _ => false,
    }
}

/// The text of the field being read, if the reader is directly inside one.
fn field_text(person: &mut Option<PersonInProgress>, depth: usize) -> Option<&mut String> {
    let person = person.as_mut()?;
    if depth != person.depth + 1 {
        return None;
    }
    person.field.as_mut().map(|(_, text)| text)
}

/// Handles the end of the element at `depth` (1 = the root): a field ends, or a person.
fn close(
    depth: usize,
    person: &mut Option<PersonInProgress>,
    entries: &mut Vec<Entry>,
    errors: &mut Vec<RowError>,
    lines_of_ids: &mut HashMap<String, u64>,
) {
    let Some(current) = person else { return };
    if depth == current.depth + 1 {
        if let Some(field) = current.field.take() {
            current.fields.push(field);
        }
    } else if depth == current.depth {
        let done = person.take().expect("checked above");
        match person_entry(&done, lines_of_ids) {
            Ok(entry) => entries.push(entry),
            Err(mut record_errors) => errors.append(&mut record_errors),
        }
    }
}

/// Validates one person record's fields into an entry.
fn person_entry(
    person: &PersonInProgress,
    lines_of_ids: &mut HashMap<String, u64>,
) -> Result<Entry, Vec<RowError>> {
    let line = person.line;
    let mut entry = Entry {
        line,
        ..Entry::default()
    };
    let mut errors = Vec::new();
    let mut description = None;
    let mut alternate_names = None;
    let mut home_country_text = None;
    let mut author_contact: Vec<&str> = Vec::new();
    for (name, text) in &person.fields {
        let field = match name.as_str() {
            "person_record_id" => Some(Field::ExternalId),
            // The record's author is the one who asks about the person: the inquirer of
            // a tracing request (name; e-mail and phone as the contact).
            "author_name" => Some(Field::InquirerName),
            "author_email" | "author_phone" => {
                author_contact.extend(Some(text.trim()).filter(|t| !t.is_empty()));
                None
            }
            "full_name" => Some(Field::FullName),
            "given_name" | "first_name" => Some(Field::GivenName),
            "family_name" | "last_name" => Some(Field::FamilyName),
            "date_of_birth" => Some(Field::DateOfBirth),
            "sex" => {
                match text.trim() {
                    "male" => entry.sex = Some(Sex::Male),
                    "female" => entry.sex = Some(Sex::Female),
                    "other" | "" => {}
                    other => errors.push(RowError::new(
                        line,
                        Some("sex"),
                        format!("not a PFIF sex (male, female or other): {other}"),
                    )),
                }
                None
            }
            "home_country" => {
                let text = text.trim();
                match parse_country(text) {
                    Ok(code) => entry.nationality = Some(code),
                    Err(_) if !text.is_empty() => home_country_text = Some(text),
                    Err(_) => {}
                }
                None
            }
            "description" | "other" => {
                description = Some(text.trim()).filter(|t| !t.is_empty());
                None
            }
            "alternate_names" => {
                alternate_names = Some(text.trim()).filter(|t| !t.is_empty());
                None
            }
            _ => None,
        };
        if let Some(field) = field {
            if let Err(reason) = entry.set(field, text) {
                errors.push(RowError::new(line, Some(name), reason));
            }
        }
    }
    if !author_contact.is_empty() {
        if let Err(reason) = entry.set(Field::InquirerContact, &author_contact.join(", ")) {
            errors.push(RowError::new(line, Some("author_email"), reason));
        }
    }
    // PFIF carries no relation of the author to the person: "not stated", not missing.
    if entry.inquirer_name.is_some() || entry.inquirer_contact.is_some() {
        entry.inquirer_relation = Some(PFIF_RELATION.to_string());
    }
    let mut note_parts = Vec::new();
    note_parts.extend(description.map(str::to_string));
    note_parts.extend(alternate_names.map(|names| format!("alternate names: {names}")));
    note_parts.extend(home_country_text.map(|country| format!("home country: {country}")));
    if !note_parts.is_empty() {
        entry.note = Some(note_parts.join("\n"));
    }
    if !entry.has_name() {
        errors.push(RowError::new(line, None, NO_NAME));
    }
    match &entry.external_id {
        None => errors.push(RowError::new(
            line,
            Some("person_record_id"),
            "missing; every PFIF person record has one",
        )),
        Some(id) => {
            if let Some(first) = lines_of_ids.get(id) {
                errors.push(RowError::new(
                    line,
                    Some("person_record_id"),
                    format!("{id} is already on line {first}"),
                ));
            } else {
                lines_of_ids.insert(id.clone(), line);
            }
        }
    }
    if errors.is_empty() {
        Ok(entry)
    } else {
        Err(errors)
    }
}
