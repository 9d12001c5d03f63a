//! Per-device compatibility ([`lookup`]): what the registry knows about one device identity from
//! every report that contains it.
//!
//! Devices are filed under their *base* identity (`pci:8086:9a49`: the chip, without the
//! subsystem ids of one product's build of it). A device's status is the best evidence any report
//! gives it — `certified` (in a system with a valid certificate), `works` (its driver bound and no
//! test of its category failed, in a report whose tests ran), `problem` (no driver bound although
//! it needs one, or a test of its category failed), `seen` — see
//! [`crate::store::public_index`] for the exact rules. The counts per status say how much
//! evidence there is.
//!
//! Community reports (issue 18) add a tier beside certification, counted in distinct machines
//! and kept in their own `community` object: a device no certified system contains is `works`
//! when people confirm it works on their machines, `problem` when they only report problems
//! ([`combined_status`]: certified > works > problem > seen).

use std::time::Instant;

use axum::body::Bytes;
use mxcert_core::identity::Identity;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::answer_cache::AnswerCache;
use crate::error::{ApiError, ApiResult};
use crate::store::devices::DeviceStatsRow;
use crate::store::Store;
pub use mxcert_core::check::DeviceStatus;

/// Systems per page of a device's system list unless `per_page` says otherwise.
pub const DEFAULT_SYSTEMS: u32 = 20;

pub use mxcert_core::check::{base_identity, combined_status, CommunityCount, StatusCounts};

/// Parses a device given by a user, any case: an identity string (`pci:8086:9a49`), or bare
/// `vvvv:dddd` hex ids, which may be PCI or USB. Returns the base identities it may mean.
pub fn base_identities_param(id: &str) -> Result<Vec<String>, String> {
    let id = id.trim().to_ascii_lowercase();
    if let Some((v, d)) = id.split_once(':') {
        let hex4 = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit());
        if hex4(v) && hex4(d) {
            return Ok(vec![format!("pci:{v}:{d}"), format!("usb:{v}:{d}")]);
        }
    }
    let bus_ok = id
        .split(':')
        .next()
        .is_some_and(|b| b.starts_with(|c: char| c.is_ascii_alphabetic()));
    if !bus_ok {
        return Err(format!(
            "{id:?} is not a device: use an identity such as pci:8086:9a49 or usb:8087:0033, or \
             vendor:device in hex"
        ));
    }
    Identity::parse(&id)
        .map(|i| vec![i.base().to_string()])
        .map_err(|e| e.to_string())
}

/// Where a device is in the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeviceRef {
    /// The base identity, e.g. `pci:8086:9a49`.
    pub identity: String,
    /// `GET` this for the device's compatibility.
    pub url: String,
}

impl DeviceRef {
    pub fn new(base_identity: &str) -> DeviceRef {
        DeviceRef {
            identity: base_identity.to_owned(),
            url: crate::urls::device(base_identity),
        }
    }
}

/// The community tier of a device: machine counts in all, and per release and kernel series.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CommunityCounts {
    /// Machines (in all releases) whose person says it works.
    pub works: i64,
    /// Machines (in all releases) whose person says it does not work.
    pub problems: i64,
    /// The same per distribution release and kernel series, most machines first.
    pub by_release: Vec<CommunityRelease>,
}

/// Community machine counts in one release and kernel series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CommunityRelease {
    /// `mxos 1.0`.
    pub release: String,
    /// `6.8`.
    pub kernel_series: String,
    pub works: i64,
    pub problems: i64,
}

/// A system model that contains the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeviceSystem {
    pub vendor: Option<String>,
    pub model: Option<String>,
    /// `Vendor Model`, or a placeholder for reports without a system identity.
    pub display_name: String,
    /// The best status this model's reports give the device.
    pub status: DeviceStatus,
    /// How many reports of this model contain the device.
    pub reports: i64,
    pub last_seen_at: String,
    /// The model's currently valid certificates, newest first.
    pub certificates: Vec<String>,
    /// The newest certificate's system in the API, when certified.
    pub url: Option<String>,
}

