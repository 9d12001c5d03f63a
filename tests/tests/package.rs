//! The Debian packages, installed: `scripts/package` builds `mxcert` and `mxcert-registry` from
//! the binaries of this build (debug under `cargo test`: a release build of the workspace takes
//! many minutes on two shared cores, and what is checked here does not depend on the profile),
//! `dpkg -x` unpacks both into a clean root, and the test checks what a user gets: the files where
//! Debian puts them, the system user (the package's sysusers.d file applied with
//! `systemd-sysusers --root`), the unit (`systemd-analyze verify` against the root, with the
//! man pages its `Documentation=` names), the dependencies (hwdata, not copies of `pci.ids`), and
//! the installed binaries running with the installed plans and configuration.
//!
//! Cost: packaging the already built binaries (strip, man pages, completions, `dpkg-deb -Zgzip
//! -z1`) takes about ten seconds here. Tools missing on this machine make their part print why
//! it was skipped; `dpkg-deb` itself missing skips the whole test.

use std::path::{Path, PathBuf};
use std::process::Command;

use mxcert_tests::{bin, repo_root, run, run_ok};

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Builds both packages into `out` and returns their paths (mxcert, mxcert-registry).
fn build_packages(out: &Path) -> (PathBuf, PathBuf) {
    let mxcert = bin("mxcert");
    bin("mxcert-registry");
    let profile = if mxcert.parent().is_some_and(|d| d.ends_with("release")) {
        "release"
    } else {
        "debug"
    };
    let stdout = run_ok(
        Command::new(repo_root().join("scripts/package"))
            .args(["--no-build", "--profile", profile, "--out"])
            .arg(out),
    );
    let debs: Vec<PathBuf> = stdout.lines().map(PathBuf::from).collect();
    assert_eq!(debs.len(), 2, "{stdout}");
    for d in &debs {
        assert!(d.exists(), "{}", d.display());
    }
    (debs[0].clone(), debs[1].clone())
}

fn field(deb: &Path, name: &str) -> String {
    run_ok(Command::new("dpkg-deb").arg("-f").arg(deb).arg(name))
        .trim()
        .to_owned()
}

