use chrono::TimeZone;
use ed25519_dalek::SigningKey;

use super::*;
use crate::check::{KnownDevice, StatusCounts};

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap()
}

fn data() -> SnapshotData {
    SnapshotData {
        schema_version: DATA_SCHEMA_VERSION,
        version: 7,
        created_at: t(1),
        systems: Vec::new(),
        devices: vec![KnownDevice {
            identity: "pci:8086:9a49".into(),
            vendor_name: Some("Intel Corporation".into()),
            device_name: None,
            reports: StatusCounts {
                certified: 1,
                works: 2,
                problem: 0,
                seen: 0,
            },
            systems: 1,
            community: Default::default(),
        }],
        revoked: vec!["MX-2026-000002".into()],
    }
}

/// A manifest for `bytes` (as if the registry had signed a damaged file).
fn signed_for(bytes: &[u8], uncompressed_size: u64, k: &SigningKey) -> Vec<u8> {
    let mut m = build(&data(), t(8), None, k).manifest;
    m.data.sha256 = sha256_hex(bytes);
    m.data.size = bytes.len() as u64;
    m.data.uncompressed_size = uncompressed_size;
    dsse::sign(MANIFEST_PAYLOAD_TYPE, &crate::format::to_json_pretty(&m), k).to_json_pretty()
}

#[test]
fn a_built_snapshot_opens_with_the_registry_key() {
    let k = key(1);
    let built = build(&data(), t(8), Some("checkpoint text\n".into()), &k);
    let (m, d) = open(&built.manifest_json, &built.data, &k.verifying_key()).unwrap();
    assert_eq!(d, data());
    assert_eq!(m.version, 7);
    assert_eq!(m.checkpoint.as_deref(), Some("checkpoint text\n"));
    assert_eq!(m.data.name, "mxcert-snapshot-7.json.gz");
    assert_eq!(m.data.sha256, sha256_hex(&built.data));
    assert!(built.data.starts_with(&[0x1f, 0x8b]), "gzip magic");
}

#[test]
fn another_key_or_another_file_is_refused() {
    let k = key(1);
    let built = build(&data(), t(8), None, &k);
    let e = open(&built.manifest_json, &built.data, &key(2).verifying_key()).unwrap_err();
    assert!(e.is_untrusted(), "{e}");
    let mut other = built.data.clone();
    let last = other.len() - 9;
    other[last] ^= 1;
    let e = open(&built.manifest_json, &other, &k.verifying_key()).unwrap_err();
    assert_eq!(e.code(), "data_digest_mismatch", "{e}");
    let e = open(&built.manifest_json, &built.data[..10], &k.verifying_key()).unwrap_err();
    assert_eq!(e.code(), "data_size_mismatch", "{e}");
}

#[test]
fn damaged_or_hostile_files_are_precise_refusals() {
    let k = key(1);
    let vk = k.verifying_key();
    let built = build(&data(), t(8), None, &k);
    // Truncated gzip, signed as is.
    let cut = &built.data[..built.data.len() / 2];
    let e = open(&signed_for(cut, 1 << 20, &k), cut, &vk).unwrap_err();
    assert_eq!(e.code(), "corrupt_data", "{e}");
    // Not gzip at all.
    let e = open(&signed_for(b"{}", 1 << 20, &k), b"{}", &vk).unwrap_err();
    assert_eq!(e.code(), "corrupt_data", "{e}");
    // A bomb: 64 MiB of zeros in a small file, beyond the size the manifest declares.
    let bomb = super::data::compress(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    let e = open(&signed_for(&bomb, 1 << 20, &k), &bomb, &vk).unwrap_err();
    assert_eq!(e.code(), "data_too_large", "{e}");
    // Valid gzip of something else.
    let other = super::data::compress(b"{\"schema_version\": 1}");
    let e = open(&signed_for(&other, 1 << 20, &k), &other, &vk).unwrap_err();
    assert_eq!(e.code(), "invalid_data", "{e}");
    assert!(e.to_string().contains("missing field"), "{e}");
    // Manifests: garbage, too large, a certificate instead.
    let e = open(b"\x00garbage", &built.data, &vk).unwrap_err();
    assert_eq!(e.code(), "malformed_manifest", "{e}");
    let e = open(&vec![b' '; MAX_MANIFEST_BYTES + 1], &built.data, &vk).unwrap_err();
    assert_eq!(e.code(), "manifest_too_large", "{e}");
    let cert = dsse::sign(crate::dsse::CERTIFICATE_PAYLOAD_TYPE, b"{}", &k).to_json_pretty();
    let e = open(&cert, &built.data, &vk).unwrap_err();
    assert_eq!(e.code(), "wrong_payload_type", "{e}");
    // A signed manifest whose file name would leave its directory.
    let mut m = built.manifest.clone();
    m.data.name = "../x".into();
    let env = dsse::sign(
        MANIFEST_PAYLOAD_TYPE,
        &crate::format::to_json_pretty(&m),
        &k,
    );
    let e = open(&env.to_json_pretty(), &built.data, &vk).unwrap_err();
    assert_eq!(e.code(), "invalid_manifest", "{e}");
}

#[test]
fn expiry_warns_then_refuses_after_the_grace_period() {
    let m = build(&data(), t(8), None, &key(1)).manifest;
    assert_eq!(freshness(&m, t(7)), Freshness::Fresh);
    assert_eq!(
        freshness(&m, t(9)),
        Freshness::Expired {
            refused_after: t(15)
        }
    );
    assert_eq!(
        freshness(&m, t(15)),
        Freshness::TooOld {
            refused_since: t(15)
        }
    );
}
