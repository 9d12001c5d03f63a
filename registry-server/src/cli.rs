//! The `mxcert-registry` command line: `serve`, `migrate` and `admin ...`.
//!
//! Settings come from, in order of precedence: flags, their environment variables
//! (`MXCERT_REGISTRY_DATABASE`, `MXCERT_REGISTRY_LISTEN`, ...), a TOML file given with `--config`
//! or `MXCERT_REGISTRY_CONFIG` (keys: [`crate::config::FileSettings`]), and the defaults. Admin commands print only their result on stdout (an id, a
//! token) so scripts can capture it; messages go to stderr.
//!
//! Exit codes: 0 success, 1 the operation failed (database, conflict, not found), 2 usage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use std::time::Duration;

use crate::client_addr::{TrustedProxies, TrustedProxy};
use crate::config::{Config, FileSettings};
use crate::state::AppState;
use crate::store::{Actor, Role, Store};

/// mxcert-registry — the MxOS certification registry server.
#[derive(Debug, Parser)]
#[command(name = "mxcert-registry", version, about)]
pub struct Cli {
    /// The database: sqlite://PATH (created when missing) or postgres://USER@HOST/DB
    /// [default: sqlite://mxcert-registry.db].
    #[arg(
        long,
        global = true,
        env = "MXCERT_REGISTRY_DATABASE",
        value_name = "URL"
    )]
    pub database: Option<String>,
    /// A TOML file of settings (the flags' names with underscores, e.g. `listen`,
    /// `request_timeout_secs`); flags and environment variables override it.
    #[arg(
        long,
        global = true,
        env = "MXCERT_REGISTRY_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (migrates the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage organisations, members, tokens and keys.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print shell completions (the packages install them).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (mxcert-registry.1 and one per command) into DIR.
    Man {
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed on stderr)
    /// [default: 127.0.0.1:8080].
    #[arg(long, env = "MXCERT_REGISTRY_LISTEN", value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Directory of plan files (*.toml) the registry accepts instead of the plans shipped with it.
    #[arg(long, env = "MXCERT_REGISTRY_PLANS_DIR", value_name = "DIR")]
    pub plans_dir: Option<PathBuf>,
    /// Oldest mxcert version whose reports pass the tool-version check [default: 0.1.0].
    #[arg(long, env = "MXCERT_REGISTRY_MIN_TOOL_VERSION", value_name = "VERSION")]
    pub min_tool_version: Option<String>,
    /// Largest accepted request body, in bytes [default: 8388608].
    #[arg(long, env = "MXCERT_REGISTRY_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest body `POST /api/v1/check` accepts, in bytes [default: 4194304].
    #[arg(
        long,
        env = "MXCERT_REGISTRY_CHECK_MAX_BODY_BYTES",
        value_name = "BYTES"
    )]
    pub check_max_body_bytes: Option<usize>,
    /// Deadline for a whole request, body included, in seconds, at most 86400 [default: 30].
    #[arg(
        long = "request-timeout",
        env = "MXCERT_REGISTRY_REQUEST_TIMEOUT",
        value_name = "SECS",
        value_parser = timeout_parser()
    )]
    pub request_timeout_secs: Option<u64>,
    /// Deadline for a request's headers (and an idle keep-alive connection), in seconds, at most
    /// 86400 [default: 10].
    #[arg(
        long = "header-read-timeout",
        env = "MXCERT_REGISTRY_HEADER_READ_TIMEOUT",
        value_name = "SECS",
        value_parser = timeout_parser()
    )]
    pub header_read_timeout_secs: Option<u64>,
    /// How long certificates are valid, in days, 1 to 36500 [default: 1095].
    #[arg(
        long = "certificate-days",
        env = "MXCERT_REGISTRY_CERTIFICATE_DAYS",
        value_name = "DAYS",
        value_parser = days_parser()
    )]
    pub certificate_validity_days: Option<u32>,
    /// The URL the public reaches the registry at (e.g. https://registro.mxos.mx); when it is
    /// https, the web portal's cookies are always Secure.
    #[arg(long, env = "MXCERT_REGISTRY_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// The transparency log's origin line [default: the public URL's host and path, then /log].
    /// Fixed when the log is made.
    #[arg(long, env = "MXCERT_REGISTRY_LOG_ORIGIN", value_name = "ORIGIN")]
    pub log_origin: Option<String>,
    /// Public POSTs (`/api/v1/check`) per client address per minute; 0 turns the limit off
    /// [default: 60].
    #[arg(
        long,
        env = "MXCERT_REGISTRY_PUBLIC_POSTS_PER_MINUTE",
        value_name = "N"
    )]
    pub public_posts_per_minute: Option<u32>,
    /// A reverse proxy in front of the registry (an address or a CIDR range; repeatable, comma
    /// separated in the variable): requests from it are attributed to the client its `Forwarded`
    /// or `X-Forwarded-For` header names, for rate limits and logs [default: none].
    #[arg(
        long = "trusted-proxy",
        env = "MXCERT_REGISTRY_TRUSTED_PROXIES",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<TrustedProxy>,
    /// The file that remembers the highest certificate number published, outside the database,
    /// so that a database restored from an older backup cannot issue a number twice; give every
    /// instance of one database the same file [default: DB.published beside a SQLite file; none
    /// for PostgreSQL].
    #[arg(long, env = "MXCERT_REGISTRY_PUBLISHED_MARK", value_name = "FILE")]
    pub published_mark: Option<PathBuf>,
    /// A witness of the transparency log, "VKEY URL": its cosignature verifier key (signed-note
    /// vkey) and its submission URL (`/add-checkpoint` is appended); repeatable, added to the
    /// file's `[[witness]]` tables [default: none].
    #[arg(long = "witness", value_name = "VKEY URL")]
    pub witnesses: Vec<crate::witness::WitnessSetting>,
    /// Deadline of one request to a witness, in seconds, at most 86400 [default: 10].
    #[arg(
        long = "witness-timeout",
        env = "MXCERT_REGISTRY_WITNESS_TIMEOUT",
        value_name = "SECS",
        value_parser = timeout_parser()
    )]
    pub witness_timeout_secs: Option<u64>,
}

