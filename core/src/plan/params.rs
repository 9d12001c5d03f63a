//! The parameters of each check kind, as a plan writes them under `params`.
//!
//! Every struct refuses unknown keys and fills missing ones with the documented default, so a plan
//! only writes what it changes. [`Params::validate`] adds the range checks serde cannot express.
//! These are data only; the checks that use them live in `mxcert-suites`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

mod peripherals;
pub use peripherals::{
    AudioPlaybackCapture, BluetoothScan, CameraCapture, InputKeys, StorageHotplug, WifiConnect,
};

/// What every parameter struct offers.
pub trait Params: DeserializeOwned + Serialize + Default + JsonSchema {
    /// Range and consistency checks beyond the types; the error is a lowercase fragment naming
    /// the parameter.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

fn in_range(name: &str, value: u64, min: u64, max: u64) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{name} must be between {min} and {max}, not {value}"
        ))
    }
}

/// One day: the longest any bounded check may be asked to run.
const DAY_S: u64 = 86_400;

/// `devices.drivers`: every device that needs a driver has one bound.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DevicesDrivers {
    /// Identities (or identity prefixes such as `pci:1af4`) to leave out.
    pub ignore: Vec<String>,
}
impl Params for DevicesDrivers {}

/// `device.present`: the device chosen with `--device` is present and, when it needs one, has a
/// driver bound. Only in plans with `target = "device"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DevicePresent {}
impl Params for DevicePresent {}

/// `kernel.taint`: the kernel is not tainted by anything that bears on hardware support.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KernelTaint {
    /// Taint letters (as in `dmesg`, e.g. `W`, `O`) not to fail on.
    pub ignore: Vec<String>,
}
impl Params for KernelTaint {
    fn validate(&self) -> Result<(), String> {
        for f in &self.ignore {
            if f.len() != 1 || !f.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(format!("ignore: {f:?} is not a taint letter (A-Z)"));
            }
        }
        Ok(())
    }
}

/// `kernel.firmware-errors`: no firmware load failures or hardware errors in the kernel log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KernelFirmwareErrors {
    /// Log lines containing any of these texts are not counted.
    pub ignore: Vec<String>,
}
impl Params for KernelFirmwareErrors {}

/// `cpu.stress`: every core busy on verified computations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CpuStress {
    /// How long to keep the cores busy, in seconds (default 30).
    pub duration_s: u64,
    /// Worker threads; 0 (the default) means one per logical CPU.
    pub threads: u32,
}
impl Default for CpuStress {
    fn default() -> Self {
        CpuStress {
            duration_s: 30,
            threads: 0,
        }
    }
}
impl Params for CpuStress {
    fn validate(&self) -> Result<(), String> {
        in_range("duration_s", self.duration_s, 1, DAY_S)?;
        in_range("threads", u64::from(self.threads), 0, 4096)
    }
}

/// `memory.pattern`: walking-ones and seeded random patterns written and verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryPattern {
    /// How much memory to test, in MiB (default 1024); reduced to `max_available_percent` of
    /// the available memory when that is less.
    pub size_mib: u64,
    /// The most of the currently available memory the test may take, in percent (default 50).
    pub max_available_percent: u64,
    /// How many times to run the walking-ones and random passes (default 1).
    pub passes: u64,
    /// Seed of the random pattern (recorded in the evidence, so a failure can be reproduced).
    pub seed: u64,
}
impl Default for MemoryPattern {
    fn default() -> Self {
        MemoryPattern {
            size_mib: 1024,
            max_available_percent: 50,
            passes: 1,
            seed: 0x6d78_6365_7274,
        }
    }
}
impl Params for MemoryPattern {
    fn validate(&self) -> Result<(), String> {
        in_range("size_mib", self.size_mib, 1, 1 << 24)?;
        in_range("max_available_percent", self.max_available_percent, 1, 90)?;
        in_range("passes", self.passes, 1, 1000)
    }
}

