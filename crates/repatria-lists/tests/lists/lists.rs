//! Reading lists as they arrive (CSV, XLSX, PFIF) and writing PFIF, on fictional data.

use repatria_core::PartialDate;
use repatria_lists::{
    propose_mapping, read_entries, read_list, read_pfif, read_table, write_pfif, Entry, Field,
    Format, ListError, Mapping, PfifNote, PfifPerson, PfifStatus, ReadError, RowError, Sex, Table,
};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn date(text: &str) -> PartialDate {
    PartialDate::parse(text).unwrap()
}

/// Proposes a mapping for `headers` and checks the field of every column (`None`:
/// unmapped).
fn check_mapping(headers: &[&str], expect: &[Option<Field>]) {
    let headers = strings(headers);
    let mapping = propose_mapping(&headers);
    let got: Vec<Option<Field>> = (0..headers.len()).map(|c| mapping.field_of(c)).collect();
    assert_eq!(got, expect, "headers {headers:?}");
}

/// The columns of a person every language's full template starts with, in its order.
const PERSON: [Option<Field>; 11] = [
    Some(Field::ExternalId),
    Some(Field::FamilyName),
    Some(Field::GivenName),
    Some(Field::Patronymic),
    Some(Field::DateOfBirth),
    Some(Field::Sex),
    Some(Field::PlaceOfBirth),
    Some(Field::Nationality),
    Some(Field::Unit),
    Some(Field::ServiceNumber),
    Some(Field::Rank),
];

fn csv_table(text: &str) -> Table {
    read_table(Format::Csv, text.as_bytes()).unwrap()
}

/// Reads a CSV list with the proposed mapping.
fn read_csv(text: &str) -> Result<Vec<Entry>, Vec<RowError>> {
    let table = csv_table(text);
    read_entries(&table, &propose_mapping(&table.headers))
}

