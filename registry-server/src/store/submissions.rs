//! Submissions: the stored envelope, its derived index rows (system, devices, results, automated
//! checks), comments and lifecycle transitions.

use serde_json::json;
use sqlx::any::AnyRow;

use super::audit::{record, Subject};
use super::public_index::device_facts;
use super::{
    col, new_id, now, ts, Actor, AutomatedCheck, CheckOutcome, Comment, DeviceRow, OsIdentity,
    PlanIdentity, Result, ResultRow, Store, StoreError, Submission, SubmissionStatus,
    SubmissionSummary, SystemIdentity, ToolIdentity, WriteTx,
};

/// The placeholder shown for a system whose report carried no vendor or model (no DMI).
pub const UNIDENTIFIED_SYSTEM: &str = "Unidentified system (no vendor/model in report)";

/// What to show for a system.
pub fn display_name(vendor: Option<&str>, model: Option<&str>) -> String {
    match (vendor, model) {
        (Some(v), Some(m)) => format!("{v} {m}"),
        (Some(v), None) => format!("{v} (model not reported)"),
        (None, Some(m)) => m.to_owned(),
        (None, None) => UNIDENTIFIED_SYSTEM.to_owned(),
    }
}

/// The system identity to index a submission under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSystem {
    /// `lowercase(vendor) "\n" lowercase(model)`; the empty key for unidentified systems.
    pub model_key: String,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub family: Option<String>,
    pub sku: Option<String>,
    pub board: Option<String>,
    pub chassis_type: Option<String>,
    pub bios_version: Option<String>,
}

/// Everything stored for a new submission, derived from its envelope by the caller.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub org_id: String,
    pub envelope: Vec<u8>,
    pub envelope_sha256: String,
    pub payload_sha256: String,
    pub keyid: String,
    pub report_id: String,
    pub system: NewSystem,
    pub os: OsIdentity,
    pub plan: PlanIdentity,
    pub tool: ToolIdentity,
    pub summary: SubmissionSummary,
    pub report_created_at: String,
    pub devices: Vec<DeviceRow>,
    pub results: Vec<ResultRow>,
    pub checks: Vec<AutomatedCheck>,
}

/// What [`Store::create_submission`] did.
#[derive(Debug, Clone)]
pub enum CreateOutcome {
    /// A new submission.
    Created(Submission),
    /// The same envelope was already submitted by the same organisation.
    Existing(Submission),
}

/// Which submissions to list.
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub org_id: Option<String>,
    pub status: Option<SubmissionStatus>,
    pub system_id: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

const SELECT_SUBMISSION: &str = "SELECT s.*, o.name AS org_name, c.id AS certificate_id \
     FROM submissions s JOIN organisations o ON o.id = s.org_id \
     LEFT JOIN certificates c ON c.submission_id = s.id";

fn submission(row: &AnyRow) -> Result<Submission> {
    let status: String = col(row, "status")?;
    let vendor: Option<String> = col(row, "system_vendor")?;
    let model: Option<String> = col(row, "system_model")?;
    Ok(Submission {
        id: col(row, "id")?,
        org_id: col(row, "org_id")?,
        org_name: col(row, "org_name")?,
        report_id: col(row, "report_id")?,
        envelope_sha256: col(row, "envelope_sha256")?,
        payload_sha256: col(row, "payload_sha256")?,
        keyid: col(row, "keyid")?,
        status: SubmissionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("submission status {status:?}")))?,
        system: SystemIdentity {
            system_id: col(row, "system_id")?,
            display_name: display_name(vendor.as_deref(), model.as_deref()),
            vendor,
            model,
            family: col(row, "system_family")?,
            sku: col(row, "system_sku")?,
            board: col(row, "system_board")?,
            chassis_type: col(row, "system_chassis")?,
            bios_version: col(row, "bios_version")?,
        },
        os: OsIdentity {
            id: col(row, "os_id")?,
            version: col(row, "os_version")?,
            name: col(row, "os_name")?,
            kernel: col(row, "kernel")?,
            arch: col(row, "arch")?,
        },
        plan: PlanIdentity {
            id: col(row, "plan_id")?,
            version: col(row, "plan_version")?,
            sha256: col(row, "plan_sha256")?,
        },
        tool: ToolIdentity {
            name: col(row, "tool_name")?,
            version: col(row, "tool_version")?,
        },
        summary: SubmissionSummary {
            verdict: col(row, "verdict")?,
            total: col(row, "count_total")?,
            pass: col(row, "count_pass")?,
            fail: col(row, "count_fail")?,
            skip: col(row, "count_skip")?,
            error: col(row, "count_error")?,
            timeout: col(row, "count_timeout")?,
        },
        device_count: col(row, "device_count")?,
        report_created_at: col(row, "report_created_at")?,
        submitted_at: col(row, "submitted_at")?,
        previous_id: col(row, "previous_id")?,
        decided_at: col(row, "decided_at")?,
        decision_comment: col(row, "decision_comment")?,
        certificate_id: col(row, "certificate_id")?,
        updated_at: col(row, "updated_at")?,
    })
}

