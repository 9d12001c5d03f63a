//! The check kinds a plan can name, and each kind with its typed parameters.
//!
//! The table below ([`check_kinds!`]) is the one list of check kinds: their names in plan files,
//! their parameter types ([`super::params`]) and what they do. Adding a kind means adding a line
//! here and its implementation in `mxcert-suites`.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::params::{self, Params};

/// Timeout used when nothing better is known, in seconds.
pub(crate) const FALLBACK_TIMEOUT_S: u64 = 60;

macro_rules! check_kinds {
    ($( $variant:ident => $name:literal, $params:ty, $doc:literal; )*) => {
        /// A check kind, as written in a plan's `check` field.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum CheckKind {
            $( #[doc = $doc] #[serde(rename = $name)] $variant, )*
        }

        impl CheckKind {
            /// Every check kind, in table order.
            pub const ALL: &'static [CheckKind] = &[ $( CheckKind::$variant, )* ];

            /// The name used in plan files, e.g. `storage.rw-verify`.
            pub fn as_str(self) -> &'static str {
                match self { $( CheckKind::$variant => $name, )* }
            }

            /// One line saying what the check does.
            pub fn summary(self) -> &'static str {
                match self { $( CheckKind::$variant => $doc, )* }
            }
        }

        /// A check kind with its typed parameters (defaults filled in).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Check {
            $( $variant($params), )*
        }

        impl Check {
            /// Checks and types the parameters a plan wrote for `kind`.
            pub fn from_params(
                kind: CheckKind,
                params: &BTreeMap<String, serde_json::Value>,
            ) -> Result<Check, String> {
                match kind { $( CheckKind::$variant => typed::<$params>(params).map(Check::$variant), )* }
            }

            /// The kind of this check.
            pub fn kind(&self) -> CheckKind {
                match self { $( Check::$variant(_) => CheckKind::$variant, )* }
            }
        }

        /// The JSON Schema of each kind's parameters, registered in `generator`.
        pub(crate) fn params_schemas(
            generator: &mut schemars::SchemaGenerator,
        ) -> Vec<(&'static str, schemars::Schema)> {
            vec![ $( ($name, generator.subschema_for::<$params>()), )* ]
        }
    };
}

