//! `mxcert record DIR`: a copy of everything a probe of this machine reads, laid out like `/`, so
//! that `mxcert probe --root DIR` gives the same inventory anywhere (same devices, names, notes and
//! withheld list; only `created_at` and `probe.source` differ).
//!
//! The probe runs once with the [`walker`](super::walker) over a logging [`Root`]; every file,
//! symlink and directory it touched is then copied, symlinks as symlinks. A recording is meant to
//! be shared (sent to a lab, committed as a test fixture), so private values never reach it:
//! - private attributes (serials, UUIDs, MAC addresses, `/etc/machine-id`) and private
//!   `KEY=VALUE` lines (uevent, udev database, `/proc/cpuinfo`) are replaced by `*`s of the same
//!   length ([`redact`]), the SMBIOS table by [`mxcert_core::smbios::redact_table`], and EDIDs by
//!   [`mxcert_core::edid::redact`];
//! - udev database lines other than properties (`S:` symlinks name disks by serial) are dropped;
//! - other text has withheld values replaced and MAC/UUID-shaped tokens scrubbed, as in an
//!   inventory; device directories named after a MAC are renamed the same way;
//! - `pci.ids`, `usb.ids` and `modules.alias` are cut to the lines the probe used;
//! - the pseudonymous machine id, which cannot be recomputed from redacted values, is stored in
//!   `mxcert-recording.json` with when and by what the recording was made.
//!
//! This module writes only under DIR, which must not exist or be empty.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use mxcert_core::ids::{self, Wanted};
use mxcert_core::inventory::Inventory;
use mxcert_core::modalias::ModuleAliases;
use mxcert_core::privacy::{
    attribute_kind, is_placeholder, property_kind, redact, scrub_all, Scrubber,
};
use serde::{Deserialize, Serialize};

use super::names::{alias_files, PCI_IDS, USB_IDS};
use super::root::{AccessLog, Root};
use super::{probe_parts, Enumerate, ProbeError};

/// The file at the top of a recording.
pub const METADATA: &str = "mxcert-recording.json";

/// What `mxcert-recording.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub format: String,
    pub version: u32,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub tool: mxcert_core::report::Tool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_id: Option<String>,
}

/// Why a recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("refusing to record into {0}: it exists and is not empty")]
    NotEmpty(PathBuf),
    #[error("failed to write {path}: {error}")]
    Write { path: PathBuf, error: io::Error },
    #[error(transparent)]
    Probe(#[from] ProbeError),
}

/// What was recorded.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub inventory: Inventory,
    pub files: usize,
    pub links: usize,
}

/// The machine id stored in a recording's metadata.
pub fn recorded_machine_id(root: &Root) -> Option<String> {
    if root.is_live() {
        return None;
    }
    let bytes = std::fs::read(root.join(METADATA)).ok()?;
    serde_json::from_slice::<Metadata>(&bytes).ok()?.machine_id
}

/// Records this machine into `dir`.
pub fn record(dir: &Path) -> Result<Recorded, RecordError> {
    record_root(&Root::live(), dir)
}

/// Records a root (the running system, or another recording) into `dir`.
pub fn record_root(source: &Root, dir: &Path) -> Result<Recorded, RecordError> {
    if let Ok(mut entries) = fs::read_dir(dir) {
        if entries.next().is_some() {
            return Err(RecordError::NotEmpty(dir.to_owned()));
        }
    }
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |error| RecordError::Write { path, error }
    };
    fs::create_dir_all(dir).map_err(write_err(dir))?;
    let log = Rc::new(RefCell::new(AccessLog::default()));
    let logged = source.with_log(log.clone());
    let (inventory, withholding) = probe_parts(&logged, Enumerate::Walk)?;
    let log = log.borrow().clone();
    // The modaliases of every device the probe read, for cutting `modules.alias` down.
    let modaliases = log
        .files
        .iter()
        .filter(|f| f.ends_with("/uevent"))
        .filter_map(|f| source.read_attr(f).ok().flatten())
        .filter_map(|text| super::sysfs::parse_uevent(&text).remove("MODALIAS"))
        .collect();
    let copier = Copier {
        source: source.clone(),
        dest: dir.to_owned(),
        scrubber: withholding.scrubber(),
        inventory: &inventory,
        modaliases,
        links: RefCell::new(BTreeSet::new()),
    };
    let mut files = 0;
    for path in &log.links {
        copier
            .link(path)
            .map_err(write_err(&copier.dest_path(path)))?;
    }
    for path in &log.files {
        if copier
            .file(path)
            .map_err(write_err(&copier.dest_path(path)))?
        {
            files += 1;
        }
    }
    for path in &log.dirs {
        copier
            .dir(path)
            .map_err(write_err(&copier.dest_path(path)))?;
    }
    let metadata = Metadata {
        format: "mxcert-recording".into(),
        version: 1,
        recorded_at: inventory.created_at,
        tool: crate::tool(),
        machine_id: inventory.machine_id.clone(),
    };
    let meta_path = dir.join(METADATA);
    fs::write(&meta_path, mxcert_core::format::to_json_pretty(&metadata))
        .map_err(write_err(&meta_path))?;
    let links = copier.links.borrow().len();
    Ok(Recorded {
        inventory,
        files,
        links,
    })
}

