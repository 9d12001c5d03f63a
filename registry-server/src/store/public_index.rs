//! The public index: the tables of `0002_public.sql` and `0007_index_counts.sql`
//! (`public_systems`, `indexed_submissions`, `device_systems`, `device_stats`, `device_drivers`),
//! derived from submissions, their device and result rows and their certificates.
//!
//! The workflow code calls one hook per change, inside the write transaction that makes the
//! change, so the public side never disagrees with the workflow:
//! [`index_submission`] after a submission's rows are stored, [`certificate_issued`] after an
//! approval, [`submission_changed`] after a rejection or withdrawal, [`certificate_revoked`] after a
//! revocation. Certificates that expire are swept by [`Store::sweep_expired`]. When the derivation
//! rules change, [`PUBLIC_INDEX_VERSION`] goes up and [`Store::ensure_public_index`] rebuilds
//! everything from the source tables on the next start.
//!
//! Writes are set-based (one multi-row statement per table for a submission, rows ordered by
//! identity so concurrent PostgreSQL writers take row locks in one order), and only the
//! device-keyed counters are written at random places: ingest is bounded by those page writes
//! (BENCHMARKS.md). A device's rank in a submission is never stored; it is a function of the
//! submission's standing (`indexed_submissions`) and of the device's facts ([`device_facts`]),
//! derived again from the submission's rows when the standing changes. This module must not decide who
//! may see what, and must not be the only copy of anything: it is always derivable.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sqlx::any::AnyRow;

use super::submissions::{anonymous_placeholders, device_row, push_rows, result_row, BATCH, ROWS};
use super::{col, now, ts, DeviceRow, Result, ResultRow, Store, StoreError, WriteTx};
use crate::public::system_category::SystemCategory;
use crate::public::text::fold;

/// How often a rebuild of the public index logs its progress (submissions).
const REBUILD_PROGRESS: usize = 1_000;

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

/// Where a submission stands, as far as its devices' ranks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Standing {
    /// Rejected or withdrawn: its devices are only `seen`.
    closed: bool,
    /// Approved with a certificate that is valid and not expired.
    certified: bool,
    /// At least one test passed.
    tests_ran: bool,
}

impl Standing {
    fn rank(self, driver_missing: bool, test_failed: bool) -> DeviceStatus {
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
    system_id: String,
    submitted_at: String,
    standing: Standing,
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
            standing: Standing {
                closed: false,
                certified: false,
                tests_ran,
            },
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
        standing: Standing {
            closed: matches!(status.as_str(), "rejected" | "withdrawn"),
            certified: status == "approved"
                && cert_status.as_deref() == Some("valid")
                && cert_expires.is_some_and(|e| e > now),
            tests_ran: col::<i64>(&row, "count_pass")? > 0,
        },
    })
}