/// The errors as displayed, one string each.
fn displayed(errors: &[RowError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

// ---------------------------------------------------------------------------------------
// Formats and fields

#[test]
fn the_format_comes_from_the_extension_or_its_name() {
    assert_eq!(Format::from_file_name("list.csv"), Some(Format::Csv));
    assert_eq!(Format::from_file_name("/tmp/LIST.XLSX"), Some(Format::Xlsx));
    assert_eq!(Format::from_file_name("feed.xml"), Some(Format::Pfif));
    assert_eq!(Format::from_file_name("feed.Pfif"), Some(Format::Pfif));
    assert_eq!(Format::from_file_name("list.xls"), None);
    assert_eq!(Format::from_file_name("csv"), None);
    for format in [Format::Csv, Format::Xlsx, Format::Pfif] {
        assert_eq!(Format::parse(format.as_str()), Ok(format));
    }
    assert_eq!(Format::parse("XLSX"), Ok(Format::Xlsx));
    assert!(Format::parse("ods").is_err());
}

#[test]
fn without_a_name_the_content_tells_the_format() {
    assert_eq!(Format::of_content(b"PK\x03\x04\x14\x00"), Format::Xlsx);
    assert_eq!(
        Format::of_content(b"\xEF\xBB\xBF\n  <?xml version=\"1.0\"?><pfif:pfif/>"),
        Format::Pfif
    );
    assert_eq!(Format::of_content(b"<pfif:pfif/>"), Format::Pfif);
    assert_eq!(
        Format::of_content("surname,name\nШевченко,Тарас\n".as_bytes()),
        Format::Csv
    );
    assert_eq!(Format::of_content(b""), Format::Csv);
    // A workbook named nothing reads as the workbook it is.
    let sheet = repatria_lists::testing::sheet(None, &[&[("A1", "surname"), ("B1", "name")]]);
    let book = repatria_lists::testing::workbook(&sheet, None);
    assert_eq!(Format::of_content(&book), Format::Xlsx);
}

#[test]
fn every_field_parses_back_from_its_name() {
    for &field in Field::ALL {
        assert_eq!(Field::parse(field.as_str()), Ok(field));
    }
    assert_eq!(Field::ExternalId.as_str(), "external_id");
    assert_eq!(Field::InquirerContact.as_str(), "inquirer_contact");
    assert_eq!(Field::parse("Date-Of-Birth"), Ok(Field::DateOfBirth));
    assert!(Field::parse("birthday").is_err());
}

// ---------------------------------------------------------------------------------------
// Mapping

#[test]
fn english_headers_are_mapped() {
    use Field::*;
    check_mapping(
        &[
            "ID",
            "Surname",
            "First name",
            "Patronymic",
            "Date of birth",
            "Sex",
            "Place of birth",
            "Citizenship",
            "Military unit",
            "Service number",
            "Rank",
            "Last seen place",
            "Last seen date",
            "Inquirer name",
            "Relationship",
            "E-mail",
            "Notes",
            "Shoe size",
        ],
        &[
            &PERSON[..],
            &[
                Some(LastSeenPlace),
                Some(LastSeenDate),
                Some(InquirerName),
                Some(InquirerRelation),
                Some(InquirerContact),
                Some(Note),
                None,
            ],
        ]
        .concat(),
    );
    check_mapping(
        &[
            "No.",
            "Full name",
            "DOB",
            "Gender",
            "Personal number",
            "Nationality",
        ],
        &[
            Some(ExternalId),
            Some(FullName),
            Some(DateOfBirth),
            Some(Sex),
            Some(ServiceNumber),
            Some(Nationality),
        ],
    );
    check_mapping(
        &["LAST_NAME", "given-name", "  Unit  "],
        &[Some(FamilyName), Some(GivenName), Some(Unit)],
    );
}

#[test]
fn ukrainian_headers_are_mapped() {
    use Field::*;
    check_mapping(
        &[
            "№",
            "Прізвище",
            "Ім'я",
            "По батькові",
            "Дата народження",
            "Стать",
            "Місце народження",
            "Громадянство",
            "Військова частина",
            "Особистий номер",
            "Звання",
            "Заявник",
            "Ступінь спорідненості",
            "Телефон",
            "Примітка",
        ],
        &[
            &PERSON[..],
            &[
                Some(InquirerName),
                Some(InquirerRelation),
                Some(InquirerContact),
                Some(Note),
            ],
        ]
        .concat(),
    );
    check_mapping(
        &["ПІБ полоненого", "Прізвище, ім'я та по батькові"],
        &[Some(FullName), None],
    );
    check_mapping(&["Прізвище, ім'я та по батькові"], &[Some(FullName)]);
    check_mapping(
        &["ПІБ", "в/ч", "Жетон", "Ім’я"],
        &[
            Some(FullName),
            Some(Unit),
            Some(ServiceNumber),
            Some(GivenName),
        ],
    );
}

#[test]
fn russian_headers_are_mapped() {
    use Field::*;
    check_mapping(
        &[
            "№ п/п",
            "Фамилия",
            "Имя",
            "Отчество",
            "Дата рождения (ДД.ММ.ГГГГ)",
            "Пол",
            "Место рождения",
            "Гражданство",
            "Воинская часть",
            "Личный номер",
            "Звание",
            "Родство",
            "Контакт",
            "Примечание",
        ],
        &[
            &PERSON[..],
            &[Some(InquirerRelation), Some(InquirerContact), Some(Note)],
        ]
        .concat(),
    );
    check_mapping(
        &["ФИО", "Дата Рождения"],
        &[Some(FullName), Some(DateOfBirth)],
    );
    check_mapping(
        &["Фамилия, имя, отчество военнослужащего", "Фамилия"],
        &[Some(FullName), Some(FamilyName)],
    );
}

#[test]
fn a_field_named_twice_is_taken_from_the_first_column() {
    use Field::*;
    check_mapping(
        &["Фамилия", "Surname", "ПІБ", "Full name"],
        &[Some(FamilyName), None, Some(FullName), None],
    );
}

#[test]
fn name_beside_a_surname_is_the_given_name() {
    use Field::*;
    check_mapping(
        &["Surname", "Name", "Patronymic"],
        &[Some(FamilyName), Some(GivenName), Some(Patronymic)],
    );
    check_mapping(&["Name", "Unit"], &[Some(FullName), Some(Unit)]);
    check_mapping(
        &["Surname", "First name", "Name"],
        &[Some(FamilyName), Some(GivenName), Some(FullName)],
    );
}

#[test]
fn overrides_remap_unmap_and_move_fields() {
    let headers = strings(&["№", "Прізвище", "Ім'я", "Позивний", "Телефон"]);
    let mapping = propose_mapping(&headers)
        .with_overrides(
            &headers,
            &strings(&[
                "Позивний=note",
                "Телефон=",
                "№=ignore",
                // Moves given_name away from "Ім'я", which is left unmapped.
                "прізвище = given_name",
            ]),
        )
        .unwrap();
    assert_eq!(
        mapping,
        Mapping {
            columns: vec![(1, Field::GivenName), (3, Field::Note)]
        }
    );
    assert_eq!(mapping.field_of(2), None);
    assert_eq!(mapping.column_of(Field::Note), Some(3));
}

#[test]
fn overrides_name_the_unknown_header_or_field() {
    let headers = strings(&["Surname", "Name"]);
    let proposed = propose_mapping(&headers);
    assert_eq!(
        proposed
            .clone()
            .with_overrides(&headers, &strings(&["Callsign=note"])),
        Err(ListError::UnknownHeader("Callsign".into()))
    );
    let error = proposed
        .clone()
        .with_overrides(&headers, &strings(&["Surname=last_name"]))
        .unwrap_err();
    assert_eq!(error, ListError::UnknownField("last_name".into()));
    assert!(error.to_string().contains("family_name"), "{error}");
    assert_eq!(
        proposed.with_overrides(&headers, &strings(&["Surname"])),
        Err(ListError::BadOverride("Surname".into()))
    );
}

#[test]
fn mapping_is_described_per_header() {
    let headers = strings(&["Surname", "Shoe size"]);
    assert_eq!(
        propose_mapping(&headers).describe(&headers),
        ["Surname → family_name", "Shoe size → (ignored)"]
    );
}

// ---------------------------------------------------------------------------------------
// CSV

#[test]
fn a_good_csv_list_reads_into_entries() {
    let entries = read_csv(
        "ID,Surname,First name,Patronymic,Date of birth,Sex,Nationality,Unit,Service number,Rank,Note\n\
         A-1,Kovalenko,Taras,Petrovych,1993-07-01,m,ua,Unit 0000,UA-0001, Senior soldier ,\n\
         A-2,,Oksana,,04.1996,ж,UA,,,,wounded; \"field hospital\"\n\
         \n\
         A-3,Melnyk,,,1989,,,,,,\n",
    )
    .unwrap();
    assert_eq!(
        entries[0],
        Entry {
            line: 2,
            external_id: Some("A-1".into()),
            family_name: Some("Kovalenko".into()),
            given_name: Some("Taras".into()),
            patronymic: Some("Petrovych".into()),
            date_of_birth: Some(date("1993-07-01")),
            sex: Some(Sex::Male),
            nationality: Some("UA".into()),
            unit: Some("Unit 0000".into()),
            service_number: Some("UA-0001".into()),
            rank: Some("Senior soldier".into()),
            ..Entry::default()
        }
    );
    assert_eq!(entries[1].line, 3);
    assert_eq!(entries[1].date_of_birth, Some(date("1996-04")));
    assert_eq!(entries[1].sex, Some(Sex::Female));
    assert_eq!(
        entries[1].note.as_deref(),
        Some("wounded; \"field hospital\"")
    );
    // The empty line 4 is skipped; line numbers stay those of the file.
    assert_eq!(entries[2].line, 5);
    assert_eq!(entries[2].date_of_birth, Some(date("1989")));
    assert_eq!(entries.len(), 3);
}

#[test]
fn every_bad_csv_row_is_reported_with_its_line_and_field() {
    let errors = read_csv(
        "id,full_name,date_of_birth,sex,nationality\n\
         1,Ivan Petrenko,1990-01-01,m,UA\n\
         2,Petro Ivanenko,31.02.1990,m,UA\n\
         3,,1990,m,UA\n\
         1,Ivan Petrenko Jr,1991,m,UA\n\
         4,Olha Marchenko,1992,x,UA\n\
         5,Roman Tkachenko,1993,m,Ukraine\n\
         ,,,,\n\
         6,Iryna Savchenko,1990-13,Female,UK\n",
    )
    .unwrap_err();
    assert_eq!(
        displayed(&errors),
        [
            "line 3: date_of_birth: not a date (YYYY, YYYY-MM or YYYY-MM-DD): 31.02.1990",
            "line 4: no name: a row needs a full_name, family_name or given_name",
            "line 5: external_id: 1 is already on line 2",
            "line 6: sex: not a sex (m, f, male, female, ч, ж, м): x",
            "line 7: nationality: not an ISO 3166-1 alpha-2 country code (such as UA): Ukraine",
            "line 9: date_of_birth: not a date (YYYY, YYYY-MM or YYYY-MM-DD): 1990-13",
            "line 9: nationality: not an ISO 3166-1 alpha-2 country code (such as UA): UK",
        ]
    );
    assert_eq!(errors[0].field.as_deref(), Some("date_of_birth"));
    assert_eq!(errors[1].field, None);
}

#[test]
fn quoted_commas_and_line_breaks_keep_the_line_numbers_of_the_file() {
    let table = csv_table(
        "id,full_name,note\n\
         1,\"Shevchenko, Taras\",\"seen at the crossing,\nthen moved\n(two lines)\"\n\
         2,Ivan Franko,\n\
         3,\"Lesia \"\"Larysa\"\" Kosach\",\"a\r\nb\"\n\
         4,,\n",
    );
    let lines: Vec<u64> = table.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 5, 6, 8]);
    let errors = read_entries(&table, &propose_mapping(&table.headers)).unwrap_err();
    assert_eq!(displayed(&errors), [format!("line 8: {}", NO_NAME)]);
    assert_eq!(table.rows[0].cells[1], "Shevchenko, Taras");
    assert_eq!(
        table.rows[0].cells[2],
        "seen at the crossing,\nthen moved\n(two lines)"
    );
    assert_eq!(table.rows[2].cells[1], "Lesia \"Larysa\" Kosach");
}

