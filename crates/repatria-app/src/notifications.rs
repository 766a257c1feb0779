//! What the bureau sends to the powers of origin (Arts. 70, 120, 122–123): listing the
//! notifications that changes of the registry created, dispatching every pending one of
//! a power at once, the dispatch's documents (a CSV and a JSON list, one row per
//! notification with the particulars the reader may see, and a PDF cover list to sign),
//! and corrections, which are new notifications. Every read and write is audited.

use repatria_core::{
    Captive, DispatchId, NotificationId, NotificationKind, NotificationState, PartyCode, Timestamp,
};
use repatria_store::{
    Actor, AuditAction, Dispatch, Notification, NotificationFilter, Page, SqlStore, StoreError,
};
use serde_json::{json, Value};

repatria_core::words! {
    /// The documents of a dispatch.
    #[cfg_attr(feature = "api", derive(utoipa::ToSchema))]
    pub enum DispatchFile {
        /// One row per notification, for spreadsheets and the Agency's systems.
        #[cfg_attr(feature = "api", schema(rename = "notifications.csv"))]
        Csv = "notifications.csv",
        /// The same rows as a JSON array.
        #[cfg_attr(feature = "api", schema(rename = "notifications.json"))]
        Json = "notifications.json",
        /// The cover list to sign and seal: the dispatch, its counts by kind and one line
        /// per notification.
        #[cfg_attr(feature = "api", schema(rename = "cover.pdf"))]
        Cover = "cover.pdf",
    }
}

impl DispatchFile {
    pub fn content_type(&self) -> &'static str {
        match self {
            DispatchFile::Csv => "text/csv; charset=utf-8",
            DispatchFile::Json => "application/json",
            DispatchFile::Cover => "application/pdf",
        }
    }
}

/// The columns of a dispatch's rows, in order, and whether a column holds the particulars
/// only roles that read the full record may see (Art. 122 beyond identity).
pub const COLUMNS: &[(&str, bool)] = &[
    ("notification", false),
    ("kind", false),
    ("article", false),
    ("event_at", false),
    ("due_at", false),
    ("captive", false),
    ("power_of_origin", false),
    ("family_name", false),
    ("given_names", false),
    ("rank", false),
    ("service_number", false),
    ("date_of_birth", false),
    ("place_of_birth", true),
    ("father_first_name", true),
    ("mother_maiden_name", true),
    ("person_to_inform", true),
    ("correspondence_address", true),
    ("family_address", true),
    ("prisoner_number", true),
    ("status", false),
    ("place", false),
    ("facility", false),
    ("health", true),
    ("death", true),
    ("corrects", false),
    ("note", false),
];

/// A field the captive refused to give (Art. 17), as the lists print it.
pub const REFUSED: &str = "refused (Art. 17)";

