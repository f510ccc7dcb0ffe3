//! Styles (`--style`): legitimate presentation choices of a correct server (spec section 5). Each test
//! shows the style's difference with it on and the contract's default with it off, and that the
//! security decision itself never changes.

use reference_server::Style;
use serde_json::json;

use crate::common::*;

async fn styled(styles: &[Style]) -> Srv {
    let mut config = default_config();
    config.styles = styles.to_vec();
    Srv::start(config).await
}

#[tokio::test]
async fn verbose_challenge_changes_the_challenge_text_only() {
    let plain = Srv::default().await;
    let verbose = styled(&[Style::VerboseChallenge]).await;
    for srv in [&plain, &verbose] {
        let missing = srv.call("GET", "/api/alice/tasks", None, None).await;
        assert_eq!(missing.status, 401);
        let invalid = srv.get("/api/alice/tasks", "x.y.z").await;
        assert_eq!(invalid.status, 401);
        assert_eq!(invalid.json["error"], "invalid_token");
    }
    let missing = verbose.call("GET", "/api/alice/tasks", None, None).await;
    let challenge = missing.www_authenticate().unwrap();
    assert!(
        challenge.starts_with("Bearer ") && !challenge.contains("error="),
        "{challenge}"
    );
    let invalid = verbose.get("/api/alice/tasks", "x.y.z").await;
    let challenge = invalid.www_authenticate().unwrap();
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token", error_description="#),
        "{challenge}"
    );
    assert!(!challenge.contains("x.y.z"));
    assert_eq!(
        plain
            .get("/api/alice/tasks", "x.y.z")
            .await
            .www_authenticate(),
        Some(r#"Bearer realm="todo", error="invalid_token""#)
    );
}

#[tokio::test]
async fn mcp_http_403_refuses_a_foreign_user_id_with_403_and_no_effect() {
    let srv = styled(&[Style::McpHttp403]).await;
    let params =
        json!({"name": "add_task", "arguments": {"user_id": "alice", "title": "from bob"}});
    let resp = srv
        .mcp(Some(&token("bob")), "tools/call", params.clone())
        .await;
    assert_eq!(resp.status, 403, "{}", resp.text);
    assert_eq!(resp.json["error"]["code"], -32003);
    assert!(resp.json.get("result").is_none());
    assert!(srv.tasks("alice").await.is_empty());
    assert!(srv.tasks("bob").await.is_empty());
    let own = json!({"name": "add_task", "arguments": {"user_id": "bob", "title": "mine"}});
    let resp = srv.mcp(Some(&token("bob")), "tools/call", own).await;
    assert_eq!(
        (resp.status, resp.json["result"]["isError"].clone()),
        (200, json!(false))
    );

    let plain = Srv::default().await;
    let resp = plain.mcp(Some(&token("bob")), "tools/call", params).await;
    assert_eq!(
        (resp.status, resp.json["result"]["isError"].clone()),
        (200, json!(true))
    );
}

#[tokio::test]
async fn validation_400_and_detail_errors_change_the_status_and_shape_of_refusals() {
    let srv = styled(&[Style::Validation400, Style::DetailErrors]).await;
    let resp = srv
        .call(
            "POST",
            "/api/alice/tasks",
            Some(&token("alice")),
            Some(&json!({"title": ""})),
        )
        .await;
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert!(
        resp.json["detail"].is_string() && resp.json.get("error").is_none(),
        "{}",
        resp.text
    );
    let resp = srv.get("/api/alice/tasks/99", &token("alice")).await;
    assert_eq!(
        (resp.status, resp.json.clone()),
        (404, json!({"detail": "resource not found"}))
    );
    assert!(srv.tasks("alice").await.is_empty());
}

#[tokio::test]
async fn path_user_404_and_success_200_keep_every_decision() {
    let srv = styled(&[Style::PathUser404, Style::Success200]).await;
    let resp = srv.get("/api/alice/tasks", &token("bob")).await;
    assert_eq!(
        (resp.status, resp.json["error"].clone()),
        (404, json!("not_found"))
    );
    let created = srv
        .call(
            "POST",
            "/api/alice/tasks",
            Some(&token("alice")),
            Some(&json!({"title": "t"})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.json["id"].as_i64().unwrap();
    let deleted = srv
        .call(
            "DELETE",
            &format!("/api/alice/tasks/{id}"),
            Some(&token("alice")),
            None,
        )
        .await;
    assert_eq!(
        (deleted.status, deleted.json.clone()),
        (200, json!({"deleted": true}))
    );
    // The refusal is still a refusal: nothing of alice's reached bob, and 401s are untouched.
    let missing = srv.call("GET", "/api/alice/tasks", None, None).await;
    assert_missing(&missing);
}
