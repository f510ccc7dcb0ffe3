//! The `items` route layout (`--routes items`): `specs/openapi-items.json` matches what the server
//! serves (routes, statuses, and the JSON it really returns), the document is served at
//! `/openapi.json`, and the same handlers, authentication, flaws and styles work under the new paths.

use std::collections::BTreeSet;

use reference_server::config::IdMode;
use reference_server::{Flaw, RouteLayout, ServerConfig, Style};
use serde_json::{Value, json};

use crate::common::*;
use crate::openapi::{METHODS, documented_statuses, operations};

/// Served in the Items layout but, like a mounted sub-app or FastAPI's own document, not documented.
const UNDOCUMENTED: [(&str, &str); 2] = [("POST", "/api/v1/mcp"), ("GET", "/openapi.json")];

fn document() -> Value {
    serde_json::from_str(reference_server::routes::ITEMS_OPENAPI)
        .expect("openapi-items.json parses")
}

fn items_config() -> ServerConfig {
    let mut config = default_config();
    config.routes = RouteLayout::Items;
    config
}

async fn items_server(flaw: Option<Flaw>, styles: &[Style]) -> Srv {
    let mut config = items_config();
    config.flaw = flaw;
    config.styles = styles.to_vec();
    Srv::start(config).await
}

/// The JSON schema of an operation's request body or of one of its responses.
fn content_schema(holder: &Value) -> Option<&Value> {
    holder
        .get("content")?
        .get("application/json")?
        .get("schema")
}

/// Checks `value` against the subset of JSON Schema that FastAPI documents use. Stricter than JSON
/// Schema on purpose: an object with `properties` and no `additionalProperties` may not carry
/// undocumented fields, so that the document names everything the server returns.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("{at}: unexpected $ref {reference}"))?;
        let target = doc["components"]["schemas"]
            .get(name)
            .ok_or_else(|| format!("{at}: dangling $ref {reference}"))?;
        return check(doc, target, value, at);
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        return any
            .iter()
            .any(|s| check(doc, s, value, at).is_ok())
            .then_some(())
            .ok_or_else(|| format!("{at}: {value} matches no anyOf branch"));
    }
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        let ok = match ty {
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            other => return Err(format!("{at}: unsupported type {other}")),
        };
        if !ok {
            return Err(format!("{at}: {value} is not {ty}"));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} not in {allowed:?}"));
    }
    if let Some(text) = value.as_str() {
        let chars = text.chars().count() as u64;
        if schema
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| chars < m)
            || schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_some_and(|m| chars > m)
        {
            return Err(format!("{at}: length {chars} out of bounds"));
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time")
            && !(text.len() >= 20 && text.as_bytes()[10] == b'T' && text.ends_with('Z'))
        {
            return Err(format!("{at}: {text} is not an RFC 3339 date-time"));
        }
    }
    if let (Some(min), Some(n)) = (
        schema.get("exclusiveMinimum").and_then(Value::as_i64),
        value.as_i64(),
    ) && n <= min
    {
        return Err(format!("{at}: {n} <= {min}"));
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, element) in values.iter().enumerate() {
            check(doc, items, element, &format!("{at}[{i}]"))?;
        }
    }
    if let (Some(properties), Some(object)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{at}: required {name} missing in {value}"));
            }
        }
        for (name, field) in object {
            match properties.get(name) {
                Some(field_schema) => check(doc, field_schema, field, &format!("{at}.{name}"))?,
                None if schema.get("additionalProperties").is_none() => {
                    return Err(format!("{at}: undocumented field {name}"));
                }
                None => {}
            }
        }
    }
    Ok(())
}

fn body_for(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("POST", "/api/v1/users/{uid}/items") => Some(json!({"title": "from the items test"})),
        ("PUT", _) => Some(json!({"title": "renamed", "description": null, "completed": true})),
        ("POST", "/api/v1/users/{uid}/chat") => Some(json!({"message": "add task via chat"})),
        _ => None,
    }
}

