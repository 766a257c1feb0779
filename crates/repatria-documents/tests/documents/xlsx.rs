//! The workbook read back with calamine: every cell as written and as text, formulas
//! never, the header row bold and frozen.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use repatria_documents::{xlsx, DocumentError, Table};

use crate::support::{self, manifest, HANGUL, HOSTILE, RUSSIAN, UKRAINIAN};

/// The first sheet's cells, as text ("" for empty), rows from the sheet's first row.
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let name = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&name).unwrap();
    if range.is_empty() {
        return Vec::new();
    }
    assert_eq!(range.start(), Some((0, 0)), "the sheet starts at A1");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("a cell that is not text: {other:?}"),
                })
                .collect()
        })
        .collect()
}

fn entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The cell XML element of `reference` (e.g. `A5`) in the sheet.
fn cell_xml<'s>(sheet: &'s str, reference: &str) -> &'s str {
    let start = sheet
        .find(&format!("<c r=\"{reference}\""))
        .unwrap_or_else(|| panic!("no cell {reference}"));
    let end = start + sheet[start..].find("</c>").unwrap();
    &sheet[start..end]
}

/// The attribute `name` of an XML element's text.
fn attribute<'s>(element: &'s str, name: &str) -> Option<&'s str> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + element[start..].find('"')?;
    Some(&element[start..end])
}

/// The cell format (`<xf>` of `cellXfs`) with index `index` in styles.xml.
fn cell_format(styles: &str, index: usize) -> String {
    let xfs = &styles[styles.find("<cellXfs").unwrap()..];
    let xfs = &xfs[..xfs.find("</cellXfs>").unwrap()];
    xfs.split("<xf ")
        .nth(index + 1)
        .unwrap_or_else(|| panic!("no cell format {index}"))
        .to_string()
}

#[test]
fn every_cell_reads_back_as_the_text_written() {
    let table = manifest(30);
    let rows = cells(&xlsx(&table).unwrap());
    assert_eq!(rows[0][0], table.title);
    for (i, line) in table.lines.iter().enumerate() {
        assert_eq!(&rows[1 + i][0], line);
    }
    // Title, three lines, an empty row, then the header row.
    let header = 1 + table.lines.len() + 1;
    assert!(rows[header - 1].iter().all(String::is_empty));
    assert_eq!(rows[header], support::headers());
    for (i, row) in table.rows.iter().enumerate() {
        assert_eq!(&rows[header + 1 + i], row, "row {}", i + 1);
    }
    let footer = header + 1 + table.rows.len() + 1;
    assert_eq!(rows[footer][0], "Handed over: ______________");
    assert_eq!(rows[footer + 1][0], "Received: ______________");
    assert_eq!(rows.len(), footer + 2);
    // The names in every script came back, the hostile one as its characters.
    for name in [RUSSIAN, UKRAINIAN, HANGUL, HOSTILE] {
        assert!(rows.iter().flatten().any(|c| c == name), "{name}");
    }
}

#[test]
fn a_cell_that_reads_like_a_formula_is_stored_as_text_with_a_quote_prefix() {
    let table = Table {
        headers: vec!["Name".into()],
        rows: [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+1",
            "-2",
            "@SUM(A1)",
            "=1+1",
            "plain",
        ]
        .map(|c| vec![c.to_string()])
        .to_vec(),
        ..Table::default()
    };
    let bytes = xlsx(&table).unwrap();
    // No formula anywhere: calamine finds none, and the sheet has no <f> element.
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(&bytes)).unwrap();
    let name = workbook.sheet_names()[0].clone();
    let formulas = workbook.worksheet_formula(&name).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "formulas: {:?}",
        formulas.used_cells().collect::<Vec<_>>()
    );
    let sheet = entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "{sheet}");
    let rows = cells(&bytes);
    for (i, row) in table.rows.iter().enumerate() {
        assert_eq!(rows[1 + i], *row);
    }
    // Each is a string cell whose format is Text (`@`, number format 49) with Excel's
    // quote prefix, so that editing it in a spreadsheet does not make it a formula.
    let styles = entry(&bytes, "xl/styles.xml");
    for i in 0..5 {
        let cell = cell_xml(&sheet, &format!("A{}", i + 2));
        assert_eq!(attribute(cell, "t"), Some("s"), "{cell}");
        let xf = cell_format(&styles, attribute(cell, "s").unwrap().parse().unwrap());
        assert!(xf.contains("quotePrefix=\"1\""), "row {}: {xf}", i + 2);
        assert!(xf.contains("numFmtId=\"49\""), "{xf}");
    }
    let plain = cell_xml(&sheet, "A7");
    let xf = cell_format(&styles, attribute(plain, "s").unwrap().parse().unwrap());
    assert!(!xf.contains("quotePrefix"), "{xf}");
    assert!(xf.contains("numFmtId=\"49\""), "{xf}");
}

