//! The audit log's hash chain.
//!
//! Each event stores the hash of its predecessor and its own hash, the SHA-256 of the
//! predecessor's hash and a canonical encoding of the event. A changed event no longer
//! matches its hash; a deleted, inserted or reordered event breaks the link or the
//! numbering; deleting the newest events is caught by the head row, which holds the
//! number and hash of the last event.
//!
//! Here too the reads of the log (`audit_events`, `verify_audit`, `audit_chain_hashes`)
//! and `record_read`, the audited write that records a read of personal data.

use repatria_core::Timestamp;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::sql::{Sql, AFTER_PREFIX};
use crate::{Actor, AuditFilter, Page, PageAt, Result, SqlStore, StoreError};

repatria_core::words! {
    /// Every kind of event the audit log records: one closed set, so that no write or
    /// read names its event by a string of its own. The log stores
    /// [`AuditAction::as_str`]; the words are stable (checkpoints and witnesses hold
    /// them).
    pub enum AuditAction {
        PartyCreate = "party.create",
        /// A party was put on or taken off the GC III Art. 12 list.
        PartyTransferBar = "party.transfer_bar",
        CaptiveCreate = "captive.create",
        CaptiveImport = "captive.import",
        CaptiveIdentityClaimAdd = "captive.identity_claim.add",
        CaptiveAssessedIdentitySet = "captive.assessed_identity.set",
        /// The particulars of Art. 122 and Annex IV were recorded (which fields were given
        /// and refused, never their values).
        CaptiveParticularsSet = "captive.particulars.set",
        CaptiveCustodyEventAdd = "captive.custody_event.add",
        CaptiveHealthRecord = "captive.health.record",
        CaptiveInterviewRecord = "captive.interview.record",
        CaptiveRepatriationWishRecord = "captive.repatriation_wish.record",
        CaptiveLanguagesSet = "captive.languages.set",
        CaptiveCaptureCardSent = "captive.capture_card.sent",
        /// Judicial proceedings he is held for (Art. 115) were recorded or ended.
        CaptiveProceedingsSet = "captive.proceedings.set",
        /// A death recorded (Art. 120); its enquiry closed (Art. 121).
        CaptiveDeathRecord = "captive.death.record",
        CaptiveDeathEnquiryClose = "captive.death.enquiry_close",
        /// Every pending notification for a power sent in one dispatch.
        NotificationDispatch = "notification.dispatch",
        /// A correction of a notification, itself a new notification.
        NotificationCorrect = "notification.correct",
        /// Notifications or a dispatch's documents read.
        NotificationRead = "notification.read",
        /// Capture cards or a death certificate printed.
        DocumentPrint = "document.print",
        /// One captive's record was read.
        CaptiveRead = "captive.read",
        /// Captives were listed or searched (the ids shown are in the detail).
        CaptiveList = "captive.list",
        /// The registry was exported (PFIF).
        RegistryExport = "registry.export",
        MediaRequestCreate = "media_request.create",
        MediaRequestDecide = "media_request.decide",
        MediaRequestVisit = "media_request.visit",
        MediaList = "media.list",
        TracingRequestCreate = "tracing_request.create",
        TracingRequestImport = "tracing_request.import",
        TracingRequestAnswer = "tracing_request.answer",
        TracingRequestClose = "tracing_request.close",
        /// An answer was prepared for the tracing officer (after an exchange).
        TracingRequestAnswerPrepared = "tracing_request.answer_prepared",
        TracingRequestRead = "tracing_request.read",
        TracingRequestList = "tracing_request.list",
        ListImport = "list.import",
        /// An imported list's reconciliation report was read.
        ListReport = "list.report",
        MatchPropose = "match.propose",
        MatchConfirm = "match.confirm",
        MatchReject = "match.reject",
        MatchUndo = "match.undo",
        ExchangeCreate = "exchange.create",
        ExchangeProposal = "exchange.proposal",
        ExchangeAgree = "exchange.agree",
        /// A person was decided at the crossing (handed over, received or withdrawn).
        ExchangeHandover = "exchange.handover",
        ExchangeComplete = "exchange.complete",
        ExchangeCancel = "exchange.cancel",
        /// An exchange's manifest or proposals (personal data) were read or exported.
        ExchangeRead = "exchange.read",
        /// The other side's manifest was reconciled against ours.
        ExchangeReconcile = "exchange.reconcile",
        UserCreate = "user.create",
        UserDisable = "user.disable",
        UserEnable = "user.enable",
        UserPasswordChange = "user.password_change",
        UserPasswordReset = "user.password_reset",
        UserUnlock = "user.unlock",
        UserTotpEnrol = "user.totp_enrol",
        UserTotpEnable = "user.totp_enable",
        UserTotpDisable = "user.totp_disable",
        LoginFailure = "login.failure",
        LoginLockout = "login.lockout",
        SessionCreate = "credential.session.create",
        SessionRevoke = "credential.session.revoke",
        ApiTokenCreate = "credential.api.create",
        ApiTokenRevoke = "credential.api.revoke",
    }
}

