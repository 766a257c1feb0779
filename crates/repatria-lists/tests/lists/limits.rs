//! Every limit of `Limits`: a file just within it is read, one beyond it is refused with
//! `ListError::TooLarge` naming what was exceeded. Small limits keep the files small;
//! the hostile workbooks are made with the `zip` crate calamine reads them with.

use repatria_lists::testing::{
    archive_of_entries, inline_cell, shared_strings, sheet, workbook, workbook_repeating,
};
use repatria_lists::{
    check_xlsx, read_list_with, read_pfif_with, read_table, read_table_with, Format, Limits,
    ListError, ReadError,
};

fn too_large(what: &'static str, limit: u64) -> ListError {
    ListError::TooLarge { what, limit }
}

fn small() -> Limits {
    Limits {
        file_bytes: 10_000,
        rows: 3,
        columns: 4,
        cell_bytes: 20,
        cells: 100,
        text_bytes: 1_000,
        zip_entries: 10,
        entry_bytes: 100_000,
        unpacked_bytes: 150_000,
        part_bytes: 20_000,
        style_elements: 50,
        shared_strings: 5,
        xml_depth: 5,
    }
}

fn csv_rows(rows: usize) -> String {
    let mut csv = String::from("id,full_name\n");
    for i in 0..rows {
        csv.push_str(&format!("{i},Person {i}\n"));
    }
    csv
}

#[test]
fn the_message_names_what_was_exceeded_and_the_limit() {
    assert_eq!(
        too_large("rows", 3).to_string(),
        "the list is too large: more than 3 rows"
    );
}

// ---------------------------------------------------------------------------------------
// CSV

#[test]
fn csv_bytes_rows_columns_and_cells_are_bounded() {
    let limits = small();
    let read = |text: &str| read_table_with(Format::Csv, text.as_bytes(), &limits);
    assert_eq!(read(&csv_rows(3)).unwrap().rows.len(), 3);
    assert_eq!(read(&csv_rows(4)), Err(too_large("rows", 3)));

    assert!(read("a,b,c,d\n1,2,3,4\n").is_ok());
    assert_eq!(read("a,b,c,d\n1,2,3,4,5\n"), Err(too_large("columns", 4)));
    // Separators inside quotes are text.
    assert!(read("a,b,c,d\n\"1,2,3,4,5\",2,3,4\n").is_ok());
    // A line of nothing but separators is refused before it is read as a record.
    let limits_wide = Limits {
        file_bytes: 64 * 1024 * 1024,
        ..limits
    };
    let commas = ",".repeat(8 * 1024 * 1024);
    assert_eq!(
        read_table_with(Format::Csv, commas.as_bytes(), &limits_wide),
        Err(too_large("columns", 4))
    );

    let long = "x".repeat(21);
    assert!(read(&format!("a\n{}\n", &long[..20])).is_ok());
    assert_eq!(
        read(&format!("a\n{long}\n")),
        Err(too_large("bytes in one cell", 20))
    );

    let big = "a\n".repeat(5_001);
    assert_eq!(read(&big), Err(too_large("bytes in the file", 10_000)));
}

#[test]
fn csv_cells_and_text_in_all_are_bounded() {
    let limits = Limits {
        rows: 1_000,
        ..small()
    };
    // 2 header cells + 49 rows of 2 = 100 cells.
    let read = |text: &str| read_table_with(Format::Csv, text.as_bytes(), &limits);
    assert!(read(&csv_rows(49)).is_ok());
    assert_eq!(read(&csv_rows(50)), Err(too_large("cells", 100)));
    let limits = Limits {
        rows: 1_000,
        cells: 10_000,
        text_bytes: 300,
        ..small()
    };
    let text = format!("a\n{}", "0123456789\n".repeat(30));
    assert_eq!(
        read_table_with(Format::Csv, text.as_bytes(), &limits),
        Err(too_large("bytes of text in all cells", 300))
    );
}

#[test]
fn the_default_takes_half_a_million_rows_and_no_more() {
    let mut csv = String::from("id,family_name,given_name,date_of_birth\n");
    for i in 0..500_000 {
        csv.push_str(&format!("{i},K{i},P,1990\n"));
    }
    assert_eq!(
        read_table(Format::Csv, csv.as_bytes()).unwrap().rows.len(),
        500_000
    );
    csv.push_str("500000,K,P,1990\n");
    assert_eq!(
        read_table(Format::Csv, csv.as_bytes()),
        Err(too_large("rows", 500_000))
    );
}

// ---------------------------------------------------------------------------------------
// XLSX

fn header_and(rows: &[&[(&str, &str)]]) -> Vec<u8> {
    let mut all: Vec<&[(&str, &str)]> = vec![&[("A1", "id"), ("B1", "full_name")]];
    all.extend_from_slice(rows);
    workbook(&sheet(None, &all), None)
}

#[test]
fn a_small_made_workbook_is_read() {
    let bytes = header_and(&[&[("A2", "1"), ("B2", "Петро Коваль")]]);
    let table = read_table(Format::Xlsx, &bytes).unwrap();
    assert_eq!(table.headers, ["id", "full_name"]);
    assert_eq!(table.rows[0].cells, ["1", "Петро Коваль"]);
}

