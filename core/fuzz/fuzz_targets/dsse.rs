#![no_main]
//! The DSSE envelope decoder and verifier on arbitrary bytes: never a panic; a decoded envelope
//! re-serialises to itself; verification with a key that did not sign fails; whatever verifies
//! is handed to the report reader as the registry does; and any bytes signed as a payload verify
//! back to exactly those bytes.

use ed25519_dalek::SigningKey;
use mxcert_core::dsse::{self, Envelope, REPORT_PAYLOAD_TYPE};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[7; 32]);
    let keys = [key.verifying_key()];
    if let Ok(envelope) = Envelope::from_json(data) {
        let again = Envelope::from_json(&envelope.to_json_pretty());
        assert_eq!(again.as_ref(), Ok(&envelope));
        let _ = envelope.payload_unverified();
        // Nobody holds this key's private half outside this target, so nothing verifies by
        // chance.
        match envelope.verify(&envelope.payload_type, &keys) {
            Ok(verified) => {
                let _ = mxcert_core::report::Report::from_json(&verified.payload);
                panic!("an envelope the fuzzer wrote verified");
            }
            Err(e) => assert!(!e.code().is_empty()),
        }
        let _ = envelope.verify(REPORT_PAYLOAD_TYPE, &[]);
    }
    // Signing then verifying gives back the exact bytes.
    let envelope = dsse::sign(REPORT_PAYLOAD_TYPE, data, &key);
    let parsed = Envelope::from_json(&envelope.to_json_pretty()).expect("own envelope parses");
    let verified = parsed
        .verify(REPORT_PAYLOAD_TYPE, &keys)
        .expect("own envelope verifies");
    assert_eq!(verified.payload, data);
    let _ = mxcert_core::report::Report::from_json(&verified.payload);
});
