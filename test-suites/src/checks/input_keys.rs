//! `input.keys`: the tester presses each listed key (brightness, volume, mute, microphone
//! mute, airplane mode, …) within `wait_s` seconds each, with a countdown
//! ([`crate::attention`]); the key's press must arrive from the expected input device.
//!
//! Reads the kernel's evdev interface directly: every `ROOT/dev/input/eventN` named in
//! `ROOT/sys/class/input/eventN` is opened read-only and non-blocking (reading does not take
//! the device from the desktop), and `struct input_event` records are decoded (type `EV_KEY`,
//! value 1 = press). A press of the key from another device fails the key, naming both devices.
//! Bounds: `wait_s` per key, events read in 20 ms steps. Without a person: skipped; no input
//! devices or none readable (permissions): skipped with the reason.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::time::{Duration, Instant};

use mxcert_core::input_codes;
use mxcert_core::plan::params::InputKeys;
use mxcert_core::plan::Text;

use crate::attention::{self, wait_for, Person, Waited};
use crate::root::{attr, dir_names};
use crate::{Context, Outcome};

const KIND: &str = "input.keys";
const EV_KEY: u16 = 1;
/// `struct input_event`: a `struct timeval` (two longs), then type, code (u16) and value (i32).
pub const EVENT_SIZE: usize = 2 * std::mem::size_of::<usize>() + 8;
const STEP: Duration = Duration::from_millis(20);

/// One open event device.
struct Device {
    node: String,
    name: String,
    file: File,
    pending: Vec<u8>,
}

/// Key presses (codes) in a run of bytes of `input_event` records; the incomplete tail stays.
pub fn presses(pending: &mut Vec<u8>) -> Vec<u16> {
    let whole = pending.len() / EVENT_SIZE * EVENT_SIZE;
    let out = pending[..whole]
        .chunks_exact(EVENT_SIZE)
        .filter_map(|e| {
            let at = EVENT_SIZE - 8;
            let kind = u16::from_ne_bytes([e[at], e[at + 1]]);
            let code = u16::from_ne_bytes([e[at + 2], e[at + 3]]);
            let value = i32::from_ne_bytes([e[at + 4], e[at + 5], e[at + 6], e[at + 7]]);
            (kind == EV_KEY && value == 1).then_some(code)
        })
        .collect();
    pending.drain(..whole);
    out
}

/// An `input_event` record (for tests and fixtures).
pub fn event(kind: u16, code: u16, value: i32) -> Vec<u8> {
    let mut e = vec![0u8; EVENT_SIZE - 8];
    e.extend(kind.to_ne_bytes());
    e.extend(code.to_ne_bytes());
    e.extend(value.to_ne_bytes());
    e
}

impl Device {
    /// Reads what is available; `false` at end of file (a fixture's writer went away).
    fn read(&mut self) -> Vec<u16> {
        let mut buf = [0u8; 64 * 24];
        loop {
            match self.file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
            if self.pending.len() > 1 << 20 {
                self.pending.clear();
            }
        }
        presses(&mut self.pending)
    }
}

/// Opens every event device; those that cannot be opened are named in the second list.
fn open_all(ctx: &Context) -> (Vec<Device>, Vec<String>) {
    let mut devices = Vec::new();
    let mut refused = Vec::new();
    let class = ctx.path("/sys/class/input");
    for node in dir_names(&class)
        .into_iter()
        .filter(|n| n.starts_with("event"))
    {
        let name = attr(&class.join(&node).join("device/name")).unwrap_or_else(|| node.clone());
        let path = ctx.path(&format!("/dev/input/{node}"));
        match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(&path)
        {
            Ok(file) => devices.push(Device {
                node,
                name,
                file,
                pending: Vec::new(),
            }),
            Err(e) => refused.push(format!("{node} ({name}): {e}")),
        }
    }
    (devices, refused)
}

pub fn run(p: &InputKeys, ctx: &Context) -> Outcome {
    match attention::person(ctx) {
        Some(mut person) => run_with(p, ctx, person.as_mut()),
        None => attention::no_person("press the keys"),
    }
}

/// What happened to one key.
enum Press {
    /// From the expected device (its name).
    Expected(String),
    /// From another device (its name).
    Other(String),
}

pub fn run_with(p: &InputKeys, ctx: &Context, person: &mut dyn Person) -> Outcome {
    let (mut devices, refused) = open_all(ctx);
    if devices.is_empty() {
        return Outcome::skip(if refused.is_empty() {
            "not applicable: no input event devices (/sys/class/input/event*)".to_owned()
        } else {
            format!(
                "cannot read the input devices (run as root or in the input group): {}",
                refused.join("; ")
            )
        });
    }
    let expected = |name: &str| p.device.is_empty() || name.contains(&p.device);
    if !devices.iter().any(|d| expected(&d.name)) {
        let names: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
        return Outcome::fail(format!(
            "no input device named like {:?}; there are: {}",
            p.device,
            names.join(", ")
        ));
    }
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    let mut from: BTreeMap<String, u64> = BTreeMap::new();
    for key in &p.keys {
        let Some(code) = input_codes::code(key) else {
            return Outcome::error(format!("{key} is not a key name"));
        };
        // Whatever was pressed before this key's instruction does not count.
        for d in &mut devices {
            d.read();
        }
        let on = if p.device.is_empty() {
            String::new()
        } else {
            format!(" ({})", p.device)
        };
        let text = Text {
            es: format!("Pulse la tecla {key}{on}."),
            en: format!("Press the key {key}{on}."),
        };
        let waited = wait_for(
            person,
            KIND,
            &text,
            Duration::from_secs(p.wait_s),
            |slice| {
                let until = Instant::now() + slice;
                loop {
                    for d in &mut devices {
                        if d.read().contains(&code) {
                            let who = format!("{} ({})", d.name, d.node);
                            return Some(if expected(&d.name) {
                                Press::Expected(who)
                            } else {
                                Press::Other(who)
                            });
                        }
                    }
                    if Instant::now() >= until {
                        return None;
                    }
                    std::thread::sleep(STEP);
                }
            },
        );
        match waited {
            Waited::Happened(Press::Expected(who)) => {
                lines.push(format!("{key}: from {who}"));
                *from.entry(who).or_default() += 1;
            }
            Waited::Happened(Press::Other(who)) => {
                lines.push(format!("{key}: from {who}, not {:?}", p.device));
                failures.push(format!("{key} came from {who}, not from {:?}", p.device));
            }
            Waited::TimedOut => {
                lines.push(format!("{key}: no press within {} s", p.wait_s));
                failures.push(format!("{key} was not seen within {} s", p.wait_s));
            }
            Waited::Skipped(c) => return attention::skipped_by_tester(c),
        }
    }
    Outcome::pass_unless(
        &failures,
        format!(
            "all {} key(s) arrived from the expected device",
            p.keys.len()
        ),
    )
    .measure("keys_seen", (p.keys.len() - failures.len()) as f64, "keys")
    .evidence("keys", lines.join("\n"))
}
