//! Helpers for the SQL both backends share: how instants are stored and a query builder
//! that numbers its `$n` parameters.

use chrono::SecondsFormat;
use repatria_core::Timestamp;

/// Instants as stored: RFC 3339 UTC with microseconds, so that text order is time order.
pub(crate) fn instant(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The greatest code point: `prefix || MAX` bounds, from above, every word that starts
/// with `prefix` in byte order (SQLite's and the "C" collation's order).
pub(crate) const AFTER_PREFIX: char = char::MAX;

/// A query under construction, numbering its `$n` parameters.
#[derive(Default)]
pub(crate) struct Sql {
    text: String,
    params: Vec<Param>,
}

/// A parameter as bound: text, or a number compared with a `REAL`/`DOUBLE PRECISION`
/// column (bound as a float so that both backends compare it exactly).
enum Param {
    Text(String),
    Real(f64),
}

impl Sql {
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub(crate) fn param(&mut self, value: impl Into<String>) -> &mut Self {
        self.params.push(Param::Text(value.into()));
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }

    /// A floating-point parameter.
    pub(crate) fn real(&mut self, value: f64) -> &mut Self {
        self.params.push(Param::Real(value));
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }

    /// A parameter, or `NULL` for `None`.
    pub(crate) fn param_opt(&mut self, value: Option<impl Into<String>>) -> &mut Self {
        match value {
            Some(value) => self.param(value),
            None => self.push("NULL"),
        }
    }

    pub(crate) fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for p in &self.params {
            query = match p {
                Param::Text(text) => query.bind(text.as_str()),
                Param::Real(number) => query.bind(*number),
            };
        }
        query
    }
}
