//! `wifi.connect`: joins each network of the `--wifi-config FILE` through NetworkManager
//! (`nmcli`, package `network-manager`, behind the command-runner seam), waits for DHCP, pings
//! the gateway and, with `--peer`, measures download throughput through the Wi-Fi interface
//! (the connection is bound to it with `SO_BINDTODEVICE`, allowed without root since Linux 5.7,
//! so it never takes a wired route instead); records band, frequency, signal, bit rate and
//! security.
//!
//! The file (TOML) lists `[[network]]` tables: `ssid`, then `psk` or `open = true`, and an
//! optional expected `band` (`"2.4GHz"`, `"5GHz"`, `"6GHz"`). The passphrase never reaches an
//! argument list, the report or a log: it goes to NetworkManager in a `passwd-file` (mode 0600
//! in the check's scratch directory, removed afterwards), and every message is stripped of it.
//!
//! Each network gets a temporary connection profile (`mxcert-wifi-N`), deleted afterwards, and
//! at most `wait_s` seconds (60 by default) for association and DHCP. No config: skipped; no
//! Wi-Fi device: not applicable; `nmcli` missing: skipped naming the package.

use std::fmt;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use mxcert_core::plan::params::WifiConnect;
use serde::Deserialize;

use crate::runner_seam::{CommandOutput, CommandRunner, RunError, SystemRunner};
use crate::{Context, Findings, Outcome};

const STEP: Duration = Duration::from_secs(10);
const NMCLI: &str = "nmcli";

/// The `--wifi-config` file.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WifiConfig {
    pub network: Vec<Network>,
}

/// One network to join.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub ssid: String,
    #[serde(default)]
    pub psk: Option<String>,
    #[serde(default)]
    pub open: bool,
    #[serde(default)]
    pub band: Option<Band>,
}

/// Never prints the passphrase.
impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("ssid", &self.ssid)
            .field("psk", &self.psk.as_ref().map(|_| "<withheld>"))
            .field("open", &self.open)
            .field("band", &self.band)
            .finish()
    }
}

impl fmt::Debug for WifiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WifiConfig")
            .field("network", &self.network)
            .finish()
    }
}

/// A Wi-Fi band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Band {
    #[serde(rename = "2.4GHz")]
    G2,
    #[serde(rename = "5GHz")]
    G5,
    #[serde(rename = "6GHz")]
    G6,
}

impl Band {
    /// The band of a channel's centre frequency in MHz.
    pub fn of_mhz(mhz: u32) -> Option<Band> {
        match mhz {
            2400..=2500 => Some(Band::G2),
            5150..=5925 => Some(Band::G5),
            5926..=7125 => Some(Band::G6),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::G2 => "2.4GHz",
            Band::G5 => "5GHz",
            Band::G6 => "6GHz",
        }
    }
}

impl WifiConfig {
    /// Parses and checks the file; the error names the network and field (never a passphrase).
    pub fn parse(text: &str) -> Result<WifiConfig, String> {
        let c: WifiConfig = toml::from_str(text).map_err(|e| {
            // toml's message quotes the offending line, which may hold a passphrase.
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            format!("{}{at}", e.message())
        })?;
        if c.network.is_empty() {
            return Err("no [[network]] listed".into());
        }
        if c.network.len() > 16 {
            return Err(format!("{} networks listed; at most 16", c.network.len()));
        }
        for (i, n) in c.network.iter().enumerate() {
            let at = format!("network {}", i + 1);
            if n.ssid.is_empty() || n.ssid.len() > 32 {
                return Err(format!("{at}: ssid must be 1 to 32 bytes"));
            }
            match (&n.psk, n.open) {
                (Some(_), true) => return Err(format!("{at}: psk and open = true both given")),
                (None, false) => {
                    return Err(format!(
                        "{at}: give psk, or open = true for an open network"
                    ))
                }
                (Some(p), false) if !(8..=63).contains(&p.len()) => {
                    return Err(format!("{at}: psk must be 8 to 63 characters"))
                }
                _ => {}
            }
        }
        Ok(c)
    }

