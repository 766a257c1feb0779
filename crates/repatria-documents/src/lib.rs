//! Printable documents: a [`Table`] (an exchange manifest, a list of names) as an XLSX
//! workbook ([`xlsx`]) or an A4 landscape PDF ([`pdf`]); the forms of GC III Annex IV
//! as PDF, labelled in two [`Language`]s: capture cards ([`capture_cards`], Annex IV B,
//! Art. 70) and the death certificate ([`death_certificate`], Annex IV D, Art. 120),
//! their wording public in [`labels`].
//!
//! Pure: the caller passes everything in, dates included (as text in [`Table::lines`]),
//! and receives the file's bytes; nothing here reads a file or the clock, and the same
//! table gives the same bytes. The PDF's fonts are compiled in (`fonts/`, SIL Open Font
//! License): Noto Sans for Latin, Greek and Cyrillic, and Noto Sans CJK KR reduced to
//! Hangul for Korean names; a character neither covers (Han, emoji, ...) prints as
//! U+FFFD `�`, and the XLSX keeps it. Cell text is always text: the XLSX never holds a
//! formula, so a cell from the other side of an exchange that reads `=HYPERLINK(..)`
//! stays those characters.

mod capture_card;
mod death_certificate;
mod fonts;
mod forms;
mod labels;
mod layout;
mod paint;
mod pdf;
mod xlsx;

pub use capture_card::{capture_cards, CaptureCard, MAX_CARDS};
pub use death_certificate::{death_certificate, DeathCertificate};
pub use forms::{Entry, Language, Languages};
pub use labels::{labels, CardLabels, CertificateLabels, Labels};
pub use pdf::pdf;
/// The capture card's health categories (GC III Annex IV B, field 11), the registry's.
pub use repatria_core::HealthCategory;
pub use xlsx::xlsx;

/// A table with its heading and closing text, the content of a printable document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The document's title, e.g. "Exchange manifest — Exchange via mediator, January".
    pub title: String,
    /// Lines under the title: parties, date, counts, ... (already formatted).
    pub lines: Vec<String>,
    /// The column headings; their number is the table's number of columns.
    pub headers: Vec<String>,
    /// The rows, one text per column. A row with fewer cells than there are headers is
    /// completed with empty cells; one with more is refused
    /// ([`DocumentError::RowTooLong`]): its last cells would have no column.
    pub rows: Vec<Vec<String>>,
    /// Text after the table, e.g. the signature lines; `\n` separates lines.
    pub footer: Option<String>,
}

/// The most characters a text may have: the most an XLSX cell holds.
pub const MAX_TEXT_CHARS: usize = 32_767;

/// The most rows a table may have (an XLSX sheet holds 1,048,576 rows in all, the title,
/// lines and footer included).
pub const MAX_ROWS: usize = 1_000_000;

/// The most columns a table may have in a PDF: more would leave columns too narrow to
/// read on an A4 page. (An XLSX sheet takes up to 16,384.)
pub const MAX_PDF_COLUMNS: usize = 30;

/// The most columns a table may have in an XLSX sheet.
pub const MAX_XLSX_COLUMNS: usize = 16_384;

/// Where in a [`Table`] a text is, for errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Title,
    /// A line under the title, counted from 1.
    Line(usize),
    /// A column heading, counted from 1.
    Header(usize),
    /// A cell, row and column counted from 1.
    Cell {
        row: usize,
        column: usize,
    },
    Footer,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Title => write!(f, "the title"),
            Place::Line(n) => write!(f, "line {n} under the title"),
            Place::Header(n) => write!(f, "the heading of column {n}"),
            Place::Cell { row, column } => write!(f, "row {row}, column {column}"),
            Place::Footer => write!(f, "the footer"),
        }
    }
}

