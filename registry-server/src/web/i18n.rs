//! Languages and the message catalogue of the web portal.
//!
//! Spanish (es-MX) is the default; English is chosen by `?lang=en`, by the `mxcert_lang` cookie
//! the visible switch sets, or by `Accept-Language`, in that order. Every string a page shows comes
//! from one catalogue, `registry-server/i18n/messages.toml`, where each key holds both languages
//! side by side. It is compiled into the binary and checked when the portal starts: a key missing
//! a language, an empty text or placeholders (`{0}`, `{1}`) that differ between languages refuse
//! to load, and a test (`web::i18n::tests`) fails when a template or handler uses a key the
//! catalogue lacks or the catalogue keeps a key nothing uses.
//!
//! Device category names are the exception: they come from `mxcert_core::category`, the one
//! category table, which names each category in both languages.
//!
//! Dates are written with the catalogue's month names and `date.format` (see
//! [`super::Ctx::date`]). This module must not touch HTTP beyond reading the language hints it is
//! handed.

use std::collections::HashMap;
use std::fmt::Display;

/// The catalogue source, compiled in.
pub const MESSAGES_TOML: &str = include_str!("../../i18n/messages.toml");

/// A language the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Spanish as spoken in Mexico: the default.
    #[default]
    Es,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    /// The BCP 47 tag for `<html lang>` and `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Es => "es-MX",
            Lang::En => "en",
        }
    }

    /// The short code used in `?lang=` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::Es => "Español",
            Lang::En => "English",
        }
    }

    /// The other language (the one the switch offers).
    pub fn other(self) -> Lang {
        match self {
            Lang::Es => Lang::En,
            Lang::En => Lang::Es,
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::Es => 0,
            Lang::En => 1,
        }
    }

    /// Parses a language code or tag (`es`, `es-MX`, `EN`, `en-GB`); `None` for anything else.
    pub fn parse(value: &str) -> Option<Lang> {
        let primary = value.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The preferred supported language of an `Accept-Language` header, by quality and then by
    /// order; `None` when it names neither language (or only with `q=0`).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_quality);
            let Some(q) = q.filter(|q| *q > 0) else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }
}

/// Parses a quality value (`1`, `0.8`, `0.125`) into thousandths.
fn parse_quality(q: &str) -> Option<u16> {
    let q = q.trim();
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value: u16 = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

/// Why the catalogue does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("i18n/messages.toml is not valid TOML: {0}")]
    Toml(String),
    #[error("i18n/messages.toml: key {key:?} lacks its {lang} text")]
    Missing { key: String, lang: &'static str },
    #[error("i18n/messages.toml: key {key:?} has an empty {lang} text")]
    Empty { key: String, lang: &'static str },
    #[error("i18n/messages.toml: key {key:?} has {found:?}, expected a table of es and en texts")]
    Shape { key: String, found: String },
    #[error("i18n/messages.toml: key {key:?} uses placeholders {es:?} in es but {en:?} in en")]
    Placeholders {
        key: String,
        es: Vec<String>,
        en: Vec<String>,
    },
}

/// Every text of the portal in both languages.
#[derive(Debug, Clone)]
pub struct Catalogue {
    texts: HashMap<String, [String; 2]>,
}

impl Catalogue {
    /// The catalogue compiled into the binary.
    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(MESSAGES_TOML)
    }

    /// Parses and checks a catalogue: nested tables whose leaves are `{ es = "...", en = "..." }`.
    pub fn parse(source: &str) -> Result<Catalogue, CatalogueError> {
        let root: toml::Table = source
            .parse()
            .map_err(|e: toml::de::Error| CatalogueError::Toml(e.to_string()))?;
        let mut texts = HashMap::new();
        collect("", &root, &mut texts)?;
        Ok(Catalogue { texts })
    }

    /// The text of `key` in `lang`. An unknown key renders as the key itself (and is logged);
    /// the catalogue test keeps that from shipping.
    pub fn get<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        match self.texts.get(key) {
            Some(t) => &t[lang.index()],
            None => {
                tracing::warn!("unknown message key {key:?}");
                key
            }
        }
    }

    /// The text of `key` with `{0}`, `{1}`, ... replaced by `args`.
    pub fn format(&self, lang: Lang, key: &str, args: &[&dyn Display]) -> String {
        let mut out = self.get(lang, key).to_owned();
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &a.to_string());
        }
        out
    }

    /// Every key, for the catalogue tests.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.texts.contains_key(key)
    }
}

fn collect(
    prefix: &str,
    table: &toml::Table,
    out: &mut HashMap<String, [String; 2]>,
) -> Result<(), CatalogueError> {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let toml::Value::Table(t) = value else {
            return Err(CatalogueError::Shape {
                key,
                found: value.type_str().to_owned(),
            });
        };
        let is_leaf = t.values().any(|v| v.is_str());
        if !is_leaf {
            collect(&key, t, out)?;
            continue;
        }
        if let Some(extra) = t.keys().find(|k| *k != "es" && *k != "en") {
            return Err(CatalogueError::Shape {
                key,
                found: format!("a {extra:?} entry"),
            });
        }
        let text = |lang: &'static str| -> Result<String, CatalogueError> {
            let v = t.get(lang).and_then(toml::Value::as_str).ok_or_else(|| {
                CatalogueError::Missing {
                    key: key.clone(),
                    lang,
                }
            })?;
            if v.trim().is_empty() {
                return Err(CatalogueError::Empty {
                    key: key.clone(),
                    lang,
                });
            }
            Ok(v.to_owned())
        };
        let (es, en) = (text("es")?, text("en")?);
        let (pes, pen) = (placeholders(&es), placeholders(&en));
        if pes != pen {
            return Err(CatalogueError::Placeholders {
                key,
                es: pes,
                en: pen,
            });
        }
        out.insert(key, [es, en]);
    }
    Ok(())
}

