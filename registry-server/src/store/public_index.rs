//! The public index: the tables of `0002_public.sql` (`public_systems`, `device_evidence`,
//! `device_systems`, `device_stats`, `device_drivers`), derived from submissions, their device and
//! result rows and their certificates.
//!
//! The workflow code calls one hook per change, inside the write transaction that makes the
//! change, so the public side never disagrees with the workflow:
//! [`index_submission`] after a submission's rows are stored, [`certificate_issued`] after an
//! approval, [`submission_changed`] after a rejection or withdrawal, [`certificate_revoked`] after a
//! revocation. Certificates that expire are swept by [`Store::sweep_expired`]. When the derivation
//! rules change, [`PUBLIC_INDEX_VERSION`] goes up and [`Store::ensure_public_index`] rebuilds
//! everything from the source tables on the next start.
//!
//! Writes are set-based (a few multi-row statements per submission, rows ordered by identity so
//! concurrent PostgreSQL writers take row locks in one order). This module must not decide who
//! may see what, and must not be the only copy of anything: it is always derivable.

use std::collections::BTreeMap;

use serde::Serialize;

use super::submissions::BATCH;
use super::{col, now, ts, Result, Store, StoreError, WriteTx};
use crate::public::system_category::SystemCategory;
use crate::public::text::fold;

/// Bump when the derivation rules change: the next start rebuilds the public index.
pub const PUBLIC_INDEX_VERSION: i64 = 1;

/// What the registry knows about a device, best first. A device's status is the best rank any
/// report gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    /// In a system with a valid certificate.
    Certified,
    /// Its driver was bound and no test of its category failed, in a report whose tests ran.
    Works,
    /// It needed a driver and had none bound, or a test of its category failed.
    Problem,
    /// Reported, but nothing more can be said (no tests passed, or the report was rejected or
    /// withdrawn).
    Seen,
    /// No report contains it.
    Unknown,
}

impl DeviceStatus {
    /// The four ranks stored in the index (everything but `unknown`).
    pub const RANKED: [DeviceStatus; 4] = [
        DeviceStatus::Certified,
        DeviceStatus::Works,
        DeviceStatus::Problem,
        DeviceStatus::Seen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Certified => "certified",
            DeviceStatus::Works => "works",
            DeviceStatus::Problem => "problem",
            DeviceStatus::Seen => "seen",
            DeviceStatus::Unknown => "unknown",
        }
    }

    /// The stored rank (0..=3); `unknown` is never stored.
    pub fn rank(self) -> i64 {
        match self {
            DeviceStatus::Certified => 0,
            DeviceStatus::Works => 1,
            DeviceStatus::Problem => 2,
            DeviceStatus::Seen | DeviceStatus::Unknown => 3,
        }
    }

    pub fn from_rank(rank: i64) -> Result<DeviceStatus> {
        DeviceStatus::RANKED
            .into_iter()
            .find(|s| s.rank() == rank)
            .ok_or_else(|| StoreError::Corrupt(format!("device rank {rank}")))
    }

    /// The `device_stats` column counting reports of this rank.
    fn column(self) -> &'static str {
        match self {
            DeviceStatus::Certified => "certified",
            DeviceStatus::Works => "works",
            DeviceStatus::Problem => "problem",
            DeviceStatus::Seen | DeviceStatus::Unknown => "seen",
        }
    }
}

impl std::fmt::Display for DeviceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a submission says about all its devices at once.
#[derive(Debug, Clone)]
pub(crate) struct SubmissionState {
    system_id: String,
    submitted_at: String,
    /// Rejected or withdrawn: its devices are only `seen`.
    closed: bool,
    /// Approved with a certificate that is valid and not expired.
    certified: bool,
    /// At least one test passed.
    tests_ran: bool,
}

impl SubmissionState {
    /// A submission just stored: open, not certified.
    pub(crate) fn new_submission(
        system_id: String,
        submitted_at: String,
        tests_ran: bool,
    ) -> SubmissionState {
        SubmissionState {
            system_id,
            submitted_at,
            closed: false,
            certified: false,
            tests_ran,
        }
    }

    /// The rank of a device with a problem (a missing driver or a failed test), and of one
    /// without.
    fn ranks(&self) -> (DeviceStatus, DeviceStatus) {
        (self.rank(false, true), self.rank(false, false))
    }

    fn rank(&self, driver_missing: bool, test_failed: bool) -> DeviceStatus {
        if self.closed {
            DeviceStatus::Seen
        } else if self.certified {
            DeviceStatus::Certified
        } else if driver_missing || test_failed {
            DeviceStatus::Problem
        } else if self.tests_ran {
            DeviceStatus::Works
        } else {
            DeviceStatus::Seen
        }
    }
}

