//! Offline imports: inventories from what other tools print, for `mxcert probe --from FILE` and the
//! registry's `POST /api/v1/check`.
//!
//! | format | what it is | what it gives |
//! |---|---|---|
//! | [`Format::Udevadm`] | `udevadm info --export-db` | every device the dump lists, as [`crate::devices`] classifies them; the system identity from the `dmi` record |
//! | [`Format::Umockdev`] | a umockdev recording (`umockdev-record`) | the same, with the sysfs attributes the recording carries |
//! | [`Format::Lspci`] | `lspci -nn`, `-nnk` (drivers, modules), `-nnv`/`-nnvv` | PCI devices with ids, class, subsystem, driver; names from the text |
//! | [`Format::Lsusb`] | `lsusb`, `lsusb -v` (classes) | USB devices with ids and names from the text; categories from the classes `-v` prints, else from the name |
//! | [`Format::Inventory`] | `mxcert probe --format json` | the inventory itself, checked |
//! | [`Format::Report`] | an mxcert report | its inventory sections |
//!
//! [`import`] detects the format ([`detect`]) and says which line it could not place when it
//! recognises none. Every importer takes untrusted bytes: it never panics, and a file it cannot use
//! is an [`ImportError`] naming the line. Lines a format does not know inside an otherwise good dump
//! are skipped and listed in `probe.notes`. Private values (serials, UUIDs, MACs) are withheld and
//! scrubbed as in a live probe. Bytes in, inventory out: no file, clock or network access (the
//! caller passes the time and the name databases).

mod json;
mod lspci;
mod lsusb;
mod messages;
mod udevadm;
mod umockdev;

use chrono::{DateTime, Utc};

use crate::cancel::{Cancel, Cancelled};
use crate::devices::{self, BuildOptions, DeviceRecord, NamesFile};
use crate::inventory::{
    Firmware, Hardware, Inventory, NameSource, Os, ProbeInfo, System, INVENTORY_SCHEMA_VERSION,
};
use crate::modalias::ModuleAliases;
use crate::privacy::Withholding;
use crate::report::Tool;

/// The input formats [`import`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Udevadm,
    Umockdev,
    Lspci,
    Lsusb,
    Inventory,
    Report,
}

impl Format {
    /// The name recorded in `probe.source`: `udevadm`, `umockdev`, `lspci`, `lsusb`, `inventory`,
    /// `report`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Udevadm => "udevadm",
            Format::Umockdev => "umockdev",
            Format::Lspci => "lspci",
            Format::Lsusb => "lsusb",
            Format::Inventory => "inventory",
            Format::Report => "report",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an input could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// No format matched; `line` is the first line that could not be placed.
    #[error("line {line}: not a format mxcert can import: {found}; expected `udevadm info --export-db` output (records starting `P: /devices/...`), a umockdev recording, `lspci -nn` or `lsusb` output, or an mxcert inventory or report (JSON)")]
    Unrecognised { line: usize, found: String },
    /// The format was recognised but the content is unusable.
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
    #[error("the input is empty")]
    Empty,
    /// An inventory or report that does not parse or validate.
    #[error(transparent)]
    Json(#[from] crate::FormatError),
    /// The caller said stop ([`ImportOptions::cancel`]).
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
}

impl ImportError {
    /// The line the error is about, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ImportError::Unrecognised { line, .. } | ImportError::Invalid { line, .. } => {
                Some(*line)
            }
            ImportError::Json(crate::FormatError::Invalid { line, .. }) => Some(*line),
            _ => None,
        }
    }
}

/// What an import may use besides the input.
#[derive(Debug, Clone)]
pub struct ImportOptions<'a> {
    /// Recorded as the inventory's `created_at` (inventories and reports keep their own).
    pub created_at: DateTime<Utc>,
    /// Recorded as the inventory's `tool`.
    pub tool: Tool,
    /// `pci.ids`, for names the input lacks and to split `lspci`'s "vendor device" text.
    pub pci_ids: Option<&'a NamesFile>,
    /// `usb.ids`, likewise for USB.
    pub usb_ids: Option<&'a NamesFile>,
    pub module_aliases: Option<&'a ModuleAliases>,
    /// The caller's "stop now?": the import asks it every [`crate::cancel::BATCH`] lines or
    /// records and stops with [`ImportError::Cancelled`] once it says yes.
    pub cancel: Cancel<'a>,
}

