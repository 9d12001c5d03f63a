//! The transparency log (issue 16) through the real router, on SQLite and PostgreSQL: every
//! issued certificate and revocation is an entry whose inclusion proof verifies against a
//! checkpoint signed by the log key; tiles and entry bundles rebuild the same root; the log's
//! tables refuse UPDATE and DELETE; a transaction failed at any step leaves no certificate
//! without its entry nor an entry without its certificate; a changed log refuses to start.

mod common;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use common::{database_kinds, Registry};
use http_body_util::BodyExt as _;
use mxcert_core::tlog::checkpoint::{Checkpoint, SignedCheckpoint};
use mxcert_core::tlog::merkle::{self, leaf_hash};
use mxcert_core::tlog::note::VerifierKey;
use mxcert_core::tlog::proof::TlogProof;
use mxcert_core::tlog::tile;
use mxcert_registry::store::tlog::FAILPOINTS;
use serde_json::json;
use tower::ServiceExt as _;

async fn fetch(r: &Registry, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let req = Request::builder()
        .method(Method::GET)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let resp = mxcert_registry::server::app(r.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

async fn ok_bytes(r: &Registry, path: &str) -> Vec<u8> {
    let (status, _, bytes) = fetch(r, path).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&bytes)
    );
    bytes
}

async fn log_key(r: &Registry) -> VerifierKey {
    let text = String::from_utf8(ok_bytes(r, "/log/key").await).unwrap();
    VerifierKey::parse(text.trim_end()).unwrap()
}

async fn checkpoint(r: &Registry, key: &VerifierKey) -> SignedCheckpoint {
    let note = ok_bytes(r, "/log/checkpoint").await;
    Checkpoint::open(&note, key.name(), std::slice::from_ref(key)).unwrap()
}

/// Checks the proof bundle of `cert`'s `entry` (issued or revoked) against `envelope`.
async fn check_proof(r: &Registry, key: &VerifierKey, cert: &str, entry: &str, envelope: &[u8]) {
    let bundle = ok_bytes(
        r,
        &format!("/api/v1/certificates/{cert}/proof?entry={entry}"),
    )
    .await;
    let proof = TlogProof::parse(&bundle).unwrap();
    let signed = Checkpoint::open(
        proof.checkpoint.as_bytes(),
        key.name(),
        std::slice::from_ref(key),
    )
    .unwrap();
    merkle::verify_inclusion(
        proof.index,
        signed.checkpoint.size,
        &leaf_hash(envelope),
        &proof.proof,
        &signed.checkpoint.root,
    )
    .unwrap();
    // Another entry's bytes do not verify at this index.
    let mut other = envelope.to_vec();
    other.push(b' ');
    assert!(merkle::verify_inclusion(
        proof.index,
        signed.checkpoint.size,
        &leaf_hash(&other),
        &proof.proof,
        &signed.checkpoint.root,
    )
    .is_err());
}

