//! The SQLite backend (the embedded default): a file in WAL mode with `synchronous=FULL`, so an
//! acknowledged write survives a crash or power loss, a busy timeout for other processes (the
//! `admin` command while `serve` runs), and one writer at a time (`BEGIN IMMEDIATE` on one
//! dedicated connection, behind an in-process queue) so writers never fail with "database is
//! locked" and the writer's page cache stays warm. Statement journals live in memory.

use super::Backend;

/// The SQLite backend.
#[derive(Debug, Clone, Copy)]
pub struct Sqlite;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        &MIGRATOR
    }

    fn connection_setup(&self) -> Vec<String> {
        [
            "PRAGMA busy_timeout = 10000",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            // Statement journals and sorts in memory, not in temporary files.
            "PRAGMA temp_store = MEMORY",
            // 16 MiB of page cache per connection (the default is 2 MiB).
            "PRAGMA cache_size = -16384",
            // Checkpoint every ~40 MiB of WAL rather than every 4 MiB: fewer, larger checkpoints.
            "PRAGMA wal_autocheckpoint = 10000",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    fn begin_write(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn serialise_writes(&self) -> bool {
        true
    }

    fn max_connections(&self) -> u32 {
        8
    }

    fn dedicated_writer(&self) -> bool {
        true
    }
}

/// Turns the part after `sqlite:` into a URL that creates the file when missing
/// (`sqlite://reg.db` -> `sqlite://reg.db?mode=rwc`).
pub fn normalise_url(rest: &str) -> String {
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.contains("mode=") {
        format!("sqlite://{path}")
    } else if path.contains('?') {
        format!("sqlite://{path}&mode=rwc")
    } else {
        format!("sqlite://{path}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_url;

    #[test]
    fn urls_create_the_file_unless_told_otherwise() {
        assert_eq!(normalise_url("//reg.db"), "sqlite://reg.db?mode=rwc");
        assert_eq!(normalise_url("///tmp/x.db"), "sqlite:///tmp/x.db?mode=rwc");
        assert_eq!(normalise_url("//x.db?mode=ro"), "sqlite://x.db?mode=ro");
        assert_eq!(
            normalise_url("x.db?cache=shared"),
            "sqlite://x.db?cache=shared&mode=rwc"
        );
    }
}