check_kinds! {
    DevicesDrivers => "devices.drivers", params::DevicesDrivers,
        "Every device that needs a driver has one bound.";
    DevicePresent => "device.present", params::DevicePresent,
        "The device chosen with --device is present and has its driver bound.";
    KernelTaint => "kernel.taint", params::KernelTaint,
        "The kernel is not tainted by anything that bears on hardware support.";
    KernelFirmwareErrors => "kernel.firmware-errors", params::KernelFirmwareErrors,
        "No firmware load failures or hardware errors in the kernel log.";
    CpuStress => "cpu.stress", params::CpuStress,
        "All cores busy on verified computations; throughput per core and peak temperature.";
    MemoryPattern => "memory.pattern", params::MemoryPattern,
        "Walking-ones and seeded random patterns written to memory and verified.";
    StorageRwVerify => "storage.rw-verify", params::StorageRwVerify,
        "A file written with fsync, read back and verified; MB/s; always removed.";
    StorageHealth => "storage.health", params::StorageHealth,
        "NVMe and SATA health data where readable.";
    NetworkInterfaces => "network.interfaces", params::NetworkInterfaces,
        "Each physical network interface has a driver, and link as required.";
    NetworkThroughput => "network.throughput", params::NetworkThroughput,
        "TCP throughput both ways against an mxcert peer (--peer).";
    PowerBattery => "power.battery", params::PowerBattery,
        "A battery is present with its charge and health.";
    PowerSuspend => "power.suspend", params::PowerSuspend,
        "Suspend and wake by the RTC alarm (only with --allow-suspend, as root).";
    PowerReboot => "power.reboot", params::PowerReboot,
        "Reboot (warm) or power off and on (cold), then the same devices, no failed unit, a clean kernel log (only with --allow-reboot, as root).";
    GraphicsPresent => "graphics.present", params::Presence,
        "A graphics card is exposed by the kernel (DRM) with a driver.";
    AudioPresent => "audio.present", params::Presence,
        "A sound card is exposed by the kernel (ALSA) with a driver.";
    InputPresent => "input.present", params::Presence,
        "Input devices (keyboard, pointer) are exposed by the kernel with drivers.";
    CameraPresent => "camera.present", params::Presence,
        "A camera is exposed by the kernel (video4linux) with a driver.";
    BluetoothPresent => "bluetooth.present", params::Presence,
        "A Bluetooth controller is exposed by the kernel with a driver.";
    WifiPresent => "wifi.present", params::Presence,
        "A Wi-Fi interface is exposed by the kernel with a driver.";
    ThermalZones => "thermal.zones", params::ThermalZones,
        "Temperatures under load stay below the trip points.";
    DisplayOutputs => "display.outputs", params::DisplayOutputs,
        "Every connected display output has a valid EDID and an active mode.";
    GraphicsRender => "graphics.render", params::GraphicsRender,
        "Rendering is hardware accelerated (EGL/GLX renderer is not llvmpipe or another software renderer).";
    PlatformFirmware => "platform.firmware", params::PlatformFirmware,
        "Boot mode (UEFI or legacy), Secure Boot, TPM 2.0 and fwupd's devices.";
    VirtKvm => "virt.kvm", params::VirtKvm,
        "/dev/kvm answers, the CPU has virtualisation extensions, and a tiny guest runs and computes.";
    ServerIpmi => "server.ipmi", params::ServerIpmi,
        "The BMC answers IPMI Get Device ID (ipmitool), bounded to 30 s.";
    Command => "command", params::Command,
        "A vendor-provided command; exit status 0 passes.";
    StorageHotplug => "storage.hotplug", params::StorageHotplug,
        "A USB stick or memory card inserted by the tester appears, links fast enough, and a file on it verifies.";
    BluetoothScan => "bluetooth.scan", params::BluetoothScan,
        "The Bluetooth adapter powers on and discovers devices nearby (BlueZ); their kinds, never addresses.";
    WifiConnect => "wifi.connect", params::WifiConnect,
        "Joins each network of --wifi-config through NetworkManager: DHCP, gateway, band, signal, bit rate.";
    InputKeys => "input.keys", params::InputKeys,
        "The tester presses each listed key; its event must come from the expected input device (evdev).";
    AudioPlaybackCapture => "audio.playback-capture", params::AudioPlaybackCapture,
        "A tone played on a sound card's output is recorded on its input and its frequency found.";
    CameraCapture => "camera.capture", params::CameraCapture,
        "Frames captured at the camera's advertised resolutions change; frames per second measured.";
    Manual => "manual", params::Manual,
        "A person follows the instructions and answers pass, fail or skip.";
}

impl CheckKind {
    /// Parses a check kind name.
    pub fn parse(name: &str) -> Option<CheckKind> {
        CheckKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn typed<P: Params>(params: &BTreeMap<String, serde_json::Value>) -> Result<P, String> {
    let value = serde_json::Value::Object(params.clone().into_iter().collect());
    let p: P = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // Unknown fields already name themselves.
        if path == "." || message.starts_with("unknown field") {
            message
        } else {
            format!("{path}: {message}")
        }
    })?;
    p.validate()?;
    Ok(p)
}

impl Check {
    /// The timeout when the plan gives none.
    pub fn default_timeout(&self) -> Duration {
        let s = match self {
            Check::CpuStress(p) => p.duration_s + 60,
            Check::MemoryPattern(p) => 120 + p.size_mib.saturating_mul(p.passes) / 32,
            Check::StorageRwVerify(p) if p.all_filesystems => 600 + p.size_mib,
            Check::StorageRwVerify(p) => 60 + p.size_mib / 4,
            Check::NetworkThroughput(p) if p.all_interfaces => 8 * (2 * p.duration_s + 30),
            Check::NetworkThroughput(p) => 2 * p.duration_s + 30,
            Check::PowerSuspend(p) => (p.sleep_s + 120).saturating_mul(p.cycles),
            Check::ThermalZones(p) => p.duration_s + 60,
            Check::StorageHealth(_) | Check::Command(_) => 300,
            Check::PowerReboot(_) => 600,
            Check::Manual(p) => 3600 + p.run.as_ref().map_or(0, |r| r.timeout),
            // Three waits for the person (insertion, mount, removal) and the file at 2 MB/s.
            Check::StorageHotplug(p) => 3 * p.wait_s + 60 + p.size_mib / 2,
            Check::BluetoothScan(p) => p.wait_s + 60 + 10 * 32,
            // Up to 16 networks, each wait_s plus its measurements.
            Check::WifiConnect(p) => 16 * (p.wait_s + p.throughput_s + 60),
            Check::InputKeys(p) => p.wait_s * p.keys.len() as u64 + 60,
            // Plus five minutes for the tester's answer when the card has no input.
            Check::AudioPlaybackCapture(p) => p.duration_ms / 1000 + 60 + 300,
            Check::CameraCapture(p) => p.max_resolutions * (p.frames / 5 + 10) + 30,
            // eglinfo, then the optional benchmark and 30 s for glmark2 to start and finish.
            Check::GraphicsRender(p) if p.benchmark_seconds > 0 => {
                p.timeout_s + p.benchmark_seconds + 60
            }
            Check::GraphicsRender(p) => p.timeout_s + 30,
            Check::ServerIpmi(p) => p.timeout_s + 30,
            // fwupdmgr get-devices and get-updates, 60 s each.
            Check::PlatformFirmware(_) => 150,
            _ => FALLBACK_TIMEOUT_S,
        };
        Duration::from_secs(s)
    }

