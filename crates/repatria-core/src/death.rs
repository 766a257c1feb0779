//! A prisoner's death (Arts. 120–121): the record behind the death certificate, the
//! burial and the grave, and the official enquiry a death may call for.

use crate::captive::{text, Captive, CustodyEvent, CustodyEventKind, CustodyStatus, FacilityKind};
use crate::error::{DomainError, FieldError};
use crate::ids::EventId;
use crate::Timestamp;

/// The longest free text of a death record (cause, circumstances, findings).
pub const MAX_DEATH_TEXT: usize = 4_000;
/// The longest short text (place, cemetery, grave, names).
pub const MAX_DEATH_FIELD: usize = 300;

/// Burial and the grave's particulars (Art. 120: "particulars identifying the grave").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Burial {
    pub buried_at: Option<Timestamp>,
    pub place: Option<String>,
    pub cemetery: Option<String>,
    /// The grave's number or position.
    pub grave: Option<String>,
    /// How the grave is marked, so that relatives can find it.
    pub marking: Option<String>,
}

/// The official enquiry of Art. 121.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Enquiry {
    pub opened_at: Timestamp,
    pub opened_by: String,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub findings: Option<String>,
}

/// What the caller says about a death, validated by [`DeathRecord::new`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDeath {
    pub died_at: Option<Timestamp>,
    pub place: Option<String>,
    pub cause: Option<String>,
    pub circumstances: Option<String>,
    pub certified_by: Option<String>,
    pub burial: Option<Burial>,
    /// Art. 121: caused or suspected to have been caused by a sentry, another prisoner or
    /// any other person, or from unknown cause.
    pub enquiry_required: bool,
}

/// The death record behind the certificate (Annex IV D).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeathRecord {
    pub died_at: Timestamp,
    pub place: String,
    pub cause: String,
    pub circumstances: Option<String>,
    /// The doctor or officer who certified the death.
    pub certified_by: String,
    pub burial: Option<Burial>,
    pub enquiry: Option<Enquiry>,
    /// The `died` custody event this record belongs to.
    pub event: Option<EventId>,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

fn required(field: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) -> String {
    match text(value, max) {
        Ok(Some(v)) => v,
        Ok(None) => {
            errors.push(FieldError::new(field, "is required"));
            String::new()
        }
        Err(e) => {
            errors.push(e.within_field(field));
            String::new()
        }
    }
}

fn optional(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    text(value, max).unwrap_or_else(|e| {
        errors.push(e.within_field(field));
        None
    })
}

impl FieldError {
    /// The same error under the name the caller used for the field.
    fn within_field(mut self, field: &str) -> FieldError {
        self.field = field.to_string();
        self
    }
}

