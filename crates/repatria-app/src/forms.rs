//! The Convention's forms filled from the record: the capture card (Art. 70, Annex IV B)
//! and the death certificate (Art. 120, Annex IV D), each in the detaining power's
//! language and one the captive understands, names in their own script. Printing one is
//! a read of the record and is audited (`document.print`).

use repatria_core::{
    Captive, CaptiveId, CardOccasion, DomainError, EventId, FieldError, PartyCode, Timestamp,
};
use repatria_documents::{CaptureCard, DeathCertificate, Entry, Language};
use repatria_store::{Actor, AuditAction, SqlStore, StoreError};

/// Why a form could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the document could not be written: {0}")]
    Document(#[from] repatria_documents::DocumentError),
}

impl From<DomainError> for FormError {
    fn from(e: DomainError) -> Self {
        FormError::Store(StoreError::Domain(e))
    }
}

/// The language a party's bureau writes: Ukrainian for UA, Russian for RU and BY, Korean
/// for KP and KR, English otherwise.
pub fn language_of_party(code: &PartyCode) -> Language {
    let state = code.as_str().split('-').next().unwrap_or_default();
    match state {
        "UA" => Language::Ukrainian,
        "RU" | "BY" | "KZ" | "KG" | "TJ" => Language::Russian,
        "KP" | "KR" => Language::Korean,
        _ => Language::English,
    }
}

/// The form's two languages: the detaining power's, then the first the captive is
/// recorded as understanding that the bureau can print (else his power of origin's).
pub fn languages_for(c: &Captive) -> (Language, Option<Language>) {
    let detaining = language_of_party(&c.detaining_power);
    let his = c
        .languages
        .iter()
        .find_map(|l| l.parse::<Language>().ok())
        .unwrap_or_else(|| language_of_party(&c.power_of_origin));
    (detaining, (his != detaining).then_some(his))
}

/// The claim whose names the form prints: one recorded in the script of his power of
/// origin (his own), else the assessed identity.
fn claim_to_print(c: &Captive) -> Option<&repatria_core::IdentityClaim> {
    use repatria_match::{script_for_party, script_of};
    let own = script_for_party(c.power_of_origin.as_str());
    let assessed = c.assessed_identity();
    let written_in_own = |claim: &&repatria_core::IdentityClaim| {
        let name = format!(
            "{} {}",
            claim.name.family.as_deref().unwrap_or(""),
            claim.name.given.as_deref().unwrap_or("")
        );
        script_of(&name) == Some(own)
    };
    assessed
        .filter(written_in_own)
        .or_else(|| c.claims.iter().find(written_in_own))
        .or(assessed)
        .or(c.claims.first())
}

fn date(t: Timestamp) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The identity entries of a form, refusals marked (Art. 17).
struct Identity {
    family_name: Entry,
    given_names: Entry,
    date_of_birth: Entry,
    place_of_birth: Entry,
    rank: Entry,
    service_number: Entry,
}

