//! Helpers for the end-to-end tests in `tests/tests/`: find (and if needed build) the real
//! `mxcert` and `mxcert-registry` binaries, start a registry on a free loopback port, and run the
//! CLI with a clean environment.
//!
//! Nothing here fakes a component: every test drives the real binaries over real HTTP on
//! 127.0.0.1, with real SQLite files (and PostgreSQL when `MXCERT_TEST_DATABASE_URL` is set).

pub mod fleet;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The shared real-world fixtures (`../shared/fixtures` or `MXCERT_SHARED_FIXTURES`), if present.
pub fn shared_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("MXCERT_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/fixtures"));
    dir.is_dir().then_some(dir)
}

/// The directory the running test binary's sibling binaries live in (`target/<profile>`).
fn target_profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test-binary>
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("test binary lives in target/<profile>/deps")
}

/// The path of a workspace binary, built first when it is missing or older than any source file
/// of the workspace, so a test never runs a stale binary. Under `cargo test --workspace` (what
/// `scripts/test` runs) cargo has already built both binaries and nothing is rebuilt here.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    let path = target_profile_dir().join(name);
    if !built.iter().any(|b| b == name) {
        if is_stale(&path) {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.args(["build", "--quiet", "--package", name, "--bin", name])
                .current_dir(repo_root());
            // The variables cargo sets for this test binary would leak into the nested build,
            // where build scripts that watch them (ring watches CARGO_MANIFEST_DIR) would rebuild
            // half the dependency tree, and again in the next outer build.
            for (k, _) in std::env::vars_os() {
                let k = k.to_string_lossy();
                if [
                    "CARGO_MANIFEST_",
                    "CARGO_PKG_",
                    "CARGO_CRATE_",
                    "CARGO_BIN_",
                    "CARGO_PRIMARY_",
                    "CARGO_TARGET_TMPDIR",
                ]
                .iter()
                .any(|p| k.starts_with(p))
                {
                    cmd.env_remove(k.as_ref());
                }
            }
            if target_profile_dir().ends_with("release") {
                cmd.arg("--release");
            }
            let status = cmd.status().expect("run cargo build");
            assert!(status.success(), "cargo build of {name} failed");
        }
        built.push(name.to_owned());
    }
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// Whether `binary` is missing or older than a source file of the crates it is built from.
fn is_stale(binary: &Path) -> bool {
    let Ok(built) = std::fs::metadata(binary).and_then(|m| m.modified()) else {
        return true;
    };
    let root = repo_root();
    let mut dirs: Vec<PathBuf> = ["core", "cli", "test-suites", "registry-server"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    dirs.push(root.join("Cargo.lock"));
    while let Some(p) = dirs.pop() {
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            let skip = p
                .file_name()
                .is_some_and(|n| n == "target" || n == "tests" || n == "fuzz");
            if !skip {
                if let Ok(entries) = std::fs::read_dir(&p) {
                    dirs.extend(entries.flatten().map(|e| e.path()));
                }
            }
        } else if meta.modified().is_ok_and(|m| m > built) {
            return true;
        }
    }
    false
}

/// A `Command` for the real `mxcert` binary with no `MXCERT_*` variables inherited, and no
/// configuration file of this machine or user read: the system directory (`MXCERT_SYSCONFDIR`)
/// and `XDG_CONFIG_HOME` point at a directory that does not exist, and the registry is a closed
/// loopback port unless the test names one, so no test ever reaches the Foundation's registry.
pub fn mxcert() -> Command {
    let mut cmd = Command::new(bin("mxcert"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MXCERT_") {
            cmd.env_remove(&k);
        }
    }
    let nowhere = "/nonexistent/mxcert-tests";
    cmd.env("NO_COLOR", "1")
        .env("MXCERT_SYSCONFDIR", nowhere)
        .env("XDG_CONFIG_HOME", nowhere)
        .env("MXCERT_REGISTRY", "http://127.0.0.1:9");
    cmd
}

/// Runs a command and returns its output; panics with both streams if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("failed to run {cmd:?}: {e}"))
}

/// Runs a command that must succeed and returns its stdout as text.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// A running `mxcert-registry serve` on a free loopback port; killed when dropped.
#[derive(Debug)]
pub struct Registry {
    child: Child,
    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The database URL it serves.
    pub database: String,
}

impl Registry {
    /// Starts the real registry binary on 127.0.0.1:0 with the given database URL and waits until
    /// it reports the address it listens on.
    pub fn start(database: &str) -> Registry {
        let mut child = Command::new(bin("mxcert-registry"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mxcert-registry");
        let url = wait_for_address(&mut child);
        Registry {
            child,
            url,
            database: database.to_owned(),
        }
    }

    /// Runs `mxcert-registry ARGS --database URL` (admin commands) and returns trimmed stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        admin(&self.database, args)
    }
}

/// Runs `mxcert-registry ARGS --database URL` and returns its trimmed stdout.
pub fn admin(database: &str, args: &[&str]) -> String {
    run_ok(
        Command::new(bin("mxcert-registry"))
            .args(args)
            .args(["--database", database]),
    )
    .trim()
    .to_owned()
}

fn wait_for_address(child: &mut Child) -> String {
    // The server announces `listening on http://ADDR` on stdout or stderr; read both.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(url) = find_url(&line) {
                    let _ = tx.send(url);
                }
                if std::env::var_os("MXCERT_TEST_VERBOSE").is_some() {
                    eprintln!("[registry] {line}");
                }
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(url) = rx.recv_timeout(Duration::from_millis(100)) {
            return url;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("mxcert-registry exited early with {status}");
        }
        assert!(
            Instant::now() < deadline,
            "mxcert-registry did not report its address"
        );
    }
}

fn find_url(line: &str) -> Option<String> {
    let start = line.find("http://127.0.0.1:")?;
    let url: String = line[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != ',')
        .collect();
    Some(url.trim_end_matches('/').to_owned())
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP GET returning (status, body), for asserting on endpoints without the CLI.
pub fn http_get(url: &str) -> (u16, String) {
    http("GET", url, None, None)
}

/// A blocking HTTP request to a loopback server returning (status, body).
pub fn http(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> (u16, String) {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("http client");
    let mut req = client.request(method.parse().expect("method"), url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some((ct, b)) = body {
        req = req.header("content-type", ct).body(b.to_vec());
    }
    let resp = req.send().unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    (status, resp.text().unwrap_or_default())
}

/// A fresh SQLite database URL in `dir`.
pub fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}
