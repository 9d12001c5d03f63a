//! The transparency log's pure parts (issue 16): RFC 6962 / RFC 9162 Merkle hashing and proofs
//! ([`merkle`]), C2SP `signed-note` with Ed25519 verifier keys ([`note`]) and the C2SP
//! `tlog-checkpoint` body ([`checkpoint`]), C2SP `tlog-tiles` paths, tiles and entry bundles
//! ([`tile`]), C2SP `tlog-proof` files ([`proof`]), C2SP `tlog-witness` requests and a witness's decisions
//! ([`witness`]) and what a monitor checks of a whole log
//! ([`monitor`]).
//!
//! No storage here: proofs are generated through a caller-supplied [`merkle::HashReader`] that
//! hands out the hashes of complete subtrees the caller stored, so the registry keeps its tables
//! and this module keeps the arithmetic.

pub mod checkpoint;
pub mod cosignature;
pub mod merkle;
pub mod monitor;
pub mod note;
pub mod proof;
pub mod tile;
pub mod witness;
