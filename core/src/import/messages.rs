//! The tools' own messages mixed into a capture. `lspci ... > file 2>&1` and `lsusb -v ... 2>&1`
//! write their warnings (stderr, unbuffered) into their output (stdout, buffered in blocks when
//! it is a file or a pipe), so a warning lands on a line of its own or is spliced into the middle
//! of an output line, whose rest then follows on the next line:
//!
//! ```text
//!         CESta:    RxErr- BadTLP- BadDLLP- Rollover- Timpcilib: sysfs_read_vpd: read failed: No such device
//! eout- NonFatalErr+
//! ```
//!
//! [`unmix`] takes such messages out, notes each, and joins a line cut by one with its rest. The
//! messages are the ones the tools print (quoted from their sources in
//! `core/tests/fixtures/import/README.md`): lspci's `lspci: ...` and pciutils' `pcilib: ...`
//! warnings, and lsusb's `Couldn't open device, some information will be missing`, `can't get
//! ...`, `cannot read device status, ...`, libusb's `libusb: ...` and the `usb.ids` reader's
//! `... at line N` complaints (`Protocol spec without prior Class and Subclass spec at line
//! 17398`), which come before any output.

use std::borrow::Cow;

use super::shown;

/// Where a message of a tool may start, anywhere in a line. Each runs to the end of its line.
const SPLICED: &[&str] = &[
    // pciutils: lib/init.c prefixes library warnings with `pcilib: `; lspci's own with `lspci: `.
    "pcilib: ",
    "lspci: ",
    // usbutils lsusb.c and libusb.
    "Couldn't open device, some information will be missing",
    "can't get device qualifier: ",
    "can't get debug descriptor: ",
    "can't get hub descriptor: ",
    "cannot read device status, ",
    "lsusb: ",
    "libusb: ",
];

/// How many messages are noted one by one; the rest are counted.
const NOTED: usize = 5;

/// Whether a whole line is a tool's message: one of [`SPLICED`] at its start, or the `usb.ids`
/// reader's `Words spec at line N ...` (usbutils names.c: `Protocol spec without prior Class and
/// Subclass spec at line %u`, `Duplicate vendor spec at line %u vendor %04x %s`, `Unknown line
/// at line %u`).
pub(super) fn is_message_line(line: &str) -> bool {
    let line = line.trim_end_matches('\r');
    SPLICED.iter().any(|m| line.starts_with(m)) || is_ids_complaint(line)
}

fn is_ids_complaint(line: &str) -> bool {
    let Some((words, rest)) = line.split_once(" at line ") else {
        return false;
    };
    words.starts_with(|c: char| c.is_ascii_uppercase())
        && words
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '/')
        && rest.starts_with(|c: char| c.is_ascii_digit())
}

/// The length of the longest of [`SPLICED`], in bytes.
const LONGEST: usize = 54;

/// The first of [`SPLICED`] in a line at or after byte `from` (a character boundary).
fn spliced_from(line: &str, from: usize) -> Option<usize> {
    let rest = &line[from..];
    SPLICED
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .map(|at| from + at)
}

/// The largest character boundary of `s` at or before `i`.
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A capture's lines without the tool's messages, and notes naming what was taken out.
#[derive(Debug, Default)]
pub(super) struct Unmixed<'a> {
    /// 1-based line number (of the line's start in the input) and text.
    pub lines: Vec<(usize, Cow<'a, str>)>,
    pub notes: Vec<String>,
}

