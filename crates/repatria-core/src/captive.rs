//! The captive record: identity claims, capture report, custody timeline, health,
//! languages and interviews, and the wish about repatriation.
//!
//! All operations here are pure. Identifiers and the current time are passed in by the
//! caller (the store), so the same operation gives the same result in a test.

use crate::date::PartialDate;
use crate::death::DeathRecord;
use crate::error::{DomainError, FieldError};
use crate::ids::{CaptiveId, ClaimId, EventId, InterviewId};
use crate::names::{search_tokens, PersonName};
use crate::notices::{CardSent, NoticePolicy};
use crate::particulars::Particulars;
use crate::party::{optional_text, required_text, PartyCode};
use crate::words;
use crate::Timestamp;

words! {
    /// Where an identity claim comes from. Art. 17 obliges a prisoner to give only his
    /// surname, first names, rank, date of birth and service number; everything else is
    /// established "by all possible means", so every claim carries its source.
    pub enum ClaimSource {
        DocumentFound = "document_found",
        SelfDeclared = "self_declared",
        OtherPartyList = "other_party_list",
        Family = "family",
        InvestigatorAssessment = "investigator_assessment",
    }
}

words! {
    /// State of health as on the capture card of GC III Annex IV B.
    pub enum HealthCategory {
        GoodHealth = "good_health",
        NotWounded = "not_wounded",
        Recovered = "recovered",
        Convalescent = "convalescent",
        Sick = "sick",
        SlightlyWounded = "slightly_wounded",
        SeriouslyWounded = "seriously_wounded",
    }
}

impl HealthCategory {
    /// Seriously wounded or sick prisoners are reported on weekly (Art. 122) and are the
    /// ones considered for direct repatriation (Arts. 109, 110).
    pub fn needs_weekly_report(&self) -> bool {
        matches!(
            self,
            HealthCategory::SeriouslyWounded | HealthCategory::Sick
        )
    }
}

words! {
    /// What happened to a captive at one moment of his custody.
    pub enum CustodyEventKind {
        Captured = "captured",
        Evacuated = "evacuated",
        AdmittedToHospital = "admitted_to_hospital",
        Discharged = "discharged",
        Transferred = "transferred",
        Interviewed = "interviewed",
        VisitedByIcrc = "visited_by_icrc",
        Released = "released",
        Repatriated = "repatriated",
        Escaped = "escaped",
        Died = "died",
    }
}

words! {
    /// The kind of place an event happened at. Arrival at a camp (transit camps
    /// included) starts the one-week limit for the capture card (Art. 70).
    pub enum FacilityKind {
        Battlefield = "battlefield",
        FieldHospital = "field_hospital",
        Hospital = "hospital",
        TransitCamp = "transit_camp",
        Camp = "camp",
        DetentionSite = "detention_site",
        Crossing = "crossing",
        Other = "other",
    }
}

impl FacilityKind {
    pub fn is_camp(&self) -> bool {
        matches!(
            self,
            FacilityKind::TransitCamp | FacilityKind::Camp | FacilityKind::DetentionSite
        )
    }
}

words! {
    /// Where a captive stands now, derived from the custody timeline.
    pub enum CustodyStatus {
        InCustody = "in_custody",
        InHospital = "in_hospital",
        Escaped = "escaped",
        Released = "released",
        Repatriated = "repatriated",
        Deceased = "deceased",
    }
}

words! {
    /// The captive's own wish about repatriation. Nobody is repatriated against his will
    /// during hostilities (Art. 109).
    pub enum RepatriationWish {
        Unknown = "unknown",
        Wishes = "wishes",
        Refuses = "refuses",
    }
}

/// Validates an ISO 3166-1 alpha-2 country code; lower case is accepted and raised.
pub fn parse_nationality(input: &str) -> Result<String, FieldError> {
    let code = input.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(FieldError::new(
            "",
            format!("expected an ISO 3166-1 alpha-2 code such as UA, got {input:?}"),
        ))
    }
}

/// Validates a language code (ISO 639-1 or 639-3, such as `uk`, `ru`, `ko`, `fra`).
pub fn parse_language(input: &str) -> Result<String, FieldError> {
    let code = input.trim().to_ascii_lowercase();
    if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err(FieldError::new(
            "",
            format!("expected an ISO 639 language code such as uk, got {input:?}"),
        ))
    }
}