async fn submission_state(tx: &mut WriteTx, id: &str) -> Result<SubmissionState> {
    let row = sqlx::query(
        "SELECT s.system_id, s.status, s.count_pass, s.submitted_at, c.status AS cert_status, \
         c.expires_at AS cert_expires_at FROM submissions s \
         LEFT JOIN certificates c ON c.submission_id = s.id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx.tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("submission {id}")))?;
    let status: String = col(&row, "status")?;
    let cert_status: Option<String> = col(&row, "cert_status")?;
    let cert_expires: Option<String> = col(&row, "cert_expires_at")?;
    let now = ts(now());
    Ok(SubmissionState {
        system_id: col(&row, "system_id")?,
        submitted_at: col(&row, "submitted_at")?,
        closed: matches!(status.as_str(), "rejected" | "withdrawn"),
        certified: status == "approved"
            && cert_status.as_deref() == Some("valid")
            && cert_expires.is_some_and(|e| e > now),
        tests_ran: col::<i64>(&row, "count_pass")? > 0,
    })
}

/// The devices of submission `$1`, one row per base identity (four identical GPUs are one row),
/// with what its rank is computed from: the bus and category of its first copy (by position), the
/// first vendor and device names reported, whether a copy needed a driver and had none, whether a
/// test of its category failed (`fail`, `error`, `timeout`). Derived in SQL from the rows already
/// in `submission_devices` and `submission_results`, so nothing is bound twice.
const FACTS: &str =
    "(SELECT g.base_identity, fd.bus, fd.category, vn.vendor_name, dn.device_name, \
     g.driver_missing, CASE WHEN fa.area IS NULL THEN 0 ELSE 1 END AS test_failed \
     FROM (SELECT base_identity, MIN(position) AS first_pos, \
           MIN(CASE WHEN vendor_name IS NOT NULL THEN position END) AS vendor_pos, \
           MIN(CASE WHEN device_name IS NOT NULL THEN position END) AS device_pos, \
           MAX(CASE WHEN driver IS NULL AND needs_driver <> 0 THEN 1 ELSE 0 END) AS driver_missing \
           FROM submission_devices WHERE submission_id = $1 GROUP BY base_identity) g \
     JOIN submission_devices fd ON fd.submission_id = $1 AND fd.position = g.first_pos \
     LEFT JOIN submission_devices vn ON vn.submission_id = $1 AND vn.position = g.vendor_pos \
     LEFT JOIN submission_devices dn ON dn.submission_id = $1 AND dn.position = g.device_pos \
     LEFT JOIN (SELECT DISTINCT area FROM submission_results WHERE submission_id = $1 \
           AND status IN ('fail', 'error', 'timeout')) fa ON fa.area = fd.category) f";

/// A device's rank in [`FACTS`]: `$2` when it has a problem, else `$3` ([`SubmissionState::ranks`]).
const RANK: &str = "CASE WHEN f.driver_missing = 1 OR f.test_failed = 1 THEN $2 ELSE $3 END";

/// Appends `$first, $first+1, ...` (`n` placeholders) to `sql`, comma-separated.
fn push_list(sql: &mut String, first: usize, n: usize) {
    use std::fmt::Write as _;
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "${}", first + i);
    }
}

/// Serialises the transactions that change the public index on PostgreSQL (a transaction-scoped
/// advisory lock, taken first thing in every hook): an ingest and an approval touch the same
/// `device_stats` and `device_systems` rows in different orders, which deadlocked them. SQLite
/// already has one writer at a time. Every row of the index tables is written only under this
/// lock, so holding it never waits on an index row held by another transaction. The key is the
/// schema's name hashed with [`PUBLIC_INDEX_LOCK`]: advisory locks are per database, and registries
/// in other schemas of the same database (tests, benchmarks) have index tables of their own.
async fn lock_index(tx: &mut WriteTx) -> Result<()> {
    if tx.tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended(current_schema(), $1))")
            .bind(PUBLIC_INDEX_LOCK)
            .execute(&mut *tx.tx)
            .await?;
    }
    Ok(())
}

/// The advisory lock key of the public index ("mxcertpi" as a number).
const PUBLIC_INDEX_LOCK: i64 = 0x6d78_6365_7274_7069;

