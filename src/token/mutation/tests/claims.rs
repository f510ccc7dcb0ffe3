//! Structural checks of the claims family: times, issuer, audience and subject edited and re-signed.

use serde_json::{Value, json};

use super::fixtures::{ISS, NOW, Probe};

/// Expiry, not-before, issued-at, issuer and audience claims.
/// `false` when `id` is none of them.
pub(super) fn times_issuer_audience(id: &str, p: &Probe<'_>) -> bool {
    match id {
        "expired" => {
            p.claims_with(&[
                ("exp", Some(json!(NOW - 3600))),
                ("iat", Some(json!(NOW - 3600 - 900))),
            ]);
            assert!(p.trusted());
        }
        "expired-beyond-leeway-by-1s" => {
            p.claims_with(&[
                ("exp", Some(json!(NOW - 61))),
                ("iat", Some(json!(NOW - 61 - 900))),
            ]);
            assert!(p.trusted());
        }
        "expired-within-leeway" => {
            p.claims_with(&[
                ("exp", Some(json!(NOW - 15))),
                ("iat", Some(json!(NOW - 15 - 900))),
            ]);
            assert!(p.trusted());
        }
        "missing-exp" => p.claims_with(&[("exp", None)]),
        "exp-as-string" => p.claims_with(&[("exp", Some(json!((NOW + 900).to_string())))]),
        "exp-null" => p.claims_with(&[("exp", Some(Value::Null))]),
        "exp-lifetime-excessive" => p.claims_with(&[("exp", Some(json!(NOW + 3650 * 86400)))]),
        "nbf-future" => p.claims_with(&[("nbf", Some(json!(NOW + 3600)))]),
        "nbf-as-string" => p.claims_with(&[("nbf", Some(json!((NOW + 3600).to_string())))]),
        "iat-future" => p.claims_with(&[
            ("iat", Some(json!(NOW + 3600))),
            ("exp", Some(json!(NOW + 3600 + 900))),
        ]),
        "iat-max-age" => p.claims_with(&[("iat", Some(json!(NOW - 30 * 86400)))]),
        "wrong-iss" => p.claims_with(&[("iss", Some(json!("https://issuer.attacker.invalid")))]),
        "missing-iss" => p.claims_with(&[("iss", None)]),
        "iss-case-changed" => p.claims_with(&[("iss", Some(json!("HTTP://LOCALHOST:3000")))]),
        "iss-trailing-slash" => p.claims_with(&[("iss", Some(json!("http://localhost:3000/")))]),
        "iss-partial-match" => {
            p.claims_with(&[("iss", Some(json!("http://localhost:3000.attacker.invalid")))])
        }
        "iss-as-array" => p.claims_with(&[("iss", Some(json!([ISS])))]),
        "iss-unicode-confusable" => {
            p.claims_with(&[("iss", Some(json!("htt\u{440}://localhost:3000")))])
        }
        "wrong-aud" => p.claims_with(&[("aud", Some(json!("https://other-service.invalid")))]),
        "aud-missing" => p.claims_with(&[("aud", None)]),
        "aud-array-without-ours" => {
            p.claims_with(&[("aud", Some(json!(["https://other-service.invalid"])))])
        }
        "aud-array-with-ours" => {
            p.claims_with(&[("aud", Some(json!(["https://other-service.invalid", ISS])))])
        }
        "aud-empty-array" => p.claims_with(&[("aud", Some(json!([])))]),
        "aud-partial-match" => {
            p.claims_with(&[("aud", Some(json!("http://localhost:3000.attacker.invalid")))])
        }
        _ => return false,
    }
    true
}

/// Subject claims, another principal's identity and tokens of another kind.
/// `false` when `id` is none of them.
pub(super) fn subject_and_shape(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let req = p.req;
    let alice = json!("user-alice");
    match id {
        "missing-sub" => p.claims_with(&[("sub", None)]),
        "empty-sub" => p.claims_with(&[("sub", Some(json!("")))]),
        "sub-number" => p.claims_with(&[("sub", Some(json!(12345)))]),
        "sub-array" => p.claims_with(&[("sub", Some(json!(["user-bob", "user-alice"])))]),
        "sub-object" => p.claims_with(&[("sub", Some(json!({"id": "user-alice"})))]),
        "sub-null" => p.claims_with(&[("sub", Some(Value::Null))]),
        "sub-case-changed" => p.claims_with(&[("sub", Some(json!("USER-ALICE")))]),
        "sub-leading-space" => p.claims_with(&[("sub", Some(json!(" user-alice")))]),
        "sub-unicode-confusable" => p.claims_with(&[("sub", Some(json!("u\u{455}er-alice")))]),
        "other-principal-sub" => {
            assert_eq!(p.c("sub"), Some(&json!("user-bob")));
            assert_eq!(
                p.jws.claims(),
                Some(&Value::Object(ctx.claims_of(&ctx.other)))
            );
            assert!(req.path_user.is_none(), "must target the victim's path");
        }
        "sub-unknown-user" => {
            p.claims_with(&[("sub", Some(json!("authconform-unknown-user")))]);
            assert_eq!(req.path_user.as_deref(), Some("authconform-unknown-user"));
        }
        "claim-precedence-confusion" => {
            assert_eq!(p.c("sub"), Some(&json!("user-bob")));
            for name in ["user_id", "userId", "id", "uid", "email", "tenant_id"] {
                assert_eq!(p.c(name), Some(&alice), "{name}");
            }
        }
        "typ-not-access-token" => {
            p.header_with(&[("typ", Some(json!("logout+jwt")))]);
            p.claims_with(&[]);
        }
        "cross-jwt-session-shape" => {
            for absent in ["sub", "iss", "aud"] {
                assert!(p.c(absent).is_none(), "{absent}");
            }
            assert_eq!(p.c("session").unwrap()["userId"], alice);
            assert_eq!(p.c("user").unwrap()["id"], alice);
            assert_eq!(p.c("exp"), Some(&json!(NOW + 900)));
        }
        _ => return false,
    }
    true
}