const NO_NAME: &str = "no name: a row needs a full_name, family_name or given_name";

#[test]
fn semicolon_separated_csv_with_a_byte_order_mark_reads() {
    let text = "\u{FEFF}Фамилия;Имя;Дата рождения\r\nСидоренко;Анна;01.02.1995\r\n";
    let table = csv_table(text);
    assert_eq!(table.headers, ["Фамилия", "Имя", "Дата рождения"]);
    let entries = read_entries(&table, &propose_mapping(&table.headers)).unwrap();
    assert_eq!(entries[0].family_name.as_deref(), Some("Сидоренко"));
    assert_eq!(entries[0].date_of_birth, Some(date("1995-02-01")));
    assert_eq!(entries[0].line, 2);
}

#[test]
fn a_sep_line_names_the_separator_and_counts_as_a_line() {
    let table = csv_table("sep=;\r\nsurname;name,with comma\r\nHrytsenko;Ivan, Jr\r\n");
    assert_eq!(table.headers, ["surname", "name,with comma"]);
    assert_eq!(table.rows[0].line, 3);
    assert_eq!(table.rows[0].cells, ["Hrytsenko", "Ivan, Jr"]);
}

#[test]
fn utf16_text_as_excel_saves_it_reads() {
    let text = "Прізвище\tІм'я\r\nДорошенко\tМарія\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let table = read_table(Format::Csv, &bytes).unwrap();
    assert_eq!(table.headers, ["Прізвище", "Ім'я"]);
    assert_eq!(table.rows[0].cells, ["Дорошенко", "Марія"]);
    assert_eq!(table.rows[0].line, 2);
    // A lone surrogate on line 2.
    let mut broken = vec![0xFF, 0xFE];
    broken.extend("a\nb".encode_utf16().flat_map(u16::to_le_bytes));
    broken.extend(0xD800u16.to_le_bytes());
    let error = read_table(Format::Csv, &broken).unwrap_err();
    assert!(
        error.to_string().contains("line 2 is not UTF-16"),
        "{error}"
    );
}

