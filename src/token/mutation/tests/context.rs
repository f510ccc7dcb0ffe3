//! Tests of how the mutation context shapes what is made (attacker URL, leeway, keys, claims).

use serde_json::json;

use super::fixtures::{NOW, ctx_for};
use crate::token::jws::CompactJws;
use crate::token::keys::{KeyKind, SigningKey};
use crate::token::mutation::{MutationContext, MutationError, find};

#[test]
fn attacker_host_mutations_need_a_base_url() {
    let mut ctx = ctx_for(KeyKind::Ed25519);
    ctx.attacker_base_url = None;
    for id in [
        "jku-to-attacker-jwks",
        "jku-userinfo-bypass",
        "jku-path-bypass",
        "x5u-to-attacker-cert",
        "url-claims-callback",
        "common-claims-url-injected",
    ] {
        assert!(
            matches!(
                find(id).unwrap().apply(&ctx),
                Err(MutationError::NeedsAttackerUrl)
            ),
            "{id}"
        );
    }
}

#[test]
fn leeway_and_custom_user_id_claim() {
    let mut ctx = ctx_for(KeyKind::Ed25519);
    ctx.leeway_secs = 0;
    assert!(matches!(
        find("expired-within-leeway").unwrap().apply(&ctx),
        Err(MutationError::NotApplicable(_))
    ));
    // Beyond the largest leeway the spec allows (60 s), or the declared one when larger.
    let beyond = |ctx: &MutationContext| {
        let token = find("expired-beyond-leeway-by-1s")
            .unwrap()
            .apply(ctx)
            .unwrap()
            .token
            .unwrap();
        CompactJws::parse(token.as_bytes()).claim("exp").cloned()
    };
    ctx.leeway_secs = 10;
    assert_eq!(beyond(&ctx), Some(json!(NOW - 61)));
    ctx.leeway_secs = 90;
    assert_eq!(beyond(&ctx), Some(json!(NOW - 91)));

    ctx.issuer.user_id_claim = crate::token::identity::IdClaim::Name("user_id".into());
    let token = find("missing-sub")
        .unwrap()
        .apply(&ctx)
        .unwrap()
        .token
        .unwrap();
    let jws = CompactJws::parse(token.as_bytes());
    assert!(jws.claim("user_id").is_none() && jws.claim("sub").is_none());
    let token = find("claim-precedence-confusion")
        .unwrap()
        .apply(&ctx)
        .unwrap()
        .token
        .unwrap();
    let jws = CompactJws::parse(token.as_bytes());
    assert_eq!(
        jws.claim("user_id"),
        Some(&json!("user-bob")),
        "the configured id claim names the attacker"
    );
    assert_eq!(jws.claim("userId"), Some(&json!("user-alice")));
}

#[test]
fn hs256_issuer_signs_same_alg_forgeries_with_the_attacker_secret() {
    let ctx = ctx_for(KeyKind::Hmac);
    let key: SigningKey = ctx.attacker_same_alg().unwrap();
    assert_eq!(key.kind(), KeyKind::Hmac);
    assert_ne!(
        key.hmac_secret(),
        ctx.issuer.key.as_ref().unwrap().hmac_secret()
    );
}

#[test]
fn claims_the_issuer_leaves_out_are_not_probed() {
    let mut ctx = ctx_for(KeyKind::Hmac);
    ctx.issuer.iss = None;
    ctx.issuer.aud = None;
    for id in [
        "wrong-iss",
        "missing-iss",
        "iss-as-array",
        "wrong-aud",
        "aud-missing",
    ] {
        let err = find(id).unwrap().apply(&ctx).unwrap_err();
        assert!(
            matches!(&err, MutationError::NotApplicable(reason) if reason.contains("carry no")),
            "{id}: {err}"
        );
    }
}

#[test]
fn without_the_issuer_key_only_keyless_attacks_are_made() {
    let mut ctx = ctx_for(KeyKind::Ed25519);
    let victim = ctx.valid_token().unwrap();
    let other = ctx.valid_token_of(&ctx.other.clone()).unwrap();
    ctx.principal.issued = Some(crate::token::mint::IssuedToken::parse(&victim).unwrap());
    ctx.other.issued = Some(crate::token::mint::IssuedToken::parse(&other).unwrap());
    ctx.issuer.key = None;
    assert_eq!(ctx.valid_token().unwrap(), victim);
    // Signed by the issuer: skipped, with the reason.
    let err = find("expired").unwrap().apply(&ctx).unwrap_err();
    assert!(
        matches!(&err, MutationError::NotApplicable(reason) if reason.contains("issuer's signing key")),
        "{err}"
    );
    // No key needed: alg none, a stripped signature, another user's real token, the attacker's key.
    for id in [
        "alg-none",
        "signature-empty",
        "other-principal-sub",
        "embedded-jwk-attacker-key",
        "payload-tampered",
    ] {
        let made = find(id).unwrap().apply(&ctx);
        assert!(made.is_ok(), "{id}: {:?}", made.err());
    }
    assert_eq!(
        find("other-principal-sub")
            .unwrap()
            .apply(&ctx)
            .unwrap()
            .token
            .as_deref(),
        Some(other.as_str())
    );
}
