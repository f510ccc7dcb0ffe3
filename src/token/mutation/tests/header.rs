//! Structural checks of the header family: `kid`, key URLs, embedded keys, `crit`, `b64` and nesting.

use serde_json::{Value, json};

use super::fixtures::{ATTACKER, Probe, is_trusted_token, parse_alg, verifies};
use crate::token::jws::CompactJws;
use crate::token::keys::{KeyKind, PublicKey};
use crate::token::{Alg, b64, sign};

/// `kid` values: unknown, wrongly typed, path traversal and injections.
/// `false` when `id` is none of them.
pub(super) fn key_ids(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let kind = p.ctx.issuer.kind();
    match id {
        "kid-unknown" | "kid-number" | "kid-null" | "kid-empty" | "kid-oversized" => {
            let kid = match id {
                "kid-unknown" => json!("authconform-unknown-kid"),
                "kid-number" => json!(12345),
                "kid-null" => Value::Null,
                "kid-empty" => json!(""),
                _ => json!("k".repeat(100 * 1024)),
            };
            p.header_with(&[("kid", Some(kid))]);
            assert!(p.trusted());
        }
        "kid-path-traversal" | "kid-dev-null" | "kid-sql-injection" => {
            let (kid, secret): (&str, &[u8]) = match id {
                "kid-path-traversal" => ("../../../../../../../dev/null", b""),
                "kid-dev-null" => ("/dev/null", b""),
                _ => ("x' UNION SELECT '1';--", b"1"),
            };
            assert_eq!(p.jws.header(), Some(&json!({"alg": "HS256", "kid": kid})));
            assert!(sign::hmac_verify(Alg::Hs256, secret, p.input(), &p.sig()));
        }
        "kid-command-injection" | "kid-command-injection-subshell" => {
            let kid = if id.ends_with("subshell") {
                "$(sleep 10)"
            } else {
                "|sleep 10"
            };
            p.header_with(&[("kid", Some(json!(kid)))]);
            let attacker = ctx
                .attacker
                .by_kind(kind)
                .cloned()
                .unwrap_or_else(|| ctx.attacker.hs256_key());
            assert!(verifies(&attacker, ctx.issuer.alg, p.input(), &p.sig()));
            assert!(!p.trusted());
        }
        _ => return false,
    }
    true
}

/// Keys fetched from a URL: `jku`, `x5u`, and a self-signed `x5c` chain.
/// `false` when `id` is none of them.
pub(super) fn key_urls(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let req = p.req;
    match id {
        "jku-to-attacker-jwks" | "jku-userinfo-bypass" | "jku-path-bypass" => {
            let (url, path) = match id {
                "jku-to-attacker-jwks" => (format!("{ATTACKER}/jwks.json"), "/jwks.json"),
                "jku-userinfo-bypass" => (
                    "http://localhost:3000@127.0.0.1:4000/jwks.json".to_string(),
                    "/jwks.json",
                ),
                _ => (
                    format!("{ATTACKER}/localhost:3000/jwks.json"),
                    "/localhost:3000/jwks.json",
                ),
            };
            assert_eq!(p.h("jku"), Some(&json!(url)));
            assert_eq!(req.hosted.len(), 1);
            assert_eq!(req.hosted[0].path, path);
            let jwks: Value = serde_json::from_str(&req.hosted[0].body).unwrap();
            let hosted = PublicKey::from_jwk(&jwks["keys"][0]).unwrap();
            assert_eq!(p.h("kid").and_then(Value::as_str), hosted.kid.as_deref());
            assert_eq!(
                p.h("kid").and_then(Value::as_str),
                ctx.issuer.kid.as_deref().or(Some("attacker-ed25519"))
            );
            let alg = parse_alg(p.h("alg").unwrap().as_str().unwrap());
            assert!(
                sign::verify(alg, &hosted, p.input(), &p.sig()),
                "signed by the hosted key"
            );
            assert!(!p.trusted());
        }
        "x5u-to-attacker-cert" | "x5c-self-signed-chain" => {
            let cert_der = if id.starts_with("x5u") {
                assert_eq!(p.h("x5u"), Some(&json!(format!("{ATTACKER}/x5u.pem"))));
                assert_eq!(req.hosted[0].path, "/x5u.pem");
                crate::token::keys::pem::decode_first(&req.hosted[0].body)
                    .unwrap()
                    .der
            } else {
                let entries = p.h("x5c").unwrap().as_array().unwrap();
                assert_eq!(entries.len(), 1);
                b64::decode_standard(entries[0].as_str().unwrap().as_bytes()).unwrap()
            };
            let key = ctx.attacker_injection_key();
            let spki = key.public_key().unwrap().spki_der();
            assert!(
                cert_der.windows(spki.len()).any(|w| w == spki.as_slice()),
                "certificate holds the signing key"
            );
            assert!(verifies(
                &key,
                parse_alg(p.h("alg").unwrap().as_str().unwrap()),
                p.input(),
                &p.sig()
            ));
            assert!(!p.trusted());
        }
        _ => return false,
    }
    true
}