impl Captive {
    /// Records his death (Art. 120). Adds the `died` custody event unless the timeline
    /// has one; then the record's time must be that event's. Opens the enquiry of
    /// Art. 121 when one is required. A death is recorded once: a later correction goes
    /// through a notification, not an edit.
    pub fn record_death(
        &mut self,
        new: NewDeath,
        event_id: EventId,
        actor: &str,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        let place = required("place", new.place.as_deref(), MAX_DEATH_FIELD, &mut errors);
        let cause = required("cause", new.cause.as_deref(), MAX_DEATH_TEXT, &mut errors);
        let certified_by = required(
            "certified_by",
            new.certified_by.as_deref(),
            MAX_DEATH_FIELD,
            &mut errors,
        );
        let circumstances = optional(
            "circumstances",
            new.circumstances.as_deref(),
            MAX_DEATH_TEXT,
            &mut errors,
        );
        let burial = new.burial.map(|b| Burial {
            buried_at: b.buried_at,
            place: optional(
                "burial.place",
                b.place.as_deref(),
                MAX_DEATH_FIELD,
                &mut errors,
            ),
            cemetery: optional(
                "burial.cemetery",
                b.cemetery.as_deref(),
                MAX_DEATH_FIELD,
                &mut errors,
            ),
            grave: optional(
                "burial.grave",
                b.grave.as_deref(),
                MAX_DEATH_FIELD,
                &mut errors,
            ),
            marking: optional(
                "burial.marking",
                b.marking.as_deref(),
                MAX_DEATH_FIELD,
                &mut errors,
            ),
        });
        let died_at = match new.died_at {
            Some(t) => t,
            None => {
                errors.push(FieldError::new("died_at", "is required"));
                now
            }
        };
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        if died_at > now + chrono::Duration::minutes(10) {
            return Err(DomainError::invalid("died_at", "must not be in the future"));
        }
        if let Some(buried_at) = burial.as_ref().and_then(|b| b.buried_at) {
            if buried_at < died_at {
                return Err(DomainError::rule("burial.buried_at", "is before the death"));
            }
            if buried_at > now + chrono::Duration::minutes(10) {
                return Err(DomainError::invalid(
                    "burial.buried_at",
                    "must not be in the future",
                ));
            }
        }
        if self.death.is_some() {
            return Err(DomainError::rule(
                "death",
                "a death is already recorded for this captive",
            ));
        }
        let died = self
            .timeline
            .iter()
            .find(|e| e.kind == CustodyEventKind::Died)
            .cloned();
        let event = match died {
            Some(event) => {
                if event.at != died_at {
                    return Err(DomainError::rule(
                        "died_at",
                        format!(
                            "the timeline records the death at {}; record the same time",
                            event.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                        ),
                    ));
                }
                event.id
            }
            None => {
                if self.status() != CustodyStatus::InCustody
                    && self.status() != CustodyStatus::InHospital
                {
                    return Err(DomainError::rule(
                        "status",
                        format!("the captive is {}; only a captive in custody or in hospital can die in custody", self.status()),
                    ));
                }
                let facility = self
                    .timeline
                    .last()
                    .and_then(|e| e.facility)
                    .filter(|f| *f != FacilityKind::Battlefield);
                self.add_custody_event(
                    CustodyEvent {
                        id: event_id,
                        kind: CustodyEventKind::Died,
                        at: died_at,
                        place: Some(place.clone()),
                        facility,
                        note: None,
                        recorded_by: actor.to_string(),
                    },
                    now,
                )?;
                event_id
            }
        };
        self.death = Some(DeathRecord {
            died_at,
            place,
            cause,
            circumstances,
            certified_by,
            burial,
            enquiry: new.enquiry_required.then(|| Enquiry {
                opened_at: now,
                opened_by: actor.to_string(),
                closed_at: None,
                closed_by: None,
                findings: None,
            }),
            event: Some(event),
            recorded_at: now,
            recorded_by: actor.to_string(),
        });
        self.updated_at = now;
        Ok(())
    }

    /// Closes the Art. 121 enquiry into his death with its findings.
    pub fn close_death_enquiry(
        &mut self,
        findings: &str,
        actor: &str,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let findings = text(Some(findings), MAX_DEATH_TEXT)
            .map_err(|e| DomainError::Invalid(vec![e.within_field("findings")]))?
            .ok_or_else(|| DomainError::invalid("findings", "is required"))?;
        let enquiry = self
            .death
            .as_mut()
            .and_then(|d| d.enquiry.as_mut())
            .ok_or_else(|| {
                DomainError::rule("enquiry", "no enquiry is open into this captive's death")
            })?;
        if enquiry.closed_at.is_some() {
            return Err(DomainError::rule(
                "enquiry",
                "the enquiry is already closed",
            ));
        }
        enquiry.closed_at = Some(now);
        enquiry.closed_by = Some(actor.to_string());
        enquiry.findings = Some(findings);
        self.updated_at = now;
        Ok(())
    }

    /// A `died` event without a death record: the certificate's particulars are missing.
    pub fn death_incomplete(&self) -> bool {
        self.death.is_none()
            && self
                .timeline
                .iter()
                .any(|e| e.kind == CustodyEventKind::Died)
    }

