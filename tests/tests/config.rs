//! The `mxcert` configuration end to end, with real files in a temporary system directory
//! (`MXCERT_SYSCONFDIR`) and a temporary `XDG_CONFIG_HOME`, and a real `mxcert-registry`: the
//! precedence system file < user file < environment < flag, `mxcert login` storing a token 0600
//! that later commands use with no flags, a token file others may read refused, and a garbage
//! file named with its line. The Foundation's registry is never contacted: every run names one.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use mxcert_tests::{admin, mxcert, run, sqlite_url, Registry};

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `mxcert` reading its files from `etc` and `xdg` only, with no registry in the environment.
fn configured(etc: &Path, xdg: &Path) -> Command {
    let mut cmd = mxcert();
    cmd.env("MXCERT_SYSCONFDIR", etc)
        .env("XDG_CONFIG_HOME", xdg)
        .env_remove("MXCERT_REGISTRY");
    cmd
}

/// Runs `cmd` with `input` on standard input.
fn with_stdin(cmd: &mut Command, input: &str) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn each_layer_overrides_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    let (etc, xdg) = (dir.path().join("etc"), dir.path().join("xdg"));
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::create_dir_all(xdg.join("mxcert")).unwrap();
    let lspci = dir.path().join("lspci.txt");
    std::fs::write(
        &lspci,
        "00:02.0 VGA compatible controller [0300]: Intel Corporation Device [8086:46a6]\n",
    )
    .unwrap();
    // Closed loopback ports: the error names the registry each run chose.
    let reached = |cmd: &mut Command, flags: &[&str]| {
        let out = run(cmd.arg("check").args(flags).arg("--from").arg(&lspci));
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
        let t = text(&out);
        let port = t
            .split("failed to reach the registry at http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("{t}"))
            .to_owned();
        port
    };
    std::fs::write(
        etc.join("mxcert.toml"),
        "registry = \"http://127.0.0.1:1\"\n",
    )
    .unwrap();
    assert_eq!(reached(&mut configured(&etc, &xdg), &[]), "1");
    std::fs::write(
        xdg.join("mxcert/config.toml"),
        "registry = \"http://127.0.0.1:2\"\n",
    )
    .unwrap();
    assert_eq!(reached(&mut configured(&etc, &xdg), &[]), "2");
    assert_eq!(
        reached(
            configured(&etc, &xdg).env("MXCERT_REGISTRY", "http://127.0.0.1:3"),
            &[]
        ),
        "3"
    );
    assert_eq!(
        reached(
            configured(&etc, &xdg).env("MXCERT_REGISTRY", "http://127.0.0.1:3"),
            &["--registry", "http://127.0.0.1:4"]
        ),
        "4"
    );

    // Garbage in either file: exit 3 naming the file and the line, whatever the flags say.
    std::fs::write(
        xdg.join("mxcert/config.toml"),
        "registry = \"http://127.0.0.1:2\"\n[server\n",
    )
    .unwrap();
    let out = run(configured(&etc, &xdg).args(["check", "--registry", "http://127.0.0.1:4"]));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let expected = format!(
        "mxcert: invalid config file {}: line 2: ",
        xdg.join("mxcert/config.toml").display()
    );
    assert!(text(&out).starts_with(&expected), "{}", text(&out));
}

#[test]
fn login_stores_a_private_token_that_later_commands_use() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path(), "registry.db");
    let org = admin(&db, &["admin", "create-org", "--name", "Cómputo Acme"]);
    let token = admin(
        &db,
        &["admin", "create-token", "--org", &org, "--role", "vendor"],
    );
    let registry = Registry::start(&db);
    let (etc, xdg) = (dir.path().join("etc"), dir.path().join("xdg"));
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(
        etc.join("mxcert.toml"),
        format!("registry = \"{}\"\n", registry.url),
    )
    .unwrap();

    // Before login: no token anywhere is a usage error saying what to do.
    let out = run(configured(&etc, &xdg).args(["keys", "list"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("mxcert login"), "{}", text(&out));

    // A wrong token is refused by the registry and not stored.
    let out = with_stdin(configured(&etc, &xdg).arg("login"), "mxr_wrong\n");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let file = xdg.join("mxcert/token");
    assert!(!file.exists());

    let out = with_stdin(configured(&etc, &xdg).arg("login"), &format!("{token}\n"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(&token), "the token was printed");
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::metadata(xdg.join("mxcert"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{token}\n")
    );
    // No leftover temporary file beside it.
    assert_eq!(std::fs::read_dir(xdg.join("mxcert")).unwrap().count(), 1);

    // With no flag and no variable, the registry comes from /etc and the token from the file.
    let out = run(configured(&etc, &xdg).args(["keys", "list", "--format", "json"]));
    assert!(out.status.success(), "{}", text(&out));

    // A token file its group may read is refused, exit 5, without printing the token.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run(configured(&etc, &xdg).args(["keys", "list"]));
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("refusing to use token file {}", file.display())),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains(&token));
    // Logging in again rewrites it private.
    let out = with_stdin(configured(&etc, &xdg).arg("login"), &format!("{token}\n"));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Garbage on standard input is not a token.
    let out = with_stdin(configured(&etc, &xdg).arg("login"), "\n");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
}
