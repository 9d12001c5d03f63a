//! RFC 6962 / RFC 9162 Merkle trees: leaf and node hashing, the root of a tree, inclusion and
//! consistency proofs (generated and verified).
//!
//! Hashes of complete subtrees are named by [`SubtreeId`] `(level, index)`: the subtree at level
//! `L` and index `i` covers the leaves `[i·2^L, (i+1)·2^L)` (level 0 are the leaf hashes), as in
//! Go's `golang.org/x/mod/sumdb/tlog`. A log stores them as leaves arrive ([`new_subtrees`] says
//! which); generating a proof or a root then reads `O(log n)` of them, in one batch, through a
//! [`HashReader`].

use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf, node or root hash.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of no bytes.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The most tree levels a proof walks (a tree has fewer than 2^64 leaves).
const MAX_LEVELS: usize = 64;

/// Hash of one log entry: SHA-256(0x00 ‖ entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    h.finalize().into()
}

/// Hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A complete subtree: `level` 0 is one leaf, level `L` covers `2^L` leaves starting at
/// `index · 2^L`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubtreeId {
    pub level: u8,
    pub index: u64,
}

/// Where the hashes of complete subtrees come from (a database table, tiles, memory).
pub trait HashReader {
    type Error;
    /// The hashes of `ids`, in the same order. Every id asked for lies inside the tree the
    /// caller named, so a store holding all complete subtrees of that tree can answer.
    fn read_hashes(&self, ids: &[SubtreeId]) -> Result<Vec<Hash>, Self::Error>;
}

/// Why a root or proof could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError<E> {
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a consistency proof needs 0 < old size ({old}) <= new size ({new})")]
    BadSizes { old: u64, new: u64 },
    #[error("the hash store answered {got} hashes for {asked} asked")]
    ShortRead { asked: usize, got: usize },
    #[error("reading stored hashes: {0}")]
    Read(E),
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the old tree size {old} is larger than the new size {new}")]
    SizesReversed { old: u64, new: u64 },
    #[error("the proof has {got} hashes where a tree of this shape needs {expected}")]
    WrongLength { expected: usize, got: usize },
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("the proof does not lead to the old root hash")]
    OldRootMismatch,
}

/// The root of the tree whose leaf hashes are `leaves` (RFC 6962 `MTH`), computed in one pass
/// with a stack of `O(log n)` hashes.
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    let mut stack: Vec<Hash> = Vec::with_capacity(MAX_LEVELS);
    for (i, leaf) in leaves.iter().enumerate() {
        let mut h = *leaf;
        // Every trailing 1 bit of i closes a complete subtree with the one on the stack.
        let mut closed = i;
        while closed & 1 == 1 {
            let left = stack.pop().unwrap_or(EMPTY_ROOT);
            h = node_hash(&left, &h);
            closed >>= 1;
        }
        stack.push(h);
    }
    fold_right(&stack).unwrap_or(EMPTY_ROOT)
}

/// The subtrees completed by appending leaf `index` (whose hash is `leaf`): `(0, index)` and one
/// node per level whose subtree the leaf closes, with their hashes. Reads the left siblings it
/// needs (already stored) through `reader`. Store them all with the leaf.
pub fn new_subtrees<R: HashReader>(
    index: u64,
    leaf: Hash,
    reader: &R,
) -> Result<Vec<(SubtreeId, Hash)>, TreeError<R::Error>> {
    let mut siblings = Vec::new();
    let mut i = index;
    let mut level = 0u8;
    while i & 1 == 1 {
        siblings.push(SubtreeId {
            level,
            index: i - 1,
        });
        i >>= 1;
        level += 1;
    }
    let read = read(reader, &siblings)?;
    let mut out = Vec::with_capacity(siblings.len() + 1);
    out.push((SubtreeId { level: 0, index }, leaf));
    let mut h = leaf;
    for (sibling, left) in siblings.iter().zip(&read) {
        h = node_hash(left, &h);
        out.push((
            SubtreeId {
                level: sibling.level + 1,
                index: sibling.index >> 1,
            },
            h,
        ));
    }
    Ok(out)
}

