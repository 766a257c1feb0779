//! The registry: parties, captives and the captive list with its name search.
//!
//! A captive is one JSON document (`captives.record`) plus copied columns for filtering
//! (`status`, parties, health) and a token table (`captive_name_tokens`) for word-prefix
//! name search. The prisoner number is copied too (`prisoner_number`), under a unique
//! index per detaining power: two captives of one power never share a number.

use repatria_core::{
    fold_for_search, Captive, CaptiveId, DomainError, EventId, FieldError, NewCaptive, Particulars,
    Party, PartyCode, Timestamp,
};
use sqlx::AnyConnection;
use sqlx::Row;

use crate::audit::AuditAction;
use crate::document::{decode_row, encode, Column, Document};
use crate::sql::{instant, Sql, AFTER_PREFIX};
use crate::{Actor, CaptiveChange, CaptiveQuery, Page, Result, SqlStore, StoreError};

impl Document for Captive {
    const TABLE: &'static str = "captives";
    const WHAT: &'static str = "captive record";
    const ENTITY: &'static str = "captive";

    fn key(&self) -> String {
        self.id.to_string()
    }

    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("status", Column::Text(Some(self.status().as_str().into()))),
            (
                "health",
                Column::Text(self.current_health().map(|h| h.category.as_str().into())),
            ),
            ("updated_at", Column::Text(Some(instant(self.updated_at)))),
            (
                "prisoner_number",
                Column::Text(prisoner_number(self).map(String::from)),
            ),
        ]
    }
}

/// The prisoner number the detaining power gave him, if recorded.
fn prisoner_number(captive: &Captive) -> Option<&str> {
    captive.particulars.as_ref()?.prisoner_number.as_deref()
}

