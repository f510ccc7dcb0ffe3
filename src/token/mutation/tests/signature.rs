//! Structural checks of the signature family: stripped, broken, foreign and tampered signatures.

use serde_json::{Value, json};

use super::fixtures::{NOW, Probe, verifies};
use crate::token::b64;

/// Empty, truncated, bit-flipped signatures, and signatures of another token or key.
/// `false` when `id` is none of them.
pub(super) fn stripped_and_foreign(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let kind = p.ctx.issuer.kind();
    match id {
        "signature-empty" => {
            let (h, pl, _) = p.valid_parts();
            assert_eq!(p.token(), format!("{h}.{pl}."));
        }
        "signature-truncated" => {
            let (h, pl, s) = p.valid_parts();
            assert_eq!((p.seg(0), p.seg(1)), (h.as_str(), pl.as_str()));
            assert_eq!(p.seg(2).len(), s.len() - 4);
            assert!(!p.trusted());
        }
        "signature-bit-flipped" => {
            let (h, pl, s) = p.valid_parts();
            assert_eq!((p.seg(0), p.seg(1)), (h.as_str(), pl.as_str()));
            let mut sig = p.sig();
            assert_eq!(sig.len(), b64::decode_strict(s.as_bytes()).unwrap().len());
            assert!(!p.trusted());
            sig[0] ^= 1;
            assert!(
                verifies(
                    ctx.issuer.key.as_ref().unwrap(),
                    ctx.issuer.alg,
                    p.input(),
                    &sig
                ),
                "one bit away from valid"
            );
        }
        "signature-from-another-token" => {
            let (h, pl, _) = p.valid_parts();
            assert_eq!((p.seg(0), p.seg(1)), (h.as_str(), pl.as_str()));
            assert!(
                p.signs(p.seg(2), &ctx.other),
                "the attacker's valid signature"
            );
            assert!(!p.trusted());
        }
        "signed-with-attacker-key" => {
            assert_eq!(p.jws.header(), Some(&p.valid_header()));
            p.claims_with(&[]);
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

/// A signed part edited after signing, unsigned canaries, and an expired token with a forged one.
/// `false` when `id` is none of them.
pub(super) fn tampered(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let alice = json!("user-alice");
    match id {
        "payload-tampered" => {
            let other = ctx.valid_token_of(&ctx.other).unwrap();
            assert_eq!(p.seg(0), other.split('.').next().unwrap());
            assert!(
                p.signs(p.seg(2), &ctx.other),
                "the attacker's valid signature"
            );
            let mut expected = ctx.claims_of(&ctx.other);
            expected.insert("sub".into(), alice.clone());
            assert_eq!(p.jws.claims(), Some(&Value::Object(expected)));
            assert!(!p.trusted());
        }
        "header-tampered" => {
            p.header_with(&[("x-authconform", Some(json!("tampered")))]);
            assert_eq!(p.seg(1), p.valid_parts().1);
            assert!(p.signs(p.seg(2), &ctx.principal));
        }
        "claims-canary-unsigned" | "claims-null-unsigned" => {
            let claims = p.jws.claims().unwrap().as_object().unwrap();
            assert_eq!(claims.len(), ctx.claims().len());
            for (name, value) in claims {
                let expected = if id == "claims-null-unsigned" {
                    Value::Null
                } else {
                    json!(format!("authconform-canary-{name}"))
                };
                assert_eq!(value, &expected);
            }
            assert!(p.signs(p.seg(2), &ctx.principal));
        }
        "expired-plus-forged" => {
            p.claims_with(&[
                ("exp", Some(json!(NOW - 3600))),
                ("iat", Some(json!(NOW - 3600 - 900))),
            ]);
            assert!(!p.trusted());
            let mut sig = p.sig();
            sig[0] ^= 1;
            assert!(
                verifies(
                    ctx.issuer.key.as_ref().unwrap(),
                    ctx.issuer.alg,
                    p.input(),
                    &sig
                ),
                "one bit away from valid"
            );
        }
        _ => return false,
    }
    true
}