#[test]
fn a_list_without_a_name_column_is_reported_once() {
    let table =
        csv_table("id,Позивний,date_of_birth\n1,Сокіл,1990\n2,Грім,31.02.1990\n3,Вітер,1991\n");
    let errors = read_entries(&table, &propose_mapping(&table.headers)).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, 2);
    assert!(
        errors[0].reason.contains("no column is mapped"),
        "{errors:?}"
    );
    assert!(
        errors[0]
            .reason
            .ends_with("the header row read is: id | Позивний | date_of_birth"),
        "{errors:?}"
    );
    assert_eq!(errors[1].line, 3);
    assert_eq!(errors[1].field.as_deref(), Some("date_of_birth"));
}

#[test]
fn rows_shorter_or_longer_than_the_header_are_read() {
    let table = csv_table("family_name,given_name,note\nBoiko\nHnatiuk,Mykola,,extra\n");
    let entries = read_entries(&table, &propose_mapping(&table.headers)).unwrap();
    assert_eq!(entries[0].family_name.as_deref(), Some("Boiko"));
    assert_eq!(entries[0].given_name, None);
    assert_eq!(entries[1].given_name.as_deref(), Some("Mykola"));
}

#[test]
fn unusable_csv_files_are_refused_with_a_reason() {
    // Windows-1251 "Коваль" on line 2.
    let mut cp1251 = b"family_name\n".to_vec();
    cp1251.extend([0xCA, 0xEE, 0xE2, 0xE0, 0xEB, 0xFC, b'\n']);
    let error = read_table(Format::Csv, &cp1251).unwrap_err();
    assert_eq!(
        error.to_string(),
        "not a CSV file: line 2 is not UTF-8 text; save the list as UTF-8"
    );
    assert_eq!(read_table(Format::Csv, b""), Err(ListError::NoHeader));
    assert_eq!(read_table(Format::Csv, b"\n  \n"), Err(ListError::NoHeader));
    let error = read_table(Format::Csv, XLSX).unwrap_err();
    assert!(error.to_string().starts_with("not a CSV file: "), "{error}");
    assert_eq!(
        read_table(Format::Pfif, b"<x/>"),
        Err(ListError::WrongFormat(Format::Pfif))
    );
}

// ---------------------------------------------------------------------------------------
// XLSX

/// Made by `fixtures/make_workbook.py`: a header on row 2, a date cell, numbers, an
/// empty row, Cyrillic text, and a second worksheet that is not read.
const XLSX: &[u8] = include_bytes!("fixtures/list.xlsx");

#[test]
fn an_xlsx_workbook_reads_its_first_worksheet_with_row_numbers() {
    let table = read_table(Format::Xlsx, XLSX).unwrap();
    assert_eq!(
        table.headers,
        [
            "№",
            "Прізвище",
            "Ім'я",
            "По батькові",
            "Дата народження",
            "Стать",
            "Військова частина",
            "Особистий номер",
            "Примітка"
        ]
    );
    let lines: Vec<u64> = table.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4, 6, 7]);
    assert_eq!(
        table.rows[0].cells,
        [
            "1",
            "Коваль",
            "Петро",
            "Іванович",
            "1991-04-03",
            "ч",
            "в/ч А0000",
            "1234567",
            "поранений"
        ]
    );
    assert_eq!(table.rows[2].cells[4], "1990");
}

#[test]
fn an_xlsx_list_is_validated_like_a_csv_list() {
    let table = read_table(Format::Xlsx, XLSX).unwrap();
    let mapping = propose_mapping(&table.headers);
    let errors = read_entries(&table, &mapping).unwrap_err();
    assert_eq!(
        displayed(&errors),
        [
            "line 7: date_of_birth: not a date (YYYY, YYYY-MM or YYYY-MM-DD): 31.02.1990",
            &format!("line 7: {NO_NAME}"),
        ]
    );
    let mapping = mapping
        .with_overrides(&table.headers, &strings(&["Дата народження="]))
        .unwrap();
    let entries = read_entries(&table_without_line(&table, 7), &mapping).unwrap();
    assert_eq!(
        entries[0],
        Entry {
            line: 3,
            external_id: Some("1".into()),
            family_name: Some("Коваль".into()),
            given_name: Some("Петро".into()),
            patronymic: Some("Іванович".into()),
            sex: Some(Sex::Male),
            unit: Some("в/ч А0000".into()),
            service_number: Some("1234567".into()),
            note: Some("поранений".into()),
            ..Entry::default()
        }
    );
    assert_eq!(entries[1].sex, Some(Sex::Female));
    assert_eq!(entries[2].sex, Some(Sex::Male));
    let with_dates = read_entries(
        &table_without_line(&table, 7),
        &propose_mapping(&table.headers),
    )
    .unwrap();
    assert_eq!(with_dates[0].date_of_birth, Some(date("1991-04-03")));
    assert_eq!(with_dates[1].date_of_birth, Some(date("1988-05-12")));
    assert_eq!(with_dates[2].date_of_birth, Some(date("1990")));
}

