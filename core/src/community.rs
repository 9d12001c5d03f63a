//! Community reports: a person running MxOS says which of their machine's devices work.
//!
//! A community report is a probe (`mxcert probe --format json`) plus the person's verdicts: the
//! devices they confirm work and the devices (or whole areas, such as suspend) they say fail,
//! with an optional comment. It is not signed and proves nothing by itself; the registry keeps it
//! apart from certification and counts it per distinct machine (the probe's pseudonymous
//! machine id). This module holds the published format ([`CommunityReport`],
//! `schemas/community-report.v1.schema.json`), the per-device verdicts derived from it
//! ([`CommunityReport::device_verdicts`]) and the check of a comment for personal data
//! ([`personal_data_in`]); the registry and the CLI share them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::Inventory;

/// The format version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;
/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// The most devices a community report may hold (a large workstation has a few hundred).
pub const MAX_DEVICES: usize = 2_000;
/// The most entries in each of `works`, `problems` and `problem_areas`.
pub const MAX_LISTED: usize = 2_000;

/// What a person says about their machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityReport {
    /// Always 1 for this version of the format.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// The machine, as `mxcert probe --format json` describes it (already scrubbed of serial
    /// numbers, MAC addresses and names; the registry scrubs it again).
    pub inventory: Inventory,
    /// The person's overall answer to "does everything work?".
    pub summary: Summary,
    /// Identities of devices the person confirms work (`pci:8086:9a49`, full or base). Without
    /// this list every device not said to fail works; with it, only those listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub works: Vec<String>,
    /// Identities of devices the person says do not work.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Areas that fail as a whole: a device category (`wireless`, `audio`, `camera`, ...) marks
    /// every device of that category as not working; `suspend` is a function of the machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problem_areas: Vec<String>,
    /// What the person wants others to know, at most 2,000 characters; refused when it holds an
    /// e-mail address, a phone number, a MAC address, a UUID or a serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The language the person answered in (`es` or `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The answer to "does everything work?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Summary {
    /// Everything the person uses works.
    AllWork,
    /// Some things do not work (listed in `problems` and `problem_areas`).
    SomeProblems,
    /// The machine is not usable with MxOS.
    NothingWorks,
}

/// A device's verdict in one community report.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The person confirmed it works.
    Works,
    /// The person said it does not work.
    Problem,
    /// In the machine, but the person said nothing about it: not counted.
    Unconfirmed,
}

/// The areas a report may name besides device categories.
pub const FUNCTION_AREAS: [&str; 3] = ["suspend", "hotkeys", "battery"];

/// Why a community report cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommunityError {
    #[error("schema_version {0} is not supported (this build reads version {SCHEMA_VERSION})")]
    Version(u32),
    #[error("the probe has no machine_id: run a current `mxcert probe` (it is how a machine's reports replace each other)")]
    NoMachineId,
    #[error("the probe lists {0} devices; a community report holds at most {MAX_DEVICES}")]
    TooManyDevices(usize),
    #[error("`{field}` lists {count} entries; at most {MAX_LISTED}")]
    TooManyListed { field: &'static str, count: usize },
    #[error("`{field}` names {identity:?}, which is not a device of this machine")]
    UnknownDevice {
        field: &'static str,
        identity: String,
    },
    #[error("{identity:?} is listed both as working and as not working")]
    Contradiction { identity: String },
    #[error("problem_areas names {0:?}: use a device category (wireless, audio, camera, ...) or one of suspend, hotkeys, battery")]
    UnknownArea(String),
    #[error("summary is {summary} but {detail}")]
    Inconsistent {
        summary: &'static str,
        detail: &'static str,
    },
    #[error("the comment is {0} characters long; at most {MAX_COMMENT_CHARS}")]
    CommentTooLong(usize),
    #[error("the comment seems to contain {0}: remove it (community reports are public and never hold personal data)")]
    PersonalData(PersonalData),
}

