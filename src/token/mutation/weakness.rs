//! The weakness a target reveals when it mishandles a mutation: many mutations probe one weakness
//! (eight spellings of `alg: none`, 27 key-confusion encodings), so a report names the weakness once.

use super::{Expected, Mutation};

/// A weakness id and its CWE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutationWeakness {
    /// Stable kebab-case id, e.g. `alg-none-accepted`.
    pub id: &'static str,
    /// CWE number.
    pub cwe: Option<u32>,
}

const fn w(id: &'static str, cwe: u32) -> MutationWeakness {
    MutationWeakness { id, cwe: Some(cwe) }
}

/// Id prefixes, most specific first, and the weakness a wrong answer to them reveals.
const BY_PREFIX: &[(&str, MutationWeakness)] = &[
    ("alg-none", w("alg-none-accepted", 347)),
    ("alg-hs", w("algorithm-outside-allowlist-accepted", 327)),
    ("alg-rs", w("algorithm-outside-allowlist-accepted", 327)),
    ("alg-ps", w("algorithm-outside-allowlist-accepted", 327)),
    ("alg-", w("alg-header-not-validated", 347)),
    ("hs256-with-public-key", w("key-confusion-accepted", 347)),
    ("hs384-with-public-key", w("key-confusion-accepted", 347)),
    ("hs512-with-public-key", w("key-confusion-accepted", 347)),
    ("hmac-", w("weak-hmac-secret-accepted", 521)),
    ("ecdsa-psychic", w("psychic-signature-accepted", 347)),
    ("ecdsa-", w("malformed-signature-accepted", 347)),
    ("eddsa-", w("malformed-signature-accepted", 347)),
    ("signature-", w("signature-not-verified", 347)),
    ("signed-with-attacker-key", w("signature-not-verified", 347)),
    ("payload-tampered", w("signature-not-verified", 347)),
    ("header-tampered", w("signature-not-verified", 347)),
    ("claims-", w("signature-not-verified", 347)),
    ("expired-plus-forged", w("signature-not-verified", 347)),
    ("kid-", w("kid-not-validated", 20)),
    ("jku-", w("remote-key-url-trusted", 345)),
    ("x5u-", w("remote-key-url-trusted", 345)),
    ("embedded-jwk", w("embedded-key-trusted", 345)),
    ("x5c-", w("embedded-key-trusted", 345)),
    ("crit-", w("critical-header-ignored", 347)),
    ("b64-", w("critical-header-ignored", 347)),
    ("nested-jwt", w("nested-token-accepted", 347)),
    ("cty-", w("nested-token-accepted", 347)),
    ("url-claims", w("claims-url-processed", 918)),
    ("common-claims-url", w("claims-url-processed", 918)),
    ("exp-as-string", w("numeric-date-as-string-accepted", 20)),
    ("iat-future", w("future-iat-accepted", 613)),
    ("header-bom", w("json-bom-accepted", 20)),
    ("payload-bom", w("json-bom-accepted", 20)),
    ("payload-invalid-utf8", w("invalid-utf8-accepted", 20)),
    ("expired", w("expiry-not-enforced", 613)),
    ("missing-exp", w("expiry-not-enforced", 613)),
    ("exp-", w("expiry-not-enforced", 613)),
    ("nbf-", w("time-claims-not-enforced", 613)),
    ("iat-", w("time-claims-not-enforced", 613)),
    ("wrong-iss", w("issuer-not-validated", 345)),
    ("missing-iss", w("issuer-not-validated", 345)),
    ("iss-", w("issuer-not-validated", 345)),
    ("wrong-aud", w("audience-not-validated", 345)),
    ("aud-", w("audience-not-validated", 345)),
    ("missing-sub", w("subject-not-validated", 287)),
    ("empty-sub", w("subject-not-validated", 287)),
    ("sub-number", w("subject-not-validated", 287)),
    ("sub-array", w("subject-not-validated", 287)),
    ("sub-object", w("subject-not-validated", 287)),
    ("sub-null", w("subject-not-validated", 287)),
    ("sub-", w("identity-confusion", 639)),
    ("other-principal-sub", w("identity-confusion", 639)),
    ("claim-precedence", w("identity-confusion", 639)),
    ("cross-jwt", w("token-type-confusion", 287)),
    ("typ-", w("token-type-confusion", 287)),
    ("base64-", w("non-canonical-encoding-accepted", 347)),
    (
        "duplicate-authorization",
        w("ambiguous-credentials-accepted", 287),
    ),
    (
        "multiple-token-methods",
        w("ambiguous-credentials-accepted", 287),
    ),
    ("duplicate-", w("duplicate-members-accepted", 347)),
    ("oversized-", w("oversized-token-accepted", 400)),
    ("many-dots", w("oversized-token-accepted", 400)),
    ("deep-nesting", w("oversized-token-accepted", 400)),
    ("no-credentials", w("missing-token-accepted", 306)),
    ("token-in-", w("token-accepted-outside-bearer-header", 287)),
    ("scheme-", w("token-accepted-outside-bearer-header", 287)),
    ("bare-token", w("token-accepted-outside-bearer-header", 287)),
    (
        "invalid-bearer-with-valid-cookie",
        w("cookie-fallback-accepted", 287),
    ),
];

