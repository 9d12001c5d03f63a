//! `mxcert run`: runs a certification plan as a resumable session and writes the report.
//!
//! Exit codes: 0 when the run finished and every blocker passed (certifiable), 1 when it
//! finished but is not certifiable, 2 for usage errors (unknown plan, test or declaration id,
//! `--device` missing for a device plan, no answer to the declaration questions), 3 for
//! unreadable or invalid plan, manifest, session or journal files, 5 when
//! the session or report cannot be written, 130 when stopped by Ctrl-C, SIGTERM or SIGHUP, or
//! for a restart of `power.reboot` (the session is kept and can be resumed).

use std::path::{Path, PathBuf};

use mxcert_core::plan::{Plan, Target};
use mxcert_core::report::Verdict;
use mxcert_suites::attention::Desk;
use mxcert_suites::checks::wifi_connect::WifiConfig;
use mxcert_suites::Options;

use crate::args::RunArgs;
use crate::error::{CliError, Result};
use crate::run::attention::Attending;
use crate::run::journal::{Journal, Replay};
use crate::run::runner::{End, Runner};
use crate::run::session::{self, Selection, Session};
use crate::run::{attachments, declare, interrupt, plan_source, prompt, report, ui};
use crate::{exit, output, probe};

fn check_selection(plan: &Plan, flag: &str, ids: &[String]) -> Result<()> {
    let unknown: Vec<&str> = ids
        .iter()
        .filter(|id| plan.test(id).is_none())
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let known: Vec<&str> = plan.tests.iter().map(|t| t.id.as_str()).collect();
    Err(CliError::Usage(format!(
        "unknown test id {} in {flag} (plan {} has: {})",
        unknown.join(", "),
        plan.id,
        known.join(", ")
    )))
}

/// Paths given on the command line, made absolute so a resumed session finds them from any
/// directory (`-` stays standard output).
fn absolute(path: &Option<PathBuf>) -> Option<PathBuf> {
    path.as_ref().map(|p| {
        if p == Path::new("-") {
            p.clone()
        } else {
            std::path::absolute(p).unwrap_or_else(|_| p.clone())
        }
    })
}

fn start(args: &RunArgs, spec: &str) -> Result<(Session, Journal, Replay)> {
    if let Some(path) = &args.wifi_config {
        WifiConfig::read(path).map_err(|e| CliError::Usage(format!("--wifi-config: {e}")))?;
    }
    let plan = plan_source::load(spec).map_err(|e| e.into_cli())?;
    check_selection(&plan, "--only", &args.only)?;
    check_selection(&plan, "--skip", &args.skip)?;
    match (plan.target, &args.device) {
        (Target::Device, None) => {
            return Err(CliError::Usage(format!(
            "plan {} certifies one device: choose it with --device IDENTITY (see `mxcert probe`)",
            plan.id
        )))
        }
        (Target::System, Some(_)) => {
            return Err(CliError::Usage(format!(
                "--device is only for device plans; plan {} certifies the whole machine",
                plan.id
            )))
        }
        _ => {}
    }
    if let Some(dir) = &args.session {
        if dir.join(session::SESSION_FILE).exists() {
            return Err(crate::run::RunError::SessionExists { dir: dir.clone() }.into_cli());
        }
    }
    let declared = declarations(args, &plan)?;
    let root = absolute(&args.root);
    let inventory = match &root {
        None => probe::probe_live(),
        Some(dir) => probe::probe(&probe::Source::Root(dir.clone())),
    }
    .map_err(|e| CliError::Environment(e.to_string()))?;
    let mut info = session::new_info(
        plan,
        spec.to_owned(),
        Selection {
            only: args.only.clone(),
            skip: args.skip.clone(),
        },
        args.device.clone(),
        absolute(&args.out),
        absolute(&args.junit),
        inventory,
    );
    info.declared = declared;
    info.root = root;
    let dir = args
        .session
        .clone()
        .unwrap_or_else(|| session::default_dir(&info));
    let (session, journal) = Session::create(&dir, info).map_err(|e| e.into_cli())?;
    Ok((session, journal, Replay::default()))
}

