//! Minted tokens, and tokens signed by the forge's raw signer, verify with `jsonwebtoken` for every
//! algorithm and key type in `fixtures/keys/`, using keys read independently from the fixture files.

use std::path::{Path, PathBuf};

use authconform::token::keys::{HsSecret, KeySet, SigningKey};
use authconform::token::mint::{
    Clock, FixedClock, IssuerSettings, Principal, SystemClock, mint, mint_at,
};
use authconform::token::{Alg, sign};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use serde_json::{Value, json};

const ISS: &str = "http://localhost:3000";

fn dir(side: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/keys")
        .join(side)
}

/// (file stem, signing key, algorithms to try)
fn cases(set: &KeySet) -> Vec<(&'static str, SigningKey, Vec<Alg>)> {
    let hs = SigningKey::hs256(set.hs256.clone(), None);
    vec![
        ("ed25519", set.ed25519.clone(), vec![Alg::EdDsa]),
        (
            "rsa2048",
            set.rsa2048.clone(),
            vec![
                Alg::Rs256,
                Alg::Rs384,
                Alg::Rs512,
                Alg::Ps256,
                Alg::Ps384,
                Alg::Ps512,
            ],
        ),
        ("p256", set.p256.clone(), vec![Alg::Es256]),
        ("p384", set.p384.clone(), vec![Alg::Es384]),
        ("hs256.secret", hs, vec![Alg::Hs256, Alg::Hs384, Alg::Hs512]),
    ]
}

/// A decoding key read straight from the fixture files (PEM or secret file), not from our types.
fn pem_decoding_key(side: &str, stem: &str) -> DecodingKey {
    if stem == "hs256.secret" {
        return DecodingKey::from_secret(&std::fs::read(dir(side).join(stem)).unwrap());
    }
    let pem = std::fs::read(dir(side).join(format!("{stem}.pub.pem"))).unwrap();
    match stem {
        "ed25519" => DecodingKey::from_ed_pem(&pem).unwrap(),
        "rsa2048" => DecodingKey::from_rsa_pem(&pem).unwrap(),
        _ => DecodingKey::from_ec_pem(&pem).unwrap(),
    }
}

fn validation(alg: Alg) -> Validation {
    let mut validation = Validation::new(alg.to_jsonwebtoken());
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[ISS]);
    validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    validation.leeway = 0;
    validation
}

#[test]
fn minted_tokens_verify_with_jsonwebtoken_for_every_fixture_key_and_algorithm() {
    let issuer = KeySet::load(&dir("issuer")).unwrap();
    let jwks: JwkSet =
        serde_json::from_slice(&std::fs::read(dir("issuer").join("jwks.json")).unwrap()).unwrap();
    let alice = Principal::new("alice", "user-alice");
    let mut count = 0;
    for (stem, key, algs) in cases(&issuer) {
        for alg in algs {
            let key = key.clone().with_alg(alg).unwrap();
            let settings = IssuerSettings::new(key.clone(), ISS, ISS);
            let token = mint(&alice, &settings, &SystemClock).unwrap();

            let header = decode_header(&token).unwrap();
            assert_eq!(header.alg, alg.to_jsonwebtoken(), "{stem} {alg}");
            assert_eq!(header.kid.as_deref(), key.kid(), "{stem} {alg}");
            assert_eq!(header.typ, None, "Better Auth sets no typ");

            let data = decode::<Value>(&token, &pem_decoding_key("issuer", stem), &validation(alg))
                .unwrap_or_else(|e| panic!("{stem} {alg}: {e}"));
            assert_eq!(data.claims["sub"], json!("user-alice"));
            assert_eq!(
                data.claims["exp"].as_u64().unwrap() - data.claims["iat"].as_u64().unwrap(),
                900
            );

            if let Some(kid) = key.kid() {
                let jwk = jwks
                    .find(kid)
                    .unwrap_or_else(|| panic!("{kid} in jwks.json"));
                decode::<Value>(
                    &token,
                    &DecodingKey::from_jwk(jwk).unwrap(),
                    &validation(alg),
                )
                .unwrap_or_else(|e| panic!("{stem} {alg} via JWKS: {e}"));
            }

            // The attacker's key of the same type must not verify it.
            let wrong = pem_decoding_key("attacker", stem);
            assert!(
                decode::<Value>(&token, &wrong, &validation(alg)).is_err(),
                "{stem} {alg}"
            );
            count += 1;
        }
    }
    assert_eq!(count, 12);
}

#[test]
fn raw_signer_output_verifies_with_jsonwebtoken() {
    let issuer = KeySet::load(&dir("issuer")).unwrap();
    let now = SystemClock.now_unix();
    for (stem, key, algs) in cases(&issuer) {
        for alg in algs {
            let claims =
                json!({"sub": "user-alice", "iss": ISS, "aud": ISS, "iat": now, "exp": now + 600});
            let header = json!({"alg": alg.as_str(), "kid": "k"});
            let token = sign::sign_compact(
                &key,
                alg,
                header.to_string().as_bytes(),
                claims.to_string().as_bytes(),
            )
            .unwrap();
            decode::<Value>(&token, &pem_decoding_key("issuer", stem), &validation(alg))
                .unwrap_or_else(|e| panic!("{stem} {alg}: {e}"));
        }
    }
}

#[test]
fn fixed_clock_and_secret_loading() {
    let secret = HsSecret::from_file(&dir("issuer").join("hs256.secret")).unwrap();
    assert_eq!(secret.len(), 64);
    let settings = IssuerSettings::new(SigningKey::hs256(secret, None), ISS, ISS);
    let a = mint(&Principal::new("a", "1"), &settings, &FixedClock(1_000)).unwrap();
    assert_eq!(
        a,
        mint_at(&Principal::new("a", "1"), &settings, 1_000).unwrap(),
        "HMAC minting is deterministic"
    );
    let mut validation = validation(Alg::Hs256);
    validation.validate_exp = false;
    let data =
        decode::<Value>(&a, &pem_decoding_key("issuer", "hs256.secret"), &validation).unwrap();
    assert_eq!(data.claims["iat"], json!(1_000));
    assert_eq!(data.claims["exp"], json!(1_900));
}
