//! C2SP signed notes (c2sp.org/signed-note), with Ed25519 keys in the formats of Go's
//! `golang.org/x/mod/sumdb/note`, so that the tools of the transparency-log ecosystem
//! read our keys and checkpoints and we read theirs.
//!
//! - a note is UTF-8 text ending in a newline, a blank line, then signature lines
//!   `— NAME BASE64(keyhash[4] || signature)`;
//! - the key hash is the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key);
//! - a verifier key is `NAME+HEXHASH+BASE64(0x01 || public key)`;
//! - a signing key is `PRIVATE+KEY+NAME+HEXHASH+BASE64(0x01 || seed)`.
//!
//! Key generation takes the 32-byte seed from the caller: this crate reads no random
//! source.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The algorithm byte of Ed25519 keys in signed notes.
const ALG_ED25519: u8 = 0x01;

/// The signature line's prefix: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// At most this many signature lines are read, as Go's implementation does, so that a
/// hostile note cannot make verification slow.
const MAX_SIGNATURES: usize = 100;

/// Why a key or a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("key name {0:?} is invalid: it must be non-empty, without spaces or '+'")]
    InvalidName(String),
    #[error("malformed verifier key")]
    MalformedVerifierKey,
    #[error("malformed signing key")]
    MalformedSigningKey,
    #[error("malformed note")]
    MalformedNote,
    #[error("invalid signature for key {0}")]
    InvalidSignature(String),
    #[error("note has no signature by any of the given keys")]
    Unverified,
}

/// A note's signer name is valid when non-empty, without white space and without '+'.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace) && !name.contains('+')
}

/// First 4 bytes of SHA-256(name || "\n" || 0x01 || public key), big-endian.
fn key_hash(name: &str, public: &[u8; 32]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([ALG_ED25519]);
    hasher.update(public);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Splits `NAME+HEXHASH+BASE64` (the hash exactly 8 lower- or upper-case hex digits) and
/// decodes `BASE64` to an algorithm byte and 32 key bytes.
fn parse_key(text: &str) -> Option<(&str, u32, [u8; 32])> {
    let (name, rest) = text.split_once('+')?;
    let (hash, key) = rest.split_once('+')?;
    if !valid_name(name) || hash.len() != 8 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hash = u32::from_str_radix(hash, 16).ok()?;
    let key = STANDARD.decode(key).ok()?;
    let (&alg, key) = key.split_first()?;
    if alg != ALG_ED25519 {
        return None;
    }
    Some((name, hash, key.try_into().ok()?))
}

/// A key that checks signatures: one party's Ed25519 public key under its name.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    hash: u32,
    key: VerifyingKey,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Verifier({self})")
    }
}

impl Verifier {
    /// Reads a verifier key `NAME+HEXHASH+BASE64(0x01 || public key)`; the hash must be
    /// the one of the name and key.
    pub fn parse(vkey: &str) -> Result<Verifier, NoteError> {
        let (name, hash, key) = parse_key(vkey.trim()).ok_or(NoteError::MalformedVerifierKey)?;
        if hash != key_hash(name, &key) {
            return Err(NoteError::MalformedVerifierKey);
        }
        let key = VerifyingKey::from_bytes(&key).map_err(|_| NoteError::MalformedVerifierKey)?;
        Ok(Verifier {
            name: name.to_string(),
            hash,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_hash(&self) -> u32 {
        self.hash
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(message, &signature).is_ok()
    }
}

/// The verifier key text, `NAME+HEXHASH+BASE64`.
impl std::fmt::Display for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.hash,
            STANDARD.encode(key)
        )
    }
}

/// A signing key under its name. Its `Debug` output leaves the key out.
#[derive(Clone)]
pub struct Signer {
    name: String,
    hash: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.hash)
    }
}

