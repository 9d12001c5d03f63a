//! From device records to inventory devices: the one place that decides what a device is.
//!
//! A [`DeviceRecord`] is one device as udev and sysfs describe it: its path under `/sys`, its
//! subsystem, devtype, bound driver, udev properties and the sysfs attributes the probe read. The
//! live probe (libudev), the root walker (`--root`), `udevadm info --export-db` dumps and umockdev
//! recordings all produce records; [`build`] turns any of them into [`Device`]s, so every source
//! classifies the same way. Properties come first (they are what dumps carry); attributes fill in
//! what properties lack.
//!
//! | bus | records | identity | `details` keys |
//! |---|---|---|---|
//! | `pci` | every PCI function | `pci:vvvv:dddd[:ssss:ssss]` | `slot`, `revision`, `link_speed`, `link_width`, `subsystem_name` |
//! | `usb` | `usb_device`s, with their `usb_interface`s in `interfaces` | `usb:vvvv:pppp` | `speed_mbps`, `usb_version`, `revision` |
//! | `block` | disks (not partitions, not loop/zram/dm/md) | `block:MODEL` / `block:TRANSPORT` | `name`, `size_bytes`, `transport` (nvme, sata, usb, mmc, virtio, scsi), `rotational`, `removable`, `read_only` |
//! | `net` | interfaces of physical devices | `net:DRIVER` | `interface`, `type` (wired, wireless), `link` (up, down, ...), `speed_mbps`, `carrier` |
//! | `input` | `inputN` of physical devices | `input:bbbb:vvvv:pppp` | `kind` (keyboard, mouse, touchpad, touchscreen, tablet, joystick, keys, switch, other), `input_bus` |
//! | `sound` | ALSA cards | `sound:DRIVER` | `card_id`, `card` |
//! | `hdaudio` | HD-audio codecs | `hdaudio:vvvv:dddd` | `subsystem_id`, `revision_id` |
//! | `drm` | `cardN` of physical GPUs | `drm:DRIVER` | `card`, `connectors` (`eDP-1:connected,HDMI-A-1:disconnected`), `displays` (decoded EDIDs, added by the probe) |
//! | `video4linux` | capture nodes (`index` 0) | `video4linux:DRIVER` | `node` |
//! | `bluetooth` | controllers (`hciN`) | `bluetooth:DRIVER` | `controller` |
//! | `power_supply` | batteries, AC adapters, USB supplies | `power_supply:TYPE[:MODEL]` | `type`, `status`, `technology`, `capacity_percent`, `health_percent`, `design_capacity`, `full_capacity`, `cycle_count`, `online`, `scope` |
//! | `thermal` | thermal zones | `thermal:TYPE` | `type`, `temp_c` |
//! | `hwmon` | hardware monitors | `hwmon:NAME` | `name`, `temp_c`, `temp_sensors`, `fans` |
//! | `platform`, `of`, `acpi` | platform, device-tree and ACPI devices with a driver bound | `platform:NAME`, `of:COMPATIBLE`, `acpi:ID` | `name` |
//! | `virtio` | virtio devices | `virtio:vvvv:dddd` | — |
//! | `sdio` | SDIO functions | `sdio:vvvv:dddd` | — |
//!
//! Function devices (block, net, input, sound, drm, video4linux, bluetooth) take as `driver` the
//! driver of the nearest device above them that has one; they, virtio devices, power supplies and
//! hwmon chips without names of their own take those of the nearest named device above them. `parent` is the identity of the nearest device above
//! that is in the inventory.
//!
//! Private properties and attributes (serials, UUIDs, MACs) are never copied: they are listed in
//! the [`Withholding`]. Bluetooth input devices' names are withheld too (people rename them).
//! This module reads nothing: callers hand in records, name databases and module aliases.

mod block;
mod bluetooth;
mod camera;
mod graphics;
mod input;
mod net;
mod pci;
mod platform;
mod power;
mod sensors;
mod sound;
mod usb;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::cancel::{Cancel, Cancelled};
use crate::ids::{IdsDatabase, Wanted};
use crate::inventory::{Device, NameSource, System, Tpm, WithheldKind};
use crate::modalias::ModuleAliases;
use crate::privacy::{attribute_kind, property_kind, Withholding};

