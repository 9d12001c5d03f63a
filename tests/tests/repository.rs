//! The repository holds no absolute path of one machine: scripts, documents and code find what
//! lies beside the repository relative to it (`../shared/fixtures`) or through a setting
//! (`MXCERT_SHARED_FIXTURES`), so they work in any checkout and worktree.

use std::path::{Path, PathBuf};

use mxcert_tests::repo_root;

/// Top directories of home and work directories, which only exist on some machine (written
/// without their slashes so that this file does not name them).
const MACHINE_DIRS: [&str; 4] = ["work", "home", "Users", "root"];

/// Every file of the repository, leaving out build output, git's own files and fuzzing
/// corpora (none of which is committed).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !(name.starts_with('.')
                || ["target", "corpus", "artifacts", "coverage", "node_modules"]
                    .contains(&name.as_ref()))
            {
                files(&path, out);
            }
        } else if kind.is_file() && name != ".git" {
            out.push(path);
        }
    }
}

#[test]
fn no_file_names_an_absolute_path_of_one_machine() {
    let root = repo_root();
    let mut all = Vec::new();
    files(&root, &mut all);
    assert!(
        all.iter().any(|p| p.ends_with("scripts/test")),
        "the walk missed scripts/test"
    );
    let patterns: Vec<String> = MACHINE_DIRS.iter().map(|d| format!("/{d}/")).collect();
    let mut found = Vec::new();
    for path in &all {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            if patterns.iter().any(|p| line.contains(p.as_str())) {
                let shown = path.strip_prefix(&root).unwrap_or(path).display();
                found.push(format!("{shown}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "absolute paths of one machine:\n{}",
        found.join("\n")
    );
}