    /// An Art. 121 enquiry that is still open.
    pub fn enquiry_open(&self) -> bool {
        self.death
            .as_ref()
            .and_then(|d| d.enquiry.as_ref())
            .is_some_and(|e| e.closed_at.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::captive::tests::captive;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(day: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2025, 1, day, 12, 0, 0)
            .unwrap()
    }

    fn death(day: u32) -> NewDeath {
        NewDeath {
            died_at: Some(at(day)),
            place: Some("Camp 3 infirmary".into()),
            cause: Some("septicaemia".into()),
            circumstances: None,
            certified_by: Some("Camp doctor".into()),
            burial: Some(Burial {
                buried_at: Some(at(day + 2)),
                place: Some("Camp 3".into()),
                cemetery: Some("Camp cemetery".into()),
                grave: Some("Row 2, grave 7".into()),
                marking: Some("wooden cross with name and number".into()),
            }),
            enquiry_required: false,
        }
    }

    #[test]
    fn art_120_a_death_record_adds_the_died_event_and_makes_him_deceased() {
        let mut c = captive();
        c.record_death(death(15), EventId(Uuid::from_u128(99)), "medical", at(20))
            .unwrap();
        assert_eq!(c.status(), CustodyStatus::Deceased);
        assert_eq!(c.timeline.last().unwrap().id, EventId(Uuid::from_u128(99)));
        assert!(!c.death_incomplete());
        assert!(!c.enquiry_open());
        let again = c.record_death(death(15), EventId(Uuid::from_u128(100)), "medical", at(20));
        assert!(matches!(again, Err(DomainError::Rule { field, .. }) if field == "death"));
    }

    #[test]
    fn art_120_a_died_event_without_a_record_is_incomplete_until_the_record_matches_it() {
        let mut c = captive();
        c.add_custody_event(
            CustodyEvent {
                id: EventId(Uuid::from_u128(5)),
                kind: CustodyEventKind::Died,
                at: at(15),
                place: None,
                facility: None,
                note: None,
                recorded_by: "registrar".into(),
            },
            at(20),
        )
        .unwrap();
        assert!(c.death_incomplete());
        let wrong = c.record_death(death(14), EventId(Uuid::from_u128(6)), "medical", at(20));
        assert!(matches!(wrong, Err(DomainError::Rule { field, .. }) if field == "died_at"));
        c.record_death(death(15), EventId(Uuid::from_u128(6)), "medical", at(20))
            .unwrap();
        assert!(!c.death_incomplete());
        assert_eq!(
            c.death.as_ref().unwrap().event,
            Some(EventId(Uuid::from_u128(5)))
        );
        assert_eq!(c.timeline.len(), 2, "no second died event");
    }

    #[test]
    fn art_121_an_enquiry_stays_open_until_closed_with_findings() {
        let mut c = captive();
        let mut new = death(15);
        new.enquiry_required = true;
        c.record_death(new, EventId(Uuid::from_u128(9)), "medical", at(20))
            .unwrap();
        assert!(c.enquiry_open());
        let blank = c.close_death_enquiry("  ", "registrar", at(21));
        assert!(matches!(blank, Err(DomainError::Invalid(f)) if f[0].field == "findings"));
        c.close_death_enquiry("Death from wounds; no fault found.", "registrar", at(21))
            .unwrap();
        assert!(!c.enquiry_open());
        assert!(c.close_death_enquiry("again", "registrar", at(22)).is_err());
    }

    #[test]
    fn bad_death_records_name_every_field_and_change_nothing() {
        let mut c = captive();
        let before = c.clone();
        let error = c
            .record_death(
                NewDeath::default(),
                EventId(Uuid::from_u128(9)),
                "medical",
                at(20),
            )
            .unwrap_err();
        let DomainError::Invalid(fields) = error else {
            panic!("{error:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["place", "cause", "certified_by", "died_at"]);
        let mut early = death(15);
        early.burial.as_mut().unwrap().buried_at = Some(at(14));
        assert!(matches!(
            c.record_death(early, EventId(Uuid::from_u128(9)), "medical", at(20)),
            Err(DomainError::Rule { field, .. }) if field == "burial.buried_at"
        ));
        assert_eq!(c, before);
    }

    #[test]
    fn a_released_prisoner_cannot_die_in_custody() {
        let mut c = captive();
        c.add_custody_event(
            CustodyEvent {
                id: EventId(Uuid::from_u128(5)),
                kind: CustodyEventKind::Released,
                at: at(12),
                place: None,
                facility: None,
                note: None,
                recorded_by: "registrar".into(),
            },
            at(20),
        )
        .unwrap();
        assert!(c
            .record_death(death(15), EventId(Uuid::from_u128(9)), "medical", at(20))
            .is_err());
    }
}