/// `storage.rw-verify`: a file written with fsync, read back and verified, then removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StorageRwVerify {
    /// File size in MiB (default 64).
    pub size_mib: u64,
    /// A directory to test in; default: a temporary directory. Never a device node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Also test every writable local filesystem (in a hidden directory at its mount point).
    pub all_filesystems: bool,
}
impl Default for StorageRwVerify {
    fn default() -> Self {
        StorageRwVerify {
            size_mib: 64,
            path: None,
            all_filesystems: false,
        }
    }
}
impl Params for StorageRwVerify {
    fn validate(&self) -> Result<(), String> {
        in_range("size_mib", self.size_mib, 1, 1 << 20)?;
        match &self.path {
            Some(p) if !p.starts_with('/') => Err(format!("path {p:?} must be absolute")),
            Some(p) if p == "/dev" || p.starts_with("/dev/") => Err(format!(
                "path {p:?} is under /dev; raw devices are never written"
            )),
            _ => Ok(()),
        }
    }
}

/// `storage.health`: NVMe and SATA health data (through `smartctl --json`) where readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StorageHealth {
    /// The smartctl program (default `smartctl`, from smartmontools).
    pub smartctl: String,
    /// Fail when an NVMe drive reports more than this percentage of its rated life used
    /// (default 100).
    pub max_percentage_used: u64,
}
impl Default for StorageHealth {
    fn default() -> Self {
        StorageHealth {
            smartctl: "smartctl".into(),
            max_percentage_used: 100,
        }
    }
}
impl Params for StorageHealth {
    fn validate(&self) -> Result<(), String> {
        in_range("max_percentage_used", self.max_percentage_used, 0, 255)?;
        if self.smartctl.is_empty() {
            return Err("smartctl must not be empty".into());
        }
        Ok(())
    }
}

/// Which physical network interfaces must have link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkRequirement {
    /// At least one (the default).
    #[default]
    Any,
    /// Every one.
    All,
    /// None; only drivers are checked.
    None,
}

/// `network.interfaces`: each physical interface has a driver, and link as required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkInterfaces {
    pub link: LinkRequirement,
    /// Interface names to leave out.
    pub ignore: Vec<String>,
}
impl Params for NetworkInterfaces {}

/// `network.throughput`: TCP throughput both ways against `mxcert peer` (given with `--peer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkThroughput {
    /// Seconds per direction (default 5).
    pub duration_s: u64,
    /// Fail below this many Mbit/s in either direction (default 0: measure only).
    pub min_mbps: u64,
    /// Measure through every physical interface with link, one after the other (each bound to
    /// its interface; needs root), instead of the one the route to the peer uses.
    pub all_interfaces: bool,
    /// Fail below this percentage of the interface's negotiated link speed (sysfs `speed`) in
    /// either direction (default 0: no such bound), so a 10 Gb/s NIC is not passed at 500 Mb/s.
    pub min_percent_of_link: u64,
}
impl Default for NetworkThroughput {
    fn default() -> Self {
        NetworkThroughput {
            duration_s: 5,
            min_mbps: 0,
            all_interfaces: false,
            min_percent_of_link: 0,
        }
    }
}
impl Params for NetworkThroughput {
    fn validate(&self) -> Result<(), String> {
        in_range("duration_s", self.duration_s, 1, 3600)?;
        in_range("min_mbps", self.min_mbps, 0, 1_000_000)?;
        in_range("min_percent_of_link", self.min_percent_of_link, 0, 100)
    }
}

/// `display.outputs`: every connected DRM output has a valid EDID and an active mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DisplayOutputs {
    /// Fail when no built-in panel (eDP, LVDS, DSI) is connected: laptops and all-in-ones.
    pub require_builtin_panel: bool,
    /// Connector names (e.g. `DP-2`) to leave out.
    pub ignore: Vec<String>,
}
impl Params for DisplayOutputs {}

