//! Bounds on a file from outside, and the check of an XLSX archive before it is read.
//!
//! Lists come from the other party and from anyone who can upload one, so a file may be
//! made to exhaust the reader: a ZIP entry that unpacks to gigabytes, a shared-strings
//! table that declares a hundred trillion strings (calamine reserves room for all of
//! them before reading one, and the allocation failure aborts the process), a cell in
//! the last of 16,384 columns, a cell of a hundred megabytes. Every reader of this crate
//! takes a [`Limits`] and refuses a file that exceeds one with
//! [`ListError::TooLarge`], before or while parsing, never after.
//!
//! For XLSX the archive is checked here before calamine sees it ([`check_xlsx`]): the
//! number of entries, and every entry unpacked into a counter with a hard cap per entry
//! and in total — real bytes, not the sizes the archive declares. The shared-strings
//! table's `uniqueCount` and its strings are counted, and each worksheet's declared
//! `<dimension>` is compared with the limits. calamine then reads a workbook whose every
//! part is known to be small enough; the cells it yields are counted as they come
//! (`table.rs`).

use std::io::{self, BufReader, Cursor, Read};

use quick_xml::events::Event;

use crate::ListError;

/// The bounds a file from outside must keep. The [`Default`] takes a list of half a
/// million people with a dozen columns, as CSV, XLSX or PFIF, and refuses what would
/// take more than a few hundred megabytes of memory to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the file as received (64 MiB: half a million CSV rows of 130 bytes).
    pub file_bytes: usize,
    /// Data rows of a table, person records of a PFIF document (500,000).
    pub rows: usize,
    /// Columns: cells of one CSV record, the rightmost column of a worksheet (256).
    pub columns: usize,
    /// Bytes of one cell's text; in PFIF, of one field element's text (32 KiB).
    pub cell_bytes: usize,
    /// Non-empty cells of a table, fields of a PFIF document (6,000,000: 500,000 rows of
    /// a dozen columns).
    pub cells: usize,
    /// Bytes of text in all cells together (256 MiB).
    pub text_bytes: usize,
    /// Entries of an XLSX archive (1,000; a workbook has a dozen).
    pub zip_entries: usize,
    /// Unpacked bytes of one entry of an XLSX archive (256 MiB: a worksheet of 500,000
    /// rows of a dozen cells takes about 150 MiB).
    pub entry_bytes: u64,
    /// Unpacked bytes of all entries of an XLSX archive together (512 MiB).
    pub unpacked_bytes: u64,
    /// Unpacked bytes of an XML part other than a worksheet or the shared strings
    /// (styles, workbook, relationships, theme; 16 MiB): calamine keeps what they
    /// describe in memory, at many times their size.
    pub part_bytes: u64,
    /// Elements of the styles part (300,000; Excel itself allows 64,000 cell formats):
    /// calamine keeps a style for each.
    pub style_elements: usize,
    /// Strings of an XLSX shared-strings table, declared or present (6,000,000).
    pub shared_strings: usize,
    /// Nesting depth of a PFIF document's elements (16; PFIF needs 4).
    pub xml_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_bytes: 64 * 1024 * 1024,
            rows: 500_000,
            columns: 256,
            cell_bytes: 32 * 1024,
            cells: 6_000_000,
            text_bytes: 256 * 1024 * 1024,
            zip_entries: 1_000,
            entry_bytes: 256 * 1024 * 1024,
            unpacked_bytes: 512 * 1024 * 1024,
            part_bytes: 16 * 1024 * 1024,
            style_elements: 300_000,
            shared_strings: 6_000_000,
            xml_depth: 16,
        }
    }
}

/// `ListError::TooLarge`: more than `limit` of `what`.
pub(crate) fn too_large(what: &'static str, limit: impl TryInto<u64>) -> ListError {
    ListError::TooLarge {
        what,
        limit: limit.try_into().unwrap_or(u64::MAX),
    }
}

