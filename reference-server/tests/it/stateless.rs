//! FR-053 to FR-057: no cookies, no sessions, restarts and several instances.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn fr_053_no_response_sets_a_cookie() {
    let srv = Srv::default().await;
    let alice = token("alice");
    let task = srv.create_task("alice", "t").await;
    let id = task["id"].as_i64().unwrap();
    let responses = vec![
        srv.call("GET", "/health", None, None).await,
        srv.call("GET", "/api/alice/tasks", None, None).await,
        srv.call("GET", "/api/alice/tasks", Some("bad"), None).await,
        srv.get("/api/alice/tasks", &alice).await,
        srv.get("/api/bob/tasks", &alice).await,
        srv.get(&format!("/api/alice/tasks/{id}"), &alice).await,
        srv.call(
            "PUT",
            &format!("/api/alice/tasks/{id}"),
            Some(&alice),
            Some(&json!({"title": "u"})),
        )
        .await,
        srv.call(
            "PATCH",
            &format!("/api/alice/tasks/{id}/complete"),
            Some(&alice),
            None,
        )
        .await,
        srv.chat("alice", None, "list tasks").await,
        srv.mcp(Some(&alice), "ping", json!({})).await,
        srv.call("POST", "/api/alice/tasks", Some(&alice), Some(&json!({})))
            .await,
        srv.call(
            "DELETE",
            &format!("/api/alice/tasks/{id}"),
            Some(&alice),
            None,
        )
        .await,
        srv.call("GET", "/nope", None, None).await,
    ];
    for resp in responses {
        assert!(resp.headers.get("set-cookie").is_none(), "{}", resp.status);
    }
}

#[tokio::test]
async fn fr_054_no_session_survives_a_request() {
    let srv = Srv::default().await;
    // One client: reqwest keeps the connection alive between these requests.
    assert_eq!(
        srv.get("/api/alice/tasks", &token("alice")).await.status,
        200
    );
    assert_missing(&srv.call("GET", "/api/alice/tasks", None, None).await);
    let expired = token_with(with(claims("alice"), "exp", json!(now() - 3600)));
    assert_invalid(&srv.get("/api/alice/tasks", &expired).await);
}

#[tokio::test]
async fn fr_055_a_restart_keeps_tokens_valid() {
    let t = token("alice");
    let srv = Srv::default().await;
    assert!(srv.accepts("alice", &t).await);
    srv.server.shutdown().await;
    let srv = Srv::default().await;
    assert!(srv.accepts("alice", &t).await);
}

#[tokio::test]
async fn fr_056_any_instance_takes_the_same_decision() {
    let one = Srv::default().await;
    let two = Srv::default().await;
    let alice = claims("alice");
    let mut tokens = vec![
        token("alice"),
        token_with(with(alice.clone(), "exp", json!(now() - 3600))),
        token_with(with(alice.clone(), "aud", json!("other"))),
        raw_token(br#"{"alg":"none"}"#, alice.to_string().as_bytes(), ""),
        "x.y.z".to_owned(),
    ];
    tokens.push(format!("{}AA", &tokens[0][..tokens[0].len() - 2]));
    for t in &tokens {
        let a = one.get("/api/alice/tasks", t).await;
        let b = two.get("/api/alice/tasks", t).await;
        assert_eq!(a.signature(), b.signature());
    }
}

#[tokio::test]
async fn fr_057_tasks_and_conversations_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = default_config();
    config.database = Some(dir.path().join("db.sqlite"));
    let srv = Srv::start(config.clone()).await;
    let task = srv.create_task("alice", "durable task").await;
    let conversation = srv.chat("alice", None, "add task from chat").await.json["conversation_id"]
        .as_i64()
        .unwrap();
    srv.server.shutdown().await;

    let srv = Srv::start(config).await;
    let tasks = srv.tasks("alice").await;
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0], task);
    let history = srv
        .get(
            &format!("/api/alice/conversations/{conversation}"),
            &token("alice"),
        )
        .await;
    assert_eq!(history.status, 200);
    assert_eq!(history.json["messages"].as_array().unwrap().len(), 2);
    let resumed = srv.chat("alice", Some(conversation), "show history").await;
    assert_eq!(resumed.status, 200);
    assert!(
        resumed.json["response"]
            .as_str()
            .unwrap()
            .contains("add task from chat")
    );
    let next = srv.create_task("alice", "after restart").await;
    assert!(next["id"].as_i64() > tasks[1]["id"].as_i64());
}