impl<'a> ImportOptions<'a> {
    /// Options without name databases.
    pub fn new(created_at: DateTime<Utc>, tool: Tool) -> ImportOptions<'a> {
        ImportOptions {
            created_at,
            tool,
            pci_ids: None,
            usb_ids: None,
            module_aliases: None,
            cancel: Cancel::default(),
        }
    }

    fn build(&self) -> BuildOptions<'a> {
        BuildOptions {
            pci_ids: self.pci_ids,
            usb_ids: self.usb_ids,
            module_aliases: self.module_aliases,
            cancel: self.cancel,
        }
    }
}

/// An imported inventory and the format it came from.
#[derive(Debug, Clone)]
pub struct Imported {
    pub format: Format,
    pub inventory: Inventory,
}

/// Cuts a UTF-8 byte-order mark and decodes as UTF-8, replacing invalid bytes.
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    String::from_utf8_lossy(bytes)
}

/// A line shown in a message: at most 60 characters, control characters escaped.
pub(crate) fn shown(line: &str) -> String {
    let mut s: String = line.chars().take(60).flat_map(char::escape_debug).collect();
    if line.chars().count() > 60 {
        s.push('…');
    }
    format!("`{s}`")
}

/// Recognises the format of an input from its first meaningful line: not blank, not a `#`
/// comment, and not a message of `lspci` or `lsusb` itself (a capture made with `2>&1` may begin
/// with one, see [`messages`]).
pub fn detect(bytes: &[u8]) -> Result<Format, ImportError> {
    let text = text(bytes);
    let mut first_message = None;
    let first = text.lines().enumerate().find(|(i, l)| {
        if messages::is_message_line(l) {
            first_message.get_or_insert((*i, *l));
            return false;
        }
        !l.trim().is_empty() && !l.starts_with('#')
    });
    // Nothing but the tools' messages: name the first of them.
    let Some((index, line)) = first.or(first_message) else {
        return Err(ImportError::Empty);
    };
    let trimmed = line.trim_start();
    if trimmed.starts_with('{') {
        return Ok(json::kind(bytes));
    }
    if line.starts_with("P: ") {
        return Ok(if umockdev::looks_like(&text) {
            Format::Umockdev
        } else {
            Format::Udevadm
        });
    }
    if lspci::is_device_line(line) {
        return Ok(Format::Lspci);
    }
    if lsusb::is_device_line(line) {
        return Ok(Format::Lsusb);
    }
    Err(ImportError::Unrecognised {
        line: index + 1,
        found: shown(line),
    })
}

/// The device records of a udevadm dump or umockdev recording (other formats have none).
pub fn records(bytes: &[u8], format: Format) -> Result<Parsed, ImportError> {
    records_until(bytes, format, Cancel::default())
}

/// [`records`], stopping when the caller sets `cancel`.
pub fn records_until(
    bytes: &[u8],
    format: Format,
    cancel: Cancel<'_>,
) -> Result<Parsed, ImportError> {
    let text = text(bytes);
    match format {
        Format::Udevadm => udevadm::parse(&text, cancel),
        Format::Umockdev => umockdev::parse(&text, cancel),
        other => Err(ImportError::Invalid {
            line: 1,
            message: format!("{other} input has no udev device records"),
        }),
    }
}

/// Records parsed from a dump, with the lines that were skipped.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub records: Vec<DeviceRecord>,
    pub notes: Vec<String>,
}

/// Imports an input of any supported format (see the module documentation).
pub fn import(bytes: &[u8], opts: &ImportOptions<'_>) -> Result<Imported, ImportError> {
    import_as(bytes, detect(bytes)?, opts)
}

/// Imports an input as the given format, without detection (for callers that know it, such as an
/// HTTP body with a declared type, and for the fuzz targets).
pub fn import_as(
    bytes: &[u8],
    format: Format,
    opts: &ImportOptions<'_>,
) -> Result<Imported, ImportError> {
    let inventory = match format {
        Format::Udevadm | Format::Umockdev => {
            let parsed = records_until(bytes, format, opts.cancel)?;
            from_records(&parsed, format, opts)?
        }
        Format::Lspci => lspci::import(&text(bytes), opts)?,
        Format::Lsusb => lsusb::import(&text(bytes), opts)?,
        Format::Inventory | Format::Report => json::import(bytes, format)?,
    };
    Ok(Imported { format, inventory })
}

