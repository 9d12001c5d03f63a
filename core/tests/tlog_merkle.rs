//! RFC 6962 Merkle trees against independent vectors, and property tests.
//!
//! Vectors: transparency-dev/merkle, `testonly/constants.go` (`LeafInputs`, `NodeHashes`,
//! `RootHashes`) and `proof/verify_test.go` (`inclusionProofs`, `consistencyProofs`, and the
//! corruptions of `corruptInclusionProof` / `corruptConsistencyProof`). In those files leaf
//! indexes of `inclusionProofs` count from 1; here they count from 0.

mod tlog_common;

use mxcert_core::tlog::merkle::HashReader as _;
use mxcert_core::tlog::merkle::{
    consistency_proof, inclusion_proof, leaf_hash, node_hash, root_from_leaf_hashes, tree_root,
    verify_consistency, verify_inclusion, Hash, MemoryStore, ProofError, SubtreeId, TreeError,
    EMPTY_ROOT,
};
use tlog_common::Rng;

fn h(hex: &str) -> Hash {
    let mut out = [0; 32];
    hex::decode_to_slice(hex, &mut out).unwrap();
    out
}

fn leaf_inputs() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| hex::decode(s).unwrap())
    .collect()
}

/// `RootHashes()`: index = tree size.
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

/// `NodeHashes()`: `[level][index]`.
const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// `inclusionProofs` (leaf index from 0, tree size, proof).
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// `consistencyProofs` (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// `sha256SomeHash` in `proof/verify_test.go`.
const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

fn reference_store(size: usize) -> MemoryStore {
    let mut store = MemoryStore::new();
    for entry in &leaf_inputs()[..size] {
        store.append(leaf_hash(entry));
    }
    store
}

fn hashes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|s| h(s)).collect()
}

#[test]
fn empty_root_is_sha256_of_nothing() {
    assert_eq!(EMPTY_ROOT, h(ROOTS[0]));
    assert_eq!(root_from_leaf_hashes(&[]), EMPTY_ROOT);
    assert_eq!(MemoryStore::new().root(), EMPTY_ROOT);
}

#[test]
fn roots_of_the_reference_tree_for_every_size() {
    let leaves: Vec<Hash> = leaf_inputs().iter().map(|e| leaf_hash(e)).collect();
    for (size, want) in ROOTS.iter().enumerate() {
        assert_eq!(
            root_from_leaf_hashes(&leaves[..size]),
            h(want),
            "size {size}"
        );
        let store = reference_store(size);
        assert_eq!(store.root(), h(want), "stored, size {size}");
        assert_eq!(
            tree_root(size as u64, &reference_store(8)).unwrap(),
            h(want)
        );
    }
}

#[test]
fn stored_subtrees_are_the_reference_node_hashes() {
    let store = reference_store(8);
    use mxcert_core::tlog::merkle::HashReader;
    for (level, nodes) in NODES.iter().enumerate() {
        for (index, want) in nodes.iter().enumerate() {
            let id = SubtreeId {
                level: level as u8,
                index: index as u64,
            };
            assert_eq!(store.read_hashes(&[id]).unwrap(), vec![h(want)], "{id:?}");
        }
    }
    assert_eq!(node_hash(&h(NODES[0][0]), &h(NODES[0][1])), h(NODES[1][0]));
}

#[test]
fn inclusion_proofs_match_and_verify() {
    let leaves = leaf_inputs();
    let store = reference_store(8);
    for (index, size, want) in INCLUSION {
        let proof = inclusion_proof(index, size, &store).unwrap();
        assert_eq!(proof, hashes(want), "index {index} size {size}");
        let leaf = leaf_hash(&leaves[index as usize]);
        let root = h(ROOTS[size as usize]);
        verify_inclusion(index, size, &leaf, &proof, &root).unwrap();
        for (desc, probe) in corrupt_inclusion(index, size, &leaf, &proof, &root) {
            let (i, s, l, p, r) = probe;
            assert!(
                verify_inclusion(i, s, &l, &p, &r).is_err(),
                "index {index} size {size}: {desc} verified"
            );
        }
    }
}

type InclusionProbe = (u64, u64, Hash, Vec<Hash>, Hash);

