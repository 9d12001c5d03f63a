//! The HTTP server: the router with its server-wide layers (body limit, request deadline, panic
//! guard, metrics, request ids, tracing), started from an already bound listener, stopping
//! gracefully.
//!
//! Tests bind `127.0.0.1:0` themselves and call [`serve`]; the binary binds `--listen`. A client
//! that does not send a request's headers within `header_read_timeout` (slowloris, or an idle
//! keep-alive connection) is disconnected; a slow
//! body counts against the request deadline (408 `request_timeout`); bodies over the limit get
//! 413 `body_too_large`. Every request gets an `x-request-id` (the client's, or a new UUID),
//! returned in the response and recorded in the log line of the request.

use std::future::Future;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::ApiError;
use crate::state::AppState;

/// The complete application: routes, layers and state.
pub fn app(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    crate::routes::router()
        .merge(crate::web::router(&state))
        .fallback(crate::web::fallback)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(
            ServiceBuilder::new()
                .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                    panic_response,
                ))
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    ApiError::timeout()
                }))
                .timeout(timeout),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .layer({
            let proxies = state.config.trusted_proxies.clone();
            TraceLayer::new_for_http()
                .make_span_with(move |req: &Request| request_span(req, &proxies))
                .on_response(DefaultOnResponse::new().level(Level::INFO))
        })
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The span every request's log lines are in: method, path, request id and the client's address
/// ([`crate::client_addr`]: the proxy's client when the peer is a trusted proxy).
fn request_span(req: &Request, proxies: &crate::client_addr::TrustedProxies) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let client = crate::client_addr::ClientAddr::of(req.headers(), req.extensions(), proxies);
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, client = %client)
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}

/// Serves the registry on `listener` until `shutdown` completes, then finishes the requests in
/// flight and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let sweeper = tokio::spawn(sweep_expired_certificates(
        store.clone(),
        state.config.expiry_sweep_interval,
    ));
    let indexer = tokio::spawn(crate::store::indexer::run(store.clone()));
    let witnesses = state.witnesses.spawn(&store);
    let generation_poll = tokio::spawn(crate::store::generation::run_poll(
        store.clone(),
        state.config.data_generation_poll,
    ));
    let header_read_timeout = state.config.header_read_timeout;
    let app = app(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning, as
                    // `axum::serve` does, and go on serving the connections already open.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(remote));
            tower::ServiceExt::oneshot(app.clone(), request)
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_read_timeout);
        let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection from {remote}: {e}");
            }
        });
    }
    drop(listener);
    // Requests in flight finish; idle keep-alive connections close now.
    graceful.shutdown().await;
    sweeper.abort();
    witnesses.iter().for_each(tokio::task::JoinHandle::abort);
    generation_poll.abort();
    // A batch cut short rolls back and stays queued; what is queued is counted now rather than
    // at the next start.
    indexer.abort();
    let _ = indexer.await;
    if let Err(e) = store.index_pending().await {
        tracing::warn!("counting queued submissions into the public index: {e}");
    }
    store.close().await;
    Ok(())
}

/// Takes certificates that expired out of the device index, now and every `interval`.
async fn sweep_expired_certificates(store: crate::store::Store, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval.max(std::time::Duration::from_secs(1)));
    loop {
        tick.tick().await;
        match store.sweep_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!("{n} expired certificates taken out of the device index"),
            Err(e) => tracing::warn!("sweeping expired certificates: {e}"),
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