#[test]
fn a_workbook_with_shared_strings_and_date_times_reads() {
    let bytes = include_bytes!("fixtures/list-shared-strings.xlsx");
    let table = read_table(Format::Xlsx, bytes).unwrap();
    assert_eq!(
        table.headers,
        [
            "ФИО",
            "Дата рождения",
            "Последнее место нахождения",
            "Дата исчезновения"
        ]
    );
    assert_eq!(
        table.rows[0].cells,
        [
            "Иванов Иван Иванович",
            "1985-12-31",
            "Харьков",
            "2026-03-08T14:30:00"
        ]
    );
    let entries = read_entries(&table, &propose_mapping(&table.headers)).unwrap();
    assert_eq!(
        entries[0],
        Entry {
            line: 2,
            full_name: Some("Иванов Иван Иванович".into()),
            date_of_birth: Some(date("1985-12-31")),
            last_seen_place: Some("Харьков".into()),
            last_seen_date: Some(date("2026-03-08")),
            ..Entry::default()
        }
    );
    assert_eq!(entries[1].line, 3);
    assert_eq!(entries[1].full_name, entries[0].full_name);
    assert_eq!(entries[1].date_of_birth, Some(date("1986")));
}

fn table_without_line(table: &Table, line: u64) -> Table {
    let mut table = table.clone();
    table.rows.retain(|row| row.line != line);
    table
}

#[test]
fn bytes_that_are_no_workbook_are_refused() {
    let error = read_table(Format::Xlsx, b"id,name\n1,x\n").unwrap_err();
    assert!(
        error.to_string().starts_with("not an XLSX workbook: "),
        "{error}"
    );
    // A ZIP archive that is not a workbook.
    let error = read_table(Format::Xlsx, &XLSX[..200]).unwrap_err();
    assert!(
        matches!(&error, ListError::Unreadable(why) if why.starts_with("not an XLSX workbook: ")),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------
// PFIF

fn person(id: &str, full_name: &str) -> PfifPerson {
    PfifPerson {
        person_record_id: format!("repatria.example/captive.{id}"),
        entry_date: "2026-11-27T14:00:00Z".into(),
        source_name: "Repatria test bureau".into(),
        full_name: full_name.into(),
        given_name: None,
        family_name: None,
        sex: None,
        date_of_birth: None,
        home_country: None,
        description: None,
        notes: Vec::new(),
    }
}

#[test]
fn pfif_written_and_read_back_gives_the_same_entries() {
    let persons = vec![
        PfifPerson {
            given_name: Some("Олексій".into()),
            family_name: Some("Гончаренко".into()),
            sex: Some(Sex::Male),
            date_of_birth: Some(date("1994-03")),
            home_country: Some("ua".into()),
            description: Some("Wounded <left arm> & treated;\r\nmoved to \"site 2\"".into()),
            notes: vec![PfifNote {
                note_record_id: "repatria.example/note.1".into(),
                entry_date: "2026-11-27T14:05:00Z".into(),
                author_name: "Registrar".into(),
                source_date: None,
                status: Some(PfifStatus::BelievedAlive),
                text: "Seen alive & well".into(),
            }],
            ..person("0001", "Олексій Гончаренко")
        },
        PfifPerson {
            sex: Some(Sex::Female),
            date_of_birth: Some(date("1990")),
            ..person("0002", "Kim Min-ji")
        },
    ];
    let xml = write_pfif(&persons);
    assert!(
        xml.contains("<pfif:home_country>UA</pfif:home_country>"),
        "{xml}"
    );
    let entries = read_pfif(xml.as_bytes()).unwrap();
    assert_eq!(
        entries,
        [
            Entry {
                line: 3,
                external_id: Some("repatria.example/captive.0001".into()),
                full_name: Some("Олексій Гончаренко".into()),
                given_name: Some("Олексій".into()),
                family_name: Some("Гончаренко".into()),
                sex: Some(Sex::Male),
                date_of_birth: Some(date("1994-03")),
                nationality: Some("UA".into()),
                note: Some("Wounded <left arm> & treated;\r\nmoved to \"site 2\"".into()),
                ..Entry::default()
            },
            Entry {
                line: entries[1].line,
                external_id: Some("repatria.example/captive.0002".into()),
                full_name: Some("Kim Min-ji".into()),
                sex: Some(Sex::Female),
                date_of_birth: Some(date("1990")),
                ..Entry::default()
            },
        ]
    );
    let second_line = xml
        .lines()
        .position(|l| l.contains("captive.0002"))
        .unwrap() as u64;
    assert_eq!(entries[1].line, second_line, "the line of <pfif:person>");
}

#[test]
fn a_long_pfif_export_reads_back_with_every_line() {
    let persons: Vec<PfifPerson> = (0..5000)
        .map(|i| PfifPerson {
            date_of_birth: Some(date(&format!("{}", 1960 + i % 40))),
            ..person(&format!("{i:05}"), &format!("Person {i}"))
        })
        .collect();
    let xml = write_pfif(&persons);
    let entries = read_pfif(xml.as_bytes()).unwrap();
    assert_eq!(entries.len(), 5000);
    // Each person takes 8 lines after the 2 opening lines.
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry.line, 3 + 8 * i as u64);
    }
    assert_eq!(entries[4999].full_name.as_deref(), Some("Person 4999"));
}

