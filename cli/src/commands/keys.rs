//! `mxcert keygen` and `mxcert keys register`.

use std::path::Path;

use mxcert_core::keys;

use crate::args::{KeygenArgs, KeysRegisterArgs};
use crate::client::Client;
use crate::error::{CliError, Result};
use crate::exit;
use crate::output;

/// The private key's file name inside `--out-dir`.
pub const PRIVATE_KEY_FILE: &str = "mxcert.key";
/// The public key's file name inside `--out-dir`.
pub const PUBLIC_KEY_FILE: &str = "mxcert.pub";

/// Writes a new key pair; refuses to overwrite either file. Prints the key id on stdout.
pub fn keygen(args: &KeygenArgs) -> Result<u8> {
    let dir = &args.out_dir;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .create(dir)
            .map_err(|e| CliError::write(dir, e))?;
    }
    let private_path = dir.join(PRIVATE_KEY_FILE);
    let public_path = dir.join(PUBLIC_KEY_FILE);
    for p in [&private_path, &public_path] {
        if p.exists() {
            return Err(CliError::Environment(format!(
                "refusing to overwrite {}: it already exists",
                p.display()
            )));
        }
    }
    let mut rng = rand_core::OsRng;
    let key = keys::generate(&mut rng);
    let private_pem =
        keys::private_key_to_pem(&key).map_err(|e| CliError::Environment(e.to_string()))?;
    let public_pem = keys::public_key_to_pem(&key.verifying_key())
        .map_err(|e| CliError::Environment(e.to_string()))?;
    output::write_new(&private_path, private_pem.as_bytes(), 0o600)?;
    output::write_new(&public_path, public_pem.as_bytes(), 0o644)?;
    let id = keys::key_id(&key.verifying_key());
    eprintln!(
        "wrote {} (private: keep it secret) and {}",
        private_path.display(),
        public_path.display()
    );
    output::write_stdout(format!("{id}\n").as_bytes())?;
    Ok(exit::SUCCESS)
}

/// Reads a private key file.
pub fn read_private_key(path: &Path) -> Result<keys::SigningKey> {
    let pem = output::read_text(path)?;
    keys::private_key_from_pem(&pem).map_err(|e| CliError::parse(path, e))
}

/// Reads a public key file.
pub fn read_public_key(path: &Path) -> Result<keys::VerifyingKey> {
    let pem = output::read_text(path)?;
    keys::public_key_from_pem(&pem).map_err(|e| CliError::parse(path, e))
}

/// Registers a public key with the registry for the token's organisation.
pub fn register(args: &KeysRegisterArgs) -> Result<u8> {
    let key = read_public_key(&args.public_key)?;
    let pem = keys::public_key_to_pem(&key).map_err(|e| CliError::Environment(e.to_string()))?;
    let client = Client::new(&args.registry)?;
    let body = serde_json::json!({ "public_key_pem": pem });
    let answer: serde_json::Value = client.post_json("/api/v1/keys", &body)?;
    let keyid = answer
        .get("keyid")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    eprintln!("registered key {keyid}");
    output::write_stdout(format!("{keyid}\n").as_bytes())?;
    Ok(exit::SUCCESS)
}

/// Lists the organisation's keys.
pub fn list(args: &crate::args::KeysListArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let keys: serde_json::Value = client.get_json("/api/v1/keys")?;
    match args.format {
        crate::args::TextOrJson::Json => {
            output::write_stdout(&mxcert_core::format::to_json_pretty(&keys))?
        }
        crate::args::TextOrJson::Text => {
            let mut out = String::from("KEYID\tSTATUS\tLABEL\tCREATED\n");
            for k in keys.as_array().into_iter().flatten() {
                let field = |name: &str| k[name].as_str().unwrap_or("-").to_owned();
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\n",
                    field("keyid"),
                    field("status"),
                    field("label"),
                    field("created_at")
                ));
            }
            output::write_stdout(out.as_bytes())?;
        }
    }
    Ok(exit::SUCCESS)
}

/// Rotates a key: registers the new one, retires the old one. Prints the new key id.
pub fn rotate(args: &crate::args::KeysRotateArgs) -> Result<u8> {
    let key = read_public_key(&args.public_key)?;
    let pem = keys::public_key_to_pem(&key).map_err(|e| CliError::Environment(e.to_string()))?;
    let client = Client::new(&args.registry)?;
    let answer: serde_json::Value = client.post_json(
        &format!(
            "/api/v1/keys/{}/rotate",
            crate::commands::submissions::segment(&args.keyid)
        ),
        &serde_json::json!({ "public_key_pem": pem, "label": args.label }),
    )?;
    let keyid = answer["keyid"].as_str().unwrap_or_default();
    eprintln!("retired key {} in favour of {keyid}", args.keyid);
    output::write_stdout(format!("{keyid}\n").as_bytes())?;
    Ok(exit::SUCCESS)
}

/// Revokes a key.
pub fn revoke(args: &crate::args::KeysRevokeArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let _: serde_json::Value = client.post_json(
        &format!(
            "/api/v1/keys/{}/revoke",
            crate::commands::submissions::segment(&args.keyid)
        ),
        &serde_json::json!({ "reason": args.reason }),
    )?;
    eprintln!("revoked key {}", args.keyid);
    Ok(exit::SUCCESS)
}
