//! A registry fleet for the scale, fault and backup tests: registry instances on fixed loopback
//! ports (so a killed one comes back where the proxy expects it), a real nginx in front of them
//! with its own prefix in a temporary directory, a throwaway PostgreSQL cluster
//! (`scripts/pg-throwaway`), a vendor with a registered key, signed reports made from it, and a
//! log of every request the load made.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mxcert_core::dsse::{self, REPORT_PAYLOAD_TYPE};
use mxcert_core::inventory::Inventory;
use mxcert_core::keys::{self, SigningKey};
use mxcert_core::report::{Report, Status, TestResult};

use crate::{admin, bin, mxcert, repo_root, run_ok};

/// A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Why a test of this module cannot run here, if it cannot: nginx or PostgreSQL's server
/// programs are missing (`scripts/ensure-deps test` installs both).
pub fn missing_tools(need_postgres: bool) -> Option<String> {
    if !Path::new("/usr/sbin/nginx").exists() {
        return Some("nginx is not installed (scripts/ensure-deps test installs it)".into());
    }
    if need_postgres && pg_bindir().is_none() {
        return Some("PostgreSQL's server is not installed (apt-get install postgresql)".into());
    }
    None
}

fn pg_bindir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// One `mxcert-registry serve` process on a fixed port.
#[derive(Debug)]
pub struct Instance {
    child: Option<Child>,
    pub port: u16,
    database: String,
    args: Vec<String>,
    log: PathBuf,
}

impl Instance {
    /// Starts `serve --listen 127.0.0.1:PORT --database DB ARGS`, its log in `log`, and waits
    /// until it answers `/readyz`.
    pub fn start(database: &str, port: u16, args: &[&str], log: &Path) -> Instance {
        let mut i = Instance {
            child: None,
            port,
            database: database.to_owned(),
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            log: log.to_owned(),
        };
        i.spawn();
        i.wait_ready(Duration::from_secs(60));
        i
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("instance log");
        let child = Command::new(bin("mxcert-registry"))
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--database", &self.database])
            .args(&self.args)
            .env("MXCERT_REGISTRY_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start mxcert-registry");
        self.child = Some(child);
    }

