//! Where `mxcert` finds its registry, signing key and API token, read like other Debian tools.
//!
//! Each setting comes from the first of, in order of precedence:
//!
//! 1. the command line flag (`--registry`, `--key`, `--token`, `--token-file`);
//! 2. its environment variable (`MXCERT_REGISTRY`, `MXCERT_KEY`, `MXCERT_TOKEN`,
//!    `MXCERT_TOKEN_FILE`);
//! 3. the user's file, `$XDG_CONFIG_HOME/mxcert/config.toml` (`~/.config/mxcert/config.toml`);
//! 4. the system's file, `/etc/mxcert/mxcert.toml` (the directory is `$MXCERT_SYSCONFDIR` when
//!    set: tests and relocated installs point it elsewhere);
//! 5. the default: the MxOS Foundation's public registry, [`DEFAULT_REGISTRY`], so that
//!    `mxcert check` works with no flags; the key has no default; the token file is
//!    `$XDG_CONFIG_HOME/mxcert/token`, where `mxcert login` writes it.
//!
//! Both files take the same keys and refuse any other (a misspelt key is an error, not ignored):
//!
//! ```toml
//! registry = "https://registro.mxos.mx"   # base URL, http:// or https://
//! key = "mxcert.key"                      # private key for `mxcert sign`, `keys register`
//! token_file = "token"                    # file holding the API token (mode 0600)
//! ```
//!
//! Relative paths are relative to the file's directory. A missing file is skipped; a file that
//! cannot be read or parsed is an error naming it and the line ([`crate::exit::BAD_INPUT`]). A
//! token file that its group or others may read is refused ([`crate::exit::ENVIRONMENT`]), as
//! ssh refuses a private key anyone can read.

use std::ffi::OsString;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use crate::error::{CliError, Result};

/// The MxOS Foundation's public registry: the default when no file, variable or flag names one.
pub const DEFAULT_REGISTRY: &str = "https://registro.mxos.mx";

/// The system configuration directory when `MXCERT_SYSCONFDIR` is not set.
pub const DEFAULT_SYSCONFDIR: &str = "/etc/mxcert";

/// A token file longer than this is not a token file.
const MAX_TOKEN_BYTES: u64 = 4096;

/// The keys of `mxcert.toml` and `config.toml`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    registry: Option<toml::Spanned<String>>,
    key: Option<PathBuf>,
    token_file: Option<PathBuf>,
}

/// The settings of the configuration files, merged (the user's over the system's).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Settings {
    pub registry: Option<String>,
    pub key: Option<PathBuf>,
    pub token_file: Option<PathBuf>,
    /// Where the user's files live (`$XDG_CONFIG_HOME/mxcert`), when there is a home.
    pub user_dir: Option<PathBuf>,
}

/// The environment the settings are read from: the process's, or a test's.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<OsString>;

fn non_empty(env: Env<'_>, name: &str) -> Option<OsString> {
    env(name).filter(|v| !v.is_empty())
}

/// `$MXCERT_SYSCONFDIR/mxcert.toml`, or `/etc/mxcert/mxcert.toml`.
pub fn system_file(env: Env<'_>) -> PathBuf {
    non_empty(env, "MXCERT_SYSCONFDIR")
        .map_or_else(|| PathBuf::from(DEFAULT_SYSCONFDIR), PathBuf::from)
        .join("mxcert.toml")
}

/// `$XDG_CONFIG_HOME/mxcert`, or `$HOME/.config/mxcert`; `None` without either (a relative
/// `XDG_CONFIG_HOME` is ignored, as the XDG specification says).
pub fn user_dir(env: Env<'_>) -> Option<PathBuf> {
    let xdg = non_empty(env, "XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| non_empty(env, "HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("mxcert"))
}

impl Settings {
    /// Reads the system's file, then the user's, from the process's environment.
    pub fn load() -> Result<Settings> {
        Settings::load_from(&|name| std::env::var_os(name))
    }

    /// Reads the system's file, then the user's, from `env`.
    pub fn load_from(env: Env<'_>) -> Result<Settings> {
        let user_dir = user_dir(env);
        let mut settings = Settings {
            user_dir: user_dir.clone(),
            ..Settings::default()
        };
        let files = [
            Some(system_file(env)),
            user_dir.map(|d| d.join("config.toml")),
        ];
        for path in files.into_iter().flatten() {
            if let Some(file) = read_file(&path)? {
                settings.registry = file
                    .registry
                    .map(toml::Spanned::into_inner)
                    .or(settings.registry);
                settings.key = file.key.or(settings.key);
                settings.token_file = file.token_file.or(settings.token_file);
            }
        }
        Ok(settings)
    }

