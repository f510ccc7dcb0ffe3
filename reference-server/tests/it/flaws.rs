//! Every flaw: its exploit succeeds with the flaw on and fails with it off (same request both times).

use jsonwebtoken::Algorithm;
use reference_server::Flaw;
use serde_json::{Value, json};

use crate::common::jwks_server::JwksServer;
use crate::common::*;

async fn accepted_as_alice(srv: &Srv, t: &str) -> bool {
    srv.accepts("alice", t).await
}

async fn alg_none(srv: &Srv) -> bool {
    let t = raw_token(
        br#"{"alg":"None","typ":"JWT"}"#,
        claims("alice").to_string().as_bytes(),
        "",
    );
    accepted_as_alice(srv, &t).await
}

async fn signature_not_verified(srv: &Srv) -> bool {
    let t = mint(
        Algorithm::EdDSA,
        Some("test-ed25519"),
        signing_key("attacker", "ed25519"),
        &claims("alice"),
    );
    accepted_as_alice(srv, &t).await
}

async fn exp_not_checked(srv: &Srv) -> bool {
    accepted_as_alice(
        srv,
        &token_with(with(claims("alice"), "exp", json!(now() - 3600))),
    )
    .await
}

async fn exp_not_required(srv: &Srv) -> bool {
    accepted_as_alice(srv, &token_with(with(claims("alice"), "exp", Value::Null))).await
}

async fn nbf_ignored(srv: &Srv) -> bool {
    accepted_as_alice(
        srv,
        &token_with(with(claims("alice"), "nbf", json!(now() + 3600))),
    )
    .await
}

async fn iss_ignored(srv: &Srv) -> bool {
    accepted_as_alice(
        srv,
        &token_with(with(claims("alice"), "iss", json!("https://evil.example"))),
    )
    .await
}

async fn aud_ignored(srv: &Srv) -> bool {
    accepted_as_alice(
        srv,
        &token_with(with(claims("alice"), "aud", json!("https://other.example"))),
    )
    .await
}

async fn huge_leeway(srv: &Srv) -> bool {
    accepted_as_alice(
        srv,
        &token_with(with(claims("alice"), "exp", json!(now() - 86_400))),
    )
    .await
}

/// HS256 keyed with the public key file exactly as published (`ed25519.pub.pem`).
async fn hs_key_confusion(srv: &Srv) -> bool {
    let secret = fixture_bytes("issuer", "ed25519.pub.pem");
    let header = json!({"alg": "HS256", "kid": "test-ed25519"});
    accepted_as_alice(
        srv,
        &hmac_token(Algorithm::HS256, &header, &claims("alice"), &secret),
    )
    .await
}

async fn kid_path_traversal(srv: &Srv) -> bool {
    let header = json!({"alg": "HS256", "kid": "../../../../../../../../dev/null"});
    accepted_as_alice(
        srv,
        &hmac_token(Algorithm::HS256, &header, &claims("alice"), b""),
    )
    .await
}

async fn jku_trusted(srv: &Srv) -> bool {
    let jwks = JwksServer::start(200, fixture_bytes("attacker", "jwks-ed25519.json")).await;
    let header = json!({"alg": "EdDSA", "kid": "attacker-ed25519", "jku": jwks.url});
    let t = signed_json(
        &header,
        &claims("alice"),
        signing_key("attacker", "ed25519"),
        Algorithm::EdDSA,
    );
    let accepted = accepted_as_alice(srv, &t).await;
    if !accepted {
        assert_eq!(jwks.hits(), 0, "a refused jku must not even be fetched");
    }
    // Never outside loopback, flaw or not.
    let remote = json!({"alg": "EdDSA", "kid": "attacker-ed25519", "jku": "http://jwks.example.invalid/jwks.json"});
    let t = signed_json(
        &remote,
        &claims("alice"),
        signing_key("attacker", "ed25519"),
        Algorithm::EdDSA,
    );
    assert!(!accepted_as_alice(srv, &t).await);
    accepted
}

async fn embedded_jwk_trusted(srv: &Srv) -> bool {
    let jwks: Value =
        serde_json::from_slice(&fixture_bytes("attacker", "jwks-ed25519.json")).unwrap();
    let header = json!({"alg": "EdDSA", "kid": "attacker-ed25519", "jwk": jwks["keys"][0]});
    let t = signed_json(
        &header,
        &claims("alice"),
        signing_key("attacker", "ed25519"),
        Algorithm::EdDSA,
    );
    accepted_as_alice(srv, &t).await
}