    /// Waits until `/readyz` answers 200; returns how long that took.
    pub fn wait_ready(&mut self, limit: Duration) -> Duration {
        let start = Instant::now();
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.url())).send() {
                if r.status().as_u16() == 200 {
                    return start.elapsed();
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "mxcert-registry on port {} exited with {status}:\n{}",
                    self.port,
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(
                start.elapsed() < limit,
                "mxcert-registry on port {} not ready after {limit:?}:\n{}",
                self.port,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: no graceful anything.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port; returns the time until it was ready.
    pub fn restart(&mut self) -> Duration {
        self.kill();
        let start = Instant::now();
        self.spawn();
        self.wait_ready(Duration::from_secs(60));
        start.elapsed()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The address nginx connects to the instances from: the instances trust it as their proxy,
/// while clients (on 127.0.0.1) are not trusted, so a client cannot name itself someone else.
pub const PROXY_ADDR: &str = "127.0.0.2";

/// nginx (Debian's), in the foreground, with its own prefix, config and logs in `dir`.
#[derive(Debug)]
pub struct Nginx {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl Nginx {
    /// Starts nginx on 127.0.0.1:PORT, balancing over `upstreams` (round robin); a request an
    /// instance cannot take (connection refused or reset, 502) goes to the next one, POSTs too:
    /// every write of the registry is safe to repeat (a submission is content-addressed, a
    /// repeated approval or revocation is a 409).
    pub fn start(dir: &Path, upstreams: &[u16]) -> Nginx {
        std::fs::create_dir_all(dir).expect("nginx dir");
        let port = free_port();
        let servers: String = upstreams
            .iter()
            .map(|p| format!("    server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;\n"))
            .collect();
        let user = if run_ok(Command::new("id").arg("-u")).trim() == "0" {
            "user root;\n"
        } else {
            ""
        };
        let d = dir.display();
        let conf = format!(
            "{user}daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
             scgi_temp_path {d}/scgi;\n  client_max_body_size 16m;\n\
             upstream registry {{\n{servers}    keepalive 32;\n  }}\n\
             server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      \
             proxy_pass http://registry;\n      proxy_http_version 1.1;\n      \
             proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n      \
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      \
             proxy_bind {PROXY_ADDR};\n      proxy_connect_timeout 2s;\n      \
             proxy_read_timeout 60s;\n      \
             proxy_next_upstream error timeout http_502 non_idempotent;\n      \
             proxy_next_upstream_tries 3;\n    }}\n  }}\n}}\n"
        );
        let path = dir.join("nginx.conf");
        std::fs::write(&path, conf).expect("nginx.conf");
        let child = Command::new("/usr/sbin/nginx")
            .args(["-p", &dir.display().to_string(), "-c"])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let nginx = Nginx {
            child,
            port,
            dir: dir.to_owned(),
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "nginx did not start:\n{}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        nginx
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// nginx's error log (what it saw of the instances).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway PostgreSQL cluster (`scripts/pg-throwaway`) in a directory of its own; stopped
/// when dropped.
#[derive(Debug)]
pub struct PgCluster {
    dir: PathBuf,
    /// `postgres://postgres@127.0.0.1:PORT/test`.
    pub url: String,
}

fn pg_script(args: &[&str]) -> String {
    run_ok(Command::new(repo_root().join("scripts/pg-throwaway")).args(args))
        .trim()
        .to_owned()
}

impl PgCluster {
    pub fn start(dir: &Path) -> PgCluster {
        let url = pg_script(&["start", &dir.display().to_string()]);
        PgCluster {
            dir: dir.to_owned(),
            url,
        }
    }

    /// Stops it abruptly (as a crash) and starts it again; returns how long it was away.
    pub fn restart(&self) -> Duration {
        let start = Instant::now();
        pg_script(&["restart", &self.dir.display().to_string()]);
        start.elapsed()
    }

    /// Runs one query with `psql` and returns its rows (`|`-separated columns).
    pub fn query(&self, sql: &str) -> Vec<String> {
        let psql = pg_bindir().map_or_else(|| PathBuf::from("psql"), |d| d.join("psql"));
        run_ok(Command::new(psql).args(["-Atq", &self.url, "-c", sql]))
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// One number from a query.
    pub fn count(&self, sql: &str) -> i64 {
        self.query(sql)
            .first()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no number from {sql}"))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/pg-throwaway"))
            .args(["stop", &self.dir.display().to_string()])
            .status();
    }
}

/// A vendor organisation with a registered signing key, and a reviewer of another organisation.
pub struct Parties {
    pub vendor_token: String,
    pub reviewer_token: String,
    pub key: SigningKey,
    pub inventory: Inventory,
}

impl std::fmt::Debug for Parties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parties").finish_non_exhaustive()
    }
}

impl Parties {
    /// Creates the organisations and tokens with `admin` on `database`, makes a key with
    /// `mxcert keygen` and registers it through `url` with `mxcert keys register`; the inventory
    /// is this machine's probe.
    pub fn new(database: &str, url: &str, dir: &Path) -> Parties {
        let vendor_org = admin(database, &["admin", "create-org", "--name", "Cómputo Acme"]);
        let foundation = admin(
            database,
            &["admin", "create-org", "--name", "Fundación MxOS"],
        );
        let token = |org: &str, role: &str| {
            admin(
                database,
                &["admin", "create-token", "--org", org, "--role", role],
            )
        };
        let vendor_token = token(&vendor_org, "vendor");
        let reviewer_token = token(&foundation, "reviewer");
        let keys_dir = dir.join("keys");
        run_ok(mxcert().args(["keygen", "--out-dir"]).arg(&keys_dir));
        run_ok(
            mxcert()
                .args(["keys", "register"])
                .arg(keys_dir.join("mxcert.key"))
                .env("MXCERT_REGISTRY", url)
                .env("MXCERT_TOKEN", &vendor_token),
        );
        let pem = std::fs::read_to_string(keys_dir.join("mxcert.key")).expect("key");
        let key = keys::private_key_from_pem(&pem).expect("key pem");
        let inventory_path = dir.join("inventory.json");
        run_ok(
            mxcert()
                .args(["probe", "--format", "json", "--out"])
                .arg(&inventory_path),
        );
        let inventory =
            Inventory::from_json(&std::fs::read(&inventory_path).expect("inventory")).unwrap();
        Parties {
            vendor_token,
            reviewer_token,
            key,
            inventory,
        }
    }