/// A number of days a certificate or token is valid for: out of range is a usage error (exit 2)
/// naming the flag, never an overflow later.
fn days_parser() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=i64::from(crate::config::MAX_VALIDITY_DAYS))
}

/// A deadline in seconds: beyond a day is a usage error, never an instant that overflows.
fn timeout_parser() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(0..=crate::config::MAX_TIMEOUT_SECS)
}

/// The database URL from the flag, its variable, the file, or the default, in that order.
fn database_url(flag: Option<&str>, file: &FileSettings) -> String {
    flag.map(str::to_owned)
        .or_else(|| file.database.clone())
        .unwrap_or_else(|| Config::default().database)
}

/// The server's settings: each from its flag (or variable), else the file, else the default.
pub fn serve_config(database: String, args: ServeArgs, file: FileSettings) -> Config {
    let d = Config::default();
    let default_mark = crate::published::PublishedMark::default_for(&database);
    Config {
        listen: args.listen.or(file.listen).unwrap_or(d.listen),
        database,
        max_body_bytes: args
            .max_body_bytes
            .or(file.max_body_bytes)
            .unwrap_or(d.max_body_bytes),
        check_max_body_bytes: args
            .check_max_body_bytes
            .or(file.check_max_body_bytes)
            .unwrap_or(d.check_max_body_bytes),
        request_timeout: args
            .request_timeout_secs
            .or(file.request_timeout_secs)
            .map_or(d.request_timeout, |s| Duration::from_secs(s.max(1))),
        header_read_timeout: args
            .header_read_timeout_secs
            .or(file.header_read_timeout_secs)
            .map_or(d.header_read_timeout, |s| Duration::from_secs(s.max(1))),
        min_tool_version: args
            .min_tool_version
            .or(file.min_tool_version)
            .unwrap_or(d.min_tool_version),
        plans_dir: args.plans_dir.or(file.plans_dir),
        certificate_validity: args
            .certificate_validity_days
            .or(file.certificate_validity_days)
            // In range: checked by the flag's parser and by the file's.
            .map_or(d.certificate_validity, |days| {
                chrono::Duration::days(i64::from(days))
            }),
        public_posts_per_minute: args
            .public_posts_per_minute
            .or(file.public_posts_per_minute)
            .unwrap_or(d.public_posts_per_minute),
        public_post_burst: file.public_post_burst.unwrap_or(d.public_post_burst),
        community_reports_per_hour: file
            .community_reports_per_hour
            .unwrap_or(d.community_reports_per_hour),
        community_report_burst: file
            .community_report_burst
            .unwrap_or(d.community_report_burst),
        community_reports_per_machine_per_hour: file
            .community_reports_per_machine_per_hour
            .unwrap_or(d.community_reports_per_machine_per_hour),
        auth_failures_per_window: file
            .auth_failures_per_minute
            .unwrap_or(d.auth_failures_per_window),
        trusted_proxies: TrustedProxies::new(if args.trusted_proxies.is_empty() {
            file.trusted_proxies.unwrap_or_default()
        } else {
            args.trusted_proxies
        }),
        log_origin: args.log_origin.or(file.log_origin),
        web: crate::web::WebConfig {
            public_url: args.public_url.or(file.public_url),
            ..d.web.clone()
        },
        published_mark: args.published_mark.or(file.published_mark).or(default_mark),
        witness_timeout: args
            .witness_timeout_secs
            .or(file.witness_timeout_secs)
            .map_or(d.witness_timeout, |s| Duration::from_secs(s.max(1))),
        witnesses: file
            .witnesses
            .unwrap_or_default()
            .into_iter()
            .chain(args.witnesses)
            .collect(),
        snapshot_min_interval: file
            .snapshot_min_interval_secs
            .map_or(d.snapshot_min_interval, Duration::from_secs),
        answer_cache_bytes: file.answer_cache_bytes.unwrap_or(d.answer_cache_bytes),
        ..d
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organisation; prints its id.
    CreateOrg {
        #[arg(long)]
        name: String,
    },
    /// List organisations (id, slug, name), tab-separated.
    ListOrgs,
    /// Add a member (a person) to an organisation; prints the member id.
    AddMember {
        #[arg(long, value_name = "ORG_ID")]
        org: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, value_parser = ["admin", "reviewer", "vendor"])]
        role: String,
    },
    /// Disable a member and revoke their tokens.
    DisableMember {
        #[arg(value_name = "MEMBER_ID")]
        id: String,
    },
    /// Create an API token; prints the token, once. Only its SHA-256 is stored.
    CreateToken {
        #[arg(long, value_name = "ORG_ID")]
        org: String,
        #[arg(long, value_parser = ["admin", "reviewer", "vendor"])]
        role: String,
        /// The member the token belongs to.
        #[arg(long, value_name = "MEMBER_ID")]
        member: Option<String>,
        /// A label to recognise the token by.
        #[arg(long, default_value = "")]
        label: String,
        /// Days until the token expires, 1 to 36500 (default: never).
        #[arg(long, value_name = "DAYS", value_parser = days_parser())]
        expires_in_days: Option<u32>,
    },
    /// List tokens (id, prefix, role, organisation, state), tab-separated.
    ListTokens {
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
    },
    /// Revoke a token.
    RevokeToken {
        #[arg(value_name = "TOKEN_ID")]
        id: String,
    },
    /// Revoke an organisation's signing key: it can no longer sign new submissions.
    RevokeKey {
        #[arg(value_name = "KEYID")]
        keyid: String,
        #[arg(long)]
        reason: String,
        /// The private key may be in other hands: what it signed can no longer be approved.
        #[arg(long)]
        compromised: bool,
    },
    /// Print the registry's public key (PEM), making the key if there is none yet.
    RegistryKey,
    /// Copy the live SQLite database (keys included) to FILE, consistently, while it serves;
    /// verifies the copy. For PostgreSQL use pg_dump (docs/running-scale.md).
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Put a backup back as the database (SQLite): verifies it first; refuses to replace an
    /// existing database without --force, and one a running registry has open.
    Restore {
        #[arg(value_name = "BACKUP")]
        from: PathBuf,
        /// Replace an existing database file (the registry must be stopped).
        #[arg(long)]
        force: bool,
    },
    /// Verify every stored envelope, certificate and revocation and the certificate numbers
    /// (run after a restore, or a pg_restore).
    Check,
    /// The signed offline snapshot for `mxcert check --offline`.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// The transparency log.
    #[command(subcommand)]
    Log(LogAdminCommand),
}

