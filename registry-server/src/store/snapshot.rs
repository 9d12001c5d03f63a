//! Reads for the offline snapshot (`crate::public::snapshot`): every device's counts and the ids
//! of revoked certificates, in key order (the certified systems are
//! [`Store::all_certified_systems`]); the snapshot's version counter; and the [`SnapshotMark`]
//! that says whether the data a snapshot holds may have changed since it was built.

use chrono::{DateTime, Utc};

use super::devices::DeviceStatsRow;
use super::devices::{stats, STATS_COLUMNS};
use super::{col, Result, Store};

/// The `counters` row that numbers snapshots.
const VERSION_COUNTER: &str = "snapshot-version";

/// What the snapshot's data depends on, read in a few cheap queries: when two marks are equal,
/// a snapshot built at the first holds what one built at the second would (except certificates
/// that expired meanwhile, which the expiry sweep turns into a change of `certified`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMark {
    /// The transparency log's size: every issued and every revoked certificate is an entry.
    pub log_size: i64,
    /// Submissions counted into the public index, and how many of them are closed and certified
    /// (the devices' counts; rejections, withdrawals and expiries change the last two).
    pub indexed: i64,
    pub closed: i64,
    pub certified: i64,
    /// Community reports: how many, how many hidden, and the newest's time (a machine's new
    /// report replaces its earlier one; a deleted report lowers the count).
    pub community: i64,
    pub community_hidden: i64,
    pub community_newest: String,
}

impl Store {
    /// Every row of `device_stats`, by base identity.
    pub async fn all_device_stats(&self) -> Result<Vec<DeviceStatsRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {STATS_COLUMNS} FROM device_stats ORDER BY base_identity"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stats).collect()
    }

    /// The ids of revoked certificates, sorted.
    pub async fn revoked_certificate_ids(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM certificates WHERE status = 'revoked' ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| col(r, "id")).collect()
    }

    /// The next snapshot version, from a stored counter: one more than the last one handed out
    /// by any process sharing the database, before or after a restart, whatever the clock says.
    /// The counter starts at `now` in milliseconds since the epoch, above the versions registries
    /// took from the clock before the counter existed (clients refuse a version lower than one
    /// they have seen).
    pub async fn next_snapshot_version(&self, now: DateTime<Utc>) -> Result<u64> {
        let start = now.timestamp_millis().max(1);
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO counters (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        )
        .bind(VERSION_COUNTER)
        .bind(start)
        .fetch_one(&mut *tx.tx)
        .await?;
        let value: i64 = col(&row, "value")?;
        tx.commit().await?;
        u64::try_from(value).map_err(|_| {
            super::StoreError::Corrupt(format!("the snapshot version counter is {value}"))
        })
    }

    /// The snapshot's [`SnapshotMark`] now.
    pub async fn snapshot_mark(&self) -> Result<SnapshotMark> {
        let one = |sql: &'static str| async move {
            let row = sqlx::query(sql).fetch_one(self.pool()).await?;
            col::<i64>(&row, "n")
        };
        let newest =
            sqlx::query("SELECT COALESCE(MAX(created_at), '') AS newest FROM community_reports")
                .fetch_one(self.pool())
                .await?;
        Ok(SnapshotMark {
            log_size: one("SELECT COALESCE(MAX(size), 0) AS n FROM tlog_checkpoints").await?,
            indexed: one("SELECT COUNT(*) AS n FROM indexed_submissions").await?,
            closed: one("SELECT COUNT(*) AS n FROM indexed_submissions WHERE closed = 1").await?,
            certified: one("SELECT COUNT(*) AS n FROM indexed_submissions WHERE certified = 1")
                .await?,
            community: one("SELECT COUNT(*) AS n FROM community_reports").await?,
            community_hidden: one(
                "SELECT COUNT(*) AS n FROM community_reports WHERE hidden_at IS NOT NULL",
            )
            .await?,
            community_newest: col(&newest, "newest")?,
        })
    }
}