impl Signer {
    /// The key made from `seed` (32 bytes the caller drew from a secure random source).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Signer, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::InvalidName(name.to_string()));
        }
        let key = SigningKey::from_bytes(&seed);
        Ok(Signer {
            name: name.to_string(),
            hash: key_hash(name, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// Reads a signing key `PRIVATE+KEY+NAME+HEXHASH+BASE64(0x01 || seed)`.
    pub fn parse(skey: &str) -> Result<Signer, NoteError> {
        let rest = skey
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedSigningKey)?;
        let (name, hash, seed) = parse_key(rest).ok_or(NoteError::MalformedSigningKey)?;
        let signer = Signer::from_seed(name, seed).map_err(|_| NoteError::MalformedSigningKey)?;
        if signer.hash != hash {
            return Err(NoteError::MalformedSigningKey);
        }
        Ok(signer)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signing key text, for the key file. It is secret.
    pub fn to_private_key(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.hash,
            STANDARD.encode(key)
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            hash: self.hash,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` (non-empty, ending in a newline, no control characters but
    /// newlines, no blank-line-then-signature look-alike) into a signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        if text.is_empty() || !text.ends_with('\n') || has_forbidden_chars(text) {
            return Err(NoteError::MalformedNote);
        }
        let signature = self.key.sign(text.as_bytes());
        let mut blob = self.hash.to_be_bytes().to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(blob)
        ))
    }
}

fn has_forbidden_chars(text: &str) -> bool {
    text.chars().any(|c| (c as u32) < 0x20 && c != '\n')
}

/// A note whose signature by at least one known key was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The signed text, ending in a newline.
    pub text: String,
    /// Names of the known keys whose signatures verified, in the note's order.
    pub signed_by: Vec<String>,
}

/// Reads a signed note and checks its signatures against `known`: a signature by a known
/// key (same name and key hash) must verify, or the note is refused; signatures by other
/// keys are ignored; at least one known key must have signed.
pub fn open(note: &str, known: &[Verifier]) -> Result<OpenedNote, NoteError> {
    if has_forbidden_chars(note) {
        return Err(NoteError::MalformedNote);
    }
    // The signature block is after the last blank line.
    let split = note.rfind("\n\n").ok_or(NoteError::MalformedNote)?;
    let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
    if signatures.is_empty() || !signatures.ends_with('\n') {
        return Err(NoteError::MalformedNote);
    }
    let mut signed_by: Vec<String> = Vec::new();
    for (count, line) in signatures[..signatures.len() - 1].split('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(NoteError::MalformedNote);
        }
        let line = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(NoteError::MalformedNote)?;
        let (name, b64) = line.split_once(' ').ok_or(NoteError::MalformedNote)?;
        let blob = STANDARD.decode(b64).map_err(|_| NoteError::MalformedNote)?;
        if !valid_name(name) || blob.len() < 5 {
            return Err(NoteError::MalformedNote);
        }
        let hash = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
        let Some(verifier) = known.iter().find(|v| v.name == name && v.hash == hash) else {
            continue;
        };
        if signed_by.iter().any(|n| n == name) {
            continue;
        }
        if !verifier.verify(text.as_bytes(), &blob[4..]) {
            return Err(NoteError::InvalidSignature(format!("{name}+{hash:08x}")));
        }
        signed_by.push(name.to_string());
    }
    if signed_by.is_empty() {
        return Err(NoteError::Unverified);
    }
    Ok(OpenedNote {
        text: text.to_string(),
        signed_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // From golang/mod, sumdb/note/note_test.go (TestNewVerifier, TestNewSigner,
    // TestSign, TestOpen).
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    #[test]
    fn go_keys_are_read_and_written_back_identically() {
        let verifier = Verifier::parse(PETER_VKEY).unwrap();
        assert_eq!(verifier.name(), "PeterNeumann");
        assert_eq!(verifier.key_hash(), 0xc74f20a3);
        assert_eq!(verifier.to_string(), PETER_VKEY);
        let signer = Signer::parse(PETER_SKEY).unwrap();
        assert_eq!(signer.to_private_key(), PETER_SKEY);
        assert_eq!(signer.verifier(), verifier);
        assert_eq!(Verifier::parse(ENOCH_VKEY).unwrap().key_hash(), 0xaf0cfe78);
    }

    #[test]
    fn mangled_keys_are_refused() {
        // From golang/mod, sumdb/note/note_test.go: a wrong-length key and an unknown
        // algorithm, each with its key hash adjusted.
        for bad in [
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ] {
            assert_eq!(Verifier::parse(bad), Err(NoteError::MalformedVerifierKey));
        }
        // As Go's test does: every strict substring and every one-byte change fails.
        let bytes = PETER_VKEY.as_bytes();
        for i in 0..bytes.len() {
            for j in i + 1..=bytes.len() {
                if (i, j) != (0, bytes.len()) {
                    let part = std::str::from_utf8(&bytes[i..j]).unwrap();
                    assert!(Verifier::parse(part).is_err(), "{part}");
                }
            }
            let mut changed = bytes.to_vec();
            changed[i] += 1;
            let changed = String::from_utf8(changed).unwrap();
            assert!(Verifier::parse(&changed).is_err(), "{changed}");
        }
        let bytes = PETER_SKEY.as_bytes();
        for i in 0..bytes.len() {
            let mut changed = bytes.to_vec();
            changed[i] += 1;
            let changed = String::from_utf8(changed).unwrap();
            assert!(Signer::parse(&changed).is_err(), "{changed}");
        }
        assert!(Signer::parse(PETER_VKEY).is_err());
        assert_eq!(
            Signer::from_seed("two words", [7; 32]).unwrap_err(),
            NoteError::InvalidName("two words".into())
        );
        assert!(Signer::from_seed("a+b", [7; 32]).is_err());
    }

    #[test]
    fn signing_gives_go_s_signed_note() {
        let signer = Signer::parse(PETER_SKEY).unwrap();
        let note = signer.sign(TEXT).unwrap();
        assert_eq!(note, format!("{TEXT}\n{PETER_SIG}"));
        assert_eq!(signer.sign("no newline"), Err(NoteError::MalformedNote));
        assert_eq!(signer.sign("tab\there\n"), Err(NoteError::MalformedNote));
        assert_eq!(signer.sign(""), Err(NoteError::MalformedNote));
    }

    #[test]
    fn opening_checks_known_signatures_and_ignores_others() {
        let peter = Verifier::parse(PETER_VKEY).unwrap();
        let enoch = Verifier::parse(ENOCH_VKEY).unwrap();
        let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        let opened = open(&both, std::slice::from_ref(&peter)).unwrap();
        assert_eq!(opened.text, TEXT);
        assert_eq!(opened.signed_by, vec!["PeterNeumann".to_string()]);
        assert_eq!(
            open(&both, &[peter.clone(), enoch.clone()])
                .unwrap()
                .signed_by,
            vec!["PeterNeumann".to_string(), "EnochRoot".to_string()]
        );
        assert_eq!(open(&both, &[]), Err(NoteError::Unverified));
        assert_eq!(
            open(
                &format!("{TEXT}\n{ENOCH_SIG}"),
                std::slice::from_ref(&peter)
            ),
            Err(NoteError::Unverified)
        );

        // A changed text, or a changed signature, under a known key is refused.
        let altered = both.replacen("cryptography", "cryptographY", 1);
        assert_eq!(
            open(&altered, std::slice::from_ref(&peter)),
            Err(NoteError::InvalidSignature("PeterNeumann+c74f20a3".into()))
        );
        let (head, tail) = PETER_SIG.split_at(60);
        let bad_sig = format!("{TEXT}\n{head}ABCD{tail}");
        assert_eq!(
            open(&bad_sig, std::slice::from_ref(&peter)),
            Err(NoteError::InvalidSignature("PeterNeumann+c74f20a3".into()))
        );

        for malformed in [
            TEXT.to_string(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", PETER_SIG.trim_end()),
            format!("{TEXT}\n- PeterNeumann AAAAAAAA\n"),
            format!("{TEXT}\n\u{2014} PeterNeumann AAAA\n"),
            format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES + 1)),
            format!("tab\t{TEXT}\n{PETER_SIG}"),
        ] {
            assert_eq!(
                open(&malformed, std::slice::from_ref(&peter)),
                Err(NoteError::MalformedNote),
                "{malformed:?}"
            );
        }
    }

    #[test]
    fn a_key_made_from_a_seed_signs_what_its_verifier_accepts() {
        let signer = Signer::from_seed("bureau.example/audit", [42; 32]).unwrap();
        let verifier = Verifier::parse(&signer.verifier().to_string()).unwrap();
        let again = Signer::parse(&signer.to_private_key()).unwrap();
        assert_eq!(again.verifier(), verifier);
        let note = again.sign("hello\n").unwrap();
        assert_eq!(open(&note, &[verifier]).unwrap().text, "hello\n");
        assert!(!format!("{signer:?}").contains(&signer.to_private_key()[12..]));
    }
}
