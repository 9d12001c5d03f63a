//! The command line: every command, flag and environment variable `mxcert` accepts.
//!
//! These names are a contract: vendors script them in CI. Add, never rename or remove.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// mxcert — MxOS hardware certification: probe, test, sign, submit, check.
#[derive(Debug, Parser)]
#[command(name = "mxcert", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inventory this machine's hardware.
    Probe(ProbeArgs),
    /// Make a new Ed25519 signing key pair (DIR/mxcert.key, DIR/mxcert.pub).
    Keygen(KeygenArgs),
    /// Sign a report: writes a DSSE envelope.
    Sign(SignArgs),
    /// Verify a signed report against a public key.
    Verify(VerifyArgs),
    /// Manage the signing keys registered for your organisation.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Submit a signed report to a registry.
    Submit(SubmitArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Write the manual pages.
    Man(ManArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Output format: a table grouped by category, or the inventory JSON.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    pub format: TableOrJson,
    /// Where to write the output (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Directory to write mxcert.key (mode 0600) and mxcert.pub into; created if missing.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The report to sign (`-` for standard input).
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// Where to write the envelope (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The public key (SubjectPublicKeyInfo PEM).
    #[arg(long = "pub", value_name = "PUB")]
    pub public_key: PathBuf,
    /// The signed report (DSSE envelope).
    #[arg(value_name = "ENVELOPE")]
    pub envelope: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

/// Where the registry is and who you are.
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// The registry's base URL, e.g. https://registro.mxos.mx
    #[arg(long, env = "MXCERT_REGISTRY", value_name = "URL")]
    pub registry: String,
    /// Your API token (vendor, reviewer or admin).
    #[arg(
        long,
        env = "MXCERT_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: String,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Register a public key for your organisation.
    Register(KeysRegisterArgs),
}

#[derive(Debug, Args)]
pub struct KeysRegisterArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The public key (SubjectPublicKeyInfo PEM).
    #[arg(value_name = "PUB")]
    pub public_key: PathBuf,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The signed report (DSSE envelope).
    #[arg(value_name = "ENVELOPE")]
    pub envelope: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write mxcert.1 and one page per command into.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}