/// The sorted, deduplicated `{N}` placeholders of a text.
fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(inside, _)| inside)
        .filter(|inside| !inside.is_empty() && inside.bytes().all(|b| b.is_ascii_digit()))
        .map(|inside| format!("{{{inside}}}"))
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        let cases = [
            ("en-US,en;q=0.9", Some(Lang::En)),
            ("es-MX,es;q=0.9,en;q=0.8", Some(Lang::Es)),
            ("fr-FR, en;q=0.5, es;q=0.7", Some(Lang::Es)),
            ("fr-FR, en;q=0.5", Some(Lang::En)),
            ("de, fr", None),
            ("en;q=0", None),
            ("en;q=0, es;q=0.001", Some(Lang::Es)),
            ("*", None),
            ("", None),
            ("en;q=2", None),
            ("en;q=banana", None),
            ("EN-gb", Some(Lang::En)),
        ];
        for (header, want) in cases {
            assert_eq!(Lang::from_accept_language(header), want, "{header:?}");
        }
    }

    #[test]
    fn language_codes_parse() {
        assert_eq!(Lang::parse("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::parse("en_US"), Some(Lang::En));
        assert_eq!(Lang::parse("pt"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::Es.other(), Lang::En);
    }

    #[test]
    fn builtin_catalogue_loads_with_both_languages_for_every_key() {
        let cat = Catalogue::builtin().expect("messages.toml loads");
        for key in cat.keys() {
            for lang in Lang::ALL {
                assert!(!cat.get(lang, key).trim().is_empty(), "{key} {lang:?}");
            }
        }
    }

    #[test]
    fn a_catalogue_missing_a_language_or_placeholder_is_refused() {
        let missing = "[home]\ntitle = { es = \"Inicio\" }\n";
        assert_eq!(
            Catalogue::parse(missing).unwrap_err(),
            CatalogueError::Missing {
                key: "home.title".into(),
                lang: "en"
            }
        );
        let empty = "[home]\ntitle = { es = \"Inicio\", en = \" \" }\n";
        assert!(matches!(
            Catalogue::parse(empty),
            Err(CatalogueError::Empty { .. })
        ));
        let placeholders = "[a]\nb = { es = \"{0} sistemas\", en = \"systems\" }\n";
        assert!(matches!(
            Catalogue::parse(placeholders),
            Err(CatalogueError::Placeholders { .. })
        ));
        let extra = "[a]\nb = { es = \"x\", en = \"y\", fr = \"z\" }\n";
        assert!(matches!(
            Catalogue::parse(extra),
            Err(CatalogueError::Shape { .. })
        ));
        assert!(matches!(
            Catalogue::parse("a = 1"),
            Err(CatalogueError::Shape { .. })
        ));
    }

    #[test]
    fn format_fills_placeholders_and_unknown_keys_render_as_themselves() {
        let cat = Catalogue::parse("[a]\nb = { es = \"{0} de {1}\", en = \"{0} of {1}\" }\n")
            .expect("parses");
        assert_eq!(cat.format(Lang::Es, "a.b", &[&1, &"3"]), "1 de 3");
        assert_eq!(cat.format(Lang::En, "a.b", &[&1, &"3"]), "1 of 3");
        assert_eq!(cat.get(Lang::En, "no.such"), "no.such");
    }

    fn crate_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, ext, out);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }

    /// Every key literal passed to `t(`, `tf1(`, `tf2(` or `msg(` in the templates and the
    /// web module's Rust sources.
    fn used_keys() -> Vec<(String, PathBuf)> {
        let mut sources = Vec::new();
        files(&crate_dir().join("templates"), "html", &mut sources);
        files(&crate_dir().join("src/web"), "rs", &mut sources);
        let mut used = Vec::new();
        for path in sources {
            let text = std::fs::read_to_string(&path).expect("read source");
            // This file describes the pattern; it holds no real keys.
            if path.ends_with("i18n.rs") {
                continue;
            }
            for call in ["t(", "tf1(", "tf2(", "msg("] {
                for (i, _) in text.match_indices(call) {
                    let before = text[..i].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let Some(rest) = text[i + call.len()..].trim_start().strip_prefix('"') else {
                        continue;
                    };
                    if let Some(end) = rest.find('"') {
                        used.push((rest[..end].to_owned(), path.clone()));
                    }
                }
            }
        }
        used
    }

    #[test]
    fn every_key_used_exists_and_every_key_is_used() {
        let cat = Catalogue::builtin().expect("messages.toml loads");
        let used = used_keys();
        assert!(used.len() > 20, "the scan found only {} keys", used.len());
        let unknown: Vec<String> = used
            .iter()
            .filter(|(k, _)| !cat.contains(k))
            .map(|(k, p)| format!("{k} (in {})", p.display()))
            .collect();
        assert!(
            unknown.is_empty(),
            "keys missing from messages.toml: {unknown:#?}"
        );
        let mut unused: Vec<&str> = cat
            .keys()
            .filter(|k| !used.iter().any(|(u, _)| u == k))
            .collect();
        unused.sort_unstable();
        assert!(unused.is_empty(), "keys nothing uses: {unused:#?}");
    }
}