impl AuditAction {
    /// The action of a decision on a match link.
    pub fn of_decision(decision: repatria_core::Decision) -> AuditAction {
        match decision {
            repatria_core::Decision::Confirm => AuditAction::MatchConfirm,
            repatria_core::Decision::Reject => AuditAction::MatchReject,
            repatria_core::Decision::Undo => AuditAction::MatchUndo,
        }
    }

    /// Creating or revoking a credential of `kind` (`session` or `api`).
    pub fn of_credential(kind: &str, created: bool) -> AuditAction {
        match (kind == "api", created) {
            (true, true) => AuditAction::ApiTokenCreate,
            (true, false) => AuditAction::ApiTokenRevoke,
            (false, true) => AuditAction::SessionCreate,
            (false, false) => AuditAction::SessionRevoke,
        }
    }
}

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEvent {
    pub seq: u64,
    /// RFC 3339 UTC, microseconds.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub request_id: Option<String>,
    /// JSON text.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    /// The hash this event must carry given its content and its predecessor's hash.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.entity_type,
            self.entity_id,
            self.request_id,
            self.detail,
        ]);
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(canonical.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events_checked: u64,
    /// The first event found broken, with the reason; `None` when the chain is intact.
    pub broken: Option<(u64, String)>,
}

/// Walks events in storage order and finds the first break.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: u64,
    prev_hash: String,
    checked: u64,
    broken: Option<(u64, String)>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            checked: 0,
            broken: None,
        }
    }
}

impl ChainVerifier {
    /// Feeds the next event; returns false once the chain is broken.
    pub fn push(&mut self, event: &AuditEvent) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let problem = if event.seq != self.expected_seq {
            Some(format!(
                "event number {} found where {} was expected: events were deleted, inserted or reordered",
                event.seq, self.expected_seq
            ))
        } else if event.prev_hash != self.prev_hash {
            Some("its link to the previous event does not match: an event before it was changed, deleted, inserted or reordered".to_string())
        } else if event.compute_hash() != event.hash {
            Some("its content does not match its hash: the event was changed".to_string())
        } else {
            None
        };
        match problem {
            Some(reason) => {
                self.broken = Some((event.seq, reason));
                false
            }
            None => {
                self.checked += 1;
                self.expected_seq += 1;
                self.prev_hash = event.hash.clone();
                true
            }
        }
    }

    /// Compares the end of the chain with the head row and reports.
    pub fn finish(mut self, head_seq: u64, head_hash: &str) -> VerifyReport {
        if self.broken.is_none() && (head_seq != self.checked || head_hash != self.prev_hash) {
            self.broken = Some((
                head_seq,
                format!(
                    "the log ends at event {} but its head records event {head_seq}: the newest events were deleted or the head was changed",
                    self.checked
                ),
            ));
        }
        VerifyReport {
            events_checked: self.checked,
            broken: self.broken,
        }
    }
}