    /// Reads and parses the file.
    pub fn read(path: &Path) -> Result<WifiConfig, String> {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.len() > 1 << 20 {
            return Err(format!("{}: larger than 1 MiB", path.display()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        WifiConfig::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The fields of one line of nmcli's terse output (`-t`): `:` separates, `\` escapes `:` and `\`.
pub fn terse_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(s)) = (chars.next(), out.last_mut()) {
                    s.push(n);
                }
            }
            ':' => out.push(String::new()),
            c => {
                if let Some(s) = out.last_mut() {
                    s.push(c)
                }
            }
        }
    }
    out
}

/// The fields the check asks of `nmcli -t device wifi list`, in this order. `IN-USE` (`*` for
/// the access point the device is associated with, a space for the others) marks the link rather
/// than `ACTIVE`, whose `yes`/`no` nmcli translates even in terse output (NetworkManager's own
/// recordings print `nie` under `pl_PL`). No BSSID is asked for.
pub const LIST_FIELDS: &[&str] = &["IN-USE", "SSID", "FREQ", "RATE", "SIGNAL", "SECURITY"];

/// One line of `nmcli -t -f FIELDS device wifi list`.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessPoint {
    /// The device is associated with this access point (`IN-USE` is `*`, or, without `IN-USE`,
    /// `ACTIVE` is `yes`).
    pub in_use: bool,
    pub ssid: String,
    pub freq_mhz: Option<u32>,
    pub rate_mbps: Option<f64>,
    pub signal: Option<u32>,
    /// `open` when nmcli shows none (empty in terse output, `--` in tabular).
    pub security: String,
}

/// The access points of a terse listing asked with `fields` (nmcli prints no header in terse
/// mode, so the caller says which fields it asked for, in order). Lines with another number of
/// fields (the blank lines between devices, garbage) are skipped; numbers are read from their
/// first word, so `2412 MHz`, `54 Mbit/s` and the translated `54 Mb/s` all read.
pub fn access_points(listing: &str, fields: &[&str]) -> Vec<AccessPoint> {
    let at = |name: &str| fields.iter().position(|f| f.eq_ignore_ascii_case(name));
    let number = |s: &str| {
        s.split_whitespace()
            .next()
            .and_then(|n| n.parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
    };
    let (in_use, active) = (at("IN-USE"), at("ACTIVE"));
    listing
        .lines()
        .map(terse_fields)
        .filter(|f| f.len() == fields.len())
        .map(|f| {
            let get = |name: &str| at(name).map(|i| f[i].as_str());
            let security = get("SECURITY").unwrap_or("").trim();
            AccessPoint {
                in_use: match (in_use, active) {
                    (Some(i), _) => f[i].trim() == "*",
                    (None, Some(i)) => f[i] == "yes",
                    (None, None) => false,
                },
                ssid: get("SSID").unwrap_or("").to_owned(),
                freq_mhz: get("FREQ").and_then(number).map(|n| n as u32),
                rate_mbps: get("RATE").and_then(number),
                signal: get("SIGNAL").and_then(number).map(|n| n.min(100.0) as u32),
                security: if security.is_empty() || security == "--" {
                    "open".into()
                } else {
                    security.to_owned()
                },
            }
        })
        .collect()
}

/// The Wi-Fi link as `nmcli -t -f LIST_FIELDS device wifi list` shows the access point in use.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub freq_mhz: u32,
    pub rate_mbps: f64,
    pub signal: u32,
    pub security: String,
}

/// The access point in use in a listing asked with [`LIST_FIELDS`].
pub fn active_link(listing: &str) -> Option<Link> {
    access_points(listing, LIST_FIELDS)
        .into_iter()
        .filter(|a| a.in_use)
        .find_map(|a| {
            Some(Link {
                freq_mhz: a.freq_mhz?,
                rate_mbps: a.rate_mbps.unwrap_or(0.0),
                signal: a.signal.unwrap_or(0),
                security: a.security,
            })
        })
}

/// The first Wi-Fi device NetworkManager can use, from `nmcli -t -f DEVICE,TYPE,STATE device`
/// (fields after the third, as `device status` adds, are ignored; terse states are not
/// translated).
pub fn wifi_device(devices: &str) -> Option<String> {
    devices.lines().map(terse_fields).find_map(|f| {
        (f.len() >= 3 && f[1] == "wifi" && f[2] != "unavailable" && !f[0].is_empty())
            .then(|| f[0].clone())
    })
}