    /// A new signed report (a new report id) of the shipped quick plan with every test passed:
    /// the envelope's bytes.
    pub fn signed_report(&self) -> Vec<u8> {
        let plan = mxcert_core::plan::resolve_shipped("quick").expect("quick plan");
        let results = plan
            .tests
            .iter()
            .map(|t| TestResult {
                id: t.id.clone(),
                check: t.check.as_str().into(),
                blocker: t.blocker,
                status: Status::Pass,
                started_at: None,
                duration_ms: 5,
                message: None,
                evidence: vec![],
                measurements: vec![],
                comment: None,
                samples: None,
                device: None,
                phase: None,
            })
            .collect();
        let report = Report::new(
            uuid::Uuid::now_v7(),
            chrono::Utc::now(),
            self.inventory.tool.clone(),
            self.inventory.clone(),
            plan.reference(),
            results,
        );
        dsse::sign(REPORT_PAYLOAD_TYPE, &report.to_json_pretty(), &self.key).to_json_pretty()
    }
}

/// One request the load made: when it ended, what it was, its HTTP status (0: no answer).
#[derive(Debug, Clone)]
pub struct Request {
    pub at: Instant,
    pub op: &'static str,
    pub status: u16,
    pub detail: String,
}

/// What the load saw, shared by its threads.
#[derive(Debug, Default, Clone)]
pub struct Ledger(Arc<Mutex<LedgerInner>>);

#[derive(Debug, Default)]
pub struct LedgerInner {
    pub requests: Vec<Request>,
    /// Acknowledged submissions (id, envelope bytes), in acknowledgement order.
    pub submitted: Vec<(String, Vec<u8>)>,
    /// Acknowledged approvals: (submission id, certificate id).
    pub approved: Vec<(String, String)>,
    /// Acknowledged revocations (certificate ids).
    pub revoked: Vec<String>,
}

impl Ledger {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, LedgerInner> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn note(&self, op: &'static str, status: u16, detail: impl Into<String>) {
        self.lock().requests.push(Request {
            at: Instant::now(),
            op,
            status,
            detail: detail.into(),
        });
    }
}

/// The mixed load of the fault tests, until `stop` is set: `submitters` threads submitting new
/// signed reports with the real `mxcert submit` (which retries), one approver, one revoker (of
/// every third certificate) and `readers` threads reading public pages and the API.
pub struct Load {
    threads: Vec<std::thread::JoinHandle<()>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    pub ledger: Ledger,
}

impl std::fmt::Debug for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Load").finish_non_exhaustive()
    }
}

fn http_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

