//! The weakness a target reveals when it mishandles a mutation: the catalog names it (each
//! mutation's `reveals`), the registry ([`crate::weakness`]) defines it.

use super::Mutation;
use crate::weakness::{self, WeaknessDef};

impl Mutation {
    /// The weakness a target reveals when its answer to this mutation is wrong.
    pub fn weakness(&self) -> &'static WeaknessDef {
        weakness::known(self.reveals)
    }
}

/// Mutations whose bait is a fetch, by id prefix: when the target accepts the token without fetching
/// anything, what the acceptance shows is another weakness (the token is signed by the attacker, or
/// its `iss` is the attacker's URL).
const ACCEPTED_WITHOUT_FETCH: &[(&str, &str)] = &[
    ("jku-", "signature-not-verified"),
    ("x5u-", "signature-not-verified"),
    ("url-claims-callback", "issuer-not-validated"),
    ("common-claims-url", "signature-not-verified"),
];

impl Mutation {
    /// The weakness an *acceptance* of this mutation's token shows, when no fetch of its bait was
    /// seen (a fetch is named [`Mutation::weakness`]).
    pub fn accepted_weakness(&self) -> &'static WeaknessDef {
        ACCEPTED_WITHOUT_FETCH
            .iter()
            .find(|(prefix, _)| self.id.starts_with(prefix))
            .map_or_else(|| self.weakness(), |(_, id)| weakness::known(id))
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
    fn every_valid_variant_and_only_those_reveal_token_variant_refused() {
        for probe in catalog() {
            assert_eq!(
                probe.expected == super::super::Expected::Accept,
                probe.reveals == "token-variant-refused",
                "{}",
                probe.id
            );
        }
    }

    #[test]
    fn every_weakness_of_the_catalog_is_registered() {
        for probe in catalog() {
            assert!(
                crate::weakness::find(probe.reveals).is_some(),
                "{}",
                probe.id
            );
        }
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
