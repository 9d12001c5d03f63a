//! The C2SP `tlog-witness` client (<https://c2sp.org/tlog-witness>): after the registry signs a
//! new checkpoint, one background task per configured witness sends it `POST
//! <url>/add-checkpoint` (old size, consistency proof, blank line, signed checkpoint), verifies
//! the returned C2SP `tlog-cosignature` against the witness's configured key and stores it
//! (`tlog_cosignatures`), so `/log/checkpoint` serves it after the log's own signature.
//!
//! Never inside the issuing transaction, never blocking an approval: the workflow only
//! [`Witnesses::poke`]s the tasks after its commit. A witness that is down or answers garbage is
//! retried with exponential backoff (1 s doubling up to `witness_retry_max`); every request has
//! a timeout and every answer is read up to [`MAX_ANSWER_BYTES`]. A `409 Conflict` names the
//! witness's size: at or below the log's size the request is sent again from there; above it,
//! the database is behind what the witness saw (a restored backup) and the size is recorded in
//! `tlog_witness_state`, so the signer refuses to sign any size up to it (`409
//! log_behind_witness`). Out-of-band cosignatures (`mxcert-registry admin log cosign FILE`) go
//! through [`store_out_of_band`], verified the same way.

use std::time::Duration;

use mxcert_core::tlog::cosignature::{self, CosignerKey};
use mxcert_core::tlog::note;
use mxcert_core::tlog::witness::{
    cosignature_in, parse_size_body, AddCheckpoint, SIZE_CONTENT_TYPE,
};

use crate::store::{Actor, Store, StoreError};

/// The most bytes of a witness's answer read; a longer answer is refused.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// How many `409`s one submission follows before giving up until the next try.
const MAX_CONFLICTS: usize = 3;

/// A witness as configured: `key` is its verifier key in the signed-note `vkey` form (its name
/// is the key's name), `url` its submission prefix (`add-checkpoint` is appended).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessSetting {
    pub key: String,
    pub url: String,
}

impl std::str::FromStr for WitnessSetting {
    type Err = String;
    /// `VKEY URL` (the form of `--witness`).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(key), Some(url), None) => Ok(WitnessSetting {
                key: key.to_owned(),
                url: url.to_owned(),
            }),
            _ => Err(format!(
                "a witness is \"VKEY URL\" (its verifier key, a space, its URL), not {s:?}"
            )),
        }
    }
}

/// One witness the registry asks for cosignatures.
#[derive(Debug, Clone)]
pub struct Witness {
    pub key: CosignerKey,
    pub url: String,
}

impl Witness {
    /// Checks a setting: the key parses as a cosignature (`0x04`) verifier key, the URL is
    /// `http` or `https`.
    pub fn from_setting(s: &WitnessSetting) -> Result<Witness, String> {
        let key = CosignerKey::parse(&s.key).map_err(|e| {
            format!(
                "witness key {:?} is not a cosignature verifier key: {e}",
                s.key
            )
        })?;
        let url = s.url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.contains(char::is_whitespace)
        {
            return Err(format!(
                "witness {} has URL {:?}, which is not an http:// or https:// URL",
                key.name(),
                s.url
            ));
        }
        Ok(Witness {
            key,
            url: url.to_owned(),
        })
    }

    pub fn name(&self) -> &str {
        self.key.name()
    }
}

/// Why a witness gave no cosignature this time (each logged as `witness NAME: ...`).
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("cannot reach {url}: {message}")]
    Network { url: String, message: String },
    #[error("answered {status} to the checkpoint at size {size}: {body:?}")]
    Status {
        status: u16,
        size: u64,
        body: String,
    },
    #[error("answered with more than {MAX_ANSWER_BYTES} bytes; refused")]
    TooLarge,
    #[error("answered 200 with something that is not note signature lines: {0}")]
    Garbage(String),
    #[error("answered 200 without a valid cosignature by its configured key {0} of the checkpoint at size {1}")]
    NoCosignature(String, u64),
    #[error("answered 409 with content type {0:?} instead of text/x.tlog.size")]
    ConflictType(String),
    #[error("answered 409 with a body that is not a tree size: {0}")]
    ConflictBody(String),
    #[error(
        "refuses the checkpoint at size {size} although it holds size {held}: it has cosigned \
         another tree at that size (a fork of the log?)"
    )]
    Conflict { size: u64, held: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one submission achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new cosignature of the checkpoint at `size` was stored.
    Cosigned { size: u64 },
    /// The latest checkpoint was already cosigned by this witness.
    AlreadyCosigned { size: u64 },
    /// The witness has seen a larger tree than this database holds: recorded, and the log now
    /// refuses to sign up to it.
    Behind { size: u64, witness_size: u64 },
}