/// One row of a dispatch: the notification and the captive's particulars as the record
/// holds them at dispatch time. Kept with the dispatch, so that its documents say what
/// was sent even after the record changes.
pub fn dispatch_row(n: &Notification, captive: &Captive) -> Value {
    let claim = captive.assessed_identity();
    let refused = |field: &str| claim.is_some_and(|c| c.refused_fields.iter().any(|f| f == field));
    let given = |field: &str, value: Option<String>| -> Value {
        if refused(field) {
            Value::from(REFUSED)
        } else {
            value.map(Value::from).unwrap_or(Value::Null)
        }
    };
    let event = n
        .event
        .and_then(|id| captive.timeline.iter().find(|e| e.id == id));
    let stamp = |t: Timestamp| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let health = matches!(
        n.kind,
        NotificationKind::HealthReport
            | NotificationKind::HospitalAdmission
            | NotificationKind::HospitalDischarge
            | NotificationKind::CaptureCard
    )
    .then(|| captive.current_health().map(|h| h.category.as_str()))
    .flatten();
    let death = matches!(
        n.kind,
        NotificationKind::Death | NotificationKind::DeathCertificate
    )
    .then_some(captive.death.as_ref())
    .flatten()
    .map(|d| {
        let burial = d.burial.as_ref();
        let parts = [
            Some(format!("died {} at {}", stamp(d.died_at), d.place)),
            Some(format!("cause: {}", d.cause)),
            burial
                .and_then(|b| b.cemetery.clone())
                .map(|c| format!("cemetery: {c}")),
            burial
                .and_then(|b| b.grave.clone())
                .map(|g| format!("grave: {g}")),
            burial
                .and_then(|b| b.marking.clone())
                .map(|m| format!("marking: {m}")),
        ];
        parts.into_iter().flatten().collect::<Vec<_>>().join("; ")
    });
    let particular = |field: repatria_core::ParticularField| -> Value {
        match captive.particulars.as_ref().and_then(|p| p.answer(field)) {
            Some(repatria_core::Answer::Given(text)) => Value::from(text),
            Some(repatria_core::Answer::Refused) => Value::from(REFUSED),
            None => Value::Null,
        }
    };
    use repatria_core::ParticularField as PF;
    json!({
        "notification": n.id.to_string(),
        "kind": n.kind.as_str(),
        "article": n.kind.article(),
        "event_at": stamp(n.event_at),
        "due_at": stamp(n.due_at),
        "captive": captive.id.to_string(),
        "power_of_origin": captive.power_of_origin.as_str(),
        "family_name": given("family_name", claim.and_then(|c| c.name.family.clone())),
        "given_names": given("given_name", claim.and_then(|c| c.name.given.clone())),
        "rank": given("rank", claim.and_then(|c| c.rank.clone())),
        "service_number": given("service_number", claim.and_then(|c| c.service_number.clone())),
        "date_of_birth": given("date_of_birth", claim.and_then(|c| c.date_of_birth.map(|d| d.to_string()))),
        "place_of_birth": claim.and_then(|c| c.place_of_birth.clone()),
        "father_first_name": particular(PF::FatherFirstName),
        "mother_maiden_name": particular(PF::MotherMaidenName),
        "person_to_inform": particular(PF::PersonToInform),
        "correspondence_address": particular(PF::CorrespondenceAddress),
        "family_address": particular(PF::FamilyAddress),
        "prisoner_number": particular(PF::PrisonerNumber),
        "status": captive.status().as_str(),
        "place": event.and_then(|e| e.place.clone()),
        "facility": event.and_then(|e| e.facility.map(|f| f.as_str())),
        "health": health,
        "death": death,
        "corrects": n.corrects.map(|c| c.to_string()),
        "note": n.note.clone(),
    })
}

/// The notifications `filter` selects; a reader who may not dispatch (the ICRC's
/// delegate) sees only dispatched ones. The listing is audited.
pub async fn list(
    store: &SqlStore,
    actor: &Actor,
    may_dispatch: bool,
    mut filter: NotificationFilter,
    now: Timestamp,
) -> Result<Page<Notification>, StoreError> {
    if !may_dispatch {
        if filter.state == Some(NotificationState::Pending) {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
                next: None,
            });
        }
        filter.state = Some(NotificationState::Dispatched);
        filter.overdue_at = None;
    }
    let page = store.notifications(&filter).await?;
    store
        .record_read(
            actor,
            AuditAction::NotificationRead,
            "notification",
            "list",
            json!({ "count": page.items.len(), "state": filter.state, "power_of_origin": filter.power_of_origin }),
            now,
        )
        .await?;
    Ok(page)
}

/// One notification, as [`list`] would show it.
pub async fn read(
    store: &SqlStore,
    actor: &Actor,
    may_dispatch: bool,
    id: NotificationId,
    now: Timestamp,
) -> Result<Notification, StoreError> {
    let notification = store.notification(id).await?;
    if !may_dispatch && notification.state != NotificationState::Dispatched {
        return Err(StoreError::NotFound);
    }
    store
        .record_read(
            actor,
            AuditAction::NotificationRead,
            "notification",
            &id.to_string(),
            json!({}),
            now,
        )
        .await?;
    Ok(notification)
}

/// The longest name of the channel a dispatch goes through.
pub const MAX_VIA: usize = 200;

/// Sends every pending notification for `power` through `via` in one dispatch.
pub async fn dispatch(
    store: &SqlStore,
    actor: &Actor,
    power: &PartyCode,
    via: &str,
    now: Timestamp,
) -> Result<Dispatch, StoreError> {
    // A power the registry does not know has nothing pending: the store's conflict
    // says so.
    store
        .dispatch_notifications(actor, power, via, now, dispatch_row)
        .await
}

