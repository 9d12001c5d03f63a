//! The answer to "does this machine work with MxOS?": every device of one machine with what the
//! registry knows about it, and the certified systems that match the machine (the same model, the
//! same board, the same vendor family).
//!
//! Answering is two pure steps around the caller's look-ups, so that the registry (`POST
//! /api/v1/check`, reading its database) and `mxcert check --offline` (reading a signed snapshot,
//! [`crate::snapshot`]) give the same answer for the same data: [`Lookup::new`] says what to look
//! up (the distinct base identities, the folded keys of each [`Relation`]); [`answer`] puts the
//! found devices and related systems together (statuses, counts, the summary, each related system
//! listed once, under the closest relation).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::fold::fold;
use super::status::{CommunityCount, DeviceStatus, KnownDevice, StatusCounts};
use super::system_category::SystemCategory;
use crate::identity::Identity;
use crate::import::Format;
use crate::inventory::{Device, Inventory, System};

/// Related systems listed per relation.
pub const RELATED_LIMIT: usize = 20;

/// The base identity of an identity string (`pci:8086:9a49:17aa:22e4` -> `pci:8086:9a49`);
/// strings that do not parse are their own base (as the registry files them).
pub fn base_identity(id: &str) -> String {
    Identity::parse(id)
        .map(|i| i.base().to_string())
        .unwrap_or_else(|_| id.to_owned())
}

/// A time in the format the registry stores and publishes certificates' `issued_at` and
/// `expires_at` (RFC 3339, UTC, microseconds, `Z`), so that comparing the strings compares the
/// times.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A device in the registry's API: `/api/v1/devices/pci/8086:9a49`.
pub fn device_path(base_identity: &str) -> String {
    match base_identity.split_once(':') {
        Some((bus, rest)) => format!("/api/v1/devices/{bus}/{rest}"),
        None => format!("/api/v1/devices/{base_identity}"),
    }
}

/// A certified system in the registry's API: `/api/v1/systems/{certificate_id}`.
pub fn system_path(certificate_id: &str) -> String {
    format!("/api/v1/systems/{certificate_id}")
}

/// What the input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// `mxcert probe --format json`.
    Inventory,
    /// An mxcert report.
    Report,
    /// A DSSE envelope holding an mxcert report (its signature is not checked).
    SignedReport,
    /// `udevadm info --export-db`.
    Udevadm,
    /// A umockdev recording.
    Umockdev,
    /// `lspci -nn` or `lspci -nnk`.
    Lspci,
    /// `lsusb`.
    Lsusb,
}

impl From<Format> for InputFormat {
    fn from(f: Format) -> InputFormat {
        match f {
            Format::Udevadm => InputFormat::Udevadm,
            Format::Umockdev => InputFormat::Umockdev,
            Format::Lspci => InputFormat::Lspci,
            Format::Lsusb => InputFormat::Lsusb,
            Format::Inventory => InputFormat::Inventory,
            Format::Report => InputFormat::Report,
        }
    }
}

/// A machine to check: its identity and devices.
#[derive(Debug, Clone)]
pub struct Machine {
    pub format: InputFormat,
    pub system: System,
    pub devices: Vec<Device>,
}

impl Machine {
    pub fn from_inventory(format: InputFormat, inventory: Inventory) -> Machine {
        Machine {
            format,
            system: inventory.system,
            devices: inventory.devices,
        }
    }
}

/// A certificate's status now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    Revoked,
    Expired,
}

impl CertificateStatus {
    /// From the stored word (`valid`, `revoked`, `expired`; anything else is `valid`).
    pub fn from_row(s: &str) -> CertificateStatus {
        match s {
            "revoked" => CertificateStatus::Revoked,
            "expired" => CertificateStatus::Expired,
            _ => CertificateStatus::Valid,
        }
    }
}

/// The plan a system was certified under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanVersion {
    pub id: String,
    pub version: String,
}

