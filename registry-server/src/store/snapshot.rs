//! Reads for the offline snapshot (`crate::public::snapshot`): every device's counts and the ids
//! of revoked certificates, in key order. The certified systems are
//! [`Store::all_certified_systems`].

use super::devices::DeviceStatsRow;
use super::devices::{stats, STATS_COLUMNS};
use super::{col, Result, Store};

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
}