/// Refuses a file larger than [`Limits::file_bytes`].
pub(crate) fn check_file_bytes(bytes: &[u8], limits: &Limits) -> Result<(), ListError> {
    if bytes.len() > limits.file_bytes {
        return Err(too_large("bytes in the file", limits.file_bytes));
    }
    Ok(())
}

/// Running counts of a table being read, checked against the limits as cells arrive.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    cells: usize,
    text_bytes: usize,
}

impl Tally {
    /// Counts one non-empty cell of `len` bytes.
    pub(crate) fn cell(&mut self, len: usize, limits: &Limits) -> Result<(), ListError> {
        if len > limits.cell_bytes {
            return Err(too_large("bytes in one cell", limits.cell_bytes));
        }
        self.cells += 1;
        if self.cells > limits.cells {
            return Err(too_large("cells", limits.cells));
        }
        self.text_bytes += len;
        if self.text_bytes > limits.text_bytes {
            return Err(too_large("bytes of text in all cells", limits.text_bytes));
        }
        Ok(())
    }
}

/// Checks an XLSX archive against the limits before calamine reads it: entries, real
/// unpacked bytes of each entry and of all, the shared-strings table and the worksheets'
/// declared dimensions. An archive that cannot be read at all is left for calamine to
/// describe (`Ok`), since it will refuse it with a better message.
pub fn check_xlsx(bytes: &[u8], limits: &Limits) -> Result<(), ListError> {
    check_file_bytes(bytes, limits)?;
    // The central directory's declared entry count, before the zip crate reads them all
    // into memory (it bounds its reservation by the directory's size, not by ours).
    if let Some(declared) = declared_entries(bytes) {
        if declared > limits.zip_entries {
            return Err(too_large(
                "entries in the workbook's archive",
                limits.zip_entries,
            ));
        }
    }
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    if archive.len() > limits.zip_entries {
        return Err(too_large(
            "entries in the workbook's archive",
            limits.zip_entries,
        ));
    }
    let mut total = 0u64;
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index(index) else {
            // Encrypted, an unknown compression, a broken header: calamine refuses it.
            continue;
        };
        let name = entry
            .name()
            .map(|name| name.to_ascii_lowercase())
            .unwrap_or_default();
        let shared = name.ends_with("sharedstrings.xml");
        let sheet = name.contains("worksheets/") && name.ends_with(".xml");
        let other_xml = !shared && !sheet && (name.ends_with(".xml") || name.ends_with(".rels"));
        let mut counter = Counter {
            inner: entry,
            entry: 0,
            total,
            cap: if other_xml {
                (limits.part_bytes.min(limits.entry_bytes), OTHER_PART)
            } else {
                (limits.entry_bytes, ONE_PART)
            },
            limits,
            exceeded: None,
        };
        let mut declared_strings = None;
        let checked = if shared {
            check_shared_strings(&mut counter, limits).map(|n| declared_strings = n)
        } else if sheet {
            check_sheet(&mut counter, limits)
        } else if name.ends_with("styles.xml") {
            check_styles(&mut counter, limits)
        } else {
            Ok(())
        };
        if let Some(exceeded) = counter.exceeded.take() {
            return Err(exceeded);
        }
        checked?;
        // Whatever the part, every byte of it is unpacked and counted.
        let drained = io::copy(&mut counter, &mut io::sink());
        if let Some(exceeded) = counter.exceeded.take() {
            return Err(exceeded);
        }
        // A damaged entry (bad CRC, truncated data) is left for calamine to refuse; the
        // bytes it gave count all the same, and the other entries are still checked.
        // calamine reserves room for the declared strings before reading one: a count
        // that the part's real bytes cannot hold (each `<si/>` takes at least 5) is a lie.
        if declared_strings.is_some_and(|n| n.saturating_mul(5) > u128::from(counter.entry)) {
            return Err(too_large(
                "strings in the workbook's shared-strings table",
                counter.entry / 5,
            ));
        }
        total = counter.total;
        let _ = drained;
    }
    Ok(())
}