#[test]
fn a_shared_strings_table_that_declares_too_many_strings_is_refused_before_calamine() {
    // calamine 0.38 reserves `uniqueCount` strings before reading one: this file of under
    // two kilobytes would abort the process.
    let bomb = workbook(
        &sheet(None, &[&[("A1", "full_name")]]),
        Some(&shared_strings("99999999999999", &["a"])),
    );
    assert!(bomb.len() < 2_000, "{} bytes", bomb.len());
    let expected = too_large("strings in the workbook's shared-strings table", 6_000_000);
    assert_eq!(read_table(Format::Xlsx, &bomb), Err(expected.clone()));
    assert_eq!(check_xlsx(&bomb, &Limits::default()), Err(expected));
    // Within the limit but more than the part's bytes can hold.
    let liar = workbook(
        &sheet(None, &[&[("A1", "full_name")]]),
        Some(&shared_strings("5000000", &["a"])),
    );
    assert!(matches!(
        read_table(Format::Xlsx, &liar),
        Err(ListError::TooLarge {
            what: "strings in the workbook's shared-strings table",
            ..
        })
    ));
    // XML that this check cannot follow is refused, not passed on unchecked.
    let tangled = workbook(
        &sheet(None, &[&[("A1", "full_name")]]),
        Some("<a></b><sst uniqueCount=\"99999999999999\"><si><t>a</t></si></sst>"),
    );
    assert!(
        matches!(read_table(Format::Xlsx, &tangled), Err(ListError::Unreadable(why)) if why.contains("shared-strings table is not well-formed")),
    );
    // A count that is no number at all.
    let junk = workbook(
        &sheet(None, &[&[("A1", "full_name")]]),
        Some(&shared_strings("1e99", &["a"])),
    );
    assert!(read_table(Format::Xlsx, &junk).is_err());
    // Strings present beyond the limit, whatever is declared.
    let many = workbook(
        &sheet(None, &[&[("A1", "full_name")]]),
        Some(&format!(
            "<sst count=\"1\" uniqueCount=\"1\">{}</sst>",
            "<si><t>a</t></si>".repeat(6)
        )),
    );
    let five = Limits {
        shared_strings: 5,
        ..Limits::default()
    };
    assert_eq!(
        read_table_with(Format::Xlsx, &many, &five),
        Err(too_large(
            "strings in the workbook's shared-strings table",
            5
        ))
    );
    // An honest table is read.
    let honest = workbook(
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
         <sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>\
         <row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c></row></sheetData></worksheet>",
        Some(&shared_strings("2", &["full_name", "Олена Бондар"])),
    );
    let table = read_table(Format::Xlsx, &honest).unwrap();
    assert_eq!(table.rows[0].cells, ["Олена Бондар"]);
}

#[test]
fn a_sheet_that_unpacks_beyond_the_limit_is_refused_by_its_real_bytes() {
    let row = format!("<row>{}</row>", inline_cell("A2", "Петро Коваль"));
    let head = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
    let tail = "</sheetData></worksheet>";
    let bomb = workbook_repeating(head, &row, 10_000, tail, None);
    assert!(bomb.len() < 10_000, "{} bytes packed", bomb.len());
    assert_eq!(
        check_xlsx(&bomb, &small()),
        Err(too_large(
            "unpacked bytes in one part of the workbook",
            100_000
        ))
    );
    // Several parts, each within the limit, not all of them together.
    let shared = shared_strings("1", &["x"]) + "<!--" + &"-".repeat(90_000) + "-->";
    let parts = workbook_repeating(head, &row, 1_000, tail, Some(&shared));
    assert_eq!(
        check_xlsx(&parts, &small()),
        Err(too_large("unpacked bytes in the workbook", 150_000))
    );
}

#[test]
fn styles_and_other_parts_are_bounded_tighter_than_sheets() {
    use repatria_lists::testing::workbook_with_part;
    let head = sheet(None, &[&[("A1", "full_name")]]);
    let styles = |xfs: usize| {
        format!(
            "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
             <cellXfs>{}</cellXfs></styleSheet>",
            "<xf numFmtId=\"0\"></xf>".repeat(xfs)
        )
    };
    let within = workbook_with_part(&head, "xl/styles.xml", &styles(40));
    assert!(read_table_with(Format::Xlsx, &within, &small()).is_ok());
    let many = workbook_with_part(&head, "xl/styles.xml", &styles(60));
    assert_eq!(
        read_table_with(Format::Xlsx, &many, &small()),
        Err(too_large("elements in the workbook's styles", 50))
    );
    let padded = format!("<Types>{}</Types>", " ".repeat(30_000));
    let big = workbook_with_part(&head, "docProps/app.xml", &padded);
    assert_eq!(
        read_table_with(Format::Xlsx, &big, &small()),
        Err(too_large(
            "unpacked bytes in one part of the workbook other than a worksheet or the shared strings",
            20_000
        ))
    );
    let tangled = workbook_with_part(&head, "xl/styles.xml", "<a></b>");
    assert!(matches!(
        read_table(Format::Xlsx, &tangled),
        Err(ListError::Unreadable(why)) if why.contains("styles are not well-formed")
    ));
}

