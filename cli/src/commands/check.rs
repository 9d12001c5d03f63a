//! `mxcert check`: does this machine work with MxOS? Probes this machine (or reads `--from FILE`:
//! a probe, report, `udevadm info --export-db`, `lspci -nn` or `lsusb` output), asks the registry's
//! `POST /api/v1/check` (no token needed), and prints each device with its names, its status
//! (`certified`, `works`, `problem`, `seen`, `unknown`) and in how many system models it was
//! seen, then the certified systems that match this machine. `--format json` prints the registry's
//! answer as it came, for scripts. With `--offline`, the answer comes from a signed snapshot of the
//! registry's public data instead ([`snapshot::load`]), computed with the registry's own rules
//! (`mxcert_core::check`): the same JSON, the same table.
//!
//! The table is in Spanish when the locale is Spanish (`LC_ALL`, else `LC_MESSAGES`, else `LANG`
//! starting with `es`), in English otherwise. Exit codes: 0 with an answer (whatever it says),
//! 3 when `--from` cannot be read, 4 when the registry cannot be reached or refuses, 5 when this
//! machine cannot be probed; with `--offline`, 1 when the snapshot is refused (see
//! [`snapshot`]). This module only talks to the registry through [`Client`] or reads the snapshot,
//! and renders; it decides nothing about compatibility.

use std::fmt::Write as _;

use mxcert_core::check::{InputFormat, Machine};
use mxcert_core::devices::NamesFile;
use mxcert_core::dsse::{Envelope, REPORT_PAYLOAD_TYPE};
use mxcert_core::ids::IdsDatabase;
use mxcert_core::import::{Format, ImportOptions};
use serde::Deserialize;

use crate::args::{CheckArgs, TableOrJson};
use crate::client::Client;
use crate::commands::snapshot;
use crate::error::{CliError, Result};
use crate::{exit, output, probe};

/// The language of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    /// From the locale variables, in POSIX precedence: the first of `LC_ALL`, `LC_MESSAGES`,
    /// `LANG` that is set and not empty decides.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(&get)
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        if locale.starts_with("es") {
            Lang::Es
        } else {
            Lang::En
        }
    }
}

/// The parts of the registry's answer the table shows (unknown fields are ignored, so a newer
/// registry still works).
#[derive(Debug, Clone, Deserialize)]
pub struct Answer {
    pub system: System,
    pub model_certified: bool,
    pub summary: Summary,
    pub devices: Vec<Device>,
    pub certified_systems: Matching,
}

