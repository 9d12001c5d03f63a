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
    /// Inventory this machine's hardware (or a recording's, or a dump's).
    Probe(ProbeArgs),
    /// Record what a probe of this machine reads into DIR, for `mxcert probe --root DIR`.
    Record(RecordArgs),
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
    /// Run a certification test plan on this machine and write the report.
    Run(RunArgs),
    /// List, show and validate certification test plans.
    #[command(subcommand)]
    Plans(PlansCommand),
    /// Answer network.throughput tests run on other machines (`mxcert run --peer ADDR`).
    Peer(PeerArgs),
    /// Internal: run one check in a child process (the runner's isolation boundary).
    #[command(name = "__check", hide = true)]
    Check(ChildCheckArgs),
    /// Your organisation's submissions: list, show, comment, withdraw.
    #[command(subcommand)]
    Submissions(SubmissionsCommand),
    /// Review submissions (reviewers): queue, show with checks and diff, comment, approve, reject,
    /// revoke certificates.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Certificates: verify one offline, fetch one, ask for its status.
    #[command(subcommand)]
    Certificate(CertificateCommand),
    /// The registry's transparency log: check that it only ever grows.
    #[command(subcommand)]
    Log(LogCommand),
    /// Does this machine work with MxOS? Asks a registry about each of its devices and for
    /// certified systems like it (or, with --offline, a signed snapshot of it).
    #[command(name = "check")]
    CheckMachine(CheckArgs),
    /// Share what works on this machine with the community (no account; shows what it sends and
    /// asks first).
    Share(ShareArgs),
    /// Store your API token for the registry (read from standard input, checked with the
    /// registry, written with mode 0600).
    Login(LoginArgs),
    /// The signed offline snapshot `mxcert check --offline` answers from.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
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
    /// Probe a directory laid out like `/` (e.g. made by `mxcert record`) instead of this machine.
    #[arg(long, value_name = "DIR", conflicts_with = "from")]
    pub root: Option<PathBuf>,
    /// Import a file instead of probing: `udevadm info --export-db` output, a umockdev recording,
    /// `lspci -nn[k]` or `lsusb [-v]` output, or mxcert JSON (detected; `-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Also list, on standard error, what was withheld (kind and where, never the values).
    #[arg(long)]
    pub show_withheld: bool,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The directory to record into; it must not exist or be empty.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Record a tree laid out like `/` (e.g. another recording) instead of this machine.
    #[arg(long, value_name = "ROOT")]
    pub root: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Directory to write mxcert.key (mode 0600) and mxcert.pub into; created if missing.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The private key (PKCS#8 PEM) [default: `key` of the configuration files].
    #[arg(long, env = "MXCERT_KEY", value_name = "KEY")]
    pub key: Option<PathBuf>,
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

/// Where the registry is and who you are. Unset, both come from the configuration files (see
/// [`crate::config`]): the registry defaults to the MxOS Foundation's, the token to the file
/// `mxcert login` writes.
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// The registry's base URL [default: `registry` of ~/.config/mxcert/config.toml or
    /// /etc/mxcert/mxcert.toml, else https://registro.mxos.mx]
    #[arg(long, env = "MXCERT_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Your API token (vendor, reviewer or admin) [default: the token file's].
    #[arg(
        long,
        env = "MXCERT_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// A file holding your API token; it must not be readable by its group or others
    /// [default: `token_file` of the configuration files, else ~/.config/mxcert/token].
    #[arg(long, env = "MXCERT_TOKEN_FILE", value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Register a key for your organisation, proving you hold its private key.
    Register(KeysRegisterArgs),
    /// List your organisation's keys and their status.
    List(KeysListArgs),
    /// Replace a key by a new one: the old key is retired and cannot sign new submissions.
    Rotate(KeysRotateArgs),
    /// Revoke a key (lost, compromised): it cannot sign new submissions.
    Revoke(KeysRevokeArgs),
}

