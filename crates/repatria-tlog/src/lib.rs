//! Transparency-log primitives for the audit log: what lets someone outside the bureau
//! (the ICRC delegation, an auditor) pin the log so that a rewrite of the database is
//! detected, not only an edit.
//!
//! - [`merkle`]: RFC 6962 Merkle tree hashes, roots at any size, consistency proofs;
//! - [`note`]: C2SP signed notes with Ed25519 keys (Go's `sumdb/note` formats);
//! - [`checkpoint`]: the C2SP `tlog-checkpoint` body (origin, size, root).
//!
//! Pure: no I/O, no clock, no random source (key generation takes its seed from the
//! caller).

pub mod checkpoint;
pub mod merkle;
pub mod note;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use merkle::{
    consistency_proof, empty_root, leaf_hash, node_hash, root, root_at, verify_consistency, Hash,
    ProofError,
};
pub use note::{open, NoteError, OpenedNote, Signer, Verifier};
