//! FR-017 to FR-025: where keys come from (JWKS file, JWKS URL with refresh, HS256 secret) and how
//! one is selected.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use reference_server::config::{KeySource, ServerConfig};
use serde_json::{Value, json};

use crate::common::jwks_server::JwksServer;
use crate::common::*;

fn jwk(dir: &str, name: &str) -> Value {
    let jwks: Value =
        serde_json::from_slice(&fixture_bytes(dir, &format!("jwks-{name}.json"))).unwrap();
    jwks["keys"][0].clone()
}

#[tokio::test]
async fn each_single_key_jwks_file_verifies_its_algorithm() {
    for (name, kid, alg) in [
        ("ed25519", "test-ed25519", Algorithm::EdDSA),
        ("rsa2048", "test-rsa2048", Algorithm::RS256),
        ("p256", "test-p256", Algorithm::ES256),
        ("p384", "test-p384", Algorithm::ES384),
    ] {
        let mut config = ServerConfig::new(KeySource::JwksFile(fixture(
            "issuer",
            &format!("jwks-{name}.json"),
        )));
        config.algorithms = vec![alg];
        let srv = Srv::start(config).await;
        let key = signing_key("issuer", name);
        assert!(
            srv.accepts("alice", &mint(alg, Some(kid), key, &claims("alice")))
                .await,
            "{name}"
        );
        assert!(
            srv.accepts("alice", &mint(alg, None, key, &claims("alice")))
                .await,
            "{name} without kid"
        );
        let foreign = mint(
            alg,
            Some(kid),
            signing_key("attacker", name),
            &claims("alice"),
        );
        assert!(!srv.accepts("alice", &foreign).await, "{name} attacker key");
    }
}

