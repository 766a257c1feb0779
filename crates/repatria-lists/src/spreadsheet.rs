//! CSV written for people, who open it in a spreadsheet.
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and
//! names on a list come from the other side: `=HYPERLINK("http://…","click")` in a name
//! would become a live link (or worse) in the bureau's report. As OWASP recommends for
//! CSV injection, such a cell, and one starting with a tab or carriage return, is
//! written with a leading single quote, which spreadsheets show as text; the CSV writer
//! then quotes the cell as needed.
//!
//! Only files meant for people go through here (the reconciliation report, the exchange
//! plan's downloads). The machine outputs of `repatria match`, `dedupe` and `compare`
//! echo ids exactly and are left alone.

use std::borrow::Cow;

/// The cell as a spreadsheet should show it: with a leading `'` when it starts with a
/// character that would make it a formula (`=`, `+`, `-`, `@`, tab, carriage return).
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV document (comma-separated, quoted as needed, CRLF line ends) of a header and
/// rows, every cell defused with [`csv_cell`].
pub fn write_csv<R, C>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = out.write_record(header.iter().map(|h| csv_cell(h).into_owned()));
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|cell| csv_cell(cell.as_ref()).into_owned())
            .collect();
        let _ = out.write_record(&cells);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_get_a_quote() {
        for text in ["=1+2", "+7", "-3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(text), format!("'{text}"), "{text:?}");
        }
        for text in ["", "Коваль", "a=b", "'quoted", " =x"] {
            assert_eq!(csv_cell(text), text, "{text:?}");
        }
    }

    #[test]
    fn a_written_document_reads_back_as_text() {
        let name = "=HYPERLINK(\"http://example.invalid\",\"x\")";
        let text = write_csv(&["line", "name"], [["2", name], ["3", "Коваль, Петро"]]);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][1], format!("'{name}"));
        assert_eq!(&rows[1][1], "Коваль, Петро");
        assert!(text.ends_with("\r\n"));
    }
}
