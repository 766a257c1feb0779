//! Signed checkpoints of the audit log, for a witness outside the bureau.
//!
//! The hash chain (`audit.rs`) shows that nobody *edited* the log, but whoever can write
//! the database can drop the triggers, rewrite an event and recompute every later hash
//! and the head: the chain verifies again. A checkpoint — the log's size and RFC 6962
//! Merkle root, signed with a key kept outside the database (C2SP `tlog-checkpoint`) —
//! taken earlier and kept by someone else (the ICRC delegation, an auditor) pins the
//! log as it was: a rewritten, shortened or forked history no longer has the root the
//! checkpoint records. A consistency proof between two sizes shows a witness that the
//! log only grew between its checkpoints.
//!
//! The key never goes into the database: the caller passes the signer in.

use repatria_tlog::{
    leaf_hash, open, Checkpoint, CheckpointError, Hash, NoteError, ProofError, Signer, Verifier,
};

use crate::{Result, SqlStore};

/// The Merkle leaf of one audit event: RFC 6962 leaf hash of its chain hash (the 32
/// bytes of `AuditEvent::hash`, hex-decoded).
///
/// The chain hash rather than a second encoding of the event: it is already the SHA-256
/// of the event's canonical encoding and of its predecessor's hash, so it commits to the
/// event's content and place; it is defined once (`AuditEvent::compute_hash`), so two
/// encodings cannot drift apart; and leaves are 32 bytes read by one cheap query. This
/// is a stable format: changing it would make every checkpoint witnesses hold fail.
pub fn leaf(chain_hash: &[u8; 32]) -> Hash {
    leaf_hash(chain_hash)
}

/// The Merkle leaves of events 1..=`up_to` (all events when `None`).
pub async fn leaves(store: &SqlStore, up_to: Option<u64>) -> Result<Vec<Hash>> {
    Ok(store
        .audit_chain_hashes(up_to)
        .await?
        .iter()
        .map(leaf)
        .collect())
}

/// The checkpoint of the log whose leaves are `leaves`, under the log name `origin`.
pub fn checkpoint_of(leaves: &[Hash], origin: &str) -> Checkpoint {
    Checkpoint {
        origin: origin.to_string(),
        size: leaves.len() as u64,
        root: repatria_tlog::root(leaves),
        extensions: Vec::new(),
    }
}

/// The signed checkpoint of the log as it is now. The log's name (origin line) is the
/// key's name, so that one name identifies the log and its signer.
pub async fn sign(store: &SqlStore, signer: &Signer) -> Result<String> {
    let leaves = leaves(store, None).await?;
    let checkpoint = checkpoint_of(&leaves, signer.name());
    signer
        .sign(&checkpoint.to_text())
        .map_err(|e| crate::StoreError::Corrupt(format!("cannot sign the checkpoint: {e}")))
}

/// Why a checkpoint does not vouch for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Contradiction {
    /// Not signed by any of the given keys, or signed wrongly.
    #[error("its signature does not verify: {0}")]
    Signature(NoteError),
    #[error("it is not a checkpoint: {0}")]
    Malformed(CheckpointError),
    #[error(
        "it records {size} events but the log holds only {events}: history was shortened or rolled back"
    )]
    Shortened { size: u64, events: u64 },
    #[error(
        "the log's first {size} events do not have its root hash: history was rewritten or forked"
    )]
    RootDiffers { size: u64 },
}

/// Checks the signed checkpoint `note` against the log's `leaves`: signed by one of
/// `verifiers`, and the log holds at least its number of events, whose root is its root.
pub fn check(
    leaves: &[Hash],
    note: &str,
    verifiers: &[Verifier],
) -> Result<Checkpoint, Contradiction> {
    let opened = open(note, verifiers).map_err(Contradiction::Signature)?;
    let checkpoint = Checkpoint::parse(&opened.text).map_err(Contradiction::Malformed)?;
    let events = leaves.len() as u64;
    if checkpoint.size > events {
        return Err(Contradiction::Shortened {
            size: checkpoint.size,
            events,
        });
    }
    let root = repatria_tlog::root(&leaves[..checkpoint.size as usize]);
    if root != checkpoint.root {
        return Err(Contradiction::RootDiffers {
            size: checkpoint.size,
        });
    }
    Ok(checkpoint)
}

/// An RFC 6962 consistency proof between two sizes of the log, with both roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consistency {
    pub old: u64,
    pub new: u64,
    pub old_root: Hash,
    pub new_root: Hash,
    pub proof: Vec<Hash>,
}

/// The proof that the log of `old` events is a prefix of the log of `new` events
/// (1 <= old <= new <= number of leaves).
pub fn consistency(leaves: &[Hash], old: u64, new: u64) -> Result<Consistency, ProofError> {
    let proof = repatria_tlog::consistency_proof(leaves, old, new)?;
    Ok(Consistency {
        old,
        new,
        old_root: repatria_tlog::root_at(leaves, old)?,
        new_root: repatria_tlog::root_at(leaves, new)?,
        proof,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u8) -> Vec<Hash> {
        (1..=n).map(|i| leaf(&[i; 32])).collect()
    }

    #[test]
    fn a_checkpoint_holds_for_its_log_and_every_longer_one_only() {
        let signer = Signer::from_seed("bureau.example/audit", [3; 32]).unwrap();
        let keys = [signer.verifier()];
        let note = signer
            .sign(&checkpoint_of(&leaves(5), signer.name()).to_text())
            .unwrap();
        assert_eq!(check(&leaves(5), &note, &keys).unwrap().size, 5);
        assert_eq!(check(&leaves(9), &note, &keys).unwrap().size, 5);
        assert_eq!(
            check(&leaves(4), &note, &keys),
            Err(Contradiction::Shortened { size: 5, events: 4 })
        );
        let mut rewritten = leaves(9);
        rewritten[2] = leaf(&[0; 32]);
        assert_eq!(
            check(&rewritten, &note, &keys),
            Err(Contradiction::RootDiffers { size: 5 })
        );
        let other = Signer::from_seed("bureau.example/audit", [4; 32]).unwrap();
        assert_eq!(
            check(&leaves(5), &note, &[other.verifier()]),
            Err(Contradiction::Signature(NoteError::Unverified))
        );
        let unsigned_body = other.sign("not a checkpoint\n").unwrap();
        assert!(matches!(
            check(&leaves(5), &unsigned_body, &[other.verifier()]),
            Err(Contradiction::Malformed(_))
        ));
    }

    #[test]
    fn consistency_proofs_verify() {
        let all = leaves(11);
        let proof = consistency(&all, 4, 11).unwrap();
        assert_eq!(
            repatria_tlog::verify_consistency(
                4,
                11,
                &proof.old_root,
                &proof.new_root,
                &proof.proof
            ),
            Ok(())
        );
        assert_eq!(
            consistency(&all, 4, 12),
            Err(ProofError::TooLarge {
                size: 12,
                leaves: 11
            })
        );
    }
}