/// The entry count of the ZIP end-of-central-directory record, if there is one
/// (`0xFFFF` announces a ZIP64 count, which no workbook within the limits needs).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    const SIGNATURE: &[u8] = b"PK\x05\x06";
    // The record is 22 bytes plus a comment of at most 65,535.
    let start = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[start..];
    let at = tail.windows(4).rposition(|w| w == SIGNATURE)?;
    let record = tail.get(at..at + 22)?;
    let entries = u16::from_le_bytes([record[10], record[11]]);
    Some(if entries == u16::MAX {
        usize::MAX
    } else {
        usize::from(entries)
    })
}

const ONE_PART: &str = "unpacked bytes in one part of the workbook";
const OTHER_PART: &str =
    "unpacked bytes in one part of the workbook other than a worksheet or the shared strings";

/// A reader that counts the bytes it passes and fails once a limit is crossed.
struct Counter<'l, R> {
    inner: R,
    entry: u64,
    total: u64,
    /// The bound of this entry and what it is called.
    cap: (u64, &'static str),
    limits: &'l Limits,
    /// Which limit was crossed, once one was.
    exceeded: Option<ListError>,
}

impl<R: Read> Read for Counter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.exceeded.is_some() {
            return Err(io::Error::other("limit exceeded"));
        }
        let n = self.inner.read(buf)?;
        self.entry += n as u64;
        self.total += n as u64;
        if self.entry > self.cap.0 {
            self.exceeded = Some(too_large(self.cap.1, self.cap.0));
        } else if self.total > self.limits.unpacked_bytes {
            self.exceeded = Some(too_large(
                "unpacked bytes in the workbook",
                self.limits.unpacked_bytes,
            ));
        }
        if self.exceeded.is_some() {
            return Err(io::Error::other("limit exceeded"));
        }
        Ok(n)
    }
}

/// The bytes quick-xml may hold for one event: a cell's text, plus room for markup.
fn event_bound(limits: &Limits) -> usize {
    limits.cell_bytes.saturating_mul(4).max(64 * 1024)
}

/// The shared-strings table: `uniqueCount` and `count` must be within the limit, and the
/// strings present are counted. The larger declared count is returned, for the caller
/// to compare with the part's real size.
fn check_shared_strings<R: Read>(
    counter: &mut Counter<'_, R>,
    limits: &Limits,
) -> Result<Option<u128>, ListError> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(counter));
    let mut buf = Vec::new();
    let mut strings = 0usize;
    let mut declared_most: Option<u128> = None;
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            // The counter's limit (the caller looks at the counter first), or XML this
            // reader cannot follow: calamine's reader might read on to a count this one
            // never saw, so the table is refused rather than passed unchecked.
            Err(error) => {
                return Err(ListError::Unreadable(format!(
                    "not an XLSX workbook: its shared-strings table is not well-formed XML: {error}"
                )))
            }
        };
        let held = match &event {
            Event::Text(text) => text.len(),
            Event::CData(data) => data.len(),
            Event::Start(start) | Event::Empty(start) => start.len(),
            _ => 0,
        };
        if held > event_bound(limits) {
            return Err(too_large("bytes in one cell", limits.cell_bytes));
        }
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => match e.local_name().as_ref() {
                "sst" => {
                    for attribute in e.attributes().flatten() {
                        let key = attribute.key.local_name();
                        if key.as_ref() != "uniqueCount" && key.as_ref() != "count" {
                            continue;
                        }
                        let declared = attribute.value.trim().parse::<u128>().ok();
                        // A count that is no number, or beyond any bound, is as bad as a
                        // large one: calamine would reserve what it can parse.
                        let within = declared.is_some_and(|n| {
                            n <= limits.shared_strings as u128
                                && n.saturating_mul(5) <= u128::from(limits.entry_bytes)
                        });
                        if !within {
                            return Err(too_large(
                                "strings in the workbook's shared-strings table",
                                limits.shared_strings,
                            ));
                        }
                        declared_most = declared_most.max(declared);
                    }
                }
                "si" => {
                    strings += 1;
                    if strings > limits.shared_strings {
                        return Err(too_large(
                            "strings in the workbook's shared-strings table",
                            limits.shared_strings,
                        ));
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(declared_most),
            _ => {}
        }
    }
}