pub use input::InputKind;
pub use pci::pci_needs_driver;

/// One device as udev and sysfs describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The path under `/sys`, starting with `/devices/`.
    pub devpath: String,
    pub subsystem: Option<String>,
    pub devtype: Option<String>,
    /// The bound driver's name.
    pub driver: Option<String>,
    /// udev properties (the kernel's uevent variables plus udev's own, such as hwdb names).
    pub properties: BTreeMap<String, String>,
    /// sysfs attributes by path relative to the device (`vendor`, `queue/rotational`,
    /// `device/model`), trimmed.
    pub attributes: BTreeMap<String, String>,
    /// Where the record starts in a dump (1-based line), for messages.
    pub line: Option<usize>,
}

impl DeviceRecord {
    /// The last component of the path (`0000:00:02.0`, `sda`, `input5`).
    pub fn sysname(&self) -> &str {
        self.devpath.rsplit('/').next().unwrap_or(&self.devpath)
    }

    /// A property, trimmed; `None` when missing or blank.
    pub fn prop(&self, key: &str) -> Option<&str> {
        self.properties
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// An attribute, trimmed; `None` when missing or blank.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn subsystem(&self) -> Option<&str> {
        self.subsystem.as_deref().or_else(|| self.prop("SUBSYSTEM"))
    }

    pub fn devtype(&self) -> Option<&str> {
        self.devtype.as_deref().or_else(|| self.prop("DEVTYPE"))
    }

    pub fn driver(&self) -> Option<&str> {
        self.driver
            .as_deref()
            .or_else(|| self.prop("DRIVER"))
            .filter(|d| !d.is_empty())
    }

    pub fn modalias(&self) -> Option<&str> {
        self.prop("MODALIAS").or_else(|| self.attr("modalias"))
    }

    /// Devices the kernel made up (loop, zram, virtual network and input devices, ...).
    pub fn is_virtual(&self) -> bool {
        self.devpath.starts_with("/devices/virtual/")
    }
}

/// A sysfs attribute the probe reads for a record: a file, or every file matching a glob in the
/// device's directory (`temp*_input`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    File(&'static str),
    Glob(&'static str),
}

/// The subsystems whose devices the probe records: those [`build`] lists, plus `hid`, `serio`
/// and `mmc`, whose drivers the function devices below them report, and `dmi` and `tpm`, which
/// describe the platform.
pub const SUBSYSTEMS: &[&str] = &[
    "pci",
    "usb",
    "block",
    "net",
    "input",
    "sound",
    "hdaudio",
    "drm",
    "video4linux",
    "bluetooth",
    "power_supply",
    "thermal",
    "hwmon",
    "platform",
    "acpi",
    "virtio",
    "sdio",
    "hid",
    "serio",
    "mmc",
    "tpm",
    "dmi",
];

/// The attributes to read for a device, by subsystem, devtype and name. Private attributes
/// (serials, addresses) are listed too: their values go to the [`Withholding`], never further.
pub fn attributes_for(subsystem: &str, devtype: Option<&str>, sysname: &str) -> &'static [Attr] {
    use Attr::{File, Glob};
    match subsystem {
        "pci" => &[
            File("vendor"),
            File("device"),
            File("subsystem_vendor"),
            File("subsystem_device"),
            File("class"),
            File("revision"),
            File("current_link_speed"),
            File("current_link_width"),
        ],
        "usb" if devtype == Some("usb_device") => &[
            File("idVendor"),
            File("idProduct"),
            File("bcdDevice"),
            File("bDeviceClass"),
            File("bDeviceSubClass"),
            File("bDeviceProtocol"),
            File("speed"),
            File("version"),
            File("manufacturer"),
            File("product"),
            File("serial"),
        ],
        "usb" if devtype == Some("usb_interface") => &[
            File("bInterfaceNumber"),
            File("bInterfaceClass"),
            File("bInterfaceSubClass"),
            File("bInterfaceProtocol"),
        ],
        "block" if devtype == Some("disk") => &[
            File("size"),
            File("removable"),
            File("ro"),
            File("queue/rotational"),
            File("device/model"),
            File("device/name"),
            File("device/vendor"),
            File("serial"),
            File("wwid"),
            File("device/serial"),
            File("device/wwid"),
        ],
        "net" => &[
            File("type"),
            File("operstate"),
            File("speed"),
            File("carrier"),
            File("address"),
        ],
        "input" if sysname.starts_with("input") => &[File("name"), File("uniq")],
        "sound" if sysname.starts_with("card") => &[File("id"), File("number")],
        "hdaudio" => &[
            File("vendor_id"),
            File("subsystem_id"),
            File("revision_id"),
            File("vendor_name"),
            File("chip_name"),
        ],
        "drm" if sysname.contains('-') => &[File("status"), File("enabled")],
        "video4linux" => &[File("name"), File("index")],
        "bluetooth" => &[File("address")],
        "power_supply" => &[
            File("type"),
            File("status"),
            File("present"),
            File("online"),
            File("scope"),
            File("technology"),
            File("capacity"),
            File("manufacturer"),
            File("model_name"),
            File("serial_number"),
            File("energy_full"),
            File("energy_full_design"),
            File("charge_full"),
            File("charge_full_design"),
            File("cycle_count"),
        ],
        "thermal" if sysname.starts_with("thermal_zone") => &[File("type"), File("temp")],
        "hwmon" => &[File("name"), Glob("temp*_input"), Glob("fan*_input")],
        "tpm" => &[File("tpm_version_major")],
        "dmi" => &[File("modalias")],
        _ => &[],
    }
}

