//! The public index: the tables of `0002_public.sql` and `0007_index_counts.sql`
//! (`public_systems`, `indexed_submissions`, `device_systems`, `device_stats`, `device_drivers`),
//! derived from submissions, their device and result rows and their certificates.
//!
//! New submissions are counted in by [`super::indexer`], many at a time, shortly after they are
//! stored. The workflow code calls one hook per change, inside the write transaction that makes
//! the change, so the public side never disagrees with the workflow: [`certificate_issued`] after
//! an approval, [`submission_changed`] after a rejection or withdrawal, [`certificate_revoked`]
//! after a revocation (a submission still queued for the indexer is left to it). Certificates that
//! expire are swept by [`Store::sweep_expired`]. When the derivation rules change,
//! [`PUBLIC_INDEX_VERSION`] goes up and [`Store::ensure_public_index`] rebuilds everything from the
//! source tables on the next start.
//!
//! Only the device-keyed counters are written at random places, which is why new submissions are
//! counted in batches (BENCHMARKS.md). A device's rank in a submission is never stored; it is a
//! function of the submission's standing (`indexed_submissions`) and of the device's facts
//! ([`device_facts`]), derived again from the submission's rows when the standing changes. This
//! module must not decide who may see what, and must not be the only copy of anything: it is
//! always derivable.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::any::AnyRow;

use super::submissions::BATCH;
use super::{col, now, ts, DeviceRow, Result, ResultRow, Store, StoreError, WriteTx};
use mxcert_core::check::{fold, SystemCategory};

/// How often a rebuild of the public index logs its progress (submissions).
const REBUILD_PROGRESS: usize = 1_000;

/// Submissions per indexer batch during a rebuild.
const REBUILD_BATCH: usize = 500;

/// Bump when the derivation rules change: the next start rebuilds the public index.
pub const PUBLIC_INDEX_VERSION: i64 = 1;

pub use mxcert_core::check::DeviceStatus;

/// The status of a stored rank.
pub fn status_from_rank(rank: i64) -> Result<DeviceStatus> {
    DeviceStatus::from_rank(rank).ok_or_else(|| StoreError::Corrupt(format!("device rank {rank}")))
}

/// The `device_stats` column counting reports of this rank.
fn column(status: DeviceStatus) -> &'static str {
    match status {
        DeviceStatus::Certified => "certified",
        DeviceStatus::Works => "works",
        DeviceStatus::Problem => "problem",
        DeviceStatus::Seen | DeviceStatus::Unknown => "seen",
    }
}

/// Where a submission stands, as far as its devices' ranks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Standing {
    /// Rejected or withdrawn: its devices are only `seen`.
    pub(crate) closed: bool,
    /// Approved with a certificate that is valid and not expired.
    pub(crate) certified: bool,
    /// At least one test passed.
    pub(crate) tests_ran: bool,
}