    /// Roughly how long the check takes when all is well, for progress estimates.
    pub fn expected_duration(&self) -> Duration {
        let ms = match self {
            Check::CpuStress(p) => p.duration_s * 1000,
            Check::MemoryPattern(p) => 500 + p.size_mib * p.passes * 4,
            Check::StorageRwVerify(p) => 500 + p.size_mib * 20,
            Check::NetworkThroughput(p) => 2000 * p.duration_s,
            Check::PowerSuspend(p) => 1000 * (p.sleep_s + 10) * p.cycles,
            Check::ThermalZones(p) => 1000 * p.duration_s,
            Check::Manual(_) => 30_000,
            Check::StorageHotplug(p) => 20_000 + p.size_mib * 100,
            Check::PowerReboot(p) => 120_000 * p.cycles,
            Check::Command(_) => 5000,
            Check::CameraCapture(p) => p.max_resolutions * (p.frames * 40 + 500),
            Check::AudioPlaybackCapture(p) => p.duration_ms + 1500,
            Check::InputKeys(p) => 3000 * p.keys.len() as u64,
            Check::WifiConnect(p) => 1000 * (10 + p.throughput_s),
            Check::BluetoothScan(p) => 1000 * (p.wait_s + 2),
            _ => 200,
        };
        Duration::from_millis(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for &k in CheckKind::ALL {
            assert_eq!(CheckKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
            // Every kind accepts an empty parameter table (all parameters have defaults), except
            // `command`, which must name a program.
            let empty = Check::from_params(k, &BTreeMap::new());
            assert_eq!(empty.is_ok(), k != CheckKind::Command, "{k}");
        }
        assert_eq!(CheckKind::parse("cpu.stres"), None);
    }

    #[test]
    fn bad_parameters_name_the_parameter() {
        let p =
            |s: &str| -> BTreeMap<String, serde_json::Value> { serde_json::from_str(s).unwrap() };
        let err = Check::from_params(CheckKind::StorageRwVerify, &p(r#"{"size_mib":"big"}"#))
            .unwrap_err();
        assert!(err.starts_with("size_mib: invalid type: string"), "{err}");
        let err =
            Check::from_params(CheckKind::StorageRwVerify, &p(r#"{"sise_mib":1}"#)).unwrap_err();
        assert!(err.contains("unknown field `sise_mib`"), "{err}");
        let err = Check::from_params(CheckKind::CpuStress, &p(r#"{"duration_s":0}"#)).unwrap_err();
        assert_eq!(err, "duration_s must be between 1 and 86400, not 0");
        let err = Check::from_params(CheckKind::StorageRwVerify, &p(r#"{"path":"/dev/sda"}"#))
            .unwrap_err();
        assert!(err.contains("raw devices are never written"), "{err}");
        let ok = Check::from_params(CheckKind::CpuStress, &p(r#"{"duration_s":2}"#)).unwrap();
        assert_eq!(
            ok,
            Check::CpuStress(params::CpuStress {
                duration_s: 2,
                threads: 0
            })
        );
        assert_eq!(ok.default_timeout(), Duration::from_secs(62));
    }
}