/// A names database with the file it came from.
#[derive(Debug, Clone)]
pub struct NamesFile {
    pub db: IdsDatabase,
    /// The path it was read from, for `probe.names`.
    pub file: Option<String>,
}

impl NamesFile {
    fn source(&self, database: &str) -> NameSource {
        NameSource {
            database: database.to_owned(),
            version: self.db.header().version.clone(),
            date: self.db.header().date.clone(),
            file: self.file.clone(),
        }
    }
}

/// What [`build`] may use besides the records.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions<'a> {
    /// `pci.ids`, for PCI devices udev's hwdb did not name.
    pub pci_ids: Option<&'a NamesFile>,
    /// `usb.ids`, for USB devices udev's hwdb did not name.
    pub usb_ids: Option<&'a NamesFile>,
    /// `modules.alias`, to list the modules that could drive each device.
    pub module_aliases: Option<&'a ModuleAliases>,
    /// The caller's "stop now?", asked every [`crate::cancel::BATCH`] records by [`try_build`].
    pub cancel: Cancel<'a>,
}

/// What [`build`] found.
#[derive(Debug, Clone, Default)]
pub struct Built {
    pub devices: Vec<Device>,
    /// From a `tpm` class device.
    pub tpm: Option<Tpm>,
    /// From the `dmi` record's modalias (dumps have no other system identity).
    pub dmi_system: Option<System>,
    /// Where the names came from.
    pub names: Vec<NameSource>,
    pub withholding: Withholding,
    pub notes: Vec<String>,
}

/// The PCI and USB ids whose names [`build`] would look up in `pci.ids`/`usb.ids` (devices without
/// hwdb names), so the caller can parse only those.
pub fn wanted_ids(records: &[DeviceRecord]) -> (Wanted, Wanted) {
    let mut pci_w = Wanted::new();
    let mut usb_w = Wanted::new();
    for r in records {
        match (r.subsystem(), r.devtype()) {
            (Some("pci"), _) => {
                if let Some(ids) = pci::ids(r) {
                    pci_w.device(ids.vendor, ids.device);
                    if let Some((sv, _)) = ids.subsystem {
                        pci_w.vendor(sv);
                    }
                }
            }
            (Some("usb"), Some("usb_device")) => {
                if let Some((v, p)) = usb::ids(r) {
                    usb_w.device(v, p);
                }
            }
            _ => {}
        }
    }
    (pci_w, usb_w)
}

/// The records, indexed by path, and what building collects.
pub(crate) struct Ctx<'a> {
    pub records: &'a [DeviceRecord],
    by_path: HashMap<&'a str, usize>,
    /// Records by the path of the directory above them, so finding children never scans all.
    children: HashMap<&'a str, Vec<usize>>,
    /// Each record's nearest recorded ancestor ([`nearest_ancestors`]).
    up: Vec<Option<usize>>,
    pub opts: BuildOptions<'a>,
    pub withholding: Withholding,
    pub names_used: BTreeSet<&'static str>,
    pub notes: Vec<String>,
}