/// `graphics.render`: rendering is hardware accelerated (EGL or GLX renderer is not a software
/// renderer such as llvmpipe).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GraphicsRender {
    /// Seconds the renderer query may take (default 30).
    pub timeout_s: u64,
    /// Run a render benchmark (`glmark2-es2-drm`, off-screen through the render node) for about
    /// this many seconds and record its score (default 0: no benchmark; at most 120).
    pub benchmark_seconds: u64,
}
impl Default for GraphicsRender {
    fn default() -> Self {
        GraphicsRender {
            timeout_s: 30,
            benchmark_seconds: 0,
        }
    }
}
impl Params for GraphicsRender {
    fn validate(&self) -> Result<(), String> {
        in_range("timeout_s", self.timeout_s, 1, 600)?;
        in_range("benchmark_seconds", self.benchmark_seconds, 0, 120)
    }
}

/// `platform.firmware`: boot mode, Secure Boot, TPM and fwupd's devices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformFirmware {
    /// Fail when the machine booted in legacy (BIOS) mode.
    pub require_uefi: bool,
    /// Fail when Secure Boot is not enabled.
    pub require_secure_boot: bool,
    /// Fail without a TPM 2.0.
    pub require_tpm2: bool,
    /// Fail when fwupd lists firmware updates on the LVFS (`fwupdmgr get-updates`); default
    /// false: the updates are only recorded.
    pub fail_on_updates: bool,
}
impl Params for PlatformFirmware {}

/// `virt.kvm`: `/dev/kvm` works and runs a tiny guest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct VirtKvm {
    /// Fail without IOMMU groups (device pass-through).
    pub require_iommu: bool,
}
impl Params for VirtKvm {}

/// `server.ipmi`: the BMC answers Get Device ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServerIpmi {
    /// Seconds the BMC may take to answer (default 30).
    pub timeout_s: u64,
}
impl Default for ServerIpmi {
    fn default() -> Self {
        ServerIpmi { timeout_s: 30 }
    }
}
impl Params for ServerIpmi {
    fn validate(&self) -> Result<(), String> {
        in_range("timeout_s", self.timeout_s, 1, 300)
    }
}

/// `power.battery`: a battery is present, reports its charge and holds enough of its design
/// capacity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PowerBattery {
    /// Fail (rather than skip) when there is no battery.
    pub required: bool,
    /// Fail when full capacity is below this percentage of design capacity (default 0).
    pub min_health_percent: u64,
}
impl Params for PowerBattery {
    fn validate(&self) -> Result<(), String> {
        in_range("min_health_percent", self.min_health_percent, 0, 100)
    }
}

/// Sleep states `power.suspend` may enter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SleepState {
    /// Suspend to RAM (S3 or s2idle, as the kernel's `mem_sleep` says).
    #[default]
    Mem,
    /// Suspend to idle.
    Freeze,
}

/// `power.suspend`: suspend, wake by the RTC alarm, and check the machine really slept, that
/// every device came back with its driver and that the kernel logged no errors while resuming.
/// Runs only with `--allow-suspend`, as root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PowerSuspend {
    /// Seconds until the RTC alarm wakes the machine (default 15).
    pub sleep_s: u64,
    pub state: SleepState,
    /// How many times to suspend and resume (default 1); each resume is checked.
    pub cycles: u64,
}
impl Default for PowerSuspend {
    fn default() -> Self {
        PowerSuspend {
            sleep_s: 15,
            state: SleepState::Mem,
            cycles: 1,
        }
    }
}
impl Params for PowerSuspend {
    fn validate(&self) -> Result<(), String> {
        in_range("sleep_s", self.sleep_s, 5, 3600)?;
        in_range("cycles", self.cycles, 1, 100)
    }
}

/// How `power.reboot` restarts the machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RebootMode {
    /// A reboot (the firmware does not power the machine off).
    #[default]
    Warm,
    /// Power off, then power on by the RTC wake alarm (or by a person, where there is none).
    Cold,
}

