//! What a monitor checks of a whole log (`mxcert log monitor`): every entry is a certificate or
//! revocation envelope validly signed by the registry's key, certificate ids are unique and
//! increasing (`MX-YYYY-NNNNNN`, by year then number), every revocation names a certificate
//! issued earlier in the log and is the only one for it, and the entries give the checkpoint's
//! root. Pure: the caller fetches the entries (entry bundles) and the signed checkpoint.

use std::collections::BTreeSet;

use crate::certificate::parse_certificate_id;
use crate::dsse::{Envelope, CERTIFICATE_PAYLOAD_TYPE, REVOCATION_PAYLOAD_TYPE};
use crate::keys::VerifyingKey;
use crate::tlog::merkle::{leaf_hash, root_from_leaf_hashes, Hash};

/// The field a monitor reads of a certificate or revocation (their signature vouches for the
/// rest).
#[derive(serde::Deserialize)]
struct Named {
    certificate_id: String,
}

/// What the walk found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub entries: u64,
    pub certificates: u64,
    pub revocations: u64,
    /// Each problem in plain words, naming the entry's index.
    pub problems: Vec<String>,
}

/// Walks `entries` (leaf 0 first) of a log whose checkpoint says `size` and `root`, with the
/// registry's `keys`.
pub fn walk(entries: &[Vec<u8>], size: u64, root: &Hash, keys: &[VerifyingKey]) -> Findings {
    let mut f = Findings {
        entries: entries.len() as u64,
        ..Findings::default()
    };
    if entries.len() as u64 != size {
        f.problems.push(format!(
            "the checkpoint says {size} entries but the log's bundles hold {}",
            entries.len()
        ));
    } else {
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        if &root_from_leaf_hashes(&leaves) != root {
            f.problems.push(
                "the entries do not give the checkpoint's root: the log served other entries \
                 than the ones it signed"
                    .into(),
            );
        }
    }
    let mut issued: BTreeSet<String> = BTreeSet::new();
    let mut revoked: BTreeSet<String> = BTreeSet::new();
    let mut last: Option<((i32, u32), String)> = None;
    for (i, bytes) in entries.iter().enumerate() {
        let envelope = match Envelope::from_json(bytes) {
            Ok(e) => e,
            Err(e) => {
                f.problems
                    .push(format!("entry {i} is not a signed envelope: {e}"));
                continue;
            }
        };
        let kind = envelope.payload_type.clone();
        let verified = match envelope.verify(&kind, keys) {
            Ok(v) => v,
            Err(e) => {
                f.problems.push(format!(
                    "entry {i} is not signed by the registry's key: {e}"
                ));
                continue;
            }
        };
        match kind.as_str() {
            CERTIFICATE_PAYLOAD_TYPE => {
                f.certificates += 1;
                let id = match serde_json::from_slice::<Named>(&verified.payload) {
                    Ok(c) => c.certificate_id,
                    Err(e) => {
                        f.problems
                            .push(format!("entry {i} is not a certificate: {e}"));
                        continue;
                    }
                };
                let Ok(number) = parse_certificate_id(&id) else {
                    f.problems
                        .push(format!("entry {i}: {id:?} is not a certificate id"));
                    continue;
                };
                if !issued.insert(id.clone()) {
                    f.problems
                        .push(format!("entry {i}: certificate {id} was issued twice"));
                } else if let Some((prev, prev_id)) = &last {
                    if number <= *prev {
                        f.problems.push(format!(
                            "entry {i}: certificate {id} comes after {prev_id}; ids must increase"
                        ));
                    }
                }
                last = Some((number, id));
            }
            REVOCATION_PAYLOAD_TYPE => {
                f.revocations += 1;
                match serde_json::from_slice::<Named>(&verified.payload) {
                    Ok(r) if !issued.contains(&r.certificate_id) => f.problems.push(format!(
                        "entry {i} revokes {}, which no earlier entry issued",
                        r.certificate_id
                    )),
                    Ok(r) if !revoked.insert(r.certificate_id.clone()) => f.problems.push(format!(
                        "entry {i} revokes {} a second time",
                        r.certificate_id
                    )),
                    Ok(_) => {}
                    Err(e) => f
                        .problems
                        .push(format!("entry {i} is not a revocation: {e}")),
                }
            }
            other => f.problems.push(format!(
                "entry {i} is a {other:?}, neither a certificate nor a revocation"
            )),
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsse::sign;
    use crate::keys::SigningKey;

    fn certificate(id: &str) -> serde_json::Value {
        serde_json::json!({
            "schema_version": 1, "certificate_id": id, "status": "valid"
        })
    }

    fn entry(kind: &str, payload: serde_json::Value, key: &SigningKey) -> Vec<u8> {
        sign(kind, payload.to_string().as_bytes(), key).to_json_pretty()
    }

    fn root_of(entries: &[Vec<u8>]) -> Hash {
        root_from_leaf_hashes(&entries.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>())
    }

    #[test]
    fn a_sound_log_has_no_problems_and_each_rule_names_its_entry() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let other = SigningKey::from_bytes(&[4; 32]);
        let keys = [key.verifying_key()];
        let cert = |id: &str| entry(CERTIFICATE_PAYLOAD_TYPE, certificate(id), &key);
        let revoke = |id: &str| {
            entry(
                REVOCATION_PAYLOAD_TYPE,
                serde_json::json!({"schema_version": 1, "certificate_id": id,
                                   "revoked_at": "2026-02-01T00:00:00Z", "reason": "x"}),
                &key,
            )
        };
        let good = vec![
            cert("MX-2026-000001"),
            cert("MX-2026-000002"),
            revoke("MX-2026-000001"),
            cert("MX-2027-000001"),
        ];
        let f = walk(&good, 4, &root_of(&good), &keys);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!((f.certificates, f.revocations), (3, 1));

        let bad = vec![
            cert("MX-2026-000002"),
            cert("MX-2026-000001"),
            cert("MX-2026-000002"),
            revoke("MX-2026-000009"),
            entry(
                CERTIFICATE_PAYLOAD_TYPE,
                certificate("MX-2026-000003"),
                &other,
            ),
            b"garbage".to_vec(),
        ];
        let f = walk(&bad, 6, &root_of(&bad), &keys);
        let all = f.problems.join("\n");
        assert!(
            all.contains("entry 1: certificate MX-2026-000001 comes after MX-2026-000002"),
            "{all}"
        );
        assert!(
            all.contains("entry 2: certificate MX-2026-000002 was issued twice"),
            "{all}"
        );
        assert!(
            all.contains("entry 3 revokes MX-2026-000009, which no earlier entry issued"),
            "{all}"
        );
        assert!(
            all.contains("entry 4 is not signed by the registry's key"),
            "{all}"
        );
        assert!(all.contains("entry 5 is not a signed envelope"), "{all}");
        // Entries that do not give the signed root, or fewer than it says.
        let f = walk(&good, 4, &[0; 32], &keys);
        assert!(
            f.problems[0].contains("do not give the checkpoint's root"),
            "{:?}",
            f.problems
        );
        let f = walk(&good[..3], 4, &root_of(&good), &keys);
        assert!(f.problems[0].contains("says 4 entries"), "{:?}", f.problems);
    }
}
