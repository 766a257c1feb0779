//! `repatria audit verify`.

use anyhow::Context;
use repatria_store::{SqlStore, Store};

/// Recomputes the hash chain; an intact log prints the number of events checked, a
/// broken one is an error naming the first broken event.
pub async fn verify(db: &str) -> anyhow::Result<()> {
    let store = SqlStore::connect(db)
        .await
        .with_context(|| format!("cannot open the database {}", redact(db)))?;
    let report = store
        .verify_audit()
        .await
        .context("cannot read the audit log")?;
    match report.broken {
        None => {
            println!("audit log intact: {} events checked", report.events_checked);
            Ok(())
        }
        Some((seq, reason)) => anyhow::bail!(
            "audit log broken at event {seq}: {reason} ({} events before it verified)",
            report.events_checked
        ),
    }
}

/// A database URL fit for messages: without its password.
pub fn redact(url: &str) -> String {
    repatria_store::redact_url(url)
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden_from_messages() {
        assert_eq!(
            super::redact("postgres://app:secret@db/r"),
            "postgres://app:***@db/r"
        );
        assert_eq!(super::redact("postgres://app@db/r"), "postgres://app@db/r");
        assert_eq!(super::redact("repatria.db"), "repatria.db");
    }
}
