//! display.outputs, graphics.render, platform.firmware, virt.kvm and server.ipmi: against fixture
//! trees with real EDIDs, recorded outputs of real tools (tests/fixtures/commands, origins in its
//! README), this machine's /dev/kvm, and real programs for the timeouts.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use mxcert_core::plan::params::{
    DisplayOutputs, GraphicsRender, PlatformFirmware, ServerIpmi, VirtKvm,
};
use mxcert_core::report::Status;
use mxcert_suites::checks::{
    display_outputs, graphics_render, platform_firmware, server_ipmi, virt_kvm,
};
use mxcert_suites::runner_seam::{CommandOutput, CommandRunner, RecordedRunner, RunError};

use crate::support::{ctx, inventory, live, Tree};

fn recorded(name: &str) -> RecordedRunner {
    RecordedRunner::new(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/commands")
            .join(name),
    )
}

fn edid(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../core/tests/fixtures/edid")
            .join(name),
    )
    .unwrap()
}

/// A runner that really runs `sh -c 'sleep 30'` whatever it is asked: a tool that hangs.
struct Hanging;
impl CommandRunner for Hanging {
    fn run(&self, _: &str, _: &[&str], timeout: Duration) -> Result<CommandOutput, RunError> {
        mxcert_suites::runner_seam::SystemRunner.run("sh", &["-c", "sleep 30"], timeout)
    }
}

/// A DRM connector `cardN-CONN` with its status, enabled state, modes and EDID.
fn connector(tree: &Tree, card: &str, conn: &str, connected: bool, edid_bytes: &[u8], mode: &str) {
    let dir = format!("/sys/class/drm/{card}-{conn}");
    tree.file(
        &format!("{dir}/status"),
        if connected {
            "connected\n"
        } else {
            "disconnected\n"
        },
    )
    .file(
        &format!("{dir}/enabled"),
        if connected { "enabled\n" } else { "disabled\n" },
    )
    .file(&format!("{dir}/modes"), mode);
    std::fs::write(
        tree.root()
            .join(format!("sys/class/drm/{card}-{conn}/edid")),
        edid_bytes,
    )
    .unwrap();
}

fn gpu(tree: &Tree, card: &str, driver: &str) {
    let dev = format!("/sys/devices/pci0000:00/0000:00:02.0-{card}");
    tree.device(&dev, Some(driver))
        .link_in(&format!("/sys/class/drm/{card}/device"), &dev);
}

#[test]
fn display_outputs_on_a_laptop_with_an_external_monitor() {
    let tree = Tree::new();
    gpu(&tree, "card0", "i915");
    connector(
        &tree,
        "card0",
        "eDP-1",
        true,
        &edid("auo-b140qan02-edp.bin"),
        "2560x1440\n1920x1080\n",
    );
    connector(
        &tree,
        "card0",
        "DP-1",
        true,
        &edid("dell-u2917w-dp.bin"),
        "2560x1080\n",
    );
    connector(&tree, "card0", "HDMI-A-1", false, b"", "");
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let p = DisplayOutputs {
        require_builtin_panel: true,
        ignore: vec![],
    };
    let out = display_outputs::run(&p, &c);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("2 connected outputs (1 built-in), each with a valid EDID and an active mode")
    );
    assert_eq!(
        out.evidence_text("outputs"),
        Some("card0 (i915) DP-1, external: DEL 0x40f8 \"DELL U2917W\", 2016 week 5, 67x28 cm, digital, 2560x1080@60.00Hz, 1 extension; mode 2560x1080, enabled\n\
              card0 (i915) eDP-1, built-in: AUO 0x2336 \"AUO B140QAN02.3\", 2017, 31x17 cm, digital, 2560x1440@60.01Hz, 0 extensions [no monitor name descriptor]; mode 2560x1440, enabled")
    );
    assert_eq!(out.measurement("connected_outputs"), Some(2.0));
    // The monitor's serial string never reaches the outcome.
    assert!(!format!("{out:?}").contains("91CY7358028P"));

    // Without the panel (a laptop whose lid connector shows nothing), the plan's requirement fails.
    let p_ext = DisplayOutputs {
        require_builtin_panel: true,
        ignore: vec!["eDP-1".into()],
    };
    let out = display_outputs::run(&p_ext, &c);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("no built-in panel (eDP, LVDS or DSI) is connected")
    );
}