#[test]
fn an_archive_of_too_many_entries_is_refused() {
    assert!(check_xlsx(&archive_of_entries(10), &small()).is_ok());
    assert_eq!(
        check_xlsx(&archive_of_entries(11), &small()),
        Err(too_large("entries in the workbook's archive", 10))
    );
}

#[test]
fn a_cell_far_right_is_refused_before_a_header_of_thousands_of_columns() {
    // A header far right of a cell in column A: a header of 16,384 columns were it read.
    let bytes = workbook(
        &sheet(None, &[&[("XFD1", "full_name")], &[("A2", "Коваль")]]),
        None,
    );
    assert_eq!(
        read_table(Format::Xlsx, &bytes),
        Err(too_large("columns", 256))
    );
    assert!(read_table(Format::Xlsx, &header_and(&[&[("IV2", "x")]])).is_ok());
    assert_eq!(
        read_table(Format::Xlsx, &header_and(&[&[("IW2", "x")]])),
        Err(too_large("columns", 256))
    );
    // A declared dimension far right is refused before a cell is read.
    let declared = workbook(&sheet(Some("A1:XFD2"), &[&[("A1", "full_name")]]), None);
    assert_eq!(
        check_xlsx(&declared, &Limits::default()),
        Err(too_large("columns", 256))
    );
    let declared = workbook(&sheet(Some("A1:B9999999"), &[&[("A1", "full_name")]]), None);
    assert_eq!(
        check_xlsx(&declared, &Limits::default()),
        Err(too_large("rows", 500_000))
    );
}

#[test]
fn worksheet_rows_cells_and_cell_length_are_bounded() {
    let limits = small();
    let within = header_and(&[
        &[("A2", "1")],
        &[("A3", "2")],
        &[("A4", "3"), ("B4", "12345678901234567890")],
    ]);
    assert!(read_table_with(Format::Xlsx, &within, &limits).is_ok());
    let rows = header_and(&[
        &[("A2", "1")],
        &[("A3", "2")],
        &[("A4", "3")],
        &[("A5", "4")],
    ]);
    assert_eq!(
        read_table_with(Format::Xlsx, &rows, &limits),
        Err(too_large("rows", 3))
    );
    let long = header_and(&[&[("B2", "123456789012345678901")]]);
    assert_eq!(
        read_table_with(Format::Xlsx, &long, &limits),
        Err(too_large("bytes in one cell", 20))
    );
    let cells = Limits { cells: 5, ..limits };
    let many = header_and(&[&[("A2", "1"), ("B2", "x")], &[("A3", "2"), ("B3", "y")]]);
    assert_eq!(
        read_table_with(Format::Xlsx, &many, &cells),
        Err(too_large("cells", 5))
    );
}

// ---------------------------------------------------------------------------------------
// PFIF

fn pfif(persons: usize, name: &str) -> String {
    let mut xml = String::from("<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">");
    for i in 0..persons {
        xml.push_str(&format!(
            "<pfif:person><pfif:person_record_id>x.example/{i}</pfif:person_record_id>\
             <pfif:full_name>{name}</pfif:full_name></pfif:person>"
        ));
    }
    xml.push_str("</pfif:pfif>");
    xml
}

#[test]
fn pfif_persons_fields_depth_and_bytes_are_bounded() {
    let limits = small();
    let read = |xml: &str| read_pfif_with(xml.as_bytes(), &limits);
    assert_eq!(read(&pfif(3, "A")).unwrap().len(), 3);
    assert_eq!(
        read(&pfif(4, "A")),
        Err(ReadError::List(too_large("person records", 3)))
    );
    assert_eq!(
        read(&pfif(1, &"x".repeat(21))),
        Err(ReadError::List(too_large("bytes in one field", 20)))
    );
    // Entity references count too.
    assert_eq!(
        read(&pfif(1, &"&amp;".repeat(21))),
        Err(ReadError::List(too_large("bytes in one field", 20)))
    );
    let deep = format!(
        "<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">{}{}</pfif:pfif>",
        "<a>".repeat(10),
        "</a>".repeat(10)
    );
    assert_eq!(
        read(&deep),
        Err(ReadError::List(too_large("levels of nested elements", 5)))
    );
    let big = pfif(1, &" ".repeat(10_001));
    assert_eq!(
        read(&big),
        Err(ReadError::List(too_large("bytes in the file", 10_000)))
    );
    let fields = Limits { cells: 5, ..limits };
    assert_eq!(
        read_pfif_with(pfif(3, "A").as_bytes(), &fields),
        Err(ReadError::List(too_large("cells", 5)))
    );
    assert_eq!(
        read_list_with(Format::Pfif, pfif(4, "A").as_bytes(), &[], &limits),
        Err(ReadError::List(too_large("person records", 3)))
    );
}
