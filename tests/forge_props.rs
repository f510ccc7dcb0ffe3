//! Property tests of the compact-JWS parser: it never panics, and parse/serialize round-trips.

use authconform::token::b64;
use authconform::token::jws::{CompactJws, Forge};
use proptest::prelude::*;
use serde_json::{Value, json};

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let jws = CompactJws::parse(&bytes);
        prop_assert_eq!(jws.serialize(), bytes.clone());
        prop_assert_eq!(CompactJws::parse(&jws.serialize()), jws.clone());
        prop_assert_eq!(jws.segment_count(), bytes.iter().filter(|&&b| b == b'.').count() + 1);
        let _ = (jws.header(), jws.claims(), jws.signature(), jws.signing_input(), jws.is_well_formed());
    }

    #[test]
    fn parse_never_panics_on_token_like_text(text in "[A-Za-z0-9_+/=\\- .]{0,400}") {
        let jws = CompactJws::parse(text.as_bytes());
        prop_assert_eq!(jws.serialize(), text.as_bytes().to_vec());
        prop_assert_eq!(CompactJws::parse(&jws.serialize()), jws);
    }

    #[test]
    fn forged_tokens_round_trip(
        header in proptest::collection::vec(any::<u8>(), 0..200),
        payload in proptest::collection::vec(any::<u8>(), 0..400),
        signature in proptest::collection::vec(any::<u8>(), 0..130),
    ) {
        let token = Forge::new(header.clone(), payload.clone()).with_signature(&signature);
        let jws = CompactJws::parse(token.as_bytes());
        prop_assert_eq!(jws.segment_count(), 3);
        prop_assert_eq!(jws.header_bytes(), Some(header.as_slice()));
        prop_assert_eq!(jws.payload_bytes(), Some(payload.as_slice()));
        prop_assert_eq!(jws.signature(), Some(signature.as_slice()));
        prop_assert!(!jws.uses_lenient_encoding());
        prop_assert_eq!(jws.serialize(), token.as_bytes().to_vec());
        prop_assert_eq!(CompactJws::parse(&jws.serialize()), jws);
    }

    #[test]
    fn json_tokens_parse_back(sub in "\\PC{0,40}", exp in any::<u64>(), kid in "[a-z0-9-]{0,20}") {
        let header = json!({"alg": "EdDSA", "kid": kid});
        let claims = json!({"sub": sub, "exp": exp});
        let token = Forge::from_json(&header, &claims).with_signature(&[7u8; 64]);
        let jws = CompactJws::parse(token.as_bytes());
        prop_assert!(jws.is_well_formed());
        prop_assert_eq!(jws.header(), Some(&header));
        prop_assert_eq!(jws.claims(), Some(&claims));
        prop_assert_eq!(jws.claim("sub").and_then(Value::as_str), Some(sub.as_str()));
    }

    #[test]
    fn lenient_decoding_is_noted(payload in proptest::collection::vec(any::<u8>(), 1..100)) {
        let padded = b64::encode_padded(&payload);
        let token = format!("{}.{padded}.", b64::encode(b"{}"));
        let jws = CompactJws::parse(token.as_bytes());
        prop_assert_eq!(jws.payload_bytes(), Some(payload.as_slice()));
        prop_assert_eq!(jws.uses_lenient_encoding(), padded.ends_with('='));
    }
}
