//! `mxcert share`: tell the registry what works on this machine (a community report, issue 18).
//!
//! Probes this machine (or reads `--from PROBE.json`), asks in Spanish or English (by locale)
//! whether everything works and, if not, what fails (by area: Wi-Fi, sound, camera, suspend,
//! ...), with an optional comment; shows exactly what will be sent (the report as JSON, and what
//! the probe withheld) and sends it to `POST /api/v1/community/reports` only after "yes". Prints
//! the report's public URL and the deletion token. `--non-interactive --works all|none|ID...`
//! (with `--fails ID...`, `--areas AREA...`, `--comment TEXT`) is for scripts;
//! `--delete ID --deletion-token TOKEN` deletes a report shared before.
//!
//! No account and no token: the machine is identified only by the probe's pseudonymous machine
//! id, and sharing again replaces the machine's earlier report. Exit codes: 0 shared (or
//! deleted, or the person said no), 2 bad flags, 3 `--from` unreadable or not a probe, 4 the
//! registry refused (its message says why, e.g. personal data in the comment), 5 this machine
//! cannot be probed. The rules of what a report may hold are [`mxcert_core::community`]'s.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use mxcert_core::community::{CommunityReport, Summary, FUNCTION_AREAS};
use mxcert_core::inventory::Inventory;
use serde::Deserialize;

use super::check::Lang;
use crate::args::ShareArgs;
use crate::client::Client;
use crate::error::{CliError, Result};
use crate::{exit, output, probe};

/// What the registry answers.
#[derive(Debug, Deserialize)]
struct Shared {
    url: String,
    deletion_token: String,
    replaced: bool,
    works: usize,
    problems: usize,
}

struct Text {
    works_q: &'static str,
    works_opts: &'static str,
    areas_q: &'static str,
    areas_hint: &'static str,
    comment_q: &'static str,
    preview: &'static str,
    withheld: &'static str,
    send_q: &'static str,
    not_sent: &'static str,
    shared: &'static str,
    replaced: &'static str,
    counted: &'static str,
    token: &'static str,
    yes: [&'static str; 4],
    suspend: &'static str,
    hotkeys: &'static str,
    battery: &'static str,
}

const ES: Text = Text {
    works_q: "¿Funciona todo en este equipo con MxOS?",
    works_opts: "[s = sí, todo · a = algunas cosas fallan · n = no se puede usar]",
    areas_q: "¿Qué falla? Escribe los números separados por comas:",
    areas_hint: "(al menos uno)",
    comment_q: "Comentario opcional (es público: sin correos, teléfonos ni números de serie; Enter para omitir):",
    preview: "Esto es exactamente lo que se enviará:",
    withheld: "Lo que la revisión del equipo no incluyó (queda en tu equipo):",
    send_q: "¿Enviar este reporte? [s/N]",
    not_sent: "No se envió nada.",
    shared: "Reporte compartido:",
    replaced: "(reemplaza el reporte anterior de este equipo)",
    counted: "dispositivos que funcionan / con problemas:",
    token: "Guarda este código para borrar tu reporte (no se vuelve a mostrar):",
    yes: ["s", "si", "sí", "y"],
    suspend: "suspensión",
    hotkeys: "teclas especiales",
    battery: "batería",
};

const EN: Text = Text {
    works_q: "Does everything work on this machine with MxOS?",
    works_opts: "[y = yes, everything · s = some things fail · n = not usable]",
    areas_q: "What fails? Type the numbers, separated by commas:",
    areas_hint: "(at least one)",
    comment_q:
        "Optional comment (public: no e-mail addresses, phone or serial numbers; Enter to skip):",
    preview: "This is exactly what will be sent:",
    withheld: "What the probe left out (it stays on your machine):",
    send_q: "Send this report? [y/N]",
    not_sent: "Nothing was sent.",
    shared: "Report shared:",
    replaced: "(it replaces this machine's earlier report)",
    counted: "devices that work / with problems:",
    token: "Keep this code to delete your report (it is not shown again):",
    yes: ["y", "yes", "s", "si"],
    suspend: "suspend",
    hotkeys: "special keys",
    battery: "battery",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Es => "es",
        Lang::En => "en",
    }
}

fn read_answer(input: &mut dyn BufRead) -> Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| CliError::Environment(format!("failed to read the answer: {e}")))?;
    Ok(line.trim().to_owned())
}

fn say(out: &mut dyn Write, s: &str) -> Result<()> {
    writeln!(out, "{s}").map_err(|e| CliError::Environment(format!("failed to write: {e}")))
}