#[test]
fn the_header_row_is_bold_frozen_and_filterable() {
    let table = manifest(10);
    let bytes = xlsx(&table).unwrap();
    let sheet = entry(&bytes, "xl/worksheets/sheet1.xml");
    let styles = entry(&bytes, "xl/styles.xml");
    // The header is row 6 (title, three lines, an empty row): frozen below it.
    assert!(sheet.contains("ySplit=\"6\""), "{sheet}");
    assert!(sheet.contains("topLeftCell=\"A7\""), "{sheet}");
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
    assert!(sheet.contains("<autoFilter ref=\"A6:D16\""), "{sheet}");
    let fonts: Vec<&str> = {
        let fonts = &styles[styles.find("<fonts").unwrap()..];
        fonts[..fonts.find("</fonts>").unwrap()]
            .split("<font>")
            .skip(1)
            .collect()
    };
    let font_of = |reference: &str| {
        let cell = cell_xml(&sheet, reference);
        let xf = cell_format(&styles, attribute(cell, "s").unwrap().parse().unwrap());
        let id: usize = attribute(&xf, "fontId").unwrap().parse().unwrap();
        fonts[id].to_string()
    };
    for column in ["A", "B", "C", "D"] {
        assert!(font_of(&format!("{column}6")).contains("<b/>"), "{column}6");
    }
    assert!(!font_of("B7").contains("<b/>"));
    // Columns sized to their content: the name column wider than the number column.
    let widths: Vec<f64> = sheet
        .split("<col ")
        .skip(1)
        .map(|col| attribute(col, "width").unwrap().parse().unwrap())
        .collect();
    assert_eq!(widths.len(), 4, "{sheet}");
    assert!(widths[1] > widths[0], "{widths:?}");
}

#[test]
fn a_short_row_is_completed_and_a_long_row_refused() {
    let mut table = manifest(2);
    table.rows[1].truncate(2);
    let rows = cells(&xlsx(&table).unwrap());
    let header = 5;
    assert_eq!(rows[header + 2][..2], table.rows[1][..]);
    assert_eq!(rows[header + 2][2..], ["", ""]);

    table.rows[0].push("a fifth cell".into());
    assert_eq!(
        xlsx(&table),
        Err(DocumentError::RowTooLong {
            row: 1,
            cells: 5,
            columns: 4
        })
    );
}

#[test]
fn an_empty_table_and_a_very_long_cell_are_written() {
    let rows = cells(&xlsx(&Table::default()).unwrap());
    assert!(rows.is_empty(), "{rows:?}");

    let mut table = manifest(3);
    let long = "Поранений; ".repeat(1000);
    table.rows[1][3] = long.clone();
    let rows = cells(&xlsx(&table).unwrap());
    assert_eq!(rows[5 + 2][3], long);
}

#[test]
fn control_characters_and_escapes_come_back_as_written() {
    let table = Table {
        headers: vec!["a".into()],
        rows: ["line 1\nline 2", "tab\there", "_x0041_", "bell\u{7}"]
            .map(|c| vec![c.to_string()])
            .to_vec(),
        ..Table::default()
    };
    let rows = cells(&xlsx(&table).unwrap());
    for (i, row) in table.rows.iter().enumerate() {
        assert_eq!(rows[1 + i], *row);
    }
}

#[test]
fn the_same_table_gives_the_same_bytes() {
    let table = manifest(20);
    assert_eq!(xlsx(&table).unwrap(), xlsx(&table).unwrap());
}