#[test]
fn pfif_is_written_in_the_namespace_order_and_escaping_of_the_specification() {
    let xml = write_pfif(&[PfifPerson {
        sex: Some(Sex::Female),
        date_of_birth: Some(date("1991-02-03")),
        notes: vec![PfifNote {
            note_record_id: "repatria.example/note.7".into(),
            entry_date: "2026-11-27T14:05:00Z".into(),
            author_name: "A & B".into(),
            source_date: None,
            status: None,
            text: "x < y\u{0}".into(),
        }],
        ..person("7", "Ann <O'Neil>")
    }]);
    let expect = "\
<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">
  <pfif:person>
    <pfif:person_record_id>repatria.example/captive.7</pfif:person_record_id>
    <pfif:entry_date>2026-11-27T14:00:00Z</pfif:entry_date>
    <pfif:source_name>Repatria test bureau</pfif:source_name>
    <pfif:source_date>2026-11-27T14:00:00Z</pfif:source_date>
    <pfif:full_name>Ann &lt;O'Neil&gt;</pfif:full_name>
    <pfif:sex>female</pfif:sex>
    <pfif:date_of_birth>1991-02-03</pfif:date_of_birth>
    <pfif:note>
      <pfif:note_record_id>repatria.example/note.7</pfif:note_record_id>
      <pfif:person_record_id>repatria.example/captive.7</pfif:person_record_id>
      <pfif:entry_date>2026-11-27T14:05:00Z</pfif:entry_date>
      <pfif:author_name>A &amp; B</pfif:author_name>
      <pfif:source_date>2026-11-27T14:05:00Z</pfif:source_date>
      <pfif:text>x &lt; y</pfif:text>
    </pfif:note>
  </pfif:person>
</pfif:pfif>
";
    assert_eq!(xml, expect);
    assert_eq!(write_pfif(&[]).lines().count(), 3);
}

#[test]
fn pfif_instants_are_written_in_utc_to_the_second() {
    let xml = write_pfif(&[PfifPerson {
        entry_date: "2026-11-27T16:00:00.123456+02:00".into(),
        notes: vec![PfifNote {
            note_record_id: "repatria.example/note.1".into(),
            entry_date: "2026-11-27T14:05:00.5Z".into(),
            author_name: "Registrar".into(),
            source_date: None,
            status: None,
            text: "x".into(),
        }],
        ..person("1", "Taras Koval")
    }]);
    assert!(xml.contains("<pfif:entry_date>2026-11-27T14:00:00Z</pfif:entry_date>"));
    assert!(xml.contains("<pfif:source_date>2026-11-27T14:00:00Z</pfif:source_date>"));
    assert!(xml.contains("<pfif:entry_date>2026-11-27T14:05:00Z</pfif:entry_date>"));
    assert!(!xml.contains(".5Z") && !xml.contains("+02:00"), "{xml}");
}

/// A hand-written PFIF 1.4 feed, as another repository would send it.
const PFIF_SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- A fictional feed. -->
<p:pfif xmlns:p="http://zesty.ca/pfif/1.4" xmlns:x="http://example.org/extension">
  <p:person>
    <p:person_record_id>tracing.example/person.17</p:person_record_id>
    <p:entry_date>2026-10-01T08:00:00Z</p:entry_date>
    <p:source_date>2026-10-01T08:00:00Z</p:source_date>
    <p:full_name>Mykola &quot;Kolia&quot; Lysenko &amp; son</p:full_name>
    <p:given_name>Mykola</p:given_name>
    <p:family_name>Lysenko</p:family_name>
    <p:alternate_names>Николай Лысенко</p:alternate_names>
    <p:description><![CDATA[Tattoo <anchor> on the &right& arm]]> &#1058;&#x0435;st</p:description>
    <p:sex>other</p:sex>
    <p:date_of_birth>1987-11</p:date_of_birth>
    <p:home_city>Kyiv</p:home_city>
    <p:home_country>Ukraine</p:home_country>
    <x:callsign>Not read</x:callsign>
    <p:note>
      <p:note_record_id>tracing.example/note.3</p:note_record_id>
      <p:author_name>Family</p:author_name>
      <p:full_name>Not the person's name</p:full_name>
      <p:text>Looking for him</p:text>
    </p:note>
  </p:person>
  <p:person>
    <p:person_record_id>tracing.example/person.18</p:person_record_id>
    <p:full_name>Halyna Moroz</p:full_name>
    <p:sex>female</p:sex>
    <p:home_country>ua</p:home_country>
  </p:person>
</p:pfif>
"#;

#[test]
fn a_hand_written_pfif_1_4_feed_reads() {
    let entries = read_pfif(PFIF_SAMPLE.as_bytes()).unwrap();
    assert_eq!(
        entries,
        [
            Entry {
                line: 4,
                external_id: Some("tracing.example/person.17".into()),
                full_name: Some("Mykola \"Kolia\" Lysenko & son".into()),
                given_name: Some("Mykola".into()),
                family_name: Some("Lysenko".into()),
                date_of_birth: Some(date("1987-11")),
                note: Some(
                    "Tattoo <anchor> on the &right& arm Теst\n\
                     alternate names: Николай Лысенко\n\
                     home country: Ukraine"
                        .into()
                ),
                ..Entry::default()
            },
            Entry {
                line: 25,
                external_id: Some("tracing.example/person.18".into()),
                full_name: Some("Halyna Moroz".into()),
                sex: Some(Sex::Female),
                nationality: Some("UA".into()),
                ..Entry::default()
            },
        ]
    );
}

#[test]
fn pfif_1_2_records_with_first_and_last_names_read() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.2">
  <pfif:person>
    <pfif:person_record_id>old.example/p1</pfif:person_record_id>
    <pfif:first_name>Vira</pfif:first_name>
    <pfif:last_name>Kravets</pfif:last_name>
    <pfif:other>description: found near the bridge</pfif:other>
  </pfif:person>
</pfif:pfif>"#;
    let entries = read_pfif(xml.as_bytes()).unwrap();
    assert_eq!(entries[0].given_name.as_deref(), Some("Vira"));
    assert_eq!(entries[0].family_name.as_deref(), Some("Kravets"));
    assert_eq!(
        entries[0].note.as_deref(),
        Some("description: found near the bridge")
    );
}

