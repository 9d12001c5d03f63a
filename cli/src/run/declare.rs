//! The tester's declarations: hardware a plan asks about (`[[declare]]`) that the probe cannot
//! vouch for. They come from `--declare a,b`, from `--manifest FILE` (TOML:
//! `declared = ["card_reader"]`) or, in an interactive run without either, from the plan's
//! questions asked at the start. They are fixed in `session.json` and go into the signed report
//! (`declared`).

use std::io::{BufRead, Write};
use std::path::Path;

use mxcert_core::plan::{Lang, Plan};
use serde::Deserialize;

use crate::error::CliError;

/// A `--manifest` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    declared: Vec<String>,
}

/// The largest manifest read (it lists a few ids).
const MAX_MANIFEST: u64 = 64 * 1024;

/// Reads a `--manifest` file.
pub fn read_manifest(path: &Path) -> Result<Vec<String>, CliError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| CliError::read(path, e))?;
    let mut text = String::new();
    file.take(MAX_MANIFEST + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::read(path, e))?;
    if text.len() as u64 > MAX_MANIFEST {
        return Err(CliError::parse(
            path,
            format!("larger than {MAX_MANIFEST} bytes"),
        ));
    }
    let m: Manifest = toml::from_str(&text).map_err(|e| {
        CliError::parse(
            path,
            format!("{} (expected declared = [\"id\", ...])", e.message().trim()),
        )
    })?;
    Ok(m.declared)
}

/// Checks that every declaration is one the plan asks about; returns them sorted, once each.
pub fn check(plan: &Plan, declared: Vec<String>) -> Result<Vec<String>, CliError> {
    let unknown: Vec<&str> = declared
        .iter()
        .filter(|d| plan.declaration(d).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = plan.declarations.iter().map(|d| d.id.as_str()).collect();
        return Err(CliError::Usage(format!(
            "plan {} has no declaration {} (it asks about: {})",
            plan.id,
            unknown.join(", "),
            if known.is_empty() {
                "nothing".to_owned()
            } else {
                known.join(", ")
            }
        )));
    }
    let mut declared = declared;
    declared.sort();
    declared.dedup();
    Ok(declared)
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "s" | "sí" | "si" | "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    }
}

/// Asks each of the plan's questions on `out`, reading yes or no from `input`; the ids answered
/// yes. `None` when the input ends first.
pub fn ask(
    plan: &Plan,
    lang: Lang,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Option<Vec<String>> {
    let es = lang == Lang::Es;
    let mut yes = Vec::new();
    if plan.declarations.is_empty() {
        return Some(yes);
    }
    let _ = writeln!(
        out,
        "\n── {} ──",
        if es {
            "Antes de empezar: ¿qué tiene este equipo?"
        } else {
            "Before starting: what does this machine have?"
        }
    );
    for d in &plan.declarations {
        loop {
            let _ = write!(
                out,
                "{} {} ",
                d.question.get(lang),
                if es { "[s/n]" } else { "[y/n]" }
            );
            let _ = out.flush();
            let mut line = String::new();
            match input.read_line(&mut line) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            match yes_no(&line) {
                Some(true) => {
                    yes.push(d.id.clone());
                    break;
                }
                Some(false) => break,
                None => {
                    let _ = writeln!(
                        out,
                        "{}",
                        if es {
                            "Responda s o n."
                        } else {
                            "Answer y or n."
                        }
                    );
                }
            }
        }
    }
    Some(yes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxcert_core::plan::{Declaration, Target, Text};

    fn plan() -> Plan {
        let t = |s: &str| Text {
            es: s.into(),
            en: s.into(),
        };
        Plan {
            schema_version: 1,
            id: "p".into(),
            version: "1".into(),
            title: t("p"),
            description: t("p"),
            target: Target::System,
            declarations: vec![
                Declaration {
                    id: "card_reader".into(),
                    question: Text {
                        es: "¿Tiene lector de tarjetas?".into(),
                        en: "Does it have a card reader?".into(),
                    },
                },
                Declaration {
                    id: "fingerprint".into(),
                    question: t("Fingerprint?"),
                },
            ],
            tests: vec![],
        }
    }

    #[test]
    fn questions_are_asked_until_answered_and_unknown_ids_refused() {
        let mut input: &[u8] = b"quiz\ns\nn\n";
        let mut out = Vec::new();
        let got = ask(&plan(), Lang::Es, &mut input, &mut out);
        assert_eq!(got, Some(vec!["card_reader".to_owned()]));
        let shown = String::from_utf8(out).unwrap();
        assert!(
            shown.contains("¿Tiene lector de tarjetas? [s/n]"),
            "{shown}"
        );
        assert!(shown.contains("Responda s o n."));
        let mut input: &[u8] = b"y\n";
        assert_eq!(ask(&plan(), Lang::En, &mut input, &mut Vec::new()), None);

        let ok = check(
            &plan(),
            vec![
                "fingerprint".into(),
                "card_reader".into(),
                "fingerprint".into(),
            ],
        );
        assert_eq!(ok.unwrap(), ["card_reader", "fingerprint"]);
        let err = check(&plan(), vec!["camera".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "plan p has no declaration camera (it asks about: card_reader, fingerprint)"
        );
    }
}