    /// The registry: `flag` (the flag or `MXCERT_REGISTRY`), else the files', else
    /// [`DEFAULT_REGISTRY`].
    pub fn registry(&self, flag: Option<&str>) -> String {
        flag.filter(|f| !f.is_empty())
            .map(str::to_owned)
            .or_else(|| self.registry.clone())
            .unwrap_or_else(|| DEFAULT_REGISTRY.to_owned())
    }

    /// The signing key: `flag` (the flag or `MXCERT_KEY`), else the files'; a usage error when
    /// none names one.
    pub fn key(&self, flag: Option<&Path>) -> Result<PathBuf> {
        flag.map(Path::to_path_buf)
            .or_else(|| self.key.clone())
            .ok_or_else(|| {
                CliError::Usage(
                    "no signing key: give --key FILE, set MXCERT_KEY, or set `key` in \
                     ~/.config/mxcert/config.toml"
                        .into(),
                )
            })
    }

    /// Where the token is kept: `flag` (`--token-file` or `MXCERT_TOKEN_FILE`), else the
    /// files', else `token` in the user's directory.
    pub fn token_file(&self, flag: Option<&Path>) -> Option<PathBuf> {
        flag.map(Path::to_path_buf)
            .or_else(|| self.token_file.clone())
            .or_else(|| self.user_dir.as_ref().map(|d| d.join("token")))
    }

    /// The API token: `token` (`--token` or `MXCERT_TOKEN`), else the token file's first line.
    pub fn token(&self, token: Option<&str>, file_flag: Option<&Path>) -> Result<String> {
        if let Some(t) = token.filter(|t| !t.is_empty()) {
            return Ok(t.to_owned());
        }
        let explicit = file_flag.is_some() || self.token_file.is_some();
        match self.token_file(file_flag) {
            Some(path) if explicit || path.exists() => read_token_file(&path),
            _ => Err(CliError::Usage(
                "no API token: run `mxcert login`, or give --token (MXCERT_TOKEN) or --token-file"
                    .into(),
            )),
        }
    }
}

/// Reads one configuration file; `None` when it does not exist.
fn read_file(path: &Path) -> Result<Option<FileSettings>> {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::BadInput(format!(
                "failed to read config file {}: {e}",
                path.display()
            )))
        }
    };
    let invalid = |message: String| {
        CliError::BadInput(format!("invalid config file {}: {message}", path.display()))
    };
    let text = String::from_utf8(text).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        invalid(format!("line {line}: not UTF-8 text"))
    })?;
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let mut file: FileSettings = toml::from_str(&text).map_err(|e| {
        invalid(match e.span() {
            Some(span) => format!("line {}: {}", line_of(span.start), e.message()),
            None => e.message().to_owned(),
        })
    })?;
    if let Some(url) = &file.registry {
        check_url(url.get_ref())
            .map_err(|m| invalid(format!("line {}: registry: {m}", line_of(url.span().start))))?;
    }
    let base = path.parent().unwrap_or(Path::new("."));
    for p in [&mut file.key, &mut file.token_file].into_iter().flatten() {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    }
    Ok(Some(file))
}

/// Whether `url` is an http(s) URL; the message says what is wrong.
pub fn check_url(url: &str) -> std::result::Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if matches!(parsed.scheme(), "http" | "https") {
        Ok(())
    } else {
        Err(format!("{url:?} is not an http:// or https:// URL"))
    }
}

