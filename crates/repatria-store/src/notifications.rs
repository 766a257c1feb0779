//! Notifications to the powers of origin and their dispatches (docs/notifications.md).
//!
//! A notification is written in the transaction of the change that causes it
//! ([`Write::notify`], called wherever a captive's record is inserted or changed). A
//! dispatch takes every pending notification of one power at once, keeps the rows it sent
//! as they were sent, and marks the capture cards it carried as sent; it is never edited.

use std::collections::HashMap;

use repatria_core::{
    notices, Captive, CaptiveId, DispatchId, EventId, NotificationId, NotificationKind,
    NotificationState, PartyCode, Timestamp,
};
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::accounts::time_of;
use crate::audit::AuditAction;
use crate::document::{decode, encode};
use crate::page::time_page;
use crate::sql::{instant, Sql};
use crate::write::Write;
use crate::{Actor, At, Order, Page, PageAt, Result, SqlStore, StoreError};

/// One notification as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: NotificationId,
    pub captive: CaptiveId,
    pub power_of_origin: String,
    pub kind: NotificationKind,
    /// The custody event it reports (a capture card's occasion).
    pub event: Option<EventId>,
    pub event_at: Timestamp,
    pub created_at: Timestamp,
    pub due_at: Timestamp,
    pub state: NotificationState,
    pub dispatch: Option<DispatchId>,
    /// The notification a correction corrects.
    pub corrects: Option<NotificationId>,
    /// A correction's text.
    pub note: Option<String>,
    pub created_by: String,
}

/// Which notifications to list.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub state: Option<NotificationState>,
    pub power_of_origin: Option<String>,
    pub kind: Option<NotificationKind>,
    pub captive: Option<CaptiveId>,
    pub dispatch: Option<DispatchId>,
    /// Only pending ones whose due time is before this instant.
    pub overdue_at: Option<Timestamp>,
    /// The id after which the page starts (the previous page's `next`).
    pub after: Option<String>,
    pub limit: u32,
}

/// How many notifications wait, and how many of those are late.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationCounts {
    pub pending: u64,
    pub overdue: u64,
}

/// A dispatch: what was sent to a power of origin, when and by whom, with the rows as
/// they were sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    pub id: DispatchId,
    pub power_of_origin: String,
    pub via: String,
    pub count: u64,
    pub created_at: Timestamp,
    pub created_by: String,
    /// One JSON object per notification, in the order sent (see the app's dispatch rows).
    pub rows: Vec<serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct DispatchRecord {
    rows: Vec<serde_json::Value>,
}

/// The same, written from the rows without copying them.
#[derive(serde::Serialize)]
struct DispatchRecordRef<'a> {
    rows: &'a [serde_json::Value],
}

const COLUMNS: &str = "id, captive_id, power_of_origin, kind, event_id, event_at, created_at, \
     due_at, state, dispatch_id, corrects, note, created_by";

fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("notification {what}: {value}"))
}

fn uuid(row: &AnyRow, column: &str) -> Result<Option<Uuid>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| Uuid::parse_str(&text).map_err(|e| corrupt(column, e)))
        .transpose()
}

fn read(row: &AnyRow) -> Result<Notification> {
    let instant = |column: &str| -> Result<Timestamp> {
        time_of(Some(row.try_get::<String, _>(column)?))?.ok_or_else(|| corrupt(column, "missing"))
    };
    Ok(Notification {
        id: NotificationId(uuid(row, "id")?.ok_or_else(|| corrupt("id", "missing"))?),
        captive: CaptiveId(uuid(row, "captive_id")?.ok_or_else(|| corrupt("captive", "missing"))?),
        power_of_origin: row.try_get("power_of_origin")?,
        kind: row
            .try_get::<String, _>("kind")?
            .parse()
            .map_err(|e| corrupt("kind", e))?,
        event: uuid(row, "event_id")?.map(EventId),
        event_at: instant("event_at")?,
        created_at: instant("created_at")?,
        due_at: instant("due_at")?,
        state: row
            .try_get::<String, _>("state")?
            .parse()
            .map_err(|e| corrupt("state", e))?,
        dispatch: uuid(row, "dispatch_id")?.map(DispatchId),
        corrects: uuid(row, "corrects")?.map(NotificationId),
        note: row.try_get("note")?,
        created_by: row.try_get("created_by")?,
    })
}

