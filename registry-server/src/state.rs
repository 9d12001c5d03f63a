//! What every request handler shares: the store, the settings, the registry's signing key, the
//! known plans, the compiled report schema, the authentication-failure limiter, the web portal's
//! state, the public POST rate limiter, the cap on public parses, the metrics and the offline
//! snapshot being served, and the cache of device answers.

use std::sync::Arc;

use mxcert_core::schema::Validator;

use crate::auth::FailureLimiter;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::plans::KnownPlans;
use crate::ratelimit::RateLimiter;
use crate::signing::RegistryKey;
use crate::store::Store;

/// Shared state; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub store: Store,
    pub config: Config,
    pub registry_key: RegistryKey,
    pub plans: KnownPlans,
    pub report_schema: Validator,
    pub auth_failures: FailureLimiter,
    /// The web portal's catalogue and CSRF key.
    pub web: crate::web::WebState,
    /// Rate limit of the public POST endpoints (`/api/v1/check` and `/funciona`, one bucket).
    pub public_posts: RateLimiter,
    /// Rate limits of community reports: per client address, and per machine id.
    pub community_posts: RateLimiter,
    pub community_machines: RateLimiter<String>,
    pub metrics: Metrics,
    /// The cap on public parses of untrusted input.
    pub heavy: crate::heavy::HeavyWork,
    /// `pci.ids` and `usb.ids`, for naming devices in `/check` inputs.
    pub hw_names: std::sync::Arc<crate::hwnames::HwNames>,
    /// The highest certificate numbers published, kept outside the database (none when not
    /// configured).
    pub published: Option<crate::published::PublishedMark>,
    /// The offline snapshot `GET /api/v1/snapshot` serves.
    pub snapshot: crate::public::snapshot::SnapshotCache,
    /// The transparency log's witnesses and the signal that wakes their tasks.
    pub witnesses: crate::witness::Witnesses,
    /// Device answers kept in memory ([`crate::public::answer_cache`]).
    pub answers: crate::public::answer_cache::AnswerCache,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Why the registry could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Plans(#[from] crate::plans::PlansError),
    #[error(transparent)]
    Schema(#[from] mxcert_core::schema::SchemaError),
    #[error("registry key: {0}")]
    Key(String),
    #[error(transparent)]
    Web(#[from] crate::web::WebStartError),
    #[error(transparent)]
    Published(#[from] crate::published::MarkError),
    #[error("witnesses: {0}")]
    Witness(String),
    #[error("refusing to serve: {0}")]
    Log(crate::store::StoreError),
}

impl AppState {
    /// Builds the state over an open (migrated) store: loads or makes the registry key and reads
    /// the plans.
    pub async fn new(store: Store, config: Config) -> Result<AppState, StartError> {
        let registry_key = RegistryKey::load_or_create(&store).await?;
        start_log(&store, &config).await.map_err(StartError::Log)?;
        let plans = match &config.plans_dir {
            Some(dir) => KnownPlans::from_dir(dir)?,
            None => KnownPlans::shipped()?,
        };
        let report_schema = Validator::new("report.v1.schema.json")?;
        let auth_failures =
            FailureLimiter::new(config.auth_failures_per_window, config.auth_failure_window);
        let web = crate::web::WebState::new(
            config.web.clone(),
            &registry_key.derived_secret("web csrf"),
        )?;
        let public_posts =
            RateLimiter::new(config.public_posts_per_minute, config.public_post_burst);
        let metrics = Metrics::new(store.backend_name());
        let heavy = crate::heavy::HeavyWork::new(
            0,
            config.request_timeout,
            metrics.heavy_parses_running.clone(),
        );
        let published = match &config.published_mark {
            Some(path) => Some(crate::published::catch_up(&store, path).await?),
            None => None,
        };
        let witnesses = crate::witness::Witnesses::new(
            &config.witnesses,
            config.witness_timeout,
            config.witness_retry_max,
        )
        .map_err(StartError::Witness)?;
        let hw_names = tokio::task::spawn_blocking(crate::hwnames::system)
            .await
            .unwrap_or_default();
        let community_posts = RateLimiter::per_hour(
            config.community_reports_per_hour,
            config.community_report_burst,
        );
        let community_machines =
            RateLimiter::per_hour(config.community_reports_per_machine_per_hour, 3);
        Ok(AppState(Arc::new(Inner {
            answers: crate::public::answer_cache::AnswerCache::new(config.answer_cache_bytes),
            community_posts,
            community_machines,
            hw_names,
            published,
            snapshot: Default::default(),
            witnesses,
            web,
            public_posts,
            metrics,
            heavy,
            store,
            config,
            registry_key,
            plans,
            report_schema,
            auth_failures,
        })))
    }
}

/// Loads or makes the transparency log's key, appends the certificate events a registry from
/// before the log has, and checks that the stored log still gives its last signed checkpoint.
pub async fn start_log(store: &Store, config: &Config) -> Result<(), crate::store::StoreError> {
    let origin = config
        .log_origin
        .clone()
        .unwrap_or_else(|| crate::store::tlog::default_origin(config.web.public_url.as_deref()));
    // An origin derived from the public URL names a new log; an existing log keeps its own.
    let explicit = config.log_origin.is_some();
    match store.init_log(Some(&origin)).await {
        Err(crate::store::StoreError::Log(_)) if !explicit => {
            store.init_log(None).await?;
        }
        other => {
            other?;
        }
    }
    let added = store.catch_up_log().await?;
    if added > 0 {
        tracing::info!(
            entries = added,
            "transparency log: appended existing certificate events"
        );
    }
    store.check_log().await
}