/// A dispatch's rows as `may_read_particulars` allows: without it, the columns of
/// particulars are taken out (in place: a dispatch of 100,000 rows is not copied).
pub fn visible_rows(mut rows: Vec<Value>, may_read_particulars: bool) -> Vec<Value> {
    for row in &mut rows {
        if let Some(fields) = row.as_object_mut() {
            fields.retain(|name, _| {
                COLUMNS.iter().any(|(column, particular)| {
                    column == name && (!particular || may_read_particulars)
                })
            });
        }
    }
    rows
}

/// Why a dispatch's document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DispatchFileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the document could not be written: {0}")]
    Document(#[from] repatria_documents::DocumentError),
}

/// A dispatch's document: its bytes, as the reader may see it. Audited.
pub async fn file(
    store: &SqlStore,
    actor: &Actor,
    may_read_particulars: bool,
    id: DispatchId,
    file: DispatchFile,
    now: Timestamp,
) -> Result<Vec<u8>, DispatchFileError> {
    let mut dispatch = store.dispatch(id).await?;
    store
        .record_read(
            actor,
            AuditAction::NotificationRead,
            "notification_dispatch",
            &id.to_string(),
            json!({ "file": file.as_str(), "rows": dispatch.rows.len() }),
            now,
        )
        .await?;
    let rows = visible_rows(std::mem::take(&mut dispatch.rows), may_read_particulars);
    let columns: Vec<&str> = COLUMNS
        .iter()
        .filter(|(_, particular)| !particular || may_read_particulars)
        .map(|(c, _)| *c)
        .collect();
    let cell = |row: &Value, column: &str| match row.get(column) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    Ok(match file {
        DispatchFile::Json => serde_json::to_vec_pretty(&rows)
            .map_err(|e| StoreError::Corrupt(format!("dispatch {id}: {e}")))?,
        DispatchFile::Csv => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|row| columns.iter().map(|c| cell(row, c)).collect())
                .collect();
            repatria_lists::write_csv(&columns, &table).into_bytes()
        }
        DispatchFile::Cover => {
            let stamp = dispatch
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let mut kinds: Vec<(String, usize)> = Vec::new();
            for row in &rows {
                let kind = cell(row, "kind");
                match kinds.iter_mut().find(|(k, _)| *k == kind) {
                    Some(slot) => slot.1 += 1,
                    None => kinds.push((kind, 1)),
                }
            }
            kinds.sort();
            let table = repatria_documents::Table {
                title: format!(
                    "Notifications to the power of origin {} — dispatch {}",
                    dispatch.power_of_origin, dispatch.id
                ),
                lines: vec![
                    format!("Sent through: {}", dispatch.via),
                    format!("Dispatched at {stamp} by {}", dispatch.created_by),
                    format!(
                        "{} notifications: {}",
                        dispatch.count,
                        kinds
                            .iter()
                            .map(|(k, n)| format!("{k} {n}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "GC III Arts. 70, 120, 122 and 123".into(),
                ],
                headers: ["No.", "Notification", "Kind", "Event", "Captive", "Family name", "Given names", "Service number"]
                    .map(String::from)
                    .to_vec(),
                rows: rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        vec![
                            (i + 1).to_string(),
                            cell(row, "notification"),
                            cell(row, "kind"),
                            cell(row, "event_at"),
                            cell(row, "captive"),
                            cell(row, "family_name"),
                            cell(row, "given_names"),
                            cell(row, "service_number"),
                        ]
                    })
                    .collect(),
                footer: Some(format!(
                    "Signed off for the national information bureau by {} on {stamp}.\n\nSignature: ______________________    Seal:",
                    dispatch.created_by
                )),
            };
            repatria_documents::pdf(&table)?
        }
    })
}

/// A correction of an earlier notification, itself a new pending notification.
pub async fn correct(
    store: &SqlStore,
    actor: &Actor,
    id: NotificationId,
    note: &str,
    now: Timestamp,
) -> Result<Notification, StoreError> {
    let note = repatria_core::captive::text(Some(note), 2_000)
        .map_err(|e| {
            repatria_core::DomainError::Invalid(vec![repatria_core::FieldError::new(
                "note", e.reason,
            )])
        })?
        .ok_or_else(|| {
            repatria_core::DomainError::invalid("note", "is required: say what is corrected")
        })?;
    store.correct_notification(actor, id, note, now).await
}