#[test]
fn pfif_in_a_default_namespace_with_a_byte_order_mark_reads() {
    let xml = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<pfif xmlns=\"http://zesty.ca/pfif/1.4/\">
  <person><person_record_id>d.example/1</person_record_id><full_name>Іван Сірко</full_name></person>
</pfif>";
    let entries = read_pfif(xml.as_bytes()).unwrap();
    assert_eq!(entries[0].full_name.as_deref(), Some("Іван Сірко"));
    assert_eq!(entries[0].line, 3);
}

/// The rejected records of a PFIF document that was read but refused.
fn rows_of(read: Result<Vec<Entry>, ReadError>) -> Vec<RowError> {
    match read {
        Err(ReadError::Rows(rows)) => rows,
        other => panic!("expected rejected records, got {other:?}"),
    }
}

#[test]
fn pfif_that_is_not_utf8_is_refused_with_the_line() {
    // "Сірко" in Windows-1251 on line 2.
    let mut cp1251 = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n\
        <pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.3\"><pfif:person>\
        <pfif:person_record_id>d.example/2</pfif:person_record_id><pfif:full_name>"
        .to_vec();
    cp1251.extend([0xD1, 0xB3, 0xF0, 0xEA, 0xEE]);
    cp1251.extend(b"</pfif:full_name></pfif:person></pfif:pfif>");
    let errors = rows_of(read_pfif(&cp1251));
    assert_eq!(
        displayed(&errors),
        ["line 2: not UTF-8 text; PFIF documents are UTF-8"]
    );
}

#[test]
fn every_bad_pfif_record_is_reported_with_its_line() {
    let xml = r#"<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:person_record_id>x.example/1</pfif:person_record_id>
    <pfif:full_name>Yurii Pavlenko</pfif:full_name>
    <pfif:date_of_birth>1990-02-30</pfif:date_of_birth>
    <pfif:sex>M</pfif:sex>
  </pfif:person>
  <pfif:person>
    <pfif:full_name>No Identifier</pfif:full_name>
  </pfif:person>
  <pfif:person>
    <pfif:person_record_id>x.example/1</pfif:person_record_id>
  </pfif:person>
  <pfif:person/>
</pfif:pfif>"#;
    let errors = rows_of(read_pfif(xml.as_bytes()));
    assert_eq!(
        displayed(&errors),
        [
            "line 2: date_of_birth: not a date (YYYY, YYYY-MM or YYYY-MM-DD): 1990-02-30",
            "line 2: sex: not a PFIF sex (male, female or other): M",
            "line 8: person_record_id: missing; every PFIF person record has one",
            &format!("line 11: {NO_NAME}"),
            "line 11: person_record_id: x.example/1 is already on line 2",
            &format!("line 14: {NO_NAME}"),
            "line 14: person_record_id: missing; every PFIF person record has one",
        ]
    );
}

#[test]
fn pfif_that_is_not_well_formed_is_reported_with_a_line() {
    let check = |xml: &str, line: u64, fragment: &str| {
        let errors = rows_of(read_pfif(xml.as_bytes()));
        let last = errors.last().unwrap();
        assert_eq!(last.line, line, "{xml}: {errors:?}");
        assert!(last.reason.contains(fragment), "{xml}: {errors:?}");
    };
    let open = "<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">\n";
    check(
        &format!(
            "{open}<pfif:person>\n<pfif:full_name>A</pfif:family_name>\n</pfif:person>\n</pfif:pfif>"
        ),
        3,
        "not well-formed XML",
    );
    check(
        &format!("{open}<pfif:person>\n<pfif:full_name>A &nbsp; B</pfif:full_name>\n"),
        3,
        "unknown entity &nbsp;",
    );
    check(
        &format!("{open}<pfif:person>\n<pfif:full_name>A</pfif:full_name>\n"),
        2,
        "<pfif:person> is never closed",
    );
    check(
        "<pfif xmlns=\"urn:other\"><person/></pfif>",
        1,
        "not a PFIF document",
    );
    check("", 1, "not a PFIF document");
    check("id,name\n1,x\n", 1, "not a PFIF document");
}

// ---------------------------------------------------------------------------------------
// All steps at once

#[test]
fn read_list_takes_a_file_from_bytes_to_entries() {
    let csv = "Позивний,Прізвище\nСокіл,Ткач\nГрім,\n";
    let entries = read_list(Format::Csv, csv.as_bytes(), &strings(&["Позивний=note"]));
    assert_eq!(
        entries.unwrap_err().to_string(),
        format!("line 3: {NO_NAME}")
    );
    let entries = read_list(
        Format::Csv,
        csv.as_bytes(),
        &strings(&["Позивний=full_name", "Прізвище=family_name"]),
    )
    .unwrap();
    assert_eq!(entries[1].full_name.as_deref(), Some("Грім"));
    assert_eq!(
        read_list(Format::Csv, csv.as_bytes(), &strings(&["Звання=rank"])),
        Err(ReadError::List(ListError::UnknownHeader("Звання".into())))
    );

    let entries = read_list(Format::Xlsx, XLSX, &strings(&["Дата народження="]));
    assert_eq!(
        entries.unwrap_err().to_string(),
        format!("line 7: {NO_NAME}")
    );

    let pfif = write_pfif(&[person("1", "Stepan Koval")]);
    let entries = read_list(Format::Pfif, pfif.as_bytes(), &[]).unwrap();
    assert_eq!(entries[0].full_name.as_deref(), Some("Stepan Koval"));
    assert_eq!(
        read_list(Format::Pfif, pfif.as_bytes(), &strings(&["a=note"])),
        Err(ReadError::List(ListError::OverridesNotApplicable(
            Format::Pfif
        )))
    );
}