/// Inserts notifications, many per statement.
async fn insert(conn: &mut sqlx::AnyConnection, rows: &[Notification]) -> Result<()> {
    for chunk in rows.chunks(50) {
        let mut sql = Sql::default();
        sql.push(&format!("INSERT INTO notifications ({COLUMNS}) VALUES "));
        for (i, n) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .param(n.id.to_string())
                .push(", ")
                .param(n.captive.to_string())
                .push(", ")
                .param(n.power_of_origin.as_str())
                .push(", ")
                .param(n.kind.as_str())
                .push(", ")
                .param_opt(n.event.map(|e| e.to_string()))
                .push(", ")
                .param(instant(n.event_at))
                .push(", ")
                .param(instant(n.created_at))
                .push(", ")
                .param(instant(n.due_at))
                .push(", ")
                .param(n.state.as_str())
                .push(", ")
                .param_opt(n.dispatch.map(|d| d.to_string()))
                .push(", ")
                .param_opt(n.corrects.map(|c| c.to_string()))
                .push(", ")
                .param_opt(n.note.clone())
                .push(", ")
                .param(n.created_by.as_str())
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

impl Write<'_> {
    /// Changes one captive's record like [`Write::change`] and writes the notifications
    /// the change causes: the one way a stored captive is changed.
    pub(crate) async fn change_captive(
        &mut self,
        id: CaptiveId,
        apply: impl FnOnce(&mut Captive) -> Result<(AuditAction, serde_json::Value)>,
    ) -> Result<Captive> {
        let mut before = None;
        let after = self
            .change(&id.to_string(), |captive: &mut Captive| {
                before = Some(captive.clone());
                apply(captive)
            })
            .await?;
        self.notify(before.as_ref(), &after).await?;
        Ok(after)
    }

    /// Writes the notifications that changing `before` (`None`: a new record) into
    /// `after` causes, in this write's transaction.
    pub(crate) async fn notify(&mut self, before: Option<&Captive>, after: &Captive) -> Result<()> {
        let rows = self.notices_of(before, after);
        insert(self.conn(), &rows).await
    }

    /// Writes the notifications of many new records at once (an import).
    pub(crate) async fn notify_new(&mut self, captives: &[Captive]) -> Result<()> {
        let rows: Vec<Notification> = captives
            .iter()
            .flat_map(|c| self.notices_of(None, c))
            .collect();
        insert(self.conn(), &rows).await
    }

    fn notices_of(&self, before: Option<&Captive>, after: &Captive) -> Vec<Notification> {
        let (now, actor) = (self.now(), self.actor().user.clone());
        notices(before, after, self.store().notice_policy(), now)
            .into_iter()
            .map(|notice| Notification {
                id: NotificationId(Uuid::now_v7()),
                captive: after.id,
                power_of_origin: after.power_of_origin.as_str().to_string(),
                kind: notice.kind,
                event: notice.event,
                event_at: notice.event_at,
                created_at: now,
                due_at: notice.due_at,
                state: NotificationState::Pending,
                dispatch: None,
                corrects: None,
                note: None,
                created_by: actor.clone(),
            })
            .collect()
    }
}

fn filters(filter: &NotificationFilter, sql: &mut Sql) {
    sql.push(" WHERE 1 = 1");
    if let Some(state) = filter.state {
        sql.push(" AND state = ").param(state.as_str());
    }
    if let Some(power) = &filter.power_of_origin {
        sql.push(" AND power_of_origin = ").param(power.as_str());
    }
    if let Some(kind) = filter.kind {
        sql.push(" AND kind = ").param(kind.as_str());
    }
    if let Some(captive) = filter.captive {
        sql.push(" AND captive_id = ").param(captive.to_string());
    }
    if let Some(dispatch) = filter.dispatch {
        sql.push(" AND dispatch_id = ").param(dispatch.to_string());
    }
    if let Some(at) = filter.overdue_at {
        sql.push(" AND state = 'pending' AND due_at < ")
            .param(instant(at));
    }
}

impl SqlStore {
    /// Notifications matching `filter`, oldest first, a page of at most `filter.limit`.
    pub async fn notifications(&self, filter: &NotificationFilter) -> Result<Page<Notification>> {
        let mut count = Sql::default();
        count.push("SELECT COUNT(*) AS n FROM notifications");
        filters(filter, &mut count);
        let total: i64 = count.query().fetch_one(&self.pool).await?.try_get("n")?;

        let limit = filter.limit.clamp(1, crate::MAX_LIMIT);
        let mut sql = Sql::default();
        sql.push(&format!("SELECT {COLUMNS} FROM notifications"));
        filters(filter, &mut sql);
        if let Some(after) = &filter.after {
            // Pages follow (created_at, id); the cursor is the last id of a page.
            sql.push(
                " AND (created_at, id) > (SELECT created_at, id FROM notifications WHERE id = ",
            )
            .param(after.as_str())
            .push(")");
        }
        sql.push(&format!(" ORDER BY created_at, id LIMIT {}", limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(read).collect::<Result<Vec<_>>>()?;
        Ok(Page::cut(items, total, limit, |n| n.id.to_string()))
    }

    /// One notification; `NotFound` for an unknown id.
    pub async fn notification(&self, id: NotificationId) -> Result<Notification> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        read(&row)
    }

    /// Pending notifications, and those of them overdue at `now`.
    pub async fn notification_counts(&self, now: Timestamp) -> Result<NotificationCounts> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS pending, \
             COALESCE(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END), 0) AS overdue \
             FROM notifications WHERE state = 'pending'",
        )
        .bind(instant(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(NotificationCounts {
            pending: row.try_get::<i64, _>("pending")? as u64,
            overdue: row.try_get::<i64, _>("overdue")? as u64,
        })
    }

    /// Records a correction of `corrects`: a new pending notification of kind
    /// `correction` with `note`, for the same captive and power. The corrected one is
    /// left as it was.
    pub async fn correct_notification(
        &self,
        actor: &Actor,
        corrects: NotificationId,
        note: String,
        now: Timestamp,
    ) -> Result<Notification> {
        let original = self.notification(corrects).await?;
        self.write(actor, now, async |w| {
            let correction = Notification {
                id: NotificationId(Uuid::now_v7()),
                kind: NotificationKind::Correction,
                created_at: now,
                due_at: now + w.store().notice_policy().immediately,
                state: NotificationState::Pending,
                dispatch: None,
                corrects: Some(original.id),
                note: Some(note.clone()),
                created_by: actor.user.clone(),
                ..original.clone()
            };
            insert(w.conn(), std::slice::from_ref(&correction)).await?;
            w.event(
                AuditAction::NotificationCorrect,
                "notification",
                &correction.id.to_string(),
                serde_json::json!({ "corrects": original.id, "kind": original.kind }),
            )
            .await?;
            Ok(correction)
        })
        .await
    }

    /// Sends every pending notification for `power` in one dispatch: the rows are built
    /// by `row` from each notification and its captive's record as they are now and kept
    /// with the dispatch; the notifications become `dispatched`, and the capture cards
    /// they carry are recorded as sent. `Conflict` when nothing is pending for `power`.
    pub async fn dispatch_notifications(
        &self,
        actor: &Actor,
        power: &PartyCode,
        via: &str,
        now: Timestamp,
        row: impl Fn(&Notification, &Captive) -> serde_json::Value,
    ) -> Result<Dispatch> {
        let id = DispatchId(Uuid::now_v7());
        self.write(actor, now, async |w| {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM notifications WHERE state = 'pending' AND power_of_origin = $1 \
                 ORDER BY created_at, id{}",
                w.for_update()
            ))
            .bind(power.as_str())
            .fetch_all(w.conn())
            .await?;
            let pending = rows.iter().map(read).collect::<Result<Vec<_>>>()?;
            drop(rows);
            if pending.is_empty() {
                return Err(StoreError::Conflict(format!(
                    "no notification is pending for {power}"
                )));
            }
            let mut ids: Vec<CaptiveId> = pending.iter().map(|n| n.captive).collect();
            ids.sort();
            ids.dedup();
            let captives = crate::registry::captives_by_id(w.conn(), &ids).await?;
            let mut sent = Vec::with_capacity(pending.len());
            let mut cards: HashMap<CaptiveId, Vec<EventId>> = HashMap::new();
            for notification in &pending {
                let captive = captives
                    .get(&notification.captive)
                    .ok_or_else(|| corrupt("captive", notification.captive))?;
                sent.push(row(notification, captive));
                if let (NotificationKind::CaptureCard, Some(event)) =
                    (notification.kind, notification.event)
                {
                    cards.entry(notification.captive).or_default().push(event);
                }
            }
            sqlx::query(
                "INSERT INTO notification_dispatches (id, power_of_origin, via, count, created_at, created_by, record) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.to_string())
            .bind(power.as_str())
            .bind(via)
            .bind(pending.len() as i64)
            .bind(instant(now))
            .bind(&actor.user)
            .bind(encode("dispatch", &DispatchRecordRef { rows: &sent })?)
            .execute(w.conn())
            .await?;
            sqlx::query(
                "UPDATE notifications SET state = 'dispatched', dispatch_id = $1 \
                 WHERE state = 'pending' AND power_of_origin = $2",
            )
            .bind(id.to_string())
            .bind(power.as_str())
            .execute(w.conn())
            .await?;
            // The cards went with the dispatch: record them sent where they were not.
            let mut owners: Vec<(&CaptiveId, &Vec<EventId>)> = cards.iter().collect();
            owners.sort();
            for (captive, events) in owners {
                let unsent: Vec<EventId> = {
                    let record = &captives[captive];
                    let cards = record.capture_cards(w.store().notice_policy());
                    events
                        .iter()
                        .filter(|e| cards.iter().any(|c| c.event == **e && c.sent_at.is_none()))
                        .copied()
                        .collect()
                };
                if unsent.is_empty() {
                    continue;
                }
                w.change_captive(*captive, |record: &mut Captive| {
                    for event in &unsent {
                        record.record_capture_card_sent(Some(*event), now, &actor.user, now)?;
                    }
                    Ok((
                        AuditAction::CaptiveCaptureCardSent,
                        serde_json::json!({ "occasions": unsent, "dispatch": id }),
                    ))
                })
                .await?;
            }
            w.event(
                AuditAction::NotificationDispatch,
                "notification_dispatch",
                &id.to_string(),
                serde_json::json!({ "power_of_origin": power, "via": via, "count": pending.len() }),
            )
            .await?;
            Ok(Dispatch {
                id,
                power_of_origin: power.as_str().to_string(),
                via: via.to_string(),
                count: pending.len() as u64,
                created_at: now,
                created_by: actor.user.clone(),
                rows: sent,
            })
        })
        .await
    }

    /// A page of the dispatches, or of those to one power, newest first.
    pub async fn dispatch_page(
        &self,
        power: Option<&str>,
        at: &PageAt<At>,
    ) -> Result<Page<Dispatch>> {
        let filters = |sql: &mut Sql| {
            if let Some(power) = power {
                sql.push(" AND power_of_origin = ").param(power);
            }
        };
        let read = |row: &AnyRow| read_dispatch(row, None);
        let columns = "power_of_origin, via, count, created_by";
        time_page(
            self,
            "notification_dispatches",
            columns,
            filters,
            Order::Descending,
            at,
            read,
        )
        .await
    }

    /// One dispatch with the rows it sent; `NotFound` for an unknown id.
    pub async fn dispatch(&self, id: DispatchId) -> Result<Dispatch> {
        let row = sqlx::query(
            "SELECT id, power_of_origin, via, count, created_at, created_by, record FROM notification_dispatches WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let record: DispatchRecord = decode("dispatch", &row.try_get::<String, _>("record")?)?;
        read_dispatch(&row, Some(record.rows))
    }
}

fn read_dispatch(row: &AnyRow, rows: Option<Vec<serde_json::Value>>) -> Result<Dispatch> {
    Ok(Dispatch {
        id: DispatchId(uuid(row, "id")?.ok_or_else(|| corrupt("dispatch", "missing"))?),
        power_of_origin: row.try_get("power_of_origin")?,
        via: row.try_get("via")?,
        count: row.try_get::<i64, _>("count")? as u64,
        created_at: time_of(Some(row.try_get::<String, _>("created_at")?))?
            .ok_or_else(|| corrupt("dispatch time", "missing"))?,
        created_by: row.try_get("created_by")?,
        rows: rows.unwrap_or_default(),
    })
}