#[test]
fn the_packages_install_into_a_clean_root_and_run() {
    if !have("dpkg-deb") || !have("dpkg-shlibdeps") {
        eprintln!("skipped: dpkg-deb or dpkg-shlibdeps missing (apt-get install dpkg-dev)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (cli_deb, registry_deb) = build_packages(&tmp.path().join("debs"));

    // Control data: names, the hwdata dependency, conffiles, maintainer scripts.
    assert_eq!(field(&cli_deb, "Package"), "mxcert");
    assert_eq!(field(&registry_deb, "Package"), "mxcert-registry");
    for deb in [&cli_deb, &registry_deb] {
        let depends = field(deb, "Depends");
        assert!(
            depends.contains("libc6") && depends.split(", ").any(|d| d == "hwdata"),
            "{depends}"
        );
        let contents = run_ok(Command::new("dpkg-deb").arg("-c").arg(deb));
        assert!(
            !contents.contains("pci.ids") && !contents.contains("usb.ids"),
            "{contents}"
        );
    }
    assert!(field(&cli_deb, "Depends").contains("libudev1"));
    let control = tmp.path().join("control");
    run_ok(
        Command::new("dpkg-deb")
            .arg("-e")
            .arg(&registry_deb)
            .arg(&control),
    );
    assert_eq!(
        std::fs::read_to_string(control.join("conffiles")).unwrap(),
        "/etc/mxcert/registry.toml\n"
    );
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    assert!(
        postinst.contains("systemd-sysusers mxcert-registry.conf")
            && postinst.contains("adduser --system"),
        "{postinst}"
    );
    let sh = run(Command::new("sh").arg("-n").arg(control.join("postinst")));
    assert!(sh.status.success(), "{}", text(&sh));

    // Unpacked into a clean root.
    let root = tmp.path().join("root");
    for deb in [&cli_deb, &registry_deb] {
        run_ok(Command::new("dpkg").arg("-x").arg(deb).arg(&root));
    }
    let expected = [
        "usr/bin/mxcert",
        "usr/bin/mxcert-registry",
        "usr/share/man/man1/mxcert.1.gz",
        "usr/share/man/man1/mxcert-check.1.gz",
        "usr/share/man/man1/mxcert-login.1.gz",
        "usr/share/man/man1/mxcert-registry.1.gz",
        "usr/share/man/man1/mxcert-registry-serve.1.gz",
        "usr/share/bash-completion/completions/mxcert",
        "usr/share/bash-completion/completions/mxcert-registry",
        "usr/share/zsh/vendor-completions/_mxcert",
        "usr/share/zsh/vendor-completions/_mxcert-registry",
        "usr/share/fish/vendor_completions.d/mxcert.fish",
        "usr/share/fish/vendor_completions.d/mxcert-registry.fish",
        "usr/share/doc/mxcert/copyright",
        "usr/share/doc/mxcert-registry/copyright",
        "lib/systemd/system/mxcert-registry.service",
        "usr/lib/sysusers.d/mxcert-registry.conf",
        "etc/mxcert/registry.toml",
        "etc/mxcert/mxcert.toml",
    ];
    for f in expected {
        assert!(root.join(f).is_file(), "{f} is not installed");
    }
    let shipped: Vec<String> = std::fs::read_dir(repo_root().join("test-suites/plans"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    assert!(!shipped.is_empty());
    for plan in &shipped {
        let installed = root.join("usr/share/mxcert/plans").join(plan);
        assert_eq!(
            std::fs::read(&installed).unwrap(),
            std::fs::read(repo_root().join("test-suites/plans").join(plan)).unwrap(),
            "{plan}"
        );
    }
    let unit =
        std::fs::read_to_string(root.join("lib/systemd/system/mxcert-registry.service")).unwrap();
    for line in [
        "Type=notify",
        "User=mxcert-registry",
        "StateDirectory=mxcert-registry",
        "ExecStart=/usr/bin/mxcert-registry serve --config /etc/mxcert/registry.toml",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ReadWritePaths=/var/lib/mxcert-registry",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line}");
    }

    // The installed binaries run, with the installed plans and configuration.
    let mxcert = root.join("usr/bin/mxcert");
    let registry = root.join("usr/bin/mxcert-registry");
    let version = format!(" {}\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        run_ok(Command::new(&mxcert).arg("--version")),
        format!("mxcert{version}")
    );
    assert_eq!(
        run_ok(Command::new(&registry).arg("--version")),
        format!("mxcert-registry{version}")
    );
    let plans = run_ok(Command::new(&mxcert).args(["plans", "list"]));
    assert!(plans.contains("quick"), "{plans}");
    for plan in &shipped {
        run_ok(
            Command::new(&mxcert)
                .args(["plans", "validate"])
                .arg(root.join("usr/share/mxcert/plans").join(plan)),
        );
    }
    // The packaged /etc/mxcert/mxcert.toml parses and names the Foundation's registry: with it,
    // `sign` gets as far as asking for a key (exit 2), not a configuration error (exit 3).
    let etc = std::fs::read_to_string(root.join("etc/mxcert/mxcert.toml")).unwrap();
    assert!(
        etc.contains("\nregistry = \"https://registro.mxos.mx\"\n"),
        "{etc}"
    );
    let out = run(Command::new(&mxcert)
        .args(["sign", "report.json"])
        .env_remove("MXCERT_KEY")
        .env("MXCERT_SYSCONFDIR", root.join("etc/mxcert"))
        .env("XDG_CONFIG_HOME", tmp.path().join("no-config")));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no signing key"), "{}", text(&out));
    // The packaged registry.toml parses; its SQLite database is swapped for one in the test's
    // directory (the packaged one is /var/lib/mxcert-registry, made by systemd).
    let out = run(Command::new(&registry)
        .arg("migrate")
        .arg("--config")
        .arg(root.join("etc/mxcert/registry.toml"))
        .arg("--database")
        .arg(format!("sqlite://{}", tmp.path().join("r.db").display())));
    assert!(out.status.success(), "{}", text(&out));

    // Man pages render; completions load.
    if have("man") {
        let out = run(Command::new("man")
            .arg("-l")
            .arg(root.join("usr/share/man/man1/mxcert-login.1.gz"))
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100"));
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("token-file"), "{}", text(&out));
    } else {
        eprintln!("skipped rendering the man pages: man is not installed");
    }
    let out = run(Command::new("bash").arg("-c").arg(format!(
        "source {} && complete -p mxcert",
        root.join("usr/share/bash-completion/completions/mxcert")
            .display()
    )));
    assert!(out.status.success(), "{}", text(&out));

    // The system user, as systemd-sysusers makes it from the package's file.
    if have("systemd-sysusers") {
        let out = run(Command::new("systemd-sysusers")
            .arg(format!("--root={}", root.display()))
            .arg("mxcert-registry.conf"));
        assert!(out.status.success(), "{}", text(&out));
        let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
        let user = passwd
            .lines()
            .find(|l| l.starts_with("mxcert-registry:"))
            .unwrap_or_else(|| panic!("no user in {passwd}"));
        let fields: Vec<&str> = user.split(':').collect();
        let uid: u32 = fields[2].parse().unwrap();
        assert!((1..1000).contains(&uid), "not a system user: {user}");
        assert_eq!(fields[5], "/var/lib/mxcert-registry", "{user}");
        assert_eq!(fields[6], "/usr/sbin/nologin", "{user}");
        let group = std::fs::read_to_string(root.join("etc/group")).unwrap();
        assert!(group.contains("mxcert-registry:x:"), "{group}");
    } else {
        eprintln!("skipped the system user: systemd-sysusers is not installed");
    }

    // The unit passes systemd-analyze verify against the root: its binary and the man pages of
    // `Documentation=` are there. The root gets systemd's own targets, as a Debian system has.
    if have("systemd-analyze") && Path::new("/lib/systemd/system/sysinit.target").exists() {
        let units = root.join("lib/systemd/system");
        for entry in std::fs::read_dir("/lib/systemd/system").unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "target") && path.is_file() {
                std::fs::copy(&path, units.join(path.file_name().unwrap())).unwrap();
            }
        }
        let out = run(Command::new("systemd-analyze")
            .arg("verify")
            .arg(format!("--root={}", root.display()))
            .arg("mxcert-registry.service")
            .env("MANPATH", root.join("usr/share/man")));
        assert!(out.status.success(), "{}", text(&out));
        // A unit systemd had to ignore a line of verifies with a warning and exit 0.
        assert_eq!(text(&out), "", "systemd-analyze verify complained");
    } else {
        eprintln!("skipped systemd-analyze verify: systemd is not installed");
    }
}