/// Rows per multi-row INSERT with numbered placeholders (the public index's `IN` lists): well
/// under both backends' parameter limits. On SQLite, `sqlite3_bind_parameter_name`, which sqlx
/// calls for every parameter, is linear in the number of *named* parameters, so a statement of n
/// `$N` parameters costs O(n²) to bind (BENCHMARKS.md).
pub(crate) const BATCH: usize = 48;

/// Rows per multi-row INSERT of a submission's devices and results. SQLite gets anonymous `?`
/// placeholders (their binding does not search the names), so one statement carries a whole
/// 300-device report: each statement is a round trip to sqlx's SQLite worker thread. Both
/// backends allow far more than `ROWS * 11` parameters (32,766 and 65,535).
pub(crate) const ROWS: usize = 1024;

/// Whether `tx` is on SQLite (and takes anonymous placeholders in bulk inserts).
pub(crate) fn anonymous_placeholders(tx: &mut WriteTx) -> bool {
    tx.tx.backend_name() == "SQLite"
}

async fn insert_devices(tx: &mut WriteTx, id: &str, devices: &[DeviceRow]) -> Result<()> {
    let anonymous = anonymous_placeholders(tx);
    for (chunk_no, chunk) in devices.chunks(ROWS).enumerate() {
        let mut sql = String::from(
            "INSERT INTO submission_devices (submission_id, position, bus, identity, base_identity, \
             category, class, vendor_name, device_name, driver, needs_driver) VALUES ",
        );
        push_rows(&mut sql, chunk.len(), 11, anonymous);
        let mut q = sqlx::query(&sql);
        for (i, d) in chunk.iter().enumerate() {
            q = q
                .bind(id)
                .bind(i64::try_from(chunk_no * ROWS + i).unwrap_or(i64::MAX))
                .bind(&d.bus)
                .bind(&d.identity)
                .bind(&d.base_identity)
                .bind(&d.category)
                .bind(d.class.as_deref())
                .bind(d.vendor_name.as_deref())
                .bind(d.device_name.as_deref())
                .bind(d.driver.as_deref())
                .bind(i64::from(d.needs_driver));
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(())
}

async fn insert_results(tx: &mut WriteTx, id: &str, results: &[ResultRow]) -> Result<()> {
    let anonymous = anonymous_placeholders(tx);
    for (chunk_no, chunk) in results.chunks(ROWS).enumerate() {
        let mut sql = String::from(
            "INSERT INTO submission_results (submission_id, position, test_id, check_kind, area, \
             blocker, status, duration_ms, message) VALUES ",
        );
        push_rows(&mut sql, chunk.len(), 9, anonymous);
        let mut q = sqlx::query(&sql);
        for (i, r) in chunk.iter().enumerate() {
            q = q
                .bind(id)
                .bind(i64::try_from(chunk_no * ROWS + i).unwrap_or(i64::MAX))
                .bind(&r.test_id)
                .bind(&r.check)
                .bind(&r.area)
                .bind(i64::from(r.blocker))
                .bind(&r.status)
                .bind(r.duration_ms)
                .bind(r.message.as_deref());
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(())
}

async fn insert_checks(
    tx: &mut WriteTx,
    id: &str,
    at: &str,
    checks: &[AutomatedCheck],
) -> Result<()> {
    let anonymous = anonymous_placeholders(tx);
    for (chunk_no, chunk) in checks.chunks(ROWS).enumerate() {
        let mut sql = String::from(
            "INSERT INTO automated_checks \
             (submission_id, position, name, outcome, message, checked_at, code, args) VALUES ",
        );
        push_rows(&mut sql, chunk.len(), 8, anonymous);
        let mut q = sqlx::query(&sql);
        for (i, check) in chunk.iter().enumerate() {
            q = q
                .bind(id)
                .bind(i64::try_from(chunk_no * ROWS + i).unwrap_or(i64::MAX))
                .bind(&check.name)
                .bind(check.outcome.as_str())
                .bind(&check.message)
                .bind(at)
                .bind(&check.code)
                .bind(serde_json::to_string(&check.args).unwrap_or_else(|_| "[]".into()));
        }
        q.execute(&mut *tx.tx).await?;
    }
    Ok(())
}

/// Appends `rows` groups of `cols` placeholders, numbered (`($1, $2), ($3, $4)`) or anonymous
/// (`(?, ?), (?, ?)`, SQLite only).
pub(crate) fn push_rows(sql: &mut String, rows: usize, cols: usize, anonymous: bool) {
    use std::fmt::Write as _;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            if anonymous {
                sql.push('?');
            } else {
                let _ = write!(sql, "${}", r * cols + c + 1);
            }
        }
        sql.push(')');
    }
}

fn subject<'a>(id: &'a str, org_id: &'a str) -> Subject<'a> {
    Subject {
        kind: "submission",
        id,
        org_id: Some(org_id),
    }
}

impl Store {
    /// Stores a submission with its index rows and automated checks in one transaction. The same
    /// envelope from the same organisation returns the existing submission; another envelope with
    /// an already used `report_id` is a conflict.
    pub async fn create_submission(
        &self,
        new: &NewSubmission,
        actor: &Actor,
    ) -> Result<CreateOutcome> {
        match self.try_create_submission(new, actor).await {
            // A concurrent identical submission won the race (PostgreSQL): answer like a retry.
            Err(e) if e.is_unique_violation() => self.existing_for(new).await,
            other => other,
        }
    }

    async fn existing_for(&self, new: &NewSubmission) -> Result<CreateOutcome> {
        let row =
            sqlx::query("SELECT id, org_id, envelope_sha256 FROM submissions WHERE report_id = $1")
                .bind(&new.report_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::Conflict("concurrent submission".into()))?;
        self.outcome_for_existing(new, &row).await
    }

    async fn outcome_for_existing(
        &self,
        new: &NewSubmission,
        row: &AnyRow,
    ) -> Result<CreateOutcome> {
        let id: String = col(row, "id")?;
        let org_id: String = col(row, "org_id")?;
        let sha: String = col(row, "envelope_sha256")?;
        if sha == new.envelope_sha256 && org_id == new.org_id {
            Ok(CreateOutcome::Existing(self.get_submission(&id).await?))
        } else {
            Err(StoreError::Conflict(format!(
                "report_id {} was already submitted with different content",
                new.report_id
            )))
        }
    }

    async fn try_create_submission(
        &self,
        new: &NewSubmission,
        actor: &Actor,
    ) -> Result<CreateOutcome> {
        // Derived before taking the writer, which is the serial part of ingest, and handed to the
        // indexer so that it need not read the rows back.
        let facts = device_facts(&new.devices, &new.results);
        let outcome = if let Some(queue) = &self.group_commit {
            self.create_in_group(queue, new, actor).await?
        } else {
            let mut tx = self.begin_write().await?;
            let stored = store_submission(&mut tx, new, actor).await?;
            tx.commit().await?;
            self.outcome(new, stored).await?
        };
        if let CreateOutcome::Created(s) = &outcome {
            // Queued for the public index in its transaction; the indexer takes it from there.
            self.index_facts.put(s.id.clone(), facts);
            self.index_wake.notify_one();
        }
        Ok(outcome)
    }

    /// Group commit (SQLite): the submission joins a queue; whoever holds the writer next stores
    /// every queued submission in one transaction (one by one if any fails, see
    /// `commit_group`), commits once, and only then answers each of them. Many small
    /// transactions would each write the index pages they share and wait for their own fsync.
    async fn create_in_group(
        &self,
        queue: &GroupQueue,
        new: &NewSubmission,
        actor: &Actor,
    ) -> Result<CreateOutcome> {
        let lock = self
            .write_lock
            .clone()
            .ok_or_else(|| StoreError::InvalidState("group commit without a writer lock".into()))?;
        loop {
            let (reply, mut answer) = tokio::sync::oneshot::channel();
            queue.push(PendingSubmission {
                new: new.clone(),
                actor: actor.clone(),
                reply,
            });
            // Either another writer stores this submission, or this one gets the writer first.
            let guard = tokio::select! {
                biased;
                stored = &mut answer => match stored {
                    Ok(stored) => return self.outcome(new, stored?).await,
                    // The writer that took it was cancelled before answering (its request went
                    // away): queue it again; if that writer did commit, the retry finds it.
                    Err(_) => continue,
                },
                guard = lock.clone().lock_owned() => guard,
            };
            let jobs = queue.take();
            if jobs.is_empty() {
                drop(guard);
            } else {
                self.commit_group(guard, jobs).await?;
            }
            match answer.await {
                Ok(stored) => return self.outcome(new, stored?).await,
                Err(_) => continue,
            }
        }
    }

    /// Stores `jobs` in one transaction, commits, then answers each. If one of them fails (rare:
    /// a database error), the transaction is rolled back and each is stored in a transaction of
    /// its own, so one failing does not undo the others. (Savepoints around each submission
    /// would do the same in one pass, but cost a round trip each way and a copy of every page
    /// they touch.)
    async fn commit_group(
        &self,
        guard: tokio::sync::OwnedMutexGuard<()>,
        jobs: Vec<PendingSubmission>,
    ) -> Result<()> {
        tracing::debug!(submissions = jobs.len(), "group commit");
        let mut tx = self.begin_write_locked(guard).await?;
        let mut results = Vec::with_capacity(jobs.len());
        for job in &jobs {
            match store_submission(&mut tx, &job.new, &job.actor).await {
                Ok(stored) => results.push(stored),
                Err(e) => {
                    tracing::warn!(error = %e, "a submission of a group failed; storing them one by one");
                    let guard = tx.rollback().await?;
                    return self.commit_each(guard, jobs).await;
                }
            }
        }
        let committed = tx.commit().await;
        for (job, stored) in jobs.into_iter().zip(results) {
            let stored = match &committed {
                Ok(()) => Ok(stored),
                Err(e) => Err(StoreError::Commit(e.to_string())),
            };
            // The waiter may have gone (its request was cancelled): nothing to tell it.
            let _ = job.reply.send(stored);
        }
        committed
    }

    /// Stores each of `jobs` in a transaction of its own, answering each after its commit.
    async fn commit_each(
        &self,
        mut guard: Option<tokio::sync::OwnedMutexGuard<()>>,
        jobs: Vec<PendingSubmission>,
    ) -> Result<()> {
        for job in jobs {
            let lock = match guard.take() {
                Some(g) => g,
                None => {
                    self.write_lock
                        .clone()
                        .ok_or_else(|| {
                            StoreError::InvalidState("group commit without a writer lock".into())
                        })?
                        .lock_owned()
                        .await
                }
            };
            let mut tx = self.begin_write_locked(lock).await?;
            let stored = match store_submission(&mut tx, &job.new, &job.actor).await {
                Ok(stored) => match tx.commit_keep_lock().await {
                    Ok(g) => {
                        guard = g;
                        Ok(stored)
                    }
                    Err(e) => Err(StoreError::Commit(e.to_string())),
                },
                Err(e) => {
                    guard = tx.rollback().await?;
                    Err(e)
                }
            };
            let _ = job.reply.send(stored);
        }
        Ok(())
    }

    /// The answer for a stored (or already present) submission, read after the commit.
    async fn outcome(&self, new: &NewSubmission, stored: Stored) -> Result<CreateOutcome> {
        match stored {
            Stored::Created(id) => Ok(CreateOutcome::Created(self.get_submission(&id).await?)),
            Stored::Existing {
                id,
                org_id,
                envelope_sha256,
            } => {
                if envelope_sha256 == new.envelope_sha256 && org_id == new.org_id {
                    Ok(CreateOutcome::Existing(self.get_submission(&id).await?))
                } else {
                    Err(StoreError::Conflict(format!(
                        "report_id {} was already submitted with different content",
                        new.report_id
                    )))
                }
            }
        }
    }

    pub async fn get_submission(&self, id: &str) -> Result<Submission> {
        let row = sqlx::query(&format!("{SELECT_SUBMISSION} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("submission {id}")))?;
        submission(&row)
    }

    /// The submission of this organisation with this exact envelope, if any.
    pub async fn submission_by_envelope(
        &self,
        org_id: &str,
        envelope_sha256: &str,
    ) -> Result<Option<Submission>> {
        let row = sqlx::query(&format!(
            "{SELECT_SUBMISSION} WHERE s.org_id = $1 AND s.envelope_sha256 = $2"
        ))
        .bind(org_id)
        .bind(envelope_sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(submission).transpose()
    }

    /// Submissions, newest first.
    pub async fn list_submissions(&self, filter: &SubmissionFilter) -> Result<Vec<Submission>> {
        let rows = sqlx::query(&format!(
            "{SELECT_SUBMISSION} WHERE ($1 IS NULL OR s.org_id = $1) AND ($2 IS NULL OR s.status = $2) \
             AND ($3 IS NULL OR s.system_id = $3) \
             ORDER BY s.submitted_at DESC, s.id DESC LIMIT $4 OFFSET $5"
        ))
        .bind(filter.org_id.as_deref())
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.system_id.as_deref())
        .bind(filter.limit.clamp(1, 500))
        .bind(filter.offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(submission).collect()
    }

    /// The stored bytes of an envelope.
    pub async fn envelope(&self, sha256: &str) -> Result<Vec<u8>> {
        let row = sqlx::query("SELECT bytes FROM envelopes WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("envelope {sha256}")))?;
        col(&row, "bytes")
    }

    pub async fn submission_devices(&self, id: &str) -> Result<Vec<DeviceRow>> {
        let rows = sqlx::query(
            "SELECT * FROM submission_devices WHERE submission_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device_row).collect()
    }

    pub async fn submission_results(&self, id: &str) -> Result<Vec<ResultRow>> {
        let rows = sqlx::query(
            "SELECT * FROM submission_results WHERE submission_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(result_row).collect()
    }

    pub async fn submission_checks(&self, id: &str) -> Result<Vec<AutomatedCheck>> {
        let rows = sqlx::query(
            "SELECT * FROM automated_checks WHERE submission_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let outcome: String = col(row, "outcome")?;
                Ok(AutomatedCheck {
                    name: col(row, "name")?,
                    outcome: CheckOutcome::parse(&outcome)
                        .ok_or_else(|| StoreError::Corrupt(format!("check outcome {outcome:?}")))?,
                    message: col(row, "message")?,
                    code: col(row, "code")?,
                    args: serde_json::from_str(&col::<String>(row, "args")?).map_err(|e| {
                        StoreError::Corrupt(format!("automated check arguments: {e}"))
                    })?,
                })
            })
            .collect()
    }

    pub async fn comments(&self, submission_id: &str) -> Result<Vec<Comment>> {
        let rows =
            sqlx::query("SELECT * FROM comments WHERE submission_id = $1 ORDER BY created_at, id")
                .bind(submission_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(Comment {
                    id: col(row, "id")?,
                    submission_id: col(row, "submission_id")?,
                    author_role: col(row, "author_role")?,
                    author_name: col(row, "author_name")?,
                    author_org_id: col(row, "author_org_id")?,
                    body: col(row, "body")?,
                    created_at: col(row, "created_at")?,
                })
            })
            .collect()
    }

    /// Adds a comment to a submission.
    pub async fn add_comment(
        &self,
        submission_id: &str,
        body: &str,
        actor: &Actor,
    ) -> Result<Comment> {
        let s = self.get_submission(submission_id).await?;
        let mut tx = self.begin_write().await?;
        let c = Comment {
            id: new_id(),
            submission_id: submission_id.to_owned(),
            author_role: actor
                .role
                .map(|r| r.as_str())
                .unwrap_or("system")
                .to_owned(),
            author_name: actor.name.clone(),
            author_org_id: actor.org_id.clone(),
            body: body.to_owned(),
            created_at: ts(now()),
        };
        sqlx::query(
            "INSERT INTO comments (id, submission_id, author_id, author_org_id, author_role, \
             author_name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&c.id)
        .bind(&c.submission_id)
        .bind(&actor.id)
        .bind(c.author_org_id.as_deref())
        .bind(&c.author_role)
        .bind(&c.author_name)
        .bind(&c.body)
        .bind(&c.created_at)
        .execute(&mut *tx.tx)
        .await?;
        record(
            &mut tx,
            actor,
            "submission.comment",
            subject(submission_id, &s.org_id),
            json!({ "comment_id": c.id }),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Moves a submission to `to` (rejected or withdrawn) if it is in one of `from`.
    pub async fn decide(
        &self,
        id: &str,
        from: &[SubmissionStatus],
        to: SubmissionStatus,
        comment: Option<&str>,
        actor: &Actor,
    ) -> Result<Submission> {
        let mut tx = self.begin_write().await?;
        // The index lock first, as every workflow change takes it (see `revoke_certificate`).
        super::public_index::lock_index(&mut tx).await?;
        let current = lock_status(&mut tx, id).await?;
        if !from.contains(&current.0) {
            return Err(StoreError::InvalidState(format!(
                "submission {id} is {}, cannot become {to}",
                current.0
            )));
        }
        set_decision(&mut tx, id, to, comment, actor).await?;
        super::public_index::submission_changed(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            &format!("submission.{}", action_name(to)),
            subject(id, &current.1),
            json!({ "from": current.0, "status": to, "comment": comment }),
        )
        .await?;
        tx.commit().await?;
        self.get_submission(id).await
    }
}

/// What [`store_submission`] did.
#[derive(Debug)]
pub(crate) enum Stored {
    Created(String),
    /// A submission with the same `report_id` exists (the same envelope, or a conflict).
    Existing {
        id: String,
        org_id: String,
        envelope_sha256: String,
    },
}

/// One submission waiting for the group commit, with where to send what became of it.
pub(crate) struct PendingSubmission {
    new: NewSubmission,
    actor: Actor,
    reply: tokio::sync::oneshot::Sender<Result<Stored>>,
}

/// The submissions waiting for the next group commit (SQLite only).
#[derive(Default)]
pub(crate) struct GroupQueue(std::sync::Mutex<Vec<PendingSubmission>>);

impl std::fmt::Debug for GroupQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupQueue")
    }
}

/// Submissions stored in one transaction at most: bounds how long the first of them waits.
const GROUP_MAX: usize = 32;

impl GroupQueue {
    fn push(&self, job: PendingSubmission) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(job);
    }

    /// The oldest queued submissions, at most [`GROUP_MAX`].
    fn take(&self) -> Vec<PendingSubmission> {
        let mut q = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = q.len().min(GROUP_MAX);
        q.drain(..n).collect()
    }
}

/// Stores a submission with its index rows, automated checks and audit rows inside `tx`, and
/// queues it for the public index ([`super::indexer`]), unless its `report_id` is already there.
async fn store_submission(tx: &mut WriteTx, new: &NewSubmission, actor: &Actor) -> Result<Stored> {
    if let Some(row) =
        sqlx::query("SELECT id, org_id, envelope_sha256 FROM submissions WHERE report_id = $1")
            .bind(&new.report_id)
            .fetch_optional(&mut *tx.tx)
            .await?
    {
        return Ok(Stored::Existing {
            id: col(&row, "id")?,
            org_id: col(&row, "org_id")?,
            envelope_sha256: col(&row, "envelope_sha256")?,
        });
    }
    let at = ts(now());
    sqlx::query(
        "INSERT INTO envelopes (sha256, payload_type, bytes, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&new.envelope_sha256)
    .bind(mxcert_core::dsse::REPORT_PAYLOAD_TYPE)
    .bind(&new.envelope)
    .bind(&at)
    .execute(&mut *tx.tx)
    .await?;
    sqlx::query(
        "INSERT INTO systems (id, model_key, vendor, model, family, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (model_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(&new.system.model_key)
    .bind(new.system.vendor.as_deref())
    .bind(new.system.model.as_deref())
    .bind(new.system.family.as_deref())
    .bind(&at)
    .execute(&mut *tx.tx)
    .await?;
    let system_id: String = col(
        &sqlx::query("SELECT id FROM systems WHERE model_key = $1")
            .bind(&new.system.model_key)
            .fetch_one(&mut *tx.tx)
            .await?,
        "id",
    )?;
    let previous_id: Option<String> = sqlx::query(
        "SELECT id FROM submissions WHERE system_id = $1 AND org_id = $2 \
             ORDER BY submitted_at DESC, id DESC LIMIT 1",
    )
    .bind(&system_id)
    .bind(&new.org_id)
    .fetch_optional(&mut *tx.tx)
    .await?
    .map(|row| col(&row, "id"))
    .transpose()?;
    let status = if new.checks.iter().any(|c| c.outcome == CheckOutcome::Fail) {
        SubmissionStatus::ChecksFailed
    } else {
        SubmissionStatus::InReview
    };
    let id = new_id();
    sqlx::query(
            "INSERT INTO submissions (id, org_id, report_id, envelope_sha256, payload_sha256, keyid, \
             status, system_id, system_vendor, system_model, system_family, system_sku, system_board, \
             system_chassis, bios_version, os_id, os_version, os_name, kernel, arch, plan_id, \
             plan_version, plan_sha256, tool_name, tool_version, verdict, count_total, count_pass, \
             count_fail, count_skip, count_error, count_timeout, device_count, report_created_at, \
             submitted_at, submitted_by, previous_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, \
             $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $35)",
        )
        .bind(&id)
        .bind(&new.org_id)
        .bind(&new.report_id)
        .bind(&new.envelope_sha256)
        .bind(&new.payload_sha256)
        .bind(&new.keyid)
        .bind(status.as_str())
        .bind(&system_id)
        .bind(new.system.vendor.as_deref())
        .bind(new.system.model.as_deref())
        .bind(new.system.family.as_deref())
        .bind(new.system.sku.as_deref())
        .bind(new.system.board.as_deref())
        .bind(new.system.chassis_type.as_deref())
        .bind(new.system.bios_version.as_deref())
        .bind(new.os.id.as_deref())
        .bind(new.os.version.as_deref())
        .bind(new.os.name.as_deref())
        .bind(new.os.kernel.as_deref())
        .bind(new.os.arch.as_deref())
        .bind(&new.plan.id)
        .bind(&new.plan.version)
        .bind(&new.plan.sha256)
        .bind(&new.tool.name)
        .bind(&new.tool.version)
        .bind(&new.summary.verdict)
        .bind(new.summary.total)
        .bind(new.summary.pass)
        .bind(new.summary.fail)
        .bind(new.summary.skip)
        .bind(new.summary.error)
        .bind(new.summary.timeout)
        .bind(i64::try_from(new.devices.len()).unwrap_or(i64::MAX))
        .bind(&new.report_created_at)
        .bind(&at)
        .bind(&actor.id)
        .bind(previous_id.as_deref())
        .execute(&mut *tx.tx)
        .await?;
    insert_devices(tx, &id, &new.devices).await?;
    insert_results(tx, &id, &new.results).await?;
    super::indexer::enqueue(tx, &id).await?;
    insert_checks(tx, &id, &at, &new.checks).await?;
    record(
        tx,
        actor,
        "submission.create",
        subject(&id, &new.org_id),
        json!({ "status": SubmissionStatus::Submitted, "report_id": new.report_id,
                    "envelope_sha256": new.envelope_sha256, "keyid": new.keyid,
                    "previous_id": previous_id }),
    )
    .await?;
    record(
            tx,
            &Actor::system(),
            "submission.checks",
            subject(&id, &new.org_id),
            json!({ "status": status,
                    "checks": new.checks.iter().map(|c| json!({"name": c.name, "outcome": c.outcome}))
                        .collect::<Vec<_>>() }),
        )
        .await?;
    Ok(Stored::Created(id))
}

/// A `submission_devices` row.
pub(crate) fn device_row(row: &AnyRow) -> Result<DeviceRow> {
    Ok(DeviceRow {
        bus: col(row, "bus")?,
        identity: col(row, "identity")?,
        base_identity: col(row, "base_identity")?,
        category: col(row, "category")?,
        class: col(row, "class")?,
        vendor_name: col(row, "vendor_name")?,
        device_name: col(row, "device_name")?,
        driver: col(row, "driver")?,
        needs_driver: col::<i64>(row, "needs_driver")? != 0,
    })
}

/// A `submission_results` row.
pub(crate) fn result_row(row: &AnyRow) -> Result<ResultRow> {
    Ok(ResultRow {
        test_id: col(row, "test_id")?,
        check: col(row, "check_kind")?,
        area: col(row, "area")?,
        blocker: col::<i64>(row, "blocker")? != 0,
        status: col(row, "status")?,
        duration_ms: col(row, "duration_ms")?,
        message: col(row, "message")?,
    })
}

fn action_name(to: SubmissionStatus) -> &'static str {
    match to {
        SubmissionStatus::Approved => "approve",
        SubmissionStatus::Rejected => "reject",
        SubmissionStatus::Withdrawn => "withdraw",
        other => other.as_str(),
    }
}

/// Reads a submission's status and organisation inside a write transaction.
pub(crate) async fn lock_status(tx: &mut WriteTx, id: &str) -> Result<(SubmissionStatus, String)> {
    let row = sqlx::query("SELECT status, org_id FROM submissions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("submission {id}")))?;
    let status: String = col(&row, "status")?;
    Ok((
        SubmissionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("submission status {status:?}")))?,
        col(&row, "org_id")?,
    ))
}

/// Records a decision on a submission inside `tx`.
pub(crate) async fn set_decision(
    tx: &mut WriteTx,
    id: &str,
    to: SubmissionStatus,
    comment: Option<&str>,
    actor: &Actor,
) -> Result<()> {
    let at = ts(now());
    sqlx::query(
        "UPDATE submissions SET status = $1, decided_at = $2, decided_by = $3, decision_comment = $4, \
         updated_at = $2 WHERE id = $5",
    )
    .bind(to.as_str())
    .bind(&at)
    .bind(&actor.id)
    .bind(comment)
    .bind(id)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_row_by_row() {
        let mut s = String::new();
        push_rows(&mut s, 2, 3, false);
        assert_eq!(s, "($1, $2, $3), ($4, $5, $6)");
        let mut s = String::new();
        push_rows(&mut s, 2, 2, true);
        assert_eq!(s, "(?, ?), (?, ?)");
    }

    #[test]
    fn display_names_say_what_is_missing() {
        assert_eq!(display_name(Some("Dell"), Some("XPS 13")), "Dell XPS 13");
        assert_eq!(display_name(None, None), UNIDENTIFIED_SYSTEM);
        assert_eq!(
            display_name(Some("Dell"), None),
            "Dell (model not reported)"
        );
    }
}