/// Refuses a prisoner number that another captive of the same detaining power has
/// (`Taken`, naming `prisoner_number`). Writers take their turns, so nothing can take
/// the number between this check and the write; the unique index is the backstop.
async fn check_prisoner_number(
    conn: &mut AnyConnection,
    captive: CaptiveId,
    detaining_power: &PartyCode,
    number: &str,
) -> Result<()> {
    let other = sqlx::query(
        "SELECT id FROM captives WHERE detaining_power = $1 AND prisoner_number = $2 AND id <> $3",
    )
    .bind(detaining_power.as_str())
    .bind(number)
    .bind(captive.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    match other {
        None => Ok(()),
        Some(row) => {
            let other: String = row.try_get("id")?;
            Err(StoreError::Taken(FieldError::new(
                "prisoner_number",
                format!(
                    "{number:?} is already the prisoner number of captive {other} held by {detaining_power}"
                ),
            )))
        }
    }
}

/// Query words for name search: folded like the stored tokens, at most eight.
fn query_words(name: &str) -> Vec<String> {
    fold_for_search(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(String::from)
        .collect()
}

/// The audit detail of a new record: its parties and the sources of its claims.
fn create_detail(captive: &Captive) -> serde_json::Value {
    serde_json::json!({
        "power_of_origin": captive.power_of_origin,
        "detaining_power": captive.detaining_power,
        "claims": captive.claims.iter().map(|c| serde_json::json!({ "claim_id": c.id, "source": c.source })).collect::<Vec<_>>(),
    })
}

/// Checks that both parties of a captive exist, naming the field of each missing one.
/// `known` remembers codes already found, so that a bulk import asks once per party
/// rather than once per record.
async fn check_parties_exist(
    conn: &mut AnyConnection,
    power_of_origin: &PartyCode,
    detaining_power: &PartyCode,
    known: &mut std::collections::HashSet<PartyCode>,
) -> Result<()> {
    // The codes not known yet, asked for in one query.
    let unknown: Vec<&PartyCode> = [power_of_origin, detaining_power]
        .into_iter()
        .filter(|code| !known.contains(*code))
        .collect();
    if !unknown.is_empty() {
        let mut sql = Sql::default();
        sql.push("SELECT code FROM parties WHERE code IN (");
        for (i, code) in unknown.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.param(code.as_str());
        }
        sql.push(")");
        for row in sql.query().fetch_all(&mut *conn).await? {
            let code: String = row.try_get("code")?;
            if let Some(found) = unknown.iter().find(|c| c.as_str() == code) {
                known.insert((*found).clone());
            }
        }
    }
    let mut errors = Vec::new();
    for (field, code) in [
        ("power_of_origin", power_of_origin),
        ("detaining_power", detaining_power),
    ] {
        if !known.contains(code) {
            errors.push(repatria_core::FieldError::new(
                field,
                format!("no party with code {code} exists; create it first"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors).into())
    }
}

async fn insert_captive(conn: &mut AnyConnection, captive: &Captive) -> Result<()> {
    if let Some(number) = prisoner_number(captive) {
        check_prisoner_number(conn, captive.id, &captive.detaining_power, number).await?;
    }
    sqlx::query(
        "INSERT INTO captives (id, power_of_origin, detaining_power, status, health, captured_at, created_at, updated_at, prisoner_number, record) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(captive.id.to_string())
    .bind(captive.power_of_origin.as_str())
    .bind(captive.detaining_power.as_str())
    .bind(captive.status().as_str())
    .bind(captive.current_health().map(|h| h.category.as_str()))
    .bind(instant(captive.capture.captured_at))
    .bind(instant(captive.created_at))
    .bind(instant(captive.updated_at))
    .bind(prisoner_number(captive))
    .bind(encode(Captive::WHAT, captive)?)
    .execute(&mut *conn)
    .await?;
    insert_tokens(conn, captive).await
}

/// The stored captives with these ids, by id (unknown ids are absent), read on `conn`: the
/// pool's or a write's, whose transaction then sees its own changes.
pub(crate) async fn captives_by_id(
    conn: &mut AnyConnection,
    ids: &[CaptiveId],
) -> Result<std::collections::HashMap<CaptiveId, Captive>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut sql = Sql::default();
        sql.push("SELECT record FROM captives WHERE id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.param(id.to_string());
        }
        sql.push(")");
        for row in sql.query().fetch_all(&mut *conn).await? {
            let captive: Captive = decode_row(Captive::WHAT, &row)?;
            found.insert(captive.id, captive);
        }
    }
    Ok(found)
}

/// The `id` column of a row.
fn captive_id(row: &sqlx::any::AnyRow) -> Result<CaptiveId> {
    let id: String = row.try_get("id")?;
    uuid::Uuid::parse_str(&id)
        .map(CaptiveId)
        .map_err(|e| StoreError::Corrupt(format!("captive id {id:?}: {e}")))
}

/// Rewrites a stored captive's name tokens (after a claim is added).
async fn write_tokens(conn: &mut AnyConnection, captive: &Captive) -> Result<()> {
    sqlx::query("DELETE FROM captive_name_tokens WHERE captive_id = $1")
        .bind(captive.id.to_string())
        .execute(&mut *conn)
        .await?;
    insert_tokens(conn, captive).await
}

/// Writes a captive's name tokens, each word once (a new captive has none yet).
async fn insert_tokens(conn: &mut AnyConnection, captive: &Captive) -> Result<()> {
    let id = captive.id.to_string();
    let tokens = captive.search_tokens();
    for chunk in tokens.chunks(100) {
        let mut sql = Sql::default();
        sql.push("INSERT INTO captive_name_tokens (token, captive_id) VALUES ");
        for (i, token) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .param(token.as_str())
                .push(", ")
                .param(id.as_str())
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

fn filters(query: &CaptiveQuery, sql: &mut Sql) {
    sql.push(" WHERE 1 = 1");
    if let Some(status) = query.status {
        sql.push(" AND c.status = ").param(status.as_str());
    }
    if let Some(code) = &query.power_of_origin {
        sql.push(" AND c.power_of_origin = ").param(code.as_str());
    }
    if let Some(code) = &query.detaining_power {
        sql.push(" AND c.detaining_power = ").param(code.as_str());
    }
    for word in query.name.as_deref().map(query_words).unwrap_or_default() {
        let upper = format!("{word}{AFTER_PREFIX}");
        sql.push(" AND c.id IN (SELECT captive_id FROM captive_name_tokens WHERE token >= ")
            .param(word)
            .push(" AND token < ")
            .param(upper)
            .push(")");
    }
}

impl SqlStore {
    /// Creates a party; `Conflict` when its code is taken.
    pub async fn create_party(&self, actor: &Actor, party: Party, now: Timestamp) -> Result<Party> {
        self.write(actor, now, async |w| {
            let exists = sqlx::query("SELECT code FROM parties WHERE code = $1")
                .bind(party.code.as_str())
                .fetch_optional(w.conn())
                .await?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "a party with code {} exists already",
                    party.code
                )));
            }
            sqlx::query("INSERT INTO parties (code, name, created_at) VALUES ($1, $2, $3)")
                .bind(party.code.as_str())
                .bind(&party.name)
                .bind(instant(now))
                .execute(w.conn())
                .await?;
            w.event(
                AuditAction::PartyCreate,
                "party",
                party.code.as_str(),
                serde_json::json!({ "name": party.name }),
            )
            .await
        })
        .await?;
        Ok(party)
    }

    /// Every party, by code.
    pub async fn list_parties(&self) -> Result<Vec<Party>> {
        let rows = sqlx::query("SELECT code, name, transfer_barred FROM parties ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let code: String = row.try_get("code")?;
                Ok(Party {
                    code: PartyCode::parse(&code)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name: row.try_get("name")?,
                    transfer_barred: row.try_get("transfer_barred")?,
                })
            })
            .collect()
    }

    /// Opens a captive's record. The ids inside `new` (claims) and `id` are chosen by the
    /// caller; the capture report becomes the first custody event with `capture_event`.
    pub async fn create_captive(
        &self,
        actor: &Actor,
        id: CaptiveId,
        capture_event: EventId,
        new: NewCaptive,
        now: Timestamp,
    ) -> Result<Captive> {
        self.write(actor, now, async |w| {
            check_parties_exist(
                w.conn(),
                &new.power_of_origin,
                &new.detaining_power,
                &mut Default::default(),
            )
            .await?;
            let captive = Captive::open(id, new, capture_event, &actor.user, now)?;
            insert_captive(w.conn(), &captive).await?;
            w.notify(None, &captive).await?;
            w.event(
                AuditAction::CaptiveCreate,
                "captive",
                &id.to_string(),
                create_detail(&captive),
            )
            .await?;
            Ok(captive)
        })
        .await
    }

    /// Stores many records built by the caller with the domain's operations (an import,
    /// the demo), atomically: all or none, one audit event each.
    pub async fn import_captives(
        &self,
        actor: &Actor,
        captives: Vec<Captive>,
        now: Timestamp,
    ) -> Result<usize> {
        if captives.is_empty() {
            // Nothing to store, nothing to audit.
            return Ok(0);
        }
        self.write(actor, now, async |w| {
            let mut known_parties = std::collections::HashSet::new();
            for (index, captive) in captives.iter().enumerate() {
                check_parties_exist(
                    w.conn(),
                    &captive.power_of_origin,
                    &captive.detaining_power,
                    &mut known_parties,
                )
                .await
                .map_err(|error| match error {
                    StoreError::Domain(DomainError::Invalid(errors)) => {
                        StoreError::Domain(DomainError::Invalid(
                            errors
                                .into_iter()
                                .map(|e| e.within(&format!("records[{index}]")))
                                .collect(),
                        ))
                    }
                    other => other,
                })?;
                insert_captive(w.conn(), captive).await?;
                w.event(
                    AuditAction::CaptiveImport,
                    "captive",
                    &captive.id.to_string(),
                    create_detail(captive),
                )
                .await?;
            }
            w.notify_new(&captives).await?;
            Ok(captives.len())
        })
        .await
    }

    /// One captive's record; `NotFound` for an unknown id.
    pub async fn get_captive(&self, id: CaptiveId) -> Result<Captive> {
        let row = sqlx::query("SELECT record FROM captives WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_row(Captive::WHAT, &row)
    }

    /// The captives with these ids, in the order given; unknown ids are left out.
    pub async fn get_captives(&self, ids: &[CaptiveId]) -> Result<Vec<Captive>> {
        let mut conn = self.pool.acquire().await?;
        let mut found = captives_by_id(&mut conn, ids).await?;
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// One page of the captives that pass the query's filters, in id order.
    pub async fn list_captives(&self, query: &CaptiveQuery) -> Result<Page<Captive>> {
        let limit = query.limit.clamp(1, crate::MAX_LIMIT);
        let mut count = Sql::default();
        count.push("SELECT COUNT(*) AS n FROM captives c");
        filters(query, &mut count);
        let total: i64 = count.query().fetch_one(&self.pool).await?.try_get("n")?;

        let mut list = Sql::default();
        list.push("SELECT c.id, c.record FROM captives c");
        filters(query, &mut list);
        if let Some(cursor) = &query.cursor {
            list.push(" AND c.id > ").param(cursor.as_str());
        }
        list.push(&format!(" ORDER BY c.id LIMIT {}", limit + 1));
        let rows = list.query().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|row| decode_row(Captive::WHAT, row))
            .collect::<Result<Vec<Captive>>>()?;
        Ok(Page::cut(items, total, limit, |c| c.id.to_string()))
    }

    /// The ids of at most `limit` captives that pass the query's filters and name words,
    /// in id order, as [`SqlStore::list_captives`] would list them but without reading
    /// their records or counting them all (a search shows one page of what it finds).
    pub async fn find_captive_ids(
        &self,
        query: &CaptiveQuery,
        limit: u32,
    ) -> Result<Vec<CaptiveId>> {
        let mut sql = Sql::default();
        sql.push("SELECT c.id FROM captives c");
        filters(query, &mut sql);
        if let Some(cursor) = &query.cursor {
            sql.push(" AND c.id > ").param(cursor.as_str());
        }
        sql.push(&format!(" ORDER BY c.id LIMIT {}", limit.clamp(1, 1000)));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(captive_id).collect()
    }

    /// Of `ids`, in their order, those whose status and parties pass the query's filters
    /// (its name words and cursor are not applied): the matching engine's candidates,
    /// narrowed as the list is. Without such a filter every id is kept: captives are never
    /// deleted, and the ids come from stored records.
    pub async fn filter_captive_ids(
        &self,
        ids: &[CaptiveId],
        query: &CaptiveQuery,
    ) -> Result<Vec<CaptiveId>> {
        if query.status.is_none()
            && query.power_of_origin.is_none()
            && query.detaining_power.is_none()
        {
            return Ok(ids.to_vec());
        }
        let narrowing = CaptiveQuery {
            name: None,
            cursor: None,
            ..query.clone()
        };
        let mut passed = std::collections::HashSet::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut sql = Sql::default();
            sql.push("SELECT c.id FROM captives c");
            filters(&narrowing, &mut sql);
            sql.push(" AND c.id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.param(id.to_string());
            }
            sql.push(")");
            for row in sql.query().fetch_all(&self.pool).await? {
                passed.insert(captive_id(&row)?);
            }
        }
        Ok(ids
            .iter()
            .copied()
            .filter(|id| passed.contains(id))
            .collect())
    }

    /// Applies one change to a captive's record under a row lock, with its audit event.
    pub async fn change_captive(
        &self,
        actor: &Actor,
        id: CaptiveId,
        change: CaptiveChange,
        now: Timestamp,
    ) -> Result<Captive> {
        let names_changed = matches!(change, CaptiveChange::AddIdentityClaim(_));
        // The number as the record will hold it; particulars the domain refuses are its
        // to report, before any question of whose number it is.
        let number = match &change {
            CaptiveChange::SetParticulars(p) => {
                Particulars::new(p.text(), p.recorded_at, &p.recorded_by)
                    .ok()
                    .and_then(|p| p.prisoner_number)
            }
            _ => None,
        };
        self.write(actor, now, async |w| {
            if let Some(number) = &number {
                let row = sqlx::query("SELECT detaining_power FROM captives WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(w.conn())
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let power: String = row.try_get("detaining_power")?;
                let power =
                    PartyCode::parse(&power).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                check_prisoner_number(w.conn(), id, &power, number).await?;
            }
            let captive = w
                .change_captive(id, |captive| {
                    let (action, detail) = (change.action(), change.audit_detail());
                    change.apply(captive, &actor.user, now)?;
                    Ok((action, detail))
                })
                .await?;
            if names_changed {
                write_tokens(w.conn(), &captive).await?;
            }
            Ok(captive)
        })
        .await
    }

    /// Every captive, in id order (to build the matching index).
    pub async fn all_captives(&self) -> Result<Vec<Captive>> {
        let rows = sqlx::query("SELECT record FROM captives ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| decode_row(Captive::WHAT, row))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_fold_like_the_stored_tokens() {
        assert_eq!(query_words("  ШЕВЧЕНКО, Тарас "), vec!["шевченко", "тарас"]);
        assert_eq!(query_words("Dvořák"), vec!["dvorak"]);
        assert!(query_words("--").is_empty());
    }
}