/// Reads a token file: private to its owner, small, one non-empty line.
pub fn read_token_file(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).map_err(|e| {
        CliError::BadInput(format!("failed to read token file {}: {e}", path.display()))
    })?;
    let meta = file.metadata().map_err(|e| {
        CliError::BadInput(format!("failed to read token file {}: {e}", path.display()))
    })?;
    if meta.mode() & 0o044 != 0 {
        return Err(CliError::Environment(format!(
            "refusing to use token file {}: its group or others may read it (mode {:o}); \
             run `chmod 600 {}`",
            path.display(),
            meta.mode() & 0o777,
            path.display()
        )));
    }
    if meta.len() > MAX_TOKEN_BYTES {
        return Err(CliError::BadInput(format!(
            "token file {} is {} bytes: not a token file",
            path.display(),
            meta.len()
        )));
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut &file, &mut text).map_err(|e| {
        CliError::BadInput(format!("failed to read token file {}: {e}", path.display()))
    })?;
    let token = text.lines().next().unwrap_or("").trim();
    if token.is_empty() {
        return Err(CliError::BadInput(format!(
            "token file {} is empty: run `mxcert login`",
            path.display()
        )));
    }
    Ok(token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: Vec<(&'static str, PathBuf)>) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone().into_os_string())
        }
    }

    #[test]
    fn with_no_file_the_foundations_registry_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_of(vec![
            ("MXCERT_SYSCONFDIR", dir.path().join("etc")),
            ("HOME", dir.path().join("home")),
        ]);
        let s = Settings::load_from(&env).unwrap();
        assert_eq!(s.registry(None), DEFAULT_REGISTRY);
        assert_eq!(s.registry(Some("http://flag")), "http://flag");
        assert_eq!(
            s.token_file(None).unwrap(),
            dir.path().join("home/.config/mxcert/token")
        );
        let e = s.token(None, None).unwrap_err();
        assert_eq!(e.exit_code(), crate::exit::USAGE);
        assert!(e.to_string().contains("mxcert login"), "{e}");
        assert_eq!(s.key(None).unwrap_err().exit_code(), crate::exit::USAGE);
    }

    #[test]
    fn the_users_file_overrides_the_systems_key_by_key_with_paths_relative_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path().join("etc");
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::create_dir_all(xdg.join("mxcert")).unwrap();
        std::fs::write(
            etc.join("mxcert.toml"),
            "registry = \"https://lab.example\"\nkey = \"/srv/keys/lab.key\"\n",
        )
        .unwrap();
        std::fs::write(
            xdg.join("mxcert/config.toml"),
            "# mine\nkey = \"keys/mine.key\"\ntoken_file = \"tok\"\n",
        )
        .unwrap();
        let env = env_of(vec![
            ("MXCERT_SYSCONFDIR", etc),
            ("XDG_CONFIG_HOME", xdg.clone()),
        ]);
        let s = Settings::load_from(&env).unwrap();
        assert_eq!(s.registry(None), "https://lab.example");
        assert_eq!(s.key(None).unwrap(), xdg.join("mxcert/keys/mine.key"));
        assert_eq!(
            s.key(Some(Path::new("flag.key"))).unwrap(),
            PathBuf::from("flag.key")
        );
        assert_eq!(s.token_file(None).unwrap(), xdg.join("mxcert/tok"));
        // A configured token file that is missing is an error naming it, not "no token".
        let e = s.token(None, None).unwrap_err();
        assert_eq!(e.exit_code(), crate::exit::BAD_INPUT);
        assert!(e.to_string().contains("mxcert/tok"), "{e}");
        assert_eq!(s.token(Some("mxr_flag"), None).unwrap(), "mxr_flag");
    }

    #[test]
    fn a_broken_file_is_named_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_of(vec![
            ("MXCERT_SYSCONFDIR", dir.path().to_path_buf()),
            ("HOME", dir.path().join("home")),
        ]);
        let file = dir.path().join("mxcert.toml");
        let cases: [(&[u8], &str); 5] = [
            (
                b"registry = \"https://a\"\nregistri = \"x\"\n",
                "line 2: unknown field `registri`",
            ),
            (b"\n\nregistry = \n", "line 3: "),
            (b"key = 5\n", "line 1: invalid type"),
            (
                b"\nregistry = \"ftp://a\"\n",
                "line 2: registry: \"ftp://a\" is not an http",
            ),
            (b"# \xff\n", "line 1: not UTF-8 text"),
        ];
        for (text, expected) in cases {
            std::fs::write(&file, text).unwrap();
            let e = Settings::load_from(&env).unwrap_err();
            assert_eq!(e.exit_code(), crate::exit::BAD_INPUT);
            let message = e.to_string();
            assert!(
                message.starts_with(&format!("invalid config file {}: ", file.display()))
                    && message.contains(expected),
                "{message} lacks {expected}"
            );
        }
    }

    #[test]
    fn a_token_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "mxr_secret\n").unwrap();
        for (mode, ok) in [(0o600, true), (0o400, true), (0o640, false), (0o604, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            match read_token_file(&path) {
                Ok(t) => {
                    assert!(ok, "mode {mode:o} accepted");
                    assert_eq!(t, "mxr_secret");
                }
                Err(e) => {
                    assert!(!ok, "mode {mode:o} refused: {e}");
                    assert_eq!(e.exit_code(), crate::exit::ENVIRONMENT);
                    assert!(e.to_string().contains("chmod 600"), "{e}");
                    assert!(!e.to_string().contains("mxr_secret"), "{e}");
                }
            }
        }
    }
}
