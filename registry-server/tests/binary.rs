//! The `mxcert-registry` binary: admin commands print only what scripts capture (an id, a token),
//! store only hashes, answer bad input with exit 1 or 2 and a message; `serve` stops gracefully on
//! SIGTERM; `--config FILE` settings apply and flags override them. Also slow clients against a
//! real listener: a slow body gets 408 at the request deadline, slow headers are disconnected.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};

fn registry() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mxcert-registry"));
    cmd.env_remove("MXCERT_REGISTRY_DATABASE")
        .stdin(Stdio::null());
    cmd
}

fn run(args: &[&str], db: &str) -> (i32, String, String) {
    let out = registry()
        .args(args)
        .args(["--database", db])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test]
async fn admin_commands_print_only_their_result_and_store_only_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());

    let (code, org, err) = run(&["admin", "create-org", "--name", "Cómputo Acme"], &db);
    assert_eq!(code, 0, "{err}");
    let org = org.strip_suffix('\n').unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&org).is_ok(), "{org:?}");

    let (code, member, _) = run(
        &[
            "admin",
            "add-member",
            "--org",
            &org,
            "--name",
            "Ana",
            "--role",
            "vendor",
        ],
        &db,
    );
    assert_eq!(code, 0);
    let member = member.trim().to_owned();
    // The admin commands obey the same membership rules as the API (`workflow::members`).
    let long = "x".repeat(201);
    for (args, says) in [
        (
            vec![
                "add-member",
                "--org",
                &org,
                "--name",
                &long,
                "--role",
                "vendor",
            ],
            "name is longer than 200 characters",
        ),
        (
            vec![
                "add-member",
                "--org",
                &org,
                "--name",
                " ",
                "--role",
                "vendor",
            ],
            "name must not be empty",
        ),
    ] {
        let mut argv = vec!["admin"];
        argv.extend(args);
        let (code, out, err) = run(&argv, &db);
        assert_eq!(code, 1, "{argv:?}: {out}{err}");
        assert!(err.contains(says), "{argv:?}: {err}");
    }
    let (code, token, _) = run(
        &[
            "admin",
            "create-token",
            "--org",
            &org,
            "--role",
            "vendor",
            "--member",
            &member,
            "--label",
            "ci",
        ],
        &db,
    );
    assert_eq!(code, 0);
    assert_eq!(token.lines().count(), 1);
    let token = token.trim().to_owned();
    assert!(token.starts_with("mxr_") && token.len() == 47, "{token}");

    // Only the hash is in the database file; listings show the prefix, never the token.
    let bytes = std::fs::read(dir.path().join("r.db")).unwrap();
    let wal = std::fs::read(dir.path().join("r.db-wal")).unwrap_or_default();
    let needle = token.as_bytes();
    for content in [&bytes, &wal] {
        assert!(!content.windows(needle.len()).any(|w| w == needle));
    }
    let store = mxcert_registry::store::Store::open(&db).await.unwrap();
    let found = store
        .token_by_hash(&mxcert_registry::auth::hash_token(&token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.member_name.as_deref(), Some("Ana"));
    store.close().await;
    let (_, listed, _) = run(&["admin", "list-tokens", "--org", &org], &db);
    assert!(
        listed.contains(&token[..10]) && !listed.contains(&token),
        "{listed}"
    );
    let token_id = listed.split('\t').next().unwrap().to_owned();
    // Separation of duties: a vendor member gets no reviewer or admin token.
    for role in ["reviewer", "admin"] {
        let (code, out, err) = run(
            &[
                "admin",
                "create-token",
                "--org",
                &org,
                "--role",
                role,
                "--member",
                &member,
            ],
            &db,
        );
        assert_eq!((code, out.as_str()), (1, ""), "{role}");
        assert!(
            err.contains(&format!(
                "failed to issue a {role} token to member {member}"
            )),
            "{err}"
        );
    }

    let (_, orgs, _) = run(&["admin", "list-orgs"], &db);
    assert_eq!(orgs, format!("{org}\tcomputo-acme\tCómputo Acme\n"));
    let (code, _, err) = run(&["admin", "revoke-token", &token_id], &db);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["admin", "revoke-token", &token_id], &db);
    assert_eq!(code, 1);
    assert!(err.contains("already revoked"), "{err}");

    // The registry key: PEM, the same every time.
    let (_, pem1, _) = run(&["admin", "registry-key"], &db);
    let (_, pem2, _) = run(&["admin", "registry-key"], &db);
    assert!(pem1.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(pem1, pem2);

    // Bad input: exit 1 with a message naming the value, or 2 for usage.
    let (code, out, err) = run(
        &["admin", "create-token", "--org", "nope", "--role", "vendor"],
        &db,
    );
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("nope"), "{err}");
    let (code, _, err) = run(
        &["admin", "create-token", "--org", &org, "--role", "root"],
        &db,
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["admin", "create-org", "--name", "  "], &db);
    assert_eq!(code, 1);
    assert!(err.contains("name must not be empty"), "{err}");
    let (code, _, err) = run(&["migrate"], "mysql://x");
    assert_eq!(code, 1);
    assert!(err.contains("unsupported database URL"), "{err}");
    let (code, _, err) = run(&["migrate"], "postgres://u:secret@127.0.0.1:1/db");
    assert_eq!(code, 1);
    assert!(!err.contains("secret"), "the password is printed: {err}");
    let (code, _, err) = run(&["migrate"], &db);
    assert_eq!(code, 0, "{err}");
}