/// A certified system in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SystemSummary {
    /// e.g. `MX-2026-000123`.
    pub certificate_id: String,
    /// This system in the API.
    pub url: String,
    pub vendor: String,
    pub model: String,
    pub family: Option<String>,
    pub sku: Option<String>,
    pub board: Option<String>,
    /// The SMBIOS chassis type as reported, e.g. `Notebook`.
    pub chassis_type: Option<String>,
    pub category: SystemCategory,
    pub mxos_release: String,
    pub plan: PlanVersion,
    /// The organisation that submitted the report.
    pub organisation: String,
    pub issued_at: String,
    pub expires_at: String,
    pub status: CertificateStatus,
    pub device_count: i64,
}

/// The machine as the input identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckedSystem {
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub family: Option<String>,
    pub board: Option<String>,
    pub chassis_type: Option<String>,
    pub category: SystemCategory,
}

/// One device of the machine and what the registry knows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckedDevice {
    /// The identity as found, e.g. `pci:8086:a7a1:17aa:22e4`.
    pub identity: String,
    /// What the registry files it under, e.g. `pci:8086:a7a1`.
    pub base_identity: String,
    pub bus: String,
    pub category: String,
    /// The registry's name when it has one, else the input's.
    pub vendor_name: Option<String>,
    pub device_name: Option<String>,
    /// The driver bound on this machine, when the input says.
    pub driver: Option<String>,
    /// Whether this device needs a driver and the input shows none bound.
    pub driver_missing: bool,
    /// `unknown` when no report contains it.
    pub status: DeviceStatus,
    /// Reports per status (all zero when unknown).
    pub reports: StatusCounts,
    /// Community reports: machines whose person says it works or not (not certification).
    #[serde(default)]
    pub community: CommunityCount,
    /// How many system models contain it.
    pub systems: i64,
    /// The device in the API.
    pub url: String,
}

/// How many of the machine's devices have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckSummary {
    pub devices: usize,
    pub certified: usize,
    pub works: usize,
    pub problem: usize,
    pub seen: usize,
    pub unknown: usize,
}

/// Certified systems that match the machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchingSystems {
    /// The same vendor and model: this machine's model is certified.
    pub exact: Vec<SystemSummary>,
    /// The same board (mainboard) under another model name.
    pub same_board: Vec<SystemSummary>,
    /// The same vendor and product family.
    pub same_family: Vec<SystemSummary>,
}

/// The answer to a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckAnswer {
    pub format: InputFormat,
    pub system: CheckedSystem,
    /// Whether this exact model has a valid certificate.
    pub model_certified: bool,
    pub summary: CheckSummary,
    /// Every device found, in input order.
    pub devices: Vec<CheckedDevice>,
    pub certified_systems: MatchingSystems,
}

/// How a certified system may be related to the machine, by folded keys ([`fold`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation<'a> {
    Model { vendor: &'a str, model: &'a str },
    Board(&'a str),
    Family { vendor: &'a str, family: &'a str },
}

impl Relation<'_> {
    /// A relation with an empty key matches nothing.
    pub fn is_empty(&self) -> bool {
        match self {
            Relation::Model { vendor, model } => vendor.is_empty() || model.is_empty(),
            Relation::Board(b) => b.is_empty(),
            Relation::Family { vendor, family } => vendor.is_empty() || family.is_empty(),
        }
    }
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// What a check of one machine must look up before it can [`answer`].
#[derive(Debug, Clone)]
pub struct Lookup {
    /// Each device's base identity, in input order.
    pub bases: Vec<String>,
    /// The machine as identified.
    pub system: CheckedSystem,
    vendor: String,
    model: String,
    family: String,
    board: String,
}

