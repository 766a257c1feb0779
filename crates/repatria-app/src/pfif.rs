//! The registry as PFIF 1.4 (People Finder Interchange Format), for the Central Tracing
//! Agency and other tracing services: one person per named captive (the assessed
//! identity), with a note from the bureau on where he stands and its PFIF status. The
//! export is a read of every record and is audited.
//!
//! The note's status is what the bureau believes (docs/pfif.md): a captive
//! it holds, or held until he was released or repatriated, is `believed_alive`; one who
//! escaped is `believed_missing`, since the bureau no longer knows where he is; one whose
//! death it recorded (GC III Art. 120) is `believed_dead`, the note's `source_date` being
//! the time of death.

use repatria_core::{Captive, CustodyEventKind, CustodyStatus, DomainError, Timestamp};
use repatria_lists::{write_pfif, PfifNote, PfifPerson, PfifStatus};
use repatria_store::{Actor, SqlStore, StoreError};

/// The bureau as PFIF names it: the source of the persons and the author of the notes.
const BUREAU: &str = "Repatria";

/// The registry as PFIF persons, record ids under `domain` (`domain/captive.<id>`).
///
/// A domain PFIF record ids cannot carry ([`repatria_lists::check_record_domain`]) is
/// refused as [`StoreError::Domain`] naming `domain`. A captive whose assessed identity
/// gives no name is left out: PFIF requires a person's full name.
pub async fn persons(
    store: &SqlStore,
    domain: &str,
    now: Timestamp,
) -> Result<Vec<PfifPerson>, StoreError> {
    repatria_lists::check_record_domain(domain)
        .map_err(|e| StoreError::Domain(DomainError::Invalid(vec![e])))?;
    let captives = store.all_captives().await?;
    let stamp = pfif_time(now);
    Ok(captives
        .iter()
        .filter_map(|c| person(c, domain, &stamp))
        .collect())
}

/// One captive as a PFIF person written at `stamp`, or `None` if he has no name.
fn person(captive: &Captive, domain: &str, stamp: &str) -> Option<PfifPerson> {
    let assessed = captive.assessed_identity()?;
    // PFIF's validators read names as one line each.
    let full_name = one_line(&assessed.name.display());
    if full_name.is_empty() {
        return None;
    }
    Some(PfifPerson {
        person_record_id: format!("{domain}/captive.{}", captive.id),
        entry_date: stamp.to_string(),
        source_name: BUREAU.into(),
        full_name,
        given_name: assessed.name.given.as_deref().map(one_line),
        family_name: assessed.name.family.as_deref().map(one_line),
        sex: None,
        date_of_birth: assessed.date_of_birth,
        home_country: assessed.nationality.clone(),
        description: None,
        notes: vec![status_note(captive, domain, stamp)],
    })
}

/// The bureau's note on where the captive stands, written at `stamp`: its PFIF status
/// ([`pfif_status`]) and text. The note of a dead captive gives the time of death as its
/// `source_date` and says that the bureau recorded the death; the place of death and the
/// event's note stay in the registry.
pub fn status_note(captive: &Captive, domain: &str, stamp: &str) -> PfifNote {
    let status = captive.status();
    let mut note = PfifNote {
        note_record_id: format!("{domain}/status.{}", captive.id),
        entry_date: stamp.to_string(),
        author_name: BUREAU.into(),
        source_date: None,
        status: Some(pfif_status(status)),
        text: format!("custody status: {}", status.as_str().replace('_', " ")),
    };
    match status {
        CustodyStatus::Deceased => {
            let died = captive
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind == CustodyEventKind::Died);
            note.text = match died {
                Some(died) => {
                    note.source_date = Some(pfif_time(died.at));
                    format!(
                        "Died {}, as recorded by the national information bureau \
                         (GC III Art. 120).",
                        died.at.format("%Y-%m-%d %H:%M UTC")
                    )
                }
                None => {
                    "Death recorded by the national information bureau (GC III Art. 120).".into()
                }
            };
        }
        CustodyStatus::Escaped => {
            note.text = "custody status: escaped; the bureau does not know where he is".into();
        }
        _ => {}
    }
    note
}

/// What the bureau believes of a captive in `status`, as a PFIF note's status: alive
/// while held and when he left custody released or repatriated, missing once he escaped
/// (the bureau no longer knows where he is, nor that he lives), dead once his death is
/// recorded.
pub fn pfif_status(status: CustodyStatus) -> PfifStatus {
    match status {
        CustodyStatus::InCustody
        | CustodyStatus::InHospital
        | CustodyStatus::Released
        | CustodyStatus::Repatriated => PfifStatus::BelievedAlive,
        CustodyStatus::Escaped => PfifStatus::BelievedMissing,
        CustodyStatus::Deceased => PfifStatus::BelievedDead,
    }
}

/// An instant as RFC 3339 in UTC to the second, as PFIF writes it.
fn pfif_time(at: Timestamp) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Text on one line: runs of white space (line breaks among them) become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The PFIF 1.4 document of the whole registry and the number of persons in it; the
/// read is recorded (`registry.export`, with the count). Refuses what [`persons`]
/// refuses.
pub async fn export(
    store: &SqlStore,
    actor: &Actor,
    domain: &str,
    now: Timestamp,
) -> Result<(String, usize), StoreError> {
    let persons = persons(store, domain, now).await?;
    store
        .record_read(
            actor,
            repatria_store::AuditAction::RegistryExport,
            "registry",
            "pfif",
            serde_json::json!({ "persons": persons.len() }),
            now,
        )
        .await?;
    Ok((write_pfif(&persons), persons.len()))
}
