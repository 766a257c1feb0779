//! The registry as PFIF 1.4 (People Finder Interchange Format), for the Central Tracing
//! Agency and other tracing services: one person per captive (the assessed identity),
//! with a note on where he stands. The export is a read of every record and is audited.

use repatria_core::{CustodyStatus, Timestamp};
use repatria_lists::{write_pfif, PfifNote, PfifPerson};
use repatria_store::{Actor, SqlStore, StoreError};

/// The registry as PFIF persons, record ids under `domain` (`domain/captive.<id>`).
pub async fn persons(
    store: &SqlStore,
    domain: &str,
    now: Timestamp,
) -> Result<Vec<PfifPerson>, StoreError> {
    let captives = store.all_captives().await?;
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(captives
        .iter()
        .map(|c| {
            let assessed = c.assessed_identity();
            let name = assessed.map(|a| a.name.clone()).unwrap_or_default();
            PfifPerson {
                person_record_id: format!("{domain}/captive.{}", c.id),
                entry_date: stamp.clone(),
                source_name: "Repatria".into(),
                full_name: name.display(),
                given_name: name.given.clone(),
                family_name: name.family.clone(),
                sex: None,
                date_of_birth: assessed.and_then(|a| a.date_of_birth),
                home_country: assessed.and_then(|a| a.nationality.clone()),
                description: None,
                notes: vec![PfifNote {
                    note_record_id: format!("{domain}/status.{}", c.id),
                    entry_date: stamp.clone(),
                    author_name: "Repatria".into(),
                    status: Some("believed_alive".into())
                        .filter(|_| c.status() != CustodyStatus::Deceased),
                    text: format!("custody status: {}", c.status()),
                }],
            }
        })
        .collect())
}

/// The PFIF 1.4 document of the whole registry and the number of persons in it; the
/// read is recorded (`registry.export`, with the count).
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
