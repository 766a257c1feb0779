//! Reading a CSV file or an XLSX workbook's first worksheet into a table of text cells.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::limits::{check_file_bytes, check_xlsx, too_large, Tally};
use crate::{Format, Limits, ListError};

/// A table read from CSV or XLSX: the header row and the data rows, every cell as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Header names, trimmed.
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// One data row, with the 1-based line it starts on: the CSV line (a quoted line break
/// inside a cell makes the next row start further down), or the spreadsheet row number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    /// Cells as written, untrimmed. A CSV row may be shorter or longer than the header;
    /// a worksheet row ends at its last cell under a header (a cell right of the last
    /// header has no header to be mapped by).
    pub cells: Vec<String>,
}

/// Reads a CSV file (UTF-8 or UTF-16 with a byte order mark, RFC 4180 quoting,
/// separated by commas, semicolons or tabs, or as a first `sep=` line says) or the first
/// worksheet of an XLSX workbook. The first non-empty row is the header; empty rows are
/// left out. PFIF is not a table: [`crate::read_pfif`] reads it. Within
/// [`Limits::default`].
pub fn read_table(format: Format, bytes: &[u8]) -> Result<Table, ListError> {
    read_table_with(format, bytes, &Limits::default())
}

/// [`read_table`] within the given limits: a file beyond one is refused with
/// [`ListError::TooLarge`] before or while it is parsed.
pub fn read_table_with(format: Format, bytes: &[u8], limits: &Limits) -> Result<Table, ListError> {
    match format {
        Format::Csv => read_csv(bytes, limits),
        Format::Xlsx => read_xlsx(bytes, limits),
        Format::Pfif => Err(ListError::WrongFormat(Format::Pfif)),
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Table, ListError> {
    check_file_bytes(bytes, limits)?;
    let unreadable = |why: String| ListError::Unreadable(format!("not a CSV file: {why}"));
    if bytes.starts_with(ZIP_MAGIC) {
        return Err(unreadable(
            "this is a ZIP archive, perhaps an XLSX workbook (format xlsx)".into(),
        ));
    }
    // Excel's "Unicode text" is UTF-16 with a byte order mark.
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some(decode_utf16(rest, u16::from_le_bytes)),
        [0xFE, 0xFF, rest @ ..] => Some(decode_utf16(rest, u16::from_be_bytes)),
        _ => None,
    };
    let bytes = match &utf16 {
        Some(Ok(text)) => text.as_bytes(),
        Some(Err(line)) => {
            return Err(unreadable(format!(
                "line {line} is not UTF-16 text, though the file starts as UTF-16"
            )))
        }
        None => bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes),
    };
    // Lists from Ukrainian and Russian offices are often in Windows-1251; reading them
    // as UTF-8 would garble every name, so refuse and say where.
    if let Err(error) = std::str::from_utf8(bytes) {
        let line = Lines::new(bytes, 1).line_of(error.valid_up_to());
        return Err(unreadable(format!(
            "line {line} is not UTF-8 text; save the list as UTF-8"
        )));
    }
    // Excel reads, and some exports write, a first line `sep=;` naming the separator.
    let (bytes, delimiter, first_line) = match separator_line(bytes) {
        Some((delimiter, rest)) => (rest, delimiter, 2),
        None => (bytes, sniff_delimiter(bytes), 1),
    };
    check_csv_width(bytes, delimiter, limits)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut lines = Lines::new(bytes, first_line);
    let mut tally = Tally::default();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let offset = error
                    .position()
                    .map_or(reader.position().byte(), |p| p.byte());
                let line = lines.record_line(offset);
                return Err(unreadable(format!("line {line}: {error}")));
            }
        }
        if record.len() > limits.columns {
            return Err(too_large("columns", limits.columns));
        }
        for cell in record.iter().filter(|c| !c.is_empty()) {
            tally.cell(cell.len(), limits)?;
        }
        let line = lines.record_line(record.position().map_or(0, |p| p.byte()));
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        match headers {
            None if cells.iter().all(|c| c.trim().is_empty()) => {}
            None => headers = Some(cells.iter().map(|c| c.trim().to_string()).collect()),
            Some(_) if rows.len() >= limits.rows => return Err(too_large("rows", limits.rows)),
            Some(_) => rows.push(Row { line, cells }),
        }
    }
    let headers = headers.ok_or(ListError::NoHeader)?;
    Ok(Table { headers, rows })
}

