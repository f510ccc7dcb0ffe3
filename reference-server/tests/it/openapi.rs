//! `specs/openapi.yaml` (the crate's copy, `openapi/openapi.yaml`) matches what the server serves: every documented operation answers with a
//! documented status (as the owner, without a token, and as another user), and every served route is
//! documented.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::*;

/// The HTTP methods an OpenAPI path item may hold, as its keys.
pub(crate) const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn document() -> Value {
    serde_saphyr::from_str::<Value>(reference_server::routes::OPENAPI).expect("openapi.yaml parses")
}

/// The crate's copies of the OpenAPI documents (`reference-server/openapi/`, what it builds and
/// publishes with) are byte for byte the workspace's `specs/` files: one source of truth.
#[test]
fn the_crate_carries_the_specs_documents_unchanged() {
    let specs = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
    for (name, copy) in [
        ("openapi.yaml", reference_server::routes::OPENAPI),
        (
            "openapi-items.json",
            reference_server::routes::ITEMS_OPENAPI,
        ),
    ] {
        let original = std::fs::read_to_string(format!("{specs}/{name}")).expect("specs/ exists");
        assert!(
            original == copy,
            "reference-server/openapi/{name} differs from specs/{name}; copy it: cp specs/{name} reference-server/openapi/"
        );
    }
}

/// Every (METHOD, path, operation) of an OpenAPI document, in document order.
pub(crate) fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

/// The status codes an operation documents.
pub(crate) fn documented_statuses(op: &Value) -> BTreeSet<u16> {
    op["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .filter_map(|k| k.parse().ok())
        .collect()
}

fn body_for(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("POST", "/api/{user_id}/tasks") => Some(json!({"title": "from the openapi test"})),
        ("PUT", _) => Some(json!({"title": "renamed"})),
        ("POST", "/api/{user_id}/chat") => Some(json!({"message": "list tasks"})),
        ("POST", "/mcp") => Some(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})),
        _ => None,
    }
}

#[tokio::test]
async fn openapi_documents_every_route_with_the_statuses_it_answers() {
    let doc = document();
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true)
    );
    let ops = operations(&doc);
    let documented: BTreeSet<(String, String)> =
        ops.iter().map(|(m, p, _)| (m.clone(), p.clone())).collect();
    let served: BTreeSet<(String, String)> = reference_server::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, served, "documented vs served routes");

    let srv = Srv::default().await;
    let alice = token("alice");
    let bob = token("bob");
    let conversation = srv.chat("alice", None, "hello").await.json["conversation_id"]
        .as_i64()
        .unwrap();
    for (method, template, op) in &ops {
        let statuses = documented_statuses(op);
        let public = op
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| s.is_empty());
        let task = srv.create_task("alice", "openapi").await["id"]
            .as_i64()
            .unwrap();
        let path = |user: &str| {
            template
                .replace("{user_id}", user)
                .replace("{task_id}", &task.to_string())
                .replace("{conversation_id}", &conversation.to_string())
        };
        let body = body_for(method, template);
        let owner = srv
            .call(method, &path("alice"), Some(&alice), body.as_ref())
            .await;
        assert!(owner.status < 300, "{method} {template}: {}", owner.status);
        assert!(
            statuses.contains(&owner.status),
            "{method} {template}: {} not documented",
            owner.status
        );
        if !public {
            let anonymous = srv.call(method, &path("alice"), None, body.as_ref()).await;
            assert!(
                statuses.contains(&anonymous.status),
                "{method} {template}: {}",
                anonymous.status
            );
            assert_eq!(anonymous.status, 401);
            let several = srv
                .call(
                    method,
                    &format!("{}?access_token=x", path("alice")),
                    Some(&alice),
                    body.as_ref(),
                )
                .await;
            assert!(
                statuses.contains(&several.status),
                "{method} {template}: {}",
                several.status
            );
        }
        if template.contains("{user_id}") {
            let other = srv
                .call(method, &path("alice"), Some(&bob), body.as_ref())
                .await;
            assert_eq!(other.status, 403);
            assert!(
                statuses.contains(&403),
                "{method} {template}: 403 not documented"
            );
        }
        if template.contains("{task_id}") || template.contains("{conversation_id}") {
            let missing = template
                .replace("{user_id}", "alice")
                .replace("{task_id}", "999999")
                .replace("{conversation_id}", "999999");
            let resp = srv
                .call(method, &missing, Some(&alice), body.as_ref())
                .await;
            assert_eq!(resp.status, 404);
            assert!(
                statuses.contains(&404),
                "{method} {template}: 404 not documented"
            );
        }
    }
}

#[tokio::test]
async fn undocumented_methods_are_405_and_unknown_paths_404() {
    let doc = document();
    let srv = Srv::default().await;
    let alice = token("alice");
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{user_id}", "alice")
            .replace("{task_id}", "1")
            .replace("{conversation_id}", "1");
        for method in METHODS {
            if item.get(method).is_none() {
                let resp = srv
                    .call(&method.to_uppercase(), &concrete, Some(&alice), None)
                    .await;
                assert_eq!(resp.status, 405, "{method} {path}");
                assert_eq!(resp.json["error"], "method_not_allowed");
            }
        }
    }
    for path in [
        "/api/tasks",
        "/api/alice/tasks/",
        "/docs",
        "/openapi.json",
        "/api/v1/alice/tasks",
    ] {
        let resp = srv.get(path, &alice).await;
        assert_eq!(resp.status, 404, "{path}");
        assert_eq!(resp.json["error"], "not_found");
    }
}
