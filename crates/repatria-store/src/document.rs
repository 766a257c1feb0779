//! Records stored as one JSON document (the serde form of the domain value, in a
//! `record` column keyed by `id`) beside copies of the fields lists filter on.
//!
//! Captives, media-access requests, tracing requests and match links all change the same
//! way: load the document under a row lock, apply a domain method, write the document and
//! its copied columns back, append the audit event. [`Write::change`] is that sequence,
//! once; [`Document`] says, per kind, where it lives and which columns follow it.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::AuditAction;
use crate::write::Write;
use crate::{Result, StoreError};

/// A column copied from a document for filtering and ordering.
pub(crate) enum Column {
    Text(Option<String>),
    Real(f64),
}

/// A kind of record stored as a JSON document.
pub(crate) trait Document: Serialize + DeserializeOwned {
    /// The table: the document in `record`, its key in `id`.
    const TABLE: &'static str;
    /// How errors about a stored document name it.
    const WHAT: &'static str;
    /// The entity type its audit events name.
    const ENTITY: &'static str;
    /// The `id` of its row (and the entity id of its audit events).
    fn key(&self) -> String;
    /// The columns copied from the document that a change rewrites with it.
    fn columns(&self) -> Vec<(&'static str, Column)>;
}

/// A stored document.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, record: &str) -> Result<T> {
    serde_json::from_str(record).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// The document in a row's `record` column.
pub(crate) fn decode_row<T: DeserializeOwned>(what: &str, row: &AnyRow) -> Result<T> {
    decode(what, &row.try_get::<String, _>("record")?)
}

/// The documents of many rows.
pub(crate) fn decode_rows<T: DeserializeOwned>(what: &str, rows: &[AnyRow]) -> Result<Vec<T>> {
    rows.iter().map(|row| decode_row(what, row)).collect()
}

/// A document as stored.
pub(crate) fn encode<T: Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

impl Write<'_> {
    /// Loads a document under a row lock (PostgreSQL; the writer's turn serialises
    /// SQLite); `NotFound` when there is none with this key.
    pub(crate) async fn load<D: Document>(&mut self, key: &str) -> Result<D> {
        let sql = format!(
            "SELECT record FROM {} WHERE id = $1{}",
            D::TABLE,
            self.for_update()
        );
        let row = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_row(D::WHAT, &row)
    }

    /// Writes a changed document back with its copied columns.
    pub(crate) async fn save<D: Document>(&mut self, document: &D) -> Result<()> {
        let columns = document.columns();
        let mut sql = format!("UPDATE {} SET ", D::TABLE);
        for (i, (name, _)) in columns.iter().enumerate() {
            sql.push_str(&format!("{name} = ${}, ", i + 1));
        }
        sql.push_str(&format!(
            "record = ${} WHERE id = ${}",
            columns.len() + 1,
            columns.len() + 2
        ));
        let mut query = sqlx::query(&sql);
        for (_, value) in columns {
            query = match value {
                Column::Text(text) => query.bind(text),
                Column::Real(number) => query.bind(number),
            };
        }
        query
            .bind(encode(D::WHAT, document)?)
            .bind(document.key())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Changes one document: loads it under a row lock, `apply`s the domain change
    /// (which returns the audit action and detail, or refuses and changes nothing),
    /// writes it back and appends the event naming it.
    pub(crate) async fn change<D: Document>(
        &mut self,
        key: &str,
        apply: impl FnOnce(&mut D) -> Result<(AuditAction, serde_json::Value)>,
    ) -> Result<D> {
        let mut document: D = self.load(key).await?;
        let (action, detail) = apply(&mut document)?;
        self.save(&document).await?;
        self.event(action, D::ENTITY, key, detail).await?;
        Ok(document)
    }
}