/// The root of the tree of the first `size` leaves, from `O(log size)` stored subtree hashes.
pub fn tree_root<R: HashReader>(size: u64, reader: &R) -> Result<Hash, TreeError<R::Error>> {
    if size == 0 {
        return Ok(EMPTY_ROOT);
    }
    let ids = subtrees_of(0, size);
    let hashes = read(reader, &ids)?;
    Ok(fold_right(&hashes).unwrap_or(EMPTY_ROOT))
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 `PATH`), nearest
/// sibling first.
pub fn inclusion_proof<R: HashReader>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, TreeError<R::Error>> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    hashes_of_ranges(&inclusion_ranges(index, size), reader)
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves (RFC 9162
/// `PROOF`, `0 < old <= new`; empty when the sizes are equal).
pub fn consistency_proof<R: HashReader>(
    old: u64,
    new: u64,
    reader: &R,
) -> Result<Vec<Hash>, TreeError<R::Error>> {
    if old == 0 || old > new {
        return Err(TreeError::BadSizes { old, new });
    }
    hashes_of_ranges(&consistency_ranges(old, new), reader)
}

/// Checks that `proof` shows the leaf hash `leaf` at `index` in the tree of `size` leaves whose
/// root is `root` (RFC 9162 section 2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    check_len(inclusion_ranges(index, size).len(), proof)?;
    let mut r = *leaf;
    let fits = walk(index, size - 1, proof, |p, left| {
        r = if left {
            node_hash(p, &r)
        } else {
            node_hash(&r, p)
        };
    });
    if !fits {
        return Err(ProofError::RootMismatch);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that `proof` shows the tree of `old` leaves with root `old_root` is a prefix of the
/// tree of `new` leaves with root `new_root` (RFC 9162 section 2.1.4.2). Equal sizes need equal
/// roots and an empty proof; an empty old tree is a prefix of every tree (empty proof).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizesReversed { old, new });
    }
    let expected = if old == 0 || old == new {
        0
    } else {
        consistency_ranges(old, new).len()
    };
    check_len(expected, proof)?;
    if old == new {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if old == 0 {
        return Ok(());
    }
    // The old tree's largest complete subtree on its right edge: the old root itself when the
    // old tree is complete, else the proof's first hash.
    let (start, rest) = if old.is_power_of_two() {
        (*old_root, proof)
    } else {
        (proof[0], &proof[1..])
    };
    let shift = (old - 1).trailing_ones();
    let (mut fr, mut sr) = (start, start);
    let fits = walk((old - 1) >> shift, (new - 1) >> shift, rest, |c, left| {
        if left {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
        } else {
            sr = node_hash(&sr, c);
        }
    });
    if !fits {
        return Err(ProofError::RootMismatch);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Complete subtree hashes kept in memory, one vector per level: for tests, tools and small
/// logs. `append` stores what [`new_subtrees`] says.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    levels: Vec<Vec<Hash>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves stored.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends the entry whose leaf hash is `leaf`.
    pub fn append(&mut self, leaf: Hash) {
        // The store answers every id asked for, so this cannot fail.
        let new = new_subtrees(self.size(), leaf, &*self).unwrap_or_default();
        for (id, hash) in new {
            let level = usize::from(id.level);
            if self.levels.len() <= level {
                self.levels.resize_with(level + 1, Vec::new);
            }
            self.levels[level].push(hash);
        }
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        tree_root(self.size(), self).unwrap_or(EMPTY_ROOT)
    }
}

impl HashReader for MemoryStore {
    type Error = std::convert::Infallible;
    fn read_hashes(&self, ids: &[SubtreeId]) -> Result<Vec<Hash>, Self::Error> {
        // Callers ask only for subtrees inside the stored tree (see `HashReader`); anything else
        // is a bug in this module, answered with a hash that fails every verification.
        Ok(ids
            .iter()
            .map(|id| {
                usize::try_from(id.index)
                    .ok()
                    .and_then(|i| self.levels.get(usize::from(id.level))?.get(i))
                    .copied()
                    .unwrap_or([0; 32])
            })
            .collect())
    }
}

/// The largest power of two smaller than `n` (`n >= 2`): where RFC 6962 splits a tree.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The complete subtrees covering the leaves `[lo, hi)`, largest first; for a range that is a
/// subtree of an RFC 6962 tree (`lo` aligned to the range's split) their right fold is its hash.
fn subtrees_of(mut lo: u64, hi: u64) -> Vec<SubtreeId> {
    let mut ids = Vec::new();
    while lo < hi {
        let mut level = if lo == 0 { 63 } else { lo.trailing_zeros() };
        while level > 0 && (hi - lo) >> level == 0 {
            level -= 1;
        }
        // `level` fits in a u8: it is at most 63.
        ids.push(SubtreeId {
            level: level as u8,
            index: lo >> level,
        });
        lo += 1 << level;
    }
    ids
}

/// `H(s0, H(s1, … H(sn-2, sn-1)))`: the hash of a range from its complete subtrees.
fn fold_right(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
}

/// The hashes of the ranges, reading all their subtrees in one batch.
fn hashes_of_ranges<R: HashReader>(
    ranges: &[(u64, u64)],
    reader: &R,
) -> Result<Vec<Hash>, TreeError<R::Error>> {
    let per_range: Vec<Vec<SubtreeId>> =
        ranges.iter().map(|&(lo, hi)| subtrees_of(lo, hi)).collect();
    let all: Vec<SubtreeId> = per_range.iter().flatten().copied().collect();
    let hashes = read(reader, &all)?;
    let mut out = Vec::with_capacity(ranges.len());
    let mut at = 0;
    for ids in &per_range {
        let part = &hashes[at..at + ids.len()];
        at += ids.len();
        out.push(fold_right(part).unwrap_or(EMPTY_ROOT));
    }
    Ok(out)
}

fn read<R: HashReader>(reader: &R, ids: &[SubtreeId]) -> Result<Vec<Hash>, TreeError<R::Error>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader.read_hashes(ids).map_err(TreeError::Read)?;
    if hashes.len() != ids.len() {
        return Err(TreeError::ShortRead {
            asked: ids.len(),
            got: hashes.len(),
        });
    }
    Ok(hashes)
}

/// The leaf ranges whose hashes make the inclusion proof of `index` in a tree of `size` leaves
/// (`index < size`), the leaf's own sibling first: the sibling at each split on the way down.
fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let mut ranges = Vec::new();
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index < lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
        }
    }
    ranges.reverse();
    ranges
}

