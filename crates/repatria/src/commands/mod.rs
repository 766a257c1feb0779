//! One module per group of subcommands.

pub mod audit;
pub mod backup;
pub mod files;
pub mod matching;
pub mod plan;
pub mod serve;
pub mod tracing;
pub mod user;

/// Opens (and migrates) the database named by `--db`, naming it without its password
/// when it cannot be opened.
pub async fn open_store(db: &str) -> anyhow::Result<repatria_store::SqlStore> {
    use anyhow::Context as _;
    repatria_store::SqlStore::connect(db)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                repatria_store::redact_url(db)
            )
        })
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_database_that_cannot_be_opened_is_named_without_its_password() {
        // Nothing listens on port 1: the connection is refused at once.
        let error = super::open_store("postgres://app:hunter2@127.0.0.1:1/registry")
            .await
            .unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("postgres://app:***@127.0.0.1:1/registry"),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
    }
}