/// Indexes a stored submission's devices, derived in SQL from its `submission_devices` and
/// `submission_results` rows: call after they are inserted, in the same transaction. `state` is
/// what the caller knows of a submission it just stored; `None` reads it.
pub(crate) async fn index_submission(
    tx: &mut WriteTx,
    submission_id: &str,
    state: Option<SubmissionState>,
) -> Result<()> {
    lock_index(tx).await?;
    let state = match state {
        Some(state) => state,
        None => submission_state(tx, submission_id).await?,
    };
    let (problem, ok) = state.ranks();
    sqlx::query(&format!(
        "INSERT INTO device_evidence (base_identity, system_id, submission_id, rank, \
         driver_missing, test_failed) SELECT f.base_identity, $4, $1, {RANK}, f.driver_missing, \
         f.test_failed FROM {FACTS} ORDER BY f.base_identity"
    ))
    .bind(submission_id)
    .bind(problem.rank())
    .bind(ok.rank())
    .bind(state.system_id.as_str())
    .execute(&mut *tx.tx)
    .await?;
    // `WHERE` before `ON CONFLICT`: SQLite would read `ON` as a join constraint otherwise.
    sqlx::query(
        "INSERT INTO device_systems (base_identity, system_id, best_rank, submissions, \
         last_seen_at) SELECT base_identity, system_id, rank, 1, $2 FROM device_evidence \
         WHERE submission_id = $1 ORDER BY base_identity \
         ON CONFLICT (base_identity, system_id) DO UPDATE SET \
         best_rank = CASE WHEN excluded.best_rank < device_systems.best_rank \
         THEN excluded.best_rank ELSE device_systems.best_rank END, \
         submissions = device_systems.submissions + 1, last_seen_at = excluded.last_seen_at",
    )
    .bind(submission_id)
    .bind(state.submitted_at.as_str())
    .execute(&mut *tx.tx)
    .await?;
    // A (device, model) pair seen for the first time has `submissions = 1` after the upsert above.
    sqlx::query(&format!(
        "INSERT INTO device_stats (base_identity, bus, category, vendor_name, device_name, \
         certified, works, problem, seen, systems, first_seen_at, last_seen_at) \
         SELECT f.base_identity, f.bus, f.category, f.vendor_name, f.device_name, \
         CASE WHEN e.rank = 0 THEN 1 ELSE 0 END, CASE WHEN e.rank = 1 THEN 1 ELSE 0 END, \
         CASE WHEN e.rank = 2 THEN 1 ELSE 0 END, CASE WHEN e.rank = 3 THEN 1 ELSE 0 END, \
         CASE WHEN s.submissions = 1 THEN 1 ELSE 0 END, $3, $3 FROM {FACTS} \
         JOIN device_evidence e ON e.base_identity = f.base_identity AND e.system_id = $2 \
         AND e.submission_id = $1 \
         JOIN device_systems s ON s.base_identity = f.base_identity AND s.system_id = $2 \
         WHERE 1 = 1 ORDER BY f.base_identity \
         ON CONFLICT (base_identity) DO UPDATE SET \
         certified = device_stats.certified + excluded.certified, \
         works = device_stats.works + excluded.works, \
         problem = device_stats.problem + excluded.problem, \
         seen = device_stats.seen + excluded.seen, \
         systems = device_stats.systems + excluded.systems, \
         vendor_name = COALESCE(excluded.vendor_name, device_stats.vendor_name), \
         device_name = COALESCE(excluded.device_name, device_stats.device_name), \
         last_seen_at = excluded.last_seen_at"
    ))
    .bind(submission_id)
    .bind(state.system_id.as_str())
    .bind(state.submitted_at.as_str())
    .execute(&mut *tx.tx)
    .await?;
    sqlx::query(
        "INSERT INTO device_drivers (base_identity, driver, submissions) \
         SELECT base_identity, driver, 1 FROM submission_devices \
         WHERE submission_id = $1 AND driver IS NOT NULL \
         GROUP BY base_identity, driver ORDER BY base_identity, driver \
         ON CONFLICT (base_identity, driver) DO UPDATE SET \
         submissions = device_drivers.submissions + 1",
    )
    .bind(submission_id)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Re-ranks a submission's devices after its status or its certificate changed, and moves the
/// per-device counts and per-model best ranks with them.
pub(crate) async fn submission_changed(tx: &mut WriteTx, submission_id: &str) -> Result<()> {
    lock_index(tx).await?;
    let state = submission_state(tx, submission_id).await?;
    let rows = sqlx::query(
        "SELECT base_identity, rank, driver_missing, test_failed FROM device_evidence \
         WHERE submission_id = $1 ORDER BY base_identity",
    )
    .bind(submission_id)
    .fetch_all(&mut *tx.tx)
    .await?;
    // (old, new) -> identities
    let mut moves: BTreeMap<(DeviceStatus, DeviceStatus), Vec<String>> = BTreeMap::new();
    for row in &rows {
        let old = DeviceStatus::from_rank(col(row, "rank")?)?;
        let new = state.rank(
            col::<i64>(row, "driver_missing")? != 0,
            col::<i64>(row, "test_failed")? != 0,
        );
        if old != new {
            moves
                .entry((old, new))
                .or_default()
                .push(col(row, "base_identity")?);
        }
    }
    for ((old, new), ids) in &moves {
        for chunk in ids.chunks(BATCH * 4) {
            let mut sql = String::from(
                "UPDATE device_evidence SET rank = $1 WHERE submission_id = $2 AND base_identity IN (",
            );
            push_list(&mut sql, 3, chunk.len());
            sql.push(')');
            let mut q = sqlx::query(&sql).bind(new.rank()).bind(submission_id);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            q.execute(&mut *tx.tx).await?;

            let (o, n) = (old.column(), new.column());
            let mut sql = format!(
                "UPDATE device_stats SET {o} = {o} - 1, {n} = {n} + 1 WHERE base_identity IN ("
            );
            push_list(&mut sql, 1, chunk.len());
            sql.push(')');
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            q.execute(&mut *tx.tx).await?;

            let mut sql = String::from(
                "UPDATE device_systems SET best_rank = (SELECT min(e.rank) FROM device_evidence e \
                 WHERE e.base_identity = device_systems.base_identity \
                 AND e.system_id = device_systems.system_id) \
                 WHERE system_id = $1 AND base_identity IN (",
            );
            push_list(&mut sql, 2, chunk.len());
            sql.push(')');
            let mut q = sqlx::query(&sql).bind(state.system_id.as_str());
            for id in chunk {
                q = q.bind(id.as_str());
            }
            q.execute(&mut *tx.tx).await?;
        }
    }
    Ok(())
}

/// Adds an approved submission's certificate to the public systems and re-ranks its devices.
pub(crate) async fn certificate_issued(
    tx: &mut WriteTx,
    submission_id: &str,
    certificate_id: &str,
) -> Result<()> {
    lock_index(tx).await?;
    let row = sqlx::query(
        "SELECT c.id, c.submission_id, c.system_id, c.org_id, o.name AS organisation, \
         c.system_vendor, c.system_model, s.system_family, s.system_sku, s.system_board, \
         s.system_chassis, c.mxos_release, c.plan_id, c.plan_version, c.issued_at, c.expires_at, \
         c.status, c.revoked_at, s.device_count, s.count_total, s.count_pass, s.count_fail, \
         s.count_skip, s.count_error, s.count_timeout \
         FROM certificates c JOIN submissions s ON s.id = c.submission_id \
         JOIN organisations o ON o.id = c.org_id WHERE c.id = $1",
    )
    .bind(certificate_id)
    .fetch_optional(&mut *tx.tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("certificate {certificate_id}")))?;
    let vendor: String = col(&row, "system_vendor")?;
    let model: String = col(&row, "system_model")?;
    let family: Option<String> = col(&row, "system_family")?;
    let sku: Option<String> = col(&row, "system_sku")?;
    let board: Option<String> = col(&row, "system_board")?;
    let chassis: Option<String> = col(&row, "system_chassis")?;
    let organisation: String = col(&row, "organisation")?;
    let category = SystemCategory::from_chassis(chassis.as_deref());
    let search_text = fold(
        &[
            Some(vendor.as_str()),
            Some(model.as_str()),
            family.as_deref(),
            sku.as_deref(),
            board.as_deref(),
            Some(organisation.as_str()),
            Some(certificate_id),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" "),
    );
    sqlx::query(
        "INSERT INTO public_systems (certificate_id, submission_id, system_id, org_id, organisation, \
         vendor, model, family, sku, board, chassis_type, category, mxos_release, plan_id, \
         plan_version, issued_at, expires_at, status, revoked_at, vendor_key, model_key, family_key, \
         board_key, search_text, device_count, count_total, count_pass, count_fail, count_skip, \
         count_error, count_timeout) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, \
         $31) ON CONFLICT (certificate_id) DO UPDATE SET status = excluded.status, \
         revoked_at = excluded.revoked_at",
    )
    .bind(certificate_id)
    .bind(col::<String>(&row, "submission_id")?)
    .bind(col::<String>(&row, "system_id")?)
    .bind(col::<String>(&row, "org_id")?)
    .bind(organisation.as_str())
    .bind(vendor.as_str())
    .bind(model.as_str())
    .bind(family.as_deref())
    .bind(sku.as_deref())
    .bind(board.as_deref())
    .bind(chassis.as_deref())
    .bind(category.as_str())
    .bind(col::<String>(&row, "mxos_release")?)
    .bind(col::<String>(&row, "plan_id")?)
    .bind(col::<String>(&row, "plan_version")?)
    .bind(col::<String>(&row, "issued_at")?)
    .bind(col::<String>(&row, "expires_at")?)
    .bind(col::<String>(&row, "status")?)
    .bind(col::<Option<String>>(&row, "revoked_at")?)
    .bind(fold(&vendor))
    .bind(fold(&model))
    .bind(fold(family.as_deref().unwrap_or_default()))
    .bind(fold(board.as_deref().unwrap_or_default()))
    .bind(search_text)
    .bind(col::<i64>(&row, "device_count")?)
    .bind(col::<i64>(&row, "count_total")?)
    .bind(col::<i64>(&row, "count_pass")?)
    .bind(col::<i64>(&row, "count_fail")?)
    .bind(col::<i64>(&row, "count_skip")?)
    .bind(col::<i64>(&row, "count_error")?)
    .bind(col::<i64>(&row, "count_timeout")?)
    .execute(&mut *tx.tx)
    .await?;
    submission_changed(tx, submission_id).await
}

