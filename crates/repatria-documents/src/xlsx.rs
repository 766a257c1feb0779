//! The table as an XLSX workbook: one sheet with the title and lines above a bold,
//! frozen, filterable header row; every cell written as text, never as a formula.

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::{DocumentError, Table, MAX_XLSX_COLUMNS};

/// Column widths in Excel's units (about one Latin character each).
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 60.0;

/// The A4 paper in Excel's page setup.
const PAPER_A4: u8 = 9;

/// The first characters that make a spreadsheet read a typed cell as a formula (and tab
/// and carriage return, which some then drop before one).
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// The table as the bytes of an XLSX workbook.
///
/// Every cell is a string cell in the Text number format (`@`), so that editing a cell in
/// a spreadsheet keeps it text; a cell that starts like a formula also gets Excel's quote
/// prefix. The file's creation date is fixed (the table's own date belongs in its
/// `lines`), so the same table gives the same bytes.
pub fn xlsx(table: &Table) -> Result<Vec<u8>, DocumentError> {
    table.check(MAX_XLSX_COLUMNS)?;
    write(table).map_err(|e| DocumentError::Xlsx(e.to_string()))
}

struct Formats {
    title: Format,
    header: Format,
    /// Indexed by [quoted, wrapped].
    body: [[Format; 2]; 2],
}

impl Formats {
    fn new() -> Self {
        let text = Format::new().set_num_format_index(49);
        let body = |quoted: bool, wrapped: bool| {
            let mut format = text.clone().set_align(rust_xlsxwriter::FormatAlign::Top);
            if quoted {
                format = format.set_quote_prefix();
            }
            if wrapped {
                format = format.set_text_wrap();
            }
            format
        };
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: text
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_background_color(Color::RGB(0xE7E6E6))
                .set_border_bottom(FormatBorder::Thin),
            body: [
                [body(false, false), body(false, true)],
                [body(true, false), body(true, true)],
            ],
        }
    }

    fn body(&self, text: &str) -> &Format {
        let quoted = looks_like_a_formula(text);
        let wrapped = text.contains('\n');
        &self.body[usize::from(quoted)][usize::from(wrapped)]
    }
}

fn looks_like_a_formula(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS)
}

fn quoted_if_needed(format: &Format, text: &str) -> Format {
    if looks_like_a_formula(text) {
        format.clone().set_quote_prefix()
    } else {
        format.clone()
    }
}

fn write(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    // A fixed date. (Workbook::new has read the clock for its default creation date;
    // replaced here, the clock does not reach the file.)
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(first_chars(&table.title, 255))
            .set_creation_datetime(&created),
    );
    let sheet = workbook.add_worksheet();
    if sheet.set_name(sheet_name(&table.title)).is_err() {
        sheet.set_name("Table")?;
    }
    sheet.set_landscape();
    sheet.set_paper_size(PAPER_A4);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_footer("&Rpage &P of &N");

    let mut row: u32 = 0;
    if !table.title.is_empty() {
        let title = quoted_if_needed(&formats.title, &table.title);
        sheet.write_string_with_format(row, 0, &table.title, &title)?;
        row += 1;
    }
    for line in &table.lines {
        sheet.write_string_with_format(row, 0, line, formats.body(line))?;
        row += 1;
    }
    if row > 0 {
        row += 1;
    }
    let columns = table.headers.len();
    if columns > 0 {
        let header_row = row;
        for (c, header) in table.headers.iter().enumerate() {
            let format = quoted_if_needed(&formats.header, header);
            sheet.write_string_with_format(header_row, col(c), header, &format)?;
        }
        row += 1;
        for cells in &table.rows {
            for (c, cell) in cells.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string_with_format(row, col(c), cell, formats.body(cell))?;
                }
            }
            row += 1;
        }
        let last = col(columns - 1);
        sheet.set_freeze_panes(header_row + 1, 0)?;
        sheet.autofilter(header_row, 0, row.saturating_sub(1).max(header_row), last)?;
        sheet.set_repeat_rows(header_row, header_row)?;
        set_widths(sheet, table)?;
    }
    if let Some(footer) = &table.footer {
        row += 1;
        for line in footer.split('\n') {
            sheet.write_string_with_format(row, 0, line, formats.body(line))?;
            row += 1;
        }
    }
    workbook.save_to_buffer()
}

/// Each column as wide as its widest line (heading included), within bounds.
fn set_widths(sheet: &mut Worksheet, table: &Table) -> Result<(), XlsxError> {
    let mut widths: Vec<f64> = table.headers.iter().map(|h| text_width(h)).collect();
    for cells in &table.rows {
        for (width, cell) in widths.iter_mut().zip(cells) {
            if *width < MAX_WIDTH {
                *width = width.max(text_width(cell));
            }
        }
    }
    for (c, width) in widths.into_iter().enumerate() {
        sheet.set_column_width(col(c), (width + 2.0).clamp(MIN_WIDTH, MAX_WIDTH))?;
    }
    Ok(())
}

/// The widest line of a text in Excel's column units: a Hangul or other wide character
/// counts two.
fn text_width(text: &str) -> f64 {
    text.split('\n')
        .map(|line| line.chars().map(|c| if wide(c) { 2.0 } else { 1.0 }).sum())
        .fold(0.0, f64::max)
}

fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xA960..=0xA97F | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// A sheet name from the title: without the characters Excel forbids, at most 31
/// characters, "Table" when nothing is left.
fn sheet_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .collect();
    let name = first_chars(cleaned.trim().trim_matches('\''), 31);
    let name = name.trim();
    if name.is_empty() {
        "Table".into()
    } else {
        name.into()
    }
}

fn first_chars(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// A column index; the table's check keeps it below Excel's 16,384 columns.
fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_name_keeps_what_excel_allows() {
        assert_eq!(
            sheet_name("Manifest: 2024/01 [draft]?"),
            "Manifest 202401 draft"
        );
        assert_eq!(sheet_name("'[]'"), "Table");
        assert_eq!(sheet_name(""), "Table");
        assert_eq!(sheet_name(&"Ж".repeat(40)).chars().count(), 31);
    }

    #[test]
    fn hangul_counts_double_in_a_column_width() {
        assert_eq!(text_width("김민준"), 6.0);
        assert_eq!(text_width("Іванов\nab"), 6.0);
    }
}
