//! Lists of people that arrive at the bureau, and the PFIF lists it sends out.
//!
//! Lists come from the other party, the ICRC's Central Tracing Agency, hospitals and
//! families, as CSV, Excel workbooks or PFIF (People Finder Interchange Format) XML. This
//! crate turns such a file's bytes into validated [`Entry`] values:
//!
//! 1. [`read_table`] reads a CSV file or the first worksheet of an XLSX workbook into a
//!    [`Table`] of text cells, each row with its line (CSV line, spreadsheet row).
//! 2. [`propose_mapping`] guesses which column holds which [`Field`] from the header
//!    names (English, Ukrainian, Russian); the user corrects the guess with
//!    [`Mapping::with_overrides`].
//! 3. [`read_entries`] validates every row and reports every bad one ([`RowError`]), so
//!    that an import can be all or nothing.
//!
//! PFIF files skip the table: [`read_pfif`] reads them straight into entries, and
//! [`write_pfif`] writes PFIF 1.4 for export. [`read_list`] takes any of the three
//! formats from bytes to entries in one call.
//!
//! Every reader is bounded: a file from outside must keep the [`Limits`] (bytes, rows,
//! columns, cell length, unpacked bytes of an XLSX archive, …), or it is refused with
//! [`ListError::TooLarge`] before or while it is parsed. The functions without `_with`
//! use [`Limits::default`].
//!
//! [`csv_cell`] defuses text for CSV files that people open in a spreadsheet.
//!
//! The crate is pure, like the engines: it takes bytes and returns values. It reads no
//! files, no clock and no environment; callers read the file and pass times in.
//!
//! ```
//! use repatria_lists::{propose_mapping, read_entries, read_table, Format};
//!
//! let csv = "ID,Прізвище,Ім'я,Дата народження\n17,Коваль,Петро,03.04.1991\n";
//! let table = read_table(Format::Csv, csv.as_bytes()).unwrap();
//! let mapping = propose_mapping(&table.headers);
//! let entries = read_entries(&table, &mapping).unwrap();
//! assert_eq!(entries[0].family_name.as_deref(), Some("Коваль"));
//! assert_eq!(entries[0].date_of_birth.unwrap().to_string(), "1991-04-03");
//! ```

mod entry;
mod field;
mod limits;
mod mapping;
mod pfif;
mod spreadsheet;
mod table;
#[cfg(feature = "testing")]
pub mod testing;

use std::fmt;

pub use entry::{read_entries, Entry};
pub use field::Field;
pub use limits::{check_xlsx, Limits};
pub use mapping::{propose_mapping, Mapping};
pub use pfif::{
    check_record_domain, read_pfif, read_pfif_with, write_pfif, PfifNote, PfifPerson, PfifStatus,
    PFIF_1_4_NAMESPACE,
};
/// The core's sex, as lists write it ([`Sex::parse`] reads every spelling).
pub use repatria_core::Sex;
pub use spreadsheet::{csv_cell, write_csv};
pub use table::{read_table, read_table_with, Row, Table};

repatria_core::words! {
    /// A list's file format: `csv`, `xlsx` or `pfif`, parsed in any case.
    pub enum Format {
        Csv = "csv" | "csv",
        Xlsx = "xlsx" | "xlsx",
        Pfif = "pfif" | "pfif",
    }
}

impl Format {
    /// From a file name's extension (`.csv`, `.xlsx`, `.xml` or `.pfif`), case-insensitive.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let (_, extension) = name.rsplit_once('.')?;
        match extension.to_ascii_lowercase().as_str() {
            "xml" => Some(Format::Pfif),
            extension => Format::parse(extension).ok(),
        }
    }

    /// From the file's first bytes, when neither its name nor the sender says the
    /// format: a ZIP archive is a workbook (XLSX), a document whose first character
    /// (after a byte order mark and blanks) is `<` is XML (PFIF), anything else is read
    /// as CSV. The reader then refuses what is not a file of that format.
    pub fn of_content(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            return Format::Xlsx;
        }
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => Format::Pfif,
            _ => Format::Csv,
        }
    }
}

/// Why a list, or the user's mapping of its columns, cannot be used at all. Problems
/// with single rows are [`RowError`]s instead, collected for the whole list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// The bytes are not a file of the expected format; the text says what is wrong,
    /// starting with `not a CSV file:` or `not an XLSX workbook:`.
    #[error("{0}")]
    Unreadable(String),
    /// The table has no header row (the file or first worksheet is empty).
    #[error("the list has no header row")]
    NoHeader,
    /// An override names a column the list does not have.
    #[error("the list has no column {0:?}")]
    UnknownHeader(String),
    /// An override or option names no known field.
    #[error("unknown field {0:?}; the fields are {names}", names = Field::names())]
    UnknownField(String),
    /// An override is not of the form `HEADER=field`.
    #[error("mapping override {0:?} is not of the form HEADER=field")]
    BadOverride(String),
    /// A format name that is not `csv`, `xlsx` or `pfif`.
    #[error("unknown list format {0:?}; expected csv, xlsx or pfif")]
    UnknownFormat(String),
    /// A function was given a format it does not read (PFIF is not a table).
    #[error("{0} cannot be read as a table; read PFIF with read_pfif")]
    WrongFormat(Format),
    /// Column overrides were given for a format without columns.
    #[error("a {0} list names its own fields; column overrides apply to csv and xlsx lists")]
    OverridesNotApplicable(Format),
    /// The file exceeds one of the [`Limits`]: more than `limit` of `what` (`rows`,
    /// `columns`, `bytes in one cell`, `unpacked bytes in one part of the workbook`, …).
    #[error("the list is too large: more than {limit} {what}")]
    TooLarge { what: &'static str, limit: u64 },
}

/// Why [`read_list`] read no entries: the file or mapping is unusable, or rows are bad.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    List(#[from] ListError),
    /// Every rejected row; displayed one per line.
    #[error("{}", join_lines(.0))]
    Rows(Vec<RowError>),
}

fn join_lines(errors: &[RowError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole way from a file's bytes to its entries, for callers that need no step in
/// between: a table read with the proposed mapping corrected by `overrides`
/// ([`Mapping::with_overrides`]), or a PFIF document (which takes no overrides).
pub fn read_list(
    format: Format,
    bytes: &[u8],
    overrides: &[String],
) -> Result<Vec<Entry>, ReadError> {
    read_list_with(format, bytes, overrides, &Limits::default())
}

/// [`read_list`] within the given limits.
pub fn read_list_with(
    format: Format,
    bytes: &[u8],
    overrides: &[String],
    limits: &Limits,
) -> Result<Vec<Entry>, ReadError> {
    if format == Format::Pfif {
        if !overrides.is_empty() {
            return Err(ListError::OverridesNotApplicable(format).into());
        }
        return read_pfif_with(bytes, limits);
    }
    let table = read_table_with(format, bytes, limits)?;
    let mapping = propose_mapping(&table.headers).with_overrides(&table.headers, overrides)?;
    read_entries(&table, &mapping).map_err(ReadError::Rows)
}

/// A rejected row: its line, the field at fault (if one), and why.
///
/// Displays as `line 7: date_of_birth: not a date (YYYY, YYYY-MM or YYYY-MM-DD): 31.02.1990`,
/// or `line 7: reason` when no single field is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub field: Option<String>,
    pub reason: String,
}

impl RowError {
    pub fn new(line: u64, field: Option<&str>, reason: impl Into<String>) -> RowError {
        RowError {
            line,
            field: field.map(str::to_string),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.reason)
    }
}

impl std::error::Error for RowError {}