#[derive(Debug, Args)]
pub struct KeysListArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The id of the key to retire.
    #[arg(value_name = "KEYID")]
    pub keyid: String,
    /// The new key: its private key file (PKCS#8 PEM), or its public key with the private key
    /// beside it (`mxcert.pub` and `mxcert.key`). The registry asks for a signature by the
    /// private key; the private key never leaves this machine.
    #[arg(value_name = "NEW_KEY")]
    pub key: PathBuf,
    /// A label for the new key.
    #[arg(long)]
    pub label: Option<String>,
}

#[derive(Debug, Args)]
pub struct KeysRevokeArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The id of the key to revoke.
    #[arg(value_name = "KEYID")]
    pub keyid: String,
    /// Why (recorded in the audit log).
    #[arg(long)]
    pub reason: String,
    /// The private key may be in other hands: what it signed can no longer be approved.
    #[arg(long)]
    pub compromised: bool,
}

/// A registry that anyone may read (no token needed).
#[derive(Debug, Clone, Args)]
pub struct PublicRegistryArgs {
    /// The registry's base URL [default: `registry` of ~/.config/mxcert/config.toml or
    /// /etc/mxcert/mxcert.toml, else https://registro.mxos.mx]
    #[arg(long, env = "MXCERT_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SubmissionsCommand {
    /// List your organisation's submissions, newest first.
    List(SubmissionsListArgs),
    /// Show one submission: status, automated checks, failed tests, comments, decision.
    Show(SubmissionShowArgs),
    /// Add a comment to a submission.
    Comment(CommentArgs),
    /// Withdraw a submission that is not decided yet.
    Withdraw(WithdrawArgs),
}

#[derive(Debug, Args)]
pub struct SubmissionsListArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Only submissions in this status (submitted, checks_failed, in_review, approved, rejected,
    /// withdrawn).
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct SubmissionShowArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The submission id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The submission id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// The comment.
    #[arg(long, short)]
    pub message: String,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The submission id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Why (shown to reviewers).
    #[arg(long)]
    pub reason: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// The review queue: submissions in review (or another status), oldest work first.
    List(ReviewListArgs),
    /// Show a submission with its automated checks and what changed since the previous one.
    Show(SubmissionShowArgs),
    /// Comment on a submission.
    Comment(CommentArgs),
    /// Approve a submission in review; the registry issues its certificate.
    Approve(ApproveArgs),
    /// Reject a submission, with the reason the vendor will read.
    Reject(RejectArgs),
    /// Revoke a certificate, with the reason.
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub struct ReviewListArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Status to list (default: in_review).
    #[arg(long, default_value = "in_review")]
    pub status: String,
    /// List every status.
    #[arg(long, conflicts_with = "status")]
    pub all: bool,
    /// Only this organisation's submissions (its id).
    #[arg(long, value_name = "ORG_ID")]
    pub org: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The submission id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// A comment recorded with the approval.
    #[arg(long)]
    pub comment: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct RejectArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The submission id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Why it is rejected (the vendor reads this).
    #[arg(long)]
    pub reason: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The certificate id, e.g. MX-2026-000123.
    #[arg(value_name = "CERTIFICATE_ID")]
    pub certificate_id: String,
    /// Why it is revoked (published in the signed revocation).
    #[arg(long)]
    pub reason: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Subcommand)]
pub enum CertificateCommand {
    /// Verify a signed certificate (or revocation) offline against the registry's public key.
    Verify(CertificateVerifyArgs),
    /// Download a signed certificate (or its revocation) from a registry.
    Fetch(CertificateFetchArgs),
    /// Ask a registry for a certificate's current status (valid, revoked, expired).
    Status(CertificateStatusArgs),
}