/// Refuses a CSV record wider than [`Limits::columns`] before the csv crate reads it: it
/// keeps an offset per field of a record, so one line of 64 MiB of commas would take half a
/// gigabyte. Separators inside quotes do not count (a stray quote inside an unquoted cell
/// can only make this count lower or, rarely, higher by one per misplaced quote).
fn check_csv_width(bytes: &[u8], delimiter: u8, limits: &Limits) -> Result<(), ListError> {
    let mut quoted = false;
    let mut separators = 0usize;
    for &byte in bytes {
        if byte == b'"' {
            quoted = !quoted;
        } else if quoted {
        } else if byte == delimiter {
            separators += 1;
            if separators >= limits.columns {
                return Err(too_large("columns", limits.columns));
            }
        } else if byte == b'\n' {
            separators = 0;
        }
    }
    Ok(())
}

/// Line numbers of byte offsets, counted once through the text as the offsets grow
/// (an offset before the last one asked is counted afresh).
pub(crate) struct Lines<'a> {
    bytes: &'a [u8],
    first_line: u64,
    offset: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(bytes: &'a [u8], first_line: u64) -> Self {
        Lines {
            bytes,
            first_line,
            offset: 0,
            line: first_line,
        }
    }

    /// The 1-based line on which byte `offset` lies.
    pub(crate) fn line_of(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.bytes.len());
        if offset < self.offset {
            (self.offset, self.line) = (0, self.first_line);
        }
        self.line += newlines(&self.bytes[self.offset..offset]);
        self.offset = offset;
        self.line
    }

    /// The line of the CSV record the csv crate places at byte `offset`. Its own line
    /// numbers are off after blank lines and with CRLF line ends: it counts a record
    /// from the end of the previous one, so the line breaks in between belong to it.
    /// The record's line is that of its first character.
    fn record_line(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        self.line_of(start)
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// UTF-16 text (after its byte order mark) as UTF-8, or the line where it is not UTF-16.
fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, u64> {
    let units = bytes.chunks(2).map(|pair| match pair {
        [a, b] => unit([*a, *b]),
        // An odd byte at the end: no UTF-16 unit, so no character either.
        _ => 0xDC00,
    });
    let mut text = String::with_capacity(bytes.len());
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(_) => return Err(1 + text.matches('\n').count() as u64),
        }
    }
    Ok(text)
}

/// A first line `sep=X`: the separator `X` and the text after that line.
fn separator_line(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let rest = bytes.strip_prefix(b"sep=")?;
    let (&delimiter, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b"\r").unwrap_or(rest);
    let rest = rest.strip_prefix(b"\n")?;
    (delimiter.is_ascii() && delimiter != b'"').then_some((delimiter, rest))
}

/// The separator of the header line: a comma unless semicolons (what a spreadsheet
/// saves in locales with the decimal comma, Ukrainian and Russian among them) or tabs
/// outnumber commas. Quoted text does not count.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &byte in bytes {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some((_, count)) = counts.iter_mut().find(|(d, _)| *d == byte) {
                    *count += 1;
                }
            }
            _ => {}
        }
    }
    // The first maximum wins, and the comma comes first.
    let mut best = counts[0];
    for candidate in counts {
        if candidate.1 > best.1 {
            best = candidate;
        }
    }
    best.0
}

fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table, ListError> {
    let unreadable = |why: String| ListError::Unreadable(format!("not an XLSX workbook: {why}"));
    if !bytes.starts_with(ZIP_MAGIC) {
        return Err(unreadable(
            "an XLSX file is a ZIP archive and this is not one (an old .xls? save it as .xlsx)"
                .into(),
        ));
    }
    // Before calamine sees the archive: it trusts the counts a workbook declares.
    check_xlsx(bytes, limits)?;
    // calamine can panic on a damaged workbook (an absurd cell reference overflows its
    // arithmetic where overflow is checked); a damaged upload is an error, not a crash.
    let cells = std::panic::catch_unwind(|| first_sheet_cells(bytes, limits))
        .unwrap_or_else(|_| Err(Unread::Damaged("the workbook is damaged".into())))
        .map_err(|e| match e {
            Unread::Damaged(why) => unreadable(why),
            Unread::Limit(e) => e,
        })?;
    // Columns count from the leftmost used one, as a person reading the sheet would.
    let first_column = cells
        .values()
        .flatten()
        .map(|&(column, _)| column)
        .min()
        .unwrap_or(0);
    let mut rows_by_number = cells.into_iter();
    let (_, header_cells) = rows_by_number.next().ok_or(ListError::NoHeader)?;
    let headers: Vec<String> = dense_row(&header_cells, first_column, usize::MAX)
        .into_iter()
        .map(|header| header.trim().to_string())
        .collect();
    let rows = rows_by_number
        .map(|(row, cells)| Row {
            line: u64::from(row) + 1,
            cells: dense_row(&cells, first_column, headers.len()),
        })
        .filter(|row| row.cells.iter().any(|cell| !cell.trim().is_empty()))
        .collect();
    Ok(Table { headers, rows })
}