/// Everything else the catalog forges: a token that is not a well-formed signed JWS.
const MALFORMED: MutationWeakness = w("malformed-token-accepted", 20);

/// A correct variant of a valid token or its presentation refused (a lower-case scheme, an expiry within
/// the leeway): an interoperability note, not a vulnerability. The plain valid token refused is the
/// positive control's finding, `valid-token-refused`.
const VALID_REFUSED: MutationWeakness = MutationWeakness {
    id: "token-variant-refused",
    cwe: None,
};

impl Mutation {
    /// The weakness a target reveals when its answer to this mutation is wrong.
    pub fn weakness(&self) -> MutationWeakness {
        if self.expected == Expected::Accept {
            return VALID_REFUSED;
        }
        BY_PREFIX
            .iter()
            .find(|(prefix, _)| self.id.starts_with(prefix))
            .map(|(_, weakness)| *weakness)
            .unwrap_or(MALFORMED)
    }
}

/// Mutations whose bait is a fetch: when the target accepts the token without fetching anything,
/// what the acceptance shows is another weakness (the token is signed by the attacker, or its `iss`
/// is the attacker's URL).
const ACCEPTED_WITHOUT_FETCH: &[(&str, MutationWeakness)] = &[
    ("jku-", w("signature-not-verified", 347)),
    ("x5u-", w("signature-not-verified", 347)),
    ("url-claims-callback", w("issuer-not-validated", 345)),
    ("common-claims-url", w("signature-not-verified", 347)),
];

impl Mutation {
    /// The weakness an *acceptance* of this mutation's token shows, when no fetch of its bait was
    /// seen (a fetch is named [`Mutation::weakness`]).
    pub fn accepted_weakness(&self) -> MutationWeakness {
        ACCEPTED_WITHOUT_FETCH
            .iter()
            .find(|(prefix, _)| self.id.starts_with(prefix))
            .map(|(_, weakness)| *weakness)
            .unwrap_or_else(|| self.weakness())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{catalog, find};

    fn weakness(id: &str) -> &'static str {
        find(id).unwrap().weakness().id
    }

    #[test]
    fn spellings_of_one_attack_share_one_weakness() {
        for id in [
            "alg-none",
            "alg-none-mixed-case",
            "alg-none-uppercase-signature-kept",
            "alg-none-nul",
        ] {
            assert_eq!(weakness(id), "alg-none-accepted", "{id}");
        }
        assert_eq!(
            weakness("hs384-with-public-key-openssh"),
            "key-confusion-accepted"
        );
        assert_eq!(
            weakness("alg-hs512-same-secret"),
            "algorithm-outside-allowlist-accepted"
        );
        assert_eq!(weakness("alg-unknown"), "alg-header-not-validated");
        assert_eq!(weakness("expired-plus-forged"), "signature-not-verified");
        assert_eq!(
            weakness("expired-beyond-leeway-by-1s"),
            "expiry-not-enforced"
        );
        assert_eq!(weakness("sub-null"), "subject-not-validated");
        assert_eq!(weakness("sub-case-changed"), "identity-confusion");
        assert_eq!(
            weakness("duplicate-authorization-header"),
            "ambiguous-credentials-accepted"
        );
        assert_eq!(weakness("segments-four"), "malformed-token-accepted");
    }

    #[test]
    fn accepting_fetch_bait_without_a_fetch_names_what_was_accepted() {
        let accepted = |id: &str| find(id).unwrap().accepted_weakness().id;
        assert_eq!(accepted("jku-to-attacker-jwks"), "signature-not-verified");
        assert_eq!(accepted("url-claims-callback"), "issuer-not-validated");
        assert_eq!(accepted("alg-none"), "alg-none-accepted");
        assert_eq!(weakness("jku-to-attacker-jwks"), "remote-key-url-trusted");
    }

    #[test]
    fn refusing_a_valid_token_is_its_own_weakness() {
        assert_eq!(weakness("expired-within-leeway"), "token-variant-refused");
        assert_eq!(weakness("lowercase-bearer"), "token-variant-refused");
    }

    #[test]
    fn every_weakness_id_is_kebab_case_and_the_catalog_has_fewer_weaknesses_than_mutations() {
        let mut ids: Vec<&str> = catalog().iter().map(|m| m.weakness().id).collect();
        for id in &ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert!(
            ids.len() * 4 < catalog().len(),
            "{} weaknesses for {} mutations",
            ids.len(),
            catalog().len()
        );
    }
}
