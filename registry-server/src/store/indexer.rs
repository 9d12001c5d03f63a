//! The indexer: counts submissions into the public device index many at a time, shortly after
//! they are stored.
//!
//! A submission's transaction stores it and appends its id to `index_queue` (see [`enqueue`]), so
//! an acknowledged submission is never lost to the index, even in a crash. [`run`] (started by the
//! server) wakes when something is queued, waits [`GATHER`] for more to arrive, and drains the queue
//! in batches of up to [`MAX_BATCH`] submissions, each in one write transaction ([`index_batch`]):
//! it reads the submissions' standing and device rows, adds up what the whole batch does to each
//! (model, device) pair, device and driver, and writes each of those rows once, in key order. A
//! 300-device report written on its own dirtied a few hundred random pages of the device-keyed
//! tables; a batch shares them (BENCHMARKS.md, "The batched indexer").
//!
//! The price is a lag: the public device index shows a submission a fraction of a second after
//! it was acknowledged. Workflow changes do not lag: a standing change (an approval, say) of a
//! submission still queued counts that submission in the change's own transaction
//! ([`super::public_index::submission_changed`]), with its new standing. Either way a submission
//! is counted with the standing it has when it is counted, under the same lock as every other
//! change of the index. This module must not decide ranks (that is
//! [`super::public_index`]) and must not be the only copy of anything.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use super::public_index::{
    device_facts, lock_index, rank_counts, submission_state_of, DeviceFacts, SubmissionState,
    SELECT_STATE,
};
use super::submissions::{anonymous_placeholders, device_row, push_rows, result_row, ROWS};
use super::{col, now, ts, Result, Store, WriteTx};

/// Submissions counted in one transaction at most: bounds how long the indexer holds the writer
/// (on SQLite, submissions wait for it meanwhile).
pub const MAX_BATCH: usize = 256;

/// How long the indexer waits, once woken, for more submissions to share the batch.
pub const GATHER: Duration = Duration::from_millis(400);

/// How often the indexer looks at the queue without being woken (submissions queued by another
/// process on the same PostgreSQL database, or left by a crash).
pub const POLL: Duration = Duration::from_secs(1);

/// Ids per `IN (...)` list when reading a batch's rows.
const IDS_PER_QUERY: usize = 64;

/// Facts kept for the indexer at most: past that (the indexer is far behind, or other processes
/// count what this one stored), it reads the rows back instead.
const FACTS_KEPT: usize = 2 * MAX_BATCH;

/// The [`device_facts`] of submissions this process just stored, handed from ingest (which derives
/// them from the rows in memory, outside the writer) to the indexer, which would otherwise read
/// each report's rows back. Only a shortcut: whatever is missing is read from the stored rows.
#[derive(Debug, Default)]
pub(crate) struct FactsCache(std::sync::Mutex<HashMap<String, Vec<DeviceFacts>>>);

impl FactsCache {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<DeviceFacts>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps the facts of a submission just stored (and queued).
    pub(crate) fn put(&self, submission_id: String, facts: Vec<DeviceFacts>) {
        let mut map = self.map();
        if map.len() >= FACTS_KEPT {
            map.clear();
        }
        map.insert(submission_id, facts);
    }

    fn take(&self, submission_id: &str) -> Option<Vec<DeviceFacts>> {
        self.map().remove(submission_id)
    }
}

/// Queues a stored submission for the public index, inside the transaction that stores it.
pub(crate) async fn enqueue(tx: &mut WriteTx, submission_id: &str) -> Result<()> {
    sqlx::query("INSERT INTO index_queue (submission_id) VALUES ($1)")
        .bind(submission_id)
        .execute(&mut *tx.tx)
        .await?;
    Ok(())
}

/// `sql_head IN (ids)` for each chunk of `ids`: every row, in chunk order.
async fn rows_in(
    tx: &mut WriteTx,
    sql_head: &str,
    sql_tail: &str,
    ids: &[&str],
) -> Result<Vec<sqlx::any::AnyRow>> {
    let anonymous = anonymous_placeholders(tx);
    let mut rows = Vec::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let mut sql = format!("{sql_head} IN ");
        push_rows(&mut sql, 1, chunk.len(), anonymous);
        sql.push_str(sql_tail);
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        rows.extend(q.fetch_all(&mut *tx.tx).await?);
    }
    Ok(rows)
}

/// The rows of `table` (`submission_devices` or `submission_results`) of each of `ids`, in order,
/// read with `row`.
async fn rows_by_submission<T>(
    tx: &mut WriteTx,
    table: &str,
    ids: &[&str],
    row: fn(&sqlx::any::AnyRow) -> Result<T>,
) -> Result<HashMap<String, Vec<T>>> {
    let mut by_id: HashMap<String, Vec<T>> = HashMap::new();
    for r in rows_in(
        tx,
        &format!("SELECT * FROM {table} WHERE submission_id"),
        " ORDER BY submission_id, position",
        ids,
    )
    .await?
    {
        by_id
            .entry(col(&r, "submission_id")?)
            .or_default()
            .push(row(&r)?);
    }
    Ok(by_id)
}