fn concrete(template: &str, user: &str, item: &str, conversation: &str) -> String {
    template
        .replace("{uid}", user)
        .replace("{item_id}", item)
        .replace("{conversation_id}", conversation)
}

/// Creates an item as `user` under the Items paths and returns it.
async fn create_item(srv: &Srv, user: &str, title: &str) -> Value {
    let resp = srv
        .call(
            "POST",
            &format!("/api/v1/users/{user}/items"),
            Some(&token(user)),
            Some(&json!({"title": title})),
        )
        .await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    resp.json
}

fn id(value: &Value) -> i64 {
    value["id"].as_i64().expect("an integer id")
}

#[test]
fn items_document_has_the_fastapi_shape() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc.get("servers").is_none(), "FastAPI emits no servers");
    assert_eq!(
        doc["components"]["securitySchemes"],
        json!({"HTTPBearer": {"type": "http", "scheme": "bearer"}})
    );
    let mut operation_ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let operation_id = op["operationId"].as_str().unwrap().to_owned();
        let route = path.replace(['/', '{', '}'], "_");
        assert!(
            operation_id.ends_with(&format!("{route}_{}", method.to_lowercase())),
            "{operation_id}"
        );
        assert!(operation_ids.insert(operation_id), "duplicate operationId");
        if path == "/health" {
            assert!(op.get("security").is_none(), "/health is public");
        } else {
            assert_eq!(
                op["security"],
                json!([{"HTTPBearer": []}]),
                "{method} {path}"
            );
            assert!(
                documented_statuses(&op).contains(&422),
                "{method} {path}: no 422"
            );
            assert_eq!(
                op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/HTTPValidationError"
            );
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for name in ["uid", "item_id", "conversation_id"] {
            if path.contains(&format!("{{{name}}}")) {
                let param = params
                    .iter()
                    .find(|p| p["name"] == name && p["in"] == "path")
                    .unwrap_or_else(|| panic!("{method} {path}: no {name}"));
                assert_eq!(param["required"], true);
                let ty = if name == "uid" { "string" } else { "integer" };
                assert_eq!(param["schema"]["type"], ty, "{method} {path} {name}");
            }
        }
    }
    let list = &doc["paths"]["/api/v1/users/{uid}/items"]["get"];
    assert_eq!(
        list["operationId"],
        "list_items_api_v1_users__uid__items_get"
    );
    let status = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "status")
        .expect("status query parameter");
    assert_eq!(status["in"], "query");
    assert_eq!(status["required"], false);
    assert_eq!(
        status["schema"]["enum"],
        json!(["all", "pending", "completed"])
    );
}

#[tokio::test]
async fn items_document_matches_every_route_and_the_json_served() {
    let doc = document();
    let ops = operations(&doc);
    let documented: BTreeSet<(String, String)> =
        ops.iter().map(|(m, p, _)| (m.clone(), p.clone())).collect();
    let served: BTreeSet<(String, String)> = reference_server::routes(RouteLayout::Items)
        .iter()
        .filter(|route| !UNDOCUMENTED.contains(route))
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, served, "documented vs served routes");

    // Ids are integers in both id modes, as the document says.
    for ids in [IdMode::Sequential, IdMode::Random] {
        let mut config = items_config();
        config.ids = ids;
        let srv = Srv::start(config).await;
        let alice = token("alice");
        let bob = token("bob");
        let chat = srv
            .call(
                "POST",
                "/api/v1/users/alice/chat",
                Some(&alice),
                Some(&json!({"message": "hello"})),
            )
            .await;
        let conversation = chat.json["conversation_id"].as_i64().unwrap().to_string();
        for (method, template, op) in &ops {
            let at = format!("{ids:?} {method} {template}");
            let item = id(&create_item(&srv, "alice", "items test").await).to_string();
            let path = |user: &str| concrete(template, user, &item, &conversation);
            let body = body_for(method, template);
            if let (Some(body), Some(schema)) =
                (&body, op.get("requestBody").and_then(content_schema))
            {
                check(&doc, schema, body, &format!("{at} request")).unwrap();
            }
            let owner = srv
                .call(method, &path("alice"), Some(&alice), body.as_ref())
                .await;
            assert!(
                documented_statuses(op).contains(&owner.status) && owner.status < 300,
                "{at}: {} {}",
                owner.status,
                owner.text
            );
            let response = &op["responses"][owner.status.to_string()];
            match content_schema(response) {
                Some(schema) => check(&doc, schema, &owner.json, &at).unwrap(),
                None => assert!(owner.text.is_empty(), "{at}: body {}", owner.text),
            }
            if op.get("security").is_none() {
                continue;
            }
            let anonymous = srv.call(method, &path("alice"), None, body.as_ref()).await;
            assert_missing(&anonymous);
            let other = srv
                .call(method, &path("alice"), Some(&bob), body.as_ref())
                .await;
            assert_eq!(other.status, 403, "{at}");
            if template.contains("{item_id}") || template.contains("{conversation_id}") {
                let missing = concrete(template, "alice", "999999", "999999");
                let resp = srv
                    .call(method, &missing, Some(&alice), body.as_ref())
                    .await;
                assert_eq!(resp.status, 404, "{at}");
            }
        }
        srv.server.shutdown().await;
    }
}

