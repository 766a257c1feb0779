//! The JSON shapes of exchanges as records (docs/exchange-records.md): requests,
//! validated into domain values once, here; and the views the API answers with.
//!
//! Where a rule relates fields of one body (a handover's checks and its outcome, a
//! proposal's `from_plan` and `transfers`, a person's names), the body's schema says it
//! with variants (`oneOf`, `anyOf`) built from the derived object, so that the document
//! calls valid exactly what the validators accept.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use repatria_app::exchanges::{
    DirectionTotals, EntryReconciled, ExchangeSummary, ManifestLine, Reconciled, Reconciliation,
    RowReconciled,
};
use repatria_core::captive::text;
use repatria_core::error::Validator;
use repatria_core::{CaptiveId, EntryId, FieldError, PartialDate, PartyCode, Timestamp};
use repatria_exchange::record::{
    Checks, Counts, EntryStatus, Exchange, ExchangeState, Handover, HandoverRequest, Outcome,
    Proposal, ProposalSource, Restore, Rule, TransferRequest,
};
use repatria_exchange::{Balance, Terms};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayBuilder, Object, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use crate::error::Validate;

/// Most persons in one demand list or counterpart manifest sent as JSON.
pub const MAX_PERSONS: usize = 100_000;
/// Most transfers in one proposal sent by a side.
pub const MAX_TRANSFERS: usize = 250_000;
/// Most sides of an exchange, parties on a side, and mediators.
pub const MAX_SIDES: usize = 50;
pub const MAX_SIDE_PARTIES: usize = 100;

fn party(field: &str, raw: &str) -> Result<PartyCode, FieldError> {
    PartyCode::parse(raw).map_err(|e| e.within(field))
}

fn captive_id(field: &str, raw: &str) -> Result<CaptiveId, FieldError> {
    raw.trim()
        .parse::<Uuid>()
        .map(CaptiveId)
        .map_err(|_| FieldError::new(field, format!("not a captive id: {raw:?}")))
}

/// Free text that may be left out, as the core reads it (`Text…` in the document).
fn optional(text_in: Option<String>, field: &str, max: usize, v: &mut Validator) -> Option<String> {
    v.check(text(text_in.as_deref(), max).map_err(|e| e.within(field)))
        .flatten()
}

// ---------------------------------------------------------------------------------------
// Variants of a body's schema
// ---------------------------------------------------------------------------------------

/// The object schema derived for a request shape, to make variants of.
fn object_of<T: PartialSchema>() -> Object {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object,
        _ => unreachable!("a struct with named fields has an object schema"),
    }
}

/// `{"enum": [value]}`: the one value a field has in a variant.
fn only(value: impl Into<serde_json::Value>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .enum_values(Some([value.into()]))
        .into()
}

/// `{"type": "null"}`: a field left out or null.
fn null() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Null))
        .into()
}

/// `object` with `field`'s schema replaced, and the field required when `required`.
fn with(mut object: Object, field: &str, schema: RefOr<Schema>, required: bool) -> Object {
    object.properties.insert(field.to_string(), schema);
    if required && !object.required.iter().any(|f| f == field) {
        object.required.push(field.to_string());
    }
    object
}

/// A schema type of its own for a body whose variants the derived object makes: `name`
/// in the document, `schema` its variants, and what the derived object refers to.
macro_rules! variants {
    ($(#[$doc:meta])* $marker:ident = $name:literal of $base:ty, $schema:expr) => {
        $(#[$doc])*
        pub struct $marker;

        impl PartialSchema for $marker {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }

        impl ToSchema for $marker {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }

            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                <$base as ToSchema>::schemas(schemas);
            }
        }
    };
}

/// What a rank is worth when balancing by value: 1 to `MAX_RANK_VALUE`.
pub struct RankValue;

impl PartialSchema for RankValue {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(1))
            .maximum(Some(repatria_exchange::MAX_RANK_VALUE as usize))
            .description(Some("What a rank is worth when balancing by value."))
            .into()
    }
}

impl ToSchema for RankValue {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("RankValue")
    }
}

/// A side of an exchange: the codes of registered parties.
pub struct ExchangeSide;

impl PartialSchema for ExchangeSide {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(crate::schema::PartyCode::schema())
            .min_items(Some(1))
            .max_items(Some(MAX_SIDE_PARTIES))
            .description(Some(
                "A side: the codes of registered parties, each on one side only.",
            ))
            .into()
    }
}