/// A kind of personal data found in a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalData {
    Email,
    Phone,
    MacAddress,
    Uuid,
    SerialNumber,
}

impl std::fmt::Display for PersonalData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PersonalData::Email => "an e-mail address",
            PersonalData::Phone => "a phone number",
            PersonalData::MacAddress => "a MAC address",
            PersonalData::Uuid => "a UUID",
            PersonalData::SerialNumber => "a serial number",
        })
    }
}

/// The base identity of an identity string, if it parses.
fn base_of(id: &str) -> Option<String> {
    Identity::parse(&id.trim().to_ascii_lowercase())
        .ok()
        .map(|i| i.base().to_string())
}

impl CommunityReport {
    /// A report from a person's answers to the questions `mxcert share` and the portal ask:
    /// "does everything work?" and, if not, which areas (categories, or suspend) and which
    /// devices fail. With `SomeProblems`, every other device is confirmed working.
    pub fn from_answers(
        inventory: Inventory,
        summary: Summary,
        problem_areas: Vec<String>,
        problems: Vec<String>,
        comment: Option<String>,
        language: Option<String>,
    ) -> CommunityReport {
        let mut works = Vec::new();
        if summary == Summary::SomeProblems {
            let failing: Vec<String> = problems.iter().filter_map(|p| base_of(p)).collect();
            for d in &inventory.devices {
                let Some(base) = base_of(&d.id) else { continue };
                let fails = failing.contains(&base)
                    || problem_areas.iter().any(|a| a == d.category.as_str());
                if !fails && !works.contains(&base) {
                    works.push(base);
                }
            }
        }
        CommunityReport {
            schema_version: SCHEMA_VERSION,
            inventory,
            summary,
            works,
            problems,
            problem_areas,
            comment: comment.filter(|c| !c.trim().is_empty()),
            language,
        }
    }

    /// Checks everything the registry checks besides size: version, machine id, lists that name
    /// this machine's devices, no contradictions, a comment without personal data.
    pub fn validate(&self) -> Result<(), CommunityError> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(CommunityError::Version(self.schema_version));
        }
        if self
            .inventory
            .machine_id
            .as_deref()
            .is_none_or(|m| m.trim().is_empty())
        {
            return Err(CommunityError::NoMachineId);
        }
        if self.inventory.devices.len() > MAX_DEVICES {
            return Err(CommunityError::TooManyDevices(self.inventory.devices.len()));
        }
        for (field, list) in [
            ("works", &self.works),
            ("problems", &self.problems),
            ("problem_areas", &self.problem_areas),
        ] {
            if list.len() > MAX_LISTED {
                return Err(CommunityError::TooManyListed {
                    field,
                    count: list.len(),
                });
            }
        }
        let present: BTreeMap<String, Category> = self
            .inventory
            .devices
            .iter()
            .filter_map(|d| base_of(&d.id).map(|b| (b, d.category)))
            .collect();
        let mut said = BTreeMap::new();
        for (field, list, verdict) in [
            ("works", &self.works, Verdict::Works),
            ("problems", &self.problems, Verdict::Problem),
        ] {
            for id in list {
                let base = base_of(id)
                    .filter(|b| present.contains_key(b))
                    .ok_or_else(|| CommunityError::UnknownDevice {
                        field,
                        identity: id.clone(),
                    })?;
                if said.insert(base, verdict).is_some_and(|v| v != verdict) {
                    return Err(CommunityError::Contradiction {
                        identity: id.clone(),
                    });
                }
            }
        }
        for area in &self.problem_areas {
            let known = FUNCTION_AREAS.contains(&area.as_str())
                || Category::ALL.iter().any(|c| c.as_str() == area);
            if !known {
                return Err(CommunityError::UnknownArea(area.clone()));
            }
        }
        let has_problems = !self.problems.is_empty() || !self.problem_areas.is_empty();
        match self.summary {
            Summary::AllWork if has_problems => {
                return Err(CommunityError::Inconsistent {
                    summary: "all_work",
                    detail: "problems or problem_areas are listed",
                })
            }
            Summary::SomeProblems if !has_problems => {
                return Err(CommunityError::Inconsistent {
                    summary: "some_problems",
                    detail: "neither problems nor problem_areas lists anything",
                })
            }
            _ => {}
        }
        if let Some(comment) = &self.comment {
            let chars = comment.chars().count();
            if chars > MAX_COMMENT_CHARS {
                return Err(CommunityError::CommentTooLong(chars));
            }
            if let Some(kind) = personal_data_in(comment) {
                return Err(CommunityError::PersonalData(kind));
            }
        }
        Ok(())
    }

    /// One verdict per distinct base identity of the machine's devices. A device listed as a
    /// problem, or of a category named in `problem_areas`, is a problem; with `nothing_works`
    /// every device is; else one listed in `works` works, and without a `works` list every
    /// other device works (the person said what fails); the rest are unconfirmed (not
    /// counted). Call [`validate`](Self::validate) first.
    pub fn device_verdicts(&self) -> BTreeMap<String, (Category, Verdict)> {
        let listed =
            |list: &[String]| -> Vec<String> { list.iter().filter_map(|i| base_of(i)).collect() };
        let works = listed(&self.works);
        let problems = listed(&self.problems);
        let mut out = BTreeMap::new();
        for d in &self.inventory.devices {
            let Some(base) = base_of(&d.id) else { continue };
            let verdict = if self.summary == Summary::NothingWorks
                || problems.contains(&base)
                || self.problem_areas.iter().any(|a| a == d.category.as_str())
            {
                Verdict::Problem
            } else if works.contains(&base) || self.works.is_empty() {
                Verdict::Works
            } else {
                Verdict::Unconfirmed
            };
            // The same chip twice (two identical ports): the worse verdict wins.
            out.entry(base)
                .and_modify(|(_, v): &mut (Category, Verdict)| {
                    if verdict == Verdict::Problem || *v == Verdict::Unconfirmed {
                        *v = verdict;
                    }
                })
                .or_insert((d.category, verdict));
        }
        out
    }
}