// ---------------------------------------------------------------------------------------
// Robustness: no input makes a reader panic

#[test]
fn a_workbook_with_a_cell_in_the_last_column_is_refused() {
    // A1, A2 and XFD1048576 (fixtures/make_workbook.py): a header of 16,384 columns and
    // a million rows, were the far cell read.
    let error = read_table(Format::Xlsx, include_bytes!("fixtures/sparse.xlsx")).unwrap_err();
    assert_eq!(
        error,
        ListError::TooLarge {
            what: "columns",
            limit: 256
        }
    );
    assert_eq!(
        error.to_string(),
        "the list is too large: more than 256 columns"
    );
}

#[test]
fn a_worksheet_spreading_over_too_many_columns_is_refused() {
    // A header from A1 to XFD1 over 1300 rows (fixtures/make_workbook.py).
    let error = read_table(Format::Xlsx, include_bytes!("fixtures/wide.xlsx")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the list is too large: more than 256 columns"
    );
}

#[test]
fn a_damaged_workbook_is_an_error_not_a_crash() {
    // A cell reference with sixteen column letters (fixtures/make_workbook.py).
    let damaged = include_bytes!("fixtures/damaged.xlsx");
    let error = read_table(Format::Xlsx, damaged).unwrap_err();
    assert!(
        matches!(&error, ListError::Unreadable(why) if why.starts_with("not an XLSX workbook: ")),
        "{error:?}"
    );
}

#[test]
fn truncated_and_corrupted_files_are_errors_not_panics() {
    let pfif = write_pfif(&[PfifPerson {
        description: Some("a & b".into()),
        ..person("1", "Ілля Мельник")
    }]);
    let csv = "id,full_name,note\n1,\"Мельник, Ілля\",\"two\nlines\"\n2,Іван,\n";
    for format in [Format::Csv, Format::Xlsx, Format::Pfif] {
        for bytes in [XLSX, pfif.as_bytes(), csv.as_bytes()] {
            for end in (0..bytes.len()).step_by(7) {
                let _ = read_list(format, &bytes[..end], &[]);
            }
            for position in (0..bytes.len()).step_by(13) {
                let mut corrupted = bytes.to_vec();
                corrupted[position] ^= 0x5A;
                let _ = read_list(format, &corrupted, &[]);
            }
        }
    }
}

/// A person record as a tracing service writes it (the shape of Person Finder's own
/// PFIF 1.4 test file: the author's name, e-mail and phone, a full name over two lines,
/// notes inside the person, comments): the author is the inquirer, with the relation
/// PFIF does not carry "not stated"; the notes' own authors are not the person's.
#[test]
fn a_pfif_record_s_author_is_the_inquirer_with_the_relation_not_stated() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:author_email>mother@example.org</pfif:author_email>
    <pfif:author_name>Olena Verny</pfif:author_name>
    <pfif:author_phone>+000 000 0001</pfif:author_phone>
    <pfif:full_name>Ostap
Verny</pfif:full_name>
    <pfif:given_name>Ostap</pfif:given_name>
    <pfif:family_name>Verny</pfif:family_name>
    <pfif:sex>male</pfif:sex>
    <pfif:date_of_birth>1997-06</pfif:date_of_birth>
    <!-- whitespace is stripped -->
    <pfif:home_city>  Sumy
    </pfif:home_city>
    <pfif:person_record_id>tracing.example/person.1</pfif:person_record_id>
    <pfif:source_date>2026-01-01T00:00:00Z</pfif:source_date>
    <pfif:note>
      <pfif:note_record_id>tracing.example/note.1</pfif:note_record_id>
      <pfif:person_record_id>tracing.example/person.1</pfif:person_record_id>
      <pfif:author_name>A volunteer</pfif:author_name>
      <pfif:author_email>volunteer@example.org</pfif:author_email>
      <pfif:text>last seen near the river</pfif:text>
      <pfif:source_date>2026-01-02T00:00:00Z</pfif:source_date>
      <pfif:status>believed_missing</pfif:status>
    </pfif:note>
  </pfif:person>
  <pfif:person>
    <pfif:full_name>Nobody Asked</pfif:full_name>
    <pfif:person_record_id>tracing.example/person.2</pfif:person_record_id>
    <pfif:source_date>2026-01-01T00:00:00Z</pfif:source_date>
  </pfif:person>
</pfif:pfif>
"#;
    let entries = read_pfif(xml.as_bytes()).unwrap();
    assert_eq!(entries.len(), 2);
    let asked = &entries[0];
    assert_eq!(asked.inquirer_name.as_deref(), Some("Olena Verny"));
    assert_eq!(
        asked.inquirer_contact.as_deref(),
        Some("mother@example.org, +000 000 0001")
    );
    assert_eq!(asked.inquirer_relation.as_deref(), Some("not stated"));
    assert_eq!(asked.family_name.as_deref(), Some("Verny"));
    // A record without an author has no inquirer: nothing is made up.
    let unasked = &entries[1];
    assert_eq!(
        (
            &unasked.inquirer_name,
            &unasked.inquirer_relation,
            &unasked.inquirer_contact
        ),
        (&None, &None, &None)
    );
}
