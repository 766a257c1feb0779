//! `repatria serve` and `repatria demo`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use repatria_server::AppState;
use repatria_store::SqlStore;

/// How `repatria serve` treats its clients.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub session_idle_minutes: u32,
    /// Hours for what is due "immediately" (notifications, the first capture card).
    pub notify_within_hours: u32,
    /// Seconds without a heartbeat after which a running import job is lost (0: the
    /// store's default, 30).
    pub job_stale_seconds: u32,
}

pub async fn serve(
    db: &str,
    addr: SocketAddr,
    options: Options,
    audit_key: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let signer = audit_key.map(load_audit_key).transpose()?;
    let mut store =
        super::open_store(db)
            .await?
            .with_notice_policy(repatria_core::NoticePolicy::hours(
                options.notify_within_hours,
            ));
    if options.job_stale_seconds > 0 {
        store =
            store.with_job_stale_after(chrono::Duration::seconds(options.job_stale_seconds.into()));
    }
    tracing::info!(backend = store_backend(&store), "database ready");
    run(store, addr, None, Vec::new(), options, signer, false).await
}

/// Reads the checkpoint signing key, warning when others than its owner may read it.
fn load_audit_key(path: &std::path::Path) -> anyhow::Result<repatria_tlog::Signer> {
    let signer = super::audit::read_signer(path).context("--audit-key")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    "the audit key file can be read by others than its owner; make it mode 0600"
                );
            }
        }
    }
    tracing::info!(vkey = %signer.verifier(), "audit checkpoints are signed");
    Ok(signer)
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
    let loaded = repatria_app::demo::load(&store, captives, seed, chrono::Utc::now())
        .await
        .context("cannot load the demo scenario")?;
    tracing::info!(
        captives = loaded,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo scenario loaded"
    );
    let accounts = repatria_app::demo::accounts(&store, chrono::Utc::now())
        .await
        .context("cannot create the demo accounts")?;
    // An ephemeral key, so that /api/audit/checkpoint works in the demo; it is gone when
    // the demo stops, as is the demo's database.
    let mut seed = [0u8; 32];
    {
        use rand::RngCore;
        rand::rngs::OsRng
            .try_fill_bytes(&mut seed)
            .context("cannot read the system's random source")?;
    }
    let signer = repatria_tlog::Signer::from_seed("repatria-demo/audit", seed)
        .context("cannot make the demo's audit key")?;
    let options = Options {
        session_idle_minutes: repatria_server::DEFAULT_SESSION_IDLE_MINUTES as u32,
        ..Options::default()
    };
    run(
        store,
        addr,
        Some(dir),
        accounts,
        options,
        Some(signer),
        true,
    )
    .await
}

fn store_backend(store: &SqlStore) -> &'static str {
    store.backend().as_str()
}

async fn run(
    store: SqlStore,
    addr: SocketAddr,
    _keep: Option<tempfile::TempDir>,
    accounts: Vec<(repatria_core::Role, String, String)>,
    options: Options,
    audit_signer: Option<repatria_tlog::Signer>,
    print_vkey: bool,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    println!("Repatria is listening on http://{local}/ (API at http://{local}/api/openapi.json)");
    // Exactly `account ROLE USERNAME PASSWORD`, one per line, for scripts (docs/cli.md).
    for (role, username, password) in &accounts {
        println!("account {role} {username} {password}");
    }
    // `audit-vkey VKEY`: the key a witness checks the demo's checkpoints with.
    if let (true, Some(signer)) = (print_vkey, &audit_signer) {
        println!("audit-vkey {}", signer.verifier());
    }
    use std::io::Write;
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    let mut state = AppState::new(Arc::new(store))
        .with_trusted_proxies(options.trusted_proxies)
        .with_session_idle(chrono::Duration::minutes(
            options.session_idle_minutes.into(),
        ));
    if let Some(signer) = audit_signer {
        state = state.with_audit_signer(signer);
    }
    // Build the matching index now, not at the first search or change.
    let warm = state.clone();
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match warm.matching.ensure(&warm.store).await {
            Ok(()) => tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "matching index ready"
            ),
            Err(error) => {
                tracing::warn!(%error, "matching index not built; it is built at first use")
            }
        }
        // Then the dashboard's summary, so that the first visitor does not wait for it.
        let started = std::time::Instant::now();
        match repatria_server::warm_dashboard(&warm).await {
            Ok(()) => tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "dashboard summary ready"
            ),
            Err(error) => tracing::warn!(%error, "dashboard summary not computed ahead"),
        }
    });
    repatria_server::serve(listener, state, shutdown_signal())
        .await
        .context("server failed")?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