async fn revoke(r: &Registry, cert: &str) {
    let (status, body) = r
        .post(
            &format!("/api/v1/certificates/{cert}/revoke"),
            Some(&r.reviewer),
            json!({ "reason": "recalled by the vendor" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn count(r: &Registry, table: &str) -> i64 {
    let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(r.db.store.pool())
        .await
        .unwrap();
    sqlx::Row::get::<i64, _>(&row, "n")
}

#[tokio::test]
async fn every_certificate_and_revocation_is_logged_and_provable() {
    for kind in database_kinds() {
        let r = Registry::with_config(kind, |c| {
            c.web.public_url = Some("https://registro.example.mx".into())
        })
        .await;
        let key = log_key(&r).await;
        assert_eq!(key.name(), "registro.example.mx/log");
        // A new log has signed the empty tree.
        let empty = checkpoint(&r, &key).await;
        assert_eq!(empty.checkpoint.size, 0);
        assert_eq!(empty.checkpoint.root, merkle::EMPTY_ROOT);

        let mut certs = Vec::new();
        for model in ["21HM", "21HN", "21HP"] {
            let id = r.submit_ok(model).await;
            certs.push(r.approve(&id).await);
        }
        revoke(&r, &certs[1]).await;
        let head = checkpoint(&r, &key).await;
        assert_eq!(head.checkpoint.size, 4, "{kind}");

        for cert in &certs {
            let envelope = ok_bytes(&r, &format!("/api/v1/certificates/{cert}/envelope")).await;
            check_proof(&r, &key, cert, "issued", &envelope).await;
        }
        let revocation =
            ok_bytes(&r, &format!("/api/v1/certificates/{}/revocation", certs[1])).await;
        check_proof(&r, &key, &certs[1], "revoked", &revocation).await;
        let (status, _, _) = fetch(
            &r,
            &format!("/api/v1/certificates/{}/proof?entry=revoked", certs[0]),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = fetch(&r, "/api/v1/certificates/nope/proof").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Tiles: the entry bundle's leaves are the level-0 tile, and they give the root.
        let (status, headers, hashes) = fetch(&r, "/log/tile/0/000.p/4").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
        let hashes = tile::decode_hashes(&hashes, 4).unwrap();
        let entries =
            tile::decode_entries(&ok_bytes(&r, "/log/tile/entries/000.p/4").await, 4).unwrap();
        let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(leaves, hashes);
        assert_eq!(merkle::root_from_leaf_hashes(&leaves), head.checkpoint.root);
        for missing in [
            "/log/tile/0/000",
            "/log/tile/0/000.p/5",
            "/log/tile/1/000.p/1",
        ] {
            assert_eq!(
                fetch(&r, missing).await.0,
                StatusCode::NOT_FOUND,
                "{missing}"
            );
        }
        for bad in [
            "/log/tile/0/0",
            "/log/tile/9x/000",
            "/log/tile/0/000.p/0",
            "/log/tile/0/x000/001",
        ] {
            assert_eq!(fetch(&r, bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
        }

        // Past checkpoints, and the consistency of the tree at 2 with the tree at 4.
        let (status, headers, old) = fetch(&r, "/log/checkpoints/2").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let old = Checkpoint::open(&old, key.name(), std::slice::from_ref(&key)).unwrap();
        let proof = r.db.store.log_consistency_proof(2, 4).await.unwrap();
        merkle::verify_consistency(2, 4, &old.checkpoint.root, &head.checkpoint.root, &proof)
            .unwrap();
        assert_eq!(
            fetch(&r, "/log/checkpoints/99").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            fetch(&r, "/log/checkpoints/x").await.0,
            StatusCode::BAD_REQUEST
        );

        // The log's tables refuse UPDATE and DELETE.
        for sql in [
            "UPDATE tlog_entries SET idx = idx",
            "DELETE FROM tlog_entries",
            "UPDATE tlog_hashes SET idx = idx",
            "DELETE FROM tlog_hashes",
            "UPDATE tlog_checkpoints SET note = note",
            "DELETE FROM tlog_checkpoints",
            "DELETE FROM tlog_key",
        ] {
            let e = sqlx::query(sql)
                .execute(r.db.store.pool())
                .await
                .expect_err(sql);
            assert!(
                e.to_string().contains("cannot change"),
                "{kind}: {sql}: {e}"
            );
        }
        assert_eq!(count(&r, "tlog_entries").await, 4);

        // A restart checks the log and accepts it.
        let again = r.db.reopen().await;
        mxcert_registry::state::start_log(&again, &r.state.config)
            .await
            .unwrap();
        again.close().await;
        r.db.cleanup().await;
    }
}

/// Item 3: an approval or revocation failed at any step leaves the certificate and its entry
/// both absent (and the log's proofs valid); the next attempt succeeds.
#[tokio::test]
async fn a_transaction_failed_at_any_step_leaves_no_certificate_without_its_entry() {
    for kind in database_kinds() {
        let r = Registry::new(kind).await;
        let key = log_key(&r).await;
        let first = r.submit_ok("21HM").await;
        let first_cert = r.approve(&first).await;
        for step in FAILPOINTS {
            // Approval.
            let id = r.submit_ok(&format!("M-{step}")).await;
            r.db.store.set_failpoint(Some(step));
            let (status, body) = r
                .post(
                    &format!("/api/v1/submissions/{id}/approve"),
                    Some(&r.reviewer),
                    json!({}),
                )
                .await;
            r.db.store.set_failpoint(None);
            assert_eq!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{kind} {step}: {body}"
            );
            assert_eq!(
                count(&r, "certificates").await,
                count(&r, "tlog_entries").await
                    - count(&r, "certificate_events WHERE kind = 'revoked'").await,
                "{kind} {step}"
            );
            assert_eq!(
                count(&r, "certificate_events").await,
                count(&r, "tlog_entries").await,
                "{kind} {step}"
            );
            let (_, sub) = r
                .get(&format!("/api/v1/submissions/{id}"), Some(&r.reviewer))
                .await;
            assert_eq!(sub["status"], "in_review", "{kind} {step}");
            let cert = r.approve(&id).await;

            // Revocation.
            r.db.store.set_failpoint(Some(step));
            let (status, body) = r
                .post(
                    &format!("/api/v1/certificates/{cert}/revoke"),
                    Some(&r.reviewer),
                    json!({ "reason": "recalled by the vendor" }),
                )
                .await;
            r.db.store.set_failpoint(None);
            assert_eq!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{kind} {step}: {body}"
            );
            let (_, shown) = r.get(&format!("/api/v1/certificates/{cert}"), None).await;
            assert_eq!(shown["status"], "valid", "{kind} {step}: {shown}");
            assert_eq!(
                count(&r, "certificate_events").await,
                count(&r, "tlog_entries").await,
                "{kind} {step}"
            );
            revoke(&r, &cert).await;
            let revocation = ok_bytes(&r, &format!("/api/v1/certificates/{cert}/revocation")).await;
            check_proof(&r, &key, &cert, "revoked", &revocation).await;
        }
        let envelope = ok_bytes(&r, &format!("/api/v1/certificates/{first_cert}/envelope")).await;
        check_proof(&r, &key, &first_cert, "issued", &envelope).await;
        assert_eq!(
            checkpoint(&r, &key).await.checkpoint.size as i64,
            count(&r, "certificate_events").await
        );
        mxcert_registry::state::start_log(&r.db.store, &r.state.config)
            .await
            .unwrap();
        r.db.cleanup().await;
    }
}

/// A registry from before the log builds it from its certificate events at start; a log whose
/// stored hashes no longer give the last checkpoint's root refuses to start (SQLite: its
/// triggers can be dropped by whoever holds the file, as an attacker or a bad restore would).
#[tokio::test]
async fn the_log_is_built_on_upgrade_and_a_changed_log_refuses_to_start() {
    let r = Registry::new("sqlite").await;
    let key = log_key(&r).await;
    let mut certs = Vec::new();
    for model in ["21HM", "21HN", "21HP"] {
        let id = r.submit_ok(model).await;
        certs.push(r.approve(&id).await);
    }
    revoke(&r, &certs[0]).await;
    let head = checkpoint(&r, &key).await;
    let pool = r.db.store.pool();
    // As before the log: no entries, hashes or checkpoints beyond the empty tree.
    sqlx::raw_sql(
        "DROP TRIGGER tlog_entries_no_delete; DROP TRIGGER tlog_hashes_no_delete; \
         DROP TRIGGER tlog_checkpoints_no_delete; DROP TRIGGER tlog_hashes_no_update; \
         DELETE FROM tlog_entries; DELETE FROM tlog_hashes; \
         DELETE FROM tlog_checkpoints WHERE size > 0",
    )
    .execute(pool)
    .await
    .unwrap();
    let store = r.db.reopen().await;
    mxcert_registry::state::start_log(&store, &r.state.config)
        .await
        .unwrap();
    assert_eq!(count(&r, "tlog_entries").await, 4);
    let rebuilt = checkpoint(&r, &key).await;
    assert_eq!(rebuilt.checkpoint, head.checkpoint);
    for cert in &certs {
        let envelope = ok_bytes(&r, &format!("/api/v1/certificates/{cert}/envelope")).await;
        check_proof(&r, &key, cert, "issued", &envelope).await;
    }

    // Someone rewrites a stored hash: the root no longer matches, and the registry says so.
    sqlx::query("UPDATE tlog_hashes SET hash = $1 WHERE level = 2 AND idx = 0")
        .bind(&[7u8; 32][..])
        .execute(pool)
        .await
        .unwrap();
    let e = mxcert_registry::state::start_log(&store, &r.state.config)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("different root at size 4"), "{e}");
    store.close().await;
    r.db.cleanup().await;
}
