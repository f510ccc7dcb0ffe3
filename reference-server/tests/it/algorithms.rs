//! FR-008 to FR-016: algorithms, signatures and the compact serialization.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::Algorithm;
use reference_server::config::{KeySource, ServerConfig};
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn fr_008_only_allowlisted_algorithms_are_accepted() {
    let eddsa_only = Srv::start(multi_config(&[Algorithm::EdDSA])).await;
    let alice = claims("alice");
    let rs256 = mint(
        Algorithm::RS256,
        Some("test-rsa2048"),
        signing_key("issuer", "rsa2048"),
        &alice,
    );
    let es256 = mint(
        Algorithm::ES256,
        Some("test-p256"),
        signing_key("issuer", "p256"),
        &alice,
    );
    assert!(!eddsa_only.accepts("alice", &rs256).await);
    assert!(!eddsa_only.accepts("alice", &es256).await);
    assert!(eddsa_only.accepts("alice", &token("alice")).await);

    let with_rs256 = Srv::start(multi_config(&[Algorithm::EdDSA, Algorithm::RS256])).await;
    assert!(with_rs256.accepts("alice", &rs256).await);
    assert!(!with_rs256.accepts("alice", &es256).await);

    let ed = signing_key("issuer", "ed25519");
    for alg in [
        json!("eddsa"),
        json!("HS999"),
        json!(""),
        Value::Null,
        json!(0),
    ] {
        let header = json!({"alg": alg, "kid": "test-ed25519"});
        let t = signed_json(&header, &alice, ed, Algorithm::EdDSA);
        assert!(!eddsa_only.accepts("alice", &t).await, "alg {alg}");
    }
    let missing = signed_json(
        &json!({"kid": "test-ed25519"}),
        &alice,
        ed,
        Algorithm::EdDSA,
    );
    assert!(!eddsa_only.accepts("alice", &missing).await);
}

#[tokio::test]
async fn fr_009_alg_none_is_never_accepted() {
    let srv = Srv::default().await;
    let alice = claims("alice").to_string();
    let real_signature = token("alice").rsplit('.').next().unwrap().to_owned();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "JWT"}).to_string();
        for signature in ["", real_signature.as_str()] {
            let t = raw_token(header.as_bytes(), alice.as_bytes(), signature);
            assert!(
                !srv.accepts("alice", &t).await,
                "{alg} with signature {signature:.5}"
            );
        }
    }
    // Even a server that lists every algorithm it can never accepts none.
    let multi = Srv::multi().await;
    let t = raw_token(br#"{"alg":"none"}"#, alice.as_bytes(), "");
    assert!(!multi.accepts("alice", &t).await);
}

#[tokio::test]
async fn fr_010_alg_is_bound_to_the_selected_key() {
    let srv = Srv::multi().await;
    let alice = claims("alice");
    let es256_under_ed = signed_json(
        &json!({"alg": "ES256", "kid": "test-ed25519"}),
        &alice,
        signing_key("issuer", "p256"),
        Algorithm::ES256,
    );
    let rs256_under_p256 = signed_json(
        &json!({"alg": "RS256", "kid": "test-p256"}),
        &alice,
        signing_key("issuer", "rsa2048"),
        Algorithm::RS256,
    );
    let es384_under_p256 = signed_json(
        &json!({"alg": "ES384", "kid": "test-p256"}),
        &alice,
        signing_key("issuer", "p384"),
        Algorithm::ES384,
    );
    for t in [es256_under_ed, rs256_under_p256, es384_under_p256] {
        assert!(!srv.accepts("alice", &t).await);
    }
}

/// Every plausible encoding of the public keys as an HMAC secret.
fn public_key_secrets(name: &str) -> Vec<Vec<u8>> {
    let pem = fixture_bytes("issuer", &format!("{name}.pub.pem"));
    let pem_text = String::from_utf8(pem.clone()).unwrap();
    let body: String = pem_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(body).unwrap();
    let jwks: Value =
        serde_json::from_slice(&fixture_bytes("issuer", &format!("jwks-{name}.json"))).unwrap();
    let jwk = &jwks["keys"][0];
    let mut secrets = vec![
        pem.clone(),
        pem_text.trim_end().as_bytes().to_vec(),
        pem_text.replace('\n', "\r\n").into_bytes(),
        der.clone(),
        jwk.to_string().into_bytes(),
    ];
    if name == "ed25519" {
        secrets.push(der[12..].to_vec());
    } else {
        // PKCS#1 RSAPublicKey: the BIT STRING content of the SPKI (2048-bit keys: after 24 bytes).
        let pkcs1 = &der[24..];
        let b64 = STANDARD.encode(pkcs1);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        secrets.push(
            format!(
                "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
                lines.join("\n")
            )
            .into_bytes(),
        );
    }
    secrets
}

