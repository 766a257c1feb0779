//! `repatria serve` and `repatria demo`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use repatria_server::AppState;
use repatria_store::SqlStore;

use super::audit::redact;

pub async fn serve(db: &str, addr: SocketAddr) -> anyhow::Result<()> {
    let store = SqlStore::connect(db)
        .await
        .with_context(|| format!("cannot open the database {}", redact(db)))?;
    tracing::info!(backend = store_backend(&store), "database ready");
    run(store, addr, None).await
}

pub async fn demo(addr: SocketAddr, captives: usize, seed: u64) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("repatria-demo-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    let path = dir.path().join("demo.db");
    let store = SqlStore::connect(path.to_str().context("temporary path is not UTF-8")?)
        .await
        .context("cannot create the demo database")?;
    let started = std::time::Instant::now();
    let loaded = crate::demo::load(&store, captives, seed, chrono::Utc::now())
        .await
        .context("cannot load the demo scenario")?;
    tracing::info!(
        captives = loaded,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo scenario loaded"
    );
    run(store, addr, Some(dir)).await
}

fn store_backend(store: &SqlStore) -> &'static str {
    use repatria_store::Store;
    store.backend().as_str()
}

async fn run(
    store: SqlStore,
    addr: SocketAddr,
    _keep: Option<tempfile::TempDir>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    println!("Repatria is listening on http://{local}/ (API at http://{local}/api/openapi.json)");
    let state = AppState {
        store: Arc::new(store),
    };
    repatria_server::serve(listener, state, shutdown_signal())
        .await
        .context("server failed")?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
