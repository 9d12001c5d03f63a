//! The storage suite: one story through every store operation, run on SQLite and, when
//! `MXCERT_TEST_DATABASE_URL` is set, on PostgreSQL (each run in its own schema). Also concurrency:
//! racing identical submissions, parallel ingest, and gap-free certificate numbers and events.

mod common;

use common::{report, sign, ReportSpec, TestDb};
use mxcert_core::keys::{self, SigningKey};
use mxcert_core::report::Status;
use mxcert_registry::ingest;
use mxcert_registry::store::{
    Actor, CreateOutcome, IssuedCertificate, NewSubmission, NewToken, Role, SignedRevocation,
    Store, StoreError, SubmissionFilter, SubmissionStatus,
};

fn validator() -> mxcert_core::schema::Validator {
    mxcert_core::schema::Validator::new("report.v1.schema.json").unwrap()
}

async fn new_submission(
    store: &Store,
    org: &str,
    key: &SigningKey,
    spec: ReportSpec<'_>,
) -> NewSubmission {
    let envelope = sign(&report(spec), key);
    let keys = store.list_keys(Some(org)).await.unwrap();
    let verified = ingest::verify(&envelope, &keys, &validator()).unwrap();
    let mut new = ingest::index(org, &envelope, &verified);
    new.checks = mxcert_registry::review::automated_checks(
        &verified,
        "org",
        &mxcert_registry::plans::KnownPlans::shipped().unwrap(),
        "0.1.0",
    );
    new
}

/// Stores a submission of `spec` for `org`; returns its id.
async fn submit(store: &Store, org: &str, key: &SigningKey, spec: ReportSpec<'_>) -> String {
    let new = new_submission(store, org, key, spec).await;
    match store.create_submission(&new, &Actor::cli()).await.unwrap() {
        CreateOutcome::Created(s) => s.id,
        CreateOutcome::Existing(s) => panic!("submission {} already there", s.id),
    }
}

/// An organisation "Acme" with one registered signing key made from `seed`.
async fn org_with_key(
    store: &Store,
    seed: u8,
) -> (mxcert_registry::store::Organisation, SigningKey) {
    let cli = Actor::cli();
    let org = store.create_org("Acme", &cli).await.unwrap();
    let key = SigningKey::from_bytes(&[seed; 32]);
    store
        .register_key(
            &org.id,
            &keys::key_id(&key.verifying_key()),
            &keys::public_key_to_pem(&key.verifying_key()).unwrap(),
            "",
            &challenge(store, &org.id).await,
            &cli,
        )
        .await
        .unwrap();
    (org, key)
}

/// A fresh key challenge of `org_id` (its SHA-256, what the store is given).
async fn challenge(store: &Store, org_id: &str) -> String {
    let sha = mxcert_registry::ingest::sha256_hex(uuid::Uuid::new_v4().to_string().as_bytes());
    store
        .create_key_challenge(org_id, &sha, chrono::Duration::minutes(10))
        .await
        .unwrap();
    sha
}

fn fake_certificate(id: &str) -> IssuedCertificate {
    IssuedCertificate {
        envelope: format!("{{\"cert\":\"{id}\"}}").into_bytes(),
        envelope_sha256: ingest::sha256_hex(id.as_bytes()),
        system_vendor: "LENOVO".into(),
        system_model: "21HM".into(),
        mxos_release: "1.0".into(),
        plan_id: "quick".into(),
        plan_version: "1.0".into(),
        issued_at: "2026-01-01T00:00:00.000000Z".into(),
        expires_at: "2029-01-01T00:00:00.000000Z".into(),
    }
}

