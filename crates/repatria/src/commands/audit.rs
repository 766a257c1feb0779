//! `repatria audit verify`, `audit keygen` and `audit checkpoint`: the hash chain and
//! signed checkpoints kept by a witness outside the database (docs/security.md, "Audit
//! checkpoints").

use std::path::Path;

use anyhow::Context;
use repatria_store::checkpoint;
use repatria_tlog::{Signer, Verifier};

/// Recomputes the hash chain; an intact log prints the number of events checked, a
/// broken one is an error naming the first broken event. Then each checkpoint must be
/// signed by one of `vkeys` and agree with the log; the first that does not is an error
/// naming its file.
pub async fn verify(
    db: &str,
    checkpoints: &[impl AsRef<Path>],
    vkeys: &[String],
) -> anyhow::Result<()> {
    let keys = vkeys
        .iter()
        .map(|vkey| {
            Verifier::parse(vkey).with_context(|| format!("--vkey {vkey:?} is not a verifier key"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if !checkpoints.is_empty() && keys.is_empty() {
        anyhow::bail!("--checkpoint needs the verifier key of its signer: give --vkey");
    }
    let notes = checkpoints
        .iter()
        .map(|path| {
            let path = path.as_ref();
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the checkpoint {}", path.display()))
                .map(|note| (path, note))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = super::open_store(db).await?;
    let report = store
        .verify_audit()
        .await
        .context("cannot read the audit log")?;
    match report.broken {
        None => {
            println!("audit log intact: {} events checked", report.events_checked);
        }
        Some((seq, reason)) => anyhow::bail!(
            "audit log broken at event {seq}: {reason} ({} events before it verified)",
            report.events_checked
        ),
    }
    if notes.is_empty() {
        return Ok(());
    }
    let leaves = checkpoint::leaves(&store, None)
        .await
        .context("cannot read the audit log")?;
    for (path, note) in notes {
        match checkpoint::check(&leaves, &note, &keys) {
            Ok(checkpoint) => println!(
                "checkpoint {} holds: {} events, origin {}",
                path.display(),
                checkpoint.size,
                checkpoint.origin
            ),
            Err(
                problem @ (checkpoint::Contradiction::Signature(_)
                | checkpoint::Contradiction::Malformed(_)),
            ) => anyhow::bail!("checkpoint {} cannot be used: {problem}", path.display()),
            Err(contradiction) => anyhow::bail!(
                "the audit log contradicts checkpoint {}: {contradiction}",
                path.display()
            ),
        }
    }
    Ok(())
}

/// Writes a new signing key to `out` (mode 0600, never over an existing file) and prints
/// its verifier key. The seed comes from the operating system's random source.
pub fn keygen(name: &str, out: &Path) -> anyhow::Result<()> {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut seed)
        .context("cannot read the system's random source")?;
    let signer = Signer::from_seed(name, seed).context("--name")?;
    seed.fill(0);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(out).with_context(|| {
        if out.exists() {
            format!(
                "{} already exists; a key file is never overwritten",
                out.display()
            )
        } else {
            format!("cannot create {}", out.display())
        }
    })?;
    use std::io::Write;
    writeln!(file, "{}", signer.to_private_key())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("{}", signer.verifier());
    Ok(())
}

/// Reads a signing key file written by `keygen` (or Go's `note.GenerateKey`).
pub fn read_signer(path: &Path) -> anyhow::Result<Signer> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    Signer::parse(&text).with_context(|| format!("{} is not a signing key", path.display()))
}

/// Prints a signed checkpoint of the log, after checking its hash chain: a broken log is
/// not vouched for.
pub async fn checkpoint(db: &str, key: &Path) -> anyhow::Result<()> {
    let signer = read_signer(key)?;
    let store = super::open_store(db).await?;
    let report = store
        .verify_audit()
        .await
        .context("cannot read the audit log")?;
    if let Some((seq, reason)) = report.broken {
        anyhow::bail!("audit log broken at event {seq}: {reason}; no checkpoint signed");
    }
    let note = checkpoint::sign(&store, &signer)
        .await
        .context("cannot read the audit log")?;
    print!("{note}");
    Ok(())
}
