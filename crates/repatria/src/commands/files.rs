//! Files the commands write: lists, reports, exports and plans hold personal data, so
//! they are created readable by their owner only (mode 0600 on Unix).

use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

/// Creates (or truncates) `path` for writing, readable by its owner only. An existing
/// file's permissions are narrowed too: what it held before was also ours.
pub fn create_private(path: &Path) -> anyhow::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {} to its owner", path.display()))?;
    }
    Ok(file)
}

/// Writes `contents` to `path`, readable by its owner only.
pub fn write_private(path: &Path, contents: impl AsRef<[u8]>) -> anyhow::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(contents.as_ref())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::write_private(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
}
