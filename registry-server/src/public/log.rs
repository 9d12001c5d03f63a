//! The transparency log as the public reads it: the proof bundle of a certificate (C2SP
//! `tlog-proof`: index, inclusion proof, latest checkpoint) and consistency proofs.

use mxcert_core::tlog::proof::TlogProof;

use crate::store::{Result, Store};

/// The `tlog-proof` of a certificate's issuance (or, with `kind` = `revoked`, of its revocation)
/// in the latest checkpoint's tree.
pub async fn certificate_proof(store: &Store, certificate_id: &str, kind: &str) -> Result<String> {
    let index = store.certificate_log_index(certificate_id, kind).await?;
    let checkpoint = store.latest_checkpoint().await?;
    let proof = store.log_inclusion_proof(index, checkpoint.size).await?;
    Ok(TlogProof {
        extra: None,
        index,
        proof,
        checkpoint: checkpoint.note,
    }
    .to_string())
}