/// Validates a confidence, a probability in [0, 1].
pub fn parse_confidence(value: f64) -> Result<f64, FieldError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(
            "",
            format!("must be between 0 and 1, got {value}"),
        ))
    }
}

/// Trims free text and bounds its length; empty becomes `None`.
pub fn text(input: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match input {
        None => Ok(None),
        Some(s) => optional_text(s, max),
    }
}

/// Trims free text that must be present and bounds its length.
pub fn required(input: &str, max: usize) -> Result<String, FieldError> {
    required_text(input, max)
}

/// A travel or identity document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Document {
    pub kind: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
}

/// One account of who a captive is. A captive may carry another man's papers, so the
/// identity a document states is one claim among others, never the identity itself.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IdentityClaim {
    pub id: ClaimId,
    pub source: ClaimSource,
    pub name: PersonName,
    pub date_of_birth: Option<PartialDate>,
    pub place_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    pub rank: Option<String>,
    pub service_number: Option<String>,
    pub unit: Option<String>,
    pub document: Option<Document>,
    /// How far the recorder trusts this claim, in [0, 1].
    pub confidence: f64,
    /// The document this claim was read from does not belong to its bearer.
    pub document_not_bearers: bool,
    /// Fields the captive refused to give; refusal may not be punished (Art. 17).
    pub refused_fields: Vec<String>,
    pub note: Option<String>,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

impl IdentityClaim {
    /// A claim of a name alone, with a middling confidence; the other particulars are
    /// filled in by the caller as they are known.
    pub fn new(
        id: ClaimId,
        source: ClaimSource,
        name: PersonName,
        recorded_at: Timestamp,
        recorded_by: &str,
    ) -> IdentityClaim {
        IdentityClaim {
            id,
            source,
            name,
            date_of_birth: None,
            place_of_birth: None,
            nationality: None,
            rank: None,
            service_number: None,
            unit: None,
            document: None,
            confidence: 0.5,
            document_not_bearers: false,
            refused_fields: Vec::new(),
            note: None,
            recorded_at,
            recorded_by: recorded_by.to_string(),
        }
    }

    /// Cross-field rules of a claim.
    pub fn check(&self) -> Result<(), DomainError> {
        if self.document_not_bearers && self.document.is_none() {
            return Err(DomainError::invalid(
                "document_not_bearers",
                "a document can only be flagged as not the bearer's when the claim has a document",
            ));
        }
        for field in &self.refused_fields {
            if !REFUSABLE_FIELDS.contains(&field.as_str()) {
                return Err(DomainError::invalid(
                    "refused_fields",
                    format!("{field:?} is not one of {}", REFUSABLE_FIELDS.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

/// The particulars of Art. 17 a prisoner may refuse to give.
pub const REFUSABLE_FIELDS: &[&str] = &[
    "family_name",
    "given_name",
    "rank",
    "date_of_birth",
    "service_number",
];

/// Optional geographic coordinates, WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

impl Coordinates {
    pub fn new(latitude: f64, longitude: f64) -> Result<Coordinates, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(latitude.is_finite() && (-90.0..=90.0).contains(&latitude)) {
            errors.push(FieldError::new("latitude", "must be between -90 and 90"));
        }
        if !(longitude.is_finite() && (-180.0..=180.0).contains(&longitude)) {
            errors.push(FieldError::new("longitude", "must be between -180 and 180"));
        }
        if errors.is_empty() {
            Ok(Coordinates {
                latitude,
                longitude,
            })
        } else {
            Err(errors)
        }
    }
}

/// When, where and by whom a captive was taken, and in what condition. Starts the legal
/// clocks of Arts. 70 and 122.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CaptureReport {
    pub captured_at: Timestamp,
    pub place: String,
    pub coordinates: Option<Coordinates>,
    pub capturing_unit: Option<String>,
    pub condition: Option<String>,
}

/// One event of the custody timeline.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustodyEvent {
    pub id: EventId,
    pub kind: CustodyEventKind,
    pub at: Timestamp,
    pub place: Option<String>,
    pub facility: Option<FacilityKind>,
    pub note: Option<String>,
    pub recorded_by: String,
}

/// A medical officer's assessment of health.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HealthRecord {
    pub category: HealthCategory,
    /// Meets the conditions of Art. 110 for direct repatriation.
    pub eligible_for_direct_repatriation: bool,
    pub note: Option<String>,
    pub assessed_at: Timestamp,
    pub recorded_by: String,
}

/// An interview, in a language the captive understands (Art. 17).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interview {
    pub id: InterviewId,
    pub at: Timestamp,
    pub interviewer: String,
    /// ISO 639 code of the language the questions were put in.
    pub language: String,
    /// Name of the interpreter, when one was used.
    pub interpreter: Option<String>,
    /// Restricted: readable only by the roles that may read interviews.
    pub summary: Option<String>,
    pub recorded_by: String,
}

/// The captive's wish about repatriation, who recorded it and when.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WishRecord {
    pub wish: RepatriationWish,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub note: Option<String>,
}

/// Judicial proceedings for which a captive is held back (GC III Art. 115): the
/// proceedings' reference, since when, and who recorded it. Such a captive is not
/// exchanged unless he is seriously wounded or sick.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Proceedings {
    /// The court's or prosecutor's reference of the case.
    pub reference: String,
    pub since: Timestamp,
    pub recorded_by: String,
    pub note: Option<String>,
}