impl ToSchema for ExchangeSide {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ExchangeSide")
    }
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

/// The terms of an exchange, as in docs/exchange.md.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    /// `count` (default) or `value`.
    #[serde(default)]
    pub balance: Balance,
    /// Worth of each rank when balancing by value.
    #[serde(default, deserialize_with = "repatria_exchange::whole::map")]
    #[schema(value_type = BTreeMap<String, RankValue>)]
    pub values: BTreeMap<String, u64>,
    /// Largest allowed |gives − receives| for every side; default 0.
    #[serde(default, deserialize_with = "repatria_exchange::whole::number")]
    pub tolerance: u64,
    /// Cap on the number of moved prisoners that count toward balance; default none.
    #[serde(default, deserialize_with = "repatria_exchange::whole::optional")]
    pub max_total: Option<u64>,
    /// Reference date for days in captivity, `YYYY-MM-DD`; default the day the planner
    /// runs.
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
}

impl TermsInput {
    pub(crate) fn terms(self) -> Terms {
        Terms {
            balance: self.balance,
            values: self.values,
            tolerance: self.tolerance,
            max_total: self.max_total,
            as_of: self.as_of,
        }
    }

    fn of(t: &Terms) -> TermsInput {
        TermsInput {
            balance: t.balance,
            values: t.values.clone(),
            tolerance: t.tolerance,
            max_total: t.max_total,
            as_of: t.as_of.clone(),
        }
    }
}

/// `POST /api/exchanges`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExchangeRequest {
    #[schema(value_type = crate::schema::Required200)]
    pub title: String,
    /// Party codes per side; the first side is the bureau's own. Every party must be
    /// registered (else 404), and on one side only (a party named twice on one side is
    /// one party).
    #[schema(value_type = Vec<ExchangeSide>, min_items = 2, max_items = 50)]
    pub sides: Vec<Vec<String>>,
    /// Neutral intermediaries, such as the ICRC or a mediating state: registered, on no
    /// side.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::PartyCode>, max_items = 50)]
    pub mediators: Vec<String>,
    #[serde(default)]
    pub terms: TermsInput,
}

impl Validate for NewExchangeRequest {
    type Valid = repatria_exchange::record::NewExchange;

    fn validate(self) -> Result<Self::Valid, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.sides.len() > MAX_SIDES {
            errors.push(FieldError::new(
                "sides",
                format!("too many: more than {MAX_SIDES} sides"),
            ));
        }
        for (i, side) in self.sides.iter().enumerate() {
            if side.len() > MAX_SIDE_PARTIES {
                errors.push(FieldError::new(
                    format!("sides[{i}]"),
                    format!("too many: more than {MAX_SIDE_PARTIES} parties"),
                ));
            }
        }
        if self.mediators.len() > MAX_SIDES {
            errors.push(FieldError::new(
                "mediators",
                format!("too many: more than {MAX_SIDES} mediators"),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(repatria_exchange::record::NewExchange {
            title: self.title,
            sides: self.sides,
            mediators: self.mediators,
            terms: self.terms.terms(),
        })
    }
}

/// `POST /api/exchanges/{id}/cancel`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why the exchange is called off.
    #[schema(value_type = crate::schema::Required2000)]
    pub reason: String,
}

/// A person on a demand list or on the other side's manifest, in any script.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub family_name: Option<String>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub given_name: Option<String>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub patronymic: Option<String>,
    /// The name in one piece, when the sender does not split it.
    #[schema(value_type = Option<crate::schema::Text400>)]
    pub full_name: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[schema(value_type = Option<crate::schema::PartialDate>)]
    pub date_of_birth: Option<String>,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub unit: Option<String>,
    #[schema(value_type = Option<crate::schema::Text100>)]
    pub service_number: Option<String>,
    #[schema(value_type = Option<crate::schema::Text100>)]
    pub rank: Option<String>,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
    /// On a counterpart manifest: the party that gives him.
    #[schema(value_type = Option<crate::schema::PartyCode>)]
    pub from: Option<String>,
    /// On a counterpart manifest: the party that receives him.
    #[schema(value_type = Option<crate::schema::PartyCode>)]
    pub to: Option<String>,
}

