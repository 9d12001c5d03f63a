//! The reads of one device lookup in two queries (issue 18: it took five): [`Store::device_facts`]
//! (the device's counts and names, its drivers, its community counts per release and the category
//! community probes give it, as one `UNION ALL`), and [`Store::device_systems_page`] (one page of
//! the system models that contain it, each with its currently valid certificates, as one join).
//!
//! Orders are the database's, as they were when these were separate queries: drivers by reports
//! (most first) then name; community counts by machines (most first) then release and kernel
//! series, descending; systems by best rank, most recently seen, id; certificates newest first.
//! This module does not decide statuses (see [`crate::public::devices`]).

use sqlx::any::AnyRow;

use super::community::CommunityCountRow;
use super::devices::{system_row, DeviceStatsRow, DeviceSystemRow, DriverRow};
use super::{col, Result, Store};

/// Drivers listed per device at most.
const DRIVERS: usize = 50;

/// Everything about one device but its systems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceFacts {
    /// Its certification counts and names, when a certification report contains it.
    pub stats: Option<DeviceStatsRow>,
    /// Drivers seen bound to it, most often first (at most 50).
    pub drivers: Vec<DriverRow>,
    /// Machines that say it works or not per release and kernel series, most machines first.
    pub community: Vec<CommunityCountRow>,
    /// The category people's probes give it, when a community report contains it.
    pub community_category: Option<String>,
}

/// One system model of a device's page, with its currently valid certificates (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSystemPageRow {
    pub system: DeviceSystemRow,
    pub certificates: Vec<String>,
}

/// One page of a device's systems, and the earliest expiry among the certificates listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceSystemsPage {
    pub systems: Vec<DeviceSystemPageRow>,
    pub first_expiry: Option<String>,
}

/// The facts query: one row per part (`s` stats, `d` a driver, `c` a release's community counts
/// (kept in `community_counts`, migration 0013),
/// `k` the community category), columns shared by position; ordered so each part comes out in
/// the order its own query gave it.
const FACTS: &str = "SELECT * FROM ( \
     SELECT 's' AS part, bus AS t1, category AS t2, vendor_name AS t3, device_name AS t4, \
            first_seen_at AS t5, last_seen_at AS t6, \
            certified AS n1, works AS n2, problem AS n3, seen AS n4, systems AS n5 \
     FROM device_stats WHERE base_identity = $1 \
     UNION ALL \
     SELECT 'd', driver, NULL, NULL, NULL, NULL, NULL, submissions, 0, 0, 0, 0 \
     FROM device_drivers WHERE base_identity = $1 \
     UNION ALL \
     SELECT 'c', release, kernel_series, NULL, NULL, NULL, NULL, \
            CAST(works AS BIGINT), CAST(problems AS BIGINT), CAST(works + problems AS BIGINT), 0, 0 \
     FROM community_counts WHERE base_identity = $1 AND (works > 0 OR problems > 0) \
     UNION ALL \
     SELECT 'k', category, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0 FROM ( \
        SELECT category FROM community_devices WHERE base_identity = $1 LIMIT 1) k \
   ) f \
   ORDER BY part, \
     CASE WHEN part = 'd' THEN n1 WHEN part = 'c' THEN n3 ELSE 0 END DESC, \
     CASE WHEN part = 'd' THEN t1 END ASC, \
     CASE WHEN part = 'c' THEN t1 END DESC, \
     CASE WHEN part = 'c' THEN t2 END DESC";

/// The systems query: a page of `device_systems` (as `device_systems` orders it), then each
/// model's valid certificates.
const SYSTEMS: &str = "SELECT p.system_id, p.best_rank, p.submissions, p.last_seen_at, p.vendor, \
     p.model, c.certificate_id, c.expires_at FROM ( \
        SELECT d.system_id, d.best_rank, d.submissions, d.last_seen_at, s.vendor, s.model \
        FROM device_systems d JOIN systems s ON s.id = d.system_id \
        WHERE d.base_identity = $1 \
        ORDER BY d.best_rank, d.last_seen_at DESC, d.system_id LIMIT $2 OFFSET $3) p \
     LEFT JOIN public_systems c ON c.system_id = p.system_id AND c.status = 'valid' \
        AND c.expires_at > $4 \
     ORDER BY p.best_rank, p.last_seen_at DESC, p.system_id, c.issued_at DESC, \
        c.certificate_id DESC";

impl Store {
    /// One device's counts, names, drivers and community counts, in one query.
    pub async fn device_facts(&self, base_identity: &str) -> Result<DeviceFacts> {
        let rows = sqlx::query(FACTS)
            .bind(base_identity)
            .fetch_all(self.pool())
            .await?;
        let mut facts = DeviceFacts::default();
        for r in &rows {
            let part: String = col(r, "part")?;
            match part.as_str() {
                "s" => facts.stats = Some(stats_row(r, base_identity)?),
                "d" if facts.drivers.len() < DRIVERS => facts.drivers.push(DriverRow {
                    driver: col(r, "t1")?,
                    submissions: col(r, "n1")?,
                }),
                "c" => facts.community.push(CommunityCountRow {
                    release: col(r, "t1")?,
                    kernel_series: col(r, "t2")?,
                    works: col(r, "n1")?,
                    problems: col(r, "n2")?,
                }),
                "k" => facts.community_category = Some(col(r, "t1")?),
                _ => {}
            }
        }
        Ok(facts)
    }

    /// One page of the system models that contain a device (best rank first, then most recently
    /// seen), each with its certificates valid at `now`, in one query.
    pub async fn device_systems_page(
        &self,
        base_identity: &str,
        limit: i64,
        offset: i64,
        now: &str,
    ) -> Result<DeviceSystemsPage> {
        let rows = sqlx::query(SYSTEMS)
            .bind(base_identity)
            .bind(limit)
            .bind(offset)
            .bind(now)
            .fetch_all(self.pool())
            .await?;
        let mut page = DeviceSystemsPage::default();
        for r in &rows {
            let system_id: String = col(r, "system_id")?;
            if page
                .systems
                .last()
                .is_none_or(|last| last.system.system_id != system_id)
            {
                page.systems.push(DeviceSystemPageRow {
                    system: system_row(r)?,
                    certificates: Vec::new(),
                });
            }
            let certificate: Option<String> = col(r, "certificate_id")?;
            let expires: Option<String> = col(r, "expires_at")?;
            if let (Some(certificate), Some(expires), Some(last)) =
                (certificate, expires, page.systems.last_mut())
            {
                last.certificates.push(certificate);
                if page.first_expiry.as_ref().is_none_or(|f| expires < *f) {
                    page.first_expiry = Some(expires);
                }
            }
        }
        Ok(page)
    }
}

fn stats_row(r: &AnyRow, base_identity: &str) -> Result<DeviceStatsRow> {
    Ok(DeviceStatsRow {
        base_identity: base_identity.to_owned(),
        bus: col(r, "t1")?,
        category: col(r, "t2")?,
        vendor_name: col(r, "t3")?,
        device_name: col(r, "t4")?,
        certified: col(r, "n1")?,
        works: col(r, "n2")?,
        problem: col(r, "n3")?,
        seen: col(r, "n4")?,
        systems: col(r, "n5")?,
        first_seen_at: col(r, "t5")?,
        last_seen_at: col(r, "t6")?,
    })
}