/// The declarations: `--declare` and `--manifest`, or the plan's questions in an interactive
/// run without either.
fn declarations(args: &RunArgs, plan: &Plan) -> Result<Vec<String>> {
    let mut declared = args.declare.clone();
    if let Some(path) = &args.manifest {
        declared.extend(declare::read_manifest(path)?);
    }
    let given = !args.declare.is_empty() || args.manifest.is_some();
    if !given && !args.non_interactive && !plan.declarations.is_empty() {
        let stdin = std::io::stdin();
        declared = declare::ask(
            plan,
            prompt::lang_from_env(),
            &mut stdin.lock(),
            &mut std::io::stderr(),
        )
        .ok_or_else(|| {
            CliError::Usage(
                "no answer to the plan's questions (standard input ended); declare with --declare ID,... or --manifest FILE".into(),
            )
        })?;
    }
    declare::check(plan, declared)
}

fn resume(args: &RunArgs) -> Result<(Session, Journal, Replay)> {
    if args.plan.is_some()
        || !args.only.is_empty()
        || !args.skip.is_empty()
        || args.device.is_some()
        || !args.declare.is_empty()
        || args.manifest.is_some()
        || args.root.is_some()
    {
        return Err(CliError::Usage(
            "--plan, --only, --skip, --device, --declare, --manifest and --root are fixed when a session starts; --resume continues with them".into(),
        ));
    }
    let dir = match &args.session {
        Some(d) => d.clone(),
        None => session::latest_unfinished().map_err(|e| e.into_cli())?,
    };
    Session::open(&dir).map_err(|e| e.into_cli())
}

pub fn run(args: &RunArgs) -> Result<u8> {
    let interrupt = interrupt::install();
    let (session, mut journal, replay) = match (&args.plan, args.resume) {
        (_, true) => resume(args)?,
        (Some(spec), false) => start(args, spec)?,
        (None, false) => {
            return Err(CliError::Usage(
                "--plan ID|FILE is required (or --resume)".into(),
            ))
        }
    };
    let exe = std::env::current_exe()
        .map_err(|e| CliError::Environment(format!("failed to find the mxcert executable: {e}")))?;
    let lang = prompt::lang_from_env();
    let mut ui = ui::for_stderr(lang);
    // Checks that wait for a person's action talk to the display through this socket.
    let mut attention = None;
    if !args.non_interactive {
        match Desk::bind() {
            Ok(desk) => {
                attention = Some(desk.path().to_path_buf());
                ui = Box::new(Attending::new(ui, desk, lang));
            }
            Err(e) => ui.notice(&format!(
                "cannot open the socket for tests that wait for a person ({e}); they will be skipped"
            )),
        }
    }
    let mut runner = Runner {
        session: &session,
        journal: &mut journal,
        exe,
        options: Options {
            peer: args.peer.clone(),
            allow_suspend: args.allow_suspend,
            allow_reboot: args.allow_reboot,
            device: None,
            attention,
            wifi_config: absolute(&args.wifi_config),
        },
        interactive: !args.non_interactive,
        interrupt: &interrupt,
    };
    let end = runner.run(replay, ui.as_mut());
    ui.end();
    let results = match end.map_err(|e| e.into_cli())? {
        End::Complete(results) => results,
        End::Restarting(how) => {
            eprintln!("mxcert: power.reboot: {how}");
            return Err(CliError::Interrupted);
        }
        End::Interrupted => {
            eprintln!(
                "mxcert: stopped; every finished test is saved. Continue with:\n  mxcert run --resume --session {}",
                session.dir.display()
            );
            return Err(CliError::Interrupted);
        }
    };
    let mut report = report::build(&session.info, results);
    let scrubber = attachments::scrubber(probe::live_withholding().unwrap_or_default());
    (report.attachments, report.attachment_notes) =
        attachments::collect(&attachments::System, session.info.created_at, &scrubber);
    if let Err(e) = report::fit_budget(&mut report) {
        eprintln!("mxcert: warning: {e}; mxcert submit will refuse its envelope");
    }
    let bytes = report.to_json_pretty();
    output::write_atomic(&session.report_path(), &bytes, None)?;
    if let Some(out) = absolute(&args.out).or_else(|| session.info.out.clone()) {
        output::write_output(Some(&out), &bytes)?;
    }
    if let Some(junit) = absolute(&args.junit).or_else(|| session.info.junit.clone()) {
        let xml = report::junit(&report).map_err(|e| CliError::write(&junit, e))?;
        output::write_output(Some(&junit), xml.as_bytes())?;
    }
    session.remove_scratch();
    ui::print_summary(&report);
    eprintln!("Report: {}", session.report_path().display());
    Ok(match report.summary.verdict {
        Verdict::Certifiable => exit::SUCCESS,
        Verdict::NotCertifiable => exit::FAILED,
    })
}