struct Copier<'a> {
    source: Root,
    dest: PathBuf,
    scrubber: Scrubber,
    inventory: &'a Inventory,
    modaliases: Vec<String>,
    links: RefCell<BTreeSet<String>>,
}

/// Device directories may be named after a MAC (`enx...`): scrubbed like inventory text.
fn scrub_path(system_path: &str) -> String {
    if system_path.starts_with("/sys/devices/") || system_path.starts_with("/sys/class/") {
        scrub_all(system_path).into_owned()
    } else {
        system_path.to_owned()
    }
}

impl Copier<'_> {
    fn dest_path(&self, system_path: &str) -> PathBuf {
        self.dest
            .join(scrub_path(system_path).trim_start_matches('/'))
    }

    /// Resolves `system_path` on the source, recreating every symlink met on the way in the
    /// recording; returns the resolved system path (or `None` past 40 links).
    fn resolve(&self, system_path: &str, follow_last: bool) -> io::Result<Option<String>> {
        let mut pending: Vec<String> = system_path
            .split('/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(str::to_owned)
            .collect();
        let mut current = String::new();
        let mut hops = 0;
        while let Some(component) = pending.pop() {
            match component.as_str() {
                "." => continue,
                ".." => {
                    if let Some(cut) = current.rfind('/') {
                        current.truncate(cut);
                    }
                    continue;
                }
                _ => {}
            }
            let next = format!("{current}/{component}");
            let is_last = pending.is_empty();
            let meta = fs::symlink_metadata(self.source.join(&next));
            if meta.as_ref().is_ok_and(|m| m.file_type().is_symlink()) && (follow_last || !is_last)
            {
                self.copy_link(&next)?;
                hops += 1;
                if hops > 40 {
                    return Ok(None);
                }
                let target = fs::read_link(self.source.join(&next))?;
                let target = target.to_string_lossy().into_owned();
                if target.starts_with('/') {
                    current.clear();
                }
                pending.extend(
                    target
                        .split('/')
                        .filter(|c| !c.is_empty())
                        .rev()
                        .map(str::to_owned),
                );
                continue;
            }
            current = next;
        }
        Ok(Some(current))
    }

    /// Recreates one symlink with its target (scrubbed like paths).
    fn copy_link(&self, system_path: &str) -> io::Result<()> {
        if !self.links.borrow_mut().insert(system_path.to_owned()) {
            return Ok(());
        }
        let target = fs::read_link(self.source.join(system_path))?;
        let target = scrub_all(&target.to_string_lossy()).into_owned();
        let dest = self.dest_path(system_path);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        match symlink(&target, &dest) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
    }

    /// Recreates a directory whose existence the probe checked (`/sys/firmware/efi`); git keeps
    /// no empty directories, so an empty one gets a `.keep` file.
    fn dir(&self, system_path: &str) -> io::Result<()> {
        if let Some(resolved) = self.resolve(system_path, true)? {
            let dest = self.dest_path(&resolved);
            fs::create_dir_all(&dest)?;
            if fs::read_dir(&dest)?.next().is_none() {
                fs::write(dest.join(".keep"), "")?;
            }
        }
        Ok(())
    }

    fn link(&self, system_path: &str) -> io::Result<()> {
        let Some(parent) = self.resolve(system_path, false)? else {
            return Ok(());
        };
        if fs::symlink_metadata(self.source.join(&parent)).is_ok_and(|m| m.file_type().is_symlink())
        {
            self.copy_link(&parent)?;
        }
        Ok(())
    }

    /// Copies one file with its private values redacted; `false` when it does not exist.
    fn file(&self, system_path: &str) -> io::Result<bool> {
        let Some(resolved) = self.resolve(system_path, true)? else {
            return Ok(false);
        };
        let bytes = match fs::read(self.source.join(&resolved)) {
            Ok(b) => b,
            Err(_) => return Ok(false),
        };
        let contents = self.redacted(system_path, &resolved, &bytes);
        let dest = self.dest_path(&resolved);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(dest, contents)?;
        Ok(true)
    }

    fn redacted(&self, asked: &str, resolved: &str, bytes: &[u8]) -> Vec<u8> {
        let name = resolved.rsplit('/').next().unwrap_or(resolved);
        if resolved.ends_with("/dmi/tables/DMI") {
            return mxcert_core::smbios::redact_table(bytes);
        }
        if resolved.starts_with("/sys/") && name == "edid" {
            return mxcert_core::edid::redact(bytes);
        }
        if PCI_IDS.contains(&asked) || USB_IDS.contains(&asked) {
            return ids::extract(bytes, &self.wanted(PCI_IDS.contains(&asked)));
        }
        if let Some(kernel) = self.inventory.os.kernel.as_deref() {
            if alias_files(kernel).iter().any(|f| f == asked) {
                return self.aliases(bytes).into_bytes();
            }
        }
        if resolved.starts_with("/sys/firmware/")
            && !resolved.starts_with("/sys/firmware/devicetree/")
        {
            return bytes.to_vec();
        }
        let text = String::from_utf8_lossy(bytes);
        if attribute_kind(name).is_some() {
            let value = text.trim_end_matches('\0').trim();
            return if is_placeholder(value) {
                bytes.to_vec()
            } else {
                format!("{}\n", redact(value)).into_bytes()
            };
        }
        if resolved.starts_with("/sys/firmware/devicetree/") {
            return bytes.to_vec();
        }
        let udev_db = resolved.starts_with("/run/udev/data/");
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, newline) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            let body = if udev_db {
                // Only properties are replayed; symlinks (`S:`) name disks by serial.
                match body.strip_prefix("E:") {
                    Some(prop) => format!("E:{}", redact_pair(prop, '=')),
                    None if body.starts_with("S:")
                        || body.starts_with("L:")
                        || body.starts_with("W:") =>
                    {
                        continue
                    }
                    None => body.to_owned(),
                }
            } else if resolved == "/proc/cpuinfo" {
                redact_pair(body, ':')
            } else {
                redact_pair(body, '=')
            };
            out.push_str(&self.scrubber.scrub(&body));
            out.push_str(newline);
        }
        out.into_bytes()
    }

    /// The ids the inventory's PCI or USB devices use.
    fn wanted(&self, pci: bool) -> Wanted {
        let mut w = Wanted::new();
        let bus = if pci { "pci" } else { "usb" };
        for d in self.inventory.devices.iter().filter(|d| d.bus == bus) {
            let parts: Vec<u16> =
                d.id.split(':')
                    .skip(1)
                    .filter_map(|h| u16::from_str_radix(h, 16).ok())
                    .collect();
            if let [v, p, rest @ ..] = parts.as_slice() {
                w.device(*v, *p);
                if let [sv, _] = rest {
                    w.vendor(*sv);
                }
            }
        }
        w
    }

    /// The alias lines matching the modaliases of the devices the probe read.
    fn aliases(&self, bytes: &[u8]) -> String {
        let text = String::from_utf8_lossy(bytes);
        let modaliases = self.modaliases.iter().map(String::as_str);
        let parsed = ModuleAliases::parse_matching(&text, modaliases.clone());
        parsed.lines_matching(modaliases)
    }
}

/// `KEY<sep>VALUE` with a private key (by [`property_kind`], spaces as `_`): the value redacted.
fn redact_pair(line: &str, sep: char) -> String {
    let Some((key, value)) = line.split_once(sep) else {
        return line.to_owned();
    };
    let normalised = key.trim().to_ascii_uppercase().replace(' ', "_");
    let v = value.trim();
    if property_kind(&normalised).is_none() || is_placeholder(v) {
        return line.to_owned();
    }
    let lead = &value[..value.len() - value.trim_start().len()];
    format!("{key}{sep}{lead}{}", redact(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_pairs_are_redacted() {
        assert_eq!(
            redact_pair("POWER_SUPPLY_SERIAL_NUMBER=28703", '='),
            "POWER_SUPPLY_SERIAL_NUMBER=*****"
        );
        assert_eq!(
            redact_pair("Serial\t\t: 10000000abcdef01", ':'),
            "Serial\t\t: ****************"
        );
        assert_eq!(redact_pair("ID_SERIAL=noserial", '='), "ID_SERIAL=noserial");
        assert_eq!(redact_pair("PCI_ID=8086:9A49", '='), "PCI_ID=8086:9A49");
        assert_eq!(redact_pair("model name : x", ':'), "model name : x");
    }
}