/// An inventory from parsed records: devices as [`devices::build`] makes them, the system from the
/// dump's `dmi` record.
pub fn from_records(
    parsed: &Parsed,
    format: Format,
    opts: &ImportOptions<'_>,
) -> Result<Inventory, ImportError> {
    let built = devices::try_build(&parsed.records, opts.build())?;
    opts.cancel.check()?;
    let mut notes = parsed.notes.clone();
    notes.extend(built.notes);
    if built.dmi_system.is_some() {
        notes.push(
            "system identity from the dmi modalias (the kernel strips spaces from it)".into(),
        );
    }
    let hardware = Hardware {
        firmware: built.tpm.map(|tpm| Firmware {
            tpm: Some(tpm),
            ..Firmware::default()
        }),
        ..Hardware::default()
    };
    let found = Found {
        system: built.dmi_system.unwrap_or_default(),
        hardware,
        devices: built.devices,
        names: built.names,
        notes,
    };
    Ok(inventory(format, opts, found, &built.withholding))
}

/// What an importer found.
#[derive(Debug, Default)]
struct Found {
    system: System,
    hardware: Hardware,
    devices: Vec<crate::inventory::Device>,
    names: Vec<NameSource>,
    notes: Vec<String>,
}

/// The inventory of an import, scrubbed: withheld values and MAC/UUID-shaped text never leave.
/// Imports know no OS and no machine id.
fn inventory(
    format: Format,
    opts: &ImportOptions<'_>,
    found: Found,
    withholding: &Withholding,
) -> Inventory {
    let mut inventory = Inventory {
        schema_version: INVENTORY_SCHEMA_VERSION,
        created_at: opts.created_at,
        tool: opts.tool.clone(),
        machine_id: None,
        system: found.system,
        os: Os::default(),
        hardware: found.hardware,
        devices: found.devices,
        probe: ProbeInfo {
            source: Some(format.as_str().into()),
            names: found.names,
            notes: found.notes,
            withheld: Vec::new(),
        },
    };
    withholding.scrub(&mut inventory);
    inventory
}

/// The inventory of a text format (lspci, lsusb): devices with names from the text.
fn text_inventory(
    format: Format,
    opts: &ImportOptions<'_>,
    devices: Vec<crate::inventory::Device>,
    notes: Vec<String>,
    withholding: &Withholding,
) -> Inventory {
    let names = vec![NameSource {
        database: "text".into(),
        ..NameSource::default()
    }];
    let found = Found {
        devices,
        names,
        notes,
        ..Found::default()
    };
    inventory(format, opts, found, withholding)
}

/// Splits `"Intel Corporation TigerLake-LP GT2"` into vendor and device with a names database's
/// vendor name; without one (or when the text does not start with it) the whole text is the
/// device name.
fn split_names(text: &str, vendor_name: Option<&str>) -> (Option<String>, Option<String>) {
    let text = text.trim();
    if text.is_empty() {
        return (None, None);
    }
    if let Some(v) = vendor_name {
        if let Some(rest) = text.strip_prefix(v) {
            if rest.is_empty() || rest.starts_with(' ') {
                let rest = rest.trim();
                return (
                    Some(v.to_owned()),
                    (!rest.is_empty()).then(|| rest.to_owned()),
                );
            }
        }
    }
    (None, Some(text.to_owned()))
}

/// Counts lines a dump format does not know; too many means the input is not that format.
#[derive(Debug, Default)]
pub(crate) struct Skipped {
    lines: Vec<(usize, String)>,
    total: usize,
}

impl Skipped {
    pub fn add(&mut self, line: usize, text: &str, why: &str) {
        self.total += 1;
        if self.lines.len() < 5 {
            self.lines.push((line, format!("{why} {}", shown(text))));
        }
    }

    /// An error when more than a tenth of the lines (and more than 20) were skipped; otherwise
    /// notes naming the first few.
    pub fn finish(self, line_count: usize, notes: &mut Vec<String>) -> Result<(), ImportError> {
        if self.total > 20 && self.total * 10 > line_count {
            let (line, message) = self.lines.into_iter().next().unwrap_or_default();
            return Err(ImportError::Invalid {
                line,
                message: format!(
                    "{message} ({} of {line_count} lines could not be read)",
                    self.total
                ),
            });
        }
        for (line, message) in &self.lines {
            notes.push(format!("line {line}: skipped {message}"));
        }
        if self.total > self.lines.len() {
            notes.push(format!(
                "{} more unreadable lines skipped",
                self.total - self.lines.len()
            ));
        }
        Ok(())
    }
}

