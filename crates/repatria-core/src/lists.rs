//! Incoming lists: a file received from the other side, from our own units or from
//! families, imported as a whole (all rows or none) and remembered by its content so that
//! importing it twice creates nothing new.

use crate::date::PartialDate;
use crate::ids::ImportId;
use crate::names::PersonName;
use crate::party::PartyCode;
use crate::sex::Sex;
use crate::words;
use crate::Timestamp;

words! {
    /// What the rows of an imported file are.
    pub enum ImportKind {
        /// Persons listed by a party or a unit, reconciled against the registry.
        List = "list",
        /// Tracing requests, one per row.
        Tracing = "tracing",
        /// The persons a side demands in an exchange, reconciled against the registry.
        Demand = "demand",
    }
}

/// One imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ListImport {
    pub id: ImportId,
    /// SHA-256 of the file's bytes, hex: the same file imported twice is recognised.
    pub content_hash: String,
    pub kind: ImportKind,
    /// `csv`, `xlsx` or `pfif`.
    pub format: String,
    /// The party that sent the list, when known.
    pub source: Option<PartyCode>,
    pub file_name: String,
    pub rows: u64,
    pub created_at: Timestamp,
    pub created_by: String,
    /// The exchange a demand list belongs to.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub exchange: Option<crate::ExchangeId>,
}

/// A person as one row of a list describes him.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ListEntry {
    /// The row's line in the file (1-based, the header is line 1 in CSV).
    pub line: u64,
    /// The sender's own identifier of the row, when the list has one.
    pub external_id: Option<String>,
    pub name: PersonName,
    /// The name in one piece, when the list does not split it.
    pub full_name: Option<String>,
    pub date_of_birth: Option<PartialDate>,
    pub sex: Option<Sex>,
    pub place_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    pub unit: Option<String>,
    pub service_number: Option<String>,
    pub rank: Option<String>,
    pub note: Option<String>,
}

impl ListEntry {
    /// The name as a person reads it: the parts when known, else the full name.
    pub fn display_name(&self) -> String {
        if self.name.is_empty() {
            self.full_name.clone().unwrap_or_default()
        } else {
            self.name.display()
        }
    }
}