/// The configured witnesses and the signal that wakes their tasks.
#[derive(Debug)]
pub struct Witnesses {
    list: Vec<Witness>,
    client: reqwest::Client,
    retry_max: Duration,
    poke: tokio::sync::watch::Sender<u64>,
}

impl Witnesses {
    /// Checks the settings and builds the HTTP client (`timeout` per request).
    pub fn new(
        settings: &[WitnessSetting],
        timeout: Duration,
        retry_max: Duration,
    ) -> Result<Witnesses, String> {
        let list = settings
            .iter()
            .map(Witness::from_setting)
            .collect::<Result<Vec<_>, _>>()?;
        for (i, w) in list.iter().enumerate() {
            if list[..i].iter().any(|o| o.name() == w.name()) {
                return Err(format!("witness {} is configured twice", w.name()));
            }
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mxcert-registry/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the witnesses' HTTP client: {e}"))?;
        Ok(Witnesses {
            list,
            client,
            retry_max: retry_max.max(Duration::from_secs(1)),
            poke: tokio::sync::watch::channel(0).0,
        })
    }

    pub fn list(&self) -> &[Witness] {
        &self.list
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Wakes every witness task: a checkpoint was signed (call after the commit).
    pub fn poke(&self) {
        self.poke.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Starts one task per witness (the server's background tasks).
    pub fn spawn(&self, store: &Store) -> Vec<tokio::task::JoinHandle<()>> {
        self.list
            .iter()
            .map(|w| {
                tokio::spawn(follow(
                    store.clone(),
                    self.client.clone(),
                    w.clone(),
                    self.poke.subscribe(),
                    self.retry_max,
                ))
            })
            .collect()
    }
}

/// One witness's task: submit now, then at every poke; after a failure, again after a backoff.
async fn follow(
    store: Store,
    client: reqwest::Client,
    witness: Witness,
    mut poked: tokio::sync::watch::Receiver<u64>,
    retry_max: Duration,
) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let _ = poked.borrow_and_update();
        match submit(&store, &client, &witness).await {
            Ok(outcome) => {
                backoff = Duration::from_secs(1);
                match outcome {
                    Outcome::Cosigned { size } => {
                        tracing::info!(
                            "witness {}: cosigned the checkpoint at size {size}",
                            witness.name()
                        );
                    }
                    Outcome::AlreadyCosigned { .. } => {}
                    Outcome::Behind { size, witness_size } => tracing::error!(
                        "witness {}: has seen the log at size {witness_size} but this database \
                         holds {size} (restored from a backup?): the log refuses to sign up to \
                         size {witness_size}",
                        witness.name()
                    ),
                }
                if poked.changed().await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(
                    "witness {}: {e}; trying again in {} s",
                    witness.name(),
                    backoff.as_secs()
                );
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    changed = poked.changed() => {
                        if changed.is_err() {
                            return;
                        }
                    }
                }
                backoff = (backoff * 2).min(retry_max);
            }
        }
    }
}

/// The actor of the witness tasks' audit rows.
fn witness_actor(witness: &str) -> Actor {
    Actor {
        name: format!("witness {witness}"),
        ..Actor::system()
    }
}

/// Sends the latest checkpoint to `witness` and stores its cosignature (see the module docs).
pub async fn submit(
    store: &Store,
    client: &reqwest::Client,
    witness: &Witness,
) -> Result<Outcome, WitnessError> {
    let name = witness.name();
    let latest = store.latest_log_signed_note().await?;
    let size = latest.size;
    if store.has_cosignature(size, name).await? {
        return Ok(Outcome::AlreadyCosigned { size });
    }
    let mut old = store.witness_size(name).await?.unwrap_or(0);
    if old > size {
        return Ok(Outcome::Behind {
            size,
            witness_size: old,
        });
    }
    let url = format!("{}/add-checkpoint", witness.url);
    for _ in 0..MAX_CONFLICTS {
        let proof = if old == 0 || old == size {
            vec![]
        } else {
            store.log_consistency_proof(old, size).await?
        };
        let body = AddCheckpoint {
            old,
            proof,
            checkpoint: latest.note.clone(),
        }
        .to_string();
        let network = |e: reqwest::Error| WitnessError::Network {
            url: url.clone(),
            message: e.to_string(),
        };
        let response = client.post(&url).body(body).send().await.map_err(network)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let answer = read_bounded(response).await.map_err(|e| match e {
            Read::TooLarge => WitnessError::TooLarge,
            Read::Network(e) => network(e),
        })?;
        match status {
            200 => {
                let text = std::str::from_utf8(&answer)
                    .map_err(|_| WitnessError::Garbage("not UTF-8".into()))?;
                let found = cosignature_in(&latest.note, text, &witness.key)
                    .map_err(|e| WitnessError::Garbage(e.to_string()))?;
                let (line, _timestamp) = found
                    .ok_or_else(|| WitnessError::NoCosignature(witness.key.to_string(), size))?;
                store
                    .store_cosignature(
                        size,
                        name,
                        witness.key.key_hash(),
                        &line,
                        &witness_actor(name),
                    )
                    .await?;
                store.record_witness(name, size, &latest.note).await?;
                return Ok(Outcome::Cosigned { size });
            }
            409 => {
                let media = content_type.split(';').next().unwrap_or("").trim();
                if !media.eq_ignore_ascii_case(SIZE_CONTENT_TYPE) {
                    return Err(WitnessError::ConflictType(snippet(content_type.as_bytes())));
                }
                let held = parse_size_body(&answer)
                    .map_err(|e| WitnessError::ConflictBody(e.to_string()))?;
                let said = format!("answered 409: it holds size {held}");
                if held > size {
                    store.record_witness(name, held, &said).await?;
                    return Ok(Outcome::Behind {
                        size,
                        witness_size: held,
                    });
                }
                if held == old {
                    return Err(WitnessError::Conflict { size, held });
                }
                store.record_witness(name, held, &said).await?;
                old = held;
            }
            status => {
                return Err(WitnessError::Status {
                    status,
                    size,
                    body: snippet(&answer),
                })
            }
        }
    }
    Err(WitnessError::Conflict { size, held: old })
}

enum Read {
    TooLarge,
    Network(reqwest::Error),
}

/// The answer's body, up to [`MAX_ANSWER_BYTES`].
async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, Read> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(Read::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Read::Network)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(Read::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The start of an answer, for a log line: at most 200 bytes, lossy UTF-8.
fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned()
}

/// Why an out-of-band cosignature was not stored.
#[derive(Debug, thiserror::Error)]
pub enum CosignError {
    #[error("the file is not a signed checkpoint: {0}")]
    Note(#[from] note::NoteError),
    #[error("the file's checkpoint: {0}")]
    Checkpoint(#[from] mxcert_core::tlog::checkpoint::CheckpointError),
    #[error("the log signed no checkpoint at size {0}")]
    NoSuchSize(u64),
    #[error("the log's checkpoint at size {0} is not the file's: another tree at that size")]
    Different(u64),
    #[error("no valid cosignature by a known witness key ({0}) in the file")]
    NoneValid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores the cosignatures in `file` (a signed checkpoint with witness cosignature lines) by the
/// `keys` given, after checking that the log signed that very checkpoint; returns the names of
/// the witnesses whose cosignature was new.
pub async fn store_out_of_band(
    store: &Store,
    file: &[u8],
    keys: &[CosignerKey],
    actor: &Actor,
) -> Result<Vec<String>, CosignError> {
    let (text, signatures) = cosignature::signatures(file)?;
    let checkpoint = mxcert_core::tlog::checkpoint::Checkpoint::parse(&text)?;
    let signed = store
        .log_signed_note(checkpoint.size)
        .await?
        .ok_or(CosignError::NoSuchSize(checkpoint.size))?;
    if note::parse(signed.as_bytes())?.text != text {
        return Err(CosignError::Different(checkpoint.size));
    }
    let lines: String = signatures.iter().map(ToString::to_string).collect();
    let mut stored = Vec::new();
    let mut valid = 0;
    for key in keys {
        let Some((line, _)) = cosignature_in(&signed, &lines, key)? else {
            continue;
        };
        valid += 1;
        if store
            .store_cosignature(checkpoint.size, key.name(), key.key_hash(), &line, actor)
            .await?
        {
            stored.push(key.name().to_owned());
        }
    }
    if valid == 0 {
        let names: Vec<String> = keys.iter().map(|k| k.name().to_owned()).collect();
        return Err(CosignError::NoneValid(names.join(", ")));
    }
    Ok(stored)
}
