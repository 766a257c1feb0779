//! RFC 6962 Merkle trees (as restated in RFC 9162 §2.1): the root hash of a list of
//! leaves, the root of any prefix of it, and consistency proofs between two sizes.
//!
//! Leaves are passed in already hashed ([`leaf_hash`]), so that a caller holding a long
//! log keeps 32 bytes per entry, not the entries.

use sha2::{Digest, Sha256};

/// A SHA-256 value: a leaf hash, an inner node or a root.
pub type Hash = [u8; 32];

/// Why a consistency proof cannot be made or does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("old size {old} is larger than new size {new}")]
    OldLargerThanNew { old: u64, new: u64 },
    #[error("old size must be at least 1: an empty tree is consistent with every tree")]
    OldIsEmpty,
    #[error("size {size} is larger than the tree ({leaves} leaves)")]
    TooLarge { size: u64, leaves: u64 },
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    #[error("the proof does not lead to the old root")]
    OldRootMismatch,
    #[error("the proof does not lead to the new root")]
    NewRootMismatch,
}

/// The hash of one leaf: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The hash of an inner node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two smaller than `n` (`n` > 1): where RFC 6962 splits a tree.
fn split(n: usize) -> usize {
    debug_assert!(n > 1);
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH(D[n]): the root hash of the tree whose leaf hashes are `leaves`, in order.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The root of the tree made of the first `size` leaves.
pub fn root_at(leaves: &[Hash], size: u64) -> Result<Hash, ProofError> {
    let n = checked_size(leaves, size)?;
    Ok(root(&leaves[..n]))
}

fn checked_size(leaves: &[Hash], size: u64) -> Result<usize, ProofError> {
    match usize::try_from(size) {
        Ok(n) if n <= leaves.len() => Ok(n),
        _ => Err(ProofError::TooLarge {
            size,
            leaves: leaves.len() as u64,
        }),
    }
}

/// PROOF(old, D[new]) of RFC 6962 §2.1.2: the hashes that show the tree of the first
/// `old` leaves is a prefix of the tree of the first `new` leaves. Sizes must satisfy
/// 1 <= old <= new <= leaves; equal sizes have the empty proof.
pub fn consistency_proof(leaves: &[Hash], old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
    if old > new {
        return Err(ProofError::OldLargerThanNew { old, new });
    }
    let n = checked_size(leaves, new)?;
    if old == 0 {
        return Err(ProofError::OldIsEmpty);
    }
    let mut proof = Vec::new();
    subproof(old as usize, &leaves[..n], true, &mut proof);
    Ok(proof)
}

/// SUBPROOF(m, D[n], b). `complete` is true while the old tree is a complete subtree
/// already known to the verifier (its root is the old root itself).
fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2): that the tree of `old` leaves with
/// root `old_root` is a prefix of the tree of `new` leaves with root `new_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::OldLargerThanNew { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::NewRootMismatch)
        };
    }
    if old == 0 {
        return Err(ProofError::OldIsEmpty);
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    // When the old tree is a complete subtree, its root is the proof's implied first
    // element.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let mut first = old - 1;
    let mut second = new - 1;
    while first & 1 == 1 {
        first >>= 1;
        second >>= 1;
    }
    let mut old_hash = path[0];
    let mut new_hash = path[0];
    for c in &path[1..] {
        if second == 0 {
            return Err(ProofError::WrongLength);
        }
        if first & 1 == 1 || first == second {
            old_hash = node_hash(c, &old_hash);
            new_hash = node_hash(c, &new_hash);
            if first & 1 == 0 {
                while first & 1 == 0 && first != 0 {
                    first >>= 1;
                    second >>= 1;
                }
            }
        } else {
            new_hash = node_hash(&new_hash, c);
        }
        first >>= 1;
        second >>= 1;
    }
    if second != 0 {
        return Err(ProofError::WrongLength);
    }
    if &old_hash != old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if &new_hash != new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    fn hex32(s: &str) -> Hash {
        let bytes: Vec<u8> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect();
        bytes.try_into().unwrap()
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Decodes a vector's base64 value; `None` for one that is not 32 bytes (the
    /// vectors use short garbage for "wrong root").
    fn b64(s: &str) -> Option<Hash> {
        STANDARD.decode(s).ok()?.try_into().ok()
    }

    // From transparency-dev/merkle, testonly/constants.go: LeafInputs().
    const LEAF_INPUTS: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];

    // From transparency-dev/merkle, testonly/constants.go: RootHashes() (index = size).
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn leaves() -> Vec<Hash> {
        LEAF_INPUTS.iter().map(|s| leaf_hash(&unhex(s))).collect()
    }

    #[test]
    fn hashes_match_the_rfc6962_reference() {
        // From transparency-dev/merkle, rfc6962/rfc6962_test.go (TestRFC6962Hasher).
        assert_eq!(
            empty_root(),
            hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            leaf_hash(b""),
            hex32("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        );
        assert_eq!(
            leaf_hash(b"L123456"),
            hex32("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        );
        // HashChildren("N123", "N456") hashes the raw bytes; node_hash takes 32-byte
        // children, so the same computation is written out here.
        let mut h = Sha256::new();
        h.update([0x01]);
        h.update(b"N123");
        h.update(b"N456");
        let got: Hash = h.finalize().into();
        assert_eq!(
            got,
            hex32("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
        );
    }

    #[test]
    fn roots_of_every_prefix_match_the_reference() {
        let leaves = leaves();
        for (size, want) in ROOTS.iter().enumerate() {
            assert_eq!(
                root_at(&leaves, size as u64).unwrap(),
                hex32(want),
                "size {size}"
            );
        }
        assert_eq!(
            root_at(&leaves, 9),
            Err(ProofError::TooLarge { size: 9, leaves: 8 })
        );
    }

    /// A consistency vector: (size1, size2, root1, root2, proof, want_ok).
    type Vector = (
        u64,
        u64,
        &'static str,
        &'static str,
        &'static [&'static str],
        bool,
    );

    // From transparency-dev/merkle, testdata/consistency/{0,1,2,3,4}/happy-path.json.
    const HAPPY: &[Vector] = &[
        (
            1,
            1,
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
            &[],
            true,
        ),
        (
            1,
            8,
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
            "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
            &[
                "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
                "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
                "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
            ],
            true,
        ),
        (
            6,
            8,
            "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
            "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
            &[
                "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
                "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
                "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
            ],
            true,
        ),
        (
            2,
            5,
            "+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=",
            "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
            &[
                "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
                "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
            ],
            true,
        ),
        (
            6,
            7,
            "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
            "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw=",
            &[
                "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
                "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
                "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
            ],
            true,
        ),
    ];

    // From transparency-dev/merkle, testdata/consistency/2/{swapped-roots,
    // truncated-proof,wrong-root1}.json, testdata/consistency/1/size1-plus-@1.json and
    // testdata/consistency/additional/*.json (sizes, roots and proofs as given there).
    const BAD: &[Vector] = &[
        (
            6,
            8,
            "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
            "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
            &[
                "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
                "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
                "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
            ],
            false,
        ),
        (
            6,
            8,
            "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
            "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
            &[
                "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
                "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
            ],
            false,
        ),
        (
            2,
            8,
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
            "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
            &[
                "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
                "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
                "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
            ],
            false,
        ),
        (
            0,
            1,
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            &["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="],
            false,
        ),
        (
            0,
            1,
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "ZG9uJ3QgY2FyZSAy",
            &[],
            false,
        ),
        (2, 1, "ZG9uJ3QgY2FyZSAx", "ZG9uJ3QgY2FyZSAy", &[], false),
        (1, 0, "ZG9uJ3QgY2FyZSAx", "ZG9uJ3QgY2FyZSAy", &[], false),
        (1, 2, "ZG9uJ3QgY2FyZSAx", "ZG9uJ3QgY2FyZSAy", &[], false),
        (
            1,
            1,
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            &["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="],
            false,
        ),
        (
            0,
            0,
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            &["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="],
            false,
        ),
    ];

    fn run(vector: &Vector) -> bool {
        let (old, new, r1, r2, proof, _) = *vector;
        let (Some(r1), Some(r2)) = (b64(r1), b64(r2)) else {
            return false;
        };
        let Some(proof) = proof.iter().map(|p| b64(p)).collect::<Option<Vec<_>>>() else {
            return false;
        };
        verify_consistency(old, new, &r1, &r2, &proof).is_ok()
    }

    #[test]
    fn published_consistency_vectors_verify_or_fail_as_published() {
        for vector in HAPPY.iter().chain(BAD) {
            assert_eq!(run(vector), vector.5, "{vector:?}");
        }
    }

    #[test]
    fn generated_proofs_are_the_published_ones() {
        let leaves = leaves();
        for (old, new, _, _, proof, _) in HAPPY {
            let want: Vec<Hash> = proof.iter().map(|p| b64(p).unwrap()).collect();
            assert_eq!(
                consistency_proof(&leaves, *old, *new).unwrap(),
                want,
                "{old} -> {new}"
            );
        }
    }

    #[test]
    fn every_pair_of_sizes_proves_and_altered_proofs_fail() {
        let leaves = leaves();
        for new in 1..=8u64 {
            for old in 1..=new {
                let proof = consistency_proof(&leaves, old, new).unwrap();
                let (r1, r2) = (
                    root_at(&leaves, old).unwrap(),
                    root_at(&leaves, new).unwrap(),
                );
                assert_eq!(verify_consistency(old, new, &r1, &r2, &proof), Ok(()));
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][0] ^= 1;
                    assert!(verify_consistency(old, new, &r1, &r2, &bad).is_err());
                }
                if old < new {
                    // A forked tree: the same old prefix size, a different root.
                    let mut forked = r1;
                    forked[31] ^= 1;
                    assert!(verify_consistency(old, new, &forked, &r2, &proof).is_err());
                    // A proof of a different length: one hash dropped or added.
                    assert!(verify_consistency(old, new, &r1, &r2, &proof[1..]).is_err());
                    let mut longer = proof.clone();
                    longer.push(r2);
                    assert!(verify_consistency(old, new, &r1, &r2, &longer).is_err());
                }
            }
        }
        assert_eq!(
            consistency_proof(&leaves, 3, 2),
            Err(ProofError::OldLargerThanNew { old: 3, new: 2 })
        );
        assert_eq!(
            consistency_proof(&leaves, 0, 2),
            Err(ProofError::OldIsEmpty)
        );
        assert_eq!(
            consistency_proof(&leaves, 2, 9),
            Err(ProofError::TooLarge { size: 9, leaves: 8 })
        );
    }
}
