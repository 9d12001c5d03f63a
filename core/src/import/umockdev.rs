//! umockdev recordings (`umockdev-record`): the udevadm record layout plus sysfs attributes.
//! `P:` device path, `N:` node (maybe with contents), `S:` symlink, `E:` property, `A:` attribute
//! `name=value` (C-escaped), `H:` binary attribute in hex, `L:` symlink attribute
//! (`driver=../../bus/usb/drivers/usbhid`). Text attributes and the `driver`/`subsystem` links are
//! kept; binary attributes and node contents are not needed.

use super::udevadm::parse_records;
use super::{ImportError, Parsed};
use crate::cancel::Cancel;

/// Whether a `P:`-record text is a umockdev recording rather than a udevadm dump: it has `A:` or
/// `H:` lines, or `L:` lines naming a link (`L: driver=...`; in udevadm dumps `L:` is a number).
pub(super) fn looks_like(text: &str) -> bool {
    text.lines().any(|l| {
        l.starts_with("A: ")
            || l.starts_with("H: ")
            || l.strip_prefix("L: ").is_some_and(|v| v.contains('='))
    })
}

/// Decodes the C escapes umockdev writes (`\n`, `\t`, `\\`, `\xHH`, octal `\NNN`).
fn unescape(value: &str) -> String {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let next = b[i + 1];
        let (byte, len) = match next {
            b'n' => (b'\n', 2),
            b't' => (b'\t', 2),
            b'r' => (b'\r', 2),
            b'\\' => (b'\\', 2),
            b'x' => match b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(v) => (v, 4),
                None => (b'x', 2),
            },
            b'0'..=b'7' => {
                let digits = b[i + 1..]
                    .iter()
                    .take(3)
                    .take_while(|d| (b'0'..=b'7').contains(*d))
                    .count();
                let v = b[i + 1..i + 1 + digits]
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                (u8::try_from(v).unwrap_or(b'?'), 1 + digits)
            }
            other => (other, 2),
        };
        out.push(byte);
        i += len;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The last path component of a link target.
fn basename(target: &str) -> Option<String> {
    target
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|b| !b.is_empty() && *b != "..")
        .map(str::to_owned)
}

pub(super) fn parse(text: &str, cancel: Cancel<'_>) -> Result<Parsed, ImportError> {
    parse_records(
        text,
        cancel,
        |r, c, value| {
            match c {
                'A' => match value.split_once('=') {
                    Some((name, v)) if !name.is_empty() => {
                        r.attributes
                            .insert(name.to_owned(), unescape(v).trim().to_owned());
                    }
                    _ => return Err("attribute without `name=`"),
                },
                'L' => match value.split_once('=') {
                    Some(("driver", target)) => r.driver = basename(target),
                    Some(("subsystem", target)) => r.subsystem = basename(target),
                    Some(_) => {}
                    None => return Err("link without `name=`"),
                },
                // N S H: nodes, symlinks, binary attributes.
                _ => {}
            }
            Ok(())
        },
        |_, _, _| false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_links_and_properties() {
        let p = parse("P: /devices/platform/i8042/serio1\nE: DRIVER=psmouse\nE: SUBSYSTEM=serio\nA: description=i8042 AUX port\\n\nA: weird=\\x41\\102\\\\\nL: driver=../../../../bus/serio/drivers/psmouse\nH: descriptors=0102\n", Cancel::default()).unwrap();
        let r = &p.records[0];
        assert_eq!(r.attr("description"), Some("i8042 AUX port"));
        assert_eq!(r.attr("weird"), Some("AB\\"));
        assert_eq!(r.driver.as_deref(), Some("psmouse"));
        assert!(looks_like("P: /x\nL: driver=../y\n"));
        assert!(!looks_like("P: /x\nL: 100\nE: A=1\n"));
        assert_eq!(unescape("\\"), "\\");
        assert_eq!(unescape("\\777"), "?");
    }
}