/// The corruptions of `corruptInclusionProof` (those expressible with 32-byte hashes).
fn corrupt_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Vec<(String, InclusionProbe)> {
    let p = proof.to_vec();
    let mut out = vec![
        (
            "index - 1".into(),
            (index.wrapping_sub(1), size, *leaf, p.clone(), *root),
        ),
        (
            "index + 1".into(),
            (index + 1, size, *leaf, p.clone(), *root),
        ),
        (
            "index ^ 2".into(),
            (index ^ 2, size, *leaf, p.clone(), *root),
        ),
        (
            "size * 2".into(),
            (index, size * 2, *leaf, p.clone(), *root),
        ),
        (
            "size / 2".into(),
            (index, size / 2, *leaf, p.clone(), *root),
        ),
        (
            "wrong leaf".into(),
            (index, size, leaf_hash(b"WrongLeaf"), p.clone(), *root),
        ),
        (
            "empty root".into(),
            (index, size, *leaf, p.clone(), EMPTY_ROOT),
        ),
        (
            "random root".into(),
            (index, size, *leaf, p.clone(), h(SOME_HASH)),
        ),
        (
            "trailing root".into(),
            (index, size, *leaf, [p.clone(), vec![*root]].concat(), *root),
        ),
        (
            "preceding root".into(),
            (index, size, *leaf, [vec![*root], p.clone()].concat(), *root),
        ),
    ];
    for i in 0..p.len() {
        let mut q = p.clone();
        q[i][0] ^= 8;
        out.push((
            format!("modified proof[{i}] bit 3"),
            (index, size, *leaf, q, *root),
        ));
    }
    if !p.is_empty() {
        out.push((
            "removed component".into(),
            (index, size, *leaf, p[..p.len() - 1].to_vec(), *root),
        ));
    }
    if p.len() > 1 {
        let q = [vec![p[0], h(SOME_HASH)], p[1..].to_vec()].concat();
        out.push(("inserted component".into(), (index, size, *leaf, q, *root)));
    }
    out
}

#[test]
fn consistency_proofs_match_and_verify() {
    let store = reference_store(8);
    for (old, new, want) in CONSISTENCY {
        let proof = consistency_proof(old, new, &store).unwrap();
        assert_eq!(proof, hashes(want), "{old} -> {new}");
        let (r1, r2) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        verify_consistency(old, new, &r1, &r2, &proof).unwrap();
        if proof.is_empty() {
            continue;
        }
        for (desc, (o, n, a, b, p)) in corrupt_consistency(old, new, &r1, &r2, &proof) {
            assert!(
                verify_consistency(o, n, &a, &b, &p).is_err(),
                "{old} -> {new}: {desc} verified"
            );
        }
    }
}

type ConsistencyProbe = (u64, u64, Hash, Hash, Vec<Hash>);

/// The corruptions of `corruptConsistencyProof` (those expressible with 32-byte hashes).
fn corrupt_consistency(
    old: u64,
    new: u64,
    r1: &Hash,
    r2: &Hash,
    proof: &[Hash],
) -> Vec<(String, ConsistencyProbe)> {
    let p = proof.to_vec();
    let wrong = leaf_hash(b"WrongRoot");
    let mut out = vec![
        ("old - 1".into(), (old - 1, new, *r1, *r2, p.clone())),
        ("old + 1".into(), (old + 1, new, *r1, *r2, p.clone())),
        ("old ^ 2".into(), (old ^ 2, new, *r1, *r2, p.clone())),
        ("new * 2".into(), (old, new * 2, *r1, *r2, p.clone())),
        ("new / 2".into(), (old, new / 2, *r1, *r2, p.clone())),
        ("wrong root1".into(), (old, new, wrong, *r2, p.clone())),
        ("wrong root2".into(), (old, new, *r1, wrong, p.clone())),
        ("swapped roots".into(), (old, new, *r2, *r1, p.clone())),
        ("empty proof".into(), (old, new, *r1, *r2, vec![])),
        (
            "trailing root1".into(),
            (old, new, *r1, *r2, [p.clone(), vec![*r1]].concat()),
        ),
        (
            "trailing root2".into(),
            (old, new, *r1, *r2, [p.clone(), vec![*r2]].concat()),
        ),
        (
            "preceding root1".into(),
            (old, new, *r1, *r2, [vec![*r1], p.clone()].concat()),
        ),
        (
            "preceding root2".into(),
            (old, new, *r1, *r2, [vec![*r2], p.clone()].concat()),
        ),
        (
            "preceding proof[0]".into(),
            (old, new, *r1, *r2, [vec![p[0]], p.clone()].concat()),
        ),
        (
            "truncated proof".into(),
            (old, new, *r1, *r2, p[..p.len() - 1].to_vec()),
        ),
    ];
    for i in 0..p.len() {
        let mut q = p.clone();
        q[i][0] ^= 16;
        out.push((
            format!("modified proof[{i}] bit 4"),
            (old, new, *r1, *r2, q),
        ));
    }
    out
}

