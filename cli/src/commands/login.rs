//! `mxcert login`: stores an API token so that other commands need no `--token`.
//!
//! The token is read from standard input (one line; on a terminal it is asked for without echo),
//! never from the command line, where other users could read it in the process list. Unless
//! `--no-verify`, the registry is asked whom the token belongs to (`GET /api/v1/me`), so a
//! mistyped token is refused before it is stored. The file ([`crate::config`]: `--token-file`,
//! `token_file`, else `~/.config/mxcert/token`) is written atomically with mode 0600, its
//! directory created 0700 when missing.

use std::io::{BufRead as _, IsTerminal as _, Read as _, Write as _};
use std::os::unix::fs::DirBuilderExt as _;

use crate::args::LoginArgs;
use crate::client::Client;
use crate::config::Settings;
use crate::error::{CliError, Result};
use crate::{exit, output};

/// The longest line read as a token.
const MAX_TOKEN_LINE: usize = 4096;

pub fn login(args: &LoginArgs) -> Result<u8> {
    let settings = Settings::load()?;
    let registry = settings.registry(args.registry.as_deref());
    let path = settings
        .token_file(args.token_file.as_deref())
        .ok_or_else(|| {
            CliError::Usage(
                "no place for the token: neither HOME nor XDG_CONFIG_HOME is set; give \
                 --token-file FILE"
                    .into(),
            )
        })?;
    let token = read_token(&registry)?;
    if !args.no_verify {
        let me: serde_json::Value =
            Client::with_token(&registry, Some(token.clone()))?.get_json("/api/v1/me")?;
        eprintln!(
            "mxcert: the token is {}'s ({}, {}) at {registry}",
            me["name"].as_str().unwrap_or("?"),
            me["role"].as_str().unwrap_or("?"),
            me["org_name"].as_str().unwrap_or("?"),
        );
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| CliError::write(dir, e))?;
    }
    output::write_atomic(&path, format!("{token}\n").as_bytes(), Some(0o600))?;
    eprintln!("mxcert: token stored in {}", path.display());
    Ok(exit::SUCCESS)
}

/// One line of standard input, without echo on a terminal.
fn read_token(registry: &str) -> Result<String> {
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let _echo = if terminal {
        eprint!("API token for {registry}: ");
        let _ = std::io::stderr().flush();
        EchoOff::new(&stdin)
    } else {
        None
    };
    let mut line = Vec::new();
    stdin
        .lock()
        .take(MAX_TOKEN_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| {
            CliError::BadInput(format!("failed to read the token from standard input: {e}"))
        })?;
    if terminal {
        eprintln!();
    }
    if line.len() > MAX_TOKEN_LINE {
        return Err(CliError::BadInput(format!(
            "the token on standard input is longer than {MAX_TOKEN_LINE} bytes"
        )));
    }
    let token = std::str::from_utf8(&line)
        .map_err(|_| CliError::BadInput("the token on standard input is not UTF-8 text".into()))?
        .trim();
    if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CliError::BadInput(
            "no token on standard input: give one line holding the token (e.g. `mxcert login < \
             token.txt`)"
                .into(),
        ));
    }
    Ok(token.to_owned())
}

/// Turns the terminal's echo off until dropped.
struct EchoOff {
    fd: std::os::fd::OwnedFd,
    saved: nix::sys::termios::Termios,
}

impl std::fmt::Debug for EchoOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EchoOff")
    }
}

impl EchoOff {
    fn new(stdin: &std::io::Stdin) -> Option<EchoOff> {
        use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
        use std::os::fd::AsFd as _;
        let fd = stdin.as_fd().try_clone_to_owned().ok()?;
        let saved = tcgetattr(&fd).ok()?;
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        tcsetattr(&fd, SetArg::TCSANOW, &quiet).ok()?;
        Some(EchoOff { fd, saved })
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        let _ =
            nix::sys::termios::tcsetattr(&self.fd, nix::sys::termios::SetArg::TCSANOW, &self.saved);
    }
}
