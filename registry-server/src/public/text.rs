//! Text for search: the words of `q` and `LIKE` patterns. Pure functions; no database.
//!
//! Folding ([`fold`]: lowercase, no accents, punctuation runs as one space) is
//! `mxcert_core::check::fold`, shared with `mxcert check --offline`, which matches related
//! systems the same way.

pub use mxcert_core::check::fold;

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
