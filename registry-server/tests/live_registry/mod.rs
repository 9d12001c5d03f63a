//! The real `mxcert-registry` binary, started for the browser tests: `serve` on 127.0.0.1:0 with
//! a fresh SQLite file, its `admin` commands, and blocking HTTP calls to its API to seed data the
//! way the CLI does (register a key, submit signed reports, approve).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A running registry; killed when dropped.
pub struct LiveRegistry {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub database: String,
    http: reqwest::blocking::Client,
    _dir: tempfile::TempDir,
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_mxcert-registry")
}

impl LiveRegistry {
    /// Starts `mxcert-registry serve --listen 127.0.0.1:0` on a new SQLite file and waits for the
    /// address it announces.
    pub fn start(plans_dir: &std::path::Path) -> LiveRegistry {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = format!("sqlite://{}", dir.path().join("registry.db").display());
        let mut child = Command::new(binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &database])
            .arg("--plans-dir")
            .arg(plans_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mxcert-registry");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(start) = line.find("http://127.0.0.1:") {
                    let url: String = line[start..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    let _ = tx.send(url);
                }
                if std::env::var_os("MXCERT_TEST_VERBOSE").is_some() {
                    eprintln!("[registry] {line}");
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("mxcert-registry did not announce its address");
        LiveRegistry {
            child,
            url,
            database,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("http client"),
            _dir: dir,
        }
    }

    /// Runs `mxcert-registry admin ARGS --database URL`; returns trimmed stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(binary())
            .arg("admin")
            .args(args)
            .args(["--database", &self.database])
            .output()
            .expect("run mxcert-registry admin");
        assert!(
            out.status.success(),
            "admin {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// A new organisation and a token of `role` for it: `(org id, token)`.
    pub fn org_with_token(&self, name: &str, role: &str) -> (String, String) {
        let org = self.admin(&["create-org", "--name", name]);
        let token = self.admin(&["create-token", "--org", &org, "--role", role]);
        (org, token)
    }

    /// A JSON API call; returns status and body.
    pub fn api(&self, method: &str, path: &str, token: &str, body: Vec<u8>) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).body(body),
        };
        let resp = req
            .bearer_auth(token)
            .send()
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        (status, resp.json().unwrap_or(Value::Null))
    }

    /// Registers a vendor's key, proving possession with a challenge from the registry.
    pub fn register_key(&self, token: &str, key: &mxcert_core::keys::SigningKey) {
        let pem = mxcert_core::keys::public_key_to_pem(&key.verifying_key()).expect("pem");
        let (status, c) = self.api("POST", "/api/v1/keys/challenge", token, Vec::new());
        assert_eq!(status, 201, "{c}");
        let challenge = c["challenge"].as_str().expect("challenge");
        let org = c["org_id"].as_str().expect("org_id");
        let body = serde_json::json!({
            "public_key_pem": pem,
            "challenge": challenge,
            "signature": mxcert_core::keys::sign_registration(key, challenge, org),
        })
        .to_string();
        let (status, answer) = self.api("POST", "/api/v1/keys", token, body.into_bytes());
        assert_eq!(status, 201, "{answer}");
    }

    /// Submits an envelope; returns the submission id.
    pub fn submit(&self, token: &str, envelope: Vec<u8>) -> String {
        let (status, answer) = self.api("POST", "/api/v1/submissions", token, envelope);
        assert_eq!(status, 201, "{answer}");
        answer["id"].as_str().expect("submission id").to_owned()
    }

    /// Approves a submission through the API; returns the certificate id.
    pub fn approve(&self, token: &str, submission: &str) -> String {
        let (status, answer) = self.api(
            "POST",
            &format!("/api/v1/submissions/{submission}/approve"),
            token,
            Vec::new(),
        );
        assert_eq!(status, 200, "{answer}");
        answer["certificate_id"]
            .as_str()
            .expect("certificate id")
            .to_owned()
    }
}

impl Drop for LiveRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