/// A kernel driver seen bound to the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DriverSeen {
    pub driver: String,
    /// In how many reports.
    pub reports: i64,
}

/// Everything the registry knows about one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeviceCompat {
    /// The base identity, e.g. `pci:8086:9a49`.
    pub identity: String,
    /// `pci`, `usb`, ...
    pub bus: String,
    /// The vendor id (4 hex digits) for PCI and USB.
    pub vendor_id: Option<String>,
    /// The device or product id (4 hex digits) for PCI and USB.
    pub device_id: Option<String>,
    /// The device category (`graphics`, `wireless`, ...), as last reported.
    pub category: String,
    pub vendor_name: Option<String>,
    pub device_name: Option<String>,
    /// The best of certification evidence and community reports ([`combined_status`]).
    pub status: DeviceStatus,
    /// Certification reports per status.
    pub reports: StatusCounts,
    /// Community reports: machines whose person says it works or not (not certification).
    pub community: CommunityCounts,
    /// How many system models contain it.
    pub systems_count: i64,
    /// System models that contain it, best status first (one page).
    pub systems: Vec<DeviceSystem>,
    pub drivers: Vec<DriverSeen>,
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub url: String,
}

/// Paging of a device's systems.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeviceQuery {
    /// Page of the system list, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Systems per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Parses the path of `GET /api/v1/devices/{bus}/{id}` (`pci` + `8086:9a49`, any case; PCI
/// subsystem ids are accepted and ignored) into a base identity.
pub fn identity_from_path(bus: &str, id: &str) -> ApiResult<Identity> {
    let text = format!("{}:{}", bus.trim(), id.trim()).to_ascii_lowercase();
    Identity::parse(&text)
        .map(|i| i.base())
        .map_err(|e| ApiError::bad_request("malformed_path", e.to_string()))
}

/// The compatibility of one device; 404 when no report, certification or community, contains it.
pub async fn lookup(
    store: &Store,
    identity: &Identity,
    q: &DeviceQuery,
) -> ApiResult<DeviceCompat> {
    let (page, per_page) = paging(q)?;
    Ok(answer(store, identity, page, per_page).await?.0)
}

/// [`lookup`]'s answer serialized as JSON (the bytes `GET /api/v1/devices/{bus}/{id}` sends),
/// from `cache` when it holds a current answer (see [`super::answer_cache`]).
pub async fn lookup_json(
    store: &Store,
    cache: &AnswerCache,
    identity: &Identity,
    q: &DeviceQuery,
) -> ApiResult<Bytes> {
    let (page, per_page) = paging(q)?;
    let key = format!("{identity} {page} {per_page}");
    // Read before the answer is computed: a write committed meanwhile makes the entry old.
    let generation = store.data_generation();
    if let Some(body) = cache.get(&key, generation) {
        return Ok(body);
    }
    let (answer, first_expiry) = answer(store, identity, page, per_page).await?;
    let body = Bytes::from(
        serde_json::to_vec(&answer)
            .map_err(|e| ApiError::internal(format!("serializing a device: {e}")))?,
    );
    let until = first_expiry.as_deref().map(instant_of);
    cache.put(key, generation, until, body.clone());
    Ok(body)
}

/// The moment (on the monotonic clock) a stored timestamp falls; now if past or unreadable.
fn instant_of(stored: &str) -> Instant {
    let left = crate::store::parse_ts(stored)
        .ok()
        .and_then(|t| (t - crate::store::now()).to_std().ok())
        .unwrap_or_default();
    Instant::now() + left
}

/// The page and page size asked for, checked.
fn paging(q: &DeviceQuery) -> ApiResult<(u32, u32)> {
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(DEFAULT_SYSTEMS);
    if page == 0 || !(1..=100).contains(&per_page) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "page starts at 1 and per_page is between 1 and 100",
        ));
    }
    Ok((page, per_page))
}

