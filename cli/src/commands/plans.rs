//! `mxcert plans list|show|validate`: the shipped plans, one plan's tests, and checking a
//! vendor-written plan file (every problem with its file and line; exit 1 when invalid).

use std::fmt::Write as _;

use mxcert_core::plan::{self, Plan, Target};
use serde_json::json;

use crate::args::{PlansCommand, PlansListArgs, PlansShowArgs, PlansValidateArgs};
use crate::error::{CliError, Result};
use crate::run::plan_source::{self, PlanSourceError};
use crate::run::prompt::lang_from_env;
use crate::{exit, output};

pub fn plans(cmd: &PlansCommand) -> Result<u8> {
    match cmd {
        PlansCommand::List(a) => list(a),
        PlansCommand::Show(a) => show(a),
        PlansCommand::Validate(a) => validate(a),
    }
}

fn blockers(p: &Plan) -> usize {
    p.tests.iter().filter(|t| t.blocker).count()
}

fn list(args: &PlansListArgs) -> Result<u8> {
    let mut plans = Vec::new();
    for s in plan::shipped() {
        let p = s.resolve().map_err(|e| {
            CliError::BadInput(format!("shipped plan {} does not resolve: {e}", s.id))
        })?;
        plans.push((s, p));
    }
    let bytes = if args.json {
        let list: Vec<_> = plans
            .iter()
            .map(|(s, p)| {
                json!({
                    "id": p.id,
                    "version": p.version,
                    "sha256": p.sha256(),
                    "target": p.target,
                    "title": p.title,
                    "description": p.description,
                    "tests": p.tests.len(),
                    "blockers": blockers(p),
                    "file": s.file,
                })
            })
            .collect();
        mxcert_core::format::to_json_pretty(&list)
    } else {
        let lang = lang_from_env();
        let mut out = format!(
            "{:<11} {:<8} {:>5} {:>8}  TITLE\n",
            "ID", "VERSION", "TESTS", "BLOCKERS"
        );
        for (_, p) in &plans {
            let _ = writeln!(
                out,
                "{:<11} {:<8} {:>5} {:>8}  {}",
                p.id,
                p.version,
                p.tests.len(),
                blockers(p),
                p.title.get(lang)
            );
        }
        out.into_bytes()
    };
    output::write_stdout(&bytes)?;
    Ok(exit::SUCCESS)
}

fn show(args: &PlansShowArgs) -> Result<u8> {
    let p = plan_source::load(&args.plan).map_err(|e| e.into_cli())?;
    if args.canonical {
        output::write_stdout(&p.canonical_json())?;
        return Ok(exit::SUCCESS);
    }
    if args.json {
        let doc = json!({ "sha256": p.sha256(), "plan": p });
        output::write_stdout(&mxcert_core::format::to_json_pretty(&doc))?;
        return Ok(exit::SUCCESS);
    }
    let lang = lang_from_env();
    let mut out = String::new();
    let _ = writeln!(out, "{} {} — {}", p.id, p.version, p.title.get(lang));
    let _ = writeln!(out, "{}", p.description.get(lang));
    if p.target == Target::Device {
        let _ = writeln!(out, "Certifies one device: run it with --device IDENTITY.");
    }
    let _ = writeln!(out, "sha256 {}\n", p.sha256());
    let idw = p.tests.iter().map(|t| t.id.len()).max().unwrap_or(2).max(2);
    let ckw = p
        .tests
        .iter()
        .map(|t| t.check.as_str().len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "{:<idw$}  {:<ckw$}  {:<7}  {:>7}  TITLE",
        "ID", "CHECK", "BLOCKER", "TIMEOUT"
    );
    for t in &p.tests {
        let mut title = t.title.get(lang).to_owned();
        if t.plan != p.id {
            title.push_str(&format!(" [from {}]", t.plan));
        }
        if !t.requires.is_empty() {
            let req: Vec<String> = t.requires.iter().map(|c| c.describe()).collect();
            title.push_str(&format!(" (if {})", req.join(" and ")));
        }
        let _ = writeln!(
            out,
            "{:<idw$}  {:<ckw$}  {:<7}  {:>6}s  {title}",
            t.id,
            t.check.as_str(),
            if t.blocker { "yes" } else { "no" },
            t.timeout().as_secs()
        );
    }
    output::write_stdout(out.as_bytes())?;
    Ok(exit::SUCCESS)
}

fn validate(args: &PlansValidateArgs) -> Result<u8> {
    let spec = args.file.to_string_lossy();
    if !args.file.is_file() {
        return Err(CliError::read(&args.file, "no such file"));
    }
    match plan_source::load(&spec) {
        Ok(p) => {
            let text = format!(
                "{}: valid plan {} {}, {} tests ({} blockers), sha256 {}\n",
                args.file.display(),
                p.id,
                p.version,
                p.tests.len(),
                blockers(&p),
                p.sha256()
            );
            output::write_stdout(text.as_bytes())?;
            Ok(exit::SUCCESS)
        }
        Err(PlanSourceError::Invalid(errors)) => {
            eprintln!("{errors}");
            let n = errors.0.len();
            let noun = if n == 1 { "problem" } else { "problems" };
            eprintln!("{}: invalid ({n} {noun})", args.file.display());
            Ok(exit::FAILED)
        }
        Err(e) => Err(e.into_cli()),
    }
}
