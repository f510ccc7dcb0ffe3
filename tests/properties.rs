//! Properties of the forge and the reference verifier (proptest):
//! - the fuzzers' structured token model and the compact parser round-trip any token;
//! - every refusal-class catalog mutation of a valid token, minted at a random time for random
//!   principals and issuer keys, is refused by the reference verifier;
//! - claims validation is monotonic in time: a token with expiry `e` is refused at every `t > e + leeway`,
//!   and the instants at which a token is accepted form an interval.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use authconform::fuzzing::net::case::TokenForm;
use authconform::fuzzing::oracle::{self, ClaimRules, ClaimTime};
use authconform::fuzzing::{jws_parser, parse_members, render_members};
use authconform::token::jws::{CompactJws, Forge};
use authconform::token::keys::{HsSecret, KeyKind, KeySet, SigningKey};
use authconform::token::mint::{FixedClock, IssuerSettings, Principal, mint_at};
use authconform::token::mutation::{Expected, MutationContext, catalog};
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use reference_server::auth::{KeyStore, Verifier, VerifierSettings};
use serde_json::{Value, json};

const ISS: &str = "http://localhost:3000";
const LEEWAY: u64 = 30;

fn keys_dir(side: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/keys")
        .join(side)
}

fn issuer_keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::load(&keys_dir("issuer")).unwrap())
}

fn attacker_keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::load(&keys_dir("attacker")).unwrap())
}

/// The reference verifier for one issuer key kind, as the reference server configures it.
fn verifier(kind: KeyKind) -> Verifier {
    let (store, alg) = match kind {
        KeyKind::Hmac => (
            KeyStore::from_hs256_secret(issuer_keys().hs256.expose()),
            Algorithm::HS256,
        ),
        other => {
            let (file, alg) = match other {
                KeyKind::Rsa => ("jwks-rsa2048.json", Algorithm::RS256),
                KeyKind::EcP256 => ("jwks-p256.json", Algorithm::ES256),
                KeyKind::EcP384 => ("jwks-p384.json", Algorithm::ES384),
                _ => ("jwks.json", Algorithm::EdDSA),
            };
            let jwks = std::fs::read(keys_dir("issuer").join(file)).unwrap();
            (KeyStore::from_jwks_json(&jwks).unwrap(), alg)
        }
    };
    Verifier::new(
        VerifierSettings {
            issuer: ISS.into(),
            audience: ISS.into(),
            algorithms: vec![alg],
            leeway: Duration::from_secs(LEEWAY),
            flaw: None,
        },
        store,
    )
}

fn issuer_key(kind: KeyKind) -> SigningKey {
    issuer_keys()
        .by_kind(kind)
        .cloned()
        .unwrap_or_else(|| issuer_keys().hs256_key())
}

fn kind_strategy() -> impl Strategy<Value = KeyKind> {
    prop_oneof![
        Just(KeyKind::Ed25519),
        Just(KeyKind::Rsa),
        Just(KeyKind::EcP256),
        Just(KeyKind::EcP384),
        Just(KeyKind::Hmac),
    ]
}

