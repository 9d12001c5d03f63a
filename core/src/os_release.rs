//! `os-release(5)`: the operating system's id, version and name, from `/etc/os-release` (or
//! `/usr/lib/os-release`). Text in, data out.

use crate::inventory::Os;

/// Reads `ID`, `VERSION_ID` and `PRETTY_NAME` (falling back to `NAME`); other keys are ignored.
/// Kernel and architecture are not in this file and stay unset.
pub fn parse(text: &str) -> Os {
    let mut os = Os::default();
    let mut name = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(value);
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "ID" => os.id = Some(value),
            "VERSION_ID" => os.version = Some(value),
            "PRETTY_NAME" => os.name = Some(value),
            "NAME" => name = Some(value),
            _ => {}
        }
    }
    if os.name.is_none() {
        os.name = name;
    }
    os
}

/// Removes one level of shell quoting and the escapes os-release allows (`\"`, `\\`, `\$`, `` \` ``).
fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_id_version_and_name() {
        let os = parse("PRETTY_NAME=\"Ubuntu 24.04.2 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\n# comment\nBROKEN\n");
        assert_eq!(os.id.as_deref(), Some("ubuntu"));
        assert_eq!(os.version.as_deref(), Some("24.04"));
        assert_eq!(os.name.as_deref(), Some("Ubuntu 24.04.2 LTS"));
        let os = parse("NAME='MxOS'\nID=mxos\nVERSION_ID=1\nPRETTY_NAME=\"Say \\\"hi\\\"\"");
        assert_eq!(os.name.as_deref(), Some("Say \"hi\""));
        assert_eq!(parse("\u{0}garbage"), Os::default());
    }
}