#[tokio::test]
async fn items_layout_serves_405_for_undocumented_methods_and_404_for_contract_paths() {
    let doc = document();
    let srv = items_server(None, &[]).await;
    let alice = token("alice");
    for (path, item) in doc["paths"].as_object().unwrap() {
        let path = concrete(path, "alice", "1", "1");
        for method in METHODS {
            if item.get(method).is_none() {
                let resp = srv
                    .call(&method.to_uppercase(), &path, Some(&alice), None)
                    .await;
                assert_eq!(resp.status, 405, "{method} {path}");
                assert_eq!(resp.json["error"], "method_not_allowed");
            }
        }
    }
    let task = create_item(&srv, "alice", "only under items").await;
    let task = id(&task);
    for (method, path) in [
        ("GET", "/api/alice/tasks".to_owned()),
        ("POST", "/api/alice/tasks".to_owned()),
        ("GET", format!("/api/alice/tasks/{task}")),
        ("PATCH", format!("/api/alice/tasks/{task}/complete")),
        ("POST", "/api/alice/chat".to_owned()),
        ("GET", "/api/alice/conversations/1".to_owned()),
        ("POST", "/mcp".to_owned()),
        ("GET", "/api/v1/users/alice/tasks".to_owned()),
        ("GET", "/docs".to_owned()),
    ] {
        let body =
            json!({"title": "x", "message": "x", "jsonrpc": "2.0", "id": 1, "method": "ping"});
        let resp = srv.call(method, &path, Some(&alice), Some(&body)).await;
        assert_eq!(resp.status, 404, "{method} {path}");
        assert_eq!(resp.json["error"], "not_found");
    }
}

