//! Parameters of the checks that make a peripheral do its job, often with a person's help:
//! removable media, keys, Wi-Fi, Bluetooth, audio and cameras (re-exported by [`super`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{in_range, Params};

fn not_empty(name: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{name} must not be empty"))
    } else {
        Ok(())
    }
}

/// `storage.hotplug`: the tester inserts a USB stick or memory card into the named port; the
/// block device must appear, link at `min_speed_mbps` or faster, and a file written on its
/// mounted filesystem must read back intact; then the tester removes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StorageHotplug {
    /// The port as the tester is told, e.g. `the left USB-C port` (default `a USB port or card
    /// slot`).
    pub port: String,
    /// A fragment of the sysfs device path the device must appear under, such as `usb2/2-1/`
    /// (the port's path); empty (the default): any new block device.
    pub port_path: String,
    /// How long to wait for the insertion, and again for the removal, in seconds (default 30).
    pub wait_s: u64,
    /// The slowest acceptable negotiated USB speed in Mb/s (USB `speed`: 480 is USB 2, 5000 is
    /// USB 3); 0 (the default): not checked.
    pub min_speed_mbps: u64,
    /// Size of the file written and verified on the medium, in MiB (default 16).
    pub size_mib: u64,
}
impl Default for StorageHotplug {
    fn default() -> Self {
        StorageHotplug {
            port: "a USB port or card slot".into(),
            port_path: String::new(),
            wait_s: 30,
            min_speed_mbps: 0,
            size_mib: 16,
        }
    }
}
impl Params for StorageHotplug {
    fn validate(&self) -> Result<(), String> {
        not_empty("port", &self.port)?;
        in_range("wait_s", self.wait_s, 1, 600)?;
        in_range("min_speed_mbps", self.min_speed_mbps, 0, 80_000)?;
        in_range("size_mib", self.size_mib, 1, 4096)
    }
}

/// `input.keys`: the tester presses each listed key; its event must come from the expected
/// input device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct InputKeys {
    /// Key names as in `linux/input-event-codes.h`, e.g. `KEY_BRIGHTNESSUP` (default: volume
    /// up, volume down, mute).
    pub keys: Vec<String>,
    /// The input device the events must come from: a fragment of its name (`name` in sysfs),
    /// e.g. `Video Bus` or `AT Translated Set 2 keyboard`; empty (the default): any device, the
    /// one that sent it is recorded.
    pub device: String,
    /// Seconds the tester has for each key (default 15).
    pub wait_s: u64,
}
impl Default for InputKeys {
    fn default() -> Self {
        InputKeys {
            keys: vec![
                "KEY_VOLUMEUP".into(),
                "KEY_VOLUMEDOWN".into(),
                "KEY_MUTE".into(),
            ],
            device: String::new(),
            wait_s: 15,
        }
    }
}
impl Params for InputKeys {
    fn validate(&self) -> Result<(), String> {
        in_range("wait_s", self.wait_s, 1, 600)?;
        if self.keys.is_empty() || self.keys.len() > 64 {
            return Err(format!(
                "keys must list 1 to 64 keys, not {}",
                self.keys.len()
            ));
        }
        for k in &self.keys {
            if crate::input_codes::code(k).is_none() {
                return Err(format!(
                    "keys: {k:?} is not a key name of linux/input-event-codes.h, such as KEY_VOLUMEUP"
                ));
            }
        }
        Ok(())
    }
}

/// `wifi.connect`: joins each network of `--wifi-config FILE` through NetworkManager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WifiConnect {
    /// Seconds per network: association, DHCP and the gateway's answer (default 60).
    pub wait_s: u64,
    /// Echo requests sent to the gateway (default 3); one answer is enough.
    pub ping_count: u64,
    /// With `--peer`: seconds of throughput measurement per network (default 5); 0: none.
    pub throughput_s: u64,
}
impl Default for WifiConnect {
    fn default() -> Self {
        WifiConnect {
            wait_s: 60,
            ping_count: 3,
            throughput_s: 5,
        }
    }
}
impl Params for WifiConnect {
    fn validate(&self) -> Result<(), String> {
        in_range("wait_s", self.wait_s, 5, 600)?;
        in_range("ping_count", self.ping_count, 1, 20)?;
        in_range("throughput_s", self.throughput_s, 0, 60)
    }
}

/// `bluetooth.scan`: the adapter powers on and discovers devices (BlueZ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BluetoothScan {
    /// How long to scan, in seconds (default 15).
    pub wait_s: u64,
    /// How many devices must be found (default 1).
    pub min_devices: u64,
}
impl Default for BluetoothScan {
    fn default() -> Self {
        BluetoothScan {
            wait_s: 15,
            min_devices: 1,
        }
    }
}
impl Params for BluetoothScan {
    fn validate(&self) -> Result<(), String> {
        in_range("wait_s", self.wait_s, 1, 120)?;
        in_range("min_devices", self.min_devices, 1, 1000)
    }
}

/// `audio.playback-capture`: a tone played on an output is recorded on an input of the same card
/// and its frequency found; without an input the tester is asked whether they heard it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AudioPlaybackCapture {
    /// The tone's frequency in Hz (default 1000).
    pub frequency_hz: u64,
    /// How long the tone plays, in milliseconds (default 2000).
    pub duration_ms: u64,
    /// How far the frequency found may be from the tone's, in Hz (default 20).
    pub tolerance_hz: u64,
    /// How far above the recording's other frequencies the tone must stand, in dB (default 10).
    pub min_snr_db: u64,
}
impl Default for AudioPlaybackCapture {
    fn default() -> Self {
        AudioPlaybackCapture {
            frequency_hz: 1000,
            duration_ms: 2000,
            tolerance_hz: 20,
            min_snr_db: 10,
        }
    }
}
impl Params for AudioPlaybackCapture {
    fn validate(&self) -> Result<(), String> {
        in_range("frequency_hz", self.frequency_hz, 100, 8000)?;
        in_range("duration_ms", self.duration_ms, 200, 30_000)?;
        in_range("tolerance_hz", self.tolerance_hz, 1, 1000)?;
        in_range("min_snr_db", self.min_snr_db, 0, 60)
    }
}

/// `camera.capture`: frames captured at the camera's advertised resolutions are not constant;
/// frames per second are measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CameraCapture {
    /// How many of the advertised resolutions to try, largest first (default 3, at most 3).
    pub max_resolutions: u64,
    /// Frames captured at each resolution (default 30).
    pub frames: u64,
    /// The slowest acceptable frame rate; 0 (the default): measured only.
    pub min_fps: u64,
}
impl Default for CameraCapture {
    fn default() -> Self {
        CameraCapture {
            max_resolutions: 3,
            frames: 30,
            min_fps: 0,
        }
    }
}
impl Params for CameraCapture {
    fn validate(&self) -> Result<(), String> {
        in_range("max_resolutions", self.max_resolutions, 1, 3)?;
        in_range("frames", self.frames, 2, 600)?;
        in_range("min_fps", self.min_fps, 0, 240)
    }
}
