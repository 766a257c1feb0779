//! Exchanges as records, as stored (docs/exchange-records.md).
//!
//! An exchange is one JSON document (`exchanges`); each proposal one row
//! (`exchange_proposals`, numbered per exchange); the manifest one row per person
//! (`manifest_entries`) with copied columns for counting. A decision at the crossing
//! updates its entry only while the entry is `pending` (the statement's own condition),
//! so of two officers deciding the same person one gets the decision and the other a
//! conflict, never a double record. The rules themselves are in
//! `repatria_exchange::record`; this module loads, locks, applies and writes back.

use std::collections::{HashMap, HashSet};

use repatria_core::{
    Captive, CaptiveId, CustodyEvent, CustodyEventKind, EntryId, EventId, ExchangeId, PartyCode,
    Timestamp, TracingAnswer, TracingRequest, TracingRequestId, TracingStatus,
};
use repatria_exchange::record::{
    Exchange, ExchangeError, Handover, ManifestEntry, Outcome, Proposal, Tally,
};
use sqlx::Row;

use crate::document::{decode_row, decode_rows, encode, Column, Document};
use crate::page::time_page;
use crate::sql::{instant, Sql};
use crate::write::Write;
use crate::{Actor, At, AuditAction, Order, Page, PageAt, Result, SqlStore, StoreError};

impl Document for Exchange {
    const TABLE: &'static str = "exchanges";
    const WHAT: &'static str = "exchange";
    const ENTITY: &'static str = "exchange";

    fn key(&self) -> String {
        self.id.to_string()
    }

    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![("state", Column::Text(Some(self.state.as_str().into())))]
    }
}

/// An exchange error as the store reports it: a state or a decision that does not
/// allow the change is a conflict (409); what the records forbid is a rule broken, on
/// the field it names (409); parties not registered are unknown (404); bad input is the
/// domain's (422).
impl From<ExchangeError> for StoreError {
    fn from(e: ExchangeError) -> StoreError {
        match e {
            ExchangeError::Invalid(fields) => {
                StoreError::Domain(repatria_core::DomainError::Invalid(fields))
            }
            ExchangeError::Unknown(fields) => StoreError::Unknown(fields),
            ExchangeError::Violations { .. } => {
                StoreError::Domain(repatria_core::DomainError::rule("proposal", e.to_string()))
            }
            ExchangeError::Conflict(fields) => {
                // One field is named; the others' refusals follow in the text.
                let mut fields = fields.into_iter();
                let first = fields.next().unwrap_or_else(|| {
                    repatria_core::FieldError::new("", "the records do not allow it")
                });
                let reason = std::iter::once(first.reason)
                    .chain(fields.map(|f| f.to_string()))
                    .collect::<Vec<_>>()
                    .join("; ");
                StoreError::Domain(repatria_core::DomainError::rule(first.field, reason))
            }
            ExchangeError::State { .. }
            | ExchangeError::Decided { .. }
            | ExchangeError::Pending(_) => StoreError::Conflict(e.to_string()),
        }
    }
}

/// A pending entry as [`SqlStore::pending_weights`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingWeight {
    pub entry: EntryId,
    pub from: PartyCode,
    pub to: PartyCode,
    pub balance_value: u64,
    pub demanded: bool,
    pub captured_on: Option<chrono::NaiveDate>,
}

/// Rows per multi-row `INSERT` of manifest entries.
const ENTRY_BATCH: usize = 100;

/// What [`SqlStore::complete_exchange`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub exchange: Exchange,
    /// Captives who got the `repatriated` custody event.
    pub repatriated: Vec<CaptiveId>,
    /// Tracing requests that got a prepared answer.
    pub answers_prepared: Vec<TracingRequestId>,
}