impl Standing {
    pub(crate) fn rank(self, driver_missing: bool, test_failed: bool) -> DeviceStatus {
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

/// What a submission says about all its devices at once.
#[derive(Debug, Clone)]
pub(crate) struct SubmissionState {
    pub(crate) system_id: String,
    pub(crate) submitted_at: String,
    pub(crate) standing: Standing,
}

/// What [`submission_states`] selects: a submission's status, tests and certificate.
pub(crate) const SELECT_STATE: &str =
    "SELECT s.id, s.system_id, s.status, s.count_pass, s.submitted_at, \
     c.status AS cert_status, c.expires_at AS cert_expires_at FROM submissions s \
     LEFT JOIN certificates c ON c.submission_id = s.id";

/// A row of [`SELECT_STATE`] as of `now` (a stored timestamp).
pub(crate) fn submission_state_of(row: &AnyRow, now: &str) -> Result<SubmissionState> {
    let status: String = col(row, "status")?;
    let cert_status: Option<String> = col(row, "cert_status")?;
    let cert_expires: Option<String> = col(row, "cert_expires_at")?;
    Ok(SubmissionState {
        system_id: col(row, "system_id")?,
        submitted_at: col(row, "submitted_at")?,
        standing: Standing {
            closed: matches!(status.as_str(), "rejected" | "withdrawn"),
            certified: status == "approved"
                && cert_status.as_deref() == Some("valid")
                && cert_expires.is_some_and(|e| e.as_str() > now),
            tests_ran: col::<i64>(row, "count_pass")? > 0,
        },
    })
}

async fn submission_state(tx: &mut WriteTx, id: &str) -> Result<SubmissionState> {
    let row = sqlx::query(&format!("{SELECT_STATE} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("submission {id}")))?;
    submission_state_of(&row, &ts(now()))
}

/// The standing the index last counted a submission's devices with (`indexed_submissions`), or
/// `None` while it waits in the indexer's queue.
async fn indexed_standing(tx: &mut WriteTx, id: &str) -> Result<Option<Standing>> {
    let row = sqlx::query(
        "SELECT closed, certified, tests_ran FROM indexed_submissions WHERE submission_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx.tx)
    .await?;
    row.map(|row| {
        Ok(Standing {
            closed: col::<i64>(&row, "closed")? != 0,
            certified: col::<i64>(&row, "certified")? != 0,
            tests_ran: col::<i64>(&row, "tests_ran")? != 0,
        })
    })
    .transpose()
}

/// One device of a submission as the public index counts it: the copies of one base identity
/// (four identical GPUs) merged into one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceFacts {
    pub base_identity: String,
    /// The bus and category of its first copy (by position).
    pub bus: String,
    pub category: String,
    /// The first vendor and device names reported.
    pub vendor_name: Option<String>,
    pub device_name: Option<String>,
    /// A copy needed a driver and had none bound.
    pub driver_missing: bool,
    /// A test of its category failed (`fail`, `error` or `timeout`).
    pub test_failed: bool,
    /// The drivers bound to its copies, each once.
    pub drivers: BTreeSet<String>,
}

/// What the index counts of a submission's devices, ordered by base identity (so concurrent
/// PostgreSQL writers take row locks in one order). Computed from the rows in memory when a
/// submission is stored, and from its stored rows when it changes or the index is rebuilt.
pub(crate) fn device_facts(devices: &[DeviceRow], results: &[ResultRow]) -> Vec<DeviceFacts> {
    let failed: BTreeSet<&str> = results
        .iter()
        .filter(|r| matches!(r.status.as_str(), "fail" | "error" | "timeout"))
        .map(|r| r.area.as_str())
        .collect();
    let mut by_identity: BTreeMap<&str, DeviceFacts> = BTreeMap::new();
    for d in devices {
        let f = by_identity
            .entry(d.base_identity.as_str())
            .or_insert_with(|| DeviceFacts {
                base_identity: d.base_identity.clone(),
                bus: d.bus.clone(),
                category: d.category.clone(),
                vendor_name: None,
                device_name: None,
                driver_missing: false,
                test_failed: failed.contains(d.category.as_str()),
                drivers: BTreeSet::new(),
            });
        if f.vendor_name.is_none() {
            f.vendor_name.clone_from(&d.vendor_name);
        }
        if f.device_name.is_none() {
            f.device_name.clone_from(&d.device_name);
        }
        f.driver_missing |= d.driver.is_none() && d.needs_driver;
        if let Some(driver) = &d.driver {
            f.drivers.insert(driver.clone());
        }
    }
    by_identity.into_values().collect()
}

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
pub(crate) async fn lock_index(tx: &mut WriteTx) -> Result<()> {
    super::lock_named(tx, PUBLIC_INDEX_LOCK).await
}

/// The advisory lock key of the public index ("mxcertpi" as a number).
const PUBLIC_INDEX_LOCK: i64 = 0x6d78_6365_7274_7069;

/// 1 for the rank's own counter, 0 for the others: `(certified, works, problem, seen)`.
pub(crate) fn rank_counts(rank: DeviceStatus) -> [i64; 4] {
    let mut counts = [0; 4];
    if let Ok(i) = usize::try_from(rank.rank()) {
        counts[i.min(3)] = 1;
    }
    counts
}

/// `column`, `column - 1` or `column + 1`: a rank counter's value after moving a device from rank
/// `old` to rank `new`.
fn counter_after(rank: DeviceStatus, old: DeviceStatus, new: DeviceStatus) -> String {
    let c = column(rank);
    if rank == old {
        format!("({c} - 1)")
    } else if rank == new {
        format!("({c} + 1)")
    } else {
        c.to_owned()
    }
}

/// Re-ranks a submission's devices after its status or its certificate changed: moves the
/// per-device counts and the per-model rank counters (and with them the best rank) from the
/// standing the index last counted to the current one.
pub(crate) async fn submission_changed(tx: &mut WriteTx, submission_id: &str) -> Result<()> {
    lock_index(tx).await?;
    let Some(old) = indexed_standing(tx, submission_id).await? else {
        // Still queued: counted now, with its new standing, so that an approval's devices are
        // certified when the approval is answered.
        if super::indexer::index_batch(tx, super::indexer::Take::One(submission_id), None).await?
            == 0
        {
            tracing::warn!("submission {submission_id} is neither queued nor counted");
        }
        return Ok(());
    };
    let state = submission_state(tx, submission_id).await?;
    let new = state.standing;
    if old == new {
        return Ok(());
    }
    let facts = super::indexer::facts_of(tx, &[submission_id])
        .await?
        .remove(submission_id)
        .unwrap_or_default();
    // (old, new) -> identities
    let mut moves: BTreeMap<(DeviceStatus, DeviceStatus), Vec<&str>> = BTreeMap::new();
    for f in &facts {
        let (o, n) = (
            old.rank(f.driver_missing, f.test_failed),
            new.rank(f.driver_missing, f.test_failed),
        );
        if o != n {
            moves.entry((o, n)).or_default().push(&f.base_identity);
        }
    }
    for ((o, n), ids) in &moves {
        let best = format!(
            "CASE WHEN {} > 0 THEN 0 WHEN {} > 0 THEN 1 WHEN {} > 0 THEN 2 ELSE 3 END",
            counter_after(DeviceStatus::Certified, *o, *n),
            counter_after(DeviceStatus::Works, *o, *n),
            counter_after(DeviceStatus::Problem, *o, *n),
        );
        let (o, n) = (column(*o), column(*n));
        for chunk in ids.chunks(BATCH * 4) {
            let mut sql = format!(
                "UPDATE device_stats SET {o} = {o} - 1, {n} = {n} + 1 WHERE base_identity IN ("
            );
            push_list(&mut sql, 1, chunk.len());
            sql.push(')');
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx.tx).await?;

            let mut sql = format!(
                "UPDATE device_systems SET {o} = {o} - 1, {n} = {n} + 1, best_rank = {best} \
                 WHERE system_id = $1 AND base_identity IN ("
            );
            push_list(&mut sql, 2, chunk.len());
            sql.push(')');
            let mut q = sqlx::query(&sql).bind(state.system_id.as_str());
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx.tx).await?;
        }
    }
    sqlx::query(
        "UPDATE indexed_submissions SET closed = $1, certified = $2, tests_ran = $3 \
         WHERE submission_id = $4",
    )
    .bind(i64::from(new.closed))
    .bind(i64::from(new.certified))
    .bind(i64::from(new.tests_ran))
    .bind(submission_id)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Adds an approved submission's certificate to the public systems and re-ranks its devices.
pub(crate) async fn certificate_issued(
    tx: &mut WriteTx,
    submission_id: &str,
    certificate_id: &str,
) -> Result<()> {
    lock_index(tx).await?;
    add_public_system(tx, certificate_id).await?;
    submission_changed(tx, submission_id).await
}

/// The `public_systems` row of a certificate (inserted, or its status updated).
async fn add_public_system(tx: &mut WriteTx, certificate_id: &str) -> Result<()> {
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
    Ok(())
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
            "SELECT p.submission_id FROM public_systems p \
             JOIN indexed_submissions i ON i.submission_id = p.submission_id \
             WHERE p.status = 'valid' AND p.expires_at <= $1 AND i.certified = 1",
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
        // Another instance starting on the same database may have rebuilt it while this one
        // waited for the lock: once is enough.
        let version: i64 = col(
            &sqlx::query("SELECT version FROM public_index_state WHERE id = 1")
                .fetch_one(&mut *tx.tx)
                .await?,
            "version",
        )?;
        if version == PUBLIC_INDEX_VERSION {
            tx.rollback().await?;
            return Ok(false);
        }
        if tx.tx.backend_name() == "SQLite" {
            // Emptied first, so that the trigger `DELETE FROM public_systems` fires once per
            // certificate finds nothing to look up: against a full text index those lookups took
            // 22 s of a 100 s rebuild of 10,000 systems.
            sqlx::query("DELETE FROM public_systems_search")
                .execute(&mut *tx.tx)
                .await?;
        }
        for table in [
            "device_drivers",
            "device_stats",
            "device_systems",
            "indexed_submissions",
            "public_systems",
            "index_queue",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx.tx)
                .await?;
        }
        // Every submission goes through the indexer's queue, oldest first, as if just submitted;
        // certificates go into the public systems first (without re-ranking: nothing is counted
        // yet), and the indexer counts each submission with its standing of now.
        let queued = sqlx::query(
            "INSERT INTO index_queue (submission_id) \
             SELECT id FROM submissions ORDER BY submitted_at, id",
        )
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
        let certificates: Vec<String> =
            sqlx::query("SELECT id FROM certificates ORDER BY issued_at, id")
                .fetch_all(&mut *tx.tx)
                .await?
                .iter()
                .map(|row| col(row, "id"))
                .collect::<Result<_>>()?;
        for certificate_id in &certificates {
            add_public_system(&mut tx, certificate_id).await?;
        }
        // A registry does not serve while this runs (about 40 s per 10,000 submissions on the
        // reference machine, BENCHMARKS.md): say so, and how far it got.
        tracing::info!(
            submissions = queued,
            "rebuilding the public index (version {version} -> {PUBLIC_INDEX_VERSION}); the \
             registry serves when it is done"
        );
        let started = std::time::Instant::now();
        let mut done = 0;
        loop {
            let n = super::indexer::index_batch(
                &mut tx,
                super::indexer::Take::Oldest(REBUILD_BATCH),
                None,
            )
            .await?;
            if n == 0 {
                break;
            }
            if (done + n) / REBUILD_PROGRESS > done / REBUILD_PROGRESS {
                tracing::info!(
                    done = done + n,
                    of = queued,
                    seconds = started.elapsed().as_secs(),
                    "rebuilding the public index"
                );
            }
            done += n;
        }
        sqlx::query("UPDATE public_index_state SET version = $1 WHERE id = 1")
            .bind(PUBLIC_INDEX_VERSION)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            submissions = done,
            "rebuilt the public index (version {version} -> {PUBLIC_INDEX_VERSION})"
        );
        Ok(true)
    }
}