#[test]
fn display_outputs_fail_on_bad_edids_and_inactive_outputs_and_skip_without_connectors() {
    let tree = Tree::new();
    gpu(&tree, "card1", "amdgpu");
    connector(
        &tree,
        "card1",
        "DP-1",
        true,
        b"not an edid at all",
        "1920x1080\n",
    );
    connector(
        &tree,
        "card1",
        "DP-2",
        true,
        &edid("dell-p2314t-truncated.bin"),
        "",
    );
    connector(
        &tree,
        "card1",
        "HDMI-A-1",
        true,
        &edid("dell-u2917w-bad-extension-checksum.bin"),
        "2560x1080\n",
    );
    tree.file("/sys/class/drm/card1-HDMI-A-1/enabled", "disabled\n");
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let out = display_outputs::run(&DisplayOutputs::default(), &c);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("DP-1: the EDID does not start with the header 00 FF FF FF FF FF FF 00; DP-2: connected but lists no mode; HDMI-A-1: connected but not enabled (disabled)")
    );
    let evidence = out.evidence_text("outputs").unwrap();
    assert!(
        evidence.contains("[extension block 1 has a wrong checksum]"),
        "{evidence}"
    );
    assert!(
        evidence.contains("the base block is truncated at 100 of 128 bytes"),
        "{evidence}"
    );

    let none = Tree::new();
    none.dir("/sys/class/drm/card0")
        .dir("/sys/class/drm/renderD128");
    let out = display_outputs::run(
        &DisplayOutputs::default(),
        &ctx(inventory("firecracker-vm.json"), none.root(), t.path()),
    );
    assert_eq!(out.status, Status::Skip);
    assert!(out.message.unwrap().starts_with("no display connector"));

    let dark = Tree::new();
    connector(&dark, "card0", "DP-1", false, b"", "");
    let out = display_outputs::run(
        &DisplayOutputs::default(),
        &ctx(inventory("firecracker-vm.json"), dark.root(), t.path()),
    );
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("none of the 1 display connectors has a display connected")
    );
}

fn with_render_node() -> Tree {
    let tree = Tree::new();
    tree.file("/dev/dri/renderD128", "");
    tree
}

#[test]
fn graphics_render_passes_on_a_hardware_renderer_and_fails_on_llvmpipe() {
    let tree = with_render_node();
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let p = GraphicsRender::default();

    let out = graphics_render::run_with(&p, &c, &recorded("egl-intel-iris"));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("hardware rendering: Mesa Intel(R) UHD Graphics 630 (CML GT2) (driver iris)")
    );
    assert_eq!(
        out.evidence_text("platforms"),
        Some("GBM platform: driver iris, renderer Mesa Intel(R) UHD Graphics 630 (CML GT2), OpenGL 4.6 (Core Profile) Mesa 23.1.3")
    );

    let out = graphics_render::run_with(&p, &c, &recorded("egl-llvmpipe"));
    assert_eq!(out.status, Status::Fail, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("only software rendering: swrast")
    );
    assert_eq!(out.measurement("egl_platforms"), Some(2.0));
}

#[test]
fn graphics_render_skips_without_a_render_node_or_the_tool_and_times_out() {
    let t = tempfile::tempdir().unwrap();
    let bare = Tree::new();
    let out = graphics_render::run_with(
        &GraphicsRender::default(),
        &ctx(inventory("firecracker-vm.json"), bare.root(), t.path()),
        &recorded("egl-intel-iris"),
    );
    assert_eq!(out.status, Status::Skip);
    assert!(out.message.unwrap().starts_with("no GPU render node"));

    let tree = with_render_node();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let out = graphics_render::run_with(&GraphicsRender::default(), &c, &recorded("ipmi-dell"));
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("eglinfo is not installed: install the Debian package mesa-utils")
    );

    let started = Instant::now();
    let out = graphics_render::run_with(
        &GraphicsRender {
            timeout_s: 1,
            ..GraphicsRender::default()
        },
        &c,
        &Hanging,
    );
    assert!(started.elapsed() < Duration::from_secs(6));
    assert_eq!(out.status, Status::Timeout);
    assert_eq!(
        out.message.as_deref(),
        Some("sh did not finish within 1 s; its process group was killed")
    );
}

/// Answers from the first recording directory that has the command.
struct Either(RecordedRunner, RecordedRunner);
impl CommandRunner for Either {
    fn run(&self, program: &str, args: &[&str], t: Duration) -> Result<CommandOutput, RunError> {
        match self.0.run(program, args, t) {
            Err(RunError::NotFound { .. }) => self.1.run(program, args, t),
            other => other,
        }
    }
}

