//! Text folding for matching: what related-system matching (and the registry's search) compare.
//!
//! Folding lowercases, removes the accents of Latin letters (so `Cómputo` matches `computo`, the
//! way people type on a phone), turns every run of whitespace and punctuation other than `-`, `.`,
//! `_`, `:`, `/`, `+` and `#` into one space, and trims.

/// Folds `s` for comparison.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = strip_accent(c);
        if c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | ':' | '/' | '+' | '#') {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

fn strip_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'ä' | 'â' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ë' | 'ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' | 'õ' => 'o',
        'ú' | 'ù' | 'ü' | 'û' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("  Cómputo  Día, S.A. "), "computo dia s.a.");
        assert_eq!(
            fold("ThinkPad X1 Carbon (Gen 11)"),
            "thinkpad x1 carbon gen 11"
        );
        assert_eq!(fold("MX-2026-000123"), "mx-2026-000123");
        assert_eq!(fold("NIÑO"), "nino");
        assert_eq!(fold("\u{0}\t"), "");
    }
}