/// Why the cells of a worksheet were not read.
enum Unread {
    Damaged(String),
    Limit(ListError),
}

/// The non-empty cells of the first worksheet as text, by row number then column
/// (0-based), read one by one: calamine's ranges are dense, and two cells far apart
/// would make one of billions of cells. Every cell is counted against the limits as it
/// comes: a column right of [`Limits::columns`], more rows than [`Limits::rows`] (the
/// header too), a cell longer than [`Limits::cell_bytes`], or too many cells or bytes in
/// all end reading.
fn first_sheet_cells(
    bytes: &[u8],
    limits: &Limits,
) -> Result<BTreeMap<u32, Vec<(u32, String)>>, Unread> {
    let damaged = |e: calamine::XlsxError| Unread::Damaged(e.to_string());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(damaged)?;
    let name = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| Unread::Damaged("it has no worksheet".to_string()))?;
    let mut reader = workbook.worksheet_cells_reader(&name).map_err(damaged)?;
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut tally = Tally::default();
    while let Some(cell) = reader.next_cell().map_err(damaged)? {
        let (row, column) = cell.get_position();
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.trim().is_empty() {
            continue;
        }
        if column as usize >= limits.columns {
            return Err(Unread::Limit(too_large("columns", limits.columns)));
        }
        tally.cell(text.len(), limits).map_err(Unread::Limit)?;
        if !rows.contains_key(&row) && rows.len() > limits.rows {
            // The header row and `rows` data rows.
            return Err(Unread::Limit(too_large("rows", limits.rows)));
        }
        rows.entry(row).or_default().push((column, text));
    }
    Ok(rows)
}

/// A row's cells from `first_column` on, empty where the sheet has none, at most
/// `width` of them: a cell right of the last header has no header to be mapped by.
fn dense_row(cells: &[(u32, String)], first_column: u32, width: usize) -> Vec<String> {
    let index = |column: u32| (column - first_column) as usize;
    let used = cells
        .iter()
        .map(|&(column, _)| index(column) + 1)
        .filter(|&end| end <= width)
        .max()
        .unwrap_or(0);
    let mut row = vec![String::new(); used];
    for (column, text) in cells {
        if let Some(cell) = row.get_mut(index(*column)) {
            cell.clone_from(text);
        }
    }
    row
}

/// A cell as the text a person would type: whole numbers without `.0` (service numbers
/// are often stored as numbers), dates as `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            format!("{}", *number as i64)
        }
        Data::Float(number) => number.to_string(),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(date_time) if date_time.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = date_time.to_ymd_hms_milli();
            if (hour, minute, second) == (0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")
            }
        }
        Data::DateTime(duration) => duration.as_f64().to_string(),
        Data::DateTimeIso(text) => text.strip_suffix("T00:00:00").unwrap_or(text).to_string(),
        Data::DurationIso(text) => text.clone(),
        Data::Error(error) => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_what_the_header_line_uses_most() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2;3;4;5\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,2\n"), b';');
        assert_eq!(sniff_delimiter(b"\"a;x;y\",b\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"name\n"), b',');
    }

    #[test]
    fn lines_count_line_breaks_before_the_offset() {
        let mut lines = Lines::new(b"ab\ncd\nef", 1);
        assert_eq!(lines.line_of(0), 1);
        assert_eq!(lines.line_of(4), 2);
        assert_eq!(lines.line_of(100), 3);
        assert_eq!(lines.line_of(2), 1, "an earlier offset");
        assert_eq!(lines.line_of(3), 2);
        assert_eq!(Lines::new(b"\r\n\nx", 2).record_line(0), 4);
    }
}