#[tokio::test]
async fn inline_jwks_json_is_a_key_source() {
    let json = String::from_utf8(fixture_bytes("issuer", "jwks-ed25519.json")).unwrap();
    let srv = Srv::start(ServerConfig::new(KeySource::JwksJson(json))).await;
    assert!(srv.accepts("alice", &token("alice")).await);
    let empty = ServerConfig::new(KeySource::JwksJson(r#"{"keys":[]}"#.to_owned()));
    assert!(reference_server::start(empty).await.is_err());
}

#[tokio::test]
async fn fr_017_keys_named_or_carried_by_the_token_are_never_used() {
    let srv = Srv::default().await;
    let listener = JwksServer::start(200, fixture_bytes("attacker", "jwks-ed25519.json")).await;
    let attacker = signing_key("attacker", "ed25519");
    let alice = claims("alice");
    let attacker_jwk = jwk("attacker", "ed25519");
    let x5c = b64(b"not really a certificate, never parsed").replace(['-', '_'], "A");
    for kid in [Some("test-ed25519"), Some("attacker-ed25519"), None] {
        for extra in [
            json!({"jwk": attacker_jwk}),
            json!({"jku": listener.url}),
            json!({"x5u": listener.url}),
            json!({"x5c": [x5c]}),
        ] {
            let mut header = json!({"alg": "EdDSA"});
            if let Some(kid) = kid {
                header["kid"] = json!(kid);
            }
            header
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let t = signed_json(&header, &alice, attacker, Algorithm::EdDSA);
            assert!(!srv.accepts("alice", &t).await, "{header}");
        }
    }
    assert_eq!(
        listener.hits(),
        0,
        "the server fetched a token-supplied URL"
    );
}

#[tokio::test]
async fn fr_018_kid_selects_by_exact_match_and_is_used_for_nothing_else() {
    let srv = Srv::default().await;
    let ed = signing_key("issuer", "ed25519");
    let alice = claims("alice");
    let long = "k".repeat(100_000);
    for kid in [
        json!("TEST-ED25519"),
        json!("other"),
        json!(123),
        json!([]),
        Value::Null,
    ] {
        let t = signed_json(
            &json!({"alg": "EdDSA", "kid": kid}),
            &alice,
            ed,
            Algorithm::EdDSA,
        );
        assert!(!srv.accepts("alice", &t).await, "kid {kid}");
    }
    for (kid, secret) in [
        ("../../../../../../dev/null", &b""[..]),
        ("/dev/null", b""),
        ("x' UNION SELECT '1';--", b"1"),
        ("|sleep 10", b"x"),
    ] {
        let t = hmac_token(
            Algorithm::HS256,
            &json!({"alg": "HS256", "kid": kid}),
            &alice,
            secret,
        );
        let started = std::time::Instant::now();
        assert!(!srv.accepts("alice", &t).await, "kid {kid}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // A 100 KB kid does not fit in a token this server reads: refused all the same.
    let t = signed_json(
        &json!({"alg": "EdDSA", "kid": long}),
        &alice,
        ed,
        Algorithm::EdDSA,
    );
    let resp = srv.get("/api/alice/tasks", &t).await;
    assert!(matches!(resp.status, 401 | 431), "{}", resp.status);
}

#[tokio::test]
async fn fr_019_kid_is_required_when_several_keys_are_loaded() {
    let multi = Srv::multi().await;
    let no_kid = mint(
        Algorithm::EdDSA,
        None,
        signing_key("issuer", "ed25519"),
        &claims("alice"),
    );
    assert!(!multi.accepts("alice", &no_kid).await);
    let single = Srv::default().await;
    assert!(single.accepts("alice", &no_kid).await);
}

#[tokio::test]
async fn fr_020_every_key_of_the_set_verifies_its_tokens() {
    let srv = Srv::multi().await;
    for (name, kid, alg) in [
        ("ed25519", "test-ed25519", Algorithm::EdDSA),
        ("rsa2048", "test-rsa2048", Algorithm::RS256),
        ("p256", "test-p256", Algorithm::ES256),
        ("p384", "test-p384", Algorithm::ES384),
    ] {
        let t = mint(
            alg,
            Some(kid),
            signing_key("issuer", name),
            &claims("alice"),
        );
        assert!(srv.accepts("alice", &t).await, "{kid}");
    }
}

#[tokio::test]
async fn fr_021_only_public_signature_keys_are_taken_from_a_jwks() {
    let dir = tempfile::tempdir().unwrap();
    let secret = hs256_secret("issuer");
    let oct = json!({"kty": "oct", "kid": "k-oct", "alg": "HS256", "k": b64(&secret)});
    let path = dir.path().join("oct.json");
    std::fs::write(
        &path,
        json!({"keys": [jwk("issuer", "ed25519"), oct]}).to_string(),
    )
    .unwrap();
    let srv = Srv::start(ServerConfig::new(KeySource::JwksFile(path))).await;
    let t = hmac_token(
        Algorithm::HS256,
        &json!({"alg": "HS256", "kid": "k-oct"}),
        &claims("alice"),
        &secret,
    );
    assert!(!srv.accepts("alice", &t).await);

    for (member, value) in [("use", json!("enc")), ("key_ops", json!(["sign"]))] {
        let mut p256 = jwk("issuer", "p256");
        p256[member] = value;
        let path = dir.path().join(format!("{member}.json"));
        std::fs::write(
            &path,
            json!({"keys": [jwk("issuer", "ed25519"), p256]}).to_string(),
        )
        .unwrap();
        let mut config = ServerConfig::new(KeySource::JwksFile(path));
        config.algorithms = vec![Algorithm::EdDSA, Algorithm::ES256];
        let srv = Srv::start(config).await;
        let t = mint(
            Algorithm::ES256,
            Some("test-p256"),
            signing_key("issuer", "p256"),
            &claims("alice"),
        );
        assert!(!srv.accepts("alice", &t).await, "{member}");
        assert!(srv.accepts("alice", &token("alice")).await);
    }
}

fn url_config(url: &str, algorithms: &[Algorithm], cooldown: Duration) -> ServerConfig {
    let mut config = ServerConfig::new(KeySource::JwksUrl(url.to_owned()));
    config.algorithms = algorithms.to_vec();
    config.jwks_refresh_interval = cooldown;
    config
}

#[tokio::test]
async fn fr_022_jwks_url_is_fetched_once_and_cached() {
    let jwks = JwksServer::start(200, fixture_bytes("issuer", "jwks-ed25519.json")).await;
    let srv = Srv::start(url_config(
        &jwks.url,
        &[Algorithm::EdDSA],
        Duration::from_secs(10),
    ))
    .await;
    let t = token("alice");
    for _ in 0..100 {
        assert!(srv.accepts("alice", &t).await);
    }
    assert_eq!(jwks.hits(), 1);
    assert_eq!(srv.server.state().authenticator().jwks_fetch_count(), 1);
}

#[tokio::test]
async fn fr_022_unreachable_jwks_url_still_starts_and_answers_401() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", closed.local_addr().unwrap());
    drop(closed);
    let srv = Srv::start(url_config(
        &url,
        &[Algorithm::EdDSA],
        Duration::from_secs(10),
    ))
    .await;
    for _ in 0..3 {
        assert!(!srv.accepts("alice", &token("alice")).await);
    }
}

#[tokio::test]
async fn fr_023_unknown_kid_triggers_a_refresh() {
    let jwks = JwksServer::start(200, fixture_bytes("issuer", "jwks-ed25519.json")).await;
    let srv = Srv::start(url_config(
        &jwks.url,
        &[Algorithm::EdDSA, Algorithm::ES384],
        Duration::from_secs(10),
    ))
    .await;
    let es384 = mint(
        Algorithm::ES384,
        Some("test-p384"),
        signing_key("issuer", "p384"),
        &claims("alice"),
    );
    jwks.set(200, fixture_bytes("issuer", "jwks.json")).await;
    assert!(srv.accepts("alice", &es384).await);
    assert_eq!(jwks.hits(), 2);
    assert!(srv.accepts("alice", &token("alice")).await);
}

#[tokio::test]
async fn fr_023_concurrent_unknown_kids_share_one_refresh() {
    let jwks = JwksServer::start(200, fixture_bytes("issuer", "jwks-ed25519.json")).await;
    let srv = Srv::start(url_config(
        &jwks.url,
        &[Algorithm::EdDSA, Algorithm::ES384],
        Duration::from_secs(10),
    ))
    .await;
    jwks.set(200, fixture_bytes("issuer", "jwks.json")).await;
    let es384 = mint(
        Algorithm::ES384,
        Some("test-p384"),
        signing_key("issuer", "p384"),
        &claims("alice"),
    );
    let requests = (0..10).map(|_| srv.get("/api/alice/tasks", &es384));
    for resp in futures_join_all(requests).await {
        assert_eq!(resp.status, 200);
    }
    assert_eq!(
        jwks.hits(),
        2,
        "one fetch at start, one refresh for all ten"
    );
}

/// Runs the futures concurrently on the current task.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        *result = Some(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.extend(results.into_iter().flatten());
    outputs
}

#[tokio::test]
async fn fr_024_refreshes_are_rate_limited() {
    let jwks = JwksServer::start(200, fixture_bytes("issuer", "jwks-ed25519.json")).await;
    let srv = Srv::start(url_config(
        &jwks.url,
        &[Algorithm::EdDSA, Algorithm::ES384],
        Duration::from_secs(10),
    ))
    .await;
    jwks.set(200, fixture_bytes("issuer", "jwks.json")).await;
    let es384 = mint(
        Algorithm::ES384,
        Some("test-p384"),
        signing_key("issuer", "p384"),
        &claims("alice"),
    );
    assert!(
        srv.accepts("alice", &es384).await,
        "first unknown kid refreshes"
    );
    let after_refresh = jwks.hits();
    let attacker = signing_key("attacker", "ed25519");
    for i in 0..50 {
        let kid = format!("random-kid-{i}-{}", now());
        let t = mint(Algorithm::EdDSA, Some(&kid), attacker, &claims("alice"));
        assert!(!srv.accepts("alice", &t).await);
    }
    assert!(jwks.hits() <= after_refresh + 1, "{} fetches", jwks.hits());
    assert_eq!(
        jwks.hits(),
        after_refresh,
        "within the cooldown nothing is fetched"
    );
}

#[tokio::test]
async fn fr_025_refresh_replaces_the_set_and_a_failed_refresh_keeps_it() {
    // (a) a key removed from the JWKS stops being trusted after the next refresh.
    let jwks = JwksServer::start(200, fixture_bytes("issuer", "jwks.json")).await;
    let srv = Srv::start(url_config(
        &jwks.url,
        &[Algorithm::EdDSA, Algorithm::ES384],
        Duration::ZERO,
    ))
    .await;
    assert!(srv.accepts("alice", &token("alice")).await);
    jwks.set(200, fixture_bytes("issuer", "jwks-p384.json"))
        .await;
    let unknown = mint(
        Algorithm::EdDSA,
        Some("unknown"),
        signing_key("attacker", "ed25519"),
        &claims("alice"),
    );
    assert!(!srv.accepts("alice", &unknown).await);
    assert!(
        !srv.accepts("alice", &token("alice")).await,
        "removed key still trusted"
    );

    // (b) failures (500, invalid JSON, oversized body) keep the previous set.
    let jwks = JwksServer::start(200, fixture_bytes("issuer", "jwks-ed25519.json")).await;
    let srv = Srv::start(url_config(&jwks.url, &[Algorithm::EdDSA], Duration::ZERO)).await;
    for (status, body) in [
        (500, b"oops".to_vec()),
        (200, b"{not json".to_vec()),
        (200, vec![b' '; 300 * 1024]),
        (200, b"{\"keys\":[]}".to_vec()),
    ] {
        jwks.set(status, body).await;
        let hits = jwks.hits();
        assert!(!srv.accepts("alice", &unknown).await);
        assert_eq!(jwks.hits(), hits + 1, "a refresh was attempted");
        assert!(srv.accepts("alice", &token("alice")).await);
    }
}

/// The `hs-key-confusion` flaw keys HMAC with the SPKI PEM derived from the JWK: it is byte for byte
/// the published `<name>.pub.pem` file.
#[test]
fn spki_pem_derived_from_each_jwk_matches_the_published_pem_file() {
    let keys =
        reference_server::auth::jwks::load_jwks_file(&fixture("issuer", "jwks.json")).unwrap();
    assert_eq!(keys.len(), 4);
    for (key, name) in keys
        .keys()
        .iter()
        .zip(["ed25519", "rsa2048", "p256", "p384"])
    {
        let expected =
            String::from_utf8(fixture_bytes("issuer", &format!("{name}.pub.pem"))).unwrap();
        assert_eq!(key.spki_pem().unwrap(), expected, "{name}");
    }
}
