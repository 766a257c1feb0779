//! Documents a party reads, prints and signs: the exchange manifest as CSV, XLSX and
//! PDF, built from one table so that the three say the same.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use repatria_app::exchanges::ManifestLine;
use repatria_core::PartyCode;
use repatria_documents::Table;
use repatria_exchange::record::{EntryStatus, Exchange};

use crate::error::ApiError;

/// The manifest as CSV (cells defused for spreadsheets: `=…` stays text), from the same
/// table as the XLSX and the PDF.
pub fn csv(table: &Table) -> String {
    let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
    repatria_lists::write_csv(&headers, &table.rows)
}

/// A document the table cannot be: too many rows, a cell too long. The manifest's own
/// rows never are; an error here is a fault.
pub fn failed(e: repatria_documents::DocumentError) -> ApiError {
    ApiError::Internal(format!("the manifest could not be written: {e}"))
}

/// A file to download.
pub fn download(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn status_word(status: EntryStatus) -> &'static str {
    match status {
        EntryStatus::Pending => "pending",
        EntryStatus::HandedOver => "handed over",
        EntryStatus::Received => "received",
        EntryStatus::Withdrawn => "withdrawn",
    }
}

/// The manifest as a party reads it: one row per person, names in its script.
pub fn manifest_table(
    exchange: &Exchange,
    party: Option<&PartyCode>,
    lines: &[ManifestLine],
) -> Table {
    let sides = exchange
        .sides
        .iter()
        .map(|s| {
            s.iter()
                .map(PartyCode::as_str)
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect::<Vec<_>>()
        .join(" / ");
    let mut header_lines = vec![format!("Sides: {sides}")];
    if !exchange.mediators.is_empty() {
        header_lines.push(format!(
            "Mediators: {}",
            exchange
                .mediators
                .iter()
                .map(PartyCode::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(a) = &exchange.agreement {
        header_lines.push(format!(
            "Agreed: proposal {} on {}",
            a.proposal,
            a.at.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    header_lines.push(format!(
        "For: {}",
        party.map(PartyCode::as_str).unwrap_or("all parties")
    ));
    header_lines.push(format!("Persons: {}", lines.len()));
    let rows = lines
        .iter()
        .map(|l| {
            let e = &l.entry;
            vec![
                e.position.to_string(),
                l.person.name.clone(),
                l.person.rank.clone().unwrap_or_default(),
                e.from.to_string(),
                e.to.to_string(),
                if e.counts_toward_balance {
                    "yes"
                } else {
                    "no (Arts. 109-110)"
                }
                .to_string(),
                status_word(e.status).to_string(),
                e.handover
                    .as_ref()
                    .map(|h| h.at.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                e.handover
                    .as_ref()
                    .and_then(|h| h.stage.clone())
                    .unwrap_or_default(),
                e.captive.to_string(),
            ]
        })
        .collect();
    Table {
        title: format!("Exchange manifest: {}", exchange.title),
        lines: header_lines,
        headers: [
            "No.", "Name", "Rank", "From", "To", "Counts toward balance", "Status", "Crossed at",
            "Stage", "Registry id",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        footer: Some(
            "Signed for the giving party: ____________________    Signed for the receiving party: ____________________    ICRC delegate: ____________________"
                .to_string(),
        ),
    }
}