/// `power.reboot`: restart the machine and check it came back the same: a new boot id, no
/// failed systemd unit, the same devices with their drivers, a kernel log without firmware or
/// hardware errors. Runs only with `--allow-reboot`, as root; the run resumes by itself after
/// boot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PowerReboot {
    pub mode: RebootMode,
    /// How many times to restart (default 1).
    pub cycles: u64,
    /// For `cold`: seconds from power-off until the RTC alarm powers the machine on (default 90).
    pub wake_s: u64,
    /// The systemctl program asked for failed units (default `systemctl`).
    pub systemctl: String,
}
impl Default for PowerReboot {
    fn default() -> Self {
        PowerReboot {
            mode: RebootMode::Warm,
            cycles: 1,
            wake_s: 90,
            systemctl: "systemctl".into(),
        }
    }
}
impl Params for PowerReboot {
    fn validate(&self) -> Result<(), String> {
        in_range("cycles", self.cycles, 1, 20)?;
        in_range("wake_s", self.wake_s, 30, 3600)?;
        if self.systemctl.is_empty() {
            return Err("systemctl must not be empty".into());
        }
        Ok(())
    }
}

/// The presence checks (`graphics.present`, `audio.present`, `input.present`,
/// `camera.present`, `bluetooth.present`, `wifi.present`): the kernel exposes at least
/// `min_count` such devices, each with a driver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Presence {
    pub min_count: u64,
}
impl Default for Presence {
    fn default() -> Self {
        Presence { min_count: 1 }
    }
}
impl Params for Presence {
    fn validate(&self) -> Result<(), String> {
        in_range("min_count", self.min_count, 1, 1024)
    }
}

/// `thermal.zones`: temperatures under load stay below the trip points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ThermalZones {
    /// Seconds of load (default 20).
    pub duration_s: u64,
    /// Also fail when any zone goes above this temperature in °C.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_celsius: Option<u64>,
}
impl Default for ThermalZones {
    fn default() -> Self {
        ThermalZones {
            duration_s: 20,
            max_celsius: None,
        }
    }
}
impl Params for ThermalZones {
    fn validate(&self) -> Result<(), String> {
        in_range("duration_s", self.duration_s, 1, DAY_S)?;
        if let Some(c) = self.max_celsius {
            in_range("max_celsius", c, 1, 200)?;
        }
        Ok(())
    }
}

/// `command`: a vendor-provided program; exit status 0 passes. No shell is involved unless the
/// plan names one (`argv = ["sh", "-c", "…"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Command {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// Extra environment variables.
    pub env: BTreeMap<String, String>,
}
impl Params for Command {
    fn validate(&self) -> Result<(), String> {
        match self.argv.first() {
            None => Err("argv must name a program".into()),
            Some(p) if p.is_empty() => Err("argv[0] must not be empty".into()),
            Some(_) => Ok(()),
        }
    }
}

/// `manual`: a person follows the test's `instructions` and answers pass, fail or skip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Manual {
    /// A program to run before the question (play a tone, show a camera frame), e.g.
    /// `run = { argv = ["speaker-test", "-t", "sine", "-l", "1"], timeout = 20 }`. Its output is
    /// kept as evidence; it is stopped (with its process group) after `timeout` seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<ManualRun>,
}
impl Params for Manual {
    fn validate(&self) -> Result<(), String> {
        match &self.run {
            None => Ok(()),
            Some(r) => {
                match r.argv.first() {
                    None => return Err("run.argv must name a program".into()),
                    Some(p) if p.is_empty() => return Err("run.argv[0] must not be empty".into()),
                    Some(_) => {}
                }
                in_range("run.timeout", r.timeout, 1, 600)
            }
        }
    }
}

/// The program a `manual` test runs before asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualRun {
    /// The program and its arguments (no shell unless the plan names one).
    pub argv: Vec<String>,
    /// Seconds before it is stopped (default 20, at most 600).
    #[serde(default = "ManualRun::default_timeout")]
    pub timeout: u64,
}
impl ManualRun {
    fn default_timeout() -> u64 {
        20
    }
}