#[test]
fn consistency_edge_cases_from_verify_test() {
    // `TestVerifyConsistency` in proof/verify_test.go.
    let (a, b) = (leaf_hash(b"don't care 1"), leaf_hash(b"don't care 2"));
    assert!(verify_consistency(0, 0, &a, &b, &[]).is_err());
    assert!(verify_consistency(1, 1, &a, &b, &[]).is_err());
    verify_consistency(0, 0, &a, &a, &[]).unwrap();
    verify_consistency(0, 1, &a, &b, &[]).unwrap();
    verify_consistency(1, 1, &b, &b, &[]).unwrap();
    assert_eq!(
        verify_consistency(1, 0, &a, &b, &[]),
        Err(ProofError::SizesReversed { old: 1, new: 0 })
    );
    assert!(verify_consistency(2, 1, &a, &b, &[]).is_err());
    assert!(verify_consistency(1, 2, &a, &b, &[]).is_err());
    let e = EMPTY_ROOT;
    assert!(verify_consistency(0, 0, &e, &b, &[]).is_err());
    assert!(verify_consistency(1, 1, &e, &b, &[]).is_err());
    assert!(verify_consistency(0, 0, &e, &e, &[e]).is_err());
    assert!(verify_consistency(0, 1, &e, &e, &[e]).is_err());
    assert!(verify_consistency(1, 1, &e, &e, &[e]).is_err());
}

#[test]
fn inclusion_edge_cases_from_verify_test() {
    // `TestVerifyInclusionSingleEntry` and `TestVerifyInclusion`.
    let hash = leaf_hash(b"data");
    verify_inclusion(0, 1, &hash, &[], &hash).unwrap();
    assert_eq!(
        verify_inclusion(0, 1, &hash, &[], &EMPTY_ROOT),
        Err(ProofError::RootMismatch)
    );
    for (index, size) in [(0, 0), (1, 0), (2, 1)] {
        assert_eq!(
            verify_inclusion(index, size, &h(SOME_HASH), &[], &EMPTY_ROOT),
            Err(ProofError::IndexOutOfRange { index, size })
        );
    }
    assert!(verify_inclusion(0, 1, &h(SOME_HASH), &[], &EMPTY_ROOT).is_err());
}

#[test]
fn generation_refuses_bad_arguments() {
    let store = reference_store(8);
    assert_eq!(
        inclusion_proof(8, 8, &store),
        Err(TreeError::IndexOutOfRange { index: 8, size: 8 })
    );
    assert_eq!(
        consistency_proof(0, 8, &store),
        Err(TreeError::BadSizes { old: 0, new: 8 })
    );
    assert_eq!(
        consistency_proof(5, 4, &store),
        Err(TreeError::BadSizes { old: 5, new: 4 })
    );
}

#[test]
fn every_generated_proof_verifies_and_a_tampered_one_does_not() {
    let mut rng = Rng(16);
    let max = 3000u64;
    let mut store = MemoryStore::new();
    let mut leaves = Vec::new();
    let mut roots = vec![EMPTY_ROOT];
    for i in 0..max {
        let leaf = leaf_hash(&i.to_le_bytes());
        leaves.push(leaf);
        store.append(leaf);
        roots.push(store.root());
    }
    // The stored roots agree with the one-pass root at a sample of sizes.
    for _ in 0..50 {
        let n = rng.below(max + 1) as usize;
        assert_eq!(root_from_leaf_hashes(&leaves[..n]), roots[n], "size {n}");
    }
    for round in 0..400 {
        let size = 1 + rng.below(max);
        let index = rng.below(size);
        let root = roots[size as usize];
        let leaf = leaves[index as usize];
        let proof = inclusion_proof(index, size, &store).unwrap();
        verify_inclusion(index, size, &leaf, &proof, &root)
            .unwrap_or_else(|e| panic!("round {round}: {index} in {size}: {e}"));
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = rng.below(bad.len() as u64) as usize;
            bad[at][rng.below(32) as usize] ^= 1 << rng.below(8);
            assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
            assert!(verify_inclusion(index, size, &leaf, &proof[1..], &root).is_err());
        }
        let other = leaves[((index + 1) % size) as usize];
        if size > 1 {
            assert!(verify_inclusion(index, size, &other, &proof, &root).is_err());
        }

        let old = 1 + rng.below(size);
        let proof = consistency_proof(old, size, &store).unwrap();
        let old_root = roots[old as usize];
        verify_consistency(old, size, &old_root, &root, &proof)
            .unwrap_or_else(|e| panic!("round {round}: {old} -> {size}: {e}"));
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = rng.below(bad.len() as u64) as usize;
            bad[at][rng.below(32) as usize] ^= 1 << rng.below(8);
            assert!(verify_consistency(old, size, &old_root, &root, &bad).is_err());
            // A fork: another root at the new size.
            assert!(verify_consistency(old, size, &old_root, &leaf, &proof).is_err());
        }
    }
}

