//! Certificates: issued when a submission is approved, revoked with a signed statement; both are
//! ordered, gap-free events (`certificate_events.seq`), each appended to the transparency log
//! ([`super::tlog`]) in the same transaction: never a certificate without its log entry.
//!
//! The store does not sign: the caller hands in a closure that builds and signs the document once
//! the certificate number is known, inside the transaction that records it.

use serde_json::json;
use sqlx::any::AnyRow;

use super::audit::{record, Subject};
use super::submissions::{lock_status, set_decision};
use super::{
    col, next_counter, now, ts, Actor, CertificateEvent, CertificateRecord, CertifiedEntry, Result,
    Store, StoreError, Submission, SubmissionStatus, WriteTx,
};

/// A signed certificate ready to store.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    pub envelope: Vec<u8>,
    pub envelope_sha256: String,
    pub system_vendor: String,
    pub system_model: String,
    pub mxos_release: String,
    pub plan_id: String,
    pub plan_version: String,
    pub issued_at: String,
    pub expires_at: String,
}

/// A signed revocation ready to store.
#[derive(Debug, Clone)]
pub struct SignedRevocation {
    pub envelope: Vec<u8>,
    pub envelope_sha256: String,
    pub revoked_at: String,
}

const SELECT_CERTIFICATE: &str = "SELECT c.*, o.name AS org_name FROM certificates c \
     JOIN organisations o ON o.id = c.org_id";

fn certificate(row: &AnyRow) -> Result<CertificateRecord> {
    Ok(CertificateRecord {
        id: col(row, "id")?,
        submission_id: col(row, "submission_id")?,
        system_id: col(row, "system_id")?,
        org_id: col(row, "org_id")?,
        org_name: col(row, "org_name")?,
        system_vendor: col(row, "system_vendor")?,
        system_model: col(row, "system_model")?,
        mxos_release: col(row, "mxos_release")?,
        plan_id: col(row, "plan_id")?,
        plan_version: col(row, "plan_version")?,
        issued_at: col(row, "issued_at")?,
        expires_at: col(row, "expires_at")?,
        status: col(row, "status")?,
        envelope_sha256: col(row, "envelope_sha256")?,
        revoked_at: col(row, "revoked_at")?,
        revocation_reason: col(row, "revocation_reason")?,
        revocation_envelope_sha256: col(row, "revocation_envelope_sha256")?,
    })
}

