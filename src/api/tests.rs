//! Tests of API descriptions: the bundled one, overrides, custom APIs and their mistakes.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::yaml;

#[test]
fn todo_loads_with_every_operation_of_the_contract() {
    let api = Api::bundled("todo").unwrap();
    let expected = [
        "health",
        "tasks.list",
        "tasks.list.pending",
        "tasks.create",
        "tasks.get",
        "tasks.update",
        "tasks.delete",
        "tasks.complete",
        "chat.send",
        "chat.continue",
        "conversations.get",
        "mcp.tools_list",
        "mcp.list_tasks",
        "mcp.add_task",
        "mcp.complete_task",
        "mcp.update_task",
        "mcp.delete_task",
    ];
    assert_eq!(api.names(), expected);
    assert_eq!(api.select(OperationGroup::Public), ["health"]);
    assert_eq!(
        api.select(OperationGroup::Protected).len(),
        expected.len() - 1
    );
    assert_eq!(
        api.select(OperationGroup::WithConversation),
        ["chat.continue", "conversations.get"]
    );
    let create = api.operation("tasks.create").unwrap();
    assert_eq!(create.method, "POST");
    assert_eq!(
        create.creates,
        vec![("task_id".to_string(), "/id".to_string())]
    );
    assert_eq!(create.status, Some(201));
    let complete = api.operation("mcp.complete_task").unwrap();
    assert_eq!(
        complete.json.as_ref().unwrap()["params"]["arguments"]["task_id"],
        json!("{task_id}")
    );
}

#[test]
fn task_operations_match_the_reference_routes() {
    let api = Api::bundled("todo").unwrap();
    let route = |name: &str| {
        let op = api.operation(name).unwrap();
        format!("{} {}", op.method, op.path)
    };
    assert_eq!(route("tasks.get"), "GET /api/{user_id}/tasks/{task_id}");
    assert_eq!(route("tasks.update"), "PUT /api/{user_id}/tasks/{task_id}");
    assert_eq!(
        route("tasks.delete"),
        "DELETE /api/{user_id}/tasks/{task_id}"
    );
    assert_eq!(
        route("tasks.complete"),
        "PATCH /api/{user_id}/tasks/{task_id}/complete"
    );
    assert_eq!(
        route("conversations.get"),
        "GET /api/{user_id}/conversations/{conversation_id}"
    );
    assert_eq!(route("mcp.list_tasks"), "POST /mcp");
}

#[test]
fn prefix_and_overrides_apply() {
    let mut selection = ApiSelection {
        prefix: "/v1/".into(),
        ..ApiSelection::default()
    };
    selection.operations.insert(
        "tasks.list".into(),
        OperationOverride {
            path: Some("/api/users/{user_id}/tasks".into()),
            method: Some("get".into()),
            ..Default::default()
        },
    );
    let api = Api::from_selection(&selection).unwrap();
    assert_eq!(api.prefix, "/v1");
    let list = api.operation("tasks.list").unwrap();
    assert_eq!(api.prefixed(&list.path), "/v1/api/users/{user_id}/tasks");
    assert_eq!(list.method, "GET");
}

#[test]
fn bad_selections_are_explained() {
    let unknown = Api::from_selection(&ApiSelection {
        name: "tood".into(),
        ..ApiSelection::default()
    })
    .unwrap_err();
    assert_eq!(unknown.to_string(), "unknown API `tood`; bundled: todo");

    let mut selection = ApiSelection::default();
    selection
        .operations
        .insert("tasks.gte".into(), OperationOverride::default());
    let err = Api::from_selection(&selection).unwrap_err();
    assert_eq!(
        err.to_string(),
        "api.operations: unknown operation `tasks.gte` (did you mean `tasks.get`?; a new operation needs `method` and `path`)"
    );

    let mut selection = ApiSelection::default();
    selection.operations.insert(
        "tasks.get".into(),
        OperationOverride {
            path: Some("/api/{user}/tasks".into()),
            ..Default::default()
        },
    );
    let err = Api::from_selection(&selection).unwrap_err().to_string();
    assert!(
        err.starts_with("api.operations.tasks.get.path: `{user}` is not created by any operation"),
        "{err}"
    );

    let bad_prefix = ApiSelection {
        prefix: "v1".into(),
        ..ApiSelection::default()
    };
    assert!(
        Api::from_selection(&bad_prefix)
            .unwrap_err()
            .to_string()
            .contains("must start with `/`")
    );
}