#[test]
fn graphics_render_benchmark_records_glmark2s_score_bounded_and_optional() {
    let tree = with_render_node();
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let p = GraphicsRender {
        benchmark_seconds: 8,
        ..GraphicsRender::default()
    };
    assert_eq!(
        graphics_render::benchmark_args(8).join(" "),
        "--off-screen -b build:duration=2.00 -b texture:duration=2.00 -b shading:duration=2.00 -b bump:duration=2.00"
    );
    let both = Either(recorded("egl-intel-iris"), recorded("glmark2-amd-barts"));
    let out = graphics_render::run_with(&p, &c, &both);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("glmark2_score"), Some(343.0));
    assert_eq!(out.measurement("glmark2_scenes"), Some(33.0));
    assert_eq!(
        out.evidence_text("benchmark"),
        Some("glmark2-es2-drm score 343 over 33 scene(s) of 8 s in all, renderer AMD BARTS (DRM 2.50.0 / 5.10.17-v8+, LLVM 11.0.1)")
    );

    // Driver messages between a scene and its figures, a trailing space after the score.
    let messy = Either(
        recorded("egl-intel-iris"),
        recorded("glmark2-amd-barts-debug"),
    );
    let out = graphics_render::run_with(&p, &c, &messy);
    assert_eq!(out.measurement("glmark2_score"), Some(2451.0));
    assert_eq!(out.measurement("glmark2_scenes"), Some(33.0));

    // Not installed: the render verdict stands, the benchmark says which package.
    let out = graphics_render::run_with(&p, &c, &recorded("egl-intel-iris"));
    assert_eq!(out.status, Status::Pass);
    assert_eq!(out.measurement("glmark2_score"), None);
    assert_eq!(
        out.evidence_text("benchmark"),
        Some("not run: glmark2-es2-drm is not installed (Debian package glmark2-es2-drm)")
    );
    // Without the parameter no benchmark runs.
    let out = graphics_render::run_with(&GraphicsRender::default(), &c, &both);
    assert_eq!(out.evidence_text("benchmark"), None);

    // A benchmark that fails (no DRM master) or prints garbage gives no score, saying why.
    let dir = tempfile::tempdir().unwrap();
    let name = mxcert_suites::runner_seam::recording_name(
        "glmark2-es2-drm",
        &graphics_render::benchmark_args(8)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    std::fs::write(
        dir.path().join(format!("{name}.stdout")),
        "\u{0}\u{1}garbage FPS: x\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(format!("{name}.stderr")),
        "Error: Failed to find a suitable DRM device\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(format!("{name}.status")), "1").unwrap();
    let failing = Either(recorded("egl-intel-iris"), RecordedRunner::new(dir.path()));
    let out = graphics_render::run_with(&p, &c, &failing);
    assert_eq!(out.status, Status::Pass);
    assert_eq!(
        out.evidence_text("benchmark"),
        Some("glmark2-es2-drm gave no score (exited with status 1): Error: Failed to find a suitable DRM device")
    );
}

/// A UEFI machine with Secure Boot `sb` and a TPM of `tpm_major`.
fn firmware_tree(sb: Option<u8>, tpm_major: Option<&str>) -> Tree {
    let tree = Tree::new();
    tree.dir("/sys/firmware/efi/efivars");
    if let Some(v) = sb {
        let path = tree
            .root()
            .join("sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c");
        std::fs::write(path, [6, 0, 0, 0, v]).unwrap();
    }
    if let Some(m) = tpm_major {
        tree.file("/sys/class/tpm/tpm0/tpm_version_major", m);
        if m.trim() == "2" {
            tree.dir("/sys/class/tpm/tpmrm0");
        }
    }
    tree
}

#[test]
fn platform_firmware_reads_boot_mode_secure_boot_tpm_and_fwupd() {
    let t = tempfile::tempdir().unwrap();
    let tree = firmware_tree(Some(1), Some("2\n"));
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let all = PlatformFirmware {
        require_uefi: true,
        require_secure_boot: true,
        require_tpm2: true,
        fail_on_updates: false,
    };
    let out = platform_firmware::run_with(&all, &c, &recorded("fwupd-laptop"));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("UEFI, Secure Boot enabled, TPM 2.0 (tpm0)")
    );
    assert_eq!(
        out.evidence_text("fwupd"),
        Some("ColorHug2: version 2.0.6, updatable, update 2.0.7 on the LVFS\nDisplay controller: version 02\nIntel(R) Core™ i7-7700HQ CPU @ 2.80GHz: version 0x000000de")
    );
    assert_eq!(out.measurement("fwupd_updates_available"), Some(1.0));
    assert_eq!(
        out.evidence_text("fwupd_updates"),
        Some("ColorHug2: 2.0.6 → 2.0.7")
    );
    assert_eq!(out.measurement("tpm_version"), Some(2.0));
    // No device id, GUID or checksum from fwupd reaches the outcome.
    let text = format!("{out:?}");
    assert!(
        !text.contains("cf294bf55b") && !text.contains("2082b5e0") && !text.contains("b0a78eb71f"),
        "{text}"
    );

    let tree = firmware_tree(Some(0), Some("1\n"));
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let out = platform_firmware::run_with(&all, &c, &recorded("egl-llvmpipe"));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("Secure Boot is disabled; the TPM is version 1, not 2.0")
    );
    assert_eq!(
        out.evidence_text("fwupd"),
        Some("fwupd is not installed (Debian package fwupd): firmware versions and LVFS updates not checked")
    );

    let legacy = Tree::new();
    let c = ctx(inventory("firecracker-vm.json"), legacy.root(), t.path());
    let out = platform_firmware::run_with(&all, &c, &recorded("fwupd-hangs"));
    assert_eq!(
        out.message.as_deref(),
        Some("the machine booted in legacy (BIOS) mode, not UEFI; Secure Boot needs UEFI boot; no TPM")
    );
    assert_eq!(
        out.evidence_text("fwupd"),
        Some("not checked: fwupdmgr did not finish within 60 s; its process group was killed")
    );
    // Nothing required: a legacy machine passes, recording what it is.
    let out = platform_firmware::run_with(&PlatformFirmware::default(), &c, &recorded("none"));
    assert_eq!(out.status, Status::Pass);
    assert_eq!(
        out.message.as_deref(),
        Some("legacy BIOS, no Secure Boot (legacy boot), no TPM")
    );
}