/// The styles part: its elements are counted (calamine keeps a style, font, fill or
/// border for each); XML this reader cannot follow is refused rather than passed on.
fn check_styles<R: Read>(counter: &mut Counter<'_, R>, limits: &Limits) -> Result<(), ListError> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(counter));
    let mut buf = Vec::new();
    let mut elements = 0usize;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(_) | Event::Empty(_)) => {
                elements += 1;
                if elements > limits.style_elements {
                    return Err(too_large(
                        "elements in the workbook's styles",
                        limits.style_elements,
                    ));
                }
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(error) => {
                return Err(ListError::Unreadable(format!(
                    "not an XLSX workbook: its styles are not well-formed XML: {error}"
                )))
            }
        }
    }
}

/// A worksheet's declared `<dimension ref="A1:M500">`, read from its first 64 KiB (it
/// comes before the cells): the last column and row must be within the limits. The
/// cells themselves are counted as calamine reads them.
fn check_sheet<R: Read>(counter: &mut Counter<'_, R>, limits: &Limits) -> Result<(), ListError> {
    let head = BufReader::new(Read::take(&mut *counter, 64 * 1024));
    let mut reader = quick_xml::Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return Ok(());
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => match e.local_name().as_ref() {
                "dimension" => {
                    let Some(reference) = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "ref")
                    else {
                        return Ok(());
                    };
                    let reference = reference.value.into_owned();
                    let last = reference.rsplit(':').next().unwrap_or_default();
                    let (column, row) = cell_reference(last);
                    if column > limits.columns as u64 {
                        return Err(too_large("columns", limits.columns));
                    }
                    // One header row above the data.
                    if row > limits.rows as u64 + 1 {
                        return Err(too_large("rows", limits.rows));
                    }
                    return Ok(());
                }
                "sheetData" => return Ok(()),
                _ => {}
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// The 1-based column and row of a reference such as `XFD1048576` (saturating: a
/// reference of twenty letters is simply very far right).
fn cell_reference(text: &str) -> (u64, u64) {
    let text = text.trim().trim_start_matches('$');
    let letters = text.bytes().take_while(u8::is_ascii_alphabetic);
    let mut column = 0u64;
    let mut consumed = 0;
    for letter in letters {
        column = column
            .saturating_mul(26)
            .saturating_add(u64::from(letter.to_ascii_uppercase() - b'A' + 1));
        consumed += 1;
    }
    let digits = text[consumed..].trim_start_matches('$');
    let row = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |row, d| {
            row.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
    (column, row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_give_column_and_row() {
        assert_eq!(cell_reference("A1"), (1, 1));
        assert_eq!(cell_reference("$M$500"), (13, 500));
        assert_eq!(cell_reference("XFD1048576"), (16_384, 1_048_576));
        assert_eq!(cell_reference("ZZZZZZZZZZZZZZZZZZZZ1").0, u64::MAX);
    }

    #[test]
    fn the_declared_entry_count_is_read_from_the_end_record() {
        let mut record = b"junkPK\x05\x06".to_vec();
        record.extend_from_slice(&[0, 0, 0, 0, 7, 0, 7, 0]);
        record.extend_from_slice(&[0; 10]);
        assert_eq!(declared_entries(&record), Some(7));
        assert_eq!(declared_entries(b"no record here"), None);
    }
}
