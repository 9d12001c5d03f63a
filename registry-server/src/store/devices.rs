//! Reads of the per-device compatibility index: one device's counts and names, the system models
//! that contain it, and the counts of many devices at once (for `/check`). A device lookup reads
//! through [`super::device_answer`].
//!
//! Identities arrive as base identities (`pci:8086:9a49`); this module does not parse them and
//! does not decide a device's status (see [`crate::public::devices`]).

use std::collections::HashMap;

use mxcert_core::check::{KnownDevice, StatusCounts};
use sqlx::any::AnyRow;

use super::public_index::{status_from_rank, DeviceStatus};
use super::submissions::display_name;
use super::{col, Result, Store};

/// A device's row in `device_stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStatsRow {
    pub base_identity: String,
    pub bus: String,
    pub category: String,
    pub vendor_name: Option<String>,
    pub device_name: Option<String>,
    pub certified: i64,
    pub works: i64,
    pub problem: i64,
    pub seen: i64,
    pub systems: i64,
    pub first_seen_at: String,
    pub last_seen_at: String,
}

impl DeviceStatsRow {
    /// Reports per status.
    pub fn counts(&self) -> StatusCounts {
        StatusCounts {
            certified: self.certified,
            works: self.works,
            problem: self.problem,
            seen: self.seen,
        }
    }

    /// The best rank any report gives the device (`mxcert_core::check::StatusCounts::status`).
    pub fn status(&self) -> DeviceStatus {
        self.counts().status()
    }

    /// What a check needs of the device.
    pub fn known(self) -> KnownDevice {
        KnownDevice {
            reports: self.counts(),
            identity: self.base_identity,
            vendor_name: self.vendor_name,
            device_name: self.device_name,
            systems: self.systems,
            community: Default::default(),
        }
    }
}

/// A system model that contains a device, with the best rank its reports give the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSystemRow {
    pub system_id: String,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub display_name: String,
    pub status: DeviceStatus,
    pub submissions: i64,
    pub last_seen_at: String,
}

/// A driver seen bound to a device, in how many reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverRow {
    pub driver: String,
    pub submissions: i64,
}

pub(super) const STATS_COLUMNS: &str =
    "base_identity, bus, category, vendor_name, device_name, certified, \
     works, problem, seen, systems, first_seen_at, last_seen_at";

pub(super) fn stats(r: &AnyRow) -> Result<DeviceStatsRow> {
    Ok(DeviceStatsRow {
        base_identity: col(r, "base_identity")?,
        bus: col(r, "bus")?,
        category: col(r, "category")?,
        vendor_name: col(r, "vendor_name")?,
        device_name: col(r, "device_name")?,
        certified: col(r, "certified")?,
        works: col(r, "works")?,
        problem: col(r, "problem")?,
        seen: col(r, "seen")?,
        systems: col(r, "systems")?,
        first_seen_at: col(r, "first_seen_at")?,
        last_seen_at: col(r, "last_seen_at")?,
    })
}

/// Identities per `IN (...)` list: well under both backends' parameter limits.
const IN_BATCH: usize = 500;

impl Store {
    /// One device's counts and names, if any report contains it.
    pub async fn device_stats(&self, base_identity: &str) -> Result<Option<DeviceStatsRow>> {
        let r = sqlx::query(&format!(
            "SELECT {STATS_COLUMNS} FROM device_stats WHERE base_identity = $1"
        ))
        .bind(base_identity)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(stats).transpose()
    }

    /// The counts and names of every device in `base_identities` that some report contains.
    pub async fn devices_stats(
        &self,
        base_identities: &[&str],
    ) -> Result<HashMap<String, DeviceStatsRow>> {
        let mut out = HashMap::with_capacity(base_identities.len());
        for chunk in base_identities.chunks(IN_BATCH) {
            let mut sql =
                format!("SELECT {STATS_COLUMNS} FROM device_stats WHERE base_identity IN (");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i + 1));
            }
            sql.push(')');
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.pool()).await? {
                let s = stats(&r)?;
                out.insert(s.base_identity.clone(), s);
            }
        }
        Ok(out)
    }

    /// System models that contain a device, best rank first, then most recently seen.
    pub async fn device_systems(
        &self,
        base_identity: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DeviceSystemRow>> {
        let rows = sqlx::query(
            "SELECT d.system_id, d.best_rank, d.submissions, d.last_seen_at, s.vendor, s.model \
             FROM device_systems d JOIN systems s ON s.id = d.system_id \
             WHERE d.base_identity = $1 ORDER BY d.best_rank, d.last_seen_at DESC, d.system_id \
             LIMIT $2 OFFSET $3",
        )
        .bind(base_identity)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(system_row).collect()
    }
}

/// A row with `system_id`, `best_rank`, `submissions`, `last_seen_at`, `vendor` and `model`.
pub(super) fn system_row(r: &AnyRow) -> Result<DeviceSystemRow> {
    let vendor: Option<String> = col(r, "vendor")?;
    let model: Option<String> = col(r, "model")?;
    Ok(DeviceSystemRow {
        system_id: col(r, "system_id")?,
        display_name: display_name(vendor.as_deref(), model.as_deref()),
        vendor,
        model,
        status: status_from_rank(col(r, "best_rank")?)?,
        submissions: col(r, "submissions")?,
        last_seen_at: col(r, "last_seen_at")?,
    })
}
