//! The signed offline snapshot (issue 16): the public data `mxcert check --offline` needs
//! (certified systems, every device's counts, revoked certificate ids), compressed, with a
//! manifest signed by the registry's key (`mxcert_core::snapshot`).
//!
//! `GET /api/v1/snapshot` never builds per request: [`SnapshotCache`] keeps the current one
//! and builds a new one at most every [`REFRESH`] (a request that finds it older starts one
//! build in the background and is answered with the current one; only the very first request
//! waits, once, for the first build). Building reads three tables once and compresses off the
//! async workers, so it does not hold up other requests. `mxcert-registry admin snapshot
//! export` builds one with [`build`] directly.
//!
//! Versions increase: a snapshot's version is the creation time in milliseconds since the
//! epoch, or one more than the last version this process made, whichever is larger. A snapshot
//! expires [`LIFETIME`] after it is made.

use mxcert_core::check::{CommunityCount, KnownDevice};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mxcert_core::snapshot::{Built, SnapshotData, DATA_SCHEMA_VERSION};

use super::systems::summary;
use crate::signing::RegistryKey;
use crate::store::{Result, Store};

/// How long a snapshot is served before a new one is built.
pub const REFRESH: Duration = Duration::from_secs(10 * 60);
/// How long after it is made a snapshot expires (clients refuse it a grace period later).
pub const LIFETIME: chrono::Duration = chrono::Duration::days(7);

/// The transparency-log checkpoint a snapshot is cut at, as the signed note's text (the latest
/// checkpoint, read before the snapshot's data so that every certificate it names is covered);
/// `None` while the log is not set up yet.
pub async fn log_checkpoint(store: &Store) -> Result<Option<String>> {
    match store.latest_checkpoint().await {
        Ok(c) => Ok(Some(c.note)),
        Err(crate::store::StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The next version after `last` at `now`.
pub fn next_version(last: u64, now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp_millis())
        .unwrap_or(0)
        .max(last.saturating_add(1))
}

/// Reads the public data a check needs.
pub async fn read(store: &Store, version: u64, now: DateTime<Utc>) -> Result<SnapshotData> {
    let systems = store
        .all_certified_systems(&crate::store::ts(now))
        .await?
        .iter()
        .map(summary)
        .collect();
    let mut devices: Vec<KnownDevice> = store
        .all_device_stats()
        .await?
        .into_iter()
        .map(|r| r.known())
        .collect();
    // Community reports' counts, and the devices only they contain, as `/check` counts them.
    let mut community = store.all_community_counts().await?;
    for d in &mut devices {
        if let Some((works, problems)) = community.remove(&d.identity) {
            d.community = CommunityCount { works, problems };
        }
    }
    let mut only: Vec<(String, (i64, i64))> = community.into_iter().collect();
    only.sort();
    devices.extend(
        only.into_iter()
            .map(|(identity, (works, problems))| KnownDevice {
                identity,
                vendor_name: None,
                device_name: None,
                reports: Default::default(),
                systems: 0,
                community: CommunityCount { works, problems },
            }),
    );
    Ok(SnapshotData {
        schema_version: DATA_SCHEMA_VERSION,
        version,
        created_at: now,
        systems,
        devices,
        revoked: store.revoked_certificate_ids().await?,
    })
}

/// Builds and signs a snapshot of the registry as it is now (on the calling thread: the
/// compression is CPU work; the server calls it through [`SnapshotCache`]).
pub async fn build(store: &Store, key: &RegistryKey, version: u64) -> Result<Built> {
    let checkpoint = log_checkpoint(store).await?;
    let now = crate::store::now();
    let data = read(store, version, now).await?;
    Ok(key.sign_snapshot(&data, now + LIFETIME, checkpoint))
}

/// A snapshot being served.
#[derive(Debug)]
pub struct Current {
    pub built: Built,
    made: Instant,
}

/// The snapshot `GET /api/v1/snapshot` serves, rebuilt at most every [`REFRESH`].
#[derive(Debug, Default)]
pub struct SnapshotCache {
    current: Mutex<Option<Arc<Current>>>,
    building: tokio::sync::Mutex<()>,
    last_version: AtomicU64,
}

impl SnapshotCache {
    fn get(&self) -> Option<Arc<Current>> {
        self.current.lock().ok().and_then(|c| c.clone())
    }

    /// The current snapshot; builds the first one, and starts a rebuild when it is stale.
    pub async fn current(&self, state: &crate::state::AppState) -> Result<Arc<Current>> {
        if let Some(c) = self.get() {
            if c.made.elapsed() >= REFRESH {
                if let Ok(guard) = self.building.try_lock() {
                    drop(guard);
                    let state = state.clone();
                    tokio::spawn(async move {
                        if let Err(e) = state.snapshot.rebuild(&state).await {
                            tracing::warn!("failed to build the offline snapshot: {e}");
                        }
                    });
                }
            }
            return Ok(c);
        }
        self.rebuild(state).await
    }

    /// Builds a new snapshot unless another build is running (then waits for that one).
    async fn rebuild(&self, state: &crate::state::AppState) -> Result<Arc<Current>> {
        let before = self.get().map(|c| c.made);
        let _guard = self.building.lock().await;
        if let Some(c) = self.get() {
            if Some(c.made) != before {
                return Ok(c);
            }
        }
        let version = next_version(
            self.last_version.load(Ordering::SeqCst),
            crate::store::now(),
        );
        self.last_version.store(version, Ordering::SeqCst);
        let checkpoint = log_checkpoint(&state.store).await?;
        let now = crate::store::now();
        let data = read(&state.store, version, now).await?;
        let signer = state.clone();
        let built = tokio::task::spawn_blocking(move || {
            signer
                .registry_key
                .sign_snapshot(&data, now + LIFETIME, checkpoint)
        })
        .await
        .map_err(|e| crate::store::StoreError::Corrupt(format!("snapshot build: {e}")))?;
        let c = Arc::new(Current {
            built,
            made: Instant::now(),
        });
        if let Ok(mut slot) = self.current.lock() {
            *slot = Some(c.clone());
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn versions_increase_even_when_the_clock_does_not() {
        let t = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
        let v = next_version(0, t);
        assert_eq!(v, 1_796_472_000_000);
        assert_eq!(next_version(v, t), v + 1);
        assert_eq!(next_version(v + 5, t - chrono::Duration::hours(1)), v + 6);
    }
}
