//! A real C2SP `tlog-witness` over HTTP for the tests: `POST /add-checkpoint` answered by
//! `mxcert_core::tlog::witness::Witness` (which keeps the latest checkpoint per log, cosigns only
//! what a consistency proof shows extends it, and keeps forks as evidence), on 127.0.0.1. A mode
//! switch makes it answer like a broken or hostile witness.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use mxcert_core::keys::SigningKey;
use mxcert_core::tlog::cosignature::CosignerKey;
use mxcert_core::tlog::note::VerifierKey;
use mxcert_core::tlog::witness::{Fork, Witness};
use mxcert_registry::witness::WitnessSetting;

/// How the witness answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As the spec says.
    Honest,
    /// `200` with text that is not signature lines.
    Garbage,
    /// `200` with a cosignature by another key under the witness's name.
    WrongKey,
    /// `200` with a 1 MiB body.
    Oversized,
    /// `409` with an HTML body and content type.
    HtmlConflict,
}

#[derive(Clone)]
struct Shared {
    witness: Arc<Mutex<Witness>>,
    impostor: Arc<Mutex<Witness>>,
    mode: Arc<Mutex<Mode>>,
}

/// A witness serving on a real port until dropped.
pub struct TestWitness {
    pub url: String,
    pub vkey: CosignerKey,
    shared: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn add_checkpoint(State(s): State<Shared>, body: Bytes) -> Response {
    let mode = *s.mode.lock().unwrap();
    let answer = match mode {
        Mode::Honest => s.witness.lock().unwrap().add_checkpoint(&body, now()),
        Mode::WrongKey => s.impostor.lock().unwrap().add_checkpoint(&body, now()),
        Mode::Garbage => return (StatusCode::OK, "hello, I am a witness\n").into_response(),
        Mode::Oversized => return (StatusCode::OK, vec![b'a'; 1 << 20]).into_response(),
        Mode::HtmlConflict => {
            return (
                StatusCode::CONFLICT,
                [(header::CONTENT_TYPE, "text/html")],
                "<html>busy</html>",
            )
                .into_response()
        }
    };
    (
        StatusCode::from_u16(answer.status).unwrap(),
        [(header::CONTENT_TYPE, answer.content_type)],
        answer.body,
    )
        .into_response()
}

impl TestWitness {
    /// A witness named `name` (key from `seed`) serving on `listener`.
    pub async fn serve(name: &str, seed: u8, listener: tokio::net::TcpListener) -> TestWitness {
        let witness = Witness::new(name, SigningKey::from_bytes(&[seed; 32])).unwrap();
        let impostor = Witness::new(name, SigningKey::from_bytes(&[seed ^ 0xff; 32])).unwrap();
        let vkey = witness.vkey();
        let shared = Shared {
            witness: Arc::new(Mutex::new(witness)),
            impostor: Arc::new(Mutex::new(impostor)),
            mode: Arc::new(Mutex::new(Mode::Honest)),
        };
        let url = format!("http://{}/{name}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route(
                &format!("/{name}/add-checkpoint"),
                axum::routing::post(add_checkpoint),
            )
            .with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        TestWitness {
            url,
            vkey,
            shared,
            stop: Some(stop),
        }
    }

    /// A witness on a free port of 127.0.0.1.
    pub async fn start(name: &str, seed: u8) -> TestWitness {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        TestWitness::serve(name, seed, listener).await
    }

    /// The registry's setting for this witness.
    pub fn setting(&self) -> WitnessSetting {
        WitnessSetting {
            key: self.vkey.to_string(),
            url: self.url.clone(),
        }
    }

    /// Follows the log `key` (its name is the log's origin), as its impostor does.
    pub fn follow(&self, key: &VerifierKey) {
        self.shared
            .witness
            .lock()
            .unwrap()
            .follow(key.name(), key.clone());
        self.shared
            .impostor
            .lock()
            .unwrap()
            .follow(key.name(), key.clone());
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// The size it cosigned of log `origin`.
    pub fn size(&self, origin: &str) -> Option<u64> {
        self.shared.witness.lock().unwrap().size(origin)
    }

    pub fn forks(&self) -> Vec<Fork> {
        self.shared.witness.lock().unwrap().forks().to_vec()
    }
}

impl Drop for TestWitness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