variants! {
    /// A person, named by at least one of `family_name`, `given_name` and `full_name`.
    PersonBody = "PersonInput" of PersonInput, {
        let base = object_of::<PersonInput>();
        let named = |field: &str, schema: RefOr<Schema>| {
            RefOr::T(Schema::Object(with(base.clone(), field, schema, true)))
        };
        AnyOfBuilder::new()
            .item(named("family_name", crate::schema::Required200::schema()))
            .item(named("given_name", crate::schema::Required200::schema()))
            .item(named("full_name", crate::schema::Required400::schema()))
            .description(Some("A person, named by at least one of `family_name`, `given_name` and `full_name`."))
            .into()
    }
}

/// A person read into a list row (line = position from 1) and the direction given.
pub(crate) struct Person {
    pub entry: repatria_lists::Entry,
    pub from: Option<PartyCode>,
    pub to: Option<PartyCode>,
}

pub(crate) fn persons(raw: Vec<PersonInput>, v: &mut Validator) -> Vec<Person> {
    if raw.is_empty() {
        v.push(FieldError::new("persons", "name at least one person"));
    }
    if raw.len() > MAX_PERSONS {
        v.push(FieldError::new(
            "persons",
            format!("too many: more than {MAX_PERSONS} persons"),
        ));
        return Vec::new();
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let at = |f: &str| format!("persons[{i}].{f}");
            // Blank is absent, as the document's PartialDate says.
            let date_of_birth = p
                .date_of_birth
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .and_then(|d| {
                    v.check(PartialDate::parse(d).map_err(|e| e.within(&at("date_of_birth"))))
                });
            let entry = repatria_lists::Entry {
                line: i as u64 + 1,
                family_name: optional(p.family_name, &at("family_name"), 200, v),
                given_name: optional(p.given_name, &at("given_name"), 200, v),
                patronymic: optional(p.patronymic, &at("patronymic"), 200, v),
                full_name: optional(p.full_name, &at("full_name"), 400, v),
                date_of_birth,
                unit: optional(p.unit, &at("unit"), 200, v),
                service_number: optional(p.service_number, &at("service_number"), 100, v),
                rank: optional(p.rank, &at("rank"), 100, v),
                note: optional(p.note, &at("note"), 2000, v),
                ..repatria_lists::Entry::default()
            };
            if entry.family_name.is_none()
                && entry.given_name.is_none()
                && entry.full_name.is_none()
            {
                v.push(FieldError::new(format!("persons[{i}]"), "give a name"));
            }
            let from = p
                .from
                .as_deref()
                .and_then(|c| v.check(party(&at("from"), c)));
            let to = p.to.as_deref().and_then(|c| v.check(party(&at("to"), c)));
            Person { entry, from, to }
        })
        .collect()
}

/// `POST /api/exchanges/{id}/demands` and, as JSON, `.../counterpart-manifest`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonsRequest {
    /// The side's party that sent the list (409 when it is on no side of the exchange).
    #[schema(value_type = crate::schema::PartyCode)]
    pub by: String,
    #[schema(value_type = Vec<PersonBody>, min_items = 1, max_items = 100_000)]
    pub persons: Vec<PersonInput>,
}

/// `POST /api/exchanges/{id}/proposals`: either `from_plan: true`, or the `transfers`
/// as a side sent them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalRequest {
    /// The party whose proposal it is (409 when it is on no side of the exchange).
    #[schema(value_type = crate::schema::PartyCode)]
    pub by: String,
    /// The planner makes the proposal from the captives held now.
    #[serde(default)]
    pub from_plan: bool,
    /// The transfers as the side sent them; a captive the registry does not hold, or a
    /// transfer the rules forbid, is kept as a violation.
    #[schema(max_items = 250_000)]
    pub transfers: Option<Vec<TransferInput>>,
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
}