/// The standing the index last counted a submission's devices with (`indexed_submissions`).
async fn indexed_standing(tx: &mut WriteTx, id: &str) -> Result<Standing> {
    let row = sqlx::query(
        "SELECT closed, certified, tests_ran FROM indexed_submissions WHERE submission_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx.tx)
    .await?
    .ok_or_else(|| StoreError::Corrupt(format!("submission {id} is not in the public index")))?;
    Ok(Standing {
        closed: col::<i64>(&row, "closed")? != 0,
        certified: col::<i64>(&row, "certified")? != 0,
        tests_ran: col::<i64>(&row, "tests_ran")? != 0,
    })
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

/// [`device_facts`] of a stored submission.
async fn stored_facts(tx: &mut WriteTx, id: &str) -> Result<Vec<DeviceFacts>> {
    let devices = rows_of(tx, "submission_devices", id).await?;
    let results = rows_of(tx, "submission_results", id).await?;
    Ok(device_facts(
        &devices.iter().map(device_row).collect::<Result<Vec<_>>>()?,
        &results.iter().map(result_row).collect::<Result<Vec<_>>>()?,
    ))
}

/// A submission's rows of `table` (`submission_devices` or `submission_results`), in order.
async fn rows_of(tx: &mut WriteTx, table: &str, id: &str) -> Result<Vec<AnyRow>> {
    Ok(sqlx::query(&format!(
        "SELECT * FROM {table} WHERE submission_id = $1 ORDER BY position"
    ))
    .bind(id)
    .fetch_all(&mut *tx.tx)
    .await?)
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

/// 1 for the rank's own counter, 0 for the others: `(certified, works, problem, seen)`.
fn rank_counts(rank: DeviceStatus) -> [i64; 4] {
    let mut counts = [0; 4];
    if let Ok(i) = usize::try_from(rank.rank()) {
        counts[i.min(3)] = 1;
    }
    counts
}

/// Counts a newly stored submission's devices into the index: `state` is what the caller knows
/// of it, `facts` its [`device_facts`]. Call in the transaction that stores it. Every statement
/// binds its rows (one statement per table for a whole report) and nothing is read back: whether
/// a (model, device) pair is new is decided inside the `device_stats` statement.
pub(crate) async fn index_submission(
    tx: &mut WriteTx,
    submission_id: &str,
    state: &SubmissionState,
    facts: &[DeviceFacts],
) -> Result<()> {
    lock_index(tx).await?;
    let standing = state.standing;
    sqlx::query(
        "INSERT INTO indexed_submissions (submission_id, system_id, closed, certified, tests_ran) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(submission_id)
    .bind(state.system_id.as_str())
    .bind(i64::from(standing.closed))
    .bind(i64::from(standing.certified))
    .bind(i64::from(standing.tests_ran))
    .execute(&mut *tx.tx)
    .await?;
    let anonymous = anonymous_placeholders(tx);
    // On SQLite, a constraint that fails mid-statement fails it without undoing the rows before
    // (`OR FAIL`, not the default `ABORT`): the whole transaction is rolled back on any error
    // anyway, and `ABORT` would copy every page the statement touches to a statement journal
    // first (0.3–0.4 ms of a submission's ~7 ms of statements in the ingest bench, BENCHMARKS.md).
    let insert = if anonymous {
        "INSERT OR FAIL INTO"
    } else {
        "INSERT INTO"
    };
    let ranks: Vec<DeviceStatus> = facts
        .iter()
        .map(|f| standing.rank(f.driver_missing, f.test_failed))
        .collect();
    for (chunk, chunk_ranks) in facts.chunks(ROWS).zip(ranks.chunks(ROWS)) {
        let mut sql = format!(
            "{insert} device_systems (base_identity, system_id, best_rank, certified, works, \
             problem, seen, submissions, last_seen_at) VALUES ",
        );
        push_rows(&mut sql, chunk.len(), 9, anonymous);
        sql.push_str(
            " ON CONFLICT (system_id, base_identity) DO UPDATE SET \
             best_rank = CASE WHEN excluded.best_rank < device_systems.best_rank \
             THEN excluded.best_rank ELSE device_systems.best_rank END, \
             certified = device_systems.certified + excluded.certified, \
             works = device_systems.works + excluded.works, \
             problem = device_systems.problem + excluded.problem, \
             seen = device_systems.seen + excluded.seen, \
             submissions = device_systems.submissions + 1, \
             last_seen_at = excluded.last_seen_at",
        );
        let mut q = sqlx::query(&sql);
        for (f, rank) in chunk.iter().zip(chunk_ranks) {
            let [c, w, p, s] = rank_counts(*rank);
            q = q
                .bind(f.base_identity.as_str())
                .bind(state.system_id.as_str())
                .bind(rank.rank())
                .bind(c)
                .bind(w)
                .bind(p)
                .bind(s)
                .bind(1i64)
                .bind(state.submitted_at.as_str());
        }
        q.execute(&mut *tx.tx).await?;
    }
    for (chunk, chunk_ranks) in facts.chunks(ROWS).zip(ranks.chunks(ROWS)) {
        let mut sql = format!(
            "{insert} device_stats (base_identity, bus, category, vendor_name, device_name, \
             certified, works, problem, seen, systems, first_seen_at, last_seen_at) VALUES ",
        );
        push_stats_rows(&mut sql, chunk.len(), anonymous);
        sql.push_str(
            " ON CONFLICT (base_identity) DO UPDATE SET \
             certified = device_stats.certified + excluded.certified, \
             works = device_stats.works + excluded.works, \
             problem = device_stats.problem + excluded.problem, \
             seen = device_stats.seen + excluded.seen, \
             systems = device_stats.systems + excluded.systems, \
             vendor_name = COALESCE(excluded.vendor_name, device_stats.vendor_name), \
             device_name = COALESCE(excluded.device_name, device_stats.device_name), \
             last_seen_at = excluded.last_seen_at",
        );
        let mut q = sqlx::query(&sql);
        for (f, rank) in chunk.iter().zip(chunk_ranks) {
            let [c, w, p, s] = rank_counts(*rank);
            q = q
                .bind(f.base_identity.as_str())
                .bind(f.bus.as_str())
                .bind(f.category.as_str())
                .bind(f.vendor_name.as_deref())
                .bind(f.device_name.as_deref())
                .bind(c)
                .bind(w)
                .bind(p)
                .bind(s)
                .bind(state.system_id.as_str())
                .bind(f.base_identity.as_str())
                .bind(state.submitted_at.as_str())
                .bind(state.submitted_at.as_str());
        }
        q.execute(&mut *tx.tx).await?;
    }
    let drivers: Vec<(&str, &str)> = facts
        .iter()
        .flat_map(|f| {
            f.drivers
                .iter()
                .map(|d| (f.base_identity.as_str(), d.as_str()))
        })
        .collect();
    for chunk in drivers.chunks(ROWS) {
        let mut sql =
            format!("{insert} device_drivers (base_identity, driver, submissions) VALUES ");
        push_rows(&mut sql, chunk.len(), 3, anonymous);
        sql.push_str(
            " ON CONFLICT (base_identity, driver) DO UPDATE SET \
             submissions = device_drivers.submissions + 1",
        );
        let mut q = sqlx::query(&sql);
        for (identity, driver) in chunk {
            q = q.bind(*identity).bind(*driver).bind(1i64);
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(())
}

/// Appends `rows` rows of `device_stats` values: twelve columns, of which `systems` (the tenth) is
/// 1 when the (model, device) pair is new, i.e. its `device_systems` row, upserted just before,
/// counts one report: that cell is a subquery of two placeholders (the model, the device), bound
/// in that order where the value would be. Placeholders numbered or anonymous as in [`push_rows`].
fn push_stats_rows(sql: &mut String, rows: usize, anonymous: bool) {
    let mut n = 0;
    let mut next = || {
        n += 1;
        if anonymous {
            "?".to_owned()
        } else {
            format!("${n}")
        }
    };
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..9 {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&next());
        }
        let (model, device) = (next(), next());
        let (first_seen, last_seen) = (next(), next());
        sql.push_str(&format!(
            ", (SELECT CASE WHEN d.submissions = 1 THEN 1 ELSE 0 END FROM device_systems d \
             WHERE d.system_id = {model} AND d.base_identity = {device}), {first_seen}, {last_seen})"
        ));
    }
}

/// Indexes a stored submission from its stored rows (the rebuild).
async fn reindex_submission(tx: &mut WriteTx, submission_id: &str) -> Result<()> {
    let state = submission_state(tx, submission_id).await?;
    let facts = stored_facts(tx, submission_id).await?;
    index_submission(tx, submission_id, &state, &facts).await
}

/// `column`, `column - 1` or `column + 1`: a rank counter's value after moving a device from rank
/// `old` to rank `new`.
fn counter_after(rank: DeviceStatus, old: DeviceStatus, new: DeviceStatus) -> String {
    let c = rank.column();
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
    let state = submission_state(tx, submission_id).await?;
    let old = indexed_standing(tx, submission_id).await?;
    let new = state.standing;
    if old == new {
        return Ok(());
    }
    let facts = stored_facts(tx, submission_id).await?;
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
        let (o, n) = (o.column(), n.column());
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
        // A registry does not serve while this runs (about 90 s per 10,000 submissions on the
        // reference machine, BENCHMARKS.md): say so, and how far it got.
        tracing::info!(
            submissions = ids.len(),
            "rebuilding the public index (version {version} -> {PUBLIC_INDEX_VERSION}); the \
             registry serves when it is done"
        );
        let started = std::time::Instant::now();
        for (done, (id, certificate_id)) in ids.iter().enumerate() {
            reindex_submission(&mut tx, id).await?;
            if let Some(c) = certificate_id {
                certificate_issued(&mut tx, id, c).await?;
            }
            if (done + 1) % REBUILD_PROGRESS == 0 {
                tracing::info!(
                    done = done + 1,
                    of = ids.len(),
                    seconds = started.elapsed().as_secs(),
                    "rebuilding the public index"
                );
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