fn identity(c: &Captive) -> Identity {
    let claim = claim_to_print(c);
    // Refusals are the assessed identity's: what he refused to say stays refused on
    // every form, whichever claim spells his name.
    let refused = |field: &str| {
        c.assessed_identity()
            .or(claim)
            .is_some_and(|a| a.refused_fields.iter().any(|f| f == field))
    };
    let entry = |field: &str, value: Option<String>| {
        if refused(field) {
            Entry::Refused
        } else {
            Entry::from(value.filter(|v| !v.trim().is_empty()))
        }
    };
    let assessed = c.assessed_identity().or(claim);
    Identity {
        family_name: entry("family_name", claim.and_then(|a| a.name.family.clone())),
        given_names: entry(
            "given_name",
            claim.and_then(|a| {
                let parts: Vec<&str> = [a.name.given.as_deref(), a.name.patronymic.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            }),
        ),
        date_of_birth: entry(
            "date_of_birth",
            assessed.and_then(|a| a.date_of_birth.map(|d| d.to_string())),
        ),
        place_of_birth: Entry::from(assessed.and_then(|a| a.place_of_birth.clone())),
        rank: entry("rank", assessed.and_then(|a| a.rank.clone())),
        service_number: entry(
            "service_number",
            assessed.and_then(|a| a.service_number.clone()),
        ),
    }
}

/// A particular of Art. 122 as a form prints it: refused (Art. 17), given or unknown.
fn particular(c: &Captive, field: repatria_core::ParticularField) -> Entry {
    match c.particulars.as_ref().and_then(|p| p.answer(field)) {
        Some(repatria_core::Answer::Given(text)) => Entry::Given(text),
        Some(repatria_core::Answer::Refused) => Entry::Refused,
        None => Entry::Unknown,
    }
}

fn party_name(parties: &[repatria_core::Party], code: &PartyCode) -> String {
    parties
        .iter()
        .find(|p| p.code == *code)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The capture card of one occasion (`None`: the newest, whose present address is his
/// current one), dated `today`.
pub fn capture_card(
    c: &Captive,
    parties: &[repatria_core::Party],
    policy: &repatria_core::NoticePolicy,
    occasion: Option<EventId>,
    today: Timestamp,
) -> Result<CaptureCard, DomainError> {
    let cards = c.capture_cards(policy);
    let card = match occasion {
        Some(event) => cards
            .iter()
            .find(|card| card.event == event)
            .ok_or_else(|| {
                DomainError::rule(
                    "occasion",
                    format!("no capture card is due for the custody event {event}"),
                )
            })?,
        None => cards
            .last()
            .ok_or_else(|| DomainError::rule("occasion", "no capture card is due"))?,
    };
    let id = identity(c);
    // "Coming from": where he was before this occasion (for a card after the first).
    let coming_from = if card.occasion == CardOccasion::Capture {
        None
    } else {
        c.timeline
            .iter()
            .take_while(|e| e.id != card.event)
            .filter_map(|e| e.place.clone())
            .last()
    };
    Ok(CaptureCard {
        languages: languages_for(c),
        power: Entry::given(party_name(parties, &c.power_of_origin)),
        family_name: id.family_name,
        given_names: id.given_names,
        father_first_name: particular(c, repatria_core::ParticularField::FatherFirstName),
        date_of_birth: id.date_of_birth,
        place_of_birth: id.place_of_birth,
        rank: id.rank,
        service_number: id.service_number,
        family_address: particular(c, repatria_core::ParticularField::FamilyAddress),
        taken_prisoner_on: Entry::given(format!(
            "{}, {}",
            date(c.capture.captured_at),
            c.capture.place
        )),
        coming_from: Entry::from(coming_from),
        health: c.current_health().map(|h| h.category),
        prisoner_number: particular(c, repatria_core::ParticularField::PrisonerNumber),
        camp: Entry::from(card.place.clone()),
        date: date(today),
    })
}

/// The death certificate of a captive whose death is recorded.
pub fn death_certificate(
    c: &Captive,
    parties: &[repatria_core::Party],
    today: Timestamp,
) -> Result<DeathCertificate, DomainError> {
    let death = c.death.as_ref().ok_or_else(|| {
        DomainError::rule("death", "no death is recorded for this captive (Art. 120)")
    })?;
    let id = identity(c);
    let name = match (&id.family_name, &id.given_names) {
        (Entry::Given(f), Entry::Given(g)) => Entry::given(format!("{f} {g}")),
        (Entry::Given(f), _) => Entry::given(f.clone()),
        (_, Entry::Given(g)) => Entry::given(g.clone()),
        (Entry::Refused, _) | (_, Entry::Refused) => Entry::Refused,
        _ => Entry::Unknown,
    };
    let birth = match (&id.place_of_birth, &id.date_of_birth) {
        (Entry::Given(p), Entry::Given(d)) => Entry::given(format!("{p}, {d}")),
        (Entry::Given(p), _) => Entry::given(p.clone()),
        (_, d) => d.clone(),
    };
    let burial = death.burial.as_ref();
    let burial_place = burial.and_then(|b| {
        let parts: Vec<String> = [b.place.clone(), b.cemetery.clone(), b.buried_at.map(date)]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    });
    let grave = burial.and_then(|b| {
        let parts: Vec<String> = [b.grave.clone(), b.marking.clone()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    });
    Ok(DeathCertificate {
        languages: languages_for(c),
        authority: Entry::given(format!(
            "National information bureau of {}",
            party_name(parties, &c.detaining_power)
        )),
        power: Entry::given(party_name(parties, &c.power_of_origin)),
        name,
        father_first_name: particular(c, repatria_core::ParticularField::FatherFirstName),
        mother_maiden_name: particular(c, repatria_core::ParticularField::MotherMaidenName),
        birth,
        death: Entry::given(format!("{}, {}", death.place, date(death.died_at))),
        rank: id.rank,
        service_number: id.service_number,
        family_address: particular(c, repatria_core::ParticularField::FamilyAddress),
        taken_prisoner: Entry::given(format!(
            "{}, {}",
            c.capture.place,
            date(c.capture.captured_at)
        )),
        cause: Entry::given(death.cause.clone()),
        circumstances: Entry::from(death.circumstances.clone()),
        burial_place: Entry::from(burial_place),
        grave: Entry::from(grave),
        effects: Entry::Unknown,
        effects_agency: Entry::Unknown,
        last_moments: Entry::Unknown,
        certified_by: Entry::given(death.certified_by.clone()),
        date: date(today),
    })
}

async fn printed(
    store: &SqlStore,
    actor: &Actor,
    form: &str,
    ids: &[CaptiveId],
    now: Timestamp,
) -> Result<(), StoreError> {
    store
        .record_read(
            actor,
            AuditAction::DocumentPrint,
            "captive",
            &ids.first().map(ToString::to_string).unwrap_or_default(),
            serde_json::json!({ "form": form, "captives": ids }),
            now,
        )
        .await
}

/// One captive's capture card filled from his record (for the print page), the read
/// audited.
pub async fn read_capture_card(
    store: &SqlStore,
    actor: &Actor,
    id: CaptiveId,
    occasion: Option<EventId>,
    now: Timestamp,
) -> Result<CaptureCard, FormError> {
    let captive = store.get_captive(id).await?;
    let parties = store.list_parties().await?;
    let card = capture_card(&captive, &parties, store.notice_policy(), occasion, now)?;
    printed(store, actor, "capture_card", &[id], now).await?;
    Ok(card)
}

/// One captive's capture card as a PDF (both sides). Audited.
pub async fn capture_card_pdf(
    store: &SqlStore,
    actor: &Actor,
    id: CaptiveId,
    occasion: Option<EventId>,
    now: Timestamp,
) -> Result<Vec<u8>, FormError> {
    let card = read_capture_card(store, actor, id, occasion, now).await?;
    Ok(repatria_documents::capture_cards(std::slice::from_ref(
        &card,
    ))?)
}

/// The most captives one batch of capture cards prints.
pub const MAX_BATCH: usize = repatria_documents::MAX_CARDS;

/// The newest capture card of each of `ids`, in the order given, in one PDF. An unknown
/// id is refused naming its place in the list. Audited.
pub async fn capture_cards_pdf(
    store: &SqlStore,
    actor: &Actor,
    ids: &[CaptiveId],
    now: Timestamp,
) -> Result<Vec<u8>, FormError> {
    if ids.is_empty() {
        return Err(DomainError::invalid("captives", "name at least one captive").into());
    }
    if ids.len() > MAX_BATCH {
        return Err(DomainError::invalid(
            "captives",
            format!("at most {MAX_BATCH} captives a batch; print them in batches"),
        )
        .into());
    }
    let found = store.get_captives(ids).await?;
    let parties = store.list_parties().await?;
    let mut cards = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        match found.iter().find(|c| c.id == *id) {
            Some(c) => cards.push(capture_card(c, &parties, store.notice_policy(), None, now)?),
            None => missing.push(FieldError::new(
                format!("captives[{index}]"),
                format!("there is no captive {id}"),
            )),
        }
    }
    if !missing.is_empty() {
        return Err(StoreError::Unknown(missing).into());
    }
    printed(store, actor, "capture_card", ids, now).await?;
    let bytes = tokio::task::spawn_blocking(move || repatria_documents::capture_cards(&cards))
        .await
        .map_err(|e| StoreError::Corrupt(format!("the card batch stopped: {e}")))??;
    Ok(bytes)
}

/// One captive's death certificate as a PDF. Audited.
pub async fn death_certificate_pdf(
    store: &SqlStore,
    actor: &Actor,
    id: CaptiveId,
    now: Timestamp,
) -> Result<Vec<u8>, FormError> {
    let captive = store.get_captive(id).await?;
    let parties = store.list_parties().await?;
    let certificate = death_certificate(&captive, &parties, now)?;
    printed(store, actor, "death_certificate", &[id], now).await?;
    Ok(repatria_documents::death_certificate(&certificate)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use repatria_core::fixtures;
    use repatria_core::{CustodyEvent, CustodyEventKind, FacilityKind, NoticePolicy, Party};

    fn parties() -> Vec<Party> {
        vec![
            Party::new("UA", "Ukraine").unwrap(),
            Party::new("KP", "DPRK").unwrap(),
        ]
    }

    fn soldier() -> Captive {
        let mut new = fixtures::new_captive("KP", "리", "정철");
        new.detaining_power = fixtures::party("UA");
        new.languages = vec![];
        fixtures::captive(CaptiveId(fixtures::next_uuid()), new)
    }

    #[test]
    fn the_form_speaks_the_detaining_powers_language_and_his() {
        let mut c = soldier();
        assert_eq!(
            languages_for(&c),
            (Language::Ukrainian, Some(Language::Korean)),
            "no language recorded: his power's"
        );
        c.languages = vec!["ru".into(), "ko".into()];
        assert_eq!(
            languages_for(&c),
            (Language::Ukrainian, Some(Language::Russian)),
            "the first language he understands that the bureau prints"
        );
        c.languages = vec!["uk".into()];
        assert_eq!(
            languages_for(&c),
            (Language::Ukrainian, None),
            "once when the same"
        );
        assert_eq!(
            language_of_party(&PartyCode::parse("FR").unwrap()),
            Language::English
        );
    }

    #[test]
    fn a_card_after_a_transfer_names_where_he_came_from_and_his_refusals() {
        let mut c = soldier();
        c.claims[0].refused_fields = vec!["date_of_birth".into()];
        let at = c.capture.captured_at + chrono::Duration::days(3);
        c.add_custody_event(
            CustodyEvent {
                id: EventId(uuid::Uuid::from_u128(77)),
                kind: CustodyEventKind::Transferred,
                at,
                place: Some("Camp 3".into()),
                facility: Some(FacilityKind::Camp),
                note: None,
                recorded_by: "registrar".into(),
            },
            at,
        )
        .unwrap();
        let policy = NoticePolicy::default();
        let newest = capture_card(&c, &parties(), &policy, None, at).unwrap();
        assert_eq!(newest.camp, Entry::given("Camp 3"));
        assert_eq!(
            newest.coming_from,
            Entry::from(Some(c.capture.place.clone()))
        );
        assert_eq!(newest.date_of_birth, Entry::Refused);
        assert_eq!(newest.family_name, Entry::given("리"));
        assert_eq!(newest.power, Entry::given("DPRK"));
        let first = capture_card(&c, &parties(), &policy, Some(c.timeline[0].id), at).unwrap();
        assert_eq!(
            first.coming_from,
            Entry::Unknown,
            "the first card comes from nowhere"
        );
        let none = capture_card(
            &c,
            &parties(),
            &policy,
            Some(EventId(uuid::Uuid::from_u128(5))),
            at,
        );
        assert!(matches!(none, Err(DomainError::Rule { field, .. }) if field == "occasion"));
        assert!(
            death_certificate(&c, &parties(), at).is_err(),
            "no death recorded"
        );
    }
}