impl<'a> Ctx<'a> {
    fn new(records: &'a [DeviceRecord], opts: BuildOptions<'a>) -> Ctx<'a> {
        let by_path = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.devpath.as_str(), i))
            .collect();
        let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            if let Some((parent, _)) = r.devpath.rsplit_once('/') {
                children.entry(parent).or_default().push(i);
            }
        }
        let paths: Vec<&str> = records.iter().map(|r| r.devpath.as_str()).collect();
        Ctx {
            records,
            by_path,
            children,
            up: nearest_ancestors(&paths),
            opts,
            withholding: Withholding::new(),
            names_used: BTreeSet::new(),
            notes: Vec::new(),
        }
    }

    /// The records directly below a path.
    pub fn children(&self, devpath: &str) -> impl Iterator<Item = &'a DeviceRecord> + '_ {
        let records = self.records;
        self.children
            .get(devpath)
            .into_iter()
            .flatten()
            .map(move |i| &records[*i])
    }

    /// The records above a recorded path, nearest first: one step per recorded ancestor, never
    /// a look-up per `/` of the path.
    pub fn ancestors(&self, devpath: &str) -> impl Iterator<Item = &'a DeviceRecord> + '_ {
        let mut at = self.by_path.get(devpath).copied();
        std::iter::from_fn(move || {
            at = self.up[at?];
            at.map(|i| &self.records[i])
        })
    }

    /// The driver of the nearest device above (or at) a path that has one, at most
    /// [`MAX_INHERITED_BYTES`] long.
    pub fn inherited_driver(&self, record: &'a DeviceRecord) -> Option<String> {
        record
            .driver()
            .or_else(|| self.ancestors(&record.devpath).find_map(|r| r.driver()))
            .map(clip)
    }

    /// Uses a hwdb name property and notes that hwdb names were used.
    pub fn hwdb(&mut self, record: &DeviceRecord, key: &str) -> Option<String> {
        let v = record.prop(key)?.to_owned();
        self.names_used.insert("hwdb");
        Some(v)
    }

    /// Modules that could drive a device with this record's modalias.
    pub fn modules(&self, record: &DeviceRecord) -> Vec<String> {
        match (self.opts.module_aliases, record.modalias()) {
            (Some(a), Some(m)) => a.modules_for(m),
            _ => Vec::new(),
        }
    }

    /// Lists a record's private properties and attributes as withheld: the first
    /// [`MAX_WITHHELD_LISTED`] one by one, the rest as one entry per kind (each entry names the
    /// device's path, so listing thousands of them would copy the path thousands of times).
    fn withhold_private(&mut self, record: &DeviceRecord) {
        let private = record
            .properties
            .iter()
            .filter_map(|(key, value)| {
                let kind = property_kind(key)?;
                Some((kind, value, format!(" property {key}")))
            })
            .chain(record.attributes.iter().filter_map(|(name, value)| {
                let kind = attribute_kind(name)?;
                Some((kind, value, format!("/{name}")))
            }));
        let mut listed = 0;
        let mut more: BTreeMap<WithheldKind, usize> = BTreeMap::new();
        for (kind, value, place) in private {
            if listed < MAX_WITHHELD_LISTED {
                let location = format!("/sys{}{place}", record.devpath);
                self.withholding.withhold(kind, location, value);
                listed += 1;
            } else if self.withholding.keep_secret(value) {
                *more.entry(kind).or_default() += 1;
            }
        }
        for (kind, n) in more {
            let location = format!("/sys{} ({n} more private values)", record.devpath);
            self.withholding.withhold(kind, location, "*");
        }
    }
}

/// How many private values of one record are listed one by one in `probe.withheld` (real
/// records have a handful).
pub const MAX_WITHHELD_LISTED: usize = 32;

/// The base of a device: bus, identity, category and path; the rest defaults.
pub(crate) fn device(
    bus: &str,
    id: String,
    category: crate::category::Category,
    record: &DeviceRecord,
) -> Device {
    Device {
        bus: bus.to_owned(),
        id,
        category,
        path: Some(record.devpath.trim_start_matches('/').to_owned()),
        ..Device::default()
    }
}

