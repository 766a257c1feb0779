//! `repatria backup` and `repatria restore` (docs/operations.md): the store's logical
//! backup, encrypted to age recipients when given.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use anyhow::{bail, Context};

/// An age-encrypted file begins with this line.
const AGE_HEADER: &[u8] = b"age-encryption.org/v1";

/// Writes a backup of `db` to `out` (created; never over an existing file), encrypted to
/// every recipient (`age1…`) when any is given.
pub async fn backup(db: &str, out: &Path, recipients: &[String]) -> anyhow::Result<()> {
    let parsed = recipients
        .iter()
        .map(|r| {
            r.parse::<age::x25519::Recipient>().map_err(|e| {
                anyhow::anyhow!("--recipient {r:?} is not an age recipient (age1…): {e}")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = super::open_store(db).await?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .with_context(|| format!("cannot create {} (it must not exist)", out.display()))?;
    let summary = if parsed.is_empty() {
        let mut writer = BufWriter::new(file);
        let summary = store.backup(&mut writer).await?;
        writer.flush()?;
        summary
    } else {
        let encryptor =
            age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
                .context("cannot encrypt to these recipients")?;
        let mut writer = encryptor
            .wrap_output(BufWriter::new(file))
            .context("cannot start the encrypted file")?;
        let summary = store.backup(&mut writer).await?;
        writer
            .finish()
            .context("cannot finish the encrypted file")?
            .flush()?;
        summary
    };
    println!(
        "backup {}: {} captives, {} audit events, {} rows{}",
        out.display(),
        summary.captives,
        summary.audit_events,
        summary.rows,
        if parsed.is_empty() {
            " (not encrypted)".to_string()
        } else {
            format!(", encrypted to {} recipient(s)", parsed.len())
        }
    );
    Ok(())
}

/// Restores `file` into the empty database `db`, decrypting with the identities in
/// `identity` when the file is encrypted; fails unless the restored audit log verifies.
pub async fn restore(file: &Path, db: &str, identity: Option<&Path>) -> anyhow::Result<()> {
    let mut input = BufReader::new(
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    let encrypted = input.fill_buf()?.starts_with(AGE_HEADER);
    let mut reader: Box<dyn BufRead + Send> = if encrypted {
        let Some(identity) = identity else {
            bail!(
                "{} is encrypted: give --identity with an age identity file",
                file.display()
            );
        };
        let identities = age::IdentityFile::from_file(identity.display().to_string())
            .with_context(|| format!("cannot read the identity file {}", identity.display()))?
            .into_identities()
            .context("cannot use the identity file")?;
        let decryptor = age::Decryptor::new_buffered(input).context("not an age file")?;
        let decrypted = decryptor
            .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .context("cannot decrypt the backup with these identities")?;
        Box::new(BufReader::new(Box::new(decrypted) as Box<dyn Read + Send>))
    } else {
        Box::new(input)
    };
    let store = super::open_store(db).await?;
    let summary = store
        .restore(&mut reader)
        .await
        .with_context(|| format!("cannot restore {}", file.display()))?;
    println!(
        "restored {}: {} captives, {} audit events, {} rows; the audit log verifies",
        file.display(),
        summary.captives,
        summary.audit_events,
        summary.rows
    );
    Ok(())
}
