//! The registry's JSON shapes: requests, validated into domain values once, here; and
//! views of a captive's record (what the role may read; what a journalist was released).

use chrono::{DateTime, Utc};
use repatria_core::captive::{parse_confidence, parse_language, parse_nationality, required, text};
use repatria_core::error::Validator;
use repatria_core::{
    Captive, CaptiveId, CaptureReport, ClaimId, ClaimSource, Coordinates, CustodyEvent,
    CustodyEventKind, Deadline, Document, EventId, FacilityKind, FieldError, HealthCategory,
    HealthRecord, IdentityClaim, Interview, InterviewId, NewCaptive, PartialDate, ParticularField,
    Particulars, ParticularsText, PartyCode, Permission, PersonName, RepatriationWish, Role,
    Timestamp, WishRecord,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::Validate;
use crate::routes::new_id;

fn parse_instant(input: &str) -> Result<Timestamp, FieldError> {
    DateTime::parse_from_rfc3339(input.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                "",
                format!("expected an RFC 3339 time such as 2025-01-09T06:30:00Z, got {input:?}"),
            )
        })
}

fn parse_word<T: std::str::FromStr<Err = FieldError>>(input: &str) -> Result<T, FieldError> {
    input.parse()
}
// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// Such as `military_id`, `passport`.
    #[schema(value_type = Option<crate::schema::Text80>)]
    pub kind: Option<String>,
    #[schema(value_type = Option<crate::schema::Text80>)]
    pub number: Option<String>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub issuer: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityClaimInput {
    /// `document_found`, `self_declared`, `other_party_list`, `family` or
    /// `investigator_assessment`.
    #[schema(value_type = crate::schema::ClaimSource)]
    pub source: String,
    /// Names in their original script.
    #[schema(value_type = Option<crate::schema::Text120>)]
    pub family_name: Option<String>,
    #[schema(value_type = Option<crate::schema::Text120>)]
    pub given_name: Option<String>,
    #[schema(value_type = Option<crate::schema::Text120>)]
    pub patronymic: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[schema(value_type = Option<crate::schema::PartialDate>)]
    pub date_of_birth: Option<String>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub place_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(value_type = Option<crate::schema::CountryCode>)]
    pub nationality: Option<String>,
    #[schema(value_type = Option<crate::schema::Text80>)]
    pub rank: Option<String>,
    #[schema(value_type = Option<crate::schema::Text80>)]
    pub service_number: Option<String>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub unit: Option<String>,
    pub document: Option<DocumentInput>,
    /// In [0, 1]; default 0.5.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub confidence: Option<f64>,
    /// The document does not belong to its bearer.
    #[serde(default)]
    pub document_not_bearers: bool,
    /// Art. 17 particulars the captive refused to give: `family_name`, `given_name`,
    /// `rank`, `date_of_birth`, `service_number`.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::ClaimField>)]
    pub refused_fields: Vec<String>,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
}

impl IdentityClaimInput {
    pub fn validate(self, actor: &str, now: Timestamp) -> Result<IdentityClaim, Vec<FieldError>> {
        let mut v = Validator::new();
        let source =
            v.check(parse_word::<ClaimSource>(&self.source).map_err(|e| e.within("source")));
        let name = match PersonName::new(
            self.family_name.as_deref(),
            self.given_name.as_deref(),
            self.patronymic.as_deref(),
        ) {
            Ok(name) => name,
            Err(errors) => {
                v.extend("", errors);
                PersonName::default()
            }
        };
        let mut field = |value: Option<String>, name: &str, max: usize| {
            v.check(text(value.as_deref(), max).map_err(|e| e.within(name)))
                .flatten()
        };
        let place_of_birth = field(self.place_of_birth, "place_of_birth", 200);
        let rank = field(self.rank, "rank", 80);
        let service_number = field(self.service_number, "service_number", 80);
        let unit = field(self.unit, "unit", 200);
        let note = field(self.note, "note", 2000);
        let document = self.document.map(|d| Document {
            kind: field(d.kind, "document.kind", 80),
            number: field(d.number, "document.number", 80),
            issuer: field(d.issuer, "document.issuer", 200),
        });
        let date_of_birth = match self.date_of_birth.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => v.check(PartialDate::parse(s).map_err(|e| e.within("date_of_birth"))),
        };
        let nationality = match self.nationality.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => v.check(parse_nationality(s).map_err(|e| e.within("nationality"))),
        };
        let confidence = v.check(
            parse_confidence(self.confidence.unwrap_or(0.5)).map_err(|e| e.within("confidence")),
        );
        v.finish().map_err(errors_of)?;
        Ok(IdentityClaim {
            id: ClaimId(new_id()),
            source: source.expect("checked"),
            name,
            date_of_birth,
            place_of_birth,
            nationality,
            rank,
            service_number,
            unit,
            document,
            confidence: confidence.expect("checked"),
            document_not_bearers: self.document_not_bearers,
            refused_fields: self.refused_fields,
            note,
            recorded_at: now,
            recorded_by: actor.to_string(),
        })
    }
}