/// The [`device_facts`] of each of `ids`, from their stored rows.
pub(crate) async fn facts_of(
    tx: &mut WriteTx,
    ids: &[&str],
) -> Result<HashMap<String, Vec<DeviceFacts>>> {
    let devices = rows_by_submission(tx, "submission_devices", ids, device_row).await?;
    let results = rows_by_submission(tx, "submission_results", ids, result_row).await?;
    Ok(ids
        .iter()
        .map(|id| {
            let facts = device_facts(
                devices.get(*id).map_or(&[][..], Vec::as_slice),
                results.get(*id).map_or(&[][..], Vec::as_slice),
            );
            ((*id).to_owned(), facts)
        })
        .collect())
}

/// What a batch adds to one (model, device) pair of `device_systems`.
#[derive(Debug)]
struct PairDelta {
    /// Reports per rank; each report of the pair adds one to one of them.
    counts: [i64; 4],
    last_seen_at: String,
}

impl PairDelta {
    /// The best rank among the batch's reports: the first counter that is not zero.
    fn best_rank(&self) -> i64 {
        self.counts
            .iter()
            .position(|n| *n > 0)
            .and_then(|i| i64::try_from(i).ok())
            .unwrap_or(3)
    }

    fn submissions(&self) -> i64 {
        self.counts.iter().sum()
    }
}

/// What a batch adds to one device of `device_stats`.
#[derive(Debug)]
struct DeviceDelta {
    bus: String,
    category: String,
    vendor_name: Option<String>,
    device_name: Option<String>,
    counts: [i64; 4],
    /// (model, device) pairs the batch creates.
    systems: i64,
    first_seen_at: String,
    last_seen_at: String,
}

/// Everything one batch adds to the device tables, keyed the way the rows are written.
#[derive(Debug, Default)]
struct BatchDelta {
    /// By (device, model): the order of `device_systems_order`, which is where the writes land at
    /// random; the table itself is keyed by model first, and a batch touches few models.
    pairs: BTreeMap<(String, String), PairDelta>,
    devices: BTreeMap<String, DeviceDelta>,
    drivers: BTreeMap<(String, String), i64>,
}

impl BatchDelta {
    /// Adds one submission, in queue order: later names replace earlier ones, as one upsert after
    /// another would.
    fn add(&mut self, state: &SubmissionState, facts: &[DeviceFacts]) {
        for f in facts {
            let rank = state.standing.rank(f.driver_missing, f.test_failed);
            let counts = rank_counts(rank);
            let at = &state.submitted_at;
            let pair = self
                .pairs
                .entry((f.base_identity.clone(), state.system_id.clone()))
                .or_insert_with(|| PairDelta {
                    counts: [0; 4],
                    last_seen_at: at.clone(),
                });
            add_counts(&mut pair.counts, counts);
            max_into(&mut pair.last_seen_at, at);
            let device = self
                .devices
                .entry(f.base_identity.clone())
                .or_insert_with(|| DeviceDelta {
                    bus: f.bus.clone(),
                    category: f.category.clone(),
                    vendor_name: None,
                    device_name: None,
                    counts: [0; 4],
                    systems: 0,
                    first_seen_at: at.clone(),
                    last_seen_at: at.clone(),
                });
            if f.vendor_name.is_some() {
                device.vendor_name.clone_from(&f.vendor_name);
            }
            if f.device_name.is_some() {
                device.device_name.clone_from(&f.device_name);
            }
            add_counts(&mut device.counts, counts);
            if *at < device.first_seen_at {
                device.first_seen_at.clone_from(at);
            }
            max_into(&mut device.last_seen_at, at);
            for driver in &f.drivers {
                *self
                    .drivers
                    .entry((f.base_identity.clone(), driver.clone()))
                    .or_default() += 1;
            }
        }
    }

    /// Counts, per device, the batch's pairs that `existing` (the pairs already in the index for
    /// the batch's models) does not hold.
    fn count_new_pairs(&mut self, existing: &BTreeSet<(String, String)>) {
        for (device, system) in self.pairs.keys() {
            if !existing.contains(&(device.clone(), system.clone())) {
                if let Some(d) = self.devices.get_mut(device) {
                    d.systems += 1;
                }
            }
        }
    }
}

fn add_counts(into: &mut [i64; 4], add: [i64; 4]) {
    for (a, b) in into.iter_mut().zip(add) {
        *a += b;
    }
}

fn max_into(into: &mut String, candidate: &str) {
    if candidate > into.as_str() {
        candidate.clone_into(into);
    }
}