/// Starts `mxcert-registry serve ARGS...` and returns the child, its stderr after the
/// announcement, the announced address and the announcement line.
fn serve(
    args: &[&str],
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStderr>,
    String,
    String,
) {
    let mut child = registry()
        .arg("serve")
        .args(args)
        .env("MXCERT_REGISTRY_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    // Skip log lines until the announcement.
    let mut line = String::new();
    while !line.contains("listening on http://") {
        line.clear();
        assert!(
            std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0,
            "no announcement"
        );
    }
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, stderr, addr, line)
}

#[test]
fn serve_announces_its_address_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let (mut child, mut stderr, addr, _) = serve(&["--listen", "127.0.0.1:0", "--database", &db]);
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit}");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("shutting down"), "{rest}");
}

#[tokio::test]
async fn a_slow_body_gets_408_at_the_deadline() {
    let r = common::Registry::with_config("sqlite", |c| {
        c.request_timeout = std::time::Duration::from_millis(500)
    })
    .await;
    let (addr, stop_tx, server) = r.listen().await;
    let token = r.vendor_a.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        // Promise a body and never send it.
        write!(
            conn,
            "POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 1000\r\n\r\n{{"
        )
        .unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        let mut buf = [0u8; 4096];
        let n = conn.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn a_config_file_sets_what_flags_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("plans");
    std::fs::create_dir(&plans).unwrap();
    // One plan of the registry's own: the announcement counts the plans it knows.
    let quick =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-suites/plans/quick.toml");
    std::fs::copy(quick, plans.join("quick.toml")).unwrap();
    let config = dir.path().join("registry.toml");
    std::fs::write(
        &config,
        "# the registry of a lab\ndatabase = \"sqlite://lab.db\"\nlisten = \"127.0.0.1:1\"\nplans_dir = \"plans\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    // The flag overrides the file's port 1; the file's database and plans apply, relative to it.
    let (mut child, _stderr, addr, line) = serve(&["--config", config, "--listen", "127.0.0.1:0"]);
    assert!(!addr.ends_with(":1"), "{line}");
    assert!(
        line.contains("lab.db") && line.contains("1 known plans"),
        "{line}"
    );
    assert!(dir.path().join("lab.db").exists());
    child.kill().unwrap();
    child.wait().unwrap();

    // A misspelt key is an error naming the file and the line, exit 1.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "listen = \"127.0.0.1:0\"\nrequest_timeout = 5\n").unwrap();
    let out = registry()
        .args(["migrate", "--config", bad.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("line 2: unknown field `request_timeout`"),
        "{err}"
    );
    let out = registry()
        .args(["migrate", "--config"])
        .arg(dir.path().join("missing.toml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot read config file") && err.contains("missing.toml"),
        "{err}"
    );
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_disconnected() {
    let r = common::Registry::with_config("sqlite", |c| {
        c.header_read_timeout = std::time::Duration::from_secs(1)
    })
    .await;
    let (addr, stop_tx, server) = r.listen().await;
    let closed_after = |partial: &'static [u8]| {
        tokio::task::spawn_blocking(move || {
            let mut conn = std::net::TcpStream::connect(addr).unwrap();
            conn.write_all(partial).unwrap();
            conn.set_read_timeout(Some(std::time::Duration::from_secs(20)))
                .unwrap();
            let start = std::time::Instant::now();
            let mut answer = Vec::new();
            // Ends when the server closes the connection (or the 20 s read timeout fails it).
            conn.read_to_end(&mut answer).unwrap();
            (
                start.elapsed(),
                String::from_utf8_lossy(&answer).into_owned(),
            )
        })
    };
    // Slowloris: half a request line, then nothing.
    let (slow, answer) = closed_after(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(slow < std::time::Duration::from_secs(15), "held {slow:?}");
    assert!(!answer.contains("200 OK"), "{answer}");
    // A connection that says nothing at all.
    let (idle, _) = closed_after(b"").await.unwrap();
    assert!(idle < std::time::Duration::from_secs(15), "held {idle:?}");
    // A prompt client is still served.
    let ok = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Issue 13, item 13: a number of days no date can hold, or a deadline no instant can hold, is a
/// usage error (exit 2) naming the flag or the variable, and in a config file an error naming the
/// key (exit 1), never an overflow panic (exit 101, or a panic on every connection). The address cannot be bound, so a `serve` that got past its settings exits 1.
#[test]
fn out_of_range_days_and_deadlines_are_usage_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let (code, org, err) = run(&["admin", "create-org", "--name", "Acme"], &db);
    assert_eq!(code, 0, "{err}");
    let org = org.trim().to_owned();
    let create_token = |days: &str| {
        run(
            &[
                "admin",
                "create-token",
                "--org",
                &org,
                "--role",
                "vendor",
                "--expires-in-days",
                days,
            ],
            &db,
        )
    };
    for days in ["4294967295", "36501", "0"] {
        let (code, out, err) = create_token(days);
        assert_eq!((code, out.as_str()), (2, ""), "{days}: {err}");
        assert!(
            err.contains("--expires-in-days") && err.contains(days) && err.contains("1..=36500"),
            "{err}"
        );
    }
    let (code, token, err) = create_token("36500");
    assert_eq!(code, 0, "{err}");
    assert!(token.starts_with("mxr_"), "{token}");

    let unbindable = ["serve", "--listen", "192.0.2.1:0"];
    let (code, _, err) = run(
        &[&unbindable[..], &["--certificate-days", "4294967295"]].concat(),
        &db,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--certificate-days"), "{err}");
    let out = registry()
        .args(unbindable)
        .args(["--database", &db])
        .env("MXCERT_REGISTRY_CERTIFICATE_DAYS", "99999999")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("99999999"), "{err}");
    let config = dir.path().join("registry.toml");
    std::fs::write(&config, "certificate_validity_days = 4294967295\n").unwrap();
    let (code, _, err) = run(
        &[&unbindable[..], &["--config", config.to_str().unwrap()]].concat(),
        &db,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("registry.toml")
            && err.contains(
                "certificate_validity_days must be between 1 and 36500 days, not 4294967295"
            ),
        "{err}"
    );
    for flag in ["--request-timeout", "--header-read-timeout"] {
        let (code, _, err) = run(
            &[&unbindable[..], &[flag, "18446744073709551615"]].concat(),
            &db,
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(flag) && err.contains("0..=86400"), "{err}");
    }
    let out = registry()
        .args(unbindable)
        .args(["--database", &db])
        .env("MXCERT_REGISTRY_HEADER_READ_TIMEOUT", "86401")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("86401"), "{err}");
    std::fs::write(&config, "request_timeout_secs = 9223372036854775807\n").unwrap();
    let (code, _, err) = run(
        &[&unbindable[..], &["--config", config.to_str().unwrap()]].concat(),
        &db,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("request_timeout_secs must be at most 86400 seconds, not 9223372036854775807"),
        "{err}"
    );
    // In range, the settings pass and only the address fails.
    let (code, _, err) = run(
        &[&unbindable[..], &["--certificate-days", "36500"]].concat(),
        &db,
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("failed to listen on 192.0.2.1:0"), "{err}");
}

/// Issue 13, item 6: `MXCERT_REGISTRY_TRUSTED_PROXIES` is read like `--trusted-proxy` (comma
/// separated); an entry that is not an address or a range is a usage error naming it.
#[test]
fn trusted_proxies_from_the_environment_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let serve = |proxies: &str| {
        registry()
            .args(["serve", "--listen", "192.0.2.1:0", "--database", &db])
            .env("MXCERT_REGISTRY_TRUSTED_PROXIES", proxies)
            .output()
            .unwrap()
    };
    let out = serve("10.0.0.1,proxy.lan");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("\"proxy.lan\" is not an IP address"), "{err}");
    // Valid entries pass; only the address fails.
    let out = serve("10.0.0.1,fd00::/8");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("failed to listen on 192.0.2.1:0"), "{err}");
}

