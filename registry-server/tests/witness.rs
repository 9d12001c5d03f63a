//! Witnessing the transparency log (issue 16), on SQLite and PostgreSQL, against real C2SP
//! `tlog-witness` servers on real ports (`common::witness`): the registry collects cosignatures
//! in the background after approvals and serves them with its checkpoints and proof bundles; a
//! witness that is down blocks nothing and cosigns once back; a witness that has seen a larger
//! tree makes the signer refuse (409 `log_behind_witness`); a log forked from the same key is
//! refused by the witness, which keeps both checkpoints; hostile answers store nothing and are
//! named; cosignatures obtained out of band are verified before they are stored, and audited.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::witness::{Mode, TestWitness};
use common::{database_kinds, Registry, TestDb};
use mxcert_core::tlog::checkpoint::Checkpoint;
use mxcert_core::tlog::cosignature::{self, CosignerKey};
use mxcert_core::tlog::merkle::{self, leaf_hash};
use mxcert_core::tlog::note::VerifierKey;
use mxcert_core::tlog::proof::TlogProof;
use mxcert_registry::store::{Actor, Store};
use mxcert_registry::witness::{self, Outcome, WitnessError};
use sqlx::Row as _;

async fn text(r: &Registry, path: &str) -> String {
    let (status, bytes) = r
        .call_raw(
            axum::http::Method::GET,
            path,
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{path}");
    String::from_utf8(bytes).unwrap()
}

async fn log_key(r: &Registry) -> VerifierKey {
    VerifierKey::parse(text(r, "/log/key").await.trim_end()).unwrap()
}

/// A registry whose log the witnesses follow, retrying failed witnesses every second at most.
async fn registry(db: TestDb, witnesses: &[&TestWitness]) -> Registry {
    let settings = witnesses.iter().map(|w| w.setting()).collect();
    let r = Registry::on(db, |c| {
        c.witnesses = settings;
        c.witness_timeout = Duration::from_secs(5);
        c.witness_retry_max = Duration::from_secs(1);
    })
    .await;
    let key = log_key(&r).await;
    for w in witnesses {
        w.follow(&key);
    }
    r
}

/// Waits (up to 30 s) until the served checkpoint is at `size` with a cosignature by every key.
async fn cosigned(r: &Registry, size: u64, keys: &[&CosignerKey]) -> String {
    let log = log_key(r).await;
    for _ in 0..300 {
        let note = text(r, "/log/checkpoint").await;
        let signed = Checkpoint::open(note.as_bytes(), log.name(), std::slice::from_ref(&log))
            .expect("the served checkpoint verifies with the log key");
        let (body, sigs) = cosignature::signatures(note.as_bytes()).unwrap();
        if signed.checkpoint.size == size && keys.iter().all(|k| k.verify(&body, &sigs).is_some()) {
            return note;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no cosignatures at size {size} after 30 s");
}

async fn approve_one(r: &Registry, model: &str) -> String {
    let id = r.submit_ok(model).await;
    r.approve(&id).await
}

#[tokio::test]
async fn two_witnesses_cosign_in_the_background_and_a_proof_bundle_meets_a_quorum_of_two() {
    for kind in database_kinds() {
        let w1 = TestWitness::start("witness.example/w1", 1).await;
        let w2 = TestWitness::start("witness.example/w2", 2).await;
        let r = registry(TestDb::new(kind).await, &[&w1, &w2]).await;
        let (_addr, stop, server) = r.listen().await;
        let first = approve_one(&r, "Laptop 1").await;
        let second = approve_one(&r, "Laptop 2").await;
        let note = cosigned(&r, 2, &[&w1.vkey, &w2.vkey]).await;
        assert_eq!(w1.size(log_key(&r).await.name()), Some(2), "{kind}");
        // The past checkpoint by size carries them too.
        assert_eq!(text(&r, "/log/checkpoints/2").await, note, "{kind}");
        // A proof bundle cut now verifies: log signature, quorum of both witnesses, inclusion.
        let log = log_key(&r).await;
        for (index, id) in [(0u64, &first), (1, &second)] {
            let bundle = text(&r, &format!("/api/v1/certificates/{id}/proof")).await;
            let proof = TlogProof::parse(bundle.as_bytes()).unwrap();
            assert_eq!(proof.index, index);
            let signed = Checkpoint::open(
                proof.checkpoint.as_bytes(),
                log.name(),
                std::slice::from_ref(&log),
            )
            .unwrap();
            let (body, sigs) = cosignature::signatures(proof.checkpoint.as_bytes()).unwrap();
            let quorum = [&w1.vkey, &w2.vkey]
                .iter()
                .filter(|k| k.verify(&body, &sigs).is_some())
                .count();
            assert_eq!(quorum, 2, "{kind}: {}", proof.checkpoint);
            let (_, envelope) = r
                .call_raw(
                    axum::http::Method::GET,
                    &format!("/api/v1/certificates/{id}/envelope"),
                    None,
                    axum::body::Body::empty(),
                )
                .await;
            merkle::verify_inclusion(
                index,
                signed.checkpoint.size,
                &leaf_hash(&envelope),
                &proof.proof,
                &signed.checkpoint.root,
            )
            .unwrap();
        }
        // Audited, as the witness.
        let rows = sqlx::query("SELECT actor_name FROM audit_log WHERE action = 'log.cosignature'")
            .fetch_all(r.db.store.pool())
            .await
            .unwrap();
        let names: Vec<String> = rows.iter().map(|row| row.get("actor_name")).collect();
        assert!(
            names.contains(&"witness witness.example/w2".to_owned()),
            "{names:?}"
        );
        let _ = stop.send(());
        server.await.unwrap().unwrap();
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_witness_that_is_down_blocks_no_approval_and_cosigns_when_back() {
    for kind in database_kinds() {
        // The witness's port, with nobody listening yet.
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = reserved.local_addr().unwrap();
        drop(reserved);
        let key = mxcert_core::tlog::witness::Witness::new(
            "witness.example/late",
            mxcert_core::keys::SigningKey::from_bytes(&[5; 32]),
        )
        .unwrap()
        .vkey();
        let r = Registry::on(TestDb::new(kind).await, |c| {
            c.witnesses = vec![witness::WitnessSetting {
                key: key.to_string(),
                url: format!("http://{addr}/witness.example/late"),
            }];
            c.witness_retry_max = Duration::from_secs(1);
        })
        .await;
        let (_a, stop, server) = r.listen().await;
        let started = std::time::Instant::now();
        approve_one(&r, "Laptop 1").await;
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{kind}: the approval waited for the witness"
        );
        let served = text(&r, "/log/checkpoint").await;
        let (body, sigs) = cosignature::signatures(served.as_bytes()).unwrap();
        assert!(
            key.verify(&body, &sigs).is_none(),
            "{kind}: no cosignature yet"
        );
        // Direct: the error names the witness's URL.
        let e = witness::submit(
            &r.db.store,
            r.state.witnesses.client(),
            &r.state.witnesses.list()[0],
        )
        .await
        .unwrap_err();
        assert!(matches!(e, WitnessError::Network { .. }), "{kind}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("cannot reach http://{addr}/")),
            "{e}"
        );
        // The witness comes up; the task's next try (backoff at most 1 s) gets the cosignature.
        let w = TestWitness::serve(
            "witness.example/late",
            5,
            tokio::net::TcpListener::bind(addr).await.unwrap(),
        )
        .await;
        w.follow(&log_key(&r).await);
        cosigned(&r, 1, &[&w.vkey]).await;
        let _ = stop.send(());
        server.await.unwrap().unwrap();
        r.db.cleanup().await;
    }
}

/// `to` gets the log key (and empty-tree checkpoint) of `from`: a second database signing with
/// the same log key, as a restored backup does.
async fn same_log_key(from: &Store, to: &Store) {
    let key = sqlx::query("SELECT origin, private_key_pem, vkey, created_at FROM tlog_key")
        .fetch_one(from.pool())
        .await
        .unwrap();
    let empty = sqlx::query("SELECT note, created_at FROM tlog_checkpoints WHERE size = 0")
        .fetch_one(from.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO tlog_key (id, origin, private_key_pem, vkey, created_at) \
         VALUES (1, $1, $2, $3, $4)",
    )
    .bind(key.get::<String, _>("origin"))
    .bind(key.get::<String, _>("private_key_pem"))
    .bind(key.get::<String, _>("vkey"))
    .bind(key.get::<String, _>("created_at"))
    .execute(to.pool())
    .await
    .unwrap();
    sqlx::query("INSERT INTO tlog_checkpoints (size, note, created_at) VALUES (0, $1, $2)")
        .bind(empty.get::<String, _>("note"))
        .bind(empty.get::<String, _>("created_at"))
        .execute(to.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_witness_that_saw_more_stops_the_signer_and_refuses_a_fork_with_evidence() {
    for kind in database_kinds() {
        let w = TestWitness::start("witness.example/w1", 1).await;
        let a = registry(TestDb::new(kind).await, &[&w]).await;
        let log = log_key(&a).await;
        let (_addr, stop, server) = a.listen().await;
        approve_one(&a, "Laptop 1").await;
        approve_one(&a, "Laptop 2").await;
        cosigned(&a, 2, &[&w.vkey]).await;
        let seen = a.db.store.log_signed_note(2).await.unwrap().unwrap();

        // A database behind the witness (size 1 with the same key): the witness answers 409
        // with its size, the registry records it and its signer refuses the next approval.
        let behind_db = TestDb::new(kind).await;
        same_log_key(&a.db.store, &behind_db.store).await;
        let behind = Registry::on(behind_db, |c| c.witnesses = vec![w.setting()]).await;
        assert_eq!(log_key(&behind).await, log);
        approve_one(&behind, "Other 1").await;
        let witnesses = &behind.state.witnesses;
        let outcome = witness::submit(&behind.db.store, witnesses.client(), &witnesses.list()[0])
            .await
            .unwrap();
        assert_eq!(
            outcome,
            Outcome::Behind {
                size: 1,
                witness_size: 2
            },
            "{kind}"
        );
        let id = behind.submit_ok("Other 2").await;
        let (status, body) = behind
            .post(
                &format!("/api/v1/submissions/{id}/approve"),
                Some(&behind.reviewer),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{kind}: {body}");
        assert_eq!(
            body["error"]["code"], "log_behind_witness",
            "{kind}: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("witness witness.example/w1 has already seen it at size 2"),
            "{body}"
        );

        // A fork: the same key signs other entries up to size 3 before meeting the witness.
        let fork_db = TestDb::new(kind).await;
        same_log_key(&a.db.store, &fork_db.store).await;
        let fork = Registry::on(fork_db, |c| c.witnesses = vec![w.setting()]).await;
        for n in 1..=3 {
            approve_one(&fork, &format!("Fork {n}")).await;
        }
        let presented = fork.db.store.latest_log_signed_note().await.unwrap().note;
        assert_eq!(text(&fork, "/log/checkpoint").await, presented);
        let witnesses = &fork.state.witnesses;
        let e = witness::submit(&fork.db.store, witnesses.client(), &witnesses.list()[0])
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                WitnessError::Status {
                    status: 422,
                    size: 3,
                    ..
                }
            ),
            "{kind}: {e}"
        );
        assert!(e.to_string().contains("the consistency proof"), "{e}");
        assert_eq!(
            w.size(log.name()),
            Some(2),
            "{kind}: the fork was not cosigned"
        );
        let forks = w.forks();
        assert_eq!(forks.len(), 1, "{kind}: {forks:?}");
        assert_eq!(
            (forks[0].seen.as_str(), forks[0].presented.as_str()),
            (seen.as_str(), presented.as_str())
        );
        // Both pieces of evidence are checkpoints the log's key signed, 2 and 3, not consistent.
        let old = Checkpoint::open(
            forks[0].seen.as_bytes(),
            log.name(),
            std::slice::from_ref(&log),
        )
        .unwrap();
        let new = Checkpoint::open(
            forks[0].presented.as_bytes(),
            log.name(),
            std::slice::from_ref(&log),
        )
        .unwrap();
        let proof = fork.db.store.log_consistency_proof(2, 3).await.unwrap();
        assert!(merkle::verify_consistency(
            2,
            3,
            &old.checkpoint.root,
            &new.checkpoint.root,
            &proof
        )
        .is_err());
        // The forked log serves no cosignature of it.
        let (body, sigs) = cosignature::signatures(presented.as_bytes()).unwrap();
        assert!(w.vkey.verify(&body, &sigs).is_none());

        let _ = stop.send(());
        server.await.unwrap().unwrap();
        for r in [a, behind, fork] {
            r.db.cleanup().await;
        }
    }
}

#[tokio::test]
async fn hostile_witness_answers_are_refused_with_a_precise_message_and_store_nothing() {
    for kind in database_kinds() {
        let w = TestWitness::start("witness.example/w1", 1).await;
        let r = registry(TestDb::new(kind).await, &[&w]).await;
        approve_one(&r, "Laptop 1").await;
        let ws = &r.state.witnesses;
        let submit = || witness::submit(&r.db.store, ws.client(), &ws.list()[0]);
        w.set_mode(Mode::Garbage);
        let e = submit().await.unwrap_err();
        assert!(matches!(e, WitnessError::Garbage(_)), "{kind}: {e}");
        assert!(
            e.to_string()
                .starts_with("answered 200 with something that is not note signature lines"),
            "{e}"
        );
        w.set_mode(Mode::WrongKey);
        let e = submit().await.unwrap_err();
        assert!(matches!(e, WitnessError::NoCosignature(..)), "{kind}: {e}");
        assert!(
            e.to_string()
                .contains(&format!("configured key {}", w.vkey)),
            "{e}"
        );
        w.set_mode(Mode::Oversized);
        let e = submit().await.unwrap_err();
        assert!(matches!(e, WitnessError::TooLarge), "{kind}: {e}");
        w.set_mode(Mode::HtmlConflict);
        let e = submit().await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "answered 409 with content type \"text/html\" instead of text/x.tlog.size"
        );
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tlog_cosignatures")
            .fetch_one(r.db.store.pool())
            .await
            .unwrap()
            .get("n");
        assert_eq!(n, 0, "{kind}");
        assert_eq!(
            r.db.store.witness_size("witness.example/w1").await.unwrap(),
            None
        );
        // Honest again: cosigned.
        w.set_mode(Mode::Honest);
        assert_eq!(
            submit().await.unwrap(),
            Outcome::Cosigned { size: 1 },
            "{kind}"
        );
        assert_eq!(
            submit().await.unwrap(),
            Outcome::AlreadyCosigned { size: 1 },
            "{kind}"
        );
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn cosignatures_obtained_out_of_band_are_verified_stored_and_audited() {
    for kind in database_kinds() {
        let r = Registry::new(kind).await;
        approve_one(&r, "Laptop 1").await;
        let log = log_key(&r).await;
        let mut w = mxcert_core::tlog::witness::Witness::new(
            "witness.example/offline",
            mxcert_core::keys::SigningKey::from_bytes(&[8; 32]),
        )
        .unwrap();
        w.follow(log.name(), log.clone());
        let note = text(&r, "/log/checkpoint").await;
        let answer = w.add_checkpoint(format!("old 0\n\n{note}").as_bytes(), 1_700_000_000);
        assert_eq!(answer.status, 200, "{}", answer.body);
        let file = format!("{note}{}", answer.body);
        let actor = Actor::cli();
        let stranger = CosignerKey::new(
            "witness.example/stranger",
            mxcert_core::keys::SigningKey::from_bytes(&[9; 32]).verifying_key(),
        )
        .unwrap();
        let e = witness::store_out_of_band(&r.db.store, file.as_bytes(), &[stranger], &actor)
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("no valid cosignature by a known witness key"),
            "{e}"
        );
        // Another tree at size 1 (the root changed) is not the log's checkpoint.
        let body_text = cosignature::signatures(note.as_bytes()).unwrap().0;
        let root_line = body_text.lines().nth(2).unwrap();
        let forged = file.replace(root_line, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        let e = witness::store_out_of_band(&r.db.store, forged.as_bytes(), &[w.vkey()], &actor)
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the log's checkpoint at size 1 is not the file's: another tree at that size"
        );
        let e = witness::store_out_of_band(&r.db.store, b"garbage", &[w.vkey()], &actor)
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the file is not a signed checkpoint"),
            "{e}"
        );
        let stored = witness::store_out_of_band(&r.db.store, file.as_bytes(), &[w.vkey()], &actor)
            .await
            .unwrap();
        assert_eq!(stored, ["witness.example/offline"]);
        let again = witness::store_out_of_band(&r.db.store, file.as_bytes(), &[w.vkey()], &actor)
            .await
            .unwrap();
        assert!(again.is_empty());
        let served = text(&r, "/log/checkpoint").await;
        let (body, sigs) = cosignature::signatures(served.as_bytes()).unwrap();
        assert_eq!(w.vkey().verify(&body, &sigs), Some(1_700_000_000), "{kind}");
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'log.cosignature' \
             AND actor_kind = 'cli' AND subject_id = '1'",
        )
        .fetch_one(r.db.store.pool())
        .await
        .unwrap()
        .get("n");
        assert_eq!(n, 1, "{kind}");
        r.db.cleanup().await;
    }
}