#[test]
fn a_bundled_description_takes_new_operations_with_method_and_path() {
    let legacy = |creates: Option<&str>| OperationOverride {
        method: Some("get".into()),
        path: Some("/api/tasks/{task_id}".into()),
        creates: creates.map(|c| [(c.to_string(), "/id".to_string())].into()),
        ..Default::default()
    };
    let mut selection = ApiSelection::default();
    selection
        .operations
        .insert("legacy.get".into(), legacy(None));
    let api = Api::from_selection(&selection).unwrap();
    let added = api.operation("legacy.get").unwrap();
    assert_eq!((added.method.as_str(), added.auth), ("GET", true));
    assert_eq!(api.names().last(), Some(&"legacy.get"));

    let mut selection = ApiSelection::default();
    selection
        .operations
        .insert("legacy.get".into(), legacy(Some("task_id")));
    let err = Api::from_selection(&selection).unwrap_err().to_string();
    assert!(
        err.contains("`task_id` is already created by `tasks.create`"),
        "{err}"
    );
}

#[test]
fn a_prompt_points_at_the_message_string_of_the_body() {
    let todo = Api::bundled("todo").unwrap();
    assert_eq!(todo.select(OperationGroup::Prompts), ["chat.send"]);
    let mut selection = ApiSelection::default();
    selection.operations.insert(
        "chat.send".into(),
        OperationOverride {
            prompt: Some("/conversation_id".into()),
            ..Default::default()
        },
    );
    let err = Api::from_selection(&selection).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "api.operations.chat.send.prompt: `/conversation_id` must point at a string"
        ),
        "{err}"
    );
}

#[test]
fn profile_section_parses() {
    let selection: ApiSelection = yaml::parse_str(
        Path::new("p.yaml"),
        "prefix: /v1\noperations:\n  tasks.list: { path: \"/api/users/{user_id}/tasks\" }\n",
    )
    .unwrap();
    assert_eq!(selection.name, "todo");
    assert!(Api::from_selection(&selection).is_ok());
    let err = yaml::parse_str::<ApiSelection>(Path::new("p.yaml"), "prefx: /v1\n").unwrap_err();
    assert!(err.message.contains("prefx"), "{err}");
}

fn custom(yaml_text: &str) -> Result<Api, ApiError> {
    let selection: ApiSelection = yaml::parse_str(Path::new("p.yaml"), yaml_text).unwrap();
    Api::from_selection(&selection)
}

#[test]
fn a_custom_api_is_defined_in_full_and_keeps_its_order() {
    let api = custom(
        "name: items-api\nprefix: /v2\noperations:\n  \
         items.list: { method: get, path: \"/users/{user_id}/items\" }\n  \
         items.create: { method: POST, path: \"/users/{user_id}/items\", json: { name: \"{canary}\" }, creates: { item_id: /id }, status: 201 }\n  \
         items.get: { method: GET, path: \"/users/{user_id}/items/{item_id}\" }\n  \
         items.delete: { method: DELETE, path: \"/users/{user_id}/items/{item_id}\" }\n  \
         health: { method: GET, path: /health, auth: false }\n",
    )
    .unwrap();
    assert_eq!(api.name, "items-api");
    assert_eq!(api.prefix, "/v2");
    assert_eq!(
        api.names(),
        [
            "items.list",
            "items.create",
            "items.get",
            "items.delete",
            "health"
        ]
    );
    assert_eq!(api.operation("items.list").unwrap().method, "GET");
    assert_eq!(api.creator("item_id").unwrap().name, "items.create");
    assert_eq!(api.operation("items.get").unwrap().resources(), ["item_id"]);
    assert_eq!(api.select(OperationGroup::ResourceReads), ["items.get"]);
    assert_eq!(api.select(OperationGroup::ResourceWrites), ["items.delete"]);
    assert_eq!(api.select(OperationGroup::Lists), ["items.list"]);
    assert_eq!(api.select(OperationGroup::Creates), ["items.create"]);
    assert_eq!(api.select(OperationGroup::Public), ["health"]);
    assert_eq!(
        api.select(OperationGroup::UserInPath),
        ["items.list", "items.create", "items.get", "items.delete"]
    );
}