async fn story(kind: &str) {
    let db = TestDb::new(kind).await;
    let store = &db.store;
    let cli = Actor::cli();
    // Migrating again is a no-op.
    store.migrate().await.unwrap();

    // Organisations: slugs are unique.
    let a = store.create_org("Cómputo Acme", &cli).await.unwrap();
    let a2 = store.create_org("Cómputo Acme", &cli).await.unwrap();
    assert_eq!(
        (a.slug.as_str(), a2.slug.as_str()),
        ("computo-acme", "computo-acme-2")
    );
    assert_eq!(store.get_org(&a.slug).await.unwrap().id, a.id);
    assert!(matches!(
        store.get_org("nope").await,
        Err(StoreError::NotFound(_))
    ));

    // Members and tokens.
    let m = store
        .add_member(&a.id, "Ana", Some("ana@acme.mx"), Role::Vendor, &cli)
        .await
        .unwrap();
    assert_eq!(store.list_members(&a.id).await.unwrap(), vec![m.clone()]);
    let t = store
        .create_token(
            &NewToken {
                org_id: &a.id,
                member_id: Some(&m.id),
                role: Role::Vendor,
                label: "ci",
                prefix: "mxr_abcdef",
                sha256: &"ab".repeat(32),
                expires_at: None,
            },
            &cli,
        )
        .await
        .unwrap();
    let found = store
        .token_by_hash(&"ab".repeat(32))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            found.token_id.as_str(),
            found.member_name.as_deref(),
            found.role
        ),
        (t.id.as_str(), Some("Ana"), Role::Vendor)
    );
    assert!(store
        .token_by_hash(&"cd".repeat(32))
        .await
        .unwrap()
        .is_none());
    // A token for a member of another organisation is refused.
    assert!(matches!(
        store
            .create_token(
                &NewToken {
                    org_id: &a2.id,
                    member_id: Some(&m.id),
                    role: Role::Vendor,
                    label: "",
                    prefix: "x",
                    sha256: &"ef".repeat(32),
                    expires_at: None
                },
                &cli
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    store.revoke_token(&t.id, &cli).await.unwrap();
    assert!(store
        .token_by_hash(&"ab".repeat(32))
        .await
        .unwrap()
        .unwrap()
        .revoked_at
        .is_some());
    assert!(matches!(
        store.revoke_token(&t.id, &cli).await,
        Err(StoreError::InvalidState(_))
    ));

    // Keys: register (idempotent), conflict across organisations, rotate, revoke.
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let pem = keys::public_key_to_pem(&key.verifying_key()).unwrap();
    let keyid = keys::key_id(&key.verifying_key());
    for new in [true, false] {
        let (_, created) = store
            .register_key(
                &a.id,
                &keyid,
                &pem,
                "lab",
                &challenge(store, &a.id).await,
                &cli,
            )
            .await
            .unwrap();
        assert_eq!(created, new);
    }
    assert!(matches!(
        store
            .register_key(
                &a2.id,
                &keyid,
                &pem,
                "",
                &challenge(store, &a2.id).await,
                &cli
            )
            .await,
        Err(StoreError::Conflict(_))
    ));

    // Submissions: stored with index rows; the same envelope again is the same submission.
    let new = new_submission(store, &a.id, &key, ReportSpec::default()).await;
    let CreateOutcome::Created(s) = store.create_submission(&new, &cli).await.unwrap() else {
        panic!("not created")
    };
    assert_eq!(s.status, SubmissionStatus::InReview);
    assert_eq!(s.device_count, 4);
    assert_eq!(s.system.vendor.as_deref(), Some("LENOVO"));
    assert_eq!(
        store.envelope(&s.envelope_sha256).await.unwrap(),
        new.envelope
    );
    assert_eq!(ingest::sha256_hex(&new.envelope), s.envelope_sha256);
    let CreateOutcome::Existing(again) = store.create_submission(&new, &cli).await.unwrap() else {
        panic!("duplicated")
    };
    assert_eq!(again.id, s.id);
    let mut other = new.clone();
    other.envelope.push(b'\n');
    other.envelope_sha256 = ingest::sha256_hex(&other.envelope);
    assert!(matches!(
        store.create_submission(&other, &cli).await,
        Err(StoreError::Conflict(_))
    ));
    let devices = store.submission_devices(&s.id).await.unwrap();
    assert_eq!(
        devices
            .iter()
            .map(|d| d.base_identity.as_str())
            .collect::<Vec<_>>(),
        [
            "pci:8086:a7a1",
            "pci:8086:51f1",
            "pci:144d:a80a",
            "usb:8087:0033"
        ]
    );
    assert_eq!(
        store.submission_results(&s.id).await.unwrap().len(),
        common::quick_plan().tests.len()
    );
    assert_eq!(store.submission_checks(&s.id).await.unwrap().len(), 7);
    // The device indexes answer lookups by full and base identity.
    for (column, value) in [
        ("identity", "pci:8086:a7a1:17aa:22e4"),
        ("base_identity", "pci:8086:a7a1"),
    ] {
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM submission_devices WHERE {column} = $1"
        ))
        .bind(value)
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(sqlx::Row::get::<i64, _>(&row, "n"), 1, "{column}");
    }

    // A second submission of the same model links to the first.
    let second = new_submission(
        store,
        &a.id,
        &key,
        ReportSpec {
            extra_device: true,
            ..Default::default()
        },
    )
    .await;
    let CreateOutcome::Created(s2) = store.create_submission(&second, &cli).await.unwrap() else {
        panic!()
    };
    assert_eq!(s2.previous_id.as_deref(), Some(s.id.as_str()));
    assert_eq!(s2.system.system_id, s.system.system_id);
    let listed = store
        .list_submissions(&SubmissionFilter {
            org_id: Some(a.id.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        [s2.id.as_str(), s.id.as_str()]
    );
    assert!(store
        .list_submissions(&SubmissionFilter {
            org_id: Some(a2.id.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty());

    // Lifecycle: reject one, approve the other; numbers and events are in order.
    store
        .decide(
            &s.id,
            &mxcert_registry::review::REJECTABLE,
            SubmissionStatus::Rejected,
            Some("no"),
            &cli,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .approve_submission(&s.id, None, &cli, |_, id| Ok(fake_certificate(id)))
            .await,
        Err(StoreError::InvalidState(_))
    ));
    let (approved, cert) = store
        .approve_submission(&s2.id, Some("ok"), &cli, |_, id| Ok(fake_certificate(id)))
        .await
        .unwrap();
    assert_eq!(approved.status, SubmissionStatus::Approved);
    assert_eq!(approved.certificate_id.as_deref(), Some(cert.id.as_str()));
    assert!(cert.id.ends_with("-000001"), "{}", cert.id);
    let certified = store
        .list_certified(
            10,
            0,
            &mxcert_registry::store::ts(mxcert_registry::store::now()),
        )
        .await
        .unwrap();
    assert_eq!(certified.len(), 1);
    assert_eq!(certified[0].organisation, "Cómputo Acme");
    let revoked = store
        .revoke_certificate(&cert.id, "recall", &cli, |_| {
            Ok(SignedRevocation {
                envelope: b"{}".to_vec(),
                envelope_sha256: ingest::sha256_hex(b"{}"),
                revoked_at: "2026-02-01T00:00:00.000000Z".into(),
            })
        })
        .await
        .unwrap();
    assert_eq!(revoked.status, "revoked");
    assert!(store
        .list_certified(
            10,
            0,
            &mxcert_registry::store::ts(mxcert_registry::store::now())
        )
        .await
        .unwrap()
        .is_empty());
    let events = store.certificate_events(0, 10).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.seq, e.kind.as_str()))
            .collect::<Vec<_>>(),
        [(1, "issued"), (2, "revoked")]
    );

    // Rotation and revocation of keys.
    let new_key = SigningKey::from_bytes(&[8u8; 32]);
    let new_id = keys::key_id(&new_key.verifying_key());
    let rotated = store
        .rotate_key(
            &keyid,
            &new_id,
            &keys::public_key_to_pem(&new_key.verifying_key()).unwrap(),
            "2026",
            &challenge(store, &a.id).await,
            &cli,
        )
        .await
        .unwrap();
    assert_eq!(rotated.status, "active");
    let old = store.get_key(&keyid).await.unwrap();
    assert_eq!(
        (old.status.as_str(), old.replaced_by.as_deref()),
        ("retired", Some(new_id.as_str()))
    );
    assert!(
        matches!(store.revoke_key(&new_id, "lost", false, &cli).await, Ok(k) if k.status == "revoked")
    );

    // Every action is in the audit log, in order.
    let audit = store
        .audit_list(&mxcert_registry::store::audit::AuditFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "organisation.create",
        "member.add",
        "token.create",
        "token.revoke",
        "key.register",
        "submission.create",
        "submission.checks",
        "submission.reject",
        "submission.approve",
        "certificate.issue",
        "certificate.revoke",
        "key.rotate",
        "key.revoke",
    ] {
        assert!(
            actions.contains(&expected),
            "{kind}: {expected} missing from {actions:?}"
        );
    }
    assert!(audit.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(audit[0].actor_name, "mxcert-registry admin");
    db.cleanup().await;
}

#[tokio::test]
async fn storage_story() {
    for kind in common::database_kinds() {
        story(kind).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_counters_gap_free_and_submissions_unique() {
    for kind in common::database_kinds() {
        let db = TestDb::new(kind).await;
        let store = db.store.clone();
        let cli = Actor::cli();
        let (org, key) = org_with_key(&store, 7).await;

        // The same envelope submitted five times at once: one submission.
        let same = new_submission(&store, &org.id, &key, ReportSpec::default()).await;
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (store, same, cli) = (store.clone(), same.clone(), cli.clone());
            tasks.push(tokio::spawn(async move {
                store.create_submission(&same, &cli).await
            }));
        }
        let mut created = 0;
        for t in tasks {
            match t.await.unwrap().unwrap() {
                CreateOutcome::Created(_) => created += 1,
                CreateOutcome::Existing(_) => {}
            }
        }
        assert_eq!(created, 1, "{kind}");

        // Twelve different submissions at once, then twelve approvals at once.
        let mut tasks = Vec::new();
        for i in 0..12 {
            let model = format!("M{i}");
            let new = new_submission(
                &store,
                &org.id,
                &key,
                ReportSpec {
                    model: Some(&model),
                    ..Default::default()
                },
            )
            .await;
            let (store, cli) = (store.clone(), cli.clone());
            tasks.push(tokio::spawn(async move {
                store.create_submission(&new, &cli).await
            }));
        }
        let mut ids = Vec::new();
        for t in tasks {
            let CreateOutcome::Created(s) = t.await.unwrap().unwrap() else {
                panic!()
            };
            ids.push(s.id);
        }
        let mut tasks = Vec::new();
        for id in ids {
            let (store, cli) = (store.clone(), cli.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .approve_submission(&id, None, &cli, |s, cert| {
                        Ok(fake_certificate(&format!("{cert}{}", s.id)))
                    })
                    .await
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            let (_, cert) = t.await.unwrap().unwrap();
            numbers.push(
                mxcert_core::certificate::parse_certificate_id(&cert.id)
                    .unwrap()
                    .1,
            );
        }
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=12).collect::<Vec<u32>>(), "{kind}");
        let seqs: Vec<i64> = store
            .certificate_events(0, 100)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, (1..=12).collect::<Vec<i64>>(), "{kind}");
        db.cleanup().await;
    }
}

/// Submissions and approvals of systems that share devices, all at once, the approval of each
/// model's first submission beside its second: each updates the same rows of the public device
/// index, and none may fail (on PostgreSQL, a deadlock between them was
/// a 500).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_and_approvals_sharing_devices_all_succeed() {
    for kind in common::database_kinds() {
        let db = TestDb::new(kind).await;
        let store = db.store.clone();
        let cli = Actor::cli();
        let (org, key) = org_with_key(&store, 9).await;
        let models: Vec<String> = (0..20).map(|i| format!("Model {i}")).collect();
        let mut first = Vec::new();
        for model in &models {
            first.push(
                submit(
                    &store,
                    &org.id,
                    &key,
                    ReportSpec {
                        model: Some(model),
                        extra_device: model.ends_with('3'),
                        ..Default::default()
                    },
                )
                .await,
            );
        }
        let mut tasks = Vec::new();
        // Each model's first submission is approved while its second arrives.
        for (id, model) in first.into_iter().zip(&models) {
            let new = new_submission(
                &store,
                &org.id,
                &key,
                ReportSpec {
                    model: Some(model),
                    extra_device: true,
                    ..Default::default()
                },
            )
            .await;
            let (store2, cli2) = (store.clone(), cli.clone());
            tasks.push(tokio::spawn(async move {
                store2
                    .create_submission(&new, &cli2)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("submit: {e}"))
            }));
            let (store2, cli2) = (store.clone(), cli.clone());
            tasks.push(tokio::spawn(async move {
                store2
                    .approve_submission(&id, None, &cli2, |s, cert| {
                        Ok(fake_certificate(&format!("{cert}{}", s.id)))
                    })
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("approve: {e}"))
            }));
        }
        let mut errors = Vec::new();
        for t in tasks {
            if let Err(e) = t.await.unwrap() {
                errors.push(e);
            }
        }
        assert!(errors.is_empty(), "{kind}: {errors:#?}");
        db.cleanup().await;
    }
}