/// Why a document could not be written. Every refusal names the place in the table, or
/// the limit passed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    #[error("row {row} has {cells} cells but the table has {columns} columns")]
    RowTooLong {
        row: usize,
        cells: usize,
        columns: usize,
    },
    #[error("{place} has {chars} characters; at most {max} fit in a cell")]
    TextTooLong {
        place: Place,
        chars: usize,
        max: usize,
    },
    #[error("the table has {rows} rows; at most {max}")]
    TooManyRows { rows: usize, max: usize },
    #[error("the table has {columns} columns; at most {max} fit in this format")]
    TooManyColumns { columns: usize, max: usize },
    /// Capture cards were asked for, but none given.
    #[error("no capture cards to print: give at least one")]
    NoCards,
    #[error(
        "{cards} capture cards in one document; at most {max} (MAX_CARDS): print them in batches"
    )]
    TooManyCards { cards: usize, max: usize },
    /// The XLSX writer failed (not expected once the table passed the checks above).
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
    /// The PDF writer failed (not expected once the table passed the checks above).
    #[error("cannot write the PDF: {0}")]
    Pdf(String),
}

impl Table {
    /// Checks what both formats need: rows no longer than the headers, texts no longer
    /// than a cell holds, no more than [`MAX_ROWS`] rows.
    fn check(&self, max_columns: usize) -> Result<(), DocumentError> {
        let columns = self.headers.len();
        if columns > max_columns {
            return Err(DocumentError::TooManyColumns {
                columns,
                max: max_columns,
            });
        }
        if self.rows.len() > MAX_ROWS {
            return Err(DocumentError::TooManyRows {
                rows: self.rows.len(),
                max: MAX_ROWS,
            });
        }
        let text = |place: Place, text: &str| {
            // Bytes bound characters from above: count only when it could matter.
            if text.len() <= MAX_TEXT_CHARS {
                return Ok(());
            }
            let chars = text.chars().count();
            if chars > MAX_TEXT_CHARS {
                return Err(DocumentError::TextTooLong {
                    place,
                    chars,
                    max: MAX_TEXT_CHARS,
                });
            }
            Ok(())
        };
        text(Place::Title, &self.title)?;
        for (i, line) in self.lines.iter().enumerate() {
            text(Place::Line(i + 1), line)?;
        }
        for (i, header) in self.headers.iter().enumerate() {
            text(Place::Header(i + 1), header)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            if row.len() > columns {
                return Err(DocumentError::RowTooLong {
                    row: r + 1,
                    cells: row.len(),
                    columns,
                });
            }
            for (c, cell) in row.iter().enumerate() {
                text(
                    Place::Cell {
                        row: r + 1,
                        column: c + 1,
                    },
                    cell,
                )?;
            }
        }
        if let Some(footer) = &self.footer {
            text(Place::Footer, footer)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            title: "T".into(),
            lines: vec![],
            headers: vec!["a".into(), "b".into()],
            rows: vec![vec!["1".into(), "2".into()]],
            footer: None,
        }
    }

    #[test]
    fn a_row_longer_than_the_headers_is_refused_with_its_number() {
        let mut t = table();
        t.rows.push(vec!["x".into(), "y".into(), "z".into()]);
        assert_eq!(
            t.check(MAX_PDF_COLUMNS),
            Err(DocumentError::RowTooLong {
                row: 2,
                cells: 3,
                columns: 2
            })
        );
    }

    #[test]
    fn a_text_longer_than_a_cell_holds_is_refused_with_its_place() {
        let mut t = table();
        t.rows[0][1] = "ж".repeat(MAX_TEXT_CHARS);
        assert_eq!(t.check(MAX_PDF_COLUMNS), Ok(()));
        t.rows[0][1].push('ж');
        let error = t.check(MAX_PDF_COLUMNS).unwrap_err();
        assert_eq!(
            error,
            DocumentError::TextTooLong {
                place: Place::Cell { row: 1, column: 2 },
                chars: MAX_TEXT_CHARS + 1,
                max: MAX_TEXT_CHARS
            }
        );
        assert_eq!(
            error.to_string(),
            "row 1, column 2 has 32768 characters; at most 32767 fit in a cell"
        );
    }

    #[test]
    fn too_many_columns_for_the_format_are_refused() {
        let mut t = table();
        t.headers = vec!["h".into(); MAX_PDF_COLUMNS + 1];
        assert_eq!(
            t.check(MAX_PDF_COLUMNS),
            Err(DocumentError::TooManyColumns {
                columns: MAX_PDF_COLUMNS + 1,
                max: MAX_PDF_COLUMNS
            })
        );
        assert_eq!(t.check(MAX_XLSX_COLUMNS), Ok(()));
    }
}
