#![no_main]
//! The DSSE envelope decoder (what the registry reads first from every submission) on arbitrary
//! bytes: never a panic; an envelope it parses serialises and reads back equal, and verifying it
//! answers. The same bytes signed as a payload verify and give back exactly those bytes.

use mxcert_core::dsse::{self, Envelope, REPORT_PAYLOAD_TYPE};
use mxcert_core::keys;

/// A throwaway key for the fuzzer only (`openssl genpkey -algorithm ed25519`).
const KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIAqJmoMwWNvlXZlRdhJU3MLelX/DawO+BqkCq0iwKdY6
-----END PRIVATE KEY-----
";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let key = keys::private_key_from_pem(KEY).expect("the fuzz key parses");
    let public = [key.verifying_key()];
    if let Ok(envelope) = Envelope::from_json(data) {
        let again = Envelope::from_json(&envelope.to_json_pretty()).expect("round trip");
        assert_eq!(again, envelope);
        let _ = envelope.payload_unverified();
        let _ = envelope.verify(REPORT_PAYLOAD_TYPE, &public);
    }
    let signed = dsse::sign(REPORT_PAYLOAD_TYPE, data, &key);
    let verified = signed
        .verify(REPORT_PAYLOAD_TYPE, &public)
        .expect("a fresh signature verifies");
    assert_eq!(verified.payload, data);
});