impl Lookup {
    pub fn new(machine: &Machine) -> Lookup {
        let s = &machine.system;
        let system = CheckedSystem {
            vendor: clean(&s.vendor),
            model: clean(&s.product),
            family: clean(&s.family),
            board: s.board.as_ref().and_then(|b| clean(&b.product)),
            chassis_type: clean(&s.chassis_type),
            category: SystemCategory::from_chassis(s.chassis_type.as_deref()),
        };
        let key = |v: &Option<String>| fold(v.as_deref().unwrap_or_default());
        Lookup {
            bases: machine
                .devices
                .iter()
                .map(|d| base_identity(&d.id))
                .collect(),
            vendor: key(&system.vendor),
            model: key(&system.model),
            family: key(&system.family),
            board: key(&system.board),
            system,
        }
    }

    /// The distinct base identities to look up, sorted.
    pub fn distinct_bases(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self.bases.iter().map(String::as_str).collect();
        set.into_iter().collect()
    }

    /// The same model (vendor and model).
    pub fn model(&self) -> Relation<'_> {
        Relation::Model {
            vendor: &self.vendor,
            model: &self.model,
        }
    }

    /// The same board.
    pub fn board(&self) -> Relation<'_> {
        Relation::Board(&self.board)
    }

    /// The same vendor and family.
    pub fn family(&self) -> Relation<'_> {
        Relation::Family {
            vendor: &self.vendor,
            family: &self.family,
        }
    }
}

/// The certified systems related to the machine, as found for each relation (valid now, newest
/// first, at most [`RELATED_LIMIT`] each).
#[derive(Debug, Clone, Default)]
pub struct Related {
    pub exact: Vec<SystemSummary>,
    pub same_board: Vec<SystemSummary>,
    pub same_family: Vec<SystemSummary>,
}

/// The answer for `machine`, from what was found: `known` maps base identities to what the
/// registry knows (devices it lacks are `unknown`); a related system is listed once, under the
/// closest relation.
pub fn answer(
    machine: &Machine,
    lookup: Lookup,
    known: &HashMap<String, KnownDevice>,
    related: Related,
) -> CheckAnswer {
    let mut summary = CheckSummary {
        devices: machine.devices.len(),
        ..CheckSummary::default()
    };
    let devices: Vec<CheckedDevice> = machine
        .devices
        .iter()
        .zip(lookup.bases)
        .map(|(d, base)| {
            let k = known.get(&base);
            let status = k.map_or(DeviceStatus::Unknown, KnownDevice::status);
            match status {
                DeviceStatus::Certified => summary.certified += 1,
                DeviceStatus::Works => summary.works += 1,
                DeviceStatus::Problem => summary.problem += 1,
                DeviceStatus::Seen => summary.seen += 1,
                DeviceStatus::Unknown => summary.unknown += 1,
            }
            CheckedDevice {
                identity: d.id.clone(),
                bus: d.bus.clone(),
                category: d.category.as_str().to_owned(),
                vendor_name: k
                    .and_then(|s| s.vendor_name.clone())
                    .or_else(|| d.vendor_name.clone()),
                device_name: k
                    .and_then(|s| s.device_name.clone())
                    .or_else(|| d.device_name.clone()),
                driver: d.driver.clone(),
                driver_missing: d.needs_driver && d.driver.is_none(),
                status,
                reports: k.map(|s| s.reports).unwrap_or_default(),
                community: k.map(|s| s.community).unwrap_or_default(),
                systems: k.map_or(0, |s| s.systems),
                url: device_path(&base),
                base_identity: base,
            }
        })
        .collect();
    let mut listed: BTreeSet<String> = related
        .exact
        .iter()
        .map(|r| r.certificate_id.clone())
        .collect();
    let same_board: Vec<SystemSummary> = related
        .same_board
        .into_iter()
        .filter(|r| !listed.contains(&r.certificate_id))
        .collect();
    listed.extend(same_board.iter().map(|r| r.certificate_id.clone()));
    let same_family: Vec<SystemSummary> = related
        .same_family
        .into_iter()
        .filter(|r| !listed.contains(&r.certificate_id))
        .collect();
    CheckAnswer {
        format: machine.format,
        model_certified: !related.exact.is_empty(),
        system: lookup.system,
        summary,
        devices,
        certified_systems: MatchingSystems {
            exact: related.exact,
            same_board,
            same_family,
        },
    }
}