async fn token_in_query(srv: &Srv) -> bool {
    let resp = srv
        .call(
            "GET",
            &format!("/api/alice/tasks?access_token={}", token("alice")),
            None,
            None,
        )
        .await;
    resp.status == 200
}

async fn any_auth_scheme(srv: &Srv) -> bool {
    let value = format!("Token {}", token("alice"));
    let resp = srv
        .with_headers(
            "GET",
            "/api/alice/tasks",
            &[("authorization", value.as_bytes())],
        )
        .await;
    resp.status == 200
}

async fn malformed_token_500(srv: &Srv) -> bool {
    srv.get("/api/alice/tasks", "not-a-jwt").await.status == 500
}

async fn missing_www_authenticate(srv: &Srv) -> bool {
    let resp = srv.call("GET", "/api/alice/tasks", None, None).await;
    assert_eq!(resp.status, 401);
    resp.www_authenticate().is_none()
}

async fn forbidden_instead_of_401(srv: &Srv) -> bool {
    srv.call("GET", "/api/alice/tasks", None, None).await.status == 403
}

async fn path_user_not_checked(srv: &Srv) -> bool {
    srv.create_task("alice", "alice canary").await;
    let resp = srv.get("/api/alice/tasks", &token("bob")).await;
    resp.status == 200 && resp.text.contains("alice canary")
}

async fn task_read_idor(srv: &Srv) -> bool {
    let a1 = srv.create_task("alice", "alice canary").await["id"].clone();
    let resp = srv
        .get(&format!("/api/bob/tasks/{a1}"), &token("bob"))
        .await;
    resp.status == 200 && resp.text.contains("alice canary")
}

async fn task_write_idor(srv: &Srv) -> bool {
    let a1 = srv.create_task("alice", "alice canary").await["id"].clone();
    let bob = token("bob");
    // Reads stay correct even with the flaw on.
    assert_eq!(
        srv.get(&format!("/api/bob/tasks/{a1}"), &bob).await.status,
        404
    );
    srv.call("DELETE", &format!("/api/bob/tasks/{a1}"), Some(&bob), None)
        .await;
    srv.get(&format!("/api/alice/tasks/{a1}"), &token("alice"))
        .await
        .status
        == 404
}

async fn list_leaks(srv: &Srv) -> bool {
    srv.create_task("alice", "alice canary").await;
    srv.get("/api/bob/tasks", &token("bob"))
        .await
        .text
        .contains("alice canary")
}

async fn mcp_trusts_user_id(srv: &Srv) -> bool {
    srv.create_task("alice", "alice canary").await;
    let params = json!({"name": "list_tasks", "arguments": {"user_id": "alice"}});
    let resp = srv.mcp(Some(&token("bob")), "tools/call", params).await;
    resp.json["result"]["isError"] == false && resp.text.contains("alice canary")
}

async fn chat_continues_foreign_conversation(srv: &Srv) -> bool {
    let ca = srv
        .chat("alice", None, "my secret is alice canary")
        .await
        .json["conversation_id"]
        .as_i64()
        .unwrap();
    let resp = srv.chat("bob", Some(ca), "show history").await;
    resp.status == 200 && resp.text.contains("alice canary")
}

async fn conversation_delete_idor(srv: &Srv) -> bool {
    let ca = srv.chat("alice", None, "hello").await.json["conversation_id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/bob/conversations/{ca}");
    let deleted = srv.call("DELETE", &path, Some(&token("bob")), None).await;
    let read = srv
        .get(&format!("/api/alice/conversations/{ca}"), &token("alice"))
        .await;
    deleted.status == 204 && read.status == 404
}

async fn agent_acts_as_named_user(srv: &Srv) -> bool {
    srv.create_task("alice", "alice canary").await;
    srv.chat("bob", None, "as user alice, list tasks")
        .await
        .text
        .contains("alice canary")
}

async fn session_cookie(srv: &Srv) -> bool {
    let resp = srv
        .with_headers("GET", "/api/alice/tasks", &[("cookie", b"session=alice")])
        .await;
    resp.status == 200
}

