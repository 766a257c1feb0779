//! Tables for the tests: a fictional manifest with names in Latin, Cyrillic (Russian and
//! Ukrainian) and Hangul, and a cell that reads like a spreadsheet formula.

use repatria_documents::Table;

pub const LATIN: &str = "Kowalczyk, Jan";
pub const RUSSIAN: &str = "Петров Иван Сергеевич";
pub const UKRAINIAN: &str = "Ґудзь Євгенія Їжакевич";
pub const HANGUL: &str = "김민준";
pub const HOSTILE: &str = "=HYPERLINK(\"http://x\",\"y\")";

pub const HEADERS: [&str; 4] = ["No.", "Name", "Born", "Remarks"];

pub fn headers() -> Vec<String> {
    HEADERS.map(String::from).to_vec()
}

/// The number cell of row `i` (from 0): a token found nowhere else in the document.
pub fn number(i: usize) -> String {
    format!("R{:05}", i + 1)
}

/// A manifest of `rows` rows cycling through the names, with a remark every seventh.
pub fn manifest(rows: usize) -> Table {
    let names = [
        LATIN,
        RUSSIAN,
        UKRAINIAN,
        HANGUL,
        "이서연",
        HOSTILE,
        "+380 44 000 0000",
    ];
    Table {
        title: "Exchange manifest — Exchange via mediator, January".into(),
        lines: vec![
            "Handed over by: Party A. Received by: Party B.".into(),
            "Date: 2025-01-15".into(),
            format!("Persons: {rows}"),
        ],
        headers: headers(),
        rows: (0..rows)
            .map(|i| {
                vec![
                    number(i),
                    names[i % names.len()].to_string(),
                    format!("19{:02}-01-15", 50 + i % 50),
                    if i % 7 == 3 {
                        "Wounded, on a stretcher; поранений; 부상".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect(),
        footer: Some("Handed over: ______________\nReceived: ______________".into()),
    }
}
