//! Answers checks from snapshot data with the rules of [`crate::check`]: what the registry reads
//! from its index (a device's counts, the certified systems of a relation, valid now, newest
//! first, at most [`RELATED_LIMIT`]) read from memory instead.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::SnapshotData;
use crate::check::{
    answer, fold, timestamp, CheckAnswer, KnownDevice, Lookup, Machine, Related, Relation,
    SystemSummary, RELATED_LIMIT,
};

/// A certified system with the folded keys the registry's index matches on.
#[derive(Debug)]
struct Keyed {
    vendor: String,
    model: String,
    family: String,
    board: String,
    summary: SystemSummary,
}

/// Snapshot data ready for checks.
#[derive(Debug)]
pub struct Index {
    devices: HashMap<String, KnownDevice>,
    /// Newest first (issued_at, then certificate id, descending), as the registry orders them.
    systems: Vec<Keyed>,
}

impl Index {
    pub fn new(data: SnapshotData) -> Index {
        let key = |v: &Option<String>| fold(v.as_deref().unwrap_or_default());
        let mut systems: Vec<Keyed> = data
            .systems
            .into_iter()
            .map(|s| Keyed {
                vendor: fold(&s.vendor),
                model: fold(&s.model),
                family: key(&s.family),
                board: key(&s.board),
                summary: s,
            })
            .collect();
        systems.sort_by(|a, b| {
            (&b.summary.issued_at, &b.summary.certificate_id)
                .cmp(&(&a.summary.issued_at, &a.summary.certificate_id))
        });
        Index {
            devices: data
                .devices
                .into_iter()
                .map(|d| (d.identity.clone(), d))
                .collect(),
            systems,
        }
    }

    /// The certified systems related to the machine this way, valid at `now`.
    fn related(&self, relation: Relation<'_>, now: &str) -> Vec<SystemSummary> {
        if relation.is_empty() {
            return Vec::new();
        }
        self.systems
            .iter()
            .filter(|s| s.summary.expires_at.as_str() > now)
            .filter(|s| match relation {
                Relation::Model { vendor, model } => s.vendor == vendor && s.model == model,
                Relation::Board(board) => s.board == board,
                Relation::Family { vendor, family } => s.vendor == vendor && s.family == family,
            })
            .take(RELATED_LIMIT)
            .map(|s| s.summary.clone())
            .collect()
    }

    /// The answer the registry gives for `machine` at `now`, from this data.
    pub fn check(&self, machine: &Machine, now: DateTime<Utc>) -> CheckAnswer {
        let lookup = Lookup::new(machine);
        let now = timestamp(now);
        let related = Related {
            exact: self.related(lookup.model(), &now),
            same_board: self.related(lookup.board(), &now),
            same_family: self.related(lookup.family(), &now),
        };
        answer(machine, lookup, &self.devices, related)
    }

    /// How many certified systems and devices the data holds.
    pub fn len(&self) -> (usize, usize) {
        (self.systems.len(), self.devices.len())
    }
}