/// The leaf ranges whose hashes make the consistency proof from `old` to `new` leaves
/// (`0 < old <= new`): RFC 9162 `SUBPROOF(m, D[lo..hi), b)` unrolled, deepest first.
fn consistency_ranges(old: u64, new: u64) -> Vec<(u64, u64)> {
    let mut ranges = Vec::new();
    let (mut m, mut lo, mut hi) = (old, 0u64, new);
    let mut whole = true;
    while m != hi - lo {
        let k = split(hi - lo);
        if m <= k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
            m -= k;
            whole = false;
        }
    }
    if !whole {
        ranges.push((lo, hi));
    }
    ranges.reverse();
    ranges
}

fn check_len(expected: usize, proof: &[Hash]) -> Result<(), ProofError> {
    if proof.len() == expected {
        Ok(())
    } else {
        Err(ProofError::WrongLength {
            expected,
            got: proof.len(),
        })
    }
}

/// RFC 9162's walk up from node `f` of a tree whose last node at that level is `s`: calls
/// `step(hash, is_left_sibling)` for each proof hash; false if the proof does not end at the
/// root (`s` not 0 at the end, or the root passed early).
fn walk(mut f: u64, mut s: u64, proof: &[Hash], mut step: impl FnMut(&Hash, bool)) -> bool {
    for p in proof {
        if s == 0 {
            return false;
        }
        let left = f & 1 == 1 || f == s;
        step(p, left);
        if left {
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0
}
