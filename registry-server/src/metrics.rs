//! Metrics for `GET /metrics`, in the Prometheus/OpenMetrics text format:
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `mxcert_http_requests_total` | counter | `method` (a standard method, or `other`), `route` (the route pattern, e.g. `/api/v1/systems/{certificate_id}`, or `unmatched`), `status` |
//! | `mxcert_http_request_duration_seconds` | histogram | `method`, `route` |
//! | `mxcert_http_requests_in_flight` | gauge | — |
//! | `mxcert_db_connections` | gauge | `state` (`idle`, `busy`) |
//! | `mxcert_index_queue` | gauge | — (submissions stored but not yet counted into the public index) |
//! | `mxcert_heavy_parses_running` | gauge | — (public parses running, [`crate::heavy`]) |
//! | `mxcert_registry_info` | gauge (1) | `version`, `backend` |
//!
//! [`track`] is the middleware that counts every request. Only the standard methods and route
//! patterns (never paths, never a method name as the client spelt it) label the series, so no
//! client can make the set of series grow: there are at most 8 methods × the routes × the
//! statuses the registry answers. This module must not
//! log or look at request bodies.

use std::sync::atomic::AtomicI64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InfoLabels {
    version: &'static str,
    backend: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms .. ~8 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The registry's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge<i64, AtomicI64>,
    connections: Family<PoolLabels, Gauge<i64, AtomicI64>>,
    index_queue: Gauge<i64, AtomicI64>,
    /// Public parses running ([`crate::heavy::HeavyWork`] moves it).
    pub heavy_parses_running: Gauge<i64, AtomicI64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Registers every metric; `backend` is `sqlite` or `postgres`.
    pub fn new(backend: &'static str) -> Metrics {
        let mut registry = Registry::with_prefix("mxcert");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern and status",
            requests.clone(),
        );
        let durations: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests (until the response head), by route pattern",
            durations.clone(),
        );
        let in_flight: Gauge<i64, AtomicI64> = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being answered",
            in_flight.clone(),
        );
        let connections = Family::<PoolLabels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "db_connections",
            "Database pool connections by state",
            connections.clone(),
        );
        let index_queue: Gauge<i64, AtomicI64> = Gauge::default();
        registry.register(
            "index_queue",
            "Submissions stored but not yet counted into the public device index",
            index_queue.clone(),
        );
        let heavy_parses_running: Gauge<i64, AtomicI64> = Gauge::default();
        registry.register(
            "heavy_parses_running",
            "Public parses of untrusted input (check, web form) running",
            heavy_parses_running.clone(),
        );
        let info = Family::<InfoLabels, Gauge<i64, AtomicI64>>::default();
        info.get_or_create(&InfoLabels {
            version: env!("CARGO_PKG_VERSION"),
            backend,
        })
        .set(1);
        registry.register("registry_info", "Version and database backend", info);
        Metrics {
            registry,
            requests,
            durations,
            in_flight,
            connections,
            index_queue,
            heavy_parses_running,
        }
    }

    /// The text exposition, with the pool gauges read now and the index queue's length when it
    /// could be read (otherwise the last value read).
    pub fn render(&self, pool_size: u32, idle: usize, index_queue: Option<i64>) -> String {
        if let Some(n) = index_queue {
            self.index_queue.set(n);
        }
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        self.connections
            .get_or_create(&PoolLabels { state: "idle" })
            .set(idle);
        self.connections
            .get_or_create(&PoolLabels { state: "busy" })
            .set(i64::from(pool_size) - idle);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The label of a request method: the standard methods the registry may serve as themselves,
/// anything else (extension methods, invented names) as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The route label of a request the router matched no route for.
const UNMATCHED: &str = "unmatched";

/// Middleware: counts the request and times it until the response head is ready.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let m = &state.metrics;
    m.in_flight.inc();
    let start = Instant::now();
    let response = next.run(req).await;
    m.in_flight.dec();
    m.durations
        .get_or_create(&RouteLabels {
            method,
            route: route.clone(),
        })
        .observe(start.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
