//! `mxcert run --wifi-config FILE`: the file is checked before the session starts; a bad one is
//! a usage error (exit 2) naming the line and field, never quoting a passphrase.

use std::process::{Command, Stdio};

#[test]
fn a_bad_wifi_config_is_a_usage_error_that_never_quotes_the_passphrase() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("wifi.toml");
    std::fs::write(
        &file,
        "[[network]]\nssid = \"lab\"\npsk = \"correct horse battery\"\npassword = \"correct horse battery\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mxcert"))
        .env("XDG_STATE_HOME", t.path())
        .args([
            "run",
            "--plan",
            "quick",
            "--non-interactive",
            "--wifi-config",
        ])
        .arg(&file)
        .arg("--session")
        .arg(t.path().join("s"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--wifi-config: ")
            && stderr.contains(
                "unknown field `password`, expected one of `ssid`, `psk`, `open`, `band` (line 4)"
            ),
        "{stderr}"
    );
    assert!(!stderr.contains("horse"), "{stderr}");
    assert!(!t.path().join("s").exists(), "no session was started");
}