#[derive(Debug, Clone, Deserialize)]
pub struct System {
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub category: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Summary {
    pub devices: usize,
    pub certified: usize,
    pub works: usize,
    pub problem: usize,
    pub seen: usize,
    pub unknown: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Device {
    pub identity: String,
    pub vendor_name: Option<String>,
    pub device_name: Option<String>,
    pub driver: Option<String>,
    #[serde(default)]
    pub driver_missing: bool,
    pub status: String,
    pub systems: i64,
    /// Community reports (machines where people say it works / has problems); absent from
    /// registries older than community reports.
    #[serde(default)]
    pub community: Option<CommunityCount>,
}

/// Machines whose person says a device works or does not (community reports).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct CommunityCount {
    pub works: i64,
    pub problems: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Matching {
    pub exact: Vec<CertifiedSystem>,
    pub same_board: Vec<CertifiedSystem>,
    pub same_family: Vec<CertifiedSystem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CertifiedSystem {
    pub certificate_id: String,
    pub vendor: String,
    pub model: String,
    pub mxos_release: String,
}

fn category_word(category: &str, lang: Lang) -> &str {
    match (lang, category) {
        (Lang::Es, "desktop") => "escritorio",
        (Lang::Es, "server") => "servidor",
        (Lang::Es, "tablet") => "tableta",
        (Lang::Es, "embedded") => "embebido",
        (Lang::Es, "other") => "otro",
        (_, other) => other,
    }
}

fn status_word(status: &str, lang: Lang) -> &str {
    match (lang, status) {
        (Lang::Es, "certified") => "certificado",
        (Lang::Es, "works") => "funciona",
        (Lang::Es, "problem") => "problema",
        (Lang::Es, "seen") => "visto",
        (Lang::Es, "unknown") => "desconocido",
        (_, other) => other,
    }
}

struct Text {
    system: &'static str,
    unidentified: &'static str,
    model_certified: &'static str,
    model_not_certified: &'static str,
    devices: &'static str,
    header: [&'static str; 5],
    no_driver: &'static str,
    unnamed: &'static str,
    same_board: &'static str,
    same_family: &'static str,
    legend: &'static str,
}

const ES: Text = Text {
    system: "Equipo",
    unidentified: "sin identificar (el equipo no reporta fabricante ni modelo)",
    model_certified: "Este modelo está certificado para MxOS",
    model_not_certified: "Este modelo no tiene certificado vigente",
    devices: "Dispositivos",
    header: ["ESTADO", "DISPOSITIVO", "NOMBRE", "SISTEMAS", "COMUNIDAD"],
    no_driver: "sin controlador",
    unnamed: "(sin nombre)",
    same_board: "Certificados con la misma tarjeta madre",
    same_family: "Certificados de la misma familia",
    legend: "certificado: en un equipo certificado · funciona: sus pruebas pasaron · problema: falló o no tuvo controlador · visto: reportado sin más datos\ncomunidad: equipos de personas donde funciona/tiene problemas (reportes de la comunidad, no certificación)",
};

const EN: Text = Text {
    system: "System",
    unidentified: "unidentified (no vendor or model reported)",
    model_certified: "This model is certified for MxOS",
    model_not_certified: "This model has no valid certificate",
    devices: "Devices",
    header: ["STATUS", "DEVICE", "NAME", "SYSTEMS", "COMMUNITY"],
    no_driver: "no driver",
    unnamed: "(unnamed)",
    same_board: "Certified with the same board",
    same_family: "Certified in the same family",
    legend: "certified: in a certified system · works: its tests passed · problem: failed or no driver bound · seen: reported, nothing more known\ncommunity: people's machines where it works/has problems (community reports, not certification)",
};

fn certified_list(out: &mut String, title: &str, list: &[CertifiedSystem]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    for s in list {
        let _ = writeln!(
            out,
            "  {}  {} {}  (MxOS {})",
            s.certificate_id, s.vendor, s.model, s.mxos_release
        );
    }
}

/// The table for an answer.
pub fn table(a: &Answer, lang: Lang) -> String {
    let t = match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    };
    let mut out = String::new();
    let system = match (&a.system.vendor, &a.system.model) {
        (Some(v), Some(m)) => format!("{v} {m} ({})", category_word(&a.system.category, lang)),
        (Some(v), None) => v.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => t.unidentified.to_owned(),
    };
    let _ = writeln!(out, "{}: {system}", t.system);
    if a.model_certified {
        let _ = writeln!(out, "{}:", t.model_certified);
        for s in &a.certified_systems.exact {
            let _ = writeln!(out, "  {}  MxOS {}", s.certificate_id, s.mxos_release);
        }
    } else if a.system.vendor.is_some() && a.system.model.is_some() {
        let _ = writeln!(out, "{}.", t.model_not_certified);
    }
    let s = &a.summary;
    let _ = writeln!(
        out,
        "{}: {} — {} {}, {} {}, {} {}, {} {}, {} {}\n",
        t.devices,
        s.devices,
        s.certified,
        status_word("certified", lang),
        s.works,
        status_word("works", lang),
        s.problem,
        status_word("problem", lang),
        s.seen,
        status_word("seen", lang),
        s.unknown,
        status_word("unknown", lang),
    );
    let rows: Vec<[String; 5]> = a
        .devices
        .iter()
        .map(|d| {
            let mut name = match (&d.vendor_name, &d.device_name) {
                (Some(v), Some(n)) => format!("{v} {n}"),
                (Some(v), None) => v.clone(),
                (None, Some(n)) => n.clone(),
                (None, None) => t.unnamed.to_owned(),
            };
            if d.driver_missing {
                let _ = write!(name, " [{}]", t.no_driver);
            } else if let Some(drv) = &d.driver {
                let _ = write!(name, " [{drv}]");
            }
            [
                status_word(&d.status, lang).to_owned(),
                d.identity.clone(),
                name,
                d.systems.to_string(),
                d.community
                    .filter(|c| c.works + c.problems > 0)
                    .map_or_else(|| "-".to_owned(), |c| format!("{}/{}", c.works, c.problems)),
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([t.header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w4) = (width(0), width(1), width(4));
    let _ = writeln!(
        out,
        "{:<w0$}  {:<w1$}  {}  {:<w4$}  {}",
        t.header[0], t.header[1], t.header[3], t.header[4], t.header[2]
    );
    let w3 = t.header[3].chars().count();
    for r in &rows {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:>w3$}  {:<w4$}  {}",
            r[0], r[1], r[3], r[4], r[2]
        );
    }
    out.push('\n');
    let m = &a.certified_systems;
    certified_list(&mut out, t.same_board, &m.same_board);
    certified_list(&mut out, t.same_family, &m.same_family);
    let _ = writeln!(out, "{}", t.legend);
    out
}

/// The content type the registry should read a `--from` file as.
fn content_type(bytes: &[u8]) -> &'static str {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

/// Where `pci.ids` and `usb.ids` are (the registry names `--from` devices with the same files).
const PCI_IDS: &[&str] = &["/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids"];
const USB_IDS: &[&str] = &["/usr/share/hwdata/usb.ids", "/usr/share/misc/usb.ids"];

fn names_file(paths: &[&str]) -> Option<NamesFile> {
    paths.iter().find_map(|path| {
        let bytes = std::fs::read(path).ok()?;
        Some(NamesFile {
            db: IdsDatabase::parse(&bytes),
            file: Some((*path).to_owned()),
        })
    })
}

/// This machine, or the `--from` file, as the registry would read it, for an offline check.
fn machine_offline(args: &CheckArgs) -> Result<Machine> {
    let Some(path) = &args.from else {
        let inventory = probe::probe_live().map_err(|e| CliError::Environment(e.to_string()))?;
        return Ok(Machine::from_inventory(InputFormat::Inventory, inventory));
    };
    let bytes = output::read_input(path)?;
    let (pci, usb) = (names_file(PCI_IDS), names_file(USB_IDS));
    let mut opts = ImportOptions::new(
        chrono::Utc::now(),
        mxcert_core::tool("mxcert", env!("CARGO_PKG_VERSION")),
    );
    opts.pci_ids = pci.as_ref();
    opts.usb_ids = usb.as_ref();
    // A signed report is read as its report (the signature is not checked: a check trusts
    // nothing in it), as the registry does.
    if let Ok(env) = Envelope::from_json(&bytes) {
        if env.payload_type != REPORT_PAYLOAD_TYPE {
            return Err(CliError::parse(
                path,
                format!(
                    "signed document of type {:?}; a check takes a signed report ({REPORT_PAYLOAD_TYPE})",
                    env.payload_type
                ),
            ));
        }
        let payload = env
            .payload_unverified()
            .map_err(|e| CliError::parse(path, format!("signed report: {e}")))?;
        let imported = mxcert_core::import::import_as(&payload, Format::Report, &opts)
            .map_err(|e| CliError::parse(path, format!("signed report: {e}")))?;
        return Ok(Machine::from_inventory(
            InputFormat::SignedReport,
            imported.inventory,
        ));
    }
    let imported =
        mxcert_core::import::import(&bytes, &opts).map_err(|e| CliError::parse(path, e))?;
    Ok(Machine::from_inventory(
        imported.format.into(),
        imported.inventory,
    ))
}

/// The answer, as JSON: the registry's, or from the snapshot with `--offline`.
fn answer(args: &CheckArgs) -> Result<serde_json::Value> {
    if args.offline {
        let now = chrono::Utc::now();
        let loaded = snapshot::load(args.snapshot.as_deref(), args.registry_key.as_deref(), now)?;
        let machine = machine_offline(args)?;
        let answer = loaded.index.check(&machine, now);
        return serde_json::to_value(&answer)
            .map_err(|e| CliError::Environment(format!("failed to render the answer: {e}")));
    }
    let client = Client::public(&crate::args::PublicRegistryArgs {
        registry: args.registry.clone(),
    })?;
    let (content_type, body) = match &args.from {
        Some(path) => {
            let bytes = output::read_input(path)?;
            (content_type(&bytes), bytes)
        }
        None => {
            let inventory =
                probe::probe_live().map_err(|e| CliError::Environment(e.to_string()))?;
            (
                "application/json",
                mxcert_core::format::to_json_pretty(&inventory),
            )
        }
    };
    client.post_bytes("/api/v1/check", content_type, body)
}

pub fn check(args: &CheckArgs) -> Result<u8> {
    let answer = answer(args)?;
    let bytes = match args.format {
        TableOrJson::Json => mxcert_core::format::to_json_pretty(&answer),
        TableOrJson::Table => {
            let parsed: Answer = serde_json::from_value(answer).map_err(|e| {
                CliError::Registry(format!(
                    "unexpected answer from {}/api/v1/check: {e}",
                    args.registry
                        .as_deref()
                        .unwrap_or("the registry")
                        .trim_end_matches('/')
                ))
            })?;
            table(&parsed, Lang::from_env(|k| std::env::var(k).ok())).into_bytes()
        }
    };
    output::write_stdout(&bytes)?;
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_picks_the_language_in_posix_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Lang::from_env(env(&[("LANG", "es_MX.UTF-8")])), Lang::Es);
        assert_eq!(Lang::from_env(env(&[("LANG", "en_US.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_env(env(&[])), Lang::En);
        assert_eq!(
            Lang::from_env(env(&[("LC_ALL", "C"), ("LANG", "es_MX.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_env(env(&[
                ("LC_ALL", ""),
                ("LC_MESSAGES", "es_ES"),
                ("LANG", "C")
            ])),
            Lang::Es
        );
    }

    fn answer() -> Answer {
        serde_json::from_value(serde_json::json!({
            "format": "inventory",
            "system": {"vendor": "LENOVO", "model": "21HM", "category": "laptop"},
            "model_certified": true,
            "summary": {"devices": 3, "certified": 1, "works": 0, "problem": 1, "seen": 0, "unknown": 1},
            "devices": [
                {"identity": "pci:8086:a7a1:17aa:22e4", "vendor_name": "Intel Corporation",
                 "device_name": "Raptor Lake-P [Iris Xe Graphics]", "driver": "i915",
                 "driver_missing": false, "status": "certified", "systems": 12,
                 "community": {"works": 41, "problems": 2}},
                {"identity": "usb:06cb:00fc", "vendor_name": "Synaptics, Inc.", "device_name": null,
                 "driver": null, "driver_missing": true, "status": "problem", "systems": 3},
                {"identity": "usb:ffff:0001", "vendor_name": null, "device_name": null,
                 "driver": "usbhid", "driver_missing": false, "status": "unknown", "systems": 0}
            ],
            "certified_systems": {
                "exact": [{"certificate_id": "MX-2026-000001", "vendor": "LENOVO", "model": "21HM",
                           "mxos_release": "1.0"}],
                "same_board": [],
                "same_family": [{"certificate_id": "MX-2026-000007", "vendor": "LENOVO",
                                 "model": "21HK", "mxos_release": "1.0"}]
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_table_in_english() {
        insta::assert_snapshot!("check_table_en", table(&answer(), Lang::En));
    }

    #[test]
    fn the_table_in_spanish() {
        let t = table(&answer(), Lang::Es);
        assert!(t.contains("Este modelo está certificado para MxOS"));
        assert!(t.contains("problema "));
        assert!(t.contains("[sin controlador]"));
        insta::assert_snapshot!("check_table_es", t);
    }

    #[test]
    fn files_are_sent_as_json_or_text() {
        assert_eq!(content_type(b"  {\"a\": 1}"), "application/json");
        assert_eq!(
            content_type(b"00:00.0 Host bridge"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(content_type(b""), "text/plain; charset=utf-8");
    }
}