#[test]
fn proofs_read_a_logarithmic_number_of_hashes() {
    use mxcert_core::tlog::merkle::HashReader;
    use std::cell::Cell;
    struct Counting<'a>(&'a MemoryStore, Cell<usize>);
    impl HashReader for Counting<'_> {
        type Error = std::convert::Infallible;
        fn read_hashes(&self, ids: &[SubtreeId]) -> Result<Vec<Hash>, Self::Error> {
            self.1.set(self.1.get() + ids.len());
            self.0.read_hashes(ids)
        }
    }
    let mut store = MemoryStore::new();
    for i in 0u64..5000 {
        store.append(leaf_hash(&i.to_le_bytes()));
    }
    let mut rng = Rng(6962);
    for _ in 0..200 {
        let size = 1 + rng.below(5000);
        let index = rng.below(size);
        let counting = Counting(&store, Cell::new(0));
        inclusion_proof(index, size, &counting).unwrap();
        assert!(
            counting.1.get() <= 2 * 13,
            "{index} in {size}: {}",
            counting.1.get()
        );
        let counting = Counting(&store, Cell::new(0));
        consistency_proof(1 + index, size, &counting).unwrap();
        assert!(
            counting.1.get() <= 3 * 13,
            "{index} -> {size}: {}",
            counting.1.get()
        );
        let counting = Counting(&store, Cell::new(0));
        tree_root(size, &counting).unwrap();
        assert!(counting.1.get() <= 13);
    }
}

/// Answers any subtree with a hash made from its id: a stand-in for a store of any size.
struct Synthetic(std::cell::Cell<usize>);

impl mxcert_core::tlog::merkle::HashReader for Synthetic {
    type Error = std::convert::Infallible;
    fn read_hashes(&self, ids: &[SubtreeId]) -> Result<Vec<Hash>, Self::Error> {
        self.0.set(self.0.get() + ids.len());
        Ok(ids
            .iter()
            .map(|id| leaf_hash(&[&[id.level][..], &id.index.to_be_bytes()].concat()))
            .collect())
    }
}

#[test]
fn a_million_entries_and_the_largest_trees_cost_logarithmic_reads_and_never_overflow() {
    let mut rng = Rng(1_000_000);
    for size in [1_000_000u64, 1 << 40, u64::MAX - 1, u64::MAX] {
        let bits = 64 - size.leading_zeros() as usize;
        for _ in 0..20 {
            let index = rng.below(size);
            let store = Synthetic(std::cell::Cell::new(0));
            let proof = inclusion_proof(index, size, &store).unwrap();
            assert!(
                store.0.get() <= 2 * bits,
                "{index} in {size}: {}",
                store.0.get()
            );
            let root = tree_root(size, &store).unwrap();
            // The synthetic hashes are not a real tree, so only the shape is checked here.
            let leaf = store.read_hashes(&[SubtreeId { level: 0, index }]).unwrap()[0];
            let _ = verify_inclusion(index, size, &leaf, &proof, &root);
            let old = 1 + rng.below(size);
            let before = store.0.get();
            let proof = consistency_proof(old, size, &store).unwrap();
            assert!(store.0.get() - before <= 3 * bits, "{old} -> {size}");
            let _ = verify_consistency(old, size, &root, &root, &proof);
        }
    }
    // Wrong lengths and sizes at the edges are errors, not panics.
    let e = EMPTY_ROOT;
    assert!(verify_inclusion(u64::MAX - 1, u64::MAX, &e, &[e; 64], &e).is_err());
    assert!(verify_inclusion(u64::MAX, u64::MAX, &e, &[], &e).is_err());
    assert!(verify_consistency(u64::MAX - 1, u64::MAX, &e, &e, &[e; 65]).is_err());
    assert!(verify_consistency(1, u64::MAX, &e, &e, &[]).is_err());
}
