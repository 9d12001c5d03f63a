//! The registry's layers, checked from its imports: `routes/` (JSON) and `web/` (HTML) both call
//! `workflow/` and `public/` and never each other; `workflow/`, `public/`, `urls.rs` and
//! `config.rs` take nothing from either interface. (ARCHITECTURE.md, "registry-server".)

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code lines (comments left out) of `src/<part>` (a file or a directory) that name one
/// of `forbidden` (`crate::routes`, `super::super::web`, `routes::`, ...).
fn offending(part: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(part);
    let mut files = Vec::new();
    if root.is_dir() {
        sources(&root, &mut files);
    } else {
        files.push(root);
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if forbidden.iter().any(|f| code.contains(f)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

const ROUTES: &[&str] = &["crate::routes", "super::routes", "super::super::routes"];
const WEB: &[&str] = &["crate::web", "super::web", "super::super::web"];

#[test]
fn the_portal_does_not_call_the_json_handlers() {
    assert_eq!(offending("web", ROUTES), Vec::<String>::new());
}

#[test]
fn the_json_handlers_do_not_call_the_portal() {
    assert_eq!(offending("routes", WEB), Vec::<String>::new());
}

#[test]
fn the_layers_below_take_nothing_from_either_interface() {
    for part in ["workflow", "public", "store", "urls.rs", "config.rs"] {
        let both: Vec<&str> = ROUTES.iter().chain(WEB).copied().collect();
        assert_eq!(offending(part, &both), Vec::<String>::new(), "{part}");
    }
}

#[test]
fn the_check_sees_what_it_forbids() {
    // The checker itself: a directory that does use the portal is reported.
    assert!(!offending("server.rs", WEB).is_empty());
}