/// The first value of `KEY` (or `KEY[n]`) in nmcli's terse multi-line output (`device show`):
/// `KEY:value` lines whose values are not escaped (`IP6.ROUTE[1]:dst = 2001:a::…` keeps its
/// colons), so the line is cut at its first `:` only. Empty values do not count.
pub fn show_value(show: &str, key: &str) -> Option<String> {
    show.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.split('[').next() == Some(key) && !v.trim().is_empty()).then(|| v.trim().to_owned())
    })
}

fn tool_failed(e: RunError, hide: &str) -> Outcome {
    match e {
        RunError::NotFound { .. } => Outcome::skip(
            "nmcli is not installed (Debian package network-manager); install it to test Wi-Fi",
        ),
        e => Outcome::error(strip(&e.to_string(), hide)),
    }
}

/// Removes a passphrase (and MAC or UUID shapes) from a text meant for the report.
fn strip(text: &str, psk: &str) -> String {
    let t = if psk.is_empty() {
        text.to_owned()
    } else {
        text.replace(psk, "<passphrase>")
    };
    mxcert_core::privacy::scrub_text(&t).into_owned()
}

fn said(o: &CommandOutput) -> String {
    let text = format!("{}\n{}", o.stderr_text(), o.stdout_text());
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no output")
        .to_owned()
}

pub fn run(p: &WifiConnect, ctx: &Context) -> Outcome {
    run_with(p, ctx, &SystemRunner)
}

pub fn run_with(p: &WifiConnect, ctx: &Context, runner: &dyn CommandRunner) -> Outcome {
    let Some(path) = ctx.options.wifi_config.as_deref() else {
        return Outcome::skip("no Wi-Fi networks to join: give mxcert run --wifi-config FILE");
    };
    let config = match WifiConfig::read(path) {
        Ok(c) => c,
        Err(e) => return Outcome::error(format!("bad --wifi-config: {e}")),
    };
    let devices = match runner.run(NMCLI, &["-t", "-f", "DEVICE,TYPE,STATE", "device"], STEP) {
        Ok(o) => o.stdout_text(),
        Err(e) => return tool_failed(e, ""),
    };
    let Some(dev) = wifi_device(&devices) else {
        return Outcome::skip("not applicable: NetworkManager manages no available Wi-Fi device");
    };
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    let mut found = Findings::default();
    for (i, n) in config.network.iter().enumerate() {
        let psk = n.psk.clone().unwrap_or_default();
        match join(p, ctx, runner, &dev, i, n, &mut found) {
            Ok(line) => lines.push(format!("{}: {line}", n.ssid)),
            Err(why) => {
                let why = strip(&why, &psk);
                lines.push(format!("{}: FAILED: {why}", n.ssid));
                failures.push(format!("{}: {why}", n.ssid));
            }
        }
    }
    let out = Outcome::pass_unless(
        &failures,
        format!(
            "joined {} network(s) on {dev}, got an address and reached the gateway",
            config.network.len()
        ),
    );
    out.with(found).evidence("networks", lines.join("\n"))
}

/// Joins one network and measures it; the profile and the passphrase file are removed on every
/// path out.
fn join(
    p: &WifiConnect,
    ctx: &Context,
    runner: &dyn CommandRunner,
    dev: &str,
    index: usize,
    n: &Network,
    found: &mut Findings,
) -> Result<String, String> {
    let name = format!("mxcert-wifi-{}", index + 1);
    let mut add = vec![
        "connection",
        "add",
        "type",
        "wifi",
        "ifname",
        dev,
        "con-name",
        &name,
        "autoconnect",
        "no",
        "ssid",
        &n.ssid,
    ];
    if n.psk.is_some() {
        add.extend(["wifi-sec.key-mgmt", "wpa-psk"]);
    }
    let out = runner.run(NMCLI, &add, STEP).map_err(|e| e.to_string())?;
    if !out.success() {
        return Err(format!("could not create the connection: {}", said(&out)));
    }
    let secrets = ctx.scratch.join(format!("{name}.secrets"));
    let result = (|| {
        let wait = p.wait_s.to_string();
        let mut up = vec!["--wait", &wait, "connection", "up", &name];
        let secrets_arg = secrets.to_string_lossy().into_owned();
        if let Some(psk) = &n.psk {
            write_secret(&secrets, psk)
                .map_err(|e| format!("cannot write the passphrase file: {e}"))?;
            up.extend(["passwd-file", &secrets_arg]);
        }
        let out = runner
            .run(NMCLI, &up, Duration::from_secs(p.wait_s) + STEP)
            .map_err(|e| e.to_string())?;
        if !out.success() {
            return Err(format!(
                "did not connect within {} s: {}",
                p.wait_s,
                said(&out)
            ));
        }
        measure(p, ctx, runner, dev, n, found)
    })();
    let _ = std::fs::remove_file(&secrets);
    let _ = runner.run(NMCLI, &["connection", "delete", &name], STEP);
    result
}