#[derive(Debug, Subcommand)]
pub enum LogAdminCommand {
    /// Write the log as static C2SP tlog-tiles files into DIR (tiles first, checkpoint last).
    Export {
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
    },
    /// Store the witness cosignatures in FILE (a checkpoint the log signed, with cosignature
    /// lines obtained out of band) by the configured witnesses and the --witness-key keys,
    /// each verified first; audited.
    Cosign {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// A witness's cosignature verifier key (signed-note vkey); repeatable.
        #[arg(long = "witness-key", value_name = "VKEY")]
        keys: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Build a snapshot now and write its signed manifest (`mxcert-snapshot.dsse.json`) and its
    /// data file (named in the manifest) into DIR; prints the manifest's path.
    Export {
        #[arg(long, value_name = "DIR")]
        out_dir: std::path::PathBuf,
    },
}

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match &cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "mxcert-registry",
                &mut std::io::stdout(),
            );
            return ExitCode::SUCCESS;
        }
        Command::Man { out_dir } => {
            let written = std::fs::create_dir_all(out_dir).and_then(|()| {
                clap_mangen::generate_to(<Cli as clap::CommandFactory>::command(), out_dir)
            });
            return match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!(
                        "mxcert-registry: failed to write {}: {e}",
                        out_dir.display()
                    );
                    ExitCode::from(1)
                }
            };
        }
        _ => {}
    }
    let default_log = if matches!(cli.command, Command::Serve(_)) {
        "info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MXCERT_REGISTRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_log));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mxcert-registry: failed to start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mxcert-registry: {e}");
            ExitCode::from(1)
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(cli: Cli) -> Result<(), BoxError> {
    let file = match &cli.config {
        Some(path) => FileSettings::load(path)?,
        None => FileSettings::default(),
    };
    let database = database_url(cli.database.as_deref(), &file);
    if let Command::Admin(AdminCommand::Restore { from, force }) = &cli.command {
        // The target is not opened (nor created, nor migrated) before the backup is checked.
        let summary = crate::backup::restore(from, &database, *force).await?;
        eprintln!(
            "mxcert-registry: restored {} into {}: {summary}",
            from.display(),
            redact_url(&database)
        );
        let mark = file
            .published_mark
            .clone()
            .or_else(|| crate::published::PublishedMark::default_for(&database));
        let mark = mark
            .filter(|p| p.exists())
            .map(crate::published::PublishedMark::at);
        if let Some(mark) = mark {
            for (series, published) in mark.all()? {
                let held = summary
                    .counters
                    .iter()
                    .find(|(s, _)| *s == series)
                    .map_or(0, |(_, n)| *n);
                if published > held {
                    eprintln!(
                        "mxcert-registry: warning: {series} numbers up to {published:06} were \
                         published but the backup ends at {held:06}: approvals in {series} will \
                         be refused (published mark {})",
                        mark.path().display()
                    );
                }
            }
        }
        return Ok(());
    }
    let store = Store::open(&database)
        .await
        .map_err(|e| format!("failed to open {}: {e}", redact_url(&database)))?;
    match cli.command {
        Command::Serve(args) => serve(store, serve_config(database, args, file)).await,
        Command::Migrate => {
            eprintln!("mxcert-registry: {} is up to date", redact_url(&database));
            Ok(())
        }
        Command::Admin(AdminCommand::Backup { out }) => {
            let summary = crate::backup::backup(&store, &database, &out).await?;
            eprintln!("mxcert-registry: backed up to {}: {summary}", out.display());
            Ok(())
        }
        Command::Admin(AdminCommand::Log(LogAdminCommand::Cosign { file: path, keys })) => {
            cosign(
                &store,
                &path,
                &keys,
                file.witnesses.as_deref().unwrap_or_default(),
            )
            .await
        }
        Command::Admin(cmd) => admin(&store, cmd).await,
        Command::Completions { .. } | Command::Man { .. } => Ok(()),
    }
}