/// Marks a revoked certificate in the public systems and re-ranks its submission's devices.
pub(crate) async fn certificate_revoked(tx: &mut WriteTx, certificate_id: &str) -> Result<()> {
    lock_index(tx).await?;
    let row =
        sqlx::query("SELECT submission_id, status, revoked_at FROM certificates WHERE id = $1")
            .bind(certificate_id)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("certificate {certificate_id}")))?;
    sqlx::query("UPDATE public_systems SET status = $1, revoked_at = $2 WHERE certificate_id = $3")
        .bind(col::<String>(&row, "status")?)
        .bind(col::<Option<String>>(&row, "revoked_at")?)
        .bind(certificate_id)
        .execute(&mut *tx.tx)
        .await?;
    let submission_id: String = col(&row, "submission_id")?;
    submission_changed(tx, &submission_id).await
}

impl Store {
    /// Re-ranks the devices of submissions whose certificate expired (certified -> works or
    /// problem). Returns how many submissions changed. The server runs it on start and then
    /// periodically.
    pub async fn sweep_expired(&self) -> Result<usize> {
        let expired: Vec<String> = sqlx::query(
            "SELECT p.submission_id FROM public_systems p WHERE p.status = 'valid' \
             AND p.expires_at <= $1 AND EXISTS (SELECT 1 FROM device_evidence e \
             WHERE e.submission_id = p.submission_id AND e.rank = 0)",
        )
        .bind(ts(now()))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| col(row, "submission_id"))
        .collect::<Result<_>>()?;
        for id in &expired {
            let mut tx = self.begin_write().await?;
            submission_changed(&mut tx, id).await?;
            tx.commit().await?;
        }
        Ok(expired.len())
    }

    /// Rebuilds the public index when it was made by an older version of the rules (or never):
    /// empties the derived tables and derives them again from every submission and certificate.
    /// Returns whether it rebuilt.
    pub async fn ensure_public_index(&self) -> Result<bool> {
        let version: i64 = col(
            &sqlx::query("SELECT version FROM public_index_state WHERE id = 1")
                .fetch_one(self.pool())
                .await?,
            "version",
        )?;
        if version == PUBLIC_INDEX_VERSION {
            return Ok(false);
        }
        let mut tx = self.begin_write().await?;
        lock_index(&mut tx).await?;
        for table in [
            "device_drivers",
            "device_stats",
            "device_systems",
            "device_evidence",
            "public_systems",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx.tx)
                .await?;
        }
        let ids: Vec<(String, Option<String>)> = sqlx::query(
            "SELECT s.id, c.id AS certificate_id FROM submissions s \
             LEFT JOIN certificates c ON c.submission_id = s.id ORDER BY s.submitted_at, s.id",
        )
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|row| Ok((col(row, "id")?, col(row, "certificate_id")?)))
        .collect::<Result<_>>()?;
        for (id, certificate_id) in &ids {
            index_submission(&mut tx, id, None).await?;
            if let Some(c) = certificate_id {
                certificate_issued(&mut tx, id, c).await?;
            }
        }
        sqlx::query("UPDATE public_index_state SET version = $1 WHERE id = 1")
            .bind(PUBLIC_INDEX_VERSION)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            submissions = ids.len(),
            "rebuilt the public index (version {version} -> {PUBLIC_INDEX_VERSION})"
        );
        Ok(true)
    }
}