/// The areas this machine can fail in: the categories of its devices (the ones people notice),
/// then suspend, special keys and battery.
fn areas_of(inventory: &Inventory, lang: Lang) -> Vec<(String, String)> {
    let mut by_category: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    for d in &inventory.devices {
        if matches!(
            d.category.as_str(),
            "bridge" | "memory_controller" | "system" | "other" | "serial_bus" | "sensor"
        ) {
            continue;
        }
        let name = match lang {
            Lang::Es => d.category.name_es(),
            Lang::En => d.category.name_en(),
        };
        by_category
            .entry(d.category.as_str())
            .or_insert((0, name.to_owned()))
            .0 += 1;
    }
    let t = text(lang);
    let mut out: Vec<(String, String)> = by_category
        .into_iter()
        .map(|(c, (n, name))| (c.to_owned(), format!("{name} ({n})")))
        .collect();
    for (area, word) in FUNCTION_AREAS.iter().zip([t.suspend, t.hotkeys, t.battery]) {
        out.push(((*area).to_owned(), word.to_owned()));
    }
    out
}

/// Asks the questions; `None` when the person does not want to send.
pub fn ask(
    inventory: Inventory,
    lang: Lang,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Option<CommunityReport>> {
    let t = text(lang);
    let summary = loop {
        say(out, &format!("{} {}", t.works_q, t.works_opts))?;
        match read_answer(input)?.to_lowercase().as_str() {
            "s" | "si" | "sí" | "y" | "yes" if lang == Lang::Es => break Summary::AllWork,
            "y" | "yes" if lang == Lang::En => break Summary::AllWork,
            "a" | "algunas" if lang == Lang::Es => break Summary::SomeProblems,
            "s" | "some" if lang == Lang::En => break Summary::SomeProblems,
            "n" | "no" => break Summary::NothingWorks,
            "" => return Ok(None),
            _ => continue,
        }
    };
    let mut areas = Vec::new();
    if summary == Summary::SomeProblems {
        let choices = areas_of(&inventory, lang);
        while areas.is_empty() {
            say(out, &format!("{} {}", t.areas_q, t.areas_hint))?;
            for (i, (_, label)) in choices.iter().enumerate() {
                say(out, &format!("  {:>2}. {label}", i + 1))?;
            }
            let answer = read_answer(input)?;
            if answer.is_empty() && input.fill_buf().map(|b| b.is_empty()).unwrap_or(true) {
                return Ok(None);
            }
            areas = answer
                .split([',', ' '])
                .filter_map(|n| n.trim().parse::<usize>().ok())
                .filter_map(|n| choices.get(n.wrapping_sub(1)))
                .map(|(area, _)| area.clone())
                .collect();
            areas.dedup();
        }
    }
    say(out, t.comment_q)?;
    let comment = Some(read_answer(input)?);
    let report = CommunityReport::from_answers(
        inventory,
        summary,
        areas,
        Vec::new(),
        comment,
        Some(lang_code(lang).to_owned()),
    );
    preview(&report, lang, out)?;
    say(out, t.send_q)?;
    let yes = read_answer(input)?.to_lowercase();
    Ok(t.yes.contains(&yes.as_str()).then_some(report))
}

/// Shows the report as it will be sent, and what the probe withheld.
fn preview(report: &CommunityReport, lang: Lang, out: &mut dyn Write) -> Result<()> {
    let t = text(lang);
    say(out, t.preview)?;
    say(
        out,
        &String::from_utf8_lossy(&mxcert_core::format::to_json_pretty(report)),
    )?;
    let withheld = &report.inventory.probe.withheld;
    if !withheld.is_empty() {
        say(out, t.withheld)?;
        for w in withheld {
            say(
                out,
                &format!("  - {}", serde_json::to_string(w).unwrap_or_default()),
            )?;
        }
    }
    Ok(())
}

/// The report the flags of a non-interactive run describe: `--works all` (everything works,
/// except what `--fails`/`--areas` name), `--works none`, or `--works ID,...` (only those
/// confirmed working).
pub fn from_flags(inventory: Inventory, args: &ShareArgs, lang: Lang) -> Result<CommunityReport> {
    let problems_given = !(args.fails.is_empty() && args.areas.is_empty());
    let some_or_all = if problems_given {
        Summary::SomeProblems
    } else {
        Summary::AllWork
    };
    let (summary, listed) = match args.works.as_slice() {
        [] => {
            return Err(CliError::Usage(
                "--non-interactive needs --works all, --works none or --works ID[,ID...]".into(),
            ))
        }
        [w] if w == "all" => (some_or_all, None),
        [w] if w == "none" => (Summary::NothingWorks, None),
        ids => (some_or_all, Some(ids.to_vec())),
    };
    let mut report = CommunityReport::from_answers(
        inventory,
        summary,
        args.areas.clone(),
        args.fails.clone(),
        args.comment.clone(),
        Some(lang_code(lang).to_owned()),
    );
    if let Some(ids) = listed {
        report.works = ids;
    }
    report
        .validate()
        .map_err(|e| CliError::Usage(format!("cannot share this: {e}")))?;
    Ok(report)
}

fn delete(args: &ShareArgs, id: &str) -> Result<u8> {
    let token = args.deletion_token.as_deref().ok_or_else(|| {
        CliError::Usage(
            "--delete needs --deletion-token (printed when the report was shared)".into(),
        )
    })?;
    let client = Client::public(&args.registry)?;
    client.delete_with_header(
        &format!("/api/v1/community/reports/{id}"),
        "X-Deletion-Token",
        token,
    )?;
    let lang = Lang::from_env(|k| std::env::var(k).ok());
    output::write_stdout(
        match lang {
            Lang::Es => format!("Reporte {id} borrado.\n"),
            Lang::En => format!("Report {id} deleted.\n"),
        }
        .as_bytes(),
    )?;
    Ok(exit::SUCCESS)
}

pub fn share(args: &ShareArgs) -> Result<u8> {
    if let Some(id) = &args.delete {
        return delete(args, id);
    }
    let lang = Lang::from_env(|k| std::env::var(k).ok());
    let inventory: Inventory = match &args.from {
        Some(path) => {
            let bytes = output::read_input(path)?;
            serde_json::from_slice(&bytes).map_err(|e| {
                CliError::BadInput(format!(
                    "{} is not an mxcert probe (mxcert probe --format json): {e}",
                    path.display()
                ))
            })?
        }
        None => probe::probe_live().map_err(|e| CliError::Environment(e.to_string()))?,
    };
    let report = if args.non_interactive {
        from_flags(inventory, args, lang)?
    } else {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut err = std::io::stderr();
        match ask(inventory, lang, &mut input, &mut err)? {
            Some(r) => r,
            None => {
                say(&mut err, text(lang).not_sent)?;
                return Ok(exit::SUCCESS);
            }
        }
    };
    let client = Client::public(&args.registry)?;
    let body = serde_json::to_vec(&report)
        .map_err(|e| CliError::BadInput(format!("cannot encode the report: {e}")))?;
    let shared: Shared =
        client.post_bytes("/api/v1/community/reports", "application/json", body)?;
    let t = text(lang);
    let mut out = format!(
        "{} {}{}\n{} {} / {}\n{}\n{}\n",
        t.shared,
        client.absolute(&shared.url),
        if shared.replaced {
            format!(" {}", t.replaced)
        } else {
            String::new()
        },
        t.counted,
        shared.works,
        shared.problems,
        t.token,
        shared.deletion_token,
    );
    if args.non_interactive {
        out = format!(
            "{}\n{}\n",
            client.absolute(&shared.url),
            shared.deletion_token
        );
    }
    output::write_stdout(out.as_bytes())?;
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory() -> Inventory {
        serde_json::from_value(serde_json::json!({
            "schema_version": 1, "created_at": "2026-01-01T00:00:00Z",
            "tool": {"name": "mxcert", "version": "0"},
            "machine_id": "m1",
            "system": {"vendor": "LENOVO", "product": "21HM"},
            "os": {"id": "mxos", "version": "1.0", "kernel": "6.8.0"},
            "devices": [
                {"bus": "pci", "id": "pci:8086:a7a1:17aa:22e4", "category": "graphics"},
                {"bus": "pci", "id": "pci:8086:51f1", "category": "wireless"},
                {"bus": "usb", "id": "usb:8087:0033", "category": "bluetooth"}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn the_questions_make_a_report_and_nothing_is_sent_without_yes() {
        // "Some things fail", then the wireless area (the numbered list: bluetooth, graphics,
        // wireless, suspend, ...), a comment, then yes.
        let mut out = Vec::new();
        let mut input = std::io::Cursor::new(b"s\n3\nSe cae el Wi-Fi\ny\n".to_vec());
        let r = ask(inventory(), Lang::En, &mut input, &mut out)
            .unwrap()
            .expect("sent after yes");
        assert_eq!(r.summary, Summary::SomeProblems);
        assert_eq!(r.problem_areas, vec!["wireless".to_owned()]);
        assert_eq!(r.works, vec!["pci:8086:a7a1", "usb:8087:0033"]);
        let shown = String::from_utf8(out).unwrap();
        assert!(
            shown.contains("This is exactly what will be sent"),
            "{shown}"
        );
        assert!(shown.contains("\"machine_id\": \"m1\""), "{shown}");
        let mut input = std::io::Cursor::new(b"y\n\nn\n".to_vec());
        assert!(ask(inventory(), Lang::En, &mut input, &mut Vec::new())
            .unwrap()
            .is_none());
    }

    #[test]
    fn spanish_answers() {
        let mut input = std::io::Cursor::new(b"s\n\ns\n".to_vec());
        let r = ask(inventory(), Lang::Es, &mut input, &mut Vec::new())
            .unwrap()
            .unwrap();
        assert_eq!(r.summary, Summary::AllWork);
        assert_eq!(r.comment, None);
        assert_eq!(r.language.as_deref(), Some("es"));
    }
}