/// Embedded JWKs, `crit` and `b64` headers.
/// `false` when `id` is none of them.
pub(super) fn embedded_keys_and_critical(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let kind = p.ctx.issuer.kind();
    match id {
        id if id.starts_with("embedded-jwk-") => {
            let embedded = PublicKey::from_jwk(p.h("jwk").unwrap()).unwrap();
            let expected_kind = match id {
                "embedded-jwk-attacker-rsa" => KeyKind::Rsa,
                "embedded-jwk-attacker-ec" => KeyKind::EcP256,
                "embedded-jwk-attacker-okp" => KeyKind::Ed25519,
                _ if kind == KeyKind::Hmac => KeyKind::Ed25519,
                _ => kind,
            };
            assert_eq!(embedded.kind(), expected_kind);
            let alg = parse_alg(p.h("alg").unwrap().as_str().unwrap());
            assert!(
                sign::verify(alg, &embedded, p.input(), &p.sig()),
                "signed by the embedded key"
            );
            assert_ne!(Some(&embedded), ctx.target_key.as_ref());
        }
        "crit-unknown-extension" => {
            p.header_with(&[
                ("crit", Some(json!(["x-authconform"]))),
                ("x-authconform", Some(json!(true))),
            ]);
            assert!(p.trusted());
        }
        "crit-empty-array" => p.header_with(&[("crit", Some(json!([])))]),
        "crit-lists-registered-header" => p.header_with(&[("crit", Some(json!(["alg"])))]),
        "b64-false" => {
            p.header_with(&[("b64", Some(json!(false))), ("crit", Some(json!(["b64"])))]);
            let payload: Value =
                serde_json::from_str(p.seg(1)).expect("unencoded JSON payload inline");
            assert_eq!(payload, p.valid_claims());
            assert!(p.trusted(), "signed over header.<raw payload>");
        }
        "b64-false-without-crit" => {
            p.header_with(&[("b64", Some(json!(false)))]);
            p.claims_with(&[]);
            assert!(p.trusted());
        }
        _ => return false,
    }
    true
}

/// Nested JWTs, `cty`, and claims holding the attacker's URL.
/// `false` when `id` is none of them.
pub(super) fn nested_and_url_claims(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    match id {
        "nested-jwt-unsigned-outer" | "nested-jwt-attacker-outer" | "nested-jwt-forged-inner" => {
            assert_eq!(p.h("cty"), Some(&json!("JWT")));
            let inner = std::str::from_utf8(p.jws.payload_bytes().unwrap()).unwrap();
            let inner_jws = CompactJws::parse(inner.as_bytes());
            assert_eq!(inner_jws.claims(), Some(&p.valid_claims()));
            let attacker = ctx.attacker_same_alg().unwrap();
            match id {
                "nested-jwt-unsigned-outer" => {
                    assert_eq!(p.h("alg"), Some(&json!("none")));
                    assert_eq!(p.seg(2), "");
                    assert!(is_trusted_token(ctx, inner));
                }
                "nested-jwt-attacker-outer" => {
                    assert!(verifies(&attacker, ctx.issuer.alg, p.input(), &p.sig()));
                    assert!(!p.trusted() && is_trusted_token(ctx, inner));
                }
                _ => {
                    assert!(p.trusted());
                    assert!(!is_trusted_token(ctx, inner));
                    let ij = CompactJws::parse(inner.as_bytes());
                    assert!(verifies(
                        &attacker,
                        ctx.issuer.alg,
                        ij.signing_input().unwrap(),
                        ij.signature().unwrap()
                    ));
                }
            }
        }
        "cty-xml-payload" => {
            p.header_with(&[("cty", Some(json!("text/xml")))]);
            let payload = std::str::from_utf8(p.jws.payload_bytes().unwrap()).unwrap();
            assert!(
                payload.starts_with("<?xml")
                    && payload.contains("<!ENTITY x SYSTEM \"file:///etc/passwd\">")
            );
            assert!(p.trusted());
        }
        "url-claims-callback" => {
            p.header_with(&[
                ("jku", Some(json!(format!("{ATTACKER}/callback/jku")))),
                ("x5u", Some(json!(format!("{ATTACKER}/callback/x5u")))),
            ]);
            p.claims_with(&[("iss", Some(json!(format!("{ATTACKER}/callback/iss"))))]);
            assert!(p.trusted());
        }
        "common-claims-url-injected" => {
            for name in ["typ", "jku", "kid", "x5u", "x5t"] {
                assert_eq!(
                    p.h(name),
                    Some(&json!(format!("{ATTACKER}/callback/header/{name}")))
                );
            }
            for name in ["iss", "sub", "aud", "jti", "email", "redirect_uri"] {
                assert_eq!(
                    p.c(name),
                    Some(&json!(format!("{ATTACKER}/callback/claim/{name}")))
                );
            }
            assert!(p.signs(p.seg(2), &ctx.principal));
        }
        _ => return false,
    }
    true
}