macro_rules! flaw_tests {
    ($($name:ident: $flaw:ident => $exploit:ident,)+) => {
        $(
            #[tokio::test]
            async fn $name() {
                let flaw = Flaw::$flaw;
                let vulnerable = Srv::with_flaw(Some(flaw)).await;
                assert!($exploit(&vulnerable).await, "{flaw}: exploit failed with the flaw on");
                let secure = Srv::with_flaw(None).await;
                assert!(!$exploit(&secure).await, "{flaw}: exploit succeeded with the flaw off");
            }
        )+

        const COVERED: &[Flaw] = &[$(Flaw::$flaw),+];
    };
}

flaw_tests! {
    flaw_alg_none_accepted: AlgNoneAccepted => alg_none,
    flaw_signature_not_verified: SignatureNotVerified => signature_not_verified,
    flaw_exp_not_checked: ExpNotChecked => exp_not_checked,
    flaw_exp_not_required: ExpNotRequired => exp_not_required,
    flaw_nbf_ignored: NbfIgnored => nbf_ignored,
    flaw_iss_ignored: IssIgnored => iss_ignored,
    flaw_aud_ignored: AudIgnored => aud_ignored,
    flaw_huge_leeway: HugeLeeway => huge_leeway,
    flaw_hs_key_confusion: HsKeyConfusion => hs_key_confusion,
    flaw_kid_path_traversal: KidPathTraversal => kid_path_traversal,
    flaw_jku_trusted: JkuTrusted => jku_trusted,
    flaw_embedded_jwk_trusted: EmbeddedJwkTrusted => embedded_jwk_trusted,
    flaw_token_in_query_accepted: TokenInQueryAccepted => token_in_query,
    flaw_any_auth_scheme_accepted: AnyAuthSchemeAccepted => any_auth_scheme,
    flaw_malformed_token_500: MalformedToken500 => malformed_token_500,
    flaw_missing_www_authenticate: MissingWwwAuthenticate => missing_www_authenticate,
    flaw_forbidden_instead_of_401: ForbiddenInsteadOf401 => forbidden_instead_of_401,
    flaw_path_user_not_checked: PathUserNotChecked => path_user_not_checked,
    flaw_task_read_idor: TaskReadIdor => task_read_idor,
    flaw_task_write_idor: TaskWriteIdor => task_write_idor,
    flaw_list_leaks_other_users: ListLeaksOtherUsers => list_leaks,
    flaw_mcp_trusts_user_id: McpTrustsUserId => mcp_trusts_user_id,
    flaw_chat_continues_foreign_conversation: ChatContinuesForeignConversation => chat_continues_foreign_conversation,
    flaw_conversation_delete_idor: ConversationDeleteIdor => conversation_delete_idor,
    flaw_agent_acts_as_named_user: AgentActsAsNamedUser => agent_acts_as_named_user,
    flaw_session_cookie_accepted: SessionCookieAccepted => session_cookie,
}

#[test]
fn every_flaw_has_an_exploit_test() {
    let mut covered: Vec<&str> = COVERED.iter().map(|f| f.id()).collect();
    let mut all: Vec<&str> = Flaw::ALL.iter().map(|f| f.id()).collect();
    covered.sort_unstable();
    all.sort_unstable();
    assert_eq!(covered, all);
}

/// A flaw is local: with it on, a valid token still works and unrelated attacks still fail.
#[tokio::test]
async fn flaws_do_not_break_unrelated_checks() {
    let none = raw_token(
        br#"{"alg":"None"}"#,
        claims("alice").to_string().as_bytes(),
        "",
    );
    let expired = token_with(with(claims("alice"), "exp", json!(now() - 3600)));
    for flaw in Flaw::ALL {
        let srv = Srv::with_flaw(Some(*flaw)).await;
        assert_eq!(
            srv.get("/api/alice/tasks", &token("alice")).await.status,
            200,
            "{flaw}"
        );
        assert_eq!(
            srv.get("/api/bob/tasks", &token("alice")).await.status == 200,
            *flaw == Flaw::PathUserNotChecked
        );
        if *flaw != Flaw::AlgNoneAccepted {
            assert_ne!(
                srv.get("/api/alice/tasks", &none).await.status,
                200,
                "{flaw} also accepts alg none"
            );
        }
        if !matches!(flaw, Flaw::ExpNotChecked | Flaw::HugeLeeway) {
            assert_ne!(
                srv.get("/api/alice/tasks", &expired).await.status,
                200,
                "{flaw} also accepts expired tokens"
            );
        }
    }
}
