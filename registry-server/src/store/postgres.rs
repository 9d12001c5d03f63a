//! The PostgreSQL backend (for scale): plain `BEGIN` transactions, concurrent writers, and an
//! optional schema as search path (tests give each run its own schema).

use sqlx::Connection as _;

use super::{Backend, Result};

/// The PostgreSQL backend.
#[derive(Debug, Clone)]
pub struct Postgres {
    pub schema: Option<String>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        &MIGRATOR
    }

    fn connection_setup(&self) -> Vec<String> {
        match &self.schema {
            Some(schema) => vec![format!("SET search_path TO {}", quote_ident(schema))],
            None => vec![],
        }
    }

    fn begin_write(&self) -> &'static str {
        "BEGIN"
    }

    fn serialise_writes(&self) -> bool {
        false
    }

    fn max_connections(&self) -> u32 {
        16
    }

    fn dedicated_writer(&self) -> bool {
        false
    }
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates `schema` if it does not exist.
pub async fn create_schema(url: &str, schema: &str) -> Result<()> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    sqlx::raw_sql(&format!(
        "CREATE SCHEMA IF NOT EXISTS {}",
        quote_ident(schema)
    ))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

/// Drops `schema` and everything in it.
pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    sqlx::raw_sql(&format!(
        "DROP SCHEMA IF EXISTS {} CASCADE",
        quote_ident(schema)
    ))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}