variants! {
    /// A proposal: the planner's (`from_plan: true`, no `transfers`) or a side's
    /// (`transfers`, `from_plan` false or left out).
    ProposalBody = "ProposalRequest" of ProposalRequest, {
        let base = object_of::<ProposalRequest>();
        // The side's variant: the list itself, not null.
        let transfers = ArrayBuilder::new()
            .items(Ref::from_schema_name(TransferInput::name()))
            .max_items(Some(MAX_TRANSFERS))
            .into();
        let plan = with(with(base.clone(), "from_plan", only(true), true), "transfers", null(), false);
        let side = with(with(base, "from_plan", only(false), false), "transfers", transfers, true);
        OneOfBuilder::new()
            .item(RefOr::T(Schema::Object(plan)))
            .item(RefOr::T(Schema::Object(side)))
            .description(Some("A proposal: the planner's (`from_plan: true`, no `transfers`) or a side's (`transfers`, `from_plan` false or left out)."))
            .into()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// A captive's id.
    #[schema(value_type = Uuid)]
    pub captive: String,
    #[schema(value_type = crate::schema::PartyCode)]
    pub from: String,
    #[schema(value_type = crate::schema::PartyCode)]
    pub to: String,
}

/// A proposal request, validated.
pub struct ValidProposal {
    pub by: PartyCode,
    pub input: repatria_app::exchanges::ProposalInput,
    pub note: Option<String>,
}

impl Validate for ProposalRequest {
    type Valid = ValidProposal;

    fn validate(self) -> Result<ValidProposal, Vec<FieldError>> {
        let mut v = Validator::new();
        let by = v.check(party("by", &self.by));
        let input = match (self.from_plan, self.transfers) {
            (true, None) => Some(repatria_app::exchanges::ProposalInput::FromPlan),
            (false, Some(transfers)) if transfers.len() > MAX_TRANSFERS => {
                v.push(FieldError::new(
                    "transfers",
                    format!("too many: more than {MAX_TRANSFERS}"),
                ));
                None
            }
            (false, Some(transfers)) => {
                let requests: Vec<Option<TransferRequest>> = transfers
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let captive =
                            v.check(captive_id(&format!("transfers[{i}].captive"), &t.captive));
                        let from = v.check(party(&format!("transfers[{i}].from"), &t.from));
                        let to = v.check(party(&format!("transfers[{i}].to"), &t.to));
                        Some(TransferRequest {
                            captive: captive?,
                            from: from?,
                            to: to?,
                        })
                    })
                    .collect();
                Some(repatria_app::exchanges::ProposalInput::Transfers(
                    requests.into_iter().flatten().collect(),
                ))
            }
            (true, Some(_)) => {
                v.push(FieldError::new(
                    "transfers",
                    "give either from_plan or transfers, not both",
                ));
                None
            }
            (false, None) => {
                v.push(FieldError::new(
                    "transfers",
                    "give the transfers, or from_plan: true",
                ));
                None
            }
        };
        let note = optional(self.note, "note", 2000, &mut v);
        v.finish().map_err(|e| match e {
            repatria_core::DomainError::Invalid(f) => f,
            repatria_core::DomainError::Rule { field, reason } => {
                vec![FieldError::new(field, reason)]
            }
        })?;
        Ok(ValidProposal {
            by: by.expect("checked"),
            input: input.expect("checked"),
            note,
        })
    }
}

/// `POST /api/exchanges/{id}/agreement`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementRequest {
    /// The number of the proposal agreed (404 when the exchange has none of that number).
    #[serde(deserialize_with = "repatria_exchange::whole::number")]
    #[schema(minimum = 1)]
    pub proposal: u32,
}

/// The checks made at the crossing.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecksInput {
    #[serde(default)]
    pub identity_verified: bool,
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub identity_method: Option<String>,
    /// He confirmed before the ICRC delegate that he wishes to go (GC III Art. 109).
    /// Only the delegate's own account sets it without `wish_confirmed_by`.
    #[serde(default)]
    pub wish_confirmed: bool,
    /// The delegate who witnessed the confirmation, when another account records it.
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub wish_confirmed_by: Option<String>,
    pub fit_to_travel: Option<bool>,
    pub effects_returned: Option<bool>,
}

/// `POST /api/exchanges/{id}/handover`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverBody {
    /// The manifest entry's id.
    #[schema(value_type = Uuid)]
    pub entry: String,
    pub outcome: Outcome,
    /// When he crossed (or was withdrawn), at most ten minutes after the server's clock;
    /// default now.
    pub at: Option<DateTime<Utc>>,
    /// Where in the handover: bus, group.
    #[schema(value_type = Option<crate::schema::Text200>)]
    pub stage: Option<String>,
    #[serde(default)]
    #[schema(inline)]
    pub checks: ChecksInput,
    /// Required for a withdrawal: why (refused at the crossing, died, unfit).
    #[schema(value_type = Option<crate::schema::Text2000>)]
    pub note: Option<String>,
}