#[test]
fn operations_carry_their_own_headers_but_never_credentials() {
    let api = custom(
        "name: mine\noperations:\n  mcp.list: { method: POST, path: /mcp, headers: { Accept: \"application/json, text/event-stream\", X-User: \"{user_id}\" } }\n",
    )
    .unwrap();
    assert_eq!(
        api.operation("mcp.list").unwrap().headers,
        [
            (
                "Accept".to_string(),
                "application/json, text/event-stream".to_string()
            ),
            ("X-User".to_string(), "{user_id}".to_string())
        ]
    );
    for (headers, problem) in [
        ("{ Authorization: x }", "carries credentials"),
        ("{ \"bad name\": x }", "not an HTTP header name"),
        ("{ X-A: \"a\\r\\nb\" }", "line break"),
    ] {
        let err = custom(&format!(
            "name: mine\noperations:\n  a: {{ method: GET, path: /a, headers: {headers} }}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains(problem), "{headers}: {err}");
    }
}

#[test]
fn a_custom_api_has_one_creator_per_id() {
    let err = custom(
        "name: mine\noperations:\n  a.create: { method: POST, path: /a, creates: { a_id: /id } }\n  a.import: { method: POST, path: /import, creates: { a_id: /id } }\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("api.operations.a.import.creates: `a_id` is also created by `a.create`"),
        "{err}"
    );
}

#[test]
fn custom_api_mistakes_are_explained() {
    let missing = custom("name: mine\noperations:\n  a: { path: /a }\n").unwrap_err();
    assert_eq!(
        missing.to_string(),
        "api.operations.a.method: required: `mine` is not a bundled API (bundled: todo), so each of its operations is defined in full"
    );
    let uncreated =
        custom("name: mine\noperations:\n  a: { method: GET, path: \"/a/{thing_id}\" }\n")
            .unwrap_err()
            .to_string();
    assert!(
        uncreated
            .starts_with("api.operations.a.path: `{thing_id}` is not created by any operation"),
        "{uncreated}"
    );
    let bad_capture = custom(
        "name: mine\noperations:\n  a: { method: POST, path: /a, creates: { user_id: /id } }\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        bad_capture.contains("cannot name a capture"),
        "{bad_capture}"
    );
    let duplicate = yaml::parse_str::<ApiSelection>(
        Path::new("p.yaml"),
        "name: mine\noperations:\n  a: { method: GET, path: /a }\n  a: { method: GET, path: /b }\n",
    );
    assert!(duplicate.is_err());
    let nothing = custom("name: mine\n").unwrap_err().to_string();
    assert_eq!(nothing, "unknown API `mine`; bundled: todo");
}

#[test]
fn json_pointers() {
    assert!(check_pointer("").is_ok());
    assert!(check_pointer("/a/b~0~1/0").is_ok());
    assert!(
        check_pointer("error")
            .unwrap_err()
            .contains("start with `/`")
    );
    assert!(
        check_pointer("/a~2")
            .unwrap_err()
            .contains("`~` must be followed")
    );
    assert!(check_pointer("/a~").is_err());
}
