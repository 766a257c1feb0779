//! The PDF read back with pdf-extract (text through the fonts' ToUnicode maps): names
//! in every script, page numbers, the header row on every page, no row lost or doubled.

use std::time::Instant;

use repatria_documents::{pdf, DocumentError, Table, MAX_PDF_COLUMNS};

use crate::support::{self, manifest, number, HANGUL, LATIN, RUSSIAN, UKRAINIAN};

fn pages(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    pdf_extract::extract_text_from_mem_by_pages(bytes).unwrap()
}

/// Text without the line breaks and spacing the extraction puts in.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn names_in_every_script_and_the_page_number_are_in_the_text() {
    let table = manifest(7);
    let pages = pages(&pdf(&table).unwrap());
    assert_eq!(pages.len(), 1);
    let text = squeezed(&pages[0]);
    for expected in [
        table.title.as_str(),
        "Date: 2025-01-15",
        LATIN,
        RUSSIAN,
        UKRAINIAN,
        HANGUL,
        "이서연",
        "=HYPERLINK(\"http://x\",\"y\")",
        "Wounded, on a stretcher; поранений; 부상",
        "Handed over: ______________",
        "page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[test]
fn a_long_table_has_the_header_row_and_its_number_on_every_page() {
    let table = manifest(1000);
    let started = Instant::now();
    let bytes = pdf(&table).unwrap();
    let elapsed = started.elapsed();
    let pages = pages(&bytes);
    let count = pages.len();
    // About twenty rows a page.
    assert!((30..=80).contains(&count), "{count} pages");
    for (i, page) in pages.iter().enumerate() {
        let text = squeezed(page);
        for header in support::HEADERS {
            assert!(text.contains(header), "page {}: no {header:?}", i + 1);
        }
        let label = format!("page {} of {count}", i + 1);
        assert!(text.contains(&label), "page {}: no {label:?}", i + 1);
        assert!(text.contains(&table.title), "page {}: no title", i + 1);
    }
    // The title block only on the first page, the footer only on the last.
    assert!(pages[0].contains("Persons: 1000"));
    assert!(!pages[1].contains("Persons: 1000"));
    assert!(squeezed(&pages[count - 1]).contains("Received: ______________"));
    assert!(!pages[count - 2].contains("Received:"));
    // Every row once, in order, on consecutive pages.
    let all = pages.join("\n");
    let mut last = 0;
    for i in 0..table.rows.len() {
        let token = number(i);
        let at = all
            .find(&token)
            .unwrap_or_else(|| panic!("{token} missing"));
        assert_eq!(all.matches(&token).count(), 1, "{token} twice");
        assert!(at > last || i == 0, "{token} out of order");
        last = at;
    }
    eprintln!(
        "1,000 rows: {count} pages, {} bytes, {elapsed:?}",
        bytes.len()
    );
}

#[test]
fn ten_thousand_rows_are_written() {
    let table = manifest(10_000);
    let started = Instant::now();
    let bytes = pdf(&table).unwrap();
    let elapsed = started.elapsed();
    let pages = pages(&bytes);
    assert!(pages.len() > 300, "{} pages", pages.len());
    let last = squeezed(&pages[pages.len() - 1]);
    assert!(last.contains(&number(9_999)), "{last}");
    assert!(
        last.contains(&format!("page {0} of {0}", pages.len())),
        "{last}"
    );
    eprintln!(
        "10,000 rows: {} pages, {} bytes, {elapsed:?} (unoptimised test build)",
        pages.len(),
        bytes.len()
    );
}

#[test]
fn an_empty_table_is_one_page_with_its_number() {
    let pages = pages(&pdf(&Table::default()).unwrap());
    assert_eq!(pages.len(), 1);
    assert_eq!(squeezed(&pages[0]), "page 1 of 1");

    // Headings and no rows: the header row alone.
    let table = Table {
        title: "Nobody".into(),
        headers: support::headers(),
        ..Table::default()
    };
    let text = squeezed(&pages_of(&table)[0]);
    assert!(text.contains("No. Name Born Remarks"), "{text}");
}

fn pages_of(table: &Table) -> Vec<String> {
    pages(&pdf(table).unwrap())
}

#[test]
fn a_very_long_cell_is_cut_with_an_ellipsis_and_the_row_fits_a_page() {
    let mut table = manifest(3);
    table.rows[1][3] = format!("START {} END", "слово word 단어 ".repeat(800));
    assert!(table.rows[1][3].chars().count() > 10_000);
    let pages = pages_of(&table);
    assert_eq!(pages.len(), 1, "the row is cut to fit the page");
    let text = squeezed(&pages[0]);
    assert!(text.contains("START слово word 단어"), "{text}");
    assert!(!text.contains("END"));
    assert!(text.contains('…'));
    for i in 0..3 {
        assert!(text.contains(&number(i)));
    }
    // A single word of ten thousand letters too.
    table.rows[1][3] = "Ж".repeat(10_000);
    let text = squeezed(&pages_of(&table)[0]);
    assert!(text.contains(&"Ж".repeat(20)) && text.contains('…'));
}

#[test]
fn a_short_row_is_completed_and_a_long_row_refused() {
    let mut table = manifest(3);
    table.rows[1].truncate(1);
    table.rows[2] = Vec::new();
    let text = squeezed(&pages_of(&table)[0]);
    assert!(text.contains(&number(1)) && text.contains(&number(0)));

    table.rows[2] = vec!["x".into(); 5];
    assert_eq!(
        pdf(&table),
        Err(DocumentError::RowTooLong {
            row: 3,
            cells: 5,
            columns: 4
        })
    );
    let mut wide = manifest(1);
    wide.headers = vec!["h".into(); MAX_PDF_COLUMNS + 1];
    assert!(matches!(
        pdf(&wide),
        Err(DocumentError::TooManyColumns { .. })
    ));
}

#[test]
fn many_narrow_columns_and_hostile_text_do_not_break_the_layout() {
    let table = Table {
        title: "\u{0}\u{7}title\ttab\r\nnext".into(),
        lines: vec!["\u{202E}reversed\u{202C}".into(), String::new()],
        headers: (1..=MAX_PDF_COLUMNS)
            .map(|i| format!("Column {i}"))
            .collect(),
        rows: vec![
            (1..=MAX_PDF_COLUMNS)
                .map(|i| format!("{}{}", "漢字🙂 ", "Ѿ".repeat(i)))
                .collect(),
            vec!["\u{301}\u{301}leading marks".into(), " ".repeat(500)],
        ],
        footer: Some("\n\n\n".into()),
    };
    let pages = pages_of(&table);
    assert_eq!(pages.len(), 1);
    // Without whitespace: words wrapped in narrow columns come out of the extraction
    // joined or not.
    let text: String = pages[0].split_whitespace().collect();
    // Invisible characters are left out (a shaper would draw them with the space glyph,
    // and the first would become the text of every space); characters no font has are
    // printed as U+FFFD, never as a box whose text is another character.
    assert!(!text.contains('\u{202E}'), "{text}");
    assert!(!text.contains('漢'), "{text}");
    for expected in [
        "titletabnext",
        "reversed",
        "Column30",
        "\u{FFFD}\u{FFFD}\u{FFFD}",
        "leadingmarks",
        "page1of1",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[test]
fn the_signature_lines_are_not_split_across_pages() {
    // Enough rows that the footer would start at the foot of the last table page.
    let footer = "Handed over: ____\nName: ____\nReceived: ____\nName: ____\nWitness: ____";
    for rows in 15..=25 {
        let mut table = manifest(rows);
        table.footer = Some(footer.into());
        let pages = pages_of(&table);
        let last = squeezed(pages.last().unwrap());
        assert!(
            last.contains("Handed over: ____") && last.contains("Witness: ____"),
            "{rows} rows: {last}"
        );
    }
}

#[test]
fn the_same_table_gives_the_same_bytes() {
    let table = manifest(50);
    assert_eq!(pdf(&table).unwrap(), pdf(&table).unwrap());
}