variants! {
    /// A decision at the crossing, in the variant its outcome needs: `handed_over` with
    /// his identity verified and his wish confirmed (GC III Art. 109), `received` with
    /// his identity verified, `withdrawn` with the reason in `note`. A wish confirmed
    /// names the delegate who witnessed it in `wish_confirmed_by`; only the ICRC
    /// delegate's own account may leave it out.
    HandoverSchema = "HandoverBody" of HandoverBody, {
        let base = object_of::<HandoverBody>();
        let checks = object_of::<ChecksInput>();
        // The checks without a wish confirmed, and with one witnessed.
        let no_wish = with(checks.clone(), "wish_confirmed", only(false), false);
        let wish = with(
            with(checks, "wish_confirmed", only(true), true),
            "wish_confirmed_by",
            crate::schema::Required200::schema(),
            true,
        );
        let verified = |c: &Object| with(c.clone(), "identity_verified", only(true), true);
        let variant = |outcome: Outcome, checks: Object, checks_required: bool| {
            let o = with(base.clone(), "outcome", only(outcome.as_str()), true);
            with(o, "checks", RefOr::T(Schema::Object(checks)), checks_required)
        };
        let withdrawn = |checks: Object, checks_required: bool| {
            let o = variant(Outcome::Withdrawn, checks, checks_required);
            RefOr::T(Schema::Object(with(o, "note", crate::schema::Required2000::schema(), true)))
        };
        OneOfBuilder::new()
            .item(RefOr::T(Schema::Object(variant(Outcome::HandedOver, verified(&wish), true))))
            .item(RefOr::T(Schema::Object(variant(Outcome::Received, verified(&no_wish), true))))
            .item(RefOr::T(Schema::Object(variant(Outcome::Received, verified(&wish), true))))
            .item(withdrawn(no_wish.clone(), false))
            .item(withdrawn(wish.clone(), true))
            .description(Some("A decision at the crossing: `handed_over` with his identity verified and his wish confirmed (GC III Art. 109), `received` with his identity verified, `withdrawn` with the reason in `note`. A wish confirmed names the delegate who witnessed it in `wish_confirmed_by`; only the ICRC delegate's own account may leave it out."))
            .into()
    }
}