/// What [`SqlStore::index_changes`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexChanges {
    /// The audit event read up to: the next read starts after it.
    pub upto: u64,
    pub captives: Vec<repatria_core::CaptiveId>,
    pub requests: Vec<repatria_core::TracingRequestId>,
}

/// The audit log as stored: reads of it, and [`SqlStore::record_read`], the audited
/// write that records a read of personal data.
impl SqlStore {
    /// Records a read of personal data (a captive's record, a search of the registry) in
    /// the audit log: every read of a person's record is attributable.
    pub async fn record_read(
        &self,
        actor: &Actor,
        action: AuditAction,
        entity_type: &str,
        entity_id: &str,
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<()> {
        self.write(actor, now, async |w| {
            w.event(action, entity_type, entity_id, detail).await
        })
        .await
    }

    /// Audit events, oldest first, optionally for one entity.
    pub async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let mut sql = Sql::default();
        sql.push("SELECT seq, at, actor, action, entity_type, entity_id, request_id, detail, prev_hash, hash FROM audit_events");
        audit_filters(filter, filter.after_seq, &mut sql);
        sql.push(&format!(
            " ORDER BY seq LIMIT {}",
            filter.limit.clamp(1, 10_000)
        ));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(audit_event).collect()
    }

    /// A page of the events the filter selects (its `limit` aside), oldest first; the
    /// position is an event's number. `total` counts the events the filter selects.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        at: &PageAt<u64>,
    ) -> Result<Page<AuditEvent>> {
        let mut count = Sql::default();
        count.push("SELECT COUNT(*) AS n FROM audit_events");
        audit_filters(filter, filter.after_seq, &mut count);
        let total: i64 = count.query().fetch_one(&self.pool).await?.try_get("n")?;

        let limit = at.size();
        let after = filter.after_seq.max(at.after.unwrap_or(0));
        let mut sql = Sql::default();
        sql.push("SELECT seq, at, actor, action, entity_type, entity_id, request_id, detail, prev_hash, hash FROM audit_events");
        audit_filters(filter, after, &mut sql);
        sql.push(&format!(" ORDER BY seq LIMIT {}", limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let events = rows.iter().map(audit_event).collect::<Result<Vec<_>>>()?;
        Ok(Page::cut(events, total, limit, |e| e.seq.to_string()))
    }

    /// The newest audit event's number: every committed change has a number at most this.
    pub async fn audit_head(&self) -> Result<u64> {
        let row = sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("seq")? as u64)
    }

    /// What changed the matching index's inputs after event `after`, up to the head as it
    /// is now: the captives created, imported or given a new name, and the tracing
    /// requests recorded, in the order committed. The audit log is the change feed: every
    /// write appends its events under the head's lock, so their numbers are the order of
    /// the commits, and every server of one database reads the same feed.
    pub async fn index_changes(&self, after: u64) -> Result<IndexChanges> {
        let upto = self.audit_head().await?;
        let mut changes = IndexChanges {
            upto,
            ..IndexChanges::default()
        };
        if upto <= after {
            return Ok(changes);
        }
        let rows = sqlx::query(
            "SELECT entity_type, entity_id FROM audit_events WHERE seq > $1 AND seq <= $2 \
             AND action IN ($3, $4, $5, $6, $7) ORDER BY seq",
        )
        .bind(after.min(i64::MAX as u64) as i64)
        .bind(upto as i64)
        .bind(AuditAction::CaptiveCreate.as_str())
        .bind(AuditAction::CaptiveImport.as_str())
        .bind(AuditAction::CaptiveIdentityClaimAdd.as_str())
        .bind(AuditAction::TracingRequestCreate.as_str())
        .bind(AuditAction::TracingRequestImport.as_str())
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let kind: String = row.try_get("entity_type")?;
            let id: String = row.try_get("entity_id")?;
            let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
                continue;
            };
            match kind.as_str() {
                "captive" => changes.captives.push(repatria_core::CaptiveId(uuid)),
                "tracing_request" => changes.requests.push(repatria_core::TracingRequestId(uuid)),
                _ => {}
            }
        }
        changes.captives.sort();
        changes.captives.dedup();
        changes.requests.sort();
        changes.requests.dedup();
        Ok(changes)
    }

    /// The captives whose records were created, imported or changed after event
    /// `after`, up to the head as it is now (`upto` of the answer; `requests` is empty).
    /// Every write that stores a captive's record appends an event naming him
    /// (`create_captive`, `import_captives`, and `Write::change`, the one way a stored
    /// record changes), so these are all of them; reads (`captive.read`) are left out.
    pub async fn captives_changed(&self, after: u64) -> Result<IndexChanges> {
        let upto = self.audit_head().await?;
        let mut changes = IndexChanges {
            upto,
            ..IndexChanges::default()
        };
        if upto <= after {
            return Ok(changes);
        }
        let rows = sqlx::query(
            "SELECT DISTINCT entity_id FROM audit_events WHERE seq > $1 AND seq <= $2 \
             AND entity_type = 'captive' AND action <> $3",
        )
        .bind(after.min(i64::MAX as u64) as i64)
        .bind(upto as i64)
        .bind(AuditAction::CaptiveRead.as_str())
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let id: String = row.try_get("entity_id")?;
            let uuid = uuid::Uuid::parse_str(&id).map_err(|e| {
                StoreError::Corrupt(format!("captive id {id:?} in the audit log: {e}"))
            })?;
            changes.captives.push(repatria_core::CaptiveId(uuid));
        }
        changes.captives.sort();
        Ok(changes)
    }

    /// Recomputes the whole hash chain.
    pub async fn verify_audit(&self) -> Result<VerifyReport> {
        // One read transaction, so that writers running meanwhile cannot make the head
        // and the events disagree.
        self.snapshot(async |conn| {
            let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *conn)
                .await?;
            let mut verifier = ChainVerifier::default();
            let mut after: i64 = 0;
            'pages: loop {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, entity_type, entity_id, request_id, detail, prev_hash, hash \
                     FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 5000",
                )
                .bind(after)
                .fetch_all(&mut *conn)
                .await?;
                if rows.is_empty() {
                    break;
                }
                for row in &rows {
                    let event = audit_event(row)?;
                    after = event.seq as i64;
                    if !verifier.push(&event) {
                        break 'pages;
                    }
                }
            }
            Ok(verifier.finish(
                head.try_get::<i64, _>("seq")? as u64,
                &head.try_get::<String, _>("hash")?,
            ))
        })
        .await
    }

    /// The chain hashes of events 1..=`up_to` (all events when `None`), in order: the
    /// leaves of the audit log's Merkle tree (see `checkpoint.rs`). One query that reads
    /// only numbers and hashes; a gap in the numbering or a hash that is not 32 bytes of
    /// hex is [`StoreError::Corrupt`].
    pub async fn audit_chain_hashes(&self, up_to: Option<u64>) -> Result<Vec<[u8; 32]>> {
        use futures_util::TryStreamExt;
        let limit = up_to.map_or(i64::MAX, |n| n.min(i64::MAX as u64) as i64);
        let mut rows =
            sqlx::query("SELECT seq, hash FROM audit_events WHERE seq <= $1 ORDER BY seq")
                .bind(limit)
                .fetch(&self.pool);
        let mut hashes = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let seq = row.try_get::<i64, _>("seq")?;
            if seq != hashes.len() as i64 + 1 {
                return Err(StoreError::Corrupt(format!(
                    "audit event {seq} found where {} was expected",
                    hashes.len() + 1
                )));
            }
            let hash: String = row.try_get("hash")?;
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(&hash, &mut bytes).map_err(|_| {
                StoreError::Corrupt(format!("audit event {seq} has a malformed hash"))
            })?;
            hashes.push(bytes);
        }
        Ok(hashes)
    }
}