/// Rows of `from_party, to_party, status, persons, weight` as tallies.
fn tallies(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Tally>> {
    rows.iter()
        .map(|row| {
            let party = |column: &str| -> Result<PartyCode> {
                let code: String = row.try_get(column)?;
                PartyCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()))
            };
            let status: String = row.try_get("status")?;
            Ok(Tally {
                from: party("from_party")?,
                to: party("to_party")?,
                status: status
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("manifest entry status: {e}")))?,
                persons: row.try_get::<i64, _>("persons")? as u64,
                balance_value: row.try_get::<i64, _>("weight")? as u64,
            })
        })
        .collect()
}

async fn load_entry(
    w: &mut Write<'_>,
    exchange: ExchangeId,
    entry: EntryId,
) -> Result<ManifestEntry> {
    let sql = format!(
        "SELECT record FROM manifest_entries WHERE id = $1 AND exchange_id = $2{}",
        w.for_update()
    );
    let row = sqlx::query(&sql)
        .bind(entry.to_string())
        .bind(exchange.to_string())
        .fetch_optional(w.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    decode_row("manifest entry", &row)
}

impl SqlStore {
    /// Records a new exchange.
    pub async fn create_exchange(
        &self,
        actor: &Actor,
        exchange: &Exchange,
        now: Timestamp,
    ) -> Result<()> {
        self.write(actor, now, async |w| {
            sqlx::query(
                "INSERT INTO exchanges (id, state, created_at, record) VALUES ($1, $2, $3, $4)",
            )
            .bind(exchange.key())
            .bind(exchange.state.as_str())
            .bind(instant(exchange.created_at))
            .bind(encode(Exchange::WHAT, exchange)?)
            .execute(w.conn())
            .await?;
            w.event(
                AuditAction::ExchangeCreate,
                Exchange::ENTITY,
                &exchange.key(),
                serde_json::json!({ "sides": exchange.sides, "mediators": exchange.mediators }),
            )
            .await
        })
        .await
    }

    /// One exchange; `NotFound` for an unknown id.
    pub async fn get_exchange(&self, id: ExchangeId) -> Result<Exchange> {
        let row = sqlx::query("SELECT record FROM exchanges WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_row(Exchange::WHAT, &row)
    }

    /// A page of the exchanges, newest first.
    pub async fn exchange_page(&self, at: &PageAt<At>) -> Result<Page<Exchange>> {
        let read = |row: &sqlx::any::AnyRow| decode_row(Exchange::WHAT, row);
        let filters = |_: &mut Sql| {};
        time_page(
            self,
            "exchanges",
            "record",
            filters,
            Order::Descending,
            at,
            read,
        )
        .await
    }

    /// The manifest of an exchange summed up per direction and status as kept with
    /// every agreement and decision (`manifest_tallies`: a few rows, however long the
    /// manifest), for [`repatria_exchange::record::counts`].
    pub async fn manifest_tallies(&self, id: ExchangeId) -> Result<Vec<Tally>> {
        let rows = sqlx::query(
            "SELECT from_party, to_party, status, persons, weight FROM manifest_tallies \
             WHERE exchange_id = $1 AND persons > 0 ORDER BY from_party, to_party, status",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        tallies(&rows)
    }

    /// The same sums as [`SqlStore::manifest_tallies`], computed over every entry: what
    /// the kept tallies must always equal (the tests compare them).
    pub async fn manifest_sums(&self, id: ExchangeId) -> Result<Vec<Tally>> {
        let rows = sqlx::query(
            "SELECT from_party, to_party, status, COUNT(*) AS persons, CAST(SUM(balance_value) AS BIGINT) AS weight \
             FROM manifest_entries WHERE exchange_id = $1 GROUP BY from_party, to_party, status \
             ORDER BY from_party, to_party, status",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        tallies(&rows)
    }

    /// Records a proposal: `make` receives the exchange (locked) and the proposal's
    /// number, and returns the proposal to store; refused unless negotiating.
    pub async fn record_proposal(
        &self,
        actor: &Actor,
        id: ExchangeId,
        make: impl FnOnce(&Exchange, u32) -> Proposal,
        now: Timestamp,
    ) -> Result<Proposal> {
        self.write(actor, now, async |w| {
            let mut exchange: Exchange = w.load(&id.to_string()).await?;
            let number = exchange.next_proposal()?;
            let proposal = make(&exchange, number);
            sqlx::query(
                "INSERT INTO exchange_proposals (exchange_id, number, created_at, record) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.to_string())
            .bind(i64::from(number))
            .bind(instant(proposal.created_at))
            .bind(encode("proposal", &proposal)?)
            .execute(w.conn())
            .await?;
            w.save(&exchange).await?;
            w.event(
                AuditAction::ExchangeProposal,
                Exchange::ENTITY,
                &id.to_string(),
                serde_json::json!({
                    "number": number,
                    "by": proposal.by,
                    "source": proposal.source,
                    "transfers": proposal.transfers.len(),
                    "violations": proposal.violations.len(),
                }),
            )
            .await?;
            Ok(proposal)
        })
        .await
    }

    /// The proposals of an exchange, by number.
    pub async fn proposals(&self, id: ExchangeId) -> Result<Vec<Proposal>> {
        let rows = sqlx::query(
            "SELECT record FROM exchange_proposals WHERE exchange_id = $1 ORDER BY number",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        decode_rows("proposal", &rows)
    }

    /// A page of the proposals of an exchange, by number (the position: a number).
    pub async fn proposal_page(&self, id: ExchangeId, at: &PageAt<u64>) -> Result<Page<Proposal>> {
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM exchange_proposals WHERE exchange_id = $1")
                .bind(id.to_string())
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
        let limit = at.size();
        let after = at.after.unwrap_or(0).min(i64::MAX as u64) as i64;
        let rows = sqlx::query(&format!(
            "SELECT number, record FROM exchange_proposals WHERE exchange_id = $1 AND number > $2 \
             ORDER BY number LIMIT {}",
            limit + 1
        ))
        .bind(id.to_string())
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                let number = row.try_get::<i64, _>("number")? as u64;
                Ok((decode_row("proposal", row)?, number))
            })
            .collect::<Result<Vec<(Proposal, u64)>>>()?;
        Ok(Page::cut_keyed(items, total, limit))
    }

    /// One proposal; `NotFound` when the exchange has no such number.
    pub async fn proposal(&self, id: ExchangeId, number: u32) -> Result<Proposal> {
        let row = sqlx::query(
            "SELECT record FROM exchange_proposals WHERE exchange_id = $1 AND number = $2",
        )
        .bind(id.to_string())
        .bind(i64::from(number))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        decode_row("proposal", &row)
    }

    /// Agrees proposal `number` and freezes it into the manifest, in one transaction.
    pub async fn agree_exchange(
        &self,
        actor: &Actor,
        id: ExchangeId,
        number: u32,
        now: Timestamp,
    ) -> Result<Exchange> {
        self.write(actor, now, async |w| {
            let mut exchange: Exchange = w.load(&id.to_string()).await?;
            let row = sqlx::query(
                "SELECT record FROM exchange_proposals WHERE exchange_id = $1 AND number = $2",
            )
            .bind(id.to_string())
            .bind(i64::from(number))
            .fetch_optional(w.conn())
            .await?
            .ok_or_else(|| {
                StoreError::Domain(repatria_core::DomainError::invalid(
                    "proposal",
                    format!("this exchange has no proposal {number}"),
                ))
            })?;
            let proposal: Proposal = decode_row("proposal", &row)?;
            exchange.agree(&proposal, &actor.user, now)?;
            let entries = ManifestEntry::freeze(
                &proposal,
                std::iter::repeat_with(|| EntryId(uuid::Uuid::now_v7())),
            );
            let exchange_key = id.to_string();
            for chunk in entries.chunks(ENTRY_BATCH) {
                let mut sql = String::from(
                    "INSERT INTO manifest_entries (id, exchange_id, position, captive_id, from_party, to_party, balance_value, demanded, captured_on, status, record) VALUES ",
                );
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    let params: Vec<String> = (1..=11).map(|k| format!("${}", 11 * i + k)).collect();
                    sql.push_str(&format!("({})", params.join(", ")));
                }
                let mut query = sqlx::query(&sql);
                for e in chunk {
                    query = query
                        .bind(e.id.to_string())
                        .bind(exchange_key.clone())
                        .bind(i64::from(e.position))
                        .bind(e.captive.to_string())
                        .bind(e.from.as_str().to_string())
                        .bind(e.to.as_str().to_string())
                        .bind(e.balance_value() as i64)
                        .bind(i64::from(e.demanded))
                        .bind(e.captured_on.map(|d| d.to_string()))
                        .bind(e.status.as_str())
                        .bind(encode("manifest entry", e)?);
                }
                query.execute(w.conn()).await?;
            }
            for t in repatria_exchange::record::tally(&entries) {
                sqlx::query(
                    "INSERT INTO manifest_tallies (exchange_id, from_party, to_party, status, persons, weight) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(exchange_key.clone())
                .bind(t.from.as_str().to_string())
                .bind(t.to.as_str().to_string())
                .bind(t.status.as_str())
                .bind(t.persons as i64)
                .bind(t.balance_value as i64)
                .execute(w.conn())
                .await?;
            }
            w.save(&exchange).await?;
            w.event(
                AuditAction::ExchangeAgree,
                Exchange::ENTITY,
                &exchange_key,
                serde_json::json!({ "proposal": number, "entries": entries.len() }),
            )
            .await?;
            Ok(exchange)
        })
        .await
    }

    /// The pending entries as the suggestion after a withdrawal weighs them (entry,
    /// direction, weight, demanded, date of capture), read from the copied columns only
    /// and only those that count: given by a party of `from` to a party of `to`,
    /// cheapest first by the
    /// planner's objective (not demanded, least weight, captured most recently), at most
    /// `limit`. Cheap enough for every read of the exchange at the crossing.
    pub async fn pending_weights(
        &self,
        id: ExchangeId,
        from: &[PartyCode],
        to: &[PartyCode],
        limit: Option<u64>,
    ) -> Result<Vec<PendingWeight>> {
        let mut sql = crate::sql::Sql::default();
        sql.push(
            "SELECT id, from_party, to_party, balance_value, demanded, captured_on FROM manifest_entries \
             WHERE exchange_id = ",
        )
        .param(id.to_string())
        .push(" AND status = 'pending' AND balance_value > 0 AND from_party IN (");
        for (column, parties) in [("", from), (") AND to_party IN (", to)] {
            sql.push(column);
            for (i, p) in parties.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.param(p.as_str());
            }
            if parties.is_empty() {
                sql.push("NULL");
            }
        }
        sql.push(") ORDER BY demanded, balance_value, captured_on DESC, position");
        if let Some(limit) = limit {
            sql.push(&format!(" LIMIT {}", limit.min(1_000_000)));
        }
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let corrupt = |what: &str| StoreError::Corrupt(format!("manifest entry {what}"));
                let text =
                    |column: &str| -> Result<String> { Ok(row.try_get::<String, _>(column)?) };
                Ok(PendingWeight {
                    entry: EntryId(text("id")?.parse().map_err(|_| corrupt("id"))?),
                    from: PartyCode::parse(&text("from_party")?).map_err(|_| corrupt("party"))?,
                    to: PartyCode::parse(&text("to_party")?).map_err(|_| corrupt("party"))?,
                    balance_value: row.try_get::<i64, _>("balance_value")? as u64,
                    demanded: row.try_get::<i64, _>("demanded")? != 0,
                    captured_on: row
                        .try_get::<Option<String>, _>("captured_on")?
                        .map(|d| d.parse().map_err(|_| corrupt("date of capture")))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// The manifest, in order; with `party`, only the entries it gives or receives.
    pub async fn manifest(
        &self,
        id: ExchangeId,
        party: Option<&PartyCode>,
    ) -> Result<Vec<ManifestEntry>> {
        let rows = match party {
            Some(p) => sqlx::query(
                "SELECT record FROM manifest_entries WHERE exchange_id = $1 AND (from_party = $2 OR to_party = $2) ORDER BY position",
            )
            .bind(id.to_string())
            .bind(p.as_str().to_string())
            .fetch_all(&self.pool)
            .await?,
            None => sqlx::query(
                "SELECT record FROM manifest_entries WHERE exchange_id = $1 ORDER BY position",
            )
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?,
        };
        decode_rows("manifest entry", &rows)
    }

    /// Records a decision at the crossing. `decide` receives the exchange, the entry
    /// and the captive's record, and returns the decision or refuses. The entry is
    /// written only if it is still pending: a decision made meanwhile by another
    /// officer is a conflict naming it. The first decision moves the exchange to
    /// `in_progress`.
    pub async fn decide_entry(
        &self,
        actor: &Actor,
        id: ExchangeId,
        entry: EntryId,
        decide: impl FnOnce(
            &Exchange,
            &ManifestEntry,
            &Captive,
        ) -> std::result::Result<Handover, ExchangeError>,
        now: Timestamp,
    ) -> Result<(ManifestEntry, Exchange)> {
        self.write(actor, now, async |w| {
            let mut exchange: Exchange = w.load(&id.to_string()).await?;
            let mut current = load_entry(w, id, entry).await?;
            let captive: Captive = w.load(&current.captive.to_string()).await?;
            let handover = decide(&exchange, &current, &captive)?;
            let outcome = handover.outcome;
            current.status = outcome.status();
            current.handover = Some(handover);
            let updated = sqlx::query(
                "UPDATE manifest_entries SET status = $1, record = $2 WHERE id = $3 AND status = 'pending'",
            )
            .bind(current.status.as_str())
            .bind(encode("manifest entry", &current)?)
            .bind(entry.to_string())
            .execute(w.conn())
            .await?;
            if updated.rows_affected() != 1 {
                let decided = load_entry(w, id, entry).await?;
                return Err(StoreError::Conflict(format!(
                    "this person was decided already: {}{}",
                    decided.status,
                    decided
                        .handover
                        .map(|h| format!(" by {} at {}", h.recorded_by, h.at.to_rfc3339()))
                        .unwrap_or_default()
                )));
            }
            // The person moves from `pending` to his new status in the kept tallies.
            let key = id.to_string();
            let weight = current.balance_value() as i64;
            sqlx::query(
                "UPDATE manifest_tallies SET persons = persons - 1, weight = weight - $1 \
                 WHERE exchange_id = $2 AND from_party = $3 AND to_party = $4 AND status = 'pending'",
            )
            .bind(weight)
            .bind(key.clone())
            .bind(current.from.as_str().to_string())
            .bind(current.to.as_str().to_string())
            .execute(w.conn())
            .await?;
            sqlx::query(
                "INSERT INTO manifest_tallies (exchange_id, from_party, to_party, status, persons, weight) \
                 VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (exchange_id, from_party, to_party, status) \
                 DO UPDATE SET persons = manifest_tallies.persons + 1, weight = manifest_tallies.weight + excluded.weight",
            )
            .bind(key)
            .bind(current.from.as_str().to_string())
            .bind(current.to.as_str().to_string())
            .bind(current.status.as_str())
            .bind(weight)
            .execute(w.conn())
            .await?;
            let state = exchange.state;
            exchange.begin_handover(now)?;
            if exchange.state != state {
                w.save(&exchange).await?;
            }
            w.event(
                AuditAction::ExchangeHandover,
                "manifest_entry",
                &entry.to_string(),
                serde_json::json!({
                    "exchange": id,
                    "captive": current.captive,
                    "outcome": outcome,
                    "stage": current.handover.as_ref().and_then(|h| h.stage.clone()),
                    "wish_confirmed_by": current.handover.as_ref().and_then(|h| h.checks.wish_confirmed_by.clone()),
                }),
            )
            .await?;
            Ok((current, exchange))
        })
        .await
    }

    /// Completes an exchange in one transaction: refused while entries are pending;
    /// every captive handed over or received gets the `repatriated` custody event at
    /// his handover's time, and every tracing request about a received captive that is
    /// not closed gets the answer `answer` prepares for the tracing officer.
    pub async fn complete_exchange(
        &self,
        actor: &Actor,
        id: ExchangeId,
        answer: impl Fn(&Exchange, &Captive, &ManifestEntry) -> String,
        now: Timestamp,
    ) -> Result<Completion> {
        self.write(actor, now, async |w| {
            let mut exchange: Exchange = w.load(&id.to_string()).await?;
            let pending = sqlx::query(
                "SELECT COUNT(*) AS n FROM manifest_entries WHERE exchange_id = $1 AND status = 'pending'",
            )
            .bind(id.to_string())
            .fetch_one(w.conn())
            .await?
            .try_get::<i64, _>("n")? as u64;
            exchange.complete(pending, now)?;
            w.save(&exchange).await?;
            w.event(
                AuditAction::ExchangeComplete,
                Exchange::ENTITY,
                &id.to_string(),
                serde_json::json!({}),
            )
            .await?;
            let rows = sqlx::query(
                "SELECT record FROM manifest_entries WHERE exchange_id = $1 AND status IN ('handed_over', 'received') ORDER BY position",
            )
            .bind(id.to_string())
            .fetch_all(w.conn())
            .await?;
            let crossed: Vec<ManifestEntry> = decode_rows("manifest entry", &rows)?;
            let mut repatriated = Vec::with_capacity(crossed.len());
            let mut received = HashMap::new();
            for entry in &crossed {
                let Some(handover) = &entry.handover else {
                    return Err(StoreError::Corrupt(format!(
                        "manifest entry {} is {} without a decision",
                        entry.id, entry.status
                    )));
                };
                let event = CustodyEvent {
                    id: EventId(uuid::Uuid::now_v7()),
                    kind: CustodyEventKind::Repatriated,
                    at: handover.at,
                    place: handover.stage.clone(),
                    facility: None,
                    note: Some(format!("exchange {id}")),
                    recorded_by: actor.user.clone(),
                };
                let captive: Captive = w
                    .change_captive(entry.captive, |captive: &mut Captive| {
                        let detail = serde_json::json!({
                            "event_id": event.id, "kind": event.kind, "exchange": id, "entry": entry.id,
                        });
                        captive.add_custody_event(event, now)?;
                        Ok((AuditAction::CaptiveCustodyEventAdd, detail))
                    })
                    .await?;
                repatriated.push(entry.captive);
                if handover.outcome == Outcome::Received {
                    received.insert(entry.captive, (captive, entry.clone()));
                }
            }
            let mut answers_prepared = Vec::new();
            if !received.is_empty() {
                // The requests about a received captive: those whose links point at him
                // (proposed or confirmed; a rejected link is no longer about him).
                let mut requests: Vec<(TracingRequestId, CaptiveId)> = Vec::new();
                let mut seen = HashSet::new();
                let ids: Vec<&CaptiveId> = received.keys().collect();
                for chunk in ids.chunks(500) {
                    let mut sql = String::from(
                        "SELECT subject_key, target_key FROM match_links WHERE subject_kind = 'request' AND target_kind = 'captive' AND state <> 'rejected' AND target_key IN (",
                    );
                    for i in 0..chunk.len() {
                        sql.push_str(if i == 0 { "$" } else { ", $" });
                        sql.push_str(&(i + 1).to_string());
                    }
                    sql.push_str(") ORDER BY subject_key");
                    let mut query = sqlx::query(&sql);
                    for c in chunk {
                        query = query.bind(c.to_string());
                    }
                    for row in query.fetch_all(w.conn()).await? {
                        let request: String = row.try_get("subject_key")?;
                        let captive: String = row.try_get("target_key")?;
                        let (Ok(request), Ok(captive)) = (request.parse(), captive.parse()) else {
                            return Err(StoreError::Corrupt("match link keys".into()));
                        };
                        if seen.insert(request) {
                            requests.push((TracingRequestId(request), CaptiveId(captive)));
                        }
                    }
                }
                for (request, captive) in requests {
                    let current: TracingRequest = w.load(&request.0.to_string()).await?;
                    if current.status == TracingStatus::Closed {
                        continue;
                    }
                    let (record, entry) = &received[&captive];
                    let text = answer(&exchange, record, entry);
                    w.change(&request.0.to_string(), |r: &mut TracingRequest| {
                        r.prepare_answer(TracingAnswer {
                            at: now,
                            by: actor.user.clone(),
                            text,
                        })?;
                        Ok((
                            AuditAction::TracingRequestAnswerPrepared,
                            serde_json::json!({ "exchange": id, "captive": captive }),
                        ))
                    })
                    .await?;
                    answers_prepared.push(request);
                }
            }
            Ok(Completion {
                exchange,
                repatriated,
                answers_prepared,
            })
        })
        .await
    }

    /// Calls an exchange off, with the reason.
    pub async fn cancel_exchange(
        &self,
        actor: &Actor,
        id: ExchangeId,
        reason: &str,
        now: Timestamp,
    ) -> Result<Exchange> {
        self.write(actor, now, async |w| {
            w.change(&id.to_string(), |exchange: &mut Exchange| {
                exchange.cancel(reason, &actor.user, now)?;
                Ok((AuditAction::ExchangeCancel, serde_json::json!({})))
            })
            .await
        })
        .await
    }

    /// The captives confirmed on a demand list (a person confirmed the link from the
    /// demanded person to the captive): of this exchange, or with `None` of every
    /// exchange still negotiating.
    pub async fn demanded_captives(&self, id: Option<ExchangeId>) -> Result<HashSet<CaptiveId>> {
        let rows = match id {
            Some(id) => sqlx::query(
                "SELECT l.target_key FROM match_links l JOIN list_imports i ON l.import_id = i.id \
                 WHERE i.exchange_id = $1 AND l.state = 'confirmed' AND l.target_kind = 'captive'",
            )
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?,
            None => sqlx::query(
                "SELECT l.target_key FROM match_links l JOIN list_imports i ON l.import_id = i.id \
                 JOIN exchanges x ON x.id = i.exchange_id \
                 WHERE x.state = 'negotiating' AND l.state = 'confirmed' AND l.target_kind = 'captive'",
            )
            .fetch_all(&self.pool)
            .await?,
        };
        rows.iter()
            .map(|row| {
                let key: String = row.try_get("target_key")?;
                key.parse()
                    .map(CaptiveId)
                    .map_err(|_| StoreError::Corrupt(format!("captive id {key:?}")))
            })
            .collect()
    }

    /// A page of the demand lists of an exchange, oldest first.
    pub async fn demand_list_page(
        &self,
        id: ExchangeId,
        at: &PageAt<At>,
    ) -> Result<Page<repatria_core::ListImport>> {
        let exchange = id.to_string();
        let filters = |sql: &mut Sql| {
            sql.push(" AND exchange_id = ").param(exchange.as_str());
        };
        let read = |row: &sqlx::any::AnyRow| decode_row("list import", row);
        time_page(
            self,
            "list_imports",
            "record",
            filters,
            Order::Ascending,
            at,
            read,
        )
        .await
    }

    /// Puts a party on the Art. 12 list with the reason, or with `None` takes it off.
    pub async fn set_transfer_bar(
        &self,
        actor: &Actor,
        code: &PartyCode,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<()> {
        self.write(actor, now, async |w| {
            let updated = sqlx::query("UPDATE parties SET transfer_barred = $1 WHERE code = $2")
                .bind(reason.clone())
                .bind(code.as_str())
                .execute(w.conn())
                .await?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            w.event(
                AuditAction::PartyTransferBar,
                "party",
                code.as_str(),
                serde_json::json!({ "barred": reason.is_some(), "reason": reason }),
            )
            .await
        })
        .await
    }
}