impl HandoverBody {
    pub fn validate(self, now: Timestamp) -> Result<(EntryId, HandoverRequest), Vec<FieldError>> {
        let entry = self
            .entry
            .trim()
            .parse::<Uuid>()
            .map(EntryId)
            .map_err(|_| {
                vec![FieldError::new(
                    "entry",
                    format!("not an entry id: {:?}", self.entry),
                )]
            })?;
        Ok((
            entry,
            HandoverRequest {
                outcome: self.outcome,
                at: self.at.unwrap_or(now),
                stage: self.stage,
                checks: Checks {
                    identity_verified: self.checks.identity_verified,
                    identity_method: self.checks.identity_method,
                    wish_confirmed: self.checks.wish_confirmed,
                    wish_confirmed_by: self.checks.wish_confirmed_by,
                    fit_to_travel: self.checks.fit_to_travel,
                    effects_returned: self.checks.effects_returned,
                },
                note: self.note,
            },
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DirectionView {
    pub from: String,
    pub to: String,
    pub planned: u64,
    pub handed_over: u64,
    pub received: u64,
    pub withdrawn: u64,
    pub pending: u64,
}

/// A side's balance: as agreed, crossed so far, and expected once every pending person
/// crosses (withdrawals taken out).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SideCountsView {
    pub parties: Vec<String>,
    pub agreed_gives: u64,
    pub agreed_receives: u64,
    pub gives: u64,
    pub receives: u64,
    pub expected_gives: u64,
    pub expected_receives: u64,
    /// expected_gives − expected_receives.
    pub imbalance: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CountsView {
    pub directions: Vec<DirectionView>,
    pub sides: Vec<SideCountsView>,
    pub planned: u64,
    pub pending: u64,
    /// Every side's expected balance is within the tolerance.
    pub balanced: bool,
}

impl From<&Counts> for CountsView {
    fn from(c: &Counts) -> Self {
        CountsView {
            directions: c
                .directions
                .iter()
                .map(|d| DirectionView {
                    from: d.from.to_string(),
                    to: d.to.to_string(),
                    planned: d.planned,
                    handed_over: d.handed_over,
                    received: d.received,
                    withdrawn: d.withdrawn,
                    pending: d.pending,
                })
                .collect(),
            sides: c
                .sides
                .iter()
                .map(|s| SideCountsView {
                    parties: codes(&s.parties),
                    agreed_gives: s.agreed_gives,
                    agreed_receives: s.agreed_receives,
                    gives: s.gives,
                    receives: s.receives,
                    expected_gives: s.expected_gives,
                    expected_receives: s.expected_receives,
                    imbalance: s.imbalance,
                })
                .collect(),
            planned: c.planned,
            pending: c.pending,
            balanced: c.balanced,
        }
    }
}

fn codes(parties: &[PartyCode]) -> Vec<String> {
    parties.iter().map(ToString::to_string).collect()
}

/// What the planner suggests to restore the balance after a withdrawal.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RestoreView {
    /// The side that now gives more than it receives.
    pub side: Vec<String>,
    pub imbalance: u64,
    /// Pending entries whose withdrawal restores the balance at the least loss.
    pub withdraw: Vec<Uuid>,
    pub message: String,
}

impl From<&Restore> for RestoreView {
    fn from(r: &Restore) -> Self {
        RestoreView {
            side: codes(&r.side),
            imbalance: r.imbalance,
            withdraw: r.withdraw.iter().map(|e| e.0).collect(),
            message: r.message.clone(),
        }
    }
}

/// An exchange with its counts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExchangeView {
    pub id: Uuid,
    pub title: String,
    pub sides: Vec<Vec<String>>,
    pub mediators: Vec<String>,
    pub terms: TermsInput,
    pub state: ExchangeState,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// How many proposals were recorded.
    pub proposals: u32,
    /// The proposal agreed.
    pub agreed_proposal: Option<u32>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub counts: CountsView,
    /// After a withdrawal left the exchange unbalanced: what restores it.
    pub restore: Option<RestoreView>,
}

impl ExchangeView {
    pub fn new(s: &ExchangeSummary) -> ExchangeView {
        let x: &Exchange = &s.exchange;
        ExchangeView {
            id: x.id.0,
            title: x.title.clone(),
            sides: x.sides.iter().map(|s| codes(s)).collect(),
            mediators: codes(&x.mediators),
            terms: TermsInput::of(&x.terms),
            state: x.state,
            created_at: x.created_at,
            created_by: x.created_by.clone(),
            proposals: x.proposals,
            agreed_proposal: x.agreement.as_ref().map(|a| a.proposal),
            agreed_at: x.agreement.as_ref().map(|a| a.at),
            started_at: x.started_at,
            completed_at: x.completed_at,
            cancelled_at: x.cancellation.as_ref().map(|c| c.at),
            cancel_reason: x.cancellation.as_ref().map(|c| c.reason.clone()),
            counts: CountsView::from(&s.counts),
            restore: s.restore.as_ref().map(RestoreView::from),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransferView {
    pub captive: Uuid,
    pub from: String,
    pub to: String,
    /// False for the seriously wounded and sick (Arts. 109–110).
    pub counts_toward_balance: bool,
    /// What he weighs in the balance (0 when he does not count).
    pub value: u64,
    /// His name, rank and days in captivity, when the proposal is read with names.
    pub person: Option<PersonView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BalanceView {
    pub parties: Vec<String>,
    pub gives: u64,
    pub receives: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ViolationView {
    /// The captive concerned; absent for a rule of the whole proposal.
    pub captive: Option<Uuid>,
    pub rule: Rule,
    /// The article of GC III, such as "GC III Art. 109".
    pub article: Option<String>,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeftOutView {
    pub captive: Uuid,
    /// The planner's reason (docs/exchange.md), a rule, or `not_proposed`.
    pub reason: String,
    pub person: Option<PersonView>,
}

/// A person as a negotiator reads him: name, rank, days in captivity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonView {
    pub name: String,
    pub rank: Option<String>,
    pub days_in_captivity: u64,
    pub seriously_wounded_or_sick: bool,
}

impl From<&repatria_app::exchanges::Person> for PersonView {
    fn from(p: &repatria_app::exchanges::Person) -> Self {
        PersonView {
            name: p.name.clone(),
            rank: p.rank.clone(),
            days_in_captivity: p.days_in_captivity,
            seriously_wounded_or_sick: p.seriously_wounded_or_sick,
        }
    }
}

/// A numbered proposal.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProposalView {
    pub number: u32,
    pub by: String,
    pub source: ProposalSource,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub note: Option<String>,
    pub transfers: Vec<TransferView>,
    pub balance: Vec<BalanceView>,
    /// Every rule it breaks, with the article; a proposal with violations cannot be
    /// agreed.
    pub violations: Vec<ViolationView>,
    /// For a planned proposal: whether the plan was proven optimal.
    pub optimal: Option<bool>,
    /// Captives of the exchange's parties it leaves out, and why.
    pub left_out: Vec<LeftOutView>,
    /// With `against=M`: captives it adds to proposal M.
    pub added: Option<Vec<Uuid>>,
    /// With `against=M`: captives of proposal M it removes.
    pub removed: Option<Vec<Uuid>>,
}

pub(crate) type Persons = std::collections::HashMap<CaptiveId, repatria_app::exchanges::Person>;

impl ProposalView {
    pub fn new(p: &Proposal, persons: Option<&Persons>) -> ProposalView {
        let person = |c: &CaptiveId| persons.and_then(|m| m.get(c)).map(PersonView::from);
        ProposalView {
            number: p.number,
            by: p.by.to_string(),
            source: p.source,
            created_at: p.created_at,
            created_by: p.created_by.clone(),
            note: p.note.clone(),
            transfers: p
                .transfers
                .iter()
                .map(|t| TransferView {
                    captive: t.captive.0,
                    from: t.from.to_string(),
                    to: t.to.to_string(),
                    counts_toward_balance: t.counts_toward_balance,
                    value: t.value,
                    person: person(&t.captive),
                })
                .collect(),
            balance: p
                .balance
                .iter()
                .map(|b| BalanceView {
                    parties: codes(&b.parties),
                    gives: b.gives,
                    receives: b.receives,
                })
                .collect(),
            violations: p
                .violations
                .iter()
                .map(|v| ViolationView {
                    captive: v.captive.map(|c| c.0),
                    rule: v.rule,
                    article: v.article.clone(),
                    message: v.message.clone(),
                })
                .collect(),
            optimal: p.optimal,
            left_out: p
                .left_out
                .iter()
                .map(|l| LeftOutView {
                    captive: l.captive.0,
                    reason: l.reason.clone(),
                    person: person(&l.captive),
                })
                .collect(),
            added: None,
            removed: None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChecksView {
    pub identity_verified: bool,
    pub identity_method: Option<String>,
    pub wish_confirmed: bool,
    /// Who confirmed his wish: the delegate's account, or the delegate named.
    pub wish_confirmed_by: Option<String>,
    pub fit_to_travel: Option<bool>,
    pub effects_returned: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HandoverView {
    pub outcome: Outcome,
    pub at: DateTime<Utc>,
    pub stage: Option<String>,
    pub checks: ChecksView,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<&Handover> for HandoverView {
    fn from(h: &Handover) -> Self {
        HandoverView {
            outcome: h.outcome,
            at: h.at,
            stage: h.stage.clone(),
            checks: ChecksView {
                identity_verified: h.checks.identity_verified,
                identity_method: h.checks.identity_method.clone(),
                wish_confirmed: h.checks.wish_confirmed,
                wish_confirmed_by: h.checks.wish_confirmed_by.clone(),
                fit_to_travel: h.checks.fit_to_travel,
                effects_returned: h.checks.effects_returned,
            },
            note: h.note.clone(),
            recorded_by: h.recorded_by.clone(),
            recorded_at: h.recorded_at,
        }
    }
}

/// One person of the manifest.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryView {
    /// The entry's id, named in a handover.
    pub entry: Uuid,
    pub position: u32,
    pub captive: Uuid,
    pub from: String,
    pub to: String,
    pub counts_toward_balance: bool,
    pub status: EntryStatus,
    /// Name (in the script of the party that reads the manifest), rank, days in
    /// captivity.
    pub person: Option<PersonView>,
    pub handover: Option<HandoverView>,
}

impl EntryView {
    pub fn new(
        e: &repatria_exchange::record::ManifestEntry,
        person: Option<PersonView>,
    ) -> EntryView {
        EntryView {
            entry: e.id.0,
            position: e.position,
            captive: e.captive.0,
            from: e.from.to_string(),
            to: e.to.to_string(),
            counts_toward_balance: e.counts_toward_balance,
            status: e.status,
            person,
            handover: e.handover.as_ref().map(HandoverView::from),
        }
    }

    pub fn of_line(l: &ManifestLine) -> EntryView {
        EntryView::new(&l.entry, Some(PersonView::from(&l.person)))
    }
}

/// The manifest of an agreed exchange.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ManifestView {
    pub exchange: Uuid,
    pub title: String,
    /// Only the entries this party gives or receives, when asked.
    pub party: Option<String>,
    pub entries: Vec<EntryView>,
}

/// The answer to a handover: the entry as decided and the exchange's counts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HandoverAnswer {
    pub entry: EntryView,
    pub exchange: ExchangeView,
}

/// The answer to a completion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompletionView {
    pub exchange: ExchangeView,
    /// Captives who got the `repatriated` custody event.
    pub repatriated: Vec<Uuid>,
    /// Tracing requests given an answer to review and send.
    pub answers_prepared: Vec<Uuid>,
}

/// The answer to a demand list: the import and each person with his candidates.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DemandAnswer {
    /// False when the same list had been sent before for this exchange.
    pub created: bool,
    pub report: repatria_app::imports::Report,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryReconciledView {
    pub entry: Uuid,
    pub captive: Uuid,
    pub from: String,
    pub to: String,
    pub name: String,
    pub result: Reconciled,
    /// Lines of their list that are or may be him, best first.
    pub rows: Vec<u64>,
    pub score: Option<f64>,
}

impl From<&EntryReconciled> for EntryReconciledView {
    fn from(e: &EntryReconciled) -> Self {
        EntryReconciledView {
            entry: e.entry.0,
            captive: e.captive.0,
            from: e.from.to_string(),
            to: e.to.to_string(),
            name: e.name.clone(),
            result: e.result,
            rows: e.rows.clone(),
            score: e.score,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RowReconciledView {
    pub line: u64,
    pub name: String,
    /// `extra_in_theirs`, or `ambiguous` when it may be one of our entries.
    pub result: Reconciled,
    pub entries: Vec<Uuid>,
}

impl From<&RowReconciled> for RowReconciledView {
    fn from(r: &RowReconciled) -> Self {
        RowReconciledView {
            line: r.line,
            name: r.name.clone(),
            result: r.result,
            entries: r.entries.iter().map(|e| e.0).collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DirectionTotalsView {
    pub from: Option<String>,
    pub to: Option<String>,
    /// Persons in this direction on our manifest.
    pub ours: u64,
    /// Persons in this direction on theirs (by the direction their row gives, else the
    /// matched entry's).
    pub theirs: u64,
}

impl From<&DirectionTotals> for DirectionTotalsView {
    fn from(d: &DirectionTotals) -> Self {
        DirectionTotalsView {
            from: d.from.as_ref().map(ToString::to_string),
            to: d.to.as_ref().map(ToString::to_string),
            ours: d.ours,
            theirs: d.theirs,
        }
    }
}

/// The other side's manifest reconciled against ours.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReconciliationView {
    pub by: String,
    pub matched: u64,
    pub missing_from_theirs: u64,
    pub ambiguous: u64,
    pub extra_in_theirs: u64,
    pub entries: Vec<EntryReconciledView>,
    /// Their rows matched to no entry.
    pub extra: Vec<RowReconciledView>,
    pub directions: Vec<DirectionTotalsView>,
}

impl From<&Reconciliation> for ReconciliationView {
    fn from(r: &Reconciliation) -> Self {
        ReconciliationView {
            by: r.by.to_string(),
            matched: r.matched,
            missing_from_theirs: r.missing_from_theirs,
            ambiguous: r.ambiguous,
            extra_in_theirs: r.extra_in_theirs,
            entries: r.entries.iter().map(EntryReconciledView::from).collect(),
            extra: r.extra.iter().map(RowReconciledView::from).collect(),
            directions: r.directions.iter().map(DirectionTotalsView::from).collect(),
        }
    }
}