fn errors_of(error: repatria_core::DomainError) -> Vec<FieldError> {
    match error {
        repatria_core::DomainError::Invalid(errors) => errors,
        repatria_core::DomainError::Rule { field, reason } => vec![FieldError::new(field, reason)],
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureInput {
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub captured_at: String,
    #[schema(value_type = crate::schema::Required200)]
    pub place: String,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<f64>,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<f64>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub capturing_unit: Option<String>,
    /// Condition at capture, in words.
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub condition: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthInput {
    /// As on the capture card: `good_health`, `not_wounded`, `recovered`,
    /// `convalescent`, `sick`, `slightly_wounded`, `seriously_wounded`.
    #[schema(value_type = crate::schema::HealthCategory)]
    pub category: String,
    /// Meets the conditions of GC III Art. 110 for direct repatriation.
    #[serde(default)]
    pub eligible_for_direct_repatriation: bool,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
    /// RFC 3339; default now.
    #[schema(format = DateTime)]
    pub assessed_at: Option<String>,
}

impl HealthInput {
    pub fn validate(self, actor: &str, now: Timestamp) -> Result<HealthRecord, Vec<FieldError>> {
        let mut v = Validator::new();
        let category =
            v.check(parse_word::<HealthCategory>(&self.category).map_err(|e| e.within("category")));
        let note = v
            .check(text(self.note.as_deref(), 2000).map_err(|e| e.within("note")))
            .flatten();
        let assessed_at = match &self.assessed_at {
            Some(s) => v.check(parse_instant(s).map_err(|e| e.within("assessed_at"))),
            None => Some(now),
        };
        v.finish().map_err(errors_of)?;
        Ok(HealthRecord {
            category: category.expect("checked"),
            eligible_for_direct_repatriation: self.eligible_for_direct_repatriation,
            note,
            assessed_at: assessed_at.expect("checked"),
            recorded_by: actor.to_string(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaptiveRequest {
    #[schema(value_type = crate::schema::PartyCode)]
    pub power_of_origin: String,
    #[schema(value_type = crate::schema::PartyCode)]
    pub detaining_power: String,
    pub capture: CaptureInput,
    #[serde(default)]
    pub identity_claims: Vec<IdentityClaimInput>,
    /// Index into `identity_claims` of the assessed identity; default the first.
    #[schema(minimum = 0)]
    pub assessed_claim: Option<usize>,
    /// ISO 639 codes of the languages the captive understands.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::LanguageCode>)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub interpreter_required: bool,
    pub health: Option<HealthInput>,
}

impl NewCaptiveRequest {
    pub fn validate(self, actor: &str, now: Timestamp) -> Result<NewCaptive, Vec<FieldError>> {
        let mut v = Validator::new();
        let origin = v.check(
            PartyCode::parse(&self.power_of_origin).map_err(|e| e.within("power_of_origin")),
        );
        let detaining = v.check(
            PartyCode::parse(&self.detaining_power).map_err(|e| e.within("detaining_power")),
        );
        let capture = self.capture;
        let captured_at = v.check(
            parse_instant(&capture.captured_at).map_err(|e| e.within("capture.captured_at")),
        );
        let place = v.check(required(&capture.place, 200).map_err(|e| e.within("capture.place")));
        let capturing_unit = v
            .check(
                text(capture.capturing_unit.as_deref(), 200)
                    .map_err(|e| e.within("capture.capturing_unit")),
            )
            .flatten();
        let condition = v
            .check(
                text(capture.condition.as_deref(), 2000).map_err(|e| e.within("capture.condition")),
            )
            .flatten();
        let coordinates = match (capture.latitude, capture.longitude) {
            (None, None) => None,
            (Some(lat), Some(lon)) => match Coordinates::new(lat, lon) {
                Ok(c) => Some(c),
                Err(errors) => {
                    v.extend("capture", errors);
                    None
                }
            },
            _ => {
                v.push(FieldError::new(
                    "capture.longitude",
                    "give both latitude and longitude, or neither",
                ));
                None
            }
        };
        let mut claims = Vec::new();
        for (index, claim) in self.identity_claims.into_iter().enumerate() {
            match claim.validate(actor, now) {
                Ok(claim) => claims.push(claim),
                Err(errors) => v.extend(&format!("identity_claims[{index}]"), errors),
            }
        }
        if let Some(index) = self.assessed_claim {
            if index >= claims.len().max(1) {
                v.push(FieldError::new(
                    "assessed_claim",
                    format!("there is no identity claim number {index}"),
                ));
            }
        }
        let mut languages = Vec::new();
        for (index, code) in self.languages.iter().enumerate() {
            if let Some(code) =
                v.check(parse_language(code).map_err(|e| e.within(&format!("languages[{index}]"))))
            {
                languages.push(code);
            }
        }
        let health = match self.health.map(|h| h.validate(actor, now)) {
            Some(Ok(h)) => Some(h),
            Some(Err(errors)) => {
                v.extend("health", errors);
                None
            }
            None => None,
        };
        v.finish().map_err(errors_of)?;
        Ok(NewCaptive {
            power_of_origin: origin.expect("checked"),
            detaining_power: detaining.expect("checked"),
            capture: CaptureReport {
                captured_at: captured_at.expect("checked"),
                place: place.expect("checked"),
                coordinates,
                capturing_unit,
                condition,
            },
            claims,
            assessed_claim: self.assessed_claim,
            languages,
            interpreter_required: self.interpreter_required,
            health,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessedIdentityRequest {
    #[schema(format = Uuid)]
    pub claim_id: String,
}

impl Validate for AssessedIdentityRequest {
    type Valid = ClaimId;

    fn validate(self) -> Result<ClaimId, Vec<FieldError>> {
        self.claim_id.trim().parse().map_err(|_| {
            vec![FieldError::new(
                "claim_id",
                format!("{:?} is not a claim id", self.claim_id),
            )]
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustodyEventInput {
    /// `captured`, `evacuated`, `admitted_to_hospital`, `discharged`, `transferred`,
    /// `interviewed`, `visited_by_icrc`, `released`, `repatriated`, `escaped` or `died`.
    #[schema(value_type = crate::schema::CustodyEventKind)]
    pub kind: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub at: String,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub place: Option<String>,
    /// `battlefield`, `field_hospital`, `hospital`, `transit_camp`, `camp`,
    /// `detention_site`, `crossing` or `other`.
    #[schema(value_type = Option<crate::schema::FacilityKind>)]
    pub facility: Option<String>,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
}

impl CustodyEventInput {
    pub fn validate(self, actor: &str) -> Result<CustodyEvent, Vec<FieldError>> {
        let mut v = Validator::new();
        let kind =
            v.check(parse_word::<CustodyEventKind>(&self.kind).map_err(|e| e.within("kind")));
        let at = v.check(parse_instant(&self.at).map_err(|e| e.within("at")));
        let place = v
            .check(text(self.place.as_deref(), 200).map_err(|e| e.within("place")))
            .flatten();
        let facility = match self.facility.as_deref() {
            None => None,
            Some(f) => v.check(parse_word::<FacilityKind>(f).map_err(|e| e.within("facility"))),
        };
        let note = v
            .check(text(self.note.as_deref(), 2000).map_err(|e| e.within("note")))
            .flatten();
        v.finish().map_err(errors_of)?;
        Ok(CustodyEvent {
            id: EventId(new_id()),
            kind: kind.expect("checked"),
            at: at.expect("checked"),
            place,
            facility,
            note,
            recorded_by: actor.to_string(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterviewInput {
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub at: String,
    #[schema(value_type = crate::schema::Required200)]
    pub interviewer: String,
    /// ISO 639 code of the language the questions were put in.
    #[schema(value_type = crate::schema::LanguageCode)]
    pub language: String,
    /// Name of the interpreter, if one was used.
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub interpreter: Option<String>,
    /// Restricted to the roles that may read interviews.
    #[schema(value_type = Option<crate::schema::Text20000>)]
    pub summary: Option<String>,
}

impl InterviewInput {
    pub fn validate(self, actor: &str) -> Result<Interview, Vec<FieldError>> {
        let mut v = Validator::new();
        let at = v.check(parse_instant(&self.at).map_err(|e| e.within("at")));
        let interviewer =
            v.check(required(&self.interviewer, 200).map_err(|e| e.within("interviewer")));
        let language = v.check(parse_language(&self.language).map_err(|e| e.within("language")));
        let interpreter = v
            .check(text(self.interpreter.as_deref(), 200).map_err(|e| e.within("interpreter")))
            .flatten();
        let summary = v
            .check(text(self.summary.as_deref(), 20_000).map_err(|e| e.within("summary")))
            .flatten();
        v.finish().map_err(errors_of)?;
        Ok(Interview {
            id: InterviewId(new_id()),
            at: at.expect("checked"),
            interviewer: interviewer.expect("checked"),
            language: language.expect("checked"),
            interpreter,
            summary,
            recorded_by: actor.to_string(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepatriationWishInput {
    /// `unknown`, `wishes` or `refuses`.
    #[schema(value_type = crate::schema::RepatriationWish)]
    pub wish: String,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
}

impl RepatriationWishInput {
    pub fn validate(self, actor: &str, now: Timestamp) -> Result<WishRecord, Vec<FieldError>> {
        let mut v = Validator::new();
        let wish =
            v.check(parse_word::<RepatriationWish>(&self.wish).map_err(|e| e.within("wish")));
        let note = v
            .check(text(self.note.as_deref(), 2000).map_err(|e| e.within("note")))
            .flatten();
        v.finish().map_err(errors_of)?;
        Ok(WishRecord {
            wish: wish.expect("checked"),
            recorded_at: now,
            recorded_by: actor.to_string(),
            note,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguagesInput {
    /// ISO 639 codes.
    #[schema(value_type = Vec<crate::schema::LanguageCode>)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub interpreter_required: bool,
}

impl Validate for LanguagesInput {
    type Valid = (Vec<String>, bool);

    fn validate(self) -> Result<(Vec<String>, bool), Vec<FieldError>> {
        let mut v = Validator::new();
        let languages: Vec<String> = self
            .languages
            .iter()
            .enumerate()
            .filter_map(|(i, code)| {
                v.check(parse_language(code).map_err(|e| e.within(&format!("languages[{i}]"))))
            })
            .collect();
        v.finish().map_err(errors_of)?;
        Ok((languages, self.interpreter_required))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureCardInput {
    /// RFC 3339; when the capture card was sent to the family and the Central Agency.
    #[schema(format = DateTime)]
    pub sent_at: String,
    /// The card's occasion: the id of the custody event it is for (`capture_cards[].event_id`
    /// of the record). Without it, the oldest card not yet sent.
    #[schema(format = Uuid)]
    pub occasion: Option<String>,
}

impl Validate for CaptureCardInput {
    type Valid = (Option<EventId>, Timestamp);

    fn validate(self) -> Result<(Option<EventId>, Timestamp), Vec<FieldError>> {
        let mut v = Validator::new();
        let sent_at = v.check(parse_instant(&self.sent_at).map_err(|e| e.within("sent_at")));
        // Given, it is an id (`null` or absent: the oldest card not yet sent).
        let occasion = match self.occasion.as_deref() {
            Some(raw) => v.check(
                raw.parse::<EventId>()
                    .map_err(|_| FieldError::new("occasion", "is not a custody event id")),
            ),
            None => None,
        };
        let errors = v.into_errors();
        match sent_at {
            Some(sent_at) if errors.is_empty() => Ok((occasion, sent_at)),
            _ => Err(errors),
        }
    }
}

/// Burial and the grave (GC III Art. 120).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BurialInput {
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub buried_at: Option<String>,
    #[schema(value_type = Option<crate::schema::Text300>)]
    pub place: Option<String>,
    #[schema(value_type = Option<crate::schema::Text300>)]
    pub cemetery: Option<String>,
    /// The grave's number or position.
    #[schema(value_type = Option<crate::schema::Text300>)]
    pub grave: Option<String>,
    /// How the grave is marked.
    #[schema(value_type = Option<crate::schema::Text300>)]
    pub marking: Option<String>,
}

/// A death (GC III Arts. 120–121).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeathInput {
    /// RFC 3339. When the timeline already records the death, the same instant.
    #[schema(format = DateTime)]
    pub died_at: String,
    #[schema(value_type = crate::schema::Required300)]
    pub place: String,
    #[schema(value_type = crate::schema::Required4000)]
    pub cause: String,
    #[schema(value_type = Option<crate::schema::Text4000>)]
    pub circumstances: Option<String>,
    /// The doctor or officer who certified the death.
    #[schema(value_type = crate::schema::Required300)]
    pub certified_by: String,
    pub burial: Option<BurialInput>,
    /// Art. 121: caused or suspected to have been caused by a sentry, another prisoner
    /// or any other person, or from unknown cause. Opens an official enquiry.
    #[serde(default)]
    pub enquiry_required: bool,
}

impl Validate for DeathInput {
    type Valid = repatria_core::NewDeath;

    fn validate(self) -> Result<repatria_core::NewDeath, Vec<FieldError>> {
        let mut v = Validator::new();
        let died_at = v.check(parse_instant(&self.died_at).map_err(|e| e.within("died_at")));
        let burial = self.burial.map(|b| repatria_core::Burial {
            buried_at: b
                .buried_at
                .as_deref()
                .and_then(|t| v.check(parse_instant(t).map_err(|e| e.within("burial.buried_at")))),
            place: b.place,
            cemetery: b.cemetery,
            grave: b.grave,
            marking: b.marking,
        });
        let errors = v.into_errors();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(repatria_core::NewDeath {
            died_at,
            place: Some(self.place),
            cause: Some(self.cause),
            circumstances: self.circumstances,
            certified_by: Some(self.certified_by),
            burial,
            enquiry_required: self.enquiry_required,
        })
    }
}

/// The findings that close the enquiry into a death (GC III Art. 121).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnquiryClosure {
    #[schema(value_type = crate::schema::Required4000)]
    pub findings: String,
}

/// A capture card due for one occasion (GC III Art. 70).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaptureCardView {
    /// The custody event the card is for; name it to record this card sent.
    pub event_id: Uuid,
    pub occasion: repatria_core::CardOccasion,
    pub event_at: DateTime<Utc>,
    /// Where he is from then on (the card's present address).
    pub place: Option<String>,
    pub due_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub state: repatria_core::DeadlineState,
}

/// Burial and the grave.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BurialView {
    pub buried_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    pub cemetery: Option<String>,
    pub grave: Option<String>,
    pub marking: Option<String>,
}

/// The official enquiry into a death (Art. 121).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnquiryView {
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub findings: Option<String>,
}

/// The death record behind the certificate (Art. 120).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeathView {
    pub died_at: DateTime<Utc>,
    pub place: String,
    pub cause: String,
    pub circumstances: Option<String>,
    pub certified_by: String,
    pub burial: Option<BurialView>,
    pub enquiry: Option<EnquiryView>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl From<&repatria_core::DeathRecord> for DeathView {
    fn from(d: &repatria_core::DeathRecord) -> Self {
        DeathView {
            died_at: d.died_at,
            place: d.place.clone(),
            cause: d.cause.clone(),
            circumstances: d.circumstances.clone(),
            certified_by: d.certified_by.clone(),
            burial: d.burial.as_ref().map(|b| BurialView {
                buried_at: b.buried_at,
                place: b.place.clone(),
                cemetery: b.cemetery.clone(),
                grave: b.grave.clone(),
                marking: b.marking.clone(),
            }),
            enquiry: d.enquiry.as_ref().map(|e| EnquiryView {
                opened_at: e.opened_at,
                opened_by: e.opened_by.clone(),
                closed_at: e.closed_at,
                closed_by: e.closed_by.clone(),
                findings: e.findings.clone(),
            }),
            recorded_at: d.recorded_at,
            recorded_by: d.recorded_by.clone(),
        }
    }
}

/// The person to be informed of the capture (GC III Art. 122).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonToInformInput {
    /// At most 120 characters, on one line; needed when an address is given.
    #[schema(value_type = Option<crate::schema::Line120>)]
    pub name: Option<String>,
    /// At most 500 characters; lines allowed.
    #[schema(value_type = Option<crate::schema::Text500>)]
    pub address: Option<String>,
}

/// The particulars of GC III Art. 122 and of the capture card (Annex IV B), all at once:
/// they replace those recorded before, and a body with nothing given and nothing refused
/// clears them. Text is trimmed and blank is absent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticularsInput {
    /// At most 120 characters.
    #[schema(value_type = Option<crate::schema::Line120>)]
    pub father_first_name: Option<String>,
    /// At most 120 characters.
    #[schema(value_type = Option<crate::schema::Line120>)]
    pub mother_maiden_name: Option<String>,
    pub person_to_inform: Option<PersonToInformInput>,
    /// Where his mail reaches him; at most 500 characters.
    #[schema(value_type = Option<crate::schema::Text500>)]
    pub correspondence_address: Option<String>,
    /// The family's address, as on the capture card; at most 500 characters.
    #[schema(value_type = Option<crate::schema::Text500>)]
    pub family_address: Option<String>,
    /// The number the detaining power gave him: letters and digits with spaces, `-`,
    /// `/` or `.` between them, at most 40 characters; no other captive of the same
    /// detaining power may have it (409 naming `prisoner_number`).
    #[schema(value_type = Option<crate::schema::PrisonerNumber>)]
    pub prisoner_number: Option<String>,
    /// What the captive refused to give (GC III Art. 17: his right, not to be punished):
    /// `father_first_name`, `mother_maiden_name`, `person_to_inform`,
    /// `correspondence_address` or `family_address`. A refused field has no value.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::RefusableParticular>)]
    pub refused: Vec<String>,
}

impl ParticularsInput {
    pub fn validate(self, by: &str, now: Timestamp) -> Result<Particulars, Vec<FieldError>> {
        let mut v = Validator::new();
        let refused: Vec<ParticularField> = self
            .refused
            .iter()
            .enumerate()
            .filter_map(|(i, word)| {
                v.check(
                    parse_word::<ParticularField>(word)
                        .map_err(|e| e.within(&format!("refused[{i}]"))),
                )
            })
            .collect();
        let (inform_name, inform_address) = match self.person_to_inform {
            Some(p) => (p.name, p.address),
            None => (None, None),
        };
        let text = ParticularsText {
            father_first_name: self.father_first_name,
            mother_maiden_name: self.mother_maiden_name,
            person_to_inform_name: inform_name,
            person_to_inform_address: inform_address,
            correspondence_address: self.correspondence_address,
            family_address: self.family_address,
            prisoner_number: self.prisoner_number,
            refused,
        };
        let particulars = match Particulars::new(text, now, by) {
            Ok(particulars) => Some(particulars),
            Err(errors) => {
                v.extend("", errors);
                None
            }
        };
        v.finish().map_err(errors_of)?;
        Ok(particulars.expect("checked"))
    }
}

/// The judicial proceedings a captive is held for (GC III Art. 115); a `reference` of
/// `null` records that they ended.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProceedingsInput {
    /// The court's or prosecutor's reference; `null` when the proceedings ended.
    #[schema(value_type = Option<crate::schema::Required200>)]
    pub reference: Option<String>,
    /// RFC 3339; since when he is held for them (default: now).
    #[schema(format = DateTime)]
    pub since: Option<String>,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
}

impl ProceedingsInput {
    pub fn validate(
        self,
        by: &str,
        now: Timestamp,
    ) -> Result<Option<repatria_core::Proceedings>, Vec<FieldError>> {
        let Some(reference) = self.reference else {
            return Ok(None);
        };
        let since = match self.since.as_deref() {
            Some(raw) => parse_instant(raw).map_err(|e| vec![e.within("since")])?,
            None => now,
        };
        let mut v = Validator::new();
        let reference = v.check(required(&reference, 200).map_err(|e| e.within("reference")));
        let note = v
            .check(text(self.note.as_deref(), 2000).map_err(|e| e.within("note")))
            .flatten();
        v.finish().map_err(errors_of)?;
        let proceedings = repatria_core::Proceedings {
            reference: reference.expect("checked"),
            since,
            recorded_by: by.to_string(),
            note,
        };
        proceedings.check().map_err(|e| match e {
            repatria_core::DomainError::Invalid(fields) => fields,
            repatria_core::DomainError::Rule { field, reason } => {
                vec![FieldError::new(field, reason)]
            }
        })?;
        Ok(Some(proceedings))
    }
}

// ---------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------

/// The proceedings a captive is held for (Art. 115).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProceedingsView {
    pub reference: String,
    pub since: DateTime<Utc>,
    pub recorded_by: String,
    pub note: Option<String>,
}

/// The person to be informed of the capture (Art. 122).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonToInformView {
    pub name: String,
    pub address: Option<String>,
}

/// The particulars of Art. 122 and Annex IV: a field is `null` when not known or
/// refused, and `refused` says which he refused (Art. 17).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ParticularsView {
    pub father_first_name: Option<String>,
    pub mother_maiden_name: Option<String>,
    pub person_to_inform: Option<PersonToInformView>,
    pub correspondence_address: Option<String>,
    pub family_address: Option<String>,
    /// Given by the detaining power; unique among its captives.
    pub prisoner_number: Option<String>,
    /// Words of the fields he refused to give.
    pub refused: Vec<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl From<&Particulars> for ParticularsView {
    fn from(p: &Particulars) -> Self {
        ParticularsView {
            father_first_name: p.father_first_name.clone(),
            mother_maiden_name: p.mother_maiden_name.clone(),
            person_to_inform: p.person_to_inform.as_ref().map(|i| PersonToInformView {
                name: i.name.clone(),
                address: i.address.clone(),
            }),
            correspondence_address: p.correspondence_address.clone(),
            family_address: p.family_address.clone(),
            prisoner_number: p.prisoner_number.clone(),
            refused: p.refused.iter().map(|f| f.to_string()).collect(),
            recorded_at: p.recorded_at,
            recorded_by: p.recorded_by.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DocumentView {
    pub kind: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdentityClaimView {
    pub id: Uuid,
    pub source: String,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    pub date_of_birth: Option<String>,
    pub place_of_birth: Option<String>,
    pub nationality: Option<String>,
    pub rank: Option<String>,
    pub service_number: Option<String>,
    pub unit: Option<String>,
    pub document: Option<DocumentView>,
    pub confidence: f64,
    pub document_not_bearers: bool,
    pub refused_fields: Vec<String>,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl From<&IdentityClaim> for IdentityClaimView {
    fn from(c: &IdentityClaim) -> Self {
        IdentityClaimView {
            id: c.id.as_uuid(),
            source: c.source.to_string(),
            family_name: c.name.family.clone(),
            given_name: c.name.given.clone(),
            patronymic: c.name.patronymic.clone(),
            date_of_birth: c.date_of_birth.map(|d| d.to_string()),
            place_of_birth: c.place_of_birth.clone(),
            nationality: c.nationality.clone(),
            rank: c.rank.clone(),
            service_number: c.service_number.clone(),
            unit: c.unit.clone(),
            document: c.document.as_ref().map(|d| DocumentView {
                kind: d.kind.clone(),
                number: d.number.clone(),
                issuer: d.issuer.clone(),
            }),
            confidence: c.confidence,
            document_not_bearers: c.document_not_bearers,
            refused_fields: c.refused_fields.clone(),
            note: c.note.clone(),
            recorded_at: c.recorded_at,
            recorded_by: c.recorded_by.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaptureView {
    pub captured_at: DateTime<Utc>,
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub capturing_unit: Option<String>,
    pub condition: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustodyEventView {
    pub id: Uuid,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub place: Option<String>,
    pub facility: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthView {
    pub category: String,
    pub eligible_for_direct_repatriation: bool,
    pub note: Option<String>,
    pub assessed_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl HealthView {
    /// Medical notes only for the roles that may read them; the category is on the
    /// capture card and visible to every reader of the record.
    fn new(h: &HealthRecord, role: Role) -> Self {
        HealthView {
            category: h.category.to_string(),
            eligible_for_direct_repatriation: h.eligible_for_direct_repatriation,
            note: h
                .note
                .clone()
                .filter(|_| role.can(Permission::ReadMedicalNotes)),
            assessed_at: h.assessed_at,
            recorded_by: h.recorded_by.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InterviewView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub interviewer: String,
    pub language: String,
    pub interpreter: Option<String>,
    pub summary: Option<String>,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WishView {
    pub wish: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeadlineView {
    /// `capture_card` (Art. 70) or `health_report` (Art. 122).
    pub kind: String,
    pub article: String,
    /// For a capture card, its occasion: one card is due per occasion.
    pub occasion: Option<repatria_core::CardOccasion>,
    pub due_at: Option<DateTime<Utc>>,
    /// `met`, `pending` or `overdue`.
    pub state: String,
}

impl From<&Deadline> for DeadlineView {
    fn from(d: &Deadline) -> Self {
        DeadlineView {
            kind: d.kind.as_str().to_string(),
            article: d.kind.article().to_string(),
            occasion: d.occasion.map(|o| o.0),
            due_at: d.due_at,
            state: d.state.as_str().to_string(),
        }
    }
}

/// A captive's whole record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaptiveView {
    pub id: Uuid,
    pub power_of_origin: String,
    pub detaining_power: String,
    /// Derived from the custody timeline.
    pub status: String,
    pub assessed_claim_id: Option<Uuid>,
    pub identity_claims: Vec<IdentityClaimView>,
    /// The particulars of Art. 122 and Annex IV, for the roles that may read them
    /// (`ReadParticulars`) and once recorded; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub particulars: Option<ParticularsView>,
    pub capture: CaptureView,
    pub timeline: Vec<CustodyEventView>,
    /// The current state of health (the newest assessment).
    pub health: Option<HealthView>,
    pub health_history: Vec<HealthView>,
    pub languages: Vec<String>,
    pub interpreter_required: bool,
    pub interviews: Vec<InterviewView>,
    pub repatriation_wish: Option<WishView>,
    pub capture_card_sent_at: Option<DateTime<Utc>>,
    /// Held back for judicial proceedings (Art. 115): not exchanged unless seriously
    /// wounded or sick.
    pub proceedings: Option<ProceedingsView>,
    /// GC III deadlines as of the time of the request.
    pub deadlines: Vec<DeadlineView>,
    /// The capture cards due, one per occasion (Art. 70), for roles that read the full
    /// record.
    pub capture_cards: Option<Vec<CaptureCardView>>,
    /// His death, burial and any enquiry (Arts. 120–121), for roles that read the full
    /// record or medical notes.
    pub death: Option<DeathView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CaptiveView {
    /// The record as `role` may see it.
    pub fn new(
        c: &Captive,
        policy: &repatria_core::NoticePolicy,
        now: Timestamp,
        role: Role,
    ) -> CaptiveView {
        let full = role.can(Permission::ReadParticulars);
        CaptiveView {
            id: c.id.as_uuid(),
            power_of_origin: c.power_of_origin.to_string(),
            detaining_power: c.detaining_power.to_string(),
            status: c.status().to_string(),
            assessed_claim_id: c.assessed_claim.map(|id| id.as_uuid()),
            identity_claims: c.claims.iter().map(IdentityClaimView::from).collect(),
            particulars: c
                .particulars
                .as_ref()
                .filter(|_| role.can(Permission::ReadParticulars))
                .map(ParticularsView::from),
            capture: CaptureView {
                captured_at: c.capture.captured_at,
                place: c.capture.place.clone(),
                latitude: c.capture.coordinates.map(|x| x.latitude),
                longitude: c.capture.coordinates.map(|x| x.longitude),
                capturing_unit: c.capture.capturing_unit.clone(),
                condition: c.capture.condition.clone(),
            },
            timeline: c
                .timeline
                .iter()
                .map(|e| CustodyEventView {
                    id: e.id.as_uuid(),
                    kind: e.kind.to_string(),
                    at: e.at,
                    place: e.place.clone(),
                    facility: e.facility.map(|f| f.to_string()),
                    note: e.note.clone(),
                    recorded_by: e.recorded_by.clone(),
                })
                .collect(),
            health: c.current_health().map(|h| HealthView::new(h, role)),
            health_history: c.health.iter().map(|h| HealthView::new(h, role)).collect(),
            languages: c.languages.clone(),
            interpreter_required: c.interpreter_required,
            interviews: c
                .interviews
                .iter()
                .map(|i| InterviewView {
                    id: i.id.as_uuid(),
                    at: i.at,
                    interviewer: i.interviewer.clone(),
                    language: i.language.clone(),
                    interpreter: i.interpreter.clone(),
                    summary: i
                        .summary
                        .clone()
                        .filter(|_| role.can(Permission::ReadInterviewSummaries)),
                    recorded_by: i.recorded_by.clone(),
                })
                .collect(),
            repatriation_wish: c.repatriation_wish.as_ref().map(|w| WishView {
                wish: w.wish.to_string(),
                recorded_at: w.recorded_at,
                recorded_by: w.recorded_by.clone(),
                note: w.note.clone(),
            }),
            capture_card_sent_at: c.capture_card_sent_at,
            proceedings: c.proceedings.as_ref().map(|p| ProceedingsView {
                reference: p.reference.clone(),
                since: p.since,
                recorded_by: p.recorded_by.clone(),
                note: p.note.clone(),
            }),
            deadlines: repatria_core::deadlines(c, policy, now)
                .iter()
                .map(DeadlineView::from)
                .collect(),
            capture_cards: full.then(|| {
                c.capture_cards(policy)
                    .into_iter()
                    .map(|card| CaptureCardView {
                        state: card.state(now),
                        event_id: card.event.as_uuid(),
                        occasion: card.occasion,
                        event_at: card.event_at,
                        place: card.place,
                        due_at: card.due_at,
                        sent_at: card.sent_at,
                    })
                    .collect()
            }),
            death: c
                .death
                .as_ref()
                .filter(|_| full || role.can(Permission::ReadMedicalNotes))
                .map(DeathView::from),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// The placeholder shown where a decision withholds names.
pub const NAME_WITHHELD: &str = "(name withheld)";

/// A captive as a media-access decision releases him to a journalist (GC III Art. 13).
///
/// Built from an allow-list, not by removing fields from the full record: a field added
/// to the record later stays with the bureau unless it is added here on purpose. The
/// journalist learns who (unless names are withheld), which parties, where he stands,
/// the day of capture, and the conditions he must respect; never date of birth, unit,
/// documents, claims and their sources, languages, interviews, health, places or times.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleasedCaptive {
    pub id: Uuid,
    /// The assessed name, family name first, or `(name withheld)`.
    pub name: String,
    pub power_of_origin: String,
    pub detaining_power: String,
    pub status: String,
    /// The day of capture, without the time.
    #[schema(value_type = String, format = Date)]
    pub captured_on: chrono::NaiveDate,
    /// The decision's conditions, which bind the journalist.
    pub faces_blurred: bool,
    pub names_withheld: bool,
    /// The last day the decision releases this captive.
    #[schema(value_type = String, format = Date)]
    pub released_until: chrono::NaiveDate,
}

impl ReleasedCaptive {
    pub fn new(c: &Captive, release: &repatria_core::Release) -> ReleasedCaptive {
        let name = if release.names_withheld {
            NAME_WITHHELD.to_string()
        } else {
            c.assessed_identity()
                .map(|a| a.name.display())
                .unwrap_or_default()
        };
        ReleasedCaptive {
            id: c.id.as_uuid(),
            name,
            power_of_origin: c.power_of_origin.to_string(),
            detaining_power: c.detaining_power.to_string(),
            status: c.status().to_string(),
            captured_on: c.capture.captured_at.date_naive(),
            faces_blurred: release.faces_blurred,
            names_withheld: release.names_withheld,
            released_until: release.valid_until,
        }
    }
}

/// One captive's record: the whole record as the role may read it, or what a media
/// decision released to a journalist.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CaptiveAnswer {
    Record(Box<CaptiveView>),
    Released(ReleasedCaptive),
}

/// An entry of the registry's list: a summary, or what a media decision released to a
/// journalist.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CaptiveListItem {
    Summary(CaptiveSummary),
    Released(ReleasedCaptive),
}

/// A captive as listed: the assessed identity and where he stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptiveSummary {
    pub id: Uuid,
    /// The assessed identity's name, family name first.
    pub name: String,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    pub date_of_birth: Option<String>,
    pub power_of_origin: String,
    pub detaining_power: String,
    pub status: String,
    pub health: Option<String>,
    pub captured_at: DateTime<Utc>,
    /// For a name search: the matching engine's probability that this captive is the
    /// person searched for (absent for a match on the beginning of a word only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl From<&Captive> for CaptiveSummary {
    fn from(c: &Captive) -> Self {
        let assessed = c.assessed_identity();
        let name = assessed.map(|a| a.name.clone()).unwrap_or_default();
        CaptiveSummary {
            id: c.id.as_uuid(),
            name: name.display(),
            family_name: name.family,
            given_name: name.given,
            patronymic: name.patronymic,
            date_of_birth: assessed
                .and_then(|a| a.date_of_birth)
                .map(|d| d.to_string()),
            power_of_origin: c.power_of_origin.to_string(),
            detaining_power: c.detaining_power.to_string(),
            status: c.status().to_string(),
            health: c.current_health().map(|h| h.category.to_string()),
            captured_at: c.capture.captured_at,
            score: None,
        }
    }
}

pub fn captive_id(raw: &str) -> Result<CaptiveId, crate::error::ApiError> {
    raw.parse()
        .map_err(|_| crate::error::ApiError::not_found("captive", raw))
}
