//! Writes a fictional exchange manifest as PDF and XLSX, to look at the output:
//! `cargo run -p repatria-documents --example manifest -- DIR [ROWS]` writes
//! `DIR/manifest.pdf` and `DIR/manifest.xlsx` and prints how long each took.

use std::time::Instant;

use repatria_documents::{pdf, xlsx, Table};

const NAMES: &[(&str, &str)] = &[
    ("Kowalczyk, Jan", "PL"),
    ("Петров Иван Сергеевич", "RU"),
    ("Ґудзь Євгенія Їжакевич", "UA"),
    ("Ковальчук Олена Григорівна", "UA"),
    ("김민준", "KR"),
    ("이서연 (Lee Seo-yeon)", "KR"),
    ("=HYPERLINK(\"http://x\",\"y\")", "??"),
    ("Müller-Lüdenscheidt, Karl-Heinz Friedrich Wilhelm", "DE"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: manifest DIR [ROWS]")?);
    let count: usize = args.next().map_or(Ok(40), |n| n.parse())?;
    let rows = (0..count)
        .map(|i| {
            let (name, nationality) = NAMES[i % NAMES.len()];
            vec![
                (i + 1).to_string(),
                name.to_string(),
                format!("19{:02}-0{}-1{}", 60 + i % 40, 1 + i % 9, i % 10),
                nationality.to_string(),
                format!("SN-{:06}", 100_000 + i * 7),
                if i % 5 == 0 {
                    "Wounded; transported on a stretcher, accompanied by a medical officer of the \
                     detaining power. Поранений, супроводжує лікар."
                        .to_string()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let table = Table {
        title: "Exchange manifest — Exchange via mediator, January".into(),
        lines: vec![
            "Handed over by: Party A   Received by: Party B   Mediator: ICRC delegation".into(),
            "Date: 2025-01-15   Place: border crossing point 7".into(),
            format!("Persons: {count}"),
        ],
        headers: [
            "No.",
            "Name / Ім'я / 이름",
            "Born",
            "Nationality",
            "Service number",
            "Remarks",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        footer: Some(
            "Handed over: ____________________ (signature, name)\n\
             Received: ____________________ (signature, name)\n\
             Witness (mediator): ____________________"
                .into(),
        ),
    };
    std::fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let bytes = pdf(&table)?;
    println!(
        "pdf: {} rows, {} bytes, {:?}",
        count,
        bytes.len(),
        started.elapsed()
    );
    std::fs::write(dir.join("manifest.pdf"), bytes)?;
    let started = Instant::now();
    let bytes = xlsx(&table)?;
    println!(
        "xlsx: {} rows, {} bytes, {:?}",
        count,
        bytes.len(),
        started.elapsed()
    );
    std::fs::write(dir.join("manifest.xlsx"), bytes)?;
    Ok(())
}
