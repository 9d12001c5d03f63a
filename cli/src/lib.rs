//! mxcert, the MxOS hardware certification CLI.
//!
//! `main.rs` calls [`main`], which parses the command line ([`args`]), runs one command
//! ([`commands`]) and turns its [`error::CliError`] into a message on standard error and a
//! documented exit code ([`exit`]). Hardware probing, the test runner and the registry client live
//! in their own modules; formats and signing come from `mxcert-core`.

pub mod args;
pub mod client;
pub mod commands;
pub mod config;
pub mod error;
pub mod exit;
pub mod output;
pub mod probe;
pub mod run;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{
    CertificateCommand, Cli, Command, KeysCommand, LogCommand, ReviewCommand, SnapshotCommand,
    SubmissionsCommand,
};
use crate::error::CliError;

/// The tool name and version recorded in reports.
pub fn tool() -> mxcert_core::report::Tool {
    mxcert_core::tool("mxcert", env!("CARGO_PKG_VERSION"))
}

/// Runs the CLI with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with exit 0; usage errors to stderr with exit 2.
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("mxcert: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs one parsed command; `Ok` carries the exit code (a command may succeed with a "no").
pub fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.command {
        Command::Probe(a) => commands::probe::probe(&a),
        Command::Record(a) => commands::record::record(&a),
        Command::Keygen(a) => commands::keys::keygen(&a),
        Command::Sign(a) => commands::sign::sign(&a),
        Command::Verify(a) => commands::sign::verify(&a),
        Command::Keys(KeysCommand::Register(a)) => commands::keys::register(&a),
        Command::Submit(a) => commands::submit::submit(&a),
        Command::Run(a) => commands::run::run(&a),
        Command::Plans(c) => commands::plans::plans(&c),
        Command::Peer(a) => commands::peer::peer(&a),
        Command::Check(a) => Ok(run::child::child_main(a.runner_pid)),
        Command::Keys(KeysCommand::List(a)) => commands::keys::list(&a),
        Command::Keys(KeysCommand::Rotate(a)) => commands::keys::rotate(&a),
        Command::Keys(KeysCommand::Revoke(a)) => commands::keys::revoke(&a),
        Command::Submissions(SubmissionsCommand::List(a)) => commands::submissions::list(&a),
        Command::Submissions(SubmissionsCommand::Show(a)) => commands::submissions::show(&a),
        Command::Submissions(SubmissionsCommand::Comment(a)) => commands::submissions::comment(&a),
        Command::Submissions(SubmissionsCommand::Withdraw(a)) => {
            commands::submissions::withdraw(&a)
        }
        Command::Review(ReviewCommand::List(a)) => commands::review::list(&a),
        Command::Review(ReviewCommand::Show(a)) => commands::review::show(&a),
        Command::Review(ReviewCommand::Comment(a)) => commands::submissions::comment(&a),
        Command::Review(ReviewCommand::Approve(a)) => commands::review::approve(&a),
        Command::Review(ReviewCommand::Reject(a)) => commands::review::reject(&a),
        Command::Review(ReviewCommand::Revoke(a)) => commands::review::revoke(&a),
        Command::Certificate(CertificateCommand::Verify(a)) => commands::certificate::verify(&a),
        Command::Certificate(CertificateCommand::Fetch(a)) => commands::certificate::fetch(&a),
        Command::Certificate(CertificateCommand::Status(a)) => commands::certificate::status(&a),
        Command::Log(LogCommand::Verify(a)) => commands::log::verify(&a),
        Command::Log(LogCommand::Monitor(a)) => commands::log::monitor(&a),
        Command::CheckMachine(a) => commands::check::check(&a),
        Command::Share(a) => commands::share::share(&a),
        Command::Login(a) => commands::login::login(&a),
        Command::Snapshot(SnapshotCommand::Update(a)) => commands::snapshot::update(&a),
        Command::Completions(a) => commands::docs::completions(&a),
        Command::Man(a) => commands::docs::man(&a),
    }
}