impl Proceedings {
    /// Checks the reference (1 to 200 characters) and the note (at most 2,000).
    pub fn check(&self) -> Result<(), DomainError> {
        let mut v = crate::error::Validator::new();
        v.check(
            crate::party::required_text(&self.reference, 200).map_err(|e| e.within("reference")),
        );
        if let Some(note) = &self.note {
            if note.chars().count() > 2000 {
                v.check::<()>(Err(crate::FieldError::new(
                    "note",
                    "must be at most 2000 characters",
                )));
            }
        }
        v.finish()
    }
}

/// What is needed to open a captive's record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCaptive {
    pub power_of_origin: PartyCode,
    pub detaining_power: PartyCode,
    pub capture: CaptureReport,
    /// The first claim becomes the assessed identity unless `assessed_claim` says
    /// otherwise.
    pub claims: Vec<IdentityClaim>,
    pub assessed_claim: Option<usize>,
    pub languages: Vec<String>,
    pub interpreter_required: bool,
    pub health: Option<HealthRecord>,
}

/// A prisoner of war in the registry: the aggregate that every operation below keeps
/// consistent.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Captive {
    pub id: CaptiveId,
    pub power_of_origin: PartyCode,
    pub detaining_power: PartyCode,
    pub capture: CaptureReport,
    pub claims: Vec<IdentityClaim>,
    pub assessed_claim: Option<ClaimId>,
    /// The particulars of Art. 122 and Annex IV (parents, person to inform, addresses,
    /// prisoner number); `None` until recorded.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub particulars: Option<Particulars>,
    /// Sorted by time; the first event is the capture.
    pub timeline: Vec<CustodyEvent>,
    /// Oldest first; the last is the current state of health.
    pub health: Vec<HealthRecord>,
    pub languages: Vec<String>,
    pub interpreter_required: bool,
    pub interviews: Vec<Interview>,
    pub repatriation_wish: Option<WishRecord>,
    pub capture_card_sent_at: Option<Timestamp>,
    /// Held back for judicial proceedings (Art. 115); `None` when there are none.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub proceedings: Option<Proceedings>,
    /// The capture cards recorded as sent, one per occasion (Art. 70).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub cards_sent: Vec<CardSent>,
    /// His death, burial and any enquiry (Arts. 120–121).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub death: Option<DeathRecord>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How far ahead of the caller's clock an event may be dated: clocks of field devices
/// drift, but a record of the future is a typing error.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(10);

