//! The HTTP server: the router with its server-wide layers (body limit, request deadline, panic
//! guard, tracing), started from an already bound listener, stopping gracefully.
//!
//! Tests bind `127.0.0.1:0` themselves and call [`serve`]; the binary binds `--listen`. A slow
//! body counts against the request deadline (408 `request_timeout`); bodies over the limit get
//! 413 `body_too_large`.

use std::future::Future;
use std::net::SocketAddr;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;

use crate::error::ApiError;
use crate::state::AppState;

/// The complete application: routes, layers and state.
pub fn app(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    crate::routes::router()
        .merge(crate::web::router(&state))
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
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
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
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    store.close().await;
    Ok(())
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