async fn serve(store: Store, config: Config) -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("failed to listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let database = config.database.clone();
    let state = AppState::new(store, config).await?;
    eprintln!(
        "mxcert-registry: listening on http://{addr} (database {}, {} known plans)",
        redact_url(&database),
        state.plans.plans.len()
    );
    // Migrations ran (`Store::open`) and the listener is bound: ready.
    crate::notify::notify_or_log(&format!("READY=1\nSTATUS=listening on http://{addr}"));
    let shutdown = async {
        crate::server::shutdown_signal().await;
        crate::notify::notify_or_log("STOPPING=1\nSTATUS=finishing the requests in flight");
    };
    crate::server::serve(listener, state, shutdown).await?;
    Ok(())
}

/// `admin log cosign`: the cosignatures in `path` by the `keys` given and the configured
/// witnesses, verified and stored.
async fn cosign(
    store: &Store,
    path: &std::path::Path,
    keys: &[String],
    configured: &[crate::witness::WitnessSetting],
) -> Result<(), BoxError> {
    use std::io::Read as _;
    let mut trusted = Vec::new();
    for key in keys {
        trusted.push(
            mxcert_core::tlog::cosignature::CosignerKey::parse(key)
                .map_err(|e| format!("--witness-key {key:?}: {e}"))?,
        );
    }
    for w in configured {
        trusted.push(crate::witness::Witness::from_setting(w)?.key);
    }
    if trusted.is_empty() {
        return Err("no witness key: give --witness-key VKEY or configure [[witness]]".into());
    }
    let limit = mxcert_core::tlog::witness::MAX_REQUEST_BYTES;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    if bytes.len() > limit {
        return Err(format!("{} is larger than {limit} bytes", path.display()).into());
    }
    let stored = crate::witness::store_out_of_band(store, &bytes, &trusted, &Actor::cli())
        .await
        .map_err(|e| {
            format!(
                "failed to store the cosignatures of {}: {e}",
                path.display()
            )
        })?;
    if stored.is_empty() {
        eprintln!("mxcert-registry: those cosignatures were already stored");
    }
    for name in stored {
        println!("{name}");
    }
    Ok(())
}

