use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::json;

use super::*;

fn todo() -> Created {
    Created::new(Some(Api::bundled("todo").unwrap()), BTreeMap::new())
}

fn request(method: Method, path: &str, body: Option<Value>) -> RequestTemplate {
    RequestTemplate {
        method,
        path: path.to_string(),
        query: Vec::new(),
        headers: Vec::new(),
        body: body.map(BodyTemplate::Json),
    }
}

const ALICE: Maker<'static> = Maker {
    case: "case-a",
    owner: "alice",
    owner_id: "alice-1",
};

#[test]
fn a_create_answer_records_its_id_with_owner_operation_and_case() {
    let created = todo();
    let create = request(
        Method::POST,
        "/api/{user_id}/tasks",
        Some(json!({"title": "x"})),
    );
    created.note(&create, 201, r#"{"id": 7, "title": "x"}"#, ALICE);
    created.note(&create, 201, r#"{"id": 7, "title": "x"}"#, ALICE);
    let objects = created.take();
    assert_eq!(
        objects,
        vec![CreatedObject {
            kind: "task_id".into(),
            id: json!(7),
            owner: "alice".into(),
            owner_id: "alice-1".into(),
            operation: "tasks.create".into(),
            case: "case-a".into(),
        }],
        "once, however often it is seen"
    );
    assert!(created.is_empty(), "take empties the recorder");
}

#[test]
fn reads_updates_and_unknown_requests_record_nothing() {
    let created = todo();
    let answer = r#"{"id": 7}"#;
    for (method, path) in [
        (Method::GET, "/api/{user_id}/tasks/{task_id}"),
        (Method::PUT, "/api/{user_id}/tasks/{task_id}"),
        (Method::GET, "/api/{user_id}/tasks"),
        (Method::POST, "/somewhere/else"),
    ] {
        created.note(&request(method, path, None), 200, answer, ALICE);
    }
    // A create whose answer holds no id (a refusal's body is never recorded: the runner only hands
    // 2xx answers) records nothing either.
    let create = request(Method::POST, "/api/{user_id}/tasks", None);
    created.note(&create, 201, r#"{"detail": "created"}"#, ALICE);
    created.note(&create, 201, "not json", ALICE);
    // Nor does a create that answers another 2xx than the one it documents (201): it may have
    // returned an object that was there before.
    created.note(&create, 200, r#"{"id": 7}"#, ALICE);
    assert!(created.is_empty());
}

#[test]
fn mcp_tools_are_told_apart_by_their_fixed_body_strings() {
    let api = Api::bundled("todo").unwrap();
    let services = BTreeMap::new();
    let call = |tool: &str| {
        request(
            Method::POST,
            "/mcp",
            Some(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                        "params": {"name": tool, "arguments": {"user_id": "{user_id}"}}})),
        )
    };
    let name = |tool: &str| operation_of(&api, &services, &call(tool)).map(|op| op.name.clone());
    assert_eq!(name("add_task").as_deref(), Some("mcp.add_task"));
    assert_eq!(name("delete_task").as_deref(), Some("mcp.delete_task"));
    assert_eq!(name("no_such_tool"), None);
    let created = todo();
    created.note(
        &call("add_task"),
        200,
        r#"{"jsonrpc": "2.0", "id": 1, "result": {"structuredContent": {"task_id": 12, "status": "created"}}}"#,
        ALICE,
    );
    let objects = created.take();
    assert_eq!(objects.len(), 1);
    assert_eq!(
        (objects[0].operation.as_str(), &objects[0].id),
        ("mcp.add_task", &json!(12))
    );
}

#[test]
fn an_agent_s_tool_calls_record_what_they_created_and_only_that() {
    let created = todo();
    let chat = request(
        Method::POST,
        "/api/{user_id}/chat",
        Some(json!({"message": "{chat.add_task} {canary}"})),
    );
    let answer = json!({
        "conversation_id": 3,
        "response": "Added",
        "tool_calls": [
            {"tool": "add_task", "result": {"task_id": 41, "status": "created", "title": "t"}},
            {"tool": "delete_task", "result": {"task_id": 40, "status": "deleted"}},
            {"tool": "list_tasks", "result": {"tasks": [{"id": 39, "title": "old"}]}}
        ]
    });
    created.note(&chat, 200, &answer.to_string(), ALICE);
    let found: Vec<(String, Value, String)> = created
        .take()
        .into_iter()
        .map(|object| (object.kind, object.id, object.operation))
        .collect();
    assert_eq!(
        found,
        vec![
            ("conversation_id".into(), json!(3), "chat.send".into()),
            ("task_id".into(), json!(41), "chat.send (tool call)".into()),
        ]
    );
}

#[test]
fn each_kind_is_deleted_by_its_delete_operation_or_by_none() {
    let api = Api::bundled("todo").unwrap();
    assert_eq!(
        deleter(&api, "task_id").map(|op| op.name.as_str()),
        Some("tasks.delete")
    );
    assert!(
        deleter(&api, "conversation_id").is_none(),
        "the contract has no delete of a conversation"
    );
    // An API whose only delete is an MCP tool: that tool, found by its name.
    let mut mcp_only = api.clone();
    mcp_only.operations.retain(|op| op.name != "tasks.delete");
    assert_eq!(
        deleter(&mcp_only, "task_id").map(|op| op.name.as_str()),
        Some("mcp.delete_task")
    );
}

#[test]
fn nothing_is_recorded_without_an_api() {
    let created = Created::default();
    let create = request(Method::POST, "/api/{user_id}/tasks", None);
    created.note(&create, 201, r#"{"id": 7}"#, ALICE);
    assert!(created.is_empty());
}