/// A submission that fails inside a group commit (here: its organisation does not exist, a
/// foreign-key violation) fails alone: the others of its group are stored and answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_submission_does_not_take_its_group_down() {
    for kind in common::database_kinds() {
        let db = TestDb::new(kind).await;
        let store = db.store.clone();
        let cli = Actor::cli();
        let (org, key) = org_with_key(&store, 11).await;
        let mut jobs = Vec::new();
        for i in 0..8 {
            let model = format!("Group {i}");
            let mut new = new_submission(
                &store,
                &org.id,
                &key,
                ReportSpec {
                    model: Some(&model),
                    ..Default::default()
                },
            )
            .await;
            if i == 4 {
                new.org_id = "no-such-organisation".into();
            }
            jobs.push(new);
        }
        // Hold the writer so that all eight queue up and are stored as one group (on SQLite;
        // PostgreSQL writers do not wait for each other).
        let held = store.begin_write().await.unwrap();
        let mut tasks = Vec::new();
        for new in jobs {
            let (store, cli) = (store.clone(), cli.clone());
            tasks.push(tokio::spawn(async move {
                store.create_submission(&new, &cli).await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        drop(held);
        let mut stored = Vec::new();
        let mut failed = 0;
        for (i, t) in tasks.into_iter().enumerate() {
            match t.await.unwrap() {
                Ok(CreateOutcome::Created(s)) => stored.push(s.id),
                Ok(CreateOutcome::Existing(_)) => panic!("{kind}: submission {i} existed"),
                Err(e) => {
                    assert_eq!(i, 4, "{kind}: submission {i} failed: {e}");
                    failed += 1;
                }
            }
        }
        assert_eq!((stored.len(), failed), (7, 1), "{kind}");
        for id in &stored {
            let s = store.get_submission(id).await.unwrap();
            assert_eq!(s.org_id, org.id, "{kind}");
        }
        db.cleanup().await;
    }
}

/// A model's status for a device and the device's counts: `(model status, model reports,
/// [certified, works, problem, seen], systems)`.
async fn standing(store: &Store, identity: &str) -> (String, i64, [i64; 4], i64) {
    let systems = store.device_systems(identity, 10, 0).await.unwrap();
    assert_eq!(systems.len(), 1, "{identity}: {systems:?}");
    let s = store.device_stats(identity).await.unwrap().unwrap();
    (
        systems[0].status.to_string(),
        systems[0].submissions,
        [s.certified, s.works, s.problem, s.seen],
        s.systems,
    )
}

/// A model's status for a device is the best over all the model's reports, and it moves with each
/// of them (approval, a certificate's expiry swept, a rejection), as do the device's counts by
/// status; rebuilding the index from the source rows gives the same answer.
#[tokio::test]
async fn a_models_device_status_is_the_best_of_its_reports_and_follows_each() {
    const GPU: &str = "pci:8086:a7a1";
    const CAMERA: &str = "usb:04f2:b7b6";
    for kind in common::database_kinds() {
        let db = TestDb::new(kind).await;
        let store = &db.store;
        let cli = Actor::cli();
        let (org, key) = org_with_key(store, 11).await;
        let first = submit(store, &org.id, &key, ReportSpec::default()).await;
        let second = submit(
            store,
            &org.id,
            &key,
            ReportSpec {
                extra_device: true,
                ..Default::default()
            },
        )
        .await;
        // Stored and queued; counted when the indexer runs.
        assert!(store.device_stats(GPU).await.unwrap().is_none(), "{kind}");
        assert_eq!(store.index_queue_len().await.unwrap(), 2, "{kind}");
        assert_eq!(store.index_pending().await.unwrap(), 2, "{kind}");
        assert_eq!(store.index_queue_len().await.unwrap(), 0, "{kind}");
        assert_eq!(
            standing(store, GPU).await,
            ("works".into(), 2, [0, 2, 0, 0], 1),
            "{kind}"
        );

        // The first is approved with a certificate that expires in two seconds.
        let expires = mxcert_registry::store::now() + chrono::Duration::seconds(2);
        store
            .approve_submission(&first, None, &cli, |_, id| {
                Ok(IssuedCertificate {
                    expires_at: mxcert_registry::store::ts(expires),
                    ..fake_certificate(id)
                })
            })
            .await
            .unwrap();
        assert_eq!(
            standing(store, GPU).await,
            ("certified".into(), 2, [1, 1, 0, 0], 1),
            "{kind}"
        );
        assert_eq!(
            standing(store, CAMERA).await,
            ("works".into(), 1, [0, 1, 0, 0], 1),
            "{kind}"
        );
        assert_eq!(store.sweep_expired().await.unwrap(), 0, "{kind}");
        let wait = expires - mxcert_registry::store::now() + chrono::Duration::milliseconds(50);
        tokio::time::sleep(wait.to_std().unwrap_or_default()).await;
        assert_eq!(store.sweep_expired().await.unwrap(), 1, "{kind}");
        assert_eq!(store.sweep_expired().await.unwrap(), 0, "{kind}");
        assert_eq!(
            standing(store, GPU).await,
            ("works".into(), 2, [0, 2, 0, 0], 1),
            "{kind}"
        );

        // Rejecting the second: the model still works (its first report), the camera is only seen.
        store
            .decide(
                &second,
                &[SubmissionStatus::InReview],
                SubmissionStatus::Rejected,
                Some("camera flickers"),
                &cli,
            )
            .await
            .unwrap();
        let after = [
            ("works".to_owned(), 2, [0, 1, 0, 1], 1),
            ("seen".to_owned(), 1, [0, 0, 0, 1], 1),
        ];
        assert_eq!(
            [standing(store, GPU).await, standing(store, CAMERA).await],
            after,
            "{kind}"
        );

        // A rebuild from the source rows agrees.
        sqlx::query("UPDATE public_index_state SET version = 0")
            .execute(store.pool())
            .await
            .unwrap();
        assert!(store.ensure_public_index().await.unwrap());
        assert_eq!(
            [standing(store, GPU).await, standing(store, CAMERA).await],
            after,
            "{kind}: rebuilt"
        );
        db.cleanup().await;
    }
}

/// Every row of the public index's device tables, as text, in key order.
async fn device_index(store: &Store) -> Vec<String> {
    use sqlx::{Column as _, Row as _};
    let mut out = Vec::new();
    for (table, order) in [
        ("indexed_submissions", "submission_id"),
        ("device_systems", "system_id, base_identity"),
        ("device_stats", "base_identity"),
        ("device_drivers", "base_identity, driver"),
    ] {
        let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .fetch_all(store.pool())
            .await
            .unwrap();
        for row in rows {
            let cells: Vec<String> = (0..row.len())
                .map(|i| {
                    let name = row.column(i).name();
                    match row.try_get::<Option<i64>, _>(i) {
                        Ok(v) => format!("{name}={v:?}"),
                        Err(_) => format!("{name}={:?}", row.get::<Option<String>, _>(i)),
                    }
                })
                .collect();
            out.push(format!("{table}: {}", cells.join(" ")));
        }
    }
    out
}

/// The indexer's sums over a batch equal counting its submissions one by one: reports of the
/// same model, shared devices and drivers, an approval and a rejection, each counted as it came
/// (batches of one), then the whole index rebuilt (one batch of all of them) — the same rows.
#[tokio::test]
async fn a_batch_counts_what_its_submissions_count_one_by_one() {
    for kind in common::database_kinds() {
        let db = TestDb::new(kind).await;
        let store = &db.store;
        let cli = Actor::cli();
        let (org, key) = org_with_key(store, 13).await;
        let specs = [
            ReportSpec::default(),
            ReportSpec {
                extra_device: true,
                ..Default::default()
            },
            ReportSpec {
                vendor: Some("Dell Inc."),
                model: Some("XPS 13 9340"),
                ..Default::default()
            },
            ReportSpec {
                model: Some("21HN"),
                blocker_status: Status::Fail,
                ..Default::default()
            },
            ReportSpec {
                vendor: Some("Dell Inc."),
                model: Some("XPS 13 9340"),
                extra_device: true,
                ..Default::default()
            },
        ];
        let mut ids = Vec::new();
        for spec in specs {
            ids.push(submit(store, &org.id, &key, spec).await);
            assert_eq!(store.index_pending().await.unwrap(), 1, "{kind}");
        }
        store
            .approve_submission(&ids[0], None, &cli, |_, id| Ok(fake_certificate(id)))
            .await
            .unwrap();
        store
            .decide(
                &ids[4],
                &[SubmissionStatus::InReview],
                SubmissionStatus::Rejected,
                Some("no"),
                &cli,
            )
            .await
            .unwrap();
        let one_by_one = device_index(store).await;
        assert!(one_by_one.len() > 20, "{kind}: {one_by_one:#?}");
        sqlx::query("UPDATE public_index_state SET version = 0")
            .execute(store.pool())
            .await
            .unwrap();
        assert!(store.ensure_public_index().await.unwrap());
        assert_eq!(device_index(store).await, one_by_one, "{kind}");
        db.cleanup().await;
    }
}

/// A stored submission stays queued for the public index until the indexer counts it, across a
/// registry that stopped before its indexer ran (killed, or the machine lost power), and is
/// counted once.
#[tokio::test]
async fn a_queued_submission_is_counted_after_a_restart() {
    const GPU: &str = "pci:8086:a7a1";
    for kind in common::database_kinds() {
        let db = TestDb::new(kind).await;
        let (org, key) = org_with_key(&db.store, 14).await;
        submit(&db.store, &org.id, &key, ReportSpec::default()).await;
        db.store.close().await;

        let store = db.reopen().await;
        assert_eq!(store.index_queue_len().await.unwrap(), 1, "{kind}");
        assert!(store.device_stats(GPU).await.unwrap().is_none(), "{kind}");
        assert_eq!(store.index_pending().await.unwrap(), 1, "{kind}");
        assert_eq!(store.index_queue_len().await.unwrap(), 0, "{kind}");
        assert_eq!(
            standing(&store, GPU).await,
            ("works".into(), 1, [0, 1, 0, 0], 1),
            "{kind}"
        );
        assert_eq!(store.index_pending().await.unwrap(), 0, "{kind}");
        store.close().await;
        db.cleanup().await;
    }
}

/// Approving a submission the indexer has not counted yet counts it in the approval's own
/// transaction, as certified: what a reviewer sees after approving is exact.
#[tokio::test]
async fn an_approval_counts_a_queued_submission_at_once() {
    const GPU: &str = "pci:8086:a7a1";
    for kind in common::database_kinds() {
        let db = TestDb::new(kind).await;
        let store = &db.store;
        let (org, key) = org_with_key(store, 15).await;
        let first = submit(store, &org.id, &key, ReportSpec::default()).await;
        submit(store, &org.id, &key, ReportSpec::default()).await;
        assert_eq!(store.index_queue_len().await.unwrap(), 2, "{kind}");
        store
            .approve_submission(&first, None, &Actor::cli(), |_, id| {
                Ok(fake_certificate(id))
            })
            .await
            .unwrap();
        // The approved one is counted; the other still waits for the indexer.
        assert_eq!(store.index_queue_len().await.unwrap(), 1, "{kind}");
        assert_eq!(
            standing(store, GPU).await,
            ("certified".into(), 1, [1, 0, 0, 0], 1),
            "{kind}"
        );
        assert_eq!(store.index_pending().await.unwrap(), 1, "{kind}");
        assert_eq!(
            standing(store, GPU).await,
            ("certified".into(), 2, [1, 1, 0, 0], 1),
            "{kind}"
        );
        db.cleanup().await;
    }
}