#[derive(Debug, Args)]
pub struct CertificateVerifyArgs {
    /// The signed certificate or revocation (DSSE envelope; `-` for standard input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The registry's public key (PEM), for offline verification.
    #[arg(long, value_name = "PEM")]
    pub registry_key: Option<PathBuf>,
    /// Fetch the registry's public key from this registry instead (online).
    #[arg(long, env = "MXCERT_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// A signed revocation to check the certificate against, offline.
    #[arg(long, value_name = "FILE")]
    pub revocation: Option<PathBuf>,
    /// The proof that FILE is in the registry's transparency log (C2SP tlog-proof, from
    /// `/api/v1/certificates/ID/proof`); needs --log-key.
    #[arg(long, value_name = "BUNDLE")]
    pub proof: Option<PathBuf>,
    /// The log's verifier key (`ORIGIN+HASH+KEY`, from `/log/key`), or a file holding it.
    #[arg(long, value_name = "VKEY")]
    pub log_key: Option<String>,
    /// Witnesses whose cosignatures the proof's checkpoint must carry: lines `witness VKEY`
    /// and `quorum N` (default: all listed).
    #[arg(long, value_name = "FILE")]
    pub witness_policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Fetch the log's checkpoint and prove it extends the one seen last time (kept under
    /// $XDG_STATE_HOME/mxcert/logs); exit 6 with both checkpoints when the log has forked.
    Verify(LogVerifyArgs),
    /// Walk every entry of the log: each signed by the registry's key, certificate ids unique and
    /// increasing, each revocation naming a certificate issued before, the entries giving the
    /// signed root; exit 1 listing every problem.
    Monitor(LogMonitorArgs),
}

#[derive(Debug, Args)]
pub struct LogMonitorArgs {
    #[command(flatten)]
    pub registry: PublicRegistryArgs,
    /// The log's verifier key (`ORIGIN+HASH+KEY`, from `/log/key`), or a file holding it.
    #[arg(long, env = "MXCERT_LOG_KEY", value_name = "VKEY")]
    pub log_key: String,
    /// The registry's public key (PEM) every entry must be signed with.
    #[arg(long, value_name = "PEM")]
    pub registry_key: PathBuf,
}

#[derive(Debug, Args)]
pub struct LogVerifyArgs {
    #[command(flatten)]
    pub registry: PublicRegistryArgs,
    /// The log's verifier key (`ORIGIN+HASH+KEY`, from `/log/key`), or a file holding it.
    #[arg(long, env = "MXCERT_LOG_KEY", value_name = "VKEY")]
    pub log_key: String,
    /// Where checkpoints seen are kept [default: $XDG_STATE_HOME/mxcert/logs].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CertificateFetchArgs {
    #[command(flatten)]
    pub registry: PublicRegistryArgs,
    /// The certificate id, e.g. MX-2026-000123.
    #[arg(value_name = "CERTIFICATE_ID")]
    pub certificate_id: String,
    /// Fetch the signed revocation instead of the certificate.
    #[arg(long)]
    pub revocation: bool,
    /// Also save the registry's public key (PEM) here.
    #[arg(long, value_name = "FILE")]
    pub registry_key_out: Option<PathBuf>,
    /// Where to write it (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The registry's base URL (not needed with --offline) [default: `registry` of the
    /// configuration files, else https://registro.mxos.mx]
    #[arg(long, env = "MXCERT_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Answer from a signed snapshot of the registry's public data (`mxcert snapshot update`)
    /// instead of asking the registry: the same answer, without a network.
    #[arg(long)]
    pub offline: bool,
    /// The snapshot's signed manifest (with --offline; default: the one `mxcert snapshot
    /// update` saved under $XDG_DATA_HOME/mxcert/snapshot). Its data file is read from beside it.
    #[arg(long, value_name = "FILE", requires = "offline")]
    pub snapshot: Option<PathBuf>,
    /// The registry's public key (PEM) the snapshot must be signed with (with --offline;
    /// default: the key `mxcert snapshot update` saved).
    #[arg(long, value_name = "PEM", requires = "offline")]
    pub registry_key: Option<PathBuf>,
    /// Output format: a table (Spanish when the locale is Spanish), or the registry's answer as
    /// JSON.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    pub format: TableOrJson,
    /// Check a file instead of this machine: an mxcert probe or report, `udevadm info
    /// --export-db`, `lspci -nn[k]` or `lsusb` output (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub from: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Fetch the registry's newest snapshot, verify its signature and file, and save it under
    /// $XDG_DATA_HOME/mxcert/snapshot (or ~/.local/share/mxcert/snapshot).
    Update(SnapshotUpdateArgs),
}