/// Options for tests: the epoch and a test tool.
#[cfg(test)]
pub(crate) fn test_options() -> ImportOptions<'static> {
    use chrono::TimeZone;
    ImportOptions::new(
        chrono::Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
        crate::tool("mxcert", "test"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format_and_names_the_line_it_cannot_place() {
        let cases: [(&[u8], Format); 7] = [
            (b"P: /devices/pci0000:00\nE: SUBSYSTEM=pci\n", Format::Udevadm),
            (b"P: /devices/platform/i8042\nE: DRIVER=i8042\nA: modalias=platform:i8042\n", Format::Umockdev),
            (b"00:02.0 VGA compatible controller [0300]: Intel Corporation Device [8086:9a49] (rev 01)\n", Format::Lspci),
            (b"0000:00:02.0 VGA compatible controller [0300]: Intel [8086:9a49]\n", Format::Lspci),
            (b"Bus 001 Device 002: ID 8087:0026 Intel Corp. AX201 Bluetooth\n", Format::Lsusb),
            (b"\xef\xbb\xbf\n{\"schema_version\": 1}", Format::Inventory),
            (b"{\"report_id\": \"x\"}", Format::Report),
        ];
        for (input, want) in cases {
            assert_eq!(
                detect(input).unwrap(),
                want,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        let err = detect(b"\n\nhello world\nP: /devices\n").unwrap_err();
        assert_eq!(err.line(), Some(3));
        assert!(
            err.to_string()
                .starts_with("line 3: not a format mxcert can import: `hello world`"),
            "{err}"
        );
        assert_eq!(detect(b"  \n\n").unwrap_err(), ImportError::Empty);
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n\0\0").unwrap_err().line(),
            Some(1)
        );
    }

    #[test]
    fn splits_names_with_a_vendor() {
        assert_eq!(
            split_names("Intel Corporation Device 0d57", Some("Intel Corporation")),
            (Some("Intel Corporation".into()), Some("Device 0d57".into()))
        );
        assert_eq!(
            split_names("Intel Corporation Device", None),
            (None, Some("Intel Corporation Device".into()))
        );
        assert_eq!(
            split_names("Intelligent", Some("Intel")),
            (None, Some("Intelligent".into()))
        );
    }
}

#[cfg(test)]
mod cancel_tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A dump of `n` network interfaces under one PCI card.
    fn dump(n: usize) -> String {
        let mut s = String::from(
            "P: /devices/pci0000:00/0000:00:1f.6\nE: SUBSYSTEM=pci\nE: DRIVER=e1000e\n\n",
        );
        for i in 0..n {
            s.push_str(&format!(
                "P: /devices/pci0000:00/0000:00:1f.6/net/eth{i}\nE: SUBSYSTEM=net\nE: INTERFACE=eth{i}\n\n"
            ));
        }
        s
    }

    /// Imports `text`, answering "stop" from the `stop_at`th question on; returns the result and
    /// how many questions were asked.
    fn import_stopping_at(text: &str, stop_at: usize) -> (Result<Imported, ImportError>, usize) {
        let asked = AtomicUsize::new(0);
        let stop = || asked.fetch_add(1, Ordering::Relaxed) + 1 >= stop_at;
        let opts = ImportOptions {
            cancel: Cancel::when(&stop),
            ..test_options()
        };
        let result = import(text.as_bytes(), &opts);
        (result, asked.load(Ordering::Relaxed))
    }

    #[test]
    fn a_cancelled_import_stops_at_the_next_batch_whatever_its_phase() {
        let text = dump(2_000);
        let (whole, asked) = import_stopping_at(&text, usize::MAX);
        assert_eq!(whole.unwrap().inventory.devices.len(), 2_000);
        // 8,004 lines and 2,001 records: the parser and the builder both ask, every batch.
        let lines = text.lines().count();
        assert!(
            asked >= lines / crate::cancel::BATCH + 2_001 / crate::cancel::BATCH,
            "{asked}"
        );
        for stop_at in [1, 2, asked / 2, asked - 1, asked] {
            let (result, asked_then) = import_stopping_at(&text, stop_at);
            assert_eq!(
                result.unwrap_err(),
                ImportError::Cancelled(Cancelled),
                "stop at {stop_at}"
            );
            assert_eq!(asked_then, stop_at, "nothing more is done after a stop");
        }
    }

    #[test]
    fn text_formats_stop_too() {
        let mut lspci = String::new();
        for i in 0..1_000 {
            lspci.push_str(&format!(
                "00:{:02x}.{} Ethernet controller [0200]: Intel Corporation Device [8086:15fa]\n",
                i % 32,
                i % 8
            ));
        }
        let (result, asked) = import_stopping_at(&lspci, 2);
        assert_eq!(result.unwrap_err(), ImportError::Cancelled(Cancelled));
        assert_eq!(asked, 2);
    }
}