impl Captive {
    /// Opens a record. The capture report becomes the first custody event.
    pub fn open(
        id: CaptiveId,
        new: NewCaptive,
        capture_event_id: EventId,
        actor: &str,
        now: Timestamp,
    ) -> Result<Captive, DomainError> {
        if new.capture.captured_at > now + CLOCK_SKEW {
            return Err(DomainError::invalid(
                "capture.captured_at",
                "must not be in the future",
            ));
        }
        for (index, claim) in new.claims.iter().enumerate() {
            claim
                .check()
                .map_err(|e| prefix_error(e, &format!("identity_claims[{index}]")))?;
        }
        let assessed_claim = match new.assessed_claim {
            Some(index) => Some(
                new.claims
                    .get(index)
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "assessed_claim",
                            format!("there is no claim number {index}"),
                        )
                    })?
                    .id,
            ),
            None => new.claims.first().map(|c| c.id),
        };
        let captured = CustodyEvent {
            id: capture_event_id,
            kind: CustodyEventKind::Captured,
            at: new.capture.captured_at,
            place: Some(new.capture.place.clone()),
            facility: Some(FacilityKind::Battlefield),
            note: new.capture.condition.clone(),
            recorded_by: actor.to_string(),
        };
        Ok(Captive {
            id,
            power_of_origin: new.power_of_origin,
            detaining_power: new.detaining_power,
            capture: new.capture,
            claims: new.claims,
            assessed_claim,
            particulars: None,
            timeline: vec![captured],
            health: new.health.into_iter().collect(),
            languages: new.languages,
            interpreter_required: new.interpreter_required,
            interviews: Vec::new(),
            repatriation_wish: None,
            capture_card_sent_at: None,
            proceedings: None,
            cards_sent: Vec::new(),
            death: None,
            created_at: now,
            updated_at: now,
        })
    }

    /// Records the judicial proceedings he is held for (Art. 115), or with `None` that
    /// they ended.
    pub fn set_proceedings(
        &mut self,
        proceedings: Option<Proceedings>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        if let Some(p) = &proceedings {
            p.check()?;
            if p.since > now + CLOCK_SKEW {
                return Err(DomainError::invalid("since", "must not be in the future"));
            }
        } else if self.proceedings.is_none() {
            return Err(DomainError::rule(
                "proceedings",
                "no proceedings are recorded for this captive",
            ));
        }
        self.proceedings = proceedings;
        self.updated_at = now;
        Ok(())
    }

    /// The claim currently held to be the captive's true identity.
    pub fn assessed_identity(&self) -> Option<&IdentityClaim> {
        let id = self.assessed_claim?;
        self.claims.iter().find(|c| c.id == id)
    }

    /// Adds an identity claim; it becomes the assessed identity if there was none.
    pub fn add_claim(&mut self, claim: IdentityClaim, now: Timestamp) -> Result<(), DomainError> {
        claim.check()?;
        if self.claims.iter().any(|c| c.id == claim.id) {
            return Err(DomainError::rule("id", "this claim is already recorded"));
        }
        if self.assessed_claim.is_none() {
            self.assessed_claim = Some(claim.id);
        }
        self.claims.push(claim);
        self.updated_at = now;
        Ok(())
    }

    /// Marks one of the captive's claims as the assessed identity.
    pub fn set_assessed_identity(
        &mut self,
        claim: ClaimId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        if !self.claims.iter().any(|c| c.id == claim) {
            return Err(DomainError::rule(
                "claim_id",
                "no identity claim with this id belongs to the captive",
            ));
        }
        self.assessed_claim = Some(claim);
        self.updated_at = now;
        Ok(())
    }

    /// Records the particulars of Art. 122 and Annex IV, replacing those recorded
    /// before; particulars with nothing given and nothing refused clear them (and are
    /// refused when there is nothing to clear). They are checked again as
    /// [`Particulars::new`] checks text (trimmed, bounded, a refused field without a
    /// value), and may not be dated in the future. That the prisoner number is no other
    /// captive's is the store's to check.
    pub fn set_particulars(
        &mut self,
        particulars: Particulars,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        if particulars.recorded_at > now + CLOCK_SKEW {
            errors.push(FieldError::new("recorded_at", "must not be in the future"));
        }
        let checked = Particulars::new(
            particulars.text(),
            particulars.recorded_at,
            &particulars.recorded_by,
        );
        match checked {
            Ok(checked) if checked.is_empty() && self.particulars.is_none() => {
                Err(DomainError::rule(
                    "particulars",
                    "nothing is given or refused, and no particulars are recorded to clear",
                ))
            }
            Ok(checked) if errors.is_empty() => {
                self.particulars = (!checked.is_empty()).then_some(checked);
                self.updated_at = now;
                Ok(())
            }
            Ok(_) => Err(DomainError::Invalid(errors)),
            Err(more) => {
                errors.extend(more);
                Err(DomainError::Invalid(errors))
            }
        }
    }

    /// Adds a custody event. Events may be recorded late and out of order; the timeline
    /// is kept sorted and must still make sense as a whole afterwards.
    pub fn add_custody_event(
        &mut self,
        event: CustodyEvent,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        if event.at > now + CLOCK_SKEW {
            return Err(DomainError::invalid("at", "must not be in the future"));
        }
        if event.at < self.capture.captured_at {
            return Err(DomainError::rule("at", "is before the capture"));
        }
        let mut timeline = self.timeline.clone();
        // Stable insertion after events of the same instant keeps the recorded order.
        let position = timeline.partition_point(|e| e.at <= event.at);
        timeline.insert(position, event);
        derive_status(&timeline)?;
        self.timeline = timeline;
        self.updated_at = now;
        Ok(())
    }

    /// Where the captive stands now.
    pub fn status(&self) -> CustodyStatus {
        derive_status(&self.timeline).unwrap_or(CustodyStatus::InCustody)
    }

    /// Records a health assessment; the newest assessment is the current one.
    pub fn record_health(
        &mut self,
        record: HealthRecord,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        if record.assessed_at > now + CLOCK_SKEW {
            return Err(DomainError::invalid(
                "assessed_at",
                "must not be in the future",
            ));
        }
        let position = self
            .health
            .partition_point(|h| h.assessed_at <= record.assessed_at);
        self.health.insert(position, record);
        self.updated_at = now;
        Ok(())
    }

    pub fn current_health(&self) -> Option<&HealthRecord> {
        self.health.last()
    }

    pub fn set_languages(
        &mut self,
        languages: Vec<String>,
        interpreter_required: bool,
        now: Timestamp,
    ) {
        let mut languages = languages;
        languages.dedup();
        self.languages = languages;
        self.interpreter_required = interpreter_required;
        self.updated_at = now;
    }

    /// Records an interview. Questioning must be in a language the captive understands
    /// (Art. 17): when his languages are known, the interview's language must be one of
    /// them, and when he needs an interpreter one must have been used.
    pub fn record_interview(
        &mut self,
        interview: Interview,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        if interview.at > now + CLOCK_SKEW {
            return Err(DomainError::invalid("at", "must not be in the future"));
        }
        if interview.at < self.capture.captured_at {
            return Err(DomainError::rule("at", "is before the capture"));
        }
        if !self.languages.is_empty() && !self.languages.contains(&interview.language) {
            return Err(DomainError::rule(
                "language",
                format!(
                    "the captive is not recorded as understanding {:?} (he understands {}); Art. 17 requires questioning in a language he understands",
                    interview.language,
                    self.languages.join(", ")
                ),
            ));
        }
        if self.interpreter_required && interview.interpreter.is_none() {
            return Err(DomainError::rule(
                "interpreter",
                "the captive needs an interpreter; name the interpreter used (Art. 17)",
            ));
        }
        let position = self.interviews.partition_point(|i| i.at <= interview.at);
        self.interviews.insert(position, interview);
        self.updated_at = now;
        Ok(())
    }

    pub fn record_repatriation_wish(&mut self, wish: WishRecord, now: Timestamp) {
        self.repatriation_wish = Some(wish);
        self.updated_at = now;
    }

    /// Records that a capture card was sent (Art. 70): the card of `occasion` (the
    /// custody event it is for), or without one the oldest card not yet sent. A card
    /// cannot be marked sent before it exists: there must be such an occasion, and the
    /// card cannot have left before it.
    pub fn record_capture_card_sent(
        &mut self,
        occasion: Option<EventId>,
        sent_at: Timestamp,
        actor: &str,
        now: Timestamp,
    ) -> Result<EventId, DomainError> {
        if sent_at > now + CLOCK_SKEW {
            return Err(DomainError::invalid("sent_at", "must not be in the future"));
        }
        let cards = self.capture_cards(&NoticePolicy::default());
        let card = match occasion {
            Some(event) => cards.iter().find(|c| c.event == event).ok_or_else(|| {
                DomainError::rule(
                    "occasion",
                    format!("no capture card is due for the custody event {event}; cards are due on capture, arrival at a camp, admission to hospital and transfer"),
                )
            })?,
            None => cards.iter().find(|c| c.sent_at.is_none()).ok_or_else(|| {
                DomainError::rule("occasion", "every capture card of this captive is already recorded as sent")
            })?,
        };
        if card.sent_at.is_some() {
            return Err(DomainError::rule(
                "occasion",
                format!("the {} card is already recorded as sent", card.occasion),
            ));
        }
        if sent_at < card.event_at {
            return Err(DomainError::rule(
                "sent_at",
                format!(
                    "is before the card's occasion ({}), when the card did not exist yet",
                    card.occasion
                ),
            ));
        }
        let event = card.event;
        if self.timeline.first().is_some_and(|e| e.id == event) {
            self.capture_card_sent_at = Some(sent_at);
        }
        self.cards_sent.push(CardSent {
            event,
            sent_at,
            recorded_by: actor.to_string(),
        });
        self.updated_at = now;
        Ok(event)
    }

    /// Search tokens over every identity claim's names: a captive is found under any
    /// name he has been known by, not only the assessed one.
    pub fn search_tokens(&self) -> Vec<String> {
        let mut tokens: Vec<String> = self
            .claims
            .iter()
            .flat_map(|c| [&c.name.family, &c.name.given, &c.name.patronymic])
            .flatten()
            .flat_map(|part| search_tokens(part))
            .collect();
        tokens.sort();
        tokens.dedup();
        tokens
    }
}

