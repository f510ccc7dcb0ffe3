//! Tests of the catalog itself: ids, descriptions, required ids, listings and suggestions.

use crate::token::mutation::{Expected, catalog, find};

#[test]
fn ids_are_unique_kebab_case_and_well_described() {
    let mut seen = std::collections::HashSet::new();
    for m in catalog() {
        assert!(seen.insert(m.id), "duplicate id {}", m.id);
        let kebab = !m.id.is_empty()
            && !m.id.starts_with('-')
            && !m.id.ends_with('-')
            && !m.id.contains("--")
            && m.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        assert!(kebab, "not kebab-case: {}", m.id);
        assert!(
            !m.description.is_empty() && !m.description.contains('\n'),
            "{}",
            m.id
        );
        assert!(!m.reference.is_empty(), "{}", m.id);
    }
    assert!(catalog().len() >= 150, "catalog has {}", catalog().len());
}

#[test]
fn issue_ids_are_present() {
    let required = [
        "expired",
        "expired-beyond-leeway-by-1s",
        "expired-within-leeway",
        "nbf-future",
        "iat-future",
        "missing-exp",
        "missing-sub",
        "empty-sub",
        "sub-number",
        "sub-array",
        "sub-object",
        "sub-null",
        "wrong-iss",
        "iss-case-changed",
        "iss-trailing-slash",
        "wrong-aud",
        "aud-array-without-ours",
        "aud-missing",
        "other-principal-sub",
        "alg-none",
        "alg-mismatch",
        "ecdsa-psychic-signature",
        "alg-unknown",
        "signature-empty",
        "signature-truncated",
        "signature-bit-flipped",
        "signature-from-another-token",
        "signed-with-attacker-key",
        "payload-tampered",
        "header-tampered",
        "kid-unknown",
        "kid-path-traversal",
        "kid-sql-injection",
        "kid-command-injection",
        "jku-to-attacker-jwks",
        "x5u-to-attacker-cert",
        "embedded-jwk-attacker-key",
        "x5c-self-signed-chain",
        "crit-unknown-extension",
        "b64-false",
        "token-in-query",
        "lowercase-bearer",
        "bare-token",
        "token-in-cookie",
        "empty-token",
        "hs256-with-public-key-pem",
        "hs384-with-public-key-der",
        "hs512-with-public-key-jwk-json",
    ];
    for id in required {
        assert!(find(id).is_ok(), "missing {id}");
    }
    assert_eq!(find("lowercase-bearer").unwrap().expected, Expected::Accept);
    assert_eq!(
        find("expired-within-leeway").unwrap().expected,
        Expected::Accept
    );
    assert_eq!(
        find("other-principal-sub").unwrap().expected,
        Expected::Forbidden
    );
    assert_eq!(
        find("token-in-query").unwrap().expected,
        Expected::RejectNoCredentials
    );
}

#[test]
fn serializes_for_listings() {
    let value = serde_json::to_value(find("alg-none").unwrap()).unwrap();
    assert_eq!(value["id"], "alg-none");
    assert_eq!(value["family"], "algorithm");
    assert_eq!(value["class"], "enforcement");
    assert_eq!(value["expected"], "reject");
    assert_eq!(value.as_object().unwrap().len(), 6);
    let no_credentials = serde_json::to_value(find("token-in-query").unwrap()).unwrap();
    assert_eq!(no_credentials["expected"], "reject-no-credentials");
}

#[test]
fn find_suggests_close_ids() {
    let err = find("alg-nnoe").unwrap_err();
    assert_eq!(err.suggestion, Some("alg-none"));
    assert!(
        err.to_string().contains("did you mean \"alg-none\""),
        "{err}"
    );
    assert_eq!(
        find("zzzzzzzzzzzzzzzzzzzzzzzz").unwrap_err().suggestion,
        None
    );
}