#[derive(Debug, Args)]
pub struct SnapshotUpdateArgs {
    #[command(flatten)]
    pub registry: PublicRegistryArgs,
    /// The registry's public key (PEM) to verify with; without it, the key the registry serves
    /// (`/api/v1/registry-key`) is trusted on first use and saved beside the snapshot.
    #[arg(long, value_name = "PEM")]
    pub registry_key: Option<PathBuf>,
    /// Where to save it (default: $XDG_DATA_HOME/mxcert/snapshot).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShareArgs {
    #[command(flatten)]
    pub registry: PublicRegistryArgs,
    /// Share a probe taken earlier (`mxcert probe --format json`; `-` reads standard input)
    /// instead of probing this machine.
    #[arg(long, value_name = "PROBE.json")]
    pub from: Option<std::path::PathBuf>,
    /// Ask nothing (for scripts): needs `--works`; sends without asking.
    #[arg(long)]
    pub non_interactive: bool,
    /// What works: `all`, `none`, or the identities of the devices confirmed working
    /// (comma-separated).
    #[arg(
        long,
        value_name = "all|none|ID",
        value_delimiter = ',',
        requires = "non_interactive"
    )]
    pub works: Vec<String>,
    /// Identities of devices that do not work (comma-separated).
    #[arg(
        long,
        value_name = "ID",
        value_delimiter = ',',
        requires = "non_interactive"
    )]
    pub fails: Vec<String>,
    /// Areas that fail as a whole: a device category (wireless, audio, camera, ...) or suspend,
    /// hotkeys, battery (comma-separated).
    #[arg(
        long,
        value_name = "AREA",
        value_delimiter = ',',
        requires = "non_interactive"
    )]
    pub areas: Vec<String>,
    /// A public comment (no e-mail addresses, phone or serial numbers).
    #[arg(long, value_name = "TEXT", requires = "non_interactive")]
    pub comment: Option<String>,
    /// Delete the report with this id instead of sharing (needs `--deletion-token`).
    #[arg(long, value_name = "ID", conflicts_with_all = ["from", "non_interactive"])]
    pub delete: Option<String>,
    /// The deletion token printed when the report was shared.
    #[arg(long, value_name = "TOKEN", requires = "delete")]
    pub deletion_token: Option<String>,
}

