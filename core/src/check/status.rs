//! A device's status: the rule that turns what the registry counted about a device (reports per
//! rank) into the one word `/api/v1/check` and `mxcert check --offline` answer.
//!
//! A device's status is the best evidence any report gives it: `certified` (in a system with a
//! valid certificate), `works` (its driver bound and no test of its category failed, in a report
//! whose tests ran), `problem` (no driver bound although it needs one, or a test of its category
//! failed), `seen`; `unknown` when no report contains it. How each report ranks a device is the
//! registry's index (`store::public_index`); what the counts mean is decided here, once.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the registry knows about a device, best first. A device's status is the best rank any
/// report gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

    /// The status of a stored rank, `None` for a number that is not one.
    pub fn from_rank(rank: i64) -> Option<DeviceStatus> {
        DeviceStatus::RANKED.into_iter().find(|s| s.rank() == rank)
    }
}

impl std::fmt::Display for DeviceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many reports give a device each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusCounts {
    pub certified: i64,
    pub works: i64,
    pub problem: i64,
    pub seen: i64,
}

impl StatusCounts {
    /// The best rank any report gives the device: the first non-zero counter, best first; a
    /// device some report contains but with every counter zero is `seen`.
    pub fn status(&self) -> DeviceStatus {
        if self.certified > 0 {
            DeviceStatus::Certified
        } else if self.works > 0 {
            DeviceStatus::Works
        } else if self.problem > 0 {
            DeviceStatus::Problem
        } else {
            DeviceStatus::Seen
        }
    }
}

/// Machines whose person says a device works, or does not (community reports, not
/// certification; distinct machines, hidden reports excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommunityCount {
    pub works: i64,
    pub problems: i64,
}

impl CommunityCount {
    /// Whether no machine said anything.
    pub fn is_zero(&self) -> bool {
        self.works == 0 && self.problems == 0
    }
}

/// A device's status from certification evidence (`certification`) and community reports:
/// certified stays certified; otherwise a device works when any report or machine says so, has
/// problems when only problems are reported, and is seen (or unknown) otherwise.
pub fn combined_status(certification: DeviceStatus, community: CommunityCount) -> DeviceStatus {
    match certification {
        DeviceStatus::Certified | DeviceStatus::Works => certification,
        _ if community.works > 0 => DeviceStatus::Works,
        DeviceStatus::Problem => certification,
        _ if community.problems > 0 => DeviceStatus::Problem,
        _ => certification,
    }
}

/// What the registry knows about one device (by base identity): the public data a check needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KnownDevice {
    /// The base identity, e.g. `pci:8086:9a49`.
    pub identity: String,
    /// The registry's names, when it has them.
    pub vendor_name: Option<String>,
    pub device_name: Option<String>,
    /// Reports per status.
    pub reports: StatusCounts,
    /// How many system models contain it.
    pub systems: i64,
    /// Community reports (issue 18): machines whose person says it works or not.
    #[serde(default, skip_serializing_if = "CommunityCount::is_zero")]
    pub community: CommunityCount,
}

impl KnownDevice {
    /// The best of certification evidence and community reports ([`combined_status`]); a device
    /// only community reports contain has all certification counters zero.
    pub fn status(&self) -> DeviceStatus {
        let certification = if self.reports == StatusCounts::default() && !self.community.is_zero()
        {
            DeviceStatus::Unknown
        } else {
            self.reports.status()
        };
        combined_status(certification, self.community)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_counted_rank_is_the_status() {
        let c = |certified, works, problem, seen| StatusCounts {
            certified,
            works,
            problem,
            seen,
        };
        assert_eq!(c(1, 5, 5, 5).status(), DeviceStatus::Certified);
        assert_eq!(c(0, 1, 5, 5).status(), DeviceStatus::Works);
        assert_eq!(c(0, 0, 1, 5).status(), DeviceStatus::Problem);
        assert_eq!(c(0, 0, 0, 1).status(), DeviceStatus::Seen);
        assert_eq!(c(0, 0, 0, 0).status(), DeviceStatus::Seen);
        for s in DeviceStatus::RANKED {
            assert_eq!(DeviceStatus::from_rank(s.rank()), Some(s));
        }
        assert_eq!(DeviceStatus::from_rank(4), None);
    }

    #[test]
    fn community_reports_rank_below_certification() {
        let people = |works, problems| CommunityCount { works, problems };
        use DeviceStatus::*;
        assert_eq!(combined_status(Certified, people(0, 9)), Certified);
        assert_eq!(combined_status(Works, people(0, 9)), Works);
        assert_eq!(combined_status(Problem, people(1, 0)), Works);
        assert_eq!(combined_status(Problem, people(0, 1)), Problem);
        assert_eq!(combined_status(Seen, people(0, 1)), Problem);
        assert_eq!(combined_status(Unknown, people(0, 0)), Unknown);
        assert_eq!(combined_status(Unknown, people(2, 1)), Works);
    }
}
