//! The signed offline snapshot (issue 16): the public data `mxcert check --offline` needs
//! (certified systems, every device's counts, revoked certificate ids), compressed, with a
//! manifest signed by the registry's key (`mxcert_core::snapshot`).
//!
//! `GET /api/v1/snapshot` never builds per request: [`SnapshotCache`] keeps the current one and
//! rebuilds it when the data it holds changed. At most once per `snapshot_min_interval` (config)
//! a request starts one look, in the background, at the [`SnapshotMark`] (the log's size, the
//! public index's counts, the community reports); when it differs from the current snapshot's,
//! or the snapshot is older than [`REBUILD_AFTER`], a new one is built. Requests are answered
//! with the current one meanwhile; only the very first request waits, once, for the first build.
//! A burst of approvals thus makes one rebuild per interval, and a registry whose data does not
//! change keeps its snapshot. Building reads three tables once and compresses off the async
//! workers, so it does not hold up other requests. `mxcert-registry admin snapshot export`
//! builds one with [`build`] directly.
//!
//! Versions increase across processes and restarts whatever the clock does: a snapshot's
//! version is the next value of a stored counter ([`Store::next_snapshot_version`]). A snapshot
//! expires [`LIFETIME`] after it is made.

use mxcert_core::check::{CommunityCount, KnownDevice};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mxcert_core::snapshot::{Built, SnapshotData, DATA_SCHEMA_VERSION};

use super::systems::summary;
use crate::signing::RegistryKey;
use crate::store::snapshot::SnapshotMark;
use crate::store::{Result, Store};

/// How old a snapshot may grow before it is rebuilt even though nothing changed (far inside its
/// [`LIFETIME`], so that clients never see the served one expire).
pub const REBUILD_AFTER: Duration = Duration::from_secs(24 * 3600);
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

/// Builds and signs a snapshot of the registry as it is now, numbered with the next stored
/// version (on the calling thread: the compression is CPU work; the server calls it through
/// [`SnapshotCache`]).
pub async fn build(store: &Store, key: &RegistryKey) -> Result<Built> {
    let checkpoint = log_checkpoint(store).await?;
    let now = crate::store::now();
    let version = store.next_snapshot_version(now).await?;
    let data = read(store, version, now).await?;
    Ok(key.sign_snapshot(&data, now + LIFETIME, checkpoint))
}

/// A snapshot being served.
#[derive(Debug)]
pub struct Current {
    pub built: Built,
    made: Instant,
    /// The data's mark, read before the data: a change after it shows as a different mark.
    mark: SnapshotMark,
}

/// The snapshot `GET /api/v1/snapshot` serves, rebuilt when its data changed, at most once per
/// `snapshot_min_interval`.
#[derive(Debug, Default)]
pub struct SnapshotCache {
    current: Mutex<Option<Arc<Current>>>,
    building: tokio::sync::Mutex<()>,
    /// When the data was last looked at (a build counts).
    looked: Mutex<Option<Instant>>,
}

impl SnapshotCache {
    fn get(&self) -> Option<Arc<Current>> {
        self.current.lock().ok().and_then(|c| c.clone())
    }

    /// Whether `interval` has passed since the data was last looked at; if so, claims the next
    /// look (so that one request per interval starts one).
    fn claim_look(&self, interval: Duration) -> bool {
        let Ok(mut looked) = self.looked.lock() else {
            return false;
        };
        if looked.is_some_and(|t| t.elapsed() < interval) {
            return false;
        }
        *looked = Some(Instant::now());
        true
    }

    /// The current snapshot; builds the first one, and starts a look at the data (and a rebuild
    /// if it changed) when the interval has passed.
    pub async fn current(&self, state: &crate::state::AppState) -> Result<Arc<Current>> {
        if let Some(c) = self.get() {
            if self.claim_look(state.config.snapshot_min_interval) {
                let state = state.clone();
                tokio::spawn(async move {
                    if let Err(e) = state.snapshot.refresh(&state).await {
                        tracing::warn!("failed to build the offline snapshot: {e}");
                    }
                });
            }
            return Ok(c);
        }
        self.rebuild(state).await
    }

    /// Rebuilds when the data changed since the current snapshot, or it is old.
    async fn refresh(&self, state: &crate::state::AppState) -> Result<()> {
        let mark = state.store.snapshot_mark().await?;
        if let Some(c) = self.get() {
            if c.mark == mark && c.made.elapsed() < REBUILD_AFTER {
                return Ok(());
            }
        }
        self.rebuild(state).await.map(drop)
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
        if let Ok(mut looked) = self.looked.lock() {
            *looked = Some(Instant::now());
        }
        let mark = state.store.snapshot_mark().await?;
        let checkpoint = log_checkpoint(&state.store).await?;
        let now = crate::store::now();
        let version = state.store.next_snapshot_version(now).await?;
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
            mark,
        });
        if let Ok(mut slot) = self.current.lock() {
            *slot = Some(c.clone());
        }
        Ok(c)
    }
}
