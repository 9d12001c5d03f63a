//! `udevadm info --export-db`: one record per device, separated by blank lines. Each line is a
//! one-letter prefix, `:`, and a value: `P:` device path, `E:` property `KEY=VALUE`, `U:`
//! subsystem, `T:` devtype, `V:` driver (newer udev), and `N:`, `S:`, `L:`, `M:`, `R:`, `D:`, `I:`,
//! `Q:`, `G:` which mxcert does not need. A property's name may be any printable text: besides
//! udev's upper-case names, rules import the kernel command line as they find it (`E:
//! net.ifnames=0`, `E: rd.luks=0`). Some real dumps carry `KEY=VALUE` lines without their `E:`;
//! they are read as properties (upper-case names only, so that stray text is not taken for one)
//! and noted.

use crate::cancel::Cancel;
use crate::devices::DeviceRecord;

use super::{ImportError, Parsed, Skipped};

/// A line `X: value` (or `X:` alone): the prefix letter and the value.
pub(super) fn split_prefix(line: &str) -> Option<(char, &str)> {
    let mut chars = line.chars();
    let c = chars.next()?;
    if !c.is_ascii_uppercase() || chars.next()? != ':' {
        return None;
    }
    let rest = &line[2..];
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some((c, rest.trim_start_matches(' ')))
}

/// The `KEY=VALUE` of an `E:` line: a property whose name is any printable text.
pub(super) fn property(text: &str) -> Option<(&str, &str)> {
    let (k, v) = text.split_once('=')?;
    let ok = !k.trim().is_empty() && !k.chars().any(char::is_control);
    ok.then_some((k, v))
}

/// `KEY=VALUE` on a line without `E:`: a property only with an upper-case udev name.
fn bare_property(text: &str) -> Option<(&str, &str)> {
    let (k, v) = text.split_once('=')?;
    let ok = !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some((k, v))
}

/// Applies a property to a record (also setting subsystem, devtype and driver).
pub(super) fn set_property(r: &mut DeviceRecord, key: &str, value: &str) {
    match key {
        "SUBSYSTEM" if r.subsystem.is_none() => r.subsystem = Some(value.to_owned()),
        "DEVTYPE" if r.devtype.is_none() => r.devtype = Some(value.to_owned()),
        "DRIVER" if r.driver.is_none() && !value.is_empty() => r.driver = Some(value.to_owned()),
        _ => {}
    }
    r.properties.insert(key.to_owned(), value.to_owned());
}

/// The record layout both dump formats share: records separated by blank lines, each starting
/// with `P: /devpath`, with `E: KEY=VALUE` properties; `#` lines are comments. Every other
/// `X: value` line of a record goes to `prefixed` (which returns why it could not use it), every line without a prefix to `bare`
/// (which returns whether it used it). Unusable lines are skipped and noted, or make the whole
/// input an error when there are too many of them ([`Skipped`]).
pub(super) fn parse_records(
    text: &str,
    cancel: Cancel<'_>,
    mut prefixed: impl FnMut(&mut DeviceRecord, char, &str) -> Result<(), &'static str>,
    mut bare: impl FnMut(&mut DeviceRecord, &str, usize) -> bool,
) -> Result<Parsed, ImportError> {
    let mut parsed = Parsed::default();
    let mut skipped = Skipped::default();
    let mut current: Option<DeviceRecord> = None;
    let mut count = 0;
    for (index, raw) in text.lines().enumerate() {
        cancel.check_every(index)?;
        let n = index + 1;
        count = n;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            parsed.records.extend(current.take());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        match (split_prefix(line), current.as_mut()) {
            (Some(('P', path)), _) if path.starts_with('/') => {
                parsed.records.extend(current.take());
                current = Some(DeviceRecord {
                    devpath: path.trim_end().to_owned(),
                    line: Some(n),
                    ..DeviceRecord::default()
                });
            }
            (Some(('P', _)), _) => skipped.add(n, line, "device path not starting with `/`"),
            (_, None) => skipped.add(n, line, "line outside a record (no `P:` before it)"),
            (Some(('E', value)), Some(r)) => match property(value) {
                Some((k, v)) => set_property(r, k, v),
                None => skipped.add(n, line, "property without `KEY=`"),
            },
            (Some((c, value)), Some(r)) => {
                if let Err(why) = prefixed(r, c, value) {
                    skipped.add(n, line, why);
                }
            }
            (None, Some(r)) => {
                if !bare(r, line, n) {
                    skipped.add(n, line, "unreadable line");
                }
            }
        }
    }
    parsed.records.extend(current.take());
    skipped.finish(count, &mut parsed.notes)?;
    if parsed.records.is_empty() {
        return Err(ImportError::Invalid {
            line: 1,
            message: "no device records (`P:` lines) found".into(),
        });
    }
    Ok(parsed)
}

pub(super) fn parse(text: &str, cancel: Cancel<'_>) -> Result<Parsed, ImportError> {
    let mut bare_lines = Vec::new();
    let mut parsed = parse_records(
        text,
        cancel,
        |r, c, value| {
            match c {
                'U' => r.subsystem = Some(value.to_owned()),
                'T' => r.devtype = Some(value.to_owned()),
                'V' if !value.is_empty() => r.driver = Some(value.to_owned()),
                // N S L M R D I Q G and letters of future udev versions: nothing mxcert uses.
                _ => {}
            }
            Ok(())
        },
        |r, line, n| match bare_property(line) {
            Some((k, v)) => {
                set_property(r, k, v);
                bare_lines.push(n);
                true
            }
            None => false,
        },
    )?;
    if let Some(first) = bare_lines.first() {
        parsed.notes.push(format!(
            "line {first}: {} `KEY=VALUE` lines without `E:` read as properties",
            bare_lines.len()
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_of_old_and_new_dumps() {
        let text = "P: /devices/pci0000:00/0000:00:0a.0\nE: DEVPATH=/devices/pci0000:00/0000:00:0a.0\nE: DRIVER=forcedeth\nE: PCI_ID=10DE:0AB0\nE: SUBSYSTEM=pci\n\nP: /devices/virtual/net/lo\nM: lo\nU: net\nI: 1\nV: \nE: INTERFACE=lo\nMODALIAS=x:y\n";
        let p = parse(text, Cancel::default()).unwrap();
        assert_eq!(p.records.len(), 2);
        let pci = &p.records[0];
        assert_eq!(pci.subsystem.as_deref(), Some("pci"));
        assert_eq!(pci.driver.as_deref(), Some("forcedeth"));
        assert_eq!(pci.prop("PCI_ID"), Some("10DE:0AB0"));
        assert_eq!(pci.line, Some(1));
        let lo = &p.records[1];
        assert_eq!(
            (lo.subsystem.as_deref(), lo.driver.as_deref()),
            (Some("net"), None)
        );
        assert_eq!(lo.prop("MODALIAS"), Some("x:y"));
        assert!(p.notes[0].starts_with("line 13:"), "{:?}", p.notes);
    }

    #[test]
    fn garbage_is_an_error_naming_the_line() {
        let mut text = String::from("P: /devices/x\nE: A=1\n");
        for _ in 0..30 {
            text.push_str("\u{1}\u{2} binary junk\n");
        }
        let e = parse(&text, Cancel::default()).unwrap_err();
        assert_eq!(e.line(), Some(3));
        let ok = parse(
            "P: /devices/x\nE: A=1\nthis line is odd\n",
            Cancel::default(),
        )
        .unwrap();
        assert!(ok.notes.iter().any(|n| n.starts_with("line 3: skipped")));
    }
}