#[tokio::test]
async fn fr_011_hmac_is_never_verified_with_a_public_key() {
    let default = Srv::default().await;
    let multi = Srv::multi().await;
    let alice = claims("alice");
    for (name, kid) in [("ed25519", "test-ed25519"), ("rsa2048", "test-rsa2048")] {
        for secret in public_key_secrets(name) {
            for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
                let header = json!({"alg": format!("{alg:?}"), "kid": kid});
                let t = hmac_token(alg, &header, &alice, &secret);
                if name == "ed25519" {
                    assert!(!default.accepts("alice", &t).await);
                }
                assert!(!multi.accepts("alice", &t).await);
            }
        }
    }
    let mut config = multi_config(&[Algorithm::EdDSA, Algorithm::HS256]);
    assert!(reference_server::start(config.clone()).await.is_err());
    config.algorithms = vec![Algorithm::HS256];
    assert!(reference_server::start(config).await.is_err());
}

fn hs256_config(secret: Vec<u8>) -> ServerConfig {
    ServerConfig::new(KeySource::Hs256Secret(secret))
}

#[tokio::test]
async fn fr_012_hs256_is_verified_only_with_the_configured_secret() {
    let config = hs256_config(hs256_secret("issuer"));
    assert_eq!(
        config.algorithms,
        vec![Algorithm::HS256],
        "secret source allowlists HS256 only"
    );
    let srv = Srv::start(config).await;
    let alice = claims("alice");
    let good = hmac_token(
        Algorithm::HS256,
        &json!({"alg": "HS256"}),
        &alice,
        &hs256_secret("issuer"),
    );
    let attacker = hmac_token(
        Algorithm::HS256,
        &json!({"alg": "HS256"}),
        &alice,
        &hs256_secret("attacker"),
    );
    let hs512 = hmac_token(
        Algorithm::HS512,
        &json!({"alg": "HS512"}),
        &alice,
        &hs256_secret("issuer"),
    );
    assert!(srv.accepts("alice", &good).await);
    assert!(!srv.accepts("alice", &attacker).await);
    assert!(!srv.accepts("alice", &hs512).await);
    assert!(
        !srv.accepts("alice", &token("alice")).await,
        "EdDSA token on an HS256 server"
    );
}