fn prefix_error(error: DomainError, prefix: &str) -> DomainError {
    match error {
        DomainError::Invalid(errors) => {
            DomainError::Invalid(errors.into_iter().map(|e| e.within(prefix)).collect())
        }
        DomainError::Rule { field, reason } => DomainError::Rule {
            field: format!("{prefix}.{field}"),
            reason,
        },
    }
}

/// Walks a sorted timeline through the custody state machine. The first event must be
/// the capture; every later event must be possible in the state reached so far.
pub fn derive_status(timeline: &[CustodyEvent]) -> Result<CustodyStatus, DomainError> {
    use CustodyEventKind as K;
    use CustodyStatus as S;
    let mut events = timeline.iter();
    match events.next() {
        Some(first) if first.kind == K::Captured => {}
        _ => {
            return Err(DomainError::rule(
                "kind",
                "a custody timeline begins with the capture",
            ))
        }
    }
    let mut status = S::InCustody;
    for event in events {
        let next = match (status, event.kind) {
            (S::Deceased, _) => None,
            (S::Released | S::Repatriated, K::Died) => Some(S::Deceased),
            (S::Released | S::Repatriated, _) => None,
            (S::Escaped, K::Captured) => Some(S::InCustody),
            (S::Escaped, K::Died) => Some(S::Deceased),
            (S::Escaped, _) => None,
            (_, K::Captured) => None,
            (S::InCustody, K::AdmittedToHospital) => Some(S::InHospital),
            (S::InCustody, K::Discharged) => None,
            (S::InHospital, K::AdmittedToHospital) => None,
            (S::InHospital, K::Discharged) => Some(S::InCustody),
            (current, K::Evacuated | K::Transferred | K::Interviewed | K::VisitedByIcrc) => {
                Some(current)
            }
            (_, K::Released) => Some(S::Released),
            (_, K::Repatriated) => Some(S::Repatriated),
            (_, K::Escaped) => Some(S::Escaped),
            (_, K::Died) => Some(S::Deceased),
        };
        status = next.ok_or_else(|| {
            DomainError::rule(
                "kind",
                format!(
                    "{} on {} is not possible for a captive who is {} at that time",
                    event.kind,
                    event.at.format("%Y-%m-%d %H:%M"),
                    status.as_str().replace('_', " ")
                ),
            )
        })?;
    }
    Ok(status)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(day: u32, hour: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2025, 1, day, hour, 0, 0)
            .unwrap()
    }

    fn event(kind: CustodyEventKind, day: u32) -> CustodyEvent {
        CustodyEvent {
            id: EventId(Uuid::from_u128(day as u128 * 100 + kind as u128)),
            kind,
            at: at(day, 12),
            place: None,
            facility: None,
            note: None,
            recorded_by: "registrar".into(),
        }
    }

    pub(crate) fn claim(n: u128, family: &str) -> IdentityClaim {
        let name = PersonName {
            family: Some(family.into()),
            given: None,
            patronymic: None,
        };
        IdentityClaim::new(
            ClaimId(Uuid::from_u128(n)),
            ClaimSource::SelfDeclared,
            name,
            at(9, 0),
            "registrar",
        )
    }

    pub(crate) fn captive() -> Captive {
        let new = NewCaptive {
            power_of_origin: PartyCode::parse("KP").unwrap(),
            detaining_power: PartyCode::parse("UA").unwrap(),
            capture: CaptureReport {
                captured_at: at(9, 6),
                place: "Border region".into(),
                coordinates: None,
                capturing_unit: None,
                condition: Some("wounded".into()),
            },
            claims: vec![claim(1, "Kim")],
            assessed_claim: None,
            languages: vec![],
            interpreter_required: false,
            health: None,
        };
        Captive::open(
            CaptiveId(Uuid::from_u128(7)),
            new,
            EventId(Uuid::from_u128(8)),
            "registrar",
            at(9, 8),
        )
        .unwrap()
    }

    /// Applies events in the given order and expects the resulting status, or the error
    /// fragment of the first event refused.
    fn check(events: &[(CustodyEventKind, u32)], expect: Result<CustodyStatus, &str>) {
        let mut c = captive();
        let mut outcome = Ok(());
        for (kind, day) in events {
            outcome = c.add_custody_event(event(*kind, *day), at(31, 0));
            if outcome.is_err() {
                break;
            }
        }
        match (outcome, expect) {
            (Ok(()), Ok(status)) => assert_eq!(c.status(), status, "{events:?}"),
            (Err(error), Err(fragment)) => {
                assert!(
                    error.to_string().contains(fragment),
                    "{events:?}: {error} lacks {fragment:?}"
                )
            }
            (got, want) => panic!("{events:?}: got {got:?} / {:?}, want {want:?}", c.status()),
        }
    }

    #[test]
    fn proceedings_are_recorded_checked_and_ended_art_115() {
        let mut c = captive();
        let now = at(20, 8);
        let proceedings = |reference: &str, since| Proceedings {
            reference: reference.into(),
            since,
            recorded_by: "registrar".into(),
            note: None,
        };
        let nothing = c.set_proceedings(None, now).unwrap_err();
        assert!(nothing.to_string().contains("no proceedings"), "{nothing}");
        let empty = c.set_proceedings(Some(proceedings(" ", at(12, 8))), now);
        assert!(matches!(empty, Err(DomainError::Invalid(f)) if f[0].field == "reference"));
        let future = c.set_proceedings(Some(proceedings("Case 1", at(21, 8))), now);
        assert!(matches!(future, Err(DomainError::Invalid(f)) if f[0].field == "since"));
        assert_eq!(
            c.proceedings, None,
            "a refused change leaves the record as it was"
        );
        c.set_proceedings(Some(proceedings("Case 1", at(12, 8))), now)
            .unwrap();
        assert_eq!(c.proceedings.as_ref().unwrap().reference, "Case 1");
        c.set_proceedings(None, now).unwrap();
        assert_eq!(c.proceedings, None);
    }

    #[test]
    fn status_follows_the_custody_timeline() {
        use CustodyEventKind as K;
        use CustodyStatus as S;
        check(&[], Ok(S::InCustody));
        check(
            &[(K::Evacuated, 10), (K::AdmittedToHospital, 10)],
            Ok(S::InHospital),
        );
        check(
            &[(K::AdmittedToHospital, 10), (K::Transferred, 12)],
            Ok(S::InHospital),
        );
        check(
            &[
                (K::AdmittedToHospital, 10),
                (K::Discharged, 15),
                (K::Transferred, 16),
            ],
            Ok(S::InCustody),
        );
        check(
            &[(K::AdmittedToHospital, 10), (K::Repatriated, 20)],
            Ok(S::Repatriated),
        );
        check(&[(K::Escaped, 11), (K::Captured, 14)], Ok(S::InCustody));
        check(&[(K::Released, 11), (K::Died, 14)], Ok(S::Deceased));
        check(
            &[(K::Interviewed, 11), (K::VisitedByIcrc, 12)],
            Ok(S::InCustody),
        );
        // A late entry is placed by its time, between the events already recorded.
        check(
            &[
                (K::AdmittedToHospital, 10),
                (K::Discharged, 15),
                (K::Transferred, 12),
            ],
            Ok(S::InCustody),
        );
    }

    #[test]
    fn impossible_timelines_are_refused() {
        use CustodyEventKind as K;
        check(
            &[(K::Discharged, 10)],
            Err("discharged on 2025-01-10 12:00 is not possible for a captive who is in custody"),
        );
        check(&[(K::Captured, 10)], Err("captured on 2025-01-10"));
        check(
            &[(K::Died, 10), (K::Transferred, 11)],
            Err("who is deceased"),
        );
        check(
            &[(K::Repatriated, 10), (K::Interviewed, 11)],
            Err("who is repatriated"),
        );
        check(
            &[(K::AdmittedToHospital, 10), (K::AdmittedToHospital, 11)],
            Err("who is in hospital"),
        );
        check(
            &[(K::Escaped, 10), (K::Transferred, 11)],
            Err("who is escaped"),
        );
        check(&[(K::Transferred, 8)], Err("before the capture"));
        // Recorded out of order: the death on the 20th makes the transfer on the 30th impossible.
        check(
            &[(K::Transferred, 30), (K::Died, 20)],
            Err("who is deceased"),
        );
    }

    #[test]
    fn an_event_dated_in_the_future_is_refused_and_leaves_the_record_unchanged() {
        let mut c = captive();
        let before = c.clone();
        let error = c
            .add_custody_event(event(CustodyEventKind::Transferred, 20), at(15, 0))
            .unwrap_err();
        assert!(error.to_string().contains("future"));
        assert_eq!(c, before);
    }

    #[test]
    fn the_first_claim_is_assessed_until_another_is_chosen() {
        let mut c = captive();
        assert_eq!(
            c.assessed_identity().unwrap().name.family.as_deref(),
            Some("Kim")
        );
        c.add_claim(claim(2, "Ri"), at(10, 0)).unwrap();
        assert_eq!(
            c.assessed_identity().unwrap().name.family.as_deref(),
            Some("Kim")
        );
        c.set_assessed_identity(ClaimId(Uuid::from_u128(2)), at(10, 1))
            .unwrap();
        assert_eq!(
            c.assessed_identity().unwrap().name.family.as_deref(),
            Some("Ri")
        );
        assert!(c
            .set_assessed_identity(ClaimId(Uuid::from_u128(99)), at(10, 2))
            .is_err());
        assert!(
            c.add_claim(claim(2, "Ri"), at(10, 3)).is_err(),
            "duplicate claim id accepted"
        );
    }

    #[test]
    fn a_document_can_be_disowned_only_when_there_is_one() {
        let mut c = captive();
        let mut disowned = claim(3, "Pak");
        disowned.document_not_bearers = true;
        assert!(c
            .add_claim(disowned.clone(), at(10, 0))
            .unwrap_err()
            .to_string()
            .contains("document_not_bearers"));
        disowned.document = Some(Document {
            kind: Some("military_id".into()),
            number: Some("AB123".into()),
            issuer: None,
        });
        c.add_claim(disowned, at(10, 0)).unwrap();
        let mut refused = claim(4, "Choe");
        refused.refused_fields = vec!["religion".into()];
        assert!(c.add_claim(refused, at(10, 0)).is_err());
    }

    #[test]
    fn interviews_must_be_in_a_language_the_captive_understands() {
        let mut c = captive();
        c.set_languages(vec!["ko".into()], true, at(10, 0));
        let interview = |language: &str, interpreter: Option<&str>| Interview {
            id: InterviewId(Uuid::from_u128(5)),
            at: at(11, 0),
            interviewer: "investigator".into(),
            language: language.into(),
            interpreter: interpreter.map(String::from),
            summary: None,
            recorded_by: "investigator".into(),
        };
        let wrong = c
            .record_interview(interview("uk", Some("interpreter")), at(12, 0))
            .unwrap_err();
        assert!(wrong.to_string().contains("Art. 17"), "{wrong}");
        let no_interpreter = c
            .record_interview(interview("ko", None), at(12, 0))
            .unwrap_err();
        assert!(
            no_interpreter.to_string().contains("interpreter"),
            "{no_interpreter}"
        );
        c.record_interview(interview("ko", Some("interpreter")), at(12, 0))
            .unwrap();
        assert_eq!(c.interviews.len(), 1);
    }

    #[test]
    fn search_tokens_cover_every_claim() {
        let mut c = captive();
        c.add_claim(claim(2, "Ри"), at(10, 0)).unwrap();
        assert_eq!(c.search_tokens(), vec!["kim", "ри"]);
    }

    #[test]
    fn words_parse_and_list_what_is_expected() {
        assert_eq!(
            "seriously_wounded".parse::<HealthCategory>().unwrap(),
            HealthCategory::SeriouslyWounded
        );
        let error = "wounded".parse::<HealthCategory>().unwrap_err();
        assert!(
            error
                .reason
                .contains("slightly_wounded or seriously_wounded"),
            "{}",
            error.reason
        );
        assert!(parse_nationality("ua").is_ok() && parse_nationality("UKR").is_err());
        assert!(parse_language("ko").is_ok() && parse_language("korean").is_err());
        assert!(parse_confidence(1.0).is_ok() && parse_confidence(f64::NAN).is_err());
        assert!(Coordinates::new(91.0, 0.0).is_err() && Coordinates::new(50.4, 30.5).is_ok());
    }
}