fn write_secret(path: &Path, psk: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    writeln!(f, "802-11-wireless-security.psk:{psk}")
}

fn measure(
    p: &WifiConnect,
    ctx: &Context,
    runner: &dyn CommandRunner,
    dev: &str,
    n: &Network,
    found: &mut Findings,
) -> Result<String, String> {
    let show = runner
        .run(
            NMCLI,
            &["-t", "-f", "IP4.ADDRESS,IP4.GATEWAY", "device", "show", dev],
            STEP,
        )
        .map_err(|e| e.to_string())?
        .stdout_text();
    if show_value(&show, "IP4.ADDRESS").is_none() {
        return Err("connected but got no IPv4 address (DHCP)".into());
    }
    let gateway = show_value(&show, "IP4.GATEWAY").ok_or("connected but has no IPv4 gateway")?;
    let fields = LIST_FIELDS.join(",");
    let listing = runner
        .run(
            NMCLI,
            &[
                "-t", "-f", &fields, "device", "wifi", "list", "ifname", dev, "--rescan", "no",
            ],
            STEP,
        )
        .map_err(|e| e.to_string())?
        .stdout_text();
    let link =
        active_link(&listing).ok_or("connected but NetworkManager shows no active network")?;
    let band = Band::of_mhz(link.freq_mhz);
    let tag = &n.ssid;
    found.measure(format!("frequency@{tag}"), f64::from(link.freq_mhz), "MHz");
    found.measure(format!("signal@{tag}"), f64::from(link.signal), "%");
    found.measure(format!("bit_rate@{tag}"), link.rate_mbps, "Mb/s");
    let mut line = format!(
        "{} at {} MHz, signal {}%, {} Mb/s, security {}",
        band.map(Band::as_str).unwrap_or("unknown band"),
        link.freq_mhz,
        link.signal,
        link.rate_mbps,
        link.security
    );
    if let Some(want) = n.band {
        if band != Some(want) {
            return Err(format!("{line}; expected the {} band", want.as_str()));
        }
    }
    let count = p.ping_count.to_string();
    let ping = runner
        .run(
            "ping",
            &["-c", &count, "-W", "2", "-I", dev, &gateway],
            STEP + Duration::from_secs(2 * p.ping_count),
        )
        .map_err(|e| match e {
            RunError::NotFound { .. } => {
                "ping is not installed (Debian package iputils-ping)".to_owned()
            }
            e => e.to_string(),
        })?;
    if !ping.success() {
        return Err(format!(
            "{line}; the gateway did not answer {count} echo request(s)"
        ));
    }
    line.push_str("; gateway answered");
    if let (Some(peer), true) = (&ctx.options.peer, p.throughput_s > 0) {
        // Bound to the Wi-Fi interface (SO_BINDTODEVICE), so the figure is the Wi-Fi's even
        // when the route to the peer goes through a wired interface.
        match crate::peer::download_via(peer, p.throughput_s, Some(dev)) {
            Ok(t) => {
                found.measure(format!("download@{tag}"), t.mbps(), "Mb/s");
                line.push_str(&format!("; {:.1} Mb/s from the peer", t.mbps()));
            }
            Err(e) => {
                return Err(format!(
                    "{line}; throughput from the peer {peer} failed: {e}"
                ))
            }
        }
    }
    Ok(line)
}