#[tokio::test]
async fn fr_013_weak_or_missing_hs256_secrets_are_refused() {
    for secret in [vec![b'x'; 31], Vec::new()] {
        assert!(reference_server::start(hs256_config(secret)).await.is_err());
    }
    assert!(
        reference_server::start(hs256_config(vec![b'x'; 32]))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn fr_014_signature_must_verify_over_the_received_segments() {
    let srv = Srv::default().await;
    let t = token("alice");
    let (input, signature) = t.rsplit_once('.').unwrap();
    let mut flipped = signature.as_bytes().to_vec();
    flipped[5] = if flipped[5] == b'A' { b'B' } else { b'A' };
    let bob_payload = b64(claims("bob").to_string());
    let header = input.split('.').next().unwrap();
    let other = token("carol");
    let other_signature = other.rsplit('.').next().unwrap();
    let attacker = mint(
        Algorithm::EdDSA,
        Some("test-ed25519"),
        signing_key("attacker", "ed25519"),
        &claims("alice"),
    );
    let cases = [
        format!("{input}.{}", String::from_utf8(flipped).unwrap()),
        format!("{input}.{}", &signature[..signature.len() - 4]),
        format!("{input}."),
        format!("{header}.{bob_payload}.{signature}"),
        format!("{input}.{other_signature}"),
        attacker,
    ];
    for case in &cases {
        assert!(!srv.accepts("alice", case).await, "{case:.30}");
    }
    assert!(!srv.accepts("bob", &cases[3]).await);
}

#[tokio::test]
async fn fr_015_only_three_segment_compact_tokens_are_read() {
    let srv = Srv::default().await;
    let t = token("alice");
    let parts: Vec<&str> = t.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let alice = claims("alice").to_string();
    let ed_header = br#"{"alg":"EdDSA","kid":"test-ed25519"}"#;
    let ed = signing_key("issuer", "ed25519");
    let mut cases = vec![
        h.to_owned(),
        format!("{h}.{p}"),
        format!("{t}.{s}"),
        format!("{t}.{s}.{s}"),
        format!("{t}.{s}.{s}.{s}"),
        format!(".{p}.{s}"),
        format!("{h}..{s}"),
        format!("{h}=.{p}.{s}"),
        format!("{}.{p}.{s}", h.replace('-', "+").replace('_', "/") + "+"),
        format!("{h}.{p}.{s}=="),
        format!("{h}. {p}.{s}"),
        format!("{h}.{p}\t.{s}"),
        json!({"protected": h, "payload": p, "signature": s}).to_string(),
    ];
    for payload in [
        &b"{"[..],
        b"[]",
        b"\"alice\"",
        b"42",
        b"\xef\xbb\xbf{}",
        b"\xff\xfe",
    ] {
        cases.push(signed_raw(ed_header, payload, ed, Algorithm::EdDSA));
        cases.push(signed_raw(payload, alice.as_bytes(), ed, Algorithm::EdDSA));
    }
    let bom = [b"\xef\xbb\xbf".as_slice(), alice.as_bytes()].concat();
    cases.push(signed_raw(ed_header, &bom, ed, Algorithm::EdDSA));
    for case in &cases {
        let resp = srv
            .with_headers(
                "GET",
                "/api/alice/tasks",
                &[("authorization", format!("Bearer {case}").as_bytes())],
            )
            .await;
        assert_invalid(&resp);
    }
    // A newline cannot travel in an HTTP header value; check the verifier itself.
    let keys =
        reference_server::auth::jwks::load_jwks_file(&fixture("issuer", "jwks-ed25519.json"))
            .unwrap();
    let verifier = reference_server::Verifier::new(
        reference_server::auth::VerifierSettings::from_config(&default_config()),
        keys,
    );
    assert!(verifier.verify_token(&t, now()).is_ok());
    for case in [
        format!("{h}.{p}\n.{s}"),
        format!("{h}\n.{p}.{s}"),
        format!("{t}\n"),
    ] {
        assert_eq!(
            verifier.verify_token(&case, now()),
            Err(reference_server::AuthError::Malformed)
        );
    }
}

#[tokio::test]
async fn fr_016_crit_and_unencoded_payloads_are_rejected() {
    let srv = Srv::default().await;
    let alice = claims("alice");
    let ed = signing_key("issuer", "ed25519");
    let base = json!({"alg": "EdDSA", "kid": "test-ed25519"});
    let extend = |extra: Value| {
        let mut header = base.clone();
        header
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        header
    };
    let mut cases: Vec<String> = [
        json!({"crit": ["x-harness"], "x-harness": 1}),
        json!({"crit": []}),
        json!({"crit": "b64"}),
        json!({"b64": false}),
    ]
    .into_iter()
    .map(|extra| signed_json(&extend(extra), &alice, ed, Algorithm::EdDSA))
    .collect();
    // RFC 7797: the payload is not base64url-encoded and the signature covers the raw bytes.
    let header = extend(json!({"b64": false, "crit": ["b64"]})).to_string();
    let input = format!("{}.{}", b64(&header), alice);
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), ed, Algorithm::EdDSA).unwrap();
    cases.push(format!(
        "{}.{}.{signature}",
        b64(&header),
        b64(alice.to_string())
    ));
    for case in &cases {
        assert!(!srv.accepts("alice", case).await, "{case:.40}");
    }
    let plain = signed_json(&extend(json!({"b64": true})), &alice, ed, Algorithm::EdDSA);
    assert!(
        srv.accepts("alice", &plain).await,
        "b64:true is the default and harmless"
    );
}