/// Parses a hex attribute or property value (`0x8086`, `8086`).
pub(crate) fn hex(v: &str) -> Option<u32> {
    u32::from_str_radix(v.trim().trim_start_matches("0x"), 16).ok()
}

/// Decodes udev's `\xNN` escapes (`ID_MODEL_ENC`), trims and drops blank results.
pub(crate) fn unescape(v: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(v.len());
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            if let Some(n) = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                bytes.push(n);
                i += 4;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    let s = String::from_utf8_lossy(&bytes);
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// Turns records into inventory devices (see the module documentation), to the end whatever
/// `opts.cancel` says (for callers that never stop early, such as the live probe).
pub fn build(records: &[DeviceRecord], opts: BuildOptions<'_>) -> Built {
    let opts = BuildOptions {
        cancel: Cancel::default(),
        ..opts
    };
    try_build(records, opts).unwrap_or_default()
}

/// [`build`], stopping with [`Cancelled`] when the caller sets `opts.cancel`.
pub fn try_build(records: &[DeviceRecord], opts: BuildOptions<'_>) -> Result<Built, Cancelled> {
    opts.cancel.check()?;
    let mut ctx = Ctx::new(records, opts);
    let mut devices = Vec::new();
    let mut tpm = None;
    let mut dmi_system = None;
    for (i, record) in records.iter().enumerate() {
        opts.cancel.check_every(i)?;
        let Some(subsystem) = record.subsystem() else {
            continue;
        };
        if !SUBSYSTEMS.contains(&subsystem) {
            continue;
        }
        // Partitions carry filesystem UUIDs nobody asked about, and virtual devices are not
        // hardware: neither is listed anywhere, so neither has anything to withhold.
        let partition = subsystem == "block" && record.devtype() == Some("partition");
        if !partition && !record.is_virtual() {
            ctx.withhold_private(record);
        }
        let made = match subsystem {
            "pci" => pci::device(&mut ctx, record),
            "usb" if record.devtype() == Some("usb_device") => usb::device(&mut ctx, record),
            "block" => block::device(&mut ctx, record),
            "net" => net::device(&mut ctx, record),
            "input" => input::device(&mut ctx, record),
            "sound" => sound::card(&mut ctx, record),
            "hdaudio" => sound::codec(&mut ctx, record),
            "drm" => graphics::device(&mut ctx, record),
            "video4linux" => camera::device(&mut ctx, record),
            "bluetooth" => bluetooth::device(&mut ctx, record),
            "power_supply" => power::device(&mut ctx, record),
            "thermal" => sensors::thermal(&mut ctx, record),
            "hwmon" => sensors::hwmon(&mut ctx, record),
            "platform" | "acpi" => platform::device(&mut ctx, record),
            "virtio" => platform::virtio(&mut ctx, record),
            "sdio" => platform::sdio(&mut ctx, record),
            "tpm" => {
                tpm = tpm.or_else(|| {
                    Some(Tpm {
                        version: record.attr("tpm_version_major").map(|m| {
                            if m == "2" {
                                "2.0".into()
                            } else {
                                format!("{m}.x")
                            }
                        }),
                    })
                });
                None
            }
            "dmi" => {
                if dmi_system.is_none() {
                    dmi_system = record
                        .modalias()
                        .and_then(crate::smbios::system_from_dmi_modalias);
                }
                None
            }
            _ => None,
        };
        devices.extend(made);
    }
    opts.cancel.check()?;
    assign_parents(&mut devices);
    devices.sort_by(|a, b| (&a.bus, &a.path, &a.id).cmp(&(&b.bus, &b.path, &b.id)));
    let mut names: Vec<NameSource> = ctx
        .names_used
        .iter()
        .map(|db| match *db {
            "pci.ids" => opts
                .pci_ids
                .map(|f| f.source("pci.ids"))
                .unwrap_or_default(),
            "usb.ids" => opts
                .usb_ids
                .map(|f| f.source("usb.ids"))
                .unwrap_or_default(),
            other => NameSource {
                database: other.to_owned(),
                ..NameSource::default()
            },
        })
        .collect();
    names.sort();
    Ok(Built {
        devices,
        tpm,
        dmi_system,
        names,
        withholding: ctx.withholding,
        notes: ctx.notes,
    })
}

/// The longest name, driver or parent identity one device copies from another. Real ones are
/// under 100 bytes; without a bound, one long name in a hostile dump would be copied to every
/// device below it (the square of the input's size).
pub const MAX_INHERITED_BYTES: usize = 256;

/// A copy of `s`, cut to [`MAX_INHERITED_BYTES`] at a character boundary.
fn clip(s: &str) -> String {
    let mut end = s.len().min(MAX_INHERITED_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// For each path, the index of its nearest ancestor among `paths`: the longest other path that
/// is the path cut before one of its `/` (empty paths are nobody's ancestor; of equal paths, the
/// last stands for them all).
///
/// Linear in the paths' total length (plus a sort): trying every `/` prefix of a path in a
/// hash map would hash the path once per segment, the square of its length (a 256 KiB devpath
/// of `/a` segments took seconds). Sorted so that `/` comes before every other byte, the paths
/// below a path follow it in one block, so a stack of the current path's ancestors finds each
/// nearest ancestor, and each path is pushed and popped at most once.
pub(crate) fn nearest_ancestors(paths: &[&str]) -> Vec<Option<usize>> {
    fn key(b: u8) -> u16 {
        if b == b'/' {
            0
        } else {
            u16::from(b) + 1
        }
    }
    fn is_below(path: &str, above: &str) -> bool {
        path.as_bytes().get(above.len()) == Some(&b'/') && path.starts_with(above)
    }
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (paths[a].bytes().map(key), paths[b].bytes().map(key));
        pa.cmp(pb).then(a.cmp(&b))
    });
    let mut up = vec![None; paths.len()];
    let mut stack: Vec<usize> = Vec::new();
    for i in order {
        while stack
            .last()
            .is_some_and(|&top| !is_below(paths[i], paths[top]))
        {
            stack.pop();
        }
        up[i] = stack.last().copied();
        if !paths[i].is_empty() {
            stack.push(i);
        }
    }
    up
}

/// Sets each device's `parent` to the nearest device above it in the inventory, and gives function
/// devices without names of their own the names of the nearest named device above them. What is
/// copied is at most [`MAX_INHERITED_BYTES`] long (a longer parent identity is not copied).
fn assign_parents(devices: &mut [Device]) {
    let slashed: Vec<Option<String>> = devices
        .iter()
        .map(|d| d.path.as_deref().map(|p| format!("/{p}")))
        .collect();
    let paths: Vec<&str> = slashed.iter().map(|p| p.as_deref().unwrap_or("")).collect();
    let up = nearest_ancestors(&paths);
    let inherited: Vec<(Option<String>, Option<String>, Option<String>)> = devices
        .iter()
        .map(|d| {
            (
                (d.id.len() <= MAX_INHERITED_BYTES).then(|| d.id.clone()),
                d.vendor_name.as_deref().map(clip),
                d.device_name.as_deref().map(clip),
            )
        })
        .collect();
    for (i, d) in devices.iter_mut().enumerate() {
        if slashed[i].is_none() {
            continue;
        }
        if let (None, Some(p)) = (&d.parent, up[i]) {
            d.parent.clone_from(&inherited[p].0);
        }
        if !(inherits_names(&d.bus) && d.vendor_name.is_none() && d.device_name.is_none()) {
            continue;
        }
        let mut above = up[i];
        while let Some(p) = above {
            let (_, vendor, name) = &inherited[p];
            if vendor.is_some() || name.is_some() {
                d.vendor_name.clone_from(vendor);
                d.device_name.clone_from(name);
                break;
            }
            above = up[p];
        }
    }
}

/// Buses whose devices serve a piece of hardware above them and, when they have no names of
/// their own, are named after it (a `net` interface after its PCI card, an AC `power_supply`
/// after its ACPI adapter, the `nvme` hwmon after its disk).
fn inherits_names(bus: &str) -> bool {
    matches!(
        bus,
        "block"
            | "net"
            | "input"
            | "sound"
            | "drm"
            | "video4linux"
            | "bluetooth"
            | "virtio"
            | "power_supply"
            | "hwmon"
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn record(devpath: &str, props: &[(&str, &str)]) -> DeviceRecord {
        let mut r = DeviceRecord {
            devpath: devpath.to_owned(),
            ..DeviceRecord::default()
        };
        for (k, v) in props {
            r.properties.insert((*k).to_owned(), (*v).to_owned());
        }
        r
    }

    #[test]
    fn nearest_ancestors_skip_unrecorded_levels_and_siblings_with_longer_names() {
        let paths = [
            "/devices/pci0000:00/0000:00:1f.0",
            "/devices/pci0000:00",
            "/devices/pci0000:00/0000:00:1f.0-x/net/eth0",
            "/devices/pci0000:00/0000:00:1f.0/a/b/net/eth1",
            "",
            "/devices/pci0000:00/0000:00:1f.0",
            "/elsewhere",
        ];
        assert_eq!(
            nearest_ancestors(&paths),
            [Some(1), None, Some(1), Some(5), None, Some(1), None]
        );
    }

    /// Runs `work` on its own thread and fails when it has not finished within `limit`.
    pub(crate) fn finishes_within<T: Send + 'static>(
        limit: std::time::Duration,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(work()));
        rx.recv_timeout(limit)
            .unwrap_or_else(|_| panic!("not finished within {limit:?}: super-linear work"))
    }

    /// A 2 MiB devpath of a million segments: hashing each of its prefixes (the walk before
    /// this fix) hashes a terabyte, many minutes even in a release build (256 KiB took 12 s in
    /// a debug build); the sorted walk reads it a few times, well under a second.
    #[test]
    fn a_devpath_of_many_segments_costs_its_length() {
        let deep = format!("/devices/platform/eth{}/net/eth0", "/a".repeat(1 << 20));
        let records = vec![
            record(
                "/devices/platform/eth",
                &[("SUBSYSTEM", "platform"), ("DRIVER", "dwmac")],
            ),
            record(&deep, &[("SUBSYSTEM", "net"), ("INTERFACE", "eth0")]),
        ];
        let built = finishes_within(std::time::Duration::from_secs(10), move || {
            build(&records, BuildOptions::default())
        });
        let net = built.devices.iter().find(|d| d.bus == "net").unwrap();
        assert_eq!(net.driver.as_deref(), Some("dwmac"));
        assert_eq!(net.parent.as_deref(), Some("platform:eth"));
    }

    #[test]
    fn what_devices_copy_from_above_is_bounded() {
        let long = "x".repeat(1 << 20);
        let mut records = vec![record(
            "/devices/platform/eth",
            &[
                ("SUBSYSTEM", "platform"),
                ("DRIVER", &long),
                ("ID_MODEL_FROM_DATABASE", &long),
            ],
        )];
        for i in 0..200 {
            records.push(record(
                &format!("/devices/platform/eth/net/eth{i}"),
                &[("SUBSYSTEM", "net")],
            ));
        }
        let built = build(&records, BuildOptions::default());
        let nets: Vec<_> = built.devices.iter().filter(|d| d.bus == "net").collect();
        assert_eq!(nets.len(), 200);
        for d in nets {
            assert_eq!(d.driver.as_deref().map(str::len), Some(MAX_INHERITED_BYTES));
        }
    }

    #[test]
    fn a_record_lists_a_bounded_number_of_private_values_and_scrubs_them_all() {
        let serials: Vec<(String, String)> = (0..5_000)
            .map(|i| (format!("ID_SERIAL_{i}"), format!("SECRET{i:05}")))
            .collect();
        let props: Vec<(&str, &str)> = [("SUBSYSTEM", "platform"), ("DRIVER", "dwmac")]
            .into_iter()
            .chain(serials.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .collect();
        let records = [record(&format!("/devices/{}", "p".repeat(4096)), &props)];
        let built = build(&records, BuildOptions::default());
        let entries = built.withholding.entries();
        assert_eq!(entries.len(), MAX_WITHHELD_LISTED + 1, "{entries:?}");
        assert!(entries
            .iter()
            .any(|e| e.location.ends_with(" (4968 more private values)")));
        let scrubber = built.withholding.scrubber();
        assert!(serials.iter().all(|(_, v)| scrubber.leaks(v)));
    }
}