/// The answer, and the earliest expiry of the certificates it lists (when the answer lapses).
async fn answer(
    store: &Store,
    identity: &Identity,
    page: u32,
    per_page: u32,
) -> ApiResult<(DeviceCompat, Option<String>)> {
    let id = identity.to_string();
    let facts = store.device_facts(&id).await?;
    let community = CommunityCounts {
        works: facts.community.iter().map(|r| r.works).sum(),
        problems: facts.community.iter().map(|r| r.problems).sum(),
        by_release: facts
            .community
            .into_iter()
            .map(|r| CommunityRelease {
                release: r.release,
                kernel_series: r.kernel_series,
                works: r.works,
                problems: r.problems,
            })
            .collect(),
    };
    let stats = match facts.stats {
        Some(stats) => stats,
        None if community.works + community.problems > 0 => {
            only_community(identity, &id, facts.community_category)
        }
        None => {
            return Err(ApiError::not_found(format!(
                "no report contains the device {id}"
            )))
        }
    };
    let page = store
        .device_systems_page(
            &id,
            i64::from(per_page),
            i64::from(page - 1) * i64::from(per_page),
            &super::now(),
        )
        .await?;
    let first_expiry = page.first_expiry;
    let drivers = facts.drivers;
    let (vendor_id, device_id) = match identity.vendor_device() {
        Some((v, d)) => (Some(format!("{v:04x}")), Some(format!("{d:04x}"))),
        None => (None, None),
    };
    let answer = DeviceCompat {
        url: crate::urls::device(&id),
        bus: identity.bus().to_owned(),
        identity: id,
        vendor_id,
        device_id,
        category: stats.category.clone(),
        vendor_name: stats.vendor_name.clone(),
        device_name: stats.device_name.clone(),
        status: combined_status(
            stats.status(),
            CommunityCount {
                works: community.works,
                problems: community.problems,
            },
        ),
        reports: stats.counts(),
        community,
        systems_count: stats.systems,
        systems: page
            .systems
            .into_iter()
            .map(|row| {
                let s = row.system;
                // Only a model whose reports certify the device lists its certificates.
                let certs = if s.status == DeviceStatus::Certified {
                    row.certificates
                } else {
                    Vec::new()
                };
                DeviceSystem {
                    url: certs.first().map(|c| crate::urls::system(c)),
                    certificates: certs,
                    vendor: s.vendor,
                    model: s.model,
                    display_name: s.display_name,
                    status: s.status,
                    reports: s.submissions,
                    last_seen_at: s.last_seen_at,
                }
            })
            .collect(),
        drivers: drivers
            .into_iter()
            .map(|d| DriverSeen {
                driver: d.driver,
                reports: d.submissions,
            })
            .collect(),
        first_seen_at: stats.first_seen_at,
        last_seen_at: stats.last_seen_at,
    };
    Ok((answer, first_expiry))
}

/// The row of a device only community reports contain: no certification counts, its category
/// as people's probes gave it.
fn only_community(identity: &Identity, id: &str, category: Option<String>) -> DeviceStatsRow {
    let category = category.unwrap_or_else(|| "other".into());
    DeviceStatsRow {
        base_identity: id.to_owned(),
        bus: identity.bus().to_owned(),
        category,
        vendor_name: None,
        device_name: None,
        certified: 0,
        works: 0,
        problem: 0,
        seen: 0,
        systems: 0,
        first_seen_at: String::new(),
        last_seen_at: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_to_base_identities() {
        let id = identity_from_path("pci", "8086:9A49").unwrap();
        assert_eq!(id.to_string(), "pci:8086:9a49");
        let id = identity_from_path("PCI", "8086:9a49:17aa:22e4").unwrap();
        assert_eq!(id.to_string(), "pci:8086:9a49");
        assert_eq!(
            identity_from_path("usb", "8087:0033").unwrap().to_string(),
            "usb:8087:0033"
        );
        assert_eq!(
            identity_from_path("acpi", "PNP0C0A").unwrap().to_string(),
            "acpi:pnp0c0a"
        );
        for (bus, id) in [
            ("pci", "8086"),
            ("pci", "zzzz:0000"),
            ("usb", "1:2:3"),
            ("", "x"),
        ] {
            let e = identity_from_path(bus, id).unwrap_err();
            assert_eq!(e.code, "malformed_path", "{bus} {id}");
        }
    }
}
