//! The repository holds no absolute path of one machine: scripts, documents and code find what
//! lies beside the repository relative to it (`../shared/fixtures`) or through a setting
//! (`MXCERT_SHARED_FIXTURES`), so they work in any checkout and worktree.

use std::path::{Path, PathBuf};

use mxcert_tests::repo_root;

/// Top directories of home and work directories, which only exist on some machine (written
/// without their slashes so that this file does not name them).
const MACHINE_DIRS: [&str; 4] = ["work", "home", "Users", "root"];

/// The files of the repository: those git tracks or would add (ignored build output, logs and
/// fuzzing corpora left out); without git, every file below `root` except `target/` and hidden
/// directories.
fn repository_files(root: &Path) -> Vec<PathBuf> {
    let listed = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success());
    if let Some(out) = listed {
        return out
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| root.join(String::from_utf8_lossy(p).as_ref()))
            .filter(|p| p.is_file())
            .collect();
    }
    let mut all = Vec::new();
    walk(root, &mut all);
    all
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.to_string_lossy().starts_with('.') && name != "target" {
                walk(&path, out);
            }
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

#[test]
fn no_file_names_an_absolute_path_of_one_machine() {
    let root = repo_root();
    let all = repository_files(&root);
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