/// Which queued submissions a batch counts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Take<'a> {
    /// The oldest, at most this many.
    Oldest(usize),
    /// This one, if it is queued (a workflow change of a submission not counted yet).
    One(&'a str),
}

/// Counts queued submissions (`take`) into the public index inside `tx` and takes them off the
/// queue, with the facts kept in `cache` where it has them. Returns how many it took (0: none
/// queued).
pub(crate) async fn index_batch(
    tx: &mut WriteTx,
    take: Take<'_>,
    cache: Option<&FactsCache>,
) -> Result<usize> {
    lock_index(tx).await?;
    let query = match take {
        Take::Oldest(max) => {
            sqlx::query("SELECT seq, submission_id FROM index_queue ORDER BY seq LIMIT $1")
                .bind(i64::try_from(max).unwrap_or(i64::MAX))
        }
        Take::One(id) => {
            sqlx::query("SELECT seq, submission_id FROM index_queue WHERE submission_id = $1")
                .bind(id)
        }
    };
    let queued: Vec<(i64, String)> = query
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|row| Ok((col(row, "seq")?, col(row, "submission_id")?)))
        .collect::<Result<_>>()?;
    if queued.is_empty() {
        return Ok(0);
    }
    let ids: Vec<&str> = queued.iter().map(|(_, id)| id.as_str()).collect();
    // One that is somehow counted already (it cannot be queued twice) is taken off, not counted
    // twice.
    let counted: BTreeSet<String> = rows_in(
        tx,
        "SELECT submission_id FROM indexed_submissions WHERE submission_id",
        "",
        &ids,
    )
    .await?
    .iter()
    .map(|row| col(row, "submission_id"))
    .collect::<Result<_>>()?;
    let ids: Vec<&str> = ids
        .into_iter()
        .filter(|id| !counted.contains(*id))
        .collect();
    let now = ts(now());
    let mut states: HashMap<String, SubmissionState> = HashMap::new();
    for row in rows_in(tx, &format!("{SELECT_STATE} WHERE s.id"), "", &ids).await? {
        states.insert(col(&row, "id")?, submission_state_of(&row, &now)?);
    }
    let mut facts: HashMap<String, Vec<DeviceFacts>> = HashMap::new();
    if let Some(cache) = cache {
        for id in &ids {
            if let Some(f) = cache.take(id) {
                facts.insert((*id).to_owned(), f);
            }
        }
    }
    let missing: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !facts.contains_key(*id))
        .collect();
    facts.extend(facts_of(tx, &missing).await?);
    let mut delta = BatchDelta::default();
    let mut indexed = Vec::with_capacity(ids.len());
    for id in &ids {
        // A queued id always has its submission (a foreign key), so both are there.
        if let (Some(state), Some(facts)) = (states.get(*id), facts.get(*id)) {
            delta.add(state, facts);
            indexed.push((*id, state));
        }
    }
    let systems: BTreeSet<&str> = indexed.iter().map(|(_, s)| s.system_id.as_str()).collect();
    let existing: BTreeSet<(String, String)> = rows_in(
        tx,
        "SELECT base_identity, system_id FROM device_systems WHERE system_id",
        "",
        &systems.into_iter().collect::<Vec<_>>(),
    )
    .await?
    .iter()
    .map(|row| Ok((col(row, "base_identity")?, col(row, "system_id")?)))
    .collect::<Result<_>>()?;
    delta.count_new_pairs(&existing);
    write_submissions(tx, &indexed).await?;
    write_delta(tx, &delta).await?;
    let seqs: Vec<i64> = queued.iter().map(|(seq, _)| *seq).collect();
    let anonymous = anonymous_placeholders(tx);
    for chunk in seqs.chunks(IDS_PER_QUERY) {
        let mut sql = String::from("DELETE FROM index_queue WHERE seq IN ");
        push_rows(&mut sql, 1, chunk.len(), anonymous);
        let mut q = sqlx::query(&sql);
        for seq in chunk {
            q = q.bind(*seq);
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(queued.len())
}

/// The standing each submission of the batch was counted with.
async fn write_submissions(tx: &mut WriteTx, indexed: &[(&str, &SubmissionState)]) -> Result<()> {
    let anonymous = anonymous_placeholders(tx);
    for chunk in indexed.chunks(ROWS) {
        let mut sql = String::from(
            "INSERT INTO indexed_submissions (submission_id, system_id, closed, certified, \
             tests_ran) VALUES ",
        );
        push_rows(&mut sql, chunk.len(), 5, anonymous);
        let mut q = sqlx::query(&sql);
        for (id, state) in chunk {
            let s = state.standing;
            q = q
                .bind(*id)
                .bind(state.system_id.as_str())
                .bind(i64::from(s.closed))
                .bind(i64::from(s.certified))
                .bind(i64::from(s.tests_ran));
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(())
}

/// Writes a batch's sums: one upsert per row of each device table, in key order.
async fn write_delta(tx: &mut WriteTx, delta: &BatchDelta) -> Result<()> {
    let anonymous = anonymous_placeholders(tx);
    // On SQLite, a constraint that fails mid-statement fails it without undoing the rows before
    // (`OR FAIL`, not the default `ABORT`): the whole transaction is rolled back on any error
    // anyway, and `ABORT` would copy every page the statement touches to a statement journal.
    let insert = if anonymous {
        "INSERT OR FAIL INTO"
    } else {
        "INSERT INTO"
    };
    let pairs: Vec<_> = delta.pairs.iter().collect();
    for chunk in pairs.chunks(ROWS) {
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
             submissions = device_systems.submissions + excluded.submissions, \
             last_seen_at = excluded.last_seen_at",
        );
        let mut q = sqlx::query(&sql);
        for ((device, system), p) in chunk {
            let [c, w, pr, s] = p.counts;
            q = q
                .bind(device.as_str())
                .bind(system.as_str())
                .bind(p.best_rank())
                .bind(c)
                .bind(w)
                .bind(pr)
                .bind(s)
                .bind(p.submissions())
                .bind(p.last_seen_at.as_str());
        }
        q.execute(&mut *tx.tx).await?;
    }
    let devices: Vec<_> = delta.devices.iter().collect();
    for chunk in devices.chunks(ROWS) {
        let mut sql = format!(
            "{insert} device_stats (base_identity, bus, category, vendor_name, device_name, \
             certified, works, problem, seen, systems, first_seen_at, last_seen_at) VALUES ",
        );
        push_rows(&mut sql, chunk.len(), 12, anonymous);
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
        for (identity, d) in chunk {
            let [c, w, p, s] = d.counts;
            q = q
                .bind(identity.as_str())
                .bind(d.bus.as_str())
                .bind(d.category.as_str())
                .bind(d.vendor_name.as_deref())
                .bind(d.device_name.as_deref())
                .bind(c)
                .bind(w)
                .bind(p)
                .bind(s)
                .bind(d.systems)
                .bind(d.first_seen_at.as_str())
                .bind(d.last_seen_at.as_str());
        }
        q.execute(&mut *tx.tx).await?;
    }
    let drivers: Vec<_> = delta.drivers.iter().collect();
    for chunk in drivers.chunks(ROWS) {
        let mut sql =
            format!("{insert} device_drivers (base_identity, driver, submissions) VALUES ");
        push_rows(&mut sql, chunk.len(), 3, anonymous);
        sql.push_str(
            " ON CONFLICT (base_identity, driver) DO UPDATE SET \
             submissions = device_drivers.submissions + excluded.submissions",
        );
        let mut q = sqlx::query(&sql);
        for ((identity, driver), n) in chunk {
            q = q.bind(identity.as_str()).bind(driver.as_str()).bind(**n);
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(())
}

impl Store {
    /// Counts every queued submission into the public index now, [`MAX_BATCH`] per transaction.
    /// Returns how many it counted. The server's indexer ([`run`]) calls it; so can anything that
    /// needs the index to have caught up (the `migrate` command, tests, benchmarks).
    pub async fn index_pending(&self) -> Result<usize> {
        let mut total = 0;
        loop {
            // Looked at without the writer first: most wake-ups of an idle registry find nothing.
            if total == 0
                && sqlx::query("SELECT seq FROM index_queue LIMIT 1")
                    .fetch_optional(self.pool())
                    .await?
                    .is_none()
            {
                return Ok(0);
            }
            let mut tx = self.begin_write().await?;
            let n = index_batch(&mut tx, Take::Oldest(MAX_BATCH), Some(&self.index_facts)).await?;
            tx.commit().await?;
            total += n;
            if n < MAX_BATCH {
                return Ok(total);
            }
        }
    }

    /// How many submissions wait for the public index.
    pub async fn index_queue_len(&self) -> Result<i64> {
        col(
            &sqlx::query("SELECT COUNT(*) AS n FROM index_queue")
                .fetch_one(self.pool())
                .await?,
            "n",
        )
    }
}

/// The indexer task: drains the queue on start, then whenever a submission is queued (after
/// waiting [`GATHER`] for others to join it) and every [`POLL`]. Runs until dropped or aborted; a
/// batch cut short rolls back and stays queued.
pub async fn run(store: Store) {
    loop {
        match store.index_pending().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(submissions = n, "counted into the public index"),
            Err(e) => tracing::warn!("counting submissions into the public index: {e}"),
        }
        tokio::select! {
            () = store.index_wake.notified() => tokio::time::sleep(GATHER).await,
            () = tokio::time::sleep(POLL) => {}
        }
    }
}