/// Takes the tool's messages out of `text` (see the module documentation). A line cut by a
/// message is joined with the next line unless that one `starts_line` (begins a line of its own:
/// the message came at the end of the line). Work and memory are linear in the input.
pub(super) fn unmix<'a>(text: &'a str, starts_line: impl Fn(&str) -> bool) -> Unmixed<'a> {
    let mut out = Unmixed::default();
    let mut taken = 0usize;
    let mut lines = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .enumerate()
        .peekable();
    while let Some((index, line)) = lines.next() {
        let n = index + 1;
        // The line as mended so far, once it had to change, and where a message may still start:
        // only the text appended by the last join is searched again, so a long line cut by many
        // messages costs its length once, not once per message.
        let mut mended: Option<String> = None;
        let mut from = 0;
        let mut only_messages = false;
        loop {
            let current = mended.as_deref().unwrap_or(line);
            let found = if from == 0 && is_ids_complaint(current) {
                Some(0)
            } else {
                spliced_from(current, from)
            };
            let Some(at) = found else { break };
            taken += 1;
            if taken <= NOTED {
                out.notes.push(format!(
                    "line {n}: skipped the tool's own message {}",
                    shown(&current[at..])
                ));
            }
            if at == 0 {
                only_messages = true;
                break;
            }
            let buffer = mended.get_or_insert_with(|| line.to_owned());
            buffer.truncate(at);
            match lines.peek() {
                Some((_, next)) if !starts_line(next) && !is_message_line(next) => {
                    // A message may only start in the joined text (or just before it).
                    from = floor_char_boundary(buffer, at.saturating_sub(LONGEST - 1));
                    buffer.push_str(next);
                    lines.next();
                }
                _ => break,
            }
        }
        if !only_messages {
            let line = mended.map_or(Cow::Borrowed(line), Cow::Owned);
            out.lines.push((n, line));
        }
    }
    if taken > NOTED {
        out.notes.push(format!(
            "{} more of the tool's own messages skipped",
            taken - NOTED
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(u: &Unmixed<'_>) -> Vec<(usize, String)> {
        u.lines.iter().map(|(n, l)| (*n, l.to_string())).collect()
    }

    #[test]
    fn a_message_on_its_own_line_goes_and_a_spliced_one_is_cut_out_and_the_line_joined() {
        let text = "lspci: Unable to load libkmod resources: error -2\nA x\n\tB Timpcilib: sysfs_read_vpd: read failed: No such device\neout+\n\tC\n";
        let u = unmix(text, |l| l.starts_with(['\t', 'A']));
        assert_eq!(
            lines(&u),
            [
                (2, "A x".into()),
                (3, "\tB Timeout+".into()),
                (5, "\tC".into())
            ]
        );
        assert_eq!(u.notes.len(), 2);
        assert!(u.notes[0].starts_with("line 1: skipped the tool's own message `lspci: Unable"));
        assert!(u.notes[1].starts_with("line 3: "), "{:?}", u.notes);
    }

    #[test]
    fn a_message_at_the_end_of_a_line_leaves_the_next_line_alone() {
        let text = "Bus 002 Device 003: ID 0424:2134 HubCouldn't open device, some information will be missing\nDevice Descriptor:\n";
        let u = unmix(text, |l| l.ends_with(':'));
        assert_eq!(
            lines(&u),
            [
                (1, "Bus 002 Device 003: ID 0424:2134 Hub".into()),
                (2, "Device Descriptor:".into())
            ]
        );
    }

    #[test]
    fn a_long_line_cut_by_many_messages_is_mended_whole() {
        assert_eq!(LONGEST, SPLICED.iter().map(|m| m.len()).max().unwrap_or(0));
        let mut text = "\tA".repeat(50_000);
        for i in 0..1000 {
            text.push_str(&format!("{i}pcilib: warning {i}\n"));
        }
        text.push_str("end\n");
        let u = unmix(&text, |l| l.starts_with('\t'));
        assert_eq!(u.lines.len(), 1);
        let mut want = "\tA".repeat(50_000);
        (0..1000).for_each(|i| want.push_str(&i.to_string()));
        want.push_str("end");
        assert_eq!(u.lines[0].1, want);
        assert_eq!(
            u.notes.last().unwrap(),
            "995 more of the tool's own messages skipped"
        );
        // Multi-byte text just before a join: the search restarts at a character boundary.
        let u = unmix("\tx ééépci\u{e9}pcilib: a\nlib: b\n", |l| {
            l.starts_with('\t')
        });
        assert_eq!(lines(&u), [(1, "\tx ééépci\u{e9}lib: b".into())]);
    }

    #[test]
    fn usb_ids_complaints_are_messages_and_many_messages_are_counted() {
        assert!(is_message_line(
            "Protocol spec without prior Class and Subclass spec at line 17398"
        ));
        assert!(is_message_line("Unknown line at line 12"));
        assert!(!is_message_line(
            "Bus 001 Device 001: ID 1d6b:0002 at line 1"
        ));
        assert!(!is_message_line("  bcdUSB 2.00"));
        let text = "Couldn't open device, some information will be missing\n".repeat(8);
        let u = unmix(&text, |_| true);
        assert!(u.lines.is_empty());
        assert_eq!(u.notes.len(), NOTED + 1);
        assert_eq!(u.notes[NOTED], "3 more of the tool's own messages skipped");
    }
}