fn audit_event(row: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: row.try_get::<i64, _>("seq")? as u64,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        entity_type: row.try_get("entity_type")?,
        entity_id: row.try_get("entity_id")?,
        request_id: row.try_get("request_id")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// The `WHERE` of a filter, from events after `after`.
fn audit_filters(filter: &AuditFilter, after: u64, sql: &mut Sql) {
    sql.push(" WHERE seq > ");
    sql.push(&(after.min(i64::MAX as u64) as i64).to_string());
    if let Some((kind, id)) = &filter.entity {
        sql.push(" AND entity_type = ")
            .param(kind.as_str())
            .push(" AND entity_id = ")
            .param(id.as_str());
    }
    if let Some(actor) = &filter.actor {
        sql.push(" AND actor = ").param(actor.as_str());
    }
    if let Some(prefix) = &filter.action_prefix {
        let upper = format!("{prefix}{AFTER_PREFIX}");
        sql.push(" AND action >= ")
            .param(prefix.as_str())
            .push(" AND action < ")
            .param(upper);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_audit_action_has_its_own_stable_word() {
        use super::AuditAction;
        let words: std::collections::BTreeSet<&str> =
            AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            words.len(),
            AuditAction::ALL.len(),
            "two actions share a word"
        );
        for word in &words {
            assert!(
                word.split('.').count() >= 2
                    && word
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_'),
                "{word}"
            );
        }
        // Words already in logs that witnesses hold: they never change.
        assert_eq!(AuditAction::CaptiveRead.as_str(), "captive.read");
        assert_eq!(
            AuditAction::ApiTokenCreate.as_str(),
            "credential.api.create"
        );
        assert_eq!(
            AuditAction::of_decision(repatria_core::Decision::Reject).as_str(),
            "match.reject"
        );
    }

    use super::*;

    fn chain(n: u64) -> Vec<AuditEvent> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEvent {
                    seq,
                    at: format!("2025-01-0{seq}T00:00:00.000000Z"),
                    actor: "registrar".into(),
                    action: "captive.create".into(),
                    entity_type: "captive".into(),
                    entity_id: format!("c{seq}"),
                    request_id: None,
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn check(events: &[AuditEvent], head: (u64, &str), expect: Result<u64, (u64, &str)>) {
        let mut verifier = ChainVerifier::default();
        for e in events {
            if !verifier.push(e) {
                break;
            }
        }
        let report = verifier.finish(head.0, head.1);
        match expect {
            Ok(n) => assert_eq!(
                report,
                VerifyReport {
                    events_checked: n,
                    broken: None
                }
            ),
            Err((seq, fragment)) => {
                let (got_seq, reason) = report.broken.expect("chain should be broken");
                assert_eq!(got_seq, seq, "{reason}");
                assert!(reason.contains(fragment), "{reason} lacks {fragment:?}");
            }
        }
    }

    #[test]
    fn an_intact_chain_verifies() {
        let events = chain(4);
        check(&events, (4, &events[3].hash.clone()), Ok(4));
        check(&[], (0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn every_kind_of_tampering_is_detected() {
        let events = chain(4);
        let head = (4, events[3].hash.as_str());

        let mut changed = events.clone();
        changed[1].actor = "someone else".into();
        check(&changed, head, Err((2, "content does not match")));

        let mut deleted = events.clone();
        deleted.remove(1);
        check(&deleted, head, Err((3, "found where 2 was expected")));

        let mut reordered = events.clone();
        reordered.swap(1, 2);
        check(&reordered, head, Err((3, "found where 2 was expected")));

        // A forged event renumbered to fit still fails its link.
        let mut inserted = events.clone();
        let mut forged = events[1].clone();
        forged.entity_id = "forged".into();
        forged.hash = forged.compute_hash();
        inserted[1] = forged;
        check(&inserted, head, Err((3, "link to the previous event")));

        check(&events[..3], head, Err((4, "newest events were deleted")));
    }
}