/// The distribution release a report counts under: `os.id os.version` (`mxos 1.0`), or
/// `unknown`.
pub fn release_of(inventory: &Inventory) -> String {
    match (&inventory.os.id, &inventory.os.version) {
        (Some(id), Some(v)) => format!("{} {}", id.trim(), v.trim()),
        (Some(id), None) => id.trim().to_owned(),
        _ => "unknown".to_owned(),
    }
}

/// The kernel series a report counts under: the first two numbers of the kernel release
/// (`6.8.0-45-generic` -> `6.8`), or `unknown`.
pub fn kernel_series_of(inventory: &Inventory) -> String {
    let Some(kernel) = inventory.os.kernel.as_deref() else {
        return "unknown".into();
    };
    let mut parts = kernel
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) if a.len() <= 3 && b.len() <= 3 => format!("{a}.{b}"),
        _ => "unknown".into(),
    }
}

/// The first kind of personal data found in `text`, if any: an e-mail address, a phone number
/// (eight or more digits, with spaces, dots, dashes, parentheses or a leading `+`), a MAC address
/// or UUID (the shapes the probe's scrubber replaces), or a serial number (a token of ten or more
/// letters and digits with at least three of each, or any token after "serial", "S/N" or "número de
/// serie"). Linear in the text's length.
pub fn personal_data_in(text: &str) -> Option<PersonalData> {
    if crate::privacy::scrub_all(text) != text {
        // The scrubber replaces exactly the MAC (also inside interface names) and UUID shapes.
        let uuid_free = crate::privacy::scrub_all(text);
        return Some(if uuid_free.contains("xxxxxxxx-xxxx") {
            PersonalData::Uuid
        } else {
            PersonalData::MacAddress
        });
    }
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '<' | '>'))
        .filter(|t| !t.is_empty())
        .collect();
    for t in &tokens {
        if let Some((local, domain)) = t.split_once('@') {
            let domain = domain.trim_end_matches(['.', ')', ']']);
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
            {
                return Some(PersonalData::Email);
            }
        }
    }
    // Phone numbers: runs of digits joined by separators, counted across tokens.
    let mut digits = 0usize;
    let mut in_run = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            in_run = true;
        } else if in_run && matches!(c, ' ' | '-' | '.' | '(' | ')' | '+') {
            continue;
        } else {
            digits = 0;
            in_run = c == '+' || c == '(';
        }
        if digits >= 8 {
            return Some(PersonalData::Phone);
        }
    }
    let serialish = |t: &str| {
        let t = t.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let letters = t.chars().filter(char::is_ascii_alphabetic).count();
        let numbers = t.chars().filter(char::is_ascii_digit).count();
        t.chars().all(|c| c.is_ascii_alphanumeric())
            && t.len() >= 10
            && letters >= 3
            && numbers >= 3
    };
    if tokens.iter().any(|t| serialish(t)) {
        return Some(PersonalData::SerialNumber);
    }
    let lower: Vec<String> = tokens.iter().map(|t| t.to_lowercase()).collect();
    for (i, t) in lower.iter().enumerate() {
        let marker = matches!(
            t.trim_end_matches(':'),
            "serial" | "s/n" | "sn" | "serie" | "serial#"
        );
        if marker {
            let next = lower.get(i + 1).map(String::as_str).unwrap_or_default();
            let next = if matches!(
                next,
                "number" | "no" | "no." | "nr" | "#" | ":" | "es" | "is"
            ) {
                lower.get(i + 2).map(String::as_str).unwrap_or_default()
            } else {
                next
            };
            let next = next.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            if next.len() >= 5 && next.chars().any(|c| c.is_ascii_digit()) {
                return Some(PersonalData::SerialNumber);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_with_personal_data_are_found() {
        let cases = [
            ("escríbeme a ana.perez@example.mx", PersonalData::Email),
            ("llámame al +52 55 1234 5678", PersonalData::Phone),
            ("tel (55) 1234-5678", PersonalData::Phone),
            ("my wifi is aa:bb:cc:dd:ee:ff", PersonalData::MacAddress),
            ("interface wlx001122334455 drops", PersonalData::MacAddress),
            (
                "uuid 4c4c4544-0042-3510-8052-b4c04f383732",
                PersonalData::Uuid,
            ),
            ("número de serie 5CG1234XYZ", PersonalData::SerialNumber),
            ("S/N: PF2ABCDE1", PersonalData::SerialNumber),
        ];
        for (text, kind) in cases {
            assert_eq!(personal_data_in(text), Some(kind), "{text}");
        }
    }

    #[test]
    fn ordinary_comments_pass() {
        for text in [
            "El Wi-Fi RTL8821CE se desconecta después de suspender; con el kernel 6.8 funciona.",
            "Sound works after installing firmware-sof-signed 2.2.6.",
            "La cámara del ThinkPad X1 Carbon Gen 11 no enciende.",
            "iwlwifi AX201 ok, 2024 model, 16 GB RAM",
            "",
        ] {
            assert_eq!(personal_data_in(text), None, "{text}");
        }
    }

    #[test]
    fn kernel_series_and_release() {
        let mut inv: Inventory = serde_json::from_value(serde_json::json!({
            "schema_version": 1, "created_at": "2026-01-01T00:00:00Z",
            "tool": {"name": "mxcert", "version": "0"},
            "system": {}, "os": {"id": "mxos", "version": "1.0", "kernel": "6.8.0-45-generic"},
            "devices": []
        }))
        .unwrap();
        assert_eq!(release_of(&inv), "mxos 1.0");
        assert_eq!(kernel_series_of(&inv), "6.8");
        inv.os.kernel = Some("garbage".into());
        assert_eq!(kernel_series_of(&inv), "unknown");
    }
}