async fn admin(store: &Store, cmd: AdminCommand) -> Result<(), BoxError> {
    let actor = Actor::cli();
    match cmd {
        AdminCommand::CreateOrg { name } => {
            let org = crate::workflow::members::create_org(store, &name, &actor)
                .await
                .map_err(|e| e.message)?;
            println!("{}", org.id);
        }
        AdminCommand::ListOrgs => {
            for o in store.list_orgs().await? {
                println!("{}\t{}\t{}", o.id, o.slug, o.name);
            }
        }
        AdminCommand::AddMember {
            org,
            name,
            email,
            role,
        } => {
            let m =
                crate::workflow::members::add(store, &org, &name, email.as_deref(), &role, &actor)
                    .await
                    .map_err(|e| e.message)?;
            println!("{}", m.id);
        }
        AdminCommand::DisableMember { id } => {
            crate::workflow::members::disable(store, &id, &actor)
                .await
                .map_err(|e| e.message)?;
            eprintln!("mxcert-registry: disabled member {id} and revoked their tokens");
        }
        AdminCommand::CreateToken {
            org,
            role,
            member,
            label,
            expires_in_days,
        } => {
            let created = crate::workflow::tokens::issue(
                store,
                &org,
                parse_role(&role)?,
                member.as_deref(),
                &label,
                expires_in_days,
                &actor,
            )
            .await
            .map_err(|e| e.message)?;
            println!("{}", created.token);
        }
        AdminCommand::ListTokens { org } => {
            for t in store.list_tokens(org.as_deref()).await? {
                let state = match (&t.revoked_at, &t.expires_at) {
                    (Some(_), _) => "revoked".to_owned(),
                    (None, Some(e)) => format!("expires {e}"),
                    (None, None) => "active".to_owned(),
                };
                println!(
                    "{}\t{}…\t{}\t{}\t{}\t{}",
                    t.id, t.prefix, t.role, t.org_id, state, t.label
                );
            }
        }
        AdminCommand::RevokeToken { id } => {
            store.revoke_token(&id, &actor).await?;
            eprintln!("mxcert-registry: revoked token {id}");
        }
        AdminCommand::RevokeKey {
            keyid,
            reason,
            compromised,
        } => {
            store
                .revoke_key(&keyid, &reason, compromised, &actor)
                .await?;
            eprintln!("mxcert-registry: revoked key {keyid}");
        }
        AdminCommand::Log(LogAdminCommand::Export { dir }) => {
            crate::state::start_log(store, &Config::default()).await?;
            let size = crate::log_export::export(store, &dir).await?;
            eprintln!(
                "mxcert-registry: exported the log at size {size} to {}",
                dir.display()
            );
        }
        AdminCommand::RegistryKey => {
            let key = crate::signing::RegistryKey::load_or_create(store).await?;
            print!("{}", key.public_key_pem);
        }
        AdminCommand::Snapshot(SnapshotCommand::Export { out_dir }) => {
            let key = crate::signing::RegistryKey::load_or_create(store).await?;
            let built = crate::public::snapshot::build(store, &key).await?;
            let manifest = export_snapshot(&out_dir, &built).map_err(|e| {
                format!(
                    "failed to write the snapshot into {}: {e}",
                    out_dir.display()
                )
            })?;
            println!("{}", manifest.display());
            eprintln!(
                "mxcert-registry: snapshot version {} ({} bytes compressed)",
                built.manifest.version, built.manifest.data.size
            );
        }
        AdminCommand::Check => {
            let summary = crate::backup::check(store).await?;
            println!("{summary}");
        }
        AdminCommand::Log(LogAdminCommand::Cosign { .. }) => {
            return Err("cosign is run with the configuration file's witnesses".into());
        }
        AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => {
            return Err("backup and restore are run before the store is opened".into());
        }
    }
    Ok(())
}

