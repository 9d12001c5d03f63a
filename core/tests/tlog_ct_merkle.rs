//! Cross-check of `tlog::merkle` against an independent RFC 6962 implementation, the `ct-merkle`
//! crate (a dev-dependency only): the same roots, inclusion proofs and consistency proofs, byte
//! for byte, for every tree of 1 to 70 leaves, every leaf and every older size.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use mxcert_core::tlog::merkle::{self, leaf_hash, MemoryStore};
use sha2_011::Sha256;

#[test]
fn roots_and_proofs_match_ct_merkle() {
    let mut ours = MemoryStore::new();
    let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
    for n in 1..=70u64 {
        let entry = format!("entry {n}").into_bytes();
        ours.append(leaf_hash(&entry));
        theirs.push(entry);
        assert_eq!(
            ours.root().as_slice(),
            theirs.root().as_bytes().as_slice(),
            "root of {n}"
        );
        for i in 0..n {
            let proof = merkle::inclusion_proof(i, n, &ours).unwrap().concat();
            assert_eq!(
                proof,
                theirs.prove_inclusion(i as usize).as_bytes(),
                "inclusion of {i} in {n}"
            );
        }
        for old in 1..n {
            let proof = merkle::consistency_proof(old, n, &ours).unwrap().concat();
            assert_eq!(
                proof,
                theirs.prove_consistency((n - old) as usize).as_bytes(),
                "consistency {old} -> {n}"
            );
        }
    }
}