impl Load {
    pub fn start(
        parties: &Arc<Parties>,
        url: &str,
        dir: &Path,
        submitters: usize,
        readers: usize,
    ) -> Load {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = Arc::new(AtomicBool::new(false));
        let ledger = Ledger::default();
        let mut threads = Vec::new();
        for n in 0..submitters {
            let (parties, stop, ledger, url) = (
                parties.clone(),
                stop.clone(),
                ledger.clone(),
                url.to_owned(),
            );
            let file = dir.join(format!("submit-{n}.dsse.json"));
            threads.push(std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let bytes = parties.signed_report();
                    std::fs::write(&file, &bytes).expect("write envelope");
                    let out = mxcert()
                        .args(["submit", "--format", "json"])
                        .arg(&file)
                        .env("MXCERT_REGISTRY", &url)
                        .env("MXCERT_TOKEN", &parties.vendor_token)
                        .stdin(Stdio::null())
                        .output()
                        .expect("run mxcert submit");
                    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
                    if out.status.success() {
                        let v: serde_json::Value =
                            serde_json::from_slice(&out.stdout).expect("submit JSON");
                        let id = v["id"].as_str().expect("id").to_owned();
                        ledger.note("submit", 201, stderr);
                        ledger.lock().submitted.push((id, bytes));
                    } else {
                        ledger.note("submit", 0, format!("{:?}: {stderr}", out.status.code()));
                    }
                }
            }));
        }
        {
            // The approver: approves what was acknowledged, in order.
            let (parties, stop, ledger, url) = (
                parties.clone(),
                stop.clone(),
                ledger.clone(),
                url.to_owned(),
            );
            threads.push(std::thread::spawn(move || {
                let http = http_client();
                let mut next = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = ledger.lock().submitted.get(next).map(|(id, _)| id.clone());
                    let Some(id) = id else {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    };
                    let r = http
                        .post(format!("{url}/api/v1/submissions/{id}/approve"))
                        .bearer_auth(&parties.reviewer_token)
                        .send();
                    let status = match r {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let body = r.text().unwrap_or_default();
                            ledger.note("approve", status, body.clone());
                            if status == 200 {
                                let v: serde_json::Value =
                                    serde_json::from_str(&body).expect("approve JSON");
                                let cert = v["certificate_id"].as_str().unwrap_or("").to_owned();
                                ledger.lock().approved.push((id, cert));
                            }
                            status
                        }
                        Err(e) => {
                            ledger.note("approve", 0, e.to_string());
                            0
                        }
                    };
                    if (200..500).contains(&status) {
                        next += 1;
                    } else {
                        // No answer, or a 5xx: the same one again, shortly.
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }));
        }
        {
            // The revoker: revokes every third certificate issued.
            let (parties, stop, ledger, url) = (
                parties.clone(),
                stop.clone(),
                ledger.clone(),
                url.to_owned(),
            );
            threads.push(std::thread::spawn(move || {
                let http = http_client();
                let mut next = 0;
                while !stop.load(Ordering::Relaxed) {
                    let cert = ledger.lock().approved.get(next).map(|(_, c)| c.clone());
                    let Some(cert) = cert else {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    };
                    let r = http
                        .post(format!("{url}/api/v1/certificates/{cert}/revoke"))
                        .bearer_auth(&parties.reviewer_token)
                        .json(&serde_json::json!({ "reason": "prueba de revocación" }))
                        .send();
                    match r {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            ledger.note("revoke", status, r.text().unwrap_or_default());
                            if status == 200 {
                                ledger.lock().revoked.push(cert);
                            }
                            if status < 500 {
                                next += 3;
                            }
                        }
                        Err(e) => ledger.note("revoke", 0, e.to_string()),
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }));
        }
        for n in 0..readers {
            let (stop, ledger, url) = (stop.clone(), ledger.clone(), url.to_owned());
            threads.push(std::thread::spawn(move || {
                let http = http_client();
                let paths = [
                    "/api/v1/systems",
                    "/api/v1/certified",
                    "/api/v1/certificate-events",
                    "/sistemas",
                    "/",
                ];
                let mut i = n;
                while !stop.load(Ordering::Relaxed) {
                    let path = paths[i % paths.len()];
                    i += 1;
                    match http.get(format!("{url}{path}")).send() {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let _ = r.bytes();
                            ledger.note("read", status, path);
                        }
                        Err(e) => ledger.note("read", 0, format!("{path}: {e}")),
                    }
                }
            }));
        }
        Load {
            threads,
            stop,
            ledger,
        }
    }

    /// Stops the load and waits for its threads (a submission in flight finishes, retries
    /// included).
    pub fn finish(self) -> Ledger {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.threads {
            t.join().expect("load thread");
        }
        self.ledger
    }
}