fn rules() -> ClaimRules {
    ClaimRules {
        issuer: Some(ISS.into()),
        audience: Some(ISS.into()),
        user_claim: "sub".into(),
        leeway_secs: LEEWAY,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Splitting a token into parts and rendering it back gives the same text; member lists round-trip
    /// through JSON text; the parser fuzz target's properties hold on token-shaped text.
    #[test]
    fn parser_round_trip(
        header in proptest::collection::btree_map("[a-z]{1,6}", any::<i32>(), 0..5),
        claims in proptest::collection::vec(("[a-z_]{1,8}", "\\PC{0,12}"), 0..8),
        signature in proptest::collection::vec(any::<u8>(), 0..80),
        noise in "[A-Za-z0-9_=.+/ -]{0,40}",
    ) {
        let header: Vec<(String, Value)> = header.into_iter().map(|(k, v)| (k, json!(v))).collect();
        let claims: Vec<(String, Value)> = claims.into_iter().map(|(k, v)| (k, json!(v))).collect();
        let header_text = render_members(&header);
        let claims_text = render_members(&claims);
        prop_assert_eq!(parse_members(header_text.as_bytes()), Some(header.clone()));
        prop_assert_eq!(parse_members(claims_text.as_bytes()), Some(claims.clone()));
        let token = Forge::new(header_text, claims_text).with_signature(&signature);
        let issuer = IssuerSettings::new(issuer_key(KeyKind::Ed25519), ISS, ISS);
        let form = TokenForm::from_token(&token);
        prop_assert!(matches!(form, TokenForm::Parts(_)));
        prop_assert_eq!(form.render(&issuer), Some(token.clone()));
        let jws = CompactJws::parse(token.as_bytes());
        prop_assert!(jws.is_well_formed());
        prop_assert_eq!(CompactJws::parse(&jws.serialize()), jws);
        prop_assert_eq!(jws_parser(token.as_bytes()), Ok(()));
        let noisy = format!("{token}{noise}");
        prop_assert_eq!(jws_parser(noisy.as_bytes()), Ok(()));
        prop_assert_eq!(TokenForm::from_token(&noisy).render(&issuer), Some(noisy));
    }

    /// Time monotonicity of claims validation, for the reference verifier and the oracle alike.
    #[test]
    fn claims_validation_is_monotonic_in_time(
        iat in 1_000_000_000u64..2_000_000_000,
        lifetime in 0u64..100_000,
        nbf_offset in proptest::option::of(0u64..1_000),
        after in 1u64..10_000_000,
        probes in proptest::collection::vec(0u64..200_000, 3),
    ) {
        let exp = iat + lifetime;
        let mut claims = json!({"sub": "alice", "iss": ISS, "aud": ISS, "iat": iat, "exp": exp});
        if let Some(offset) = nbf_offset {
            claims["nbf"] = json!(iat + offset);
        }
        let key = issuer_keys().hs256_key();
        let token = Forge::from_json(&json!({"alg": "HS256"}), &claims).sign(&key).unwrap();
        let reference = verifier(KeyKind::Hmac);
        let accepted = |t: u64| {
            let by_reference = reference.verify_token(&token, t).is_ok();
            let by_oracle = oracle::check_claims(claims.as_object().unwrap(), &rules(), ClaimTime::at(t)).is_ok();
            (by_reference, by_oracle)
        };
        // Refused at every t' > exp + leeway.
        prop_assert_eq!(accepted(exp + LEEWAY + after), (false, false));
        prop_assert_eq!(accepted(exp + LEEWAY), (false, false));
        // Accepted instants form an interval: accepted at t1 < t3 implies accepted at t2 in between.
        let mut t: Vec<u64> = probes.iter().map(|p| iat.saturating_sub(100_000) + p).collect();
        t.sort_unstable();
        for side in [0, 1] {
            let at = |x: u64| { let a = accepted(x); if side == 0 { a.0 } else { a.1 } };
            if at(t[0]) && at(t[2]) {
                prop_assert!(at(t[1]), "accepted at {} and {} but not {}", t[0], t[2], t[1]);
            }
        }
        // Both judges agree on every probe.
        for x in t {
            let (r, o) = accepted(x);
            prop_assert_eq!(r, o, "reference and oracle disagree at {}", x);
        }
    }
}

proptest! {
    // Each case applies the whole catalog (about 170 mutations, RSA signatures included): 24 cases.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Every refusal-class mutation of a valid token is refused by the reference verifier, whatever the
    /// time, principals and issuer key.
    #[test]
    fn refusal_class_mutations_are_refused(
        kind in kind_strategy(),
        now in 1_600_000_000u64..2_100_000_000,
        victim in "[a-z][a-z0-9-]{0,15}",
        other in "[A-Z][a-z0-9]{0,15}",
    ) {
        let mut issuer = IssuerSettings::new(issuer_key(kind), ISS, ISS);
        if kind == KeyKind::Hmac {
            issuer = IssuerSettings::new(
                SigningKey::hs256(HsSecret::new(issuer_keys().hs256.expose().to_vec()).unwrap(), None),
                ISS,
                ISS,
            );
        }
        let mut ctx = MutationContext::new(
            issuer,
            Principal::new("victim", victim.clone()),
            Principal::new("other", other),
            attacker_keys().clone(),
            Arc::new(FixedClock(now)),
        );
        ctx.attacker_base_url = Some("http://127.0.0.1:9".into());
        ctx.leeway_secs = LEEWAY;
        let verifier = verifier(kind);
        let valid = mint_at(&ctx.principal, &ctx.issuer, now).unwrap();
        prop_assert_eq!(verifier.verify_token(&valid, now).map(|i| i.sub), Ok(victim.clone()));
        let mut refused = 0;
        for mutation in catalog() {
            let Ok(request) = mutation.apply(&ctx) else { continue };
            let Some(token) = request.bearer_token() else { continue };
            let outcome = verifier.verify_token(token, now);
            match mutation.expected {
                Expected::Reject | Expected::BadRequest | Expected::NotAccepted | Expected::RejectNoCredentials => {
                    prop_assert!(outcome.is_err(), "{} accepted: {:?}", mutation.id, outcome);
                    refused += 1;
                }
                Expected::Forbidden => {
                    prop_assert!(outcome.as_ref().map_or(true, |id| id.sub != victim), "{}", mutation.id);
                }
                Expected::Accept | Expected::Info => {}
            }
        }
        prop_assert!(refused > 50, "only {} refusal-class mutations applied", refused);
    }
}