/// Writes a built snapshot into `dir` (data first, manifest last, each atomically); returns the
/// manifest's path.
fn export_snapshot(
    dir: &std::path::Path,
    built: &mxcert_core::snapshot::Built,
) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    let write = |name: &str, bytes: &[u8]| -> std::io::Result<std::path::PathBuf> {
        use std::io::Write as _;
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    };
    write(&built.manifest.data.name, &built.data)?;
    write(SNAPSHOT_MANIFEST_FILE, &built.manifest_json)
}

/// The manifest's file name in an exported snapshot directory (what `mxcert check --offline
/// --snapshot` takes).
pub const SNAPSHOT_MANIFEST_FILE: &str = "mxcert-snapshot.dsse.json";

fn parse_role(role: &str) -> Result<Role, BoxError> {
    Role::parse(role).ok_or_else(|| format!("unknown role {role:?}").into())
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact_url, serve_config, Cli, Command};
    use crate::config::FileSettings;
    use clap::Parser as _;

    /// The trusted proxies `serve` gets from these arguments and this config file.
    fn proxies(args: &[&str], file: &str) -> Vec<String> {
        let cli = Cli::try_parse_from([&["mxcert-registry", "serve"][..], args].concat()).unwrap();
        let Command::Serve(args) = cli.command else {
            unreachable!()
        };
        let config = serve_config(String::new(), args, FileSettings::parse(file).unwrap());
        ["10.0.0.1", "10.200.3.4", "192.0.2.9", "fd00::1"]
            .into_iter()
            .filter(|ip| config.trusted_proxies.contains(ip.parse().unwrap()))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn trusted_proxies_come_from_the_flags_or_else_the_file() {
        assert!(proxies(&[], "").is_empty());
        assert_eq!(
            proxies(
                &["--trusted-proxy", "10.0.0.1", "--trusted-proxy", "fd00::/8"],
                ""
            ),
            ["10.0.0.1", "fd00::1"]
        );
        assert_eq!(
            proxies(&["--trusted-proxy=10.0.0.0/8,192.0.2.9"], ""),
            ["10.0.0.1", "10.200.3.4", "192.0.2.9"]
        );
        let file = "trusted_proxies = [\"192.0.2.9\"]\n";
        assert_eq!(proxies(&[], file), ["192.0.2.9"]);
        assert_eq!(
            proxies(&["--trusted-proxy", "10.0.0.1"], file),
            ["10.0.0.1"]
        );
        let e = Cli::try_parse_from(["mxcert-registry", "serve", "--trusted-proxy", "proxy.lan"])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("\"proxy.lan\" is not an IP address"),
            "{e}"
        );
    }

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            redact_url("postgres://postgres@h/db"),
            "postgres://postgres@h/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