/// `mxcert-registry ARGS` under `umask`, with its stderr piped.
fn registry_under_umask(umask: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_mxcert-registry"))
        .args(args)
        .env_remove("MXCERT_REGISTRY_DATABASE")
        .env("MXCERT_REGISTRY_LOG", "info")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// A child process that is killed when dropped, a failed assertion included.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mode(path: &std::path::Path) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions()) & 0o777
}

/// Issue 13, item 14: the SQLite file holds the registry's private key. Under permissive umasks
/// the database and its `-wal`/`-shm` files are created 0600; an existing file open to group or
/// others gets a warning naming it and its mode on start (and none when it is 0600).
#[test]
fn the_database_and_its_wal_are_private_whatever_the_umask() {
    for umask in ["0022", "0002"] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.db");
        let db = format!("sqlite://{}", file.display());
        let mut child = KillOnDrop(
            registry_under_umask(
                umask,
                &["serve", "--listen", "127.0.0.1:0", "--database", &db],
            )
            .spawn()
            .unwrap(),
        );
        let mut stderr = std::io::BufReader::new(child.0.stderr.take().unwrap());
        let mut log = String::new();
        while !log.contains("listening on http://") {
            assert!(
                std::io::BufRead::read_line(&mut stderr, &mut log).unwrap() > 0,
                "no announcement: {log}"
            );
        }
        // Serving: the key is written, the WAL and its index are open.
        for name in ["r.db", "r.db-wal", "r.db-shm"] {
            assert_eq!(mode(&dir.path().join(name)), 0o600, "umask {umask}: {name}");
        }
        assert!(!log.contains("has mode"), "{log}");
        drop(child);

        // A file made readable by others before: a warning naming it and its mode.
        let loose = if umask == "0022" { 0o644 } else { 0o664 };
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(loose))
            .unwrap();
        let out = registry_under_umask(umask, &["migrate", "--database", &db])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(
            err.contains(&format!(
                "the database file {} has mode {loose:04o}",
                file.display()
            )),
            "umask {umask}: {err}"
        );
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let out = registry_under_umask(umask, &["migrate", "--database", &db])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("has mode"), "{err}");
    }
}

/// Issue 13, item 6, over a real listener: the server records the TCP peer (127.0.0.1, here a
/// trusted proxy), and the failure limit keys on the client its `X-Forwarded-For` names.
#[tokio::test]
async fn a_real_connection_from_a_trusted_proxy_is_attributed_to_its_client() {
    let r = common::Registry::with_config("sqlite", |c| {
        c.trusted_proxies =
            mxcert_registry::client_addr::TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()]);
        c.auth_failures_per_window = 2;
    })
    .await;
    let (addr, stop_tx, server) = r.listen().await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let me = |forwarded_for: &'static str, token: String| {
        client
            .get(format!("http://{addr}/api/v1/me"))
            .header("x-forwarded-for", forwarded_for)
            .bearer_auth(token)
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            me("203.0.113.1", "mxr_wrong".into())
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [401, 401, 429]);
    let other = me("203.0.113.2", "mxr_wrong".into()).await.unwrap();
    assert_eq!(other.status().as_u16(), 401);
    let valid = me("203.0.113.1", r.vendor_a.clone()).await.unwrap();
    assert_eq!(valid.status().as_u16(), 200);
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}