#[derive(Debug, Args)]
pub struct CertificateStatusArgs {
    #[command(flatten)]
    pub registry: PublicRegistryArgs,
    /// The certificate id, e.g. MX-2026-000123.
    #[arg(value_name = "CERTIFICATE_ID")]
    pub certificate_id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct KeysRegisterArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The key: its private key file (PKCS#8 PEM), or its public key with the private key
    /// beside it (`mxcert.pub` and `mxcert.key`, as `mxcert keygen` writes them). The registry
    /// asks for a signature by the private key (proof of possession); the private key never
    /// leaves this machine. [default: `key` of the configuration files, or MXCERT_KEY]
    #[arg(value_name = "KEY", env = "MXCERT_KEY")]
    pub key: Option<PathBuf>,
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
pub struct LoginArgs {
    /// The registry's base URL [default: as for every command, see `mxcert check --help`].
    #[arg(long, env = "MXCERT_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Where to store the token [default: `token_file` of the configuration files, else
    /// ~/.config/mxcert/token].
    #[arg(long, env = "MXCERT_TOKEN_FILE", value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Store the token without asking the registry whom it belongs to (offline set-up).
    #[arg(long)]
    pub no_verify: bool,
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

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A shipped plan's id (see `mxcert plans list`) or the path of a plan file.
    #[arg(long, value_name = "ID|FILE", required_unless_present = "resume")]
    pub plan: Option<String>,
    /// Run only these tests (ids; repeat or separate with commas). The others are recorded as
    /// skipped, so a deselected blocker makes the run not certifiable.
    #[arg(long, value_name = "TEST", num_args = 1.., value_delimiter = ',')]
    pub only: Vec<String>,
    /// Do not run these tests (recorded as skipped, so a skipped blocker makes the run not
    /// certifiable).
    #[arg(long, value_name = "TEST", num_args = 1.., value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Never ask a person: manual tests are recorded as skipped with the reason "manual".
    #[arg(long)]
    pub non_interactive: bool,
    /// The session directory (journal, report). Default: a new directory under
    /// $XDG_STATE_HOME/mxcert/sessions (or ~/.local/state/mxcert/sessions).
    #[arg(long, value_name = "DIR")]
    pub session: Option<PathBuf>,
    /// Continue an interrupted session (the one in --session, or the latest unfinished one)
    /// with its first unfinished test.
    #[arg(long)]
    pub resume: bool,
    /// Where to write the report (`-` for standard output); it is always also written to the
    /// session directory.
    #[arg(long, value_name = "REPORT")]
    pub out: Option<PathBuf>,
    /// Also write the results as JUnit XML, for CI systems.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Address (host:port) of an `mxcert peer` for network throughput tests.
    #[arg(long, value_name = "ADDR")]
    pub peer: Option<String>,
    /// Networks for wifi.connect: a TOML file of `[[network]]` tables (`ssid`, then `psk` or
    /// `open = true`, optional `band` "2.4GHz", "5GHz" or "6GHz"). Keep it private (mode 0600);
    /// its passphrases never reach the report or a log.
    #[arg(long, value_name = "FILE")]
    pub wifi_config: Option<PathBuf>,
    /// Let power.suspend suspend this machine (it also needs root).
    #[arg(long)]
    pub allow_suspend: bool,
    /// Let power.reboot restart this machine (it also needs root); the run installs a systemd
    /// unit that resumes it after boot.
    #[arg(long)]
    pub allow_reboot: bool,
    /// For device plans (such as `peripheral`): the identity of the device to certify, e.g.
    /// usb:046d:c52b (see `mxcert probe`).
    #[arg(long, value_name = "IDENTITY")]
    pub device: Option<String>,
    /// Declare hardware the plan asks about (its `[[declare]]` ids, e.g. card_reader,fingerprint):
    /// a declared device that is not found fails its tests; tests of undeclared ones are not
    /// applicable. Without --declare or --manifest an interactive run asks the plan's questions.
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub declare: Vec<String>,
    /// Read the declarations from a TOML file: `declared = ["card_reader"]`.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Read hardware from this directory laid out like `/` (a recording or fixture tree) instead
    /// of this machine: the inventory is probed from it and every check reads and writes through
    /// it, so power.suspend writes the tree's sys/power/state, never the machine's.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PlansCommand {
    /// List the shipped plans.
    List(PlansListArgs),
    /// Show a plan's tests.
    Show(PlansShowArgs),
    /// Check a plan file (for vendor-written plans); exit 1 with every problem when invalid.
    Validate(PlansValidateArgs),
}

#[derive(Debug, Args)]
pub struct PlansListArgs {
    /// Print JSON: id, version, sha256, titles and test counts of each plan.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PlansShowArgs {
    /// A shipped plan's id or the path of a plan file.
    #[arg(value_name = "ID|FILE")]
    pub plan: String,
    /// Print the resolved plan as JSON.
    #[arg(long, conflicts_with = "canonical")]
    pub json: bool,
    /// Print the canonical JSON whose SHA-256 is the plan digest (`| sha256sum` gives it).
    #[arg(long)]
    pub canonical: bool,
}

#[derive(Debug, Args)]
pub struct PlansValidateArgs {
    /// The plan file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `mxcert __check` (started by the runner only).
#[derive(Debug, Args)]
pub struct ChildCheckArgs {
    /// The runner's pid: the check dies with it and takes its process group along.
    #[arg(long, value_name = "PID")]
    pub runner_pid: Option<u32>,
}

#[derive(Debug, Args)]
pub struct PeerArgs {
    /// Address to listen on, e.g. 0.0.0.0:7345 (every interface) or 192.168.1.10:7345.
    #[arg(long, value_name = "ADDR")]
    pub listen: String,
}
