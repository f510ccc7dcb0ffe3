//! An independent check of the forge against the reference server's verifier (which never uses the
//! authconform crate): for EdDSA (full JWKS file), RS256, ES256 and HS256 targets, a valid minted token is
//! accepted, every plain-bearer mutation whose expected answer is a refusal is refused, and the
//! expected-accept ones are accepted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use authconform::token::keys::{KeyKind, KeySet};
use authconform::token::mint::{FixedClock, IssuerSettings, Principal, mint_at};
use authconform::token::mutation::{Expected, MutationContext, MutationError, catalog};
use jsonwebtoken::Algorithm;
use reference_server::auth::{KeyStore, Verifier, VerifierSettings};

const NOW: u64 = 1_750_000_000;
const ISS: &str = "http://localhost:3000";

fn keys_dir(side: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/keys")
        .join(side)
}

fn verifier(store: KeyStore, alg: Algorithm) -> Verifier {
    let settings = VerifierSettings {
        issuer: ISS.into(),
        audience: ISS.into(),
        algorithms: vec![alg],
        leeway: Duration::from_secs(30),
        flaw: None,
    };
    Verifier::new(settings, store)
}

struct Profile {
    name: &'static str,
    kind: KeyKind,
    verifier: Verifier,
}

fn profiles() -> Vec<Profile> {
    let jwks = |file: &str| {
        KeyStore::from_jwks_json(&std::fs::read(keys_dir("issuer").join(file)).unwrap()).unwrap()
    };
    let secret = std::fs::read(keys_dir("issuer").join("hs256.secret")).unwrap();
    vec![
        Profile {
            name: "EdDSA (jwks.json)",
            kind: KeyKind::Ed25519,
            verifier: verifier(jwks("jwks.json"), Algorithm::EdDSA),
        },
        Profile {
            name: "RS256",
            kind: KeyKind::Rsa,
            verifier: verifier(jwks("jwks-rsa2048.json"), Algorithm::RS256),
        },
        Profile {
            name: "ES256",
            kind: KeyKind::EcP256,
            verifier: verifier(jwks("jwks-p256.json"), Algorithm::ES256),
        },
        Profile {
            name: "HS256",
            kind: KeyKind::Hmac,
            verifier: verifier(KeyStore::from_hs256_secret(&secret), Algorithm::HS256),
        },
    ]
}

fn context(kind: KeyKind) -> MutationContext {
    let issuer = KeySet::load(&keys_dir("issuer")).unwrap();
    let attacker = KeySet::load(&keys_dir("attacker")).unwrap();
    let key = issuer
        .by_kind(kind)
        .cloned()
        .unwrap_or_else(|| issuer.hs256_key());
    let mut ctx = MutationContext::new(
        IssuerSettings::new(key, ISS, ISS),
        Principal::new("alice", "user-alice"),
        Principal::new("bob", "user-bob"),
        attacker,
        Arc::new(FixedClock(NOW)),
    );
    ctx.attacker_base_url = Some("http://127.0.0.1:9".into());
    ctx.leeway_secs = 30;
    ctx
}

#[test]
fn reference_verifier_agrees_with_the_catalog() {
    let mut problems = Vec::new();
    for profile in profiles() {
        let ctx = context(profile.kind);
        let valid = mint_at(&ctx.principal, &ctx.issuer, NOW).unwrap();
        let identity = profile
            .verifier
            .verify_token(&valid, NOW)
            .unwrap_or_else(|e| panic!("{}: valid token: {e}", profile.name));
        assert_eq!(identity.sub, "user-alice");

        let mut checked = 0;
        for mutation in catalog() {
            let request = match mutation.apply(&ctx) {
                Ok(request) => request,
                Err(MutationError::NotApplicable(_)) => continue,
                Err(e) => panic!("{} {}: {e}", profile.name, mutation.id),
            };
            let Some(token) = request.bearer_token() else {
                continue;
            };
            let outcome = profile.verifier.verify_token(token, NOW);
            let ok = match mutation.expected {
                Expected::Reject
                | Expected::BadRequest
                | Expected::NotAccepted
                | Expected::RejectNoCredentials => outcome.is_err(),
                // Authentication may succeed; the identity must not be the victim's (authorization then
                // answers 403).
                Expected::Forbidden => outcome
                    .as_ref()
                    .map_or(true, |id| id.sub != ctx.principal.sub),
                Expected::Accept => outcome.as_ref().is_ok_and(|id| id.sub == ctx.principal.sub),
                Expected::Info => true,
            };
            if !ok {
                problems.push(format!(
                    "{}: {} expected {} but verifier said {outcome:?}",
                    profile.name, mutation.id, mutation.expected
                ));
            }
            checked += 1;
        }
        assert!(
            checked > 100,
            "{}: only {checked} plain-bearer mutations",
            profile.name
        );
    }
    assert!(
        problems.is_empty(),
        "disagreements:\n{}",
        problems.join("\n")
    );
}
