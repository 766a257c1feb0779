//! C2SP tlog checkpoints (c2sp.org/tlog-checkpoint): the body of a signed note that
//! commits to a log's size and Merkle root.
//!
//! ```text
//! <origin>
//! <size, decimal>
//! <root hash, base64>
//! [extension lines]
//! ```

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::merkle::Hash;

/// Why a checkpoint body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint has fewer than three lines")]
    TooShort,
    #[error("checkpoint origin is empty")]
    EmptyOrigin,
    #[error("checkpoint size {0:?} is not a decimal number")]
    BadSize(String),
    #[error("checkpoint root {0:?} is not a base64 SHA-256 hash")]
    BadRoot(String),
    #[error("checkpoint has an empty extension line")]
    EmptyExtension,
}

/// A log's size and root hash under the log's name (its origin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name, conventionally a URL without scheme.
    pub origin: String,
    /// The number of entries.
    pub size: u64,
    /// The RFC 6962 root of the first `size` entries.
    pub root: Hash,
    /// Further lines (none in the checkpoints we write).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: every line ends in a newline.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Reads a checkpoint body (the text of a signed note, see [`crate::note::open`]).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::TooShort)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::TooShort);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        // Decimal without sign or leading zeros, as the specification writes it.
        let canonical = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let size_value = size
            .parse::<u64>()
            .ok()
            .filter(|_| canonical)
            .ok_or_else(|| CheckpointError::BadSize(size.to_string()))?;
        let root_value: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| CheckpointError::BadRoot(root.to_string()))?;
        let extensions: Vec<String> = lines.map(String::from).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::EmptyExtension);
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size: size_value,
            root: root_value,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{open, Signer, Verifier};

    #[test]
    fn a_checkpoint_reads_back_as_written() {
        let checkpoint = Checkpoint {
            origin: "bureau.example/audit".into(),
            size: 8,
            root: [9; 32],
            extensions: vec![],
        };
        let text = checkpoint.to_text();
        assert_eq!(
            text,
            "bureau.example/audit\n8\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n"
        );
        assert_eq!(Checkpoint::parse(&text), Ok(checkpoint.clone()));
        let with_extension = format!("{text}extra line\n");
        assert_eq!(
            Checkpoint::parse(&with_extension).unwrap().extensions,
            vec!["extra line".to_string()]
        );

        // Signed and opened as a note, its body is the checkpoint.
        let signer = Signer::from_seed("bureau.example/audit", [1; 32]).unwrap();
        let note = signer.sign(&text).unwrap();
        let opened = open(
            &note,
            &[Verifier::parse(&signer.verifier().to_string()).unwrap()],
        )
        .unwrap();
        assert_eq!(Checkpoint::parse(&opened.text), Ok(checkpoint));
    }

    #[test]
    fn malformed_checkpoints_are_refused() {
        let root = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";
        for (text, error) in [
            ("origin\n8\n".to_string(), CheckpointError::TooShort),
            (format!("origin\n8\n{root}"), CheckpointError::TooShort),
            (format!("\n8\n{root}\n"), CheckpointError::EmptyOrigin),
            (
                format!("o\n-8\n{root}\n"),
                CheckpointError::BadSize("-8".into()),
            ),
            (
                format!("o\n08\n{root}\n"),
                CheckpointError::BadSize("08".into()),
            ),
            (
                format!("o\n+8\n{root}\n"),
                CheckpointError::BadSize("+8".into()),
            ),
            (
                format!("o\n99999999999999999999\n{root}\n"),
                CheckpointError::BadSize("99999999999999999999".into()),
            ),
            (
                "o\n8\nAAAA\n".to_string(),
                CheckpointError::BadRoot("AAAA".into()),
            ),
            (format!("o\n8\n{root}\n\n"), CheckpointError::EmptyExtension),
        ] {
            assert_eq!(Checkpoint::parse(&text), Err(error), "{text:?}");
        }
    }
}
