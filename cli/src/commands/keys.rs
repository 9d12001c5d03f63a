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

/// The key a registration proves possession of. `path` is the private key, or a public key with
/// its private key beside it (`mxcert.pub` and `mxcert.key`, as `mxcert keygen` writes them).
pub fn key_to_register(path: &Path) -> Result<keys::SigningKey> {
    let text = output::read_text(path)?;
    if let Ok(key) = keys::private_key_from_pem(&text) {
        return Ok(key);
    }
    let public = keys::public_key_from_pem(&text).map_err(|e| CliError::parse(path, e))?;
    let beside = path.with_extension("key");
    if beside == path || !beside.exists() {
        return Err(CliError::BadInput(format!(
            "failed to prove possession of the key in {}: the registry asks for a signature by \
             the private key; give the private key file, or keep it beside the public key as {}",
            path.display(),
            beside.display()
        )));
    }
    let key = read_private_key(&beside)?;
    if key.verifying_key() != public {
        return Err(CliError::BadInput(format!(
            "failed to prove possession of the key in {}: {} is the private key of another key",
            path.display(),
            beside.display()
        )));
    }
    Ok(key)
}

/// The body that registers `key` (or rotates to it): its public key, a fresh challenge from the
/// registry, and the key's signature of the registration for the challenge's organisation.
fn proven_key(client: &Client, key: &keys::SigningKey) -> Result<serde_json::Value> {
    let c: serde_json::Value =
        client.post_json("/api/v1/keys/challenge", &serde_json::json!({}))?;
    let (Some(challenge), Some(org)) = (c["challenge"].as_str(), c["org_id"].as_str()) else {
        return Err(CliError::Registry(format!(
            "failed to read the registry's key challenge: {c}"
        )));
    };
    let pem = keys::public_key_to_pem(&key.verifying_key())
        .map_err(|e| CliError::Environment(e.to_string()))?;
    Ok(serde_json::json!({
        "public_key_pem": pem,
        "challenge": challenge,
        "signature": keys::sign_registration(key, challenge, org),
    }))
}

/// Registers a key with the registry for the token's organisation, proving possession of its
/// private key.
pub fn register(args: &KeysRegisterArgs) -> Result<u8> {
    let key = key_to_register(&crate::config::Settings::load()?.key(args.key.as_deref())?)?;
    let client = Client::new(&args.registry)?;
    let body = proven_key(&client, &key)?;
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

/// Rotates a key: registers the new one (proving possession of it), retires the old one. Prints
/// the new key id.
pub fn rotate(args: &crate::args::KeysRotateArgs) -> Result<u8> {
    let key = key_to_register(&args.key)?;
    let client = Client::new(&args.registry)?;
    let mut body = proven_key(&client, &key)?;
    body["label"] = serde_json::json!(args.label);
    let answer: serde_json::Value = client.post_json(
        &format!(
            "/api/v1/keys/{}/rotate",
            crate::commands::submissions::segment(&args.keyid)
        ),
        &body,
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
        &serde_json::json!({ "reason": args.reason, "compromised": args.compromised }),
    )?;
    eprintln!("revoked key {}", args.keyid);
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn the_key_to_register_is_the_private_key_or_the_one_beside_its_public_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = keys::SigningKey::from_bytes(&[5u8; 32]);
        let private = keys::private_key_to_pem(&key).unwrap();
        let public = keys::public_key_to_pem(&key.verifying_key()).unwrap();
        let k = write(dir.path(), "mxcert.key", &private);
        let p = write(dir.path(), "mxcert.pub", &public);
        assert_eq!(key_to_register(&k).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(key_to_register(&p).unwrap().to_bytes(), key.to_bytes());
        // A public key alone proves nothing.
        let lone = write(dir.path(), "lone.pub", &public);
        let e = key_to_register(&lone).unwrap_err().to_string();
        assert!(
            e.contains("failed to prove possession") && e.contains("lone.key"),
            "{e}"
        );
        // Another key's private key beside it is not taken for its own.
        let other = keys::private_key_to_pem(&keys::SigningKey::from_bytes(&[6u8; 32])).unwrap();
        write(dir.path(), "lone.key", &other);
        let e = key_to_register(&lone).unwrap_err().to_string();
        assert!(e.contains("the private key of another key"), "{e}");
        let garbage = write(dir.path(), "garbage.pem", "hello");
        assert!(key_to_register(&garbage).is_err());
    }
}