#[tokio::test]
async fn items_openapi_json_is_public_and_is_the_document() {
    let srv = items_server(None, &[]).await;
    let resp = srv.call("GET", "/openapi.json", None, None).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(
        resp.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert!(
        resp.json["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        resp.text
    );
    assert_eq!(resp.json, document());
    // A token changes nothing, and the contract layout has no such document.
    let with_token = srv.get("/openapi.json", &token("alice")).await;
    assert_eq!(with_token.json, resp.json);
    let contract = Srv::default().await;
    assert_eq!(
        contract
            .call("GET", "/openapi.json", None, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn items_round_trip_chat_and_mcp() {
    let srv = items_server(None, &[]).await;
    let alice = token("alice");
    let base = "/api/v1/users/alice/items";

    let item = create_item(&srv, "alice", "Buy milk").await;
    assert_eq!(item["user_id"], "alice");
    assert_eq!(item["completed"], false);
    let url = format!("{base}/{}", id(&item));
    assert_eq!(srv.get(&url, &alice).await.json, item);

    let updated = srv
        .call(
            "PUT",
            &url,
            Some(&alice),
            Some(&json!({"title": "Buy oat milk", "description": "2 l"})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["title"], "Buy oat milk");
    assert_eq!(updated.json["description"], "2 l");

    let completed = srv
        .call("PATCH", &format!("{url}/complete"), Some(&alice), None)
        .await;
    assert_eq!(completed.json["completed"], true);
    let pending = srv.get(&format!("{base}?status=pending"), &alice).await;
    assert_eq!(pending.json, json!([]));
    let done = srv.get(&format!("{base}?status=completed"), &alice).await;
    assert_eq!(done.json[0]["id"], item["id"]);
    let bad = srv.get(&format!("{base}?status=someday"), &alice).await;
    assert_eq!(bad.status, 422);

    let deleted = srv.call("DELETE", &url, Some(&alice), None).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (204, ""));
    assert_eq!(srv.get(&url, &alice).await.status, 404);
    assert_eq!(srv.get(base, &alice).await.json, json!([]));

    let chat = srv
        .call(
            "POST",
            "/api/v1/users/alice/chat",
            Some(&alice),
            Some(&json!({"message": "add task call mom"})),
        )
        .await;
    assert_eq!(chat.status, 200, "{}", chat.text);
    assert_eq!(chat.json["tool_calls"][0]["tool"], "add_task");
    let conversation = chat.json["conversation_id"].as_i64().unwrap();
    let listed = srv.get(base, &alice).await;
    assert_eq!(listed.json[0]["title"], "call mom");
    let read = srv
        .get(
            &format!("/api/v1/users/alice/conversations/{conversation}"),
            &alice,
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["id"], conversation);
    assert_eq!(
        read.json["messages"][0],
        json!({"role": "user", "content": "add task call mom"})
    );
    assert_eq!(read.json["messages"][1]["role"], "assistant");

    let rpc = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "list_tasks", "arguments": {"user_id": "alice"}}});
    let mcp = srv
        .call("POST", "/api/v1/mcp", Some(&alice), Some(&rpc))
        .await;
    assert_eq!(mcp.status, 200, "{}", mcp.text);
    assert_eq!(
        mcp.json["result"]["structuredContent"]["tasks"][0]["title"],
        "call mom"
    );
    assert_missing(&srv.call("POST", "/api/v1/mcp", None, Some(&rpc)).await);
}

#[tokio::test]
async fn items_path_user_is_checked_unless_the_flaw_is_on() {
    let bob = token("bob");
    let alice_items = "/api/v1/users/alice/items";

    let srv = items_server(None, &[]).await;
    create_item(&srv, "alice", "alice's secret").await;
    let refused = srv.get(alice_items, &bob).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.json["error"], "forbidden");

    let flawed = items_server(Some(Flaw::PathUserNotChecked), &[]).await;
    create_item(&flawed, "alice", "alice's secret").await;
    let exploited = flawed.get(alice_items, &bob).await;
    assert_eq!(exploited.status, 200, "{}", exploited.text);
    assert_eq!(exploited.json[0]["title"], "alice's secret");
}

#[tokio::test]
async fn items_task_read_idor_flaw_is_reachable_under_the_new_paths() {
    for (flaw, expected) in [(None, 404), (Some(Flaw::TaskReadIdor), 200)] {
        let srv = items_server(flaw, &[]).await;
        let item = id(&create_item(&srv, "alice", "alice's secret").await);
        let resp = srv
            .get(&format!("/api/v1/users/bob/items/{item}"), &token("bob"))
            .await;
        assert_eq!(resp.status, expected, "{flaw:?}: {}", resp.text);
        if expected == 200 {
            assert_eq!(resp.json["title"], "alice's secret");
        }
    }
}

#[tokio::test]
async fn items_layout_applies_styles() {
    let srv = items_server(None, &[Style::PathUser404, Style::DetailErrors]).await;
    let resp = srv.get("/api/v1/users/alice/items", &token("bob")).await;
    assert_eq!(resp.status, 404, "{}", resp.text);
    assert_eq!(resp.json, json!({"detail": "resource not found"}));
}