async fn insert_envelope(
    tx: &mut WriteTx,
    sha: &str,
    payload_type: &str,
    bytes: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO envelopes (sha256, payload_type, bytes, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha)
    .bind(payload_type)
    .bind(bytes)
    .bind(ts(now()))
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

async fn append_event(
    tx: &mut WriteTx,
    certificate_id: &str,
    kind: &str,
    at: &str,
    sha: &str,
) -> Result<i64> {
    let seq = next_counter(tx, "certificate-events").await?;
    sqlx::query(
        "INSERT INTO certificate_events (seq, certificate_id, kind, at, envelope_sha256) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(seq)
    .bind(certificate_id)
    .bind(kind)
    .bind(at)
    .bind(sha)
    .execute(&mut *tx.tx)
    .await?;
    Ok(seq)
}

impl Store {
    /// The highest certificate number handed out in each series (`MX-2026`), from the counters.
    pub async fn certificate_counters(&self) -> Result<Vec<(String, u64)>> {
        let rows = sqlx::query(
            "SELECT name, value FROM counters WHERE name LIKE 'certificate-%' ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let name: String = super::col(row, "name")?;
            let value: i64 = super::col(row, "value")?;
            // `certificate-2026`, not `certificate-events` (the event log's counter).
            if let Some(year) = name
                .strip_prefix("certificate-")
                .filter(|y| !y.is_empty() && y.bytes().all(|b| b.is_ascii_digit()))
            {
                out.push((format!("MX-{year}"), u64::try_from(value).unwrap_or(0)));
            }
        }
        Ok(out)
    }

    /// Approves a submission that is in review and issues its certificate, numbered
    /// `MX-YYYY-NNNNNN` from a per-year counter, all in one transaction.
    pub async fn approve_submission(
        &self,
        id: &str,
        comment: Option<&str>,
        actor: &Actor,
        issue: impl FnOnce(&Submission, &str) -> Result<IssuedCertificate, String>,
    ) -> Result<(Submission, CertificateRecord)> {
        let submission = self.get_submission(id).await?;
        let log = self.log_key().await?;
        let mut tx = self.begin_write().await?;
        // The index lock first, as every workflow change takes it (see `revoke_certificate`).
        super::public_index::lock_index(&mut tx).await?;
        let (status, org_id) = lock_status(&mut tx, id).await?;
        if status != SubmissionStatus::InReview {
            return Err(StoreError::InvalidState(format!(
                "submission {id} is {status}; only submissions in review can be approved"
            )));
        }
        // The signing key's standing now, not at submission: a compromised key blocks approval.
        let key = sqlx::query("SELECT compromised_at FROM signing_keys WHERE keyid = $1")
            .bind(&submission.keyid)
            .fetch_one(&mut *tx.tx)
            .await?;
        if let Some(at) = super::col::<Option<String>>(&key, "compromised_at")? {
            return Err(StoreError::Refused {
                code: "signing_key_compromised",
                message: format!(
                    "failed to approve submission {id}: its signing key {} was revoked as \
                     compromised on {at}",
                    submission.keyid
                ),
            });
        }
        let year = chrono::Datelike::year(&now());
        let seq = next_counter(&mut tx, &format!("certificate-{year}")).await?;
        let certificate_id =
            mxcert_core::certificate::certificate_id(year, u32::try_from(seq).unwrap_or(u32::MAX));
        let issued = issue(&submission, &certificate_id).map_err(StoreError::InvalidState)?;
        insert_envelope(
            &mut tx,
            &issued.envelope_sha256,
            mxcert_core::dsse::CERTIFICATE_PAYLOAD_TYPE,
            &issued.envelope,
        )
        .await?;
        sqlx::query(
            "INSERT INTO certificates (id, submission_id, system_id, org_id, system_vendor, system_model, \
             mxos_release, plan_id, plan_version, issued_at, expires_at, status, envelope_sha256) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'valid', $12)",
        )
        .bind(&certificate_id)
        .bind(id)
        .bind(&submission.system.system_id)
        .bind(&org_id)
        .bind(&issued.system_vendor)
        .bind(&issued.system_model)
        .bind(&issued.mxos_release)
        .bind(&issued.plan_id)
        .bind(&issued.plan_version)
        .bind(&issued.issued_at)
        .bind(&issued.expires_at)
        .bind(&issued.envelope_sha256)
        .execute(&mut *tx.tx)
        .await?;
        self.failpoint("certificate")?;
        let seq = append_event(
            &mut tx,
            &certificate_id,
            "issued",
            &issued.issued_at,
            &issued.envelope_sha256,
        )
        .await?;
        self.failpoint("event")?;
        self.append_to_log(&mut tx, &log, seq, &issued.envelope)
            .await?;
        set_decision(&mut tx, id, SubmissionStatus::Approved, comment, actor).await?;
        super::public_index::certificate_issued(&mut tx, id, &certificate_id).await?;
        record(
            &mut tx,
            actor,
            "submission.approve",
            Subject {
                kind: "submission",
                id,
                org_id: Some(&org_id),
            },
            json!({ "from": status, "status": SubmissionStatus::Approved, "comment": comment,
                    "certificate_id": certificate_id }),
        )
        .await?;
        record(
            &mut tx,
            actor,
            "certificate.issue",
            Subject { kind: "certificate", id: &certificate_id, org_id: Some(&org_id) },
            json!({ "submission_id": id, "event_seq": seq, "envelope_sha256": issued.envelope_sha256 }),
        )
        .await?;
        self.failpoint("commit")?;
        tx.commit().await?;
        Ok((
            self.get_submission(id).await?,
            self.get_certificate(&certificate_id).await?,
        ))
    }

    /// Revokes a valid certificate with a signed revocation.
    pub async fn revoke_certificate(
        &self,
        certificate_id: &str,
        reason: &str,
        actor: &Actor,
        sign: impl FnOnce(&CertificateRecord) -> Result<SignedRevocation, String>,
    ) -> Result<CertificateRecord> {
        let cert = self.get_certificate(certificate_id).await?;
        let log = self.log_key().await?;
        let mut tx = self.begin_write().await?;
        // On PostgreSQL, the public index's lock before anything else: an approval (which takes
        // the certificate event counter, then the index lock) and a revocation (the index lock,
        // then the counter) deadlocked under several instances. Taken first, it also makes a
        // second revocation of the same certificate wait and then find it revoked.
        super::public_index::lock_index(&mut tx).await?;
        let status: String = col(
            &sqlx::query("SELECT status FROM certificates WHERE id = $1")
                .bind(certificate_id)
                .fetch_one(&mut *tx.tx)
                .await?,
            "status",
        )?;
        if status != "valid" {
            return Err(StoreError::InvalidState(format!(
                "certificate {certificate_id} is already {status}"
            )));
        }
        let signed = sign(&cert).map_err(StoreError::InvalidState)?;
        insert_envelope(
            &mut tx,
            &signed.envelope_sha256,
            mxcert_core::dsse::REVOCATION_PAYLOAD_TYPE,
            &signed.envelope,
        )
        .await?;
        sqlx::query(
            "UPDATE certificates SET status = 'revoked', revoked_at = $1, revoked_by = $2, \
             revocation_reason = $3, revocation_envelope_sha256 = $4 WHERE id = $5",
        )
        .bind(&signed.revoked_at)
        .bind(&actor.id)
        .bind(reason)
        .bind(&signed.envelope_sha256)
        .bind(certificate_id)
        .execute(&mut *tx.tx)
        .await?;
        self.failpoint("certificate")?;
        super::public_index::certificate_revoked(&mut tx, certificate_id).await?;
        let seq = append_event(
            &mut tx,
            certificate_id,
            "revoked",
            &signed.revoked_at,
            &signed.envelope_sha256,
        )
        .await?;
        self.failpoint("event")?;
        self.append_to_log(&mut tx, &log, seq, &signed.envelope)
            .await?;
        record(
            &mut tx,
            actor,
            "certificate.revoke",
            Subject { kind: "certificate", id: certificate_id, org_id: Some(&cert.org_id) },
            json!({ "reason": reason, "event_seq": seq, "envelope_sha256": signed.envelope_sha256 }),
        )
        .await?;
        self.failpoint("commit")?;
        tx.commit().await?;
        self.get_certificate(certificate_id).await
    }

    pub async fn get_certificate(&self, id: &str) -> Result<CertificateRecord> {
        let row = sqlx::query(&format!("{SELECT_CERTIFICATE} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("certificate {id}")))?;
        certificate(&row)
    }

    /// Certificates valid at `now` (neither revoked nor expired, as the other public lists
    /// count them), newest first: the public list of certified systems.
    pub async fn list_certified(
        &self,
        limit: i64,
        offset: i64,
        now: &str,
    ) -> Result<Vec<CertifiedEntry>> {
        let rows = sqlx::query(&format!(
            "{SELECT_CERTIFICATE} WHERE c.status = 'valid' AND c.expires_at > $3 \
             ORDER BY c.issued_at DESC, c.id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let c = certificate(row)?;
                Ok(CertifiedEntry {
                    certificate_id: c.id,
                    submission_id: c.submission_id,
                    vendor: c.system_vendor,
                    model: c.system_model,
                    organisation: c.org_name,
                    mxos_release: c.mxos_release,
                    plan_id: c.plan_id,
                    plan_version: c.plan_version,
                    approved_at: c.issued_at,
                    expires_at: c.expires_at,
                })
            })
            .collect()
    }

    /// Certificate events after `after_seq`, in order.
    pub async fn certificate_events(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<CertificateEvent>> {
        let rows =
            sqlx::query("SELECT * FROM certificate_events WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after_seq)
                .bind(limit.clamp(1, 1000))
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(CertificateEvent {
                    seq: col(row, "seq")?,
                    certificate_id: col(row, "certificate_id")?,
                    kind: col(row, "kind")?,
                    at: col(row, "at")?,
                    envelope_sha256: col(row, "envelope_sha256")?,
                })
            })
            .collect()
    }
}
