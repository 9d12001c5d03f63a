//! Text folding for search and matching: what `q`, vendor filters and related-system matching
//! compare. Pure functions; no database.
//!
//! Folding lowercases, removes the accents of Latin letters (so `Cómputo` matches `computo`, the
//! way people type on a phone), turns every run of whitespace and punctuation other than `-`, `.`,
//! `_`, `:` and `/` into one space, and trims.

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

/// The folded words of a search query, at most `max` of them (longer queries are cut, not
/// refused), each at most 64 characters.
pub fn search_terms(q: &str, max: usize) -> Vec<String> {
    fold(q)
        .split(' ')
        .filter(|t| !t.is_empty())
        .take(max)
        .map(|t| t.chars().take(64).collect())
        .collect()
}

/// A `LIKE` pattern matching `term` anywhere, with `\` as the escape character.
pub fn like_contains(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
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

    #[test]
    fn search_terms_are_folded_words_and_bounded() {
        assert_eq!(search_terms("Lenovo  THINKPAD", 8), ["lenovo", "thinkpad"]);
        assert_eq!(search_terms("a b c d", 2), ["a", "b"]);
        assert_eq!(search_terms(&"x".repeat(100), 1)[0].len(), 64);
        assert!(search_terms("  ,, ", 8).is_empty());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("50%_x\\"), "%50\\%\\_x\\\\%");
    }
}