#[test]
fn platform_firmware_lists_fwupd_updates_and_fails_on_them_only_when_asked() {
    let t = tempfile::tempdir().unwrap();
    let tree = firmware_tree(Some(1), Some("2\n"));
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let strict = PlatformFirmware {
        fail_on_updates: true,
        ..PlatformFirmware::default()
    };
    let out = platform_firmware::run_with(&strict, &c, &recorded("fwupd-laptop"));
    assert_eq!(out.status, Status::Fail, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("firmware updates are available on the LVFS: ColorHug2: 2.0.6 → 2.0.7")
    );
    // Together with a failed requirement, both are said.
    let both = PlatformFirmware {
        require_uefi: true,
        ..strict.clone()
    };
    let legacy = Tree::new();
    let lc = ctx(inventory("firecracker-vm.json"), legacy.root(), t.path());
    let out = platform_firmware::run_with(&both, &lc, &recorded("fwupd-laptop"));
    assert_eq!(
        out.message.as_deref(),
        Some("the machine booted in legacy (BIOS) mode, not UEFI; firmware updates are available on the LVFS: ColorHug2: 2.0.6 → 2.0.7")
    );

    // fwupd's "nothing to do" (exit status 2): no updates, and the strict plan passes.
    let out = platform_firmware::run_with(&strict, &c, &recorded("fwupd-up-to-date"));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("fwupd_updates_available"), Some(0.0));
    assert_eq!(
        out.evidence_text("fwupd_updates"),
        Some("no firmware updates on the LVFS")
    );

    // A newer fwupd's empty list (exit 0), after a metadata prompt it printed first; then a
    // daemon that is not running (exit 1) and garbage.
    let dir = tempfile::tempdir().unwrap();
    let devices = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/commands/fwupd-laptop/fwupdmgr_get-devices_--json.stdout");
    std::fs::copy(
        &devices,
        dir.path().join("fwupdmgr_get-devices_--json.stdout"),
    )
    .unwrap();
    let updates = dir.path().join("fwupdmgr_get-updates_--json.stdout");
    std::fs::write(
        &updates,
        "Firmware metadata has not been updated for 30 days and may not be up to date.\nUpdate now? (Requires internet connection) [y|N]: {\n  \"Devices\" : [\n  ]\n}\n",
    )
    .unwrap();
    let out = platform_firmware::run_with(&strict, &c, &RecordedRunner::new(dir.path()));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("fwupd_updates_available"), Some(0.0));

    std::fs::write(&updates, "").unwrap();
    std::fs::write(
        dir.path().join("fwupdmgr_get-updates_--json.stderr"),
        "Failed to connect to daemon\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("fwupdmgr_get-updates_--json.status"), "1").unwrap();
    let out = platform_firmware::run_with(&strict, &c, &RecordedRunner::new(dir.path()));
    assert_eq!(
        out.status,
        Status::Pass,
        "not checked is no failure: {out:?}"
    );
    assert_eq!(out.measurement("fwupd_updates_available"), None);
    assert_eq!(
        out.evidence_text("fwupd_updates"),
        Some("not checked: fwupdmgr get-updates exited with status 1: Failed to connect to daemon")
    );

    std::fs::write(&updates, "{\"Devices\": 7}").unwrap();
    std::fs::write(dir.path().join("fwupdmgr_get-updates_--json.status"), "0").unwrap();
    let out = platform_firmware::run_with(&strict, &c, &RecordedRunner::new(dir.path()));
    assert_eq!(
        out.evidence_text("fwupd_updates"),
        Some("the JSON of fwupdmgr get-updates has no Devices list")
    );
}

