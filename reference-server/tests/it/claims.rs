//! FR-026 to FR-033: the claims.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn fr_026_sub_must_be_a_non_empty_string() {
    let srv = Srv::default().await;
    for sub in [
        Value::Null,
        json!(""),
        json!(123),
        json!(true),
        json!(["alice"]),
        json!({}),
    ] {
        let mut c = claims("alice");
        if sub.is_null() {
            c.as_object_mut().unwrap().remove("sub");
        } else {
            c["sub"] = sub.clone();
        }
        assert!(!srv.accepts("alice", &token_with(c)).await, "sub {sub}");
    }
    // `sub: null` explicitly present
    let mut c = claims("alice");
    c["sub"] = Value::Null;
    assert!(!srv.accepts("alice", &token_with(c)).await);
}

#[tokio::test]
async fn fr_027_identity_is_the_sub_claim_only() {
    let srv = Srv::default().await;
    srv.create_task("alice", "alice canary").await;
    srv.create_task("bob", "bob task").await;
    let mut c = claims("bob");
    for name in ["id", "user_id", "userId", "email", "name"] {
        c[name] = json!("alice");
    }
    let t = token_with(c);
    assert_eq!(srv.get("/api/alice/tasks", &t).await.status, 403);
    let resp = srv.get("/api/bob/tasks", &t).await;
    assert_eq!(resp.status, 200);
    assert!(!resp.text.contains("alice canary"));
    assert_eq!(resp.json.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn fr_028_exp_is_required_and_numeric() {
    let srv = Srv::default().await;
    for exp in [Value::Null, json!("9999999999"), json!(true), json!([])] {
        let c = if exp.is_null() {
            with(claims("alice"), "exp", Value::Null)
        } else {
            with(claims("alice"), "exp", exp.clone())
        };
        assert!(!srv.accepts("alice", &token_with(c)).await, "exp {exp}");
    }
    let mut explicit_null = claims("alice");
    explicit_null["exp"] = Value::Null;
    assert!(!srv.accepts("alice", &token_with(explicit_null)).await);
}

#[tokio::test]
async fn fr_029_expiry_is_enforced_with_the_leeway() {
    let srv = Srv::default().await;
    let exp = |offset: i64| token_with(with(claims("alice"), "exp", json!(now() as i64 + offset)));
    assert!(!srv.accepts("alice", &exp(-3600)).await);
    assert!(!srv.accepts("alice", &exp(-35)).await);
    assert!(srv.accepts("alice", &exp(-25)).await);
    assert!(
        !srv.accepts("alice", &exp(-(now() as i64) - 10)).await,
        "negative exp"
    );
}

#[tokio::test]
async fn fr_030_nbf_and_iat_are_honoured() {
    let srv = Srv::default().await;
    let at = |claim: &str, value: Value| token_with(with(claims("alice"), claim, value));
    let n = now();
    assert!(!srv.accepts("alice", &at("nbf", json!(n + 3600))).await);
    assert!(!srv.accepts("alice", &at("nbf", json!(n + 35))).await);
    assert!(srv.accepts("alice", &at("nbf", json!(n + 25))).await);
    assert!(!srv.accepts("alice", &at("iat", json!(n + 3600))).await);
    assert!(srv.accepts("alice", &at("iat", json!(n + 25))).await);
    assert!(!srv.accepts("alice", &at("nbf", json!("0"))).await);
    let mut null_iat = claims("alice");
    null_iat["iat"] = Value::Null;
    assert!(!srv.accepts("alice", &token_with(null_iat)).await);
    let neither = with(claims("alice"), "iat", Value::Null);
    assert!(srv.accepts("alice", &token_with(neither)).await);
}

#[tokio::test]
async fn fr_031_issuer_must_match_exactly() {
    let srv = Srv::default().await;
    for iss in [
        Value::Null,
        json!("https://evil.example"),
        json!("http://localhost:3000x"),
        json!("http://localhost:300"),
        json!("HTTP://localhost:3000"),
        json!("http://localhost:3000/"),
        json!(["http://localhost:3000"]),
    ] {
        assert!(
            !srv.accepts(
                "alice",
                &token_with(with(claims("alice"), "iss", iss.clone()))
            )
            .await,
            "iss {iss}"
        );
    }
    assert!(srv.accepts("alice", &token("alice")).await);
}

#[tokio::test]
async fn fr_032_audience_must_name_this_server() {
    let srv = Srv::default().await;
    for aud in [
        json!("http://localhost:3000"),
        json!(["other", "http://localhost:3000"]),
    ] {
        assert!(
            srv.accepts(
                "alice",
                &token_with(with(claims("alice"), "aud", aud.clone()))
            )
            .await,
            "aud {aud}"
        );
    }
    for aud in [
        Value::Null,
        json!("other"),
        json!([]),
        json!([""]),
        json!(["other"]),
        json!("http://localhost:3000x"),
        json!(123),
        json!({"a": 1}),
    ] {
        assert!(
            !srv.accepts(
                "alice",
                &token_with(with(claims("alice"), "aud", aud.clone()))
            )
            .await,
            "aud {aud}"
        );
    }
}

#[tokio::test]
async fn fr_033_leeway_is_configurable_up_to_sixty_seconds() {
    let exp = |offset: i64| token_with(with(claims("alice"), "exp", json!(now() as i64 + offset)));
    let mut strict = default_config();
    strict.leeway = Duration::ZERO;
    let strict = Srv::start(strict).await;
    assert!(!strict.accepts("alice", &exp(-5)).await);
    assert!(strict.accepts("alice", &exp(30)).await);
    let mut lenient = default_config();
    lenient.leeway = Duration::from_secs(60);
    let lenient = Srv::start(lenient).await;
    assert!(lenient.accepts("alice", &exp(-55)).await);
    let mut too_much = default_config();
    too_much.leeway = Duration::from_secs(61);
    assert!(reference_server::start(too_much).await.is_err());
}