#[test]
fn server_ipmi_reads_the_bmc_and_is_not_applicable_without_one() {
    let t = tempfile::tempdir().unwrap();
    let tree = Tree::new();
    tree.file("/dev/ipmi0", "");
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let out = server_ipmi::run_with(&ServerIpmi::default(), &c, &recorded("ipmi-dell"));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("the BMC answered Get Device ID: firmware 1.54, IPMI 2.0, DELL Inc")
    );

    let out = server_ipmi::run_with(&ServerIpmi::default(), &c, &recorded("egl-intel-iris"));
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("ipmitool is not installed: install the Debian package ipmitool")
    );

    let started = Instant::now();
    let out = server_ipmi::run_with(&ServerIpmi { timeout_s: 1 }, &c, &Hanging);
    assert!(started.elapsed() < Duration::from_secs(6));
    assert_eq!(out.status, Status::Timeout);
    assert!(out
        .message
        .unwrap()
        .starts_with("the BMC did not answer Get Device ID: sh did not finish within 1 s"));

    let none = Tree::new();
    let out = server_ipmi::run_with(
        &ServerIpmi::default(),
        &ctx(inventory("firecracker-vm.json"), none.root(), t.path()),
        &recorded("ipmi-dell"),
    );
    assert_eq!(out.status, Status::Skip);
    assert!(out
        .message
        .unwrap()
        .starts_with("not applicable: no IPMI device"));
}

#[test]
fn virt_kvm_runs_a_real_guest_on_this_machine() {
    if !std::path::Path::new("/dev/kvm").exists() {
        eprintln!("this machine has no /dev/kvm; the skip path is tested below");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let out = virt_kvm::run(&VirtKvm::default(), &live(t.path()));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert!(out
        .message
        .as_deref()
        .unwrap()
        .starts_with("KVM API 12: a one-vCPU guest ran and computed 5050 correctly"));
    assert_eq!(out.measurement("kvm_api_version"), Some(12.0));
    let guest = out.evidence_text("guest").unwrap();
    assert!(guest.contains("wrote 5050 to port 0xf4"), "{guest}");
}

#[test]
fn virt_kvm_is_skipped_without_dev_kvm_and_names_why() {
    let t = tempfile::tempdir().unwrap();
    let tree = Tree::new();
    tree.file(
        "/proc/cpuinfo",
        "processor\t: 0\nflags\t\t: fpu vme de pse\n",
    );
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    let out = virt_kvm::run(&VirtKvm::default(), &c);
    assert_eq!(out.status, Status::Skip);
    assert!(out
        .message
        .as_deref()
        .unwrap()
        .starts_with("there is no /dev/kvm: the CPU shows no virtualisation extensions"));
    assert_eq!(
        out.evidence_text("cpu"),
        Some("no vmx or svm flag in /proc/cpuinfo")
    );

    tree.file("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vmx sse\n");
    let out = virt_kvm::run(&VirtKvm::default(), &c);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("there is no /dev/kvm: load the kvm_intel or kvm_amd module, or enable virtualisation in the firmware setup")
    );
    assert_eq!(
        out.evidence_text("cpu"),
        Some("virtualisation flag: vmx (Intel VT-x)")
    );
}
