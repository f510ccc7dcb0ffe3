//! Tests of the classification: paths, names, creators, security, servers and variants.

use super::media::id_pointer;
use super::paths::item_route;
use super::*;

#[test]
fn tenant_parameters_by_name_or_position() {
    assert_eq!(
        tenant_param("/api/{user_id}/tasks").as_deref(),
        Some("user_id")
    );
    assert_eq!(
        tenant_param("/api/v1/users/{uid}/items").as_deref(),
        Some("uid")
    );
    assert_eq!(
        tenant_param("/orgs/{slug}/projects/{id}").as_deref(),
        Some("slug")
    );
    assert_eq!(
        tenant_param("/tenants/{t}/x/{userId}").as_deref(),
        Some("t")
    );
    assert_eq!(tenant_param("/items/{item_id}"), None);
    assert_eq!(
        rewrite_path("/api/v1/users/{uid}/items/{item-id}/complete"),
        "/api/v1/users/{user_id}/items/{item_id}/complete"
    );
    assert_eq!(
        rewrite_path("/orgs/{org}/members/{user_id}"),
        "/orgs/{user_id}/members/{user_id_param}"
    );
}

#[test]
fn names_follow_the_path_shape() {
    let name = |m: &str, p: &str, item: bool| operation_name(m, p, true, item);
    assert_eq!(name("GET", "/api/{user_id}/items", false), "items.list");
    assert_eq!(name("POST", "/api/{user_id}/items/", true), "items.create");
    assert_eq!(
        name("GET", "/api/{user_id}/items/{item_id}", false),
        "items.get"
    );
    assert_eq!(
        name("PUT", "/api/{user_id}/items/{item_id}", false),
        "items.update"
    );
    assert_eq!(
        name("PATCH", "/api/{user_id}/items/{item_id}", false),
        "items.patch"
    );
    assert_eq!(
        name("DELETE", "/api/{user_id}/items/{item_id}", false),
        "items.delete"
    );
    assert_eq!(
        name("PATCH", "/api/{user_id}/items/{item_id}/complete", false),
        "items.complete"
    );
    assert_eq!(name("POST", "/api/{user_id}/chat", false), "chat.send");
    assert_eq!(
        name(
            "GET",
            "/api/{user_id}/conversations/{conversation_id}",
            false
        ),
        "conversations.get"
    );
    assert_eq!(name("GET", "/users/{user_id}", false), "users.get");
    assert_eq!(name("HEAD", "/things", false), "things.head");
    assert_eq!(
        name("POST", "/projects/{project_id}/tasks", true),
        "tasks.create"
    );
    assert_eq!(
        name("GET", "/projects/{project_id}/tasks", true),
        "tasks.list"
    );
    assert_eq!(
        name("POST", "/projects/{project_id}/archive", false),
        "projects.archive"
    );
    assert_eq!(operation_name("GET", "/health", false, false), "health");
    assert_eq!(operation_name("GET", "/", false, false), "root");
    assert_eq!(
        operation_name("GET", "/openapi.json", false, false),
        "openapi_json"
    );
}

#[test]
fn duplicate_names_get_numeric_suffixes() {
    let op = |name: &str| Op::new(name, "GET", "/");
    let mut ops = vec![op("a.list"), op("a.list"), op("b"), op("a.list")];
    dedupe_names(&mut ops);
    let names: Vec<&str> = ops.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["a.list", "a.list_2", "b", "a.list_3"]);
}

#[test]
fn operations_using_uncreated_ids_are_disabled_transitively() {
    let op = |name: &str, uses: &[&str], creates: &[&str]| Op {
        creates: creates
            .iter()
            .map(|c| (c.to_string(), "/id".to_string()))
            .collect(),
        uses: uses.iter().map(|u| u.to_string()).collect(),
        ..Op::new(name, "GET", "/")
    };
    let mut ops = vec![
        op("tasks.create", &["project_id"], &["task_id"]),
        op("tasks.get", &["project_id", "task_id"], &[]),
        op("notes.create", &[], &["note_id"]),
        op("notes.get", &["note_id"], &[]),
    ];
    disable_uncreated(&mut ops);
    let disabled: Vec<bool> = ops.iter().map(|o| o.disabled.is_some()).collect();
    assert_eq!(disabled, [true, true, false, false]);
    assert!(ops[0].disabled.as_ref().unwrap().contains("{project_id}"));
}

#[test]
fn id_pointers_prefer_id_then_the_parameter_then_singular_id() {
    let props = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        id_pointer(&props(&["id", "item_id"]), "item_id", "items").as_deref(),
        Some("/id")
    );
    assert_eq!(
        id_pointer(&props(&["itemId"]), "item_id", "items").as_deref(),
        Some("/itemId")
    );
    assert_eq!(
        id_pointer(&props(&["note_id"]), "nid", "notes").as_deref(),
        Some("/note_id")
    );
    assert_eq!(id_pointer(&props(&["title"]), "item_id", "items"), None);
}

fn analysis(json: &str) -> Analysis {
    let doc: Document = serde_json::from_str(json).unwrap();
    analyze(&doc, &Options::default())
}

fn auth_of(analysis: &Analysis) -> Vec<(&str, bool)> {
    analysis
        .operations
        .iter()
        .map(|op| (op.name.as_str(), op.auth))
        .collect()
}

#[test]
fn operation_security_overrides_the_global_one() {
    let a = analysis(
        r#"{"openapi": "3.1.0", "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
          "/things": {"get": {"responses": {}}, "post": {"security": [], "responses": {}}},
          "/things/{thing_id}": {"get": {"security": [{}, {"bearer": []}], "responses": {}}},
          "/status": {"get": {"security": [{"bearer": []}], "responses": {}}}}}"#,
    );
    assert!(a.security_declared);
    assert_eq!(
        auth_of(&a),
        [
            ("things.list", true),
            ("things.create", false),
            ("things.get", false),
            ("status.list", true)
        ]
    );
    assert_eq!(a.presentation, None);
    assert!(
        a.operations[1].notes[0].contains("`security` is []"),
        "{:?}",
        a.operations[1].notes
    );
}

#[test]
fn an_api_key_header_becomes_the_presentation() {
    let a = analysis(
        r#"{"openapi": "3.0.3",
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
        "paths": {"/me": {"get": {"security": [{"key": []}], "parameters": [
            {"name": "X-API-Key", "in": "header", "required": true, "schema": {"type": "string"}}],
            "responses": {}}},
          "/health": {"get": {"responses": {}}}}}"#,
    );
    assert_eq!(
        a.presentation,
        Some(Presentation {
            header: "X-API-Key".into(),
            scheme: String::new()
        })
    );
    assert_eq!(auth_of(&a), [("me.list", true), ("health", false)]);
    assert!(
        a.operations[0].notes.is_empty(),
        "the key header is not a TODO: {:?}",
        a.operations[0].notes
    );
}

#[test]
fn without_declared_security_only_well_known_paths_are_public() {
    let a = analysis(
        r#"{"openapi": "3.1.0",
        "components": {"securitySchemes": {"unused": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/livez": {"get": {}}, "/openapi.json": {"get": {}}, "/login": {"post": {}},
          "/items/{item_id}/health": {"get": {}}}}"#,
    );
    assert!(!a.security_declared);
    assert_eq!(
        auth_of(&a),
        [
            ("livez", false),
            ("openapi_json", false),
            ("login.send", false),
            ("items.health", true)
        ]
    );
    assert!(
        a.security_notes[0].contains("declares no security"),
        "{:?}",
        a.security_notes
    );
    assert!(
        a.security_notes[0].contains("unused"),
        "{:?}",
        a.security_notes
    );
}

#[test]
fn servers_give_base_url_and_prefix() {
    let a = analysis(
        r#"{"openapi": "3.1.0", "servers": [{"url": "/api/v1"}], "paths": {"/a": {"get": {}}}}"#,
    );
    assert_eq!(a.base_url, DEFAULT_BASE_URL);
    assert!(a.base_url_note.starts_with("TODO"));
    assert_eq!(a.prefix, "/api/v1");
    let a = analysis(
        r#"{"openapi": "3.1.0", "servers": [{"url": "http://localhost:8000/"}], "paths": {"/a": {"get": {}}}}"#,
    );
    assert_eq!(
        (a.base_url.as_str(), a.prefix.as_str()),
        ("http://localhost:8000", "")
    );
    let doc: Document = serde_json::from_str(
        r#"{"openapi": "3.1.0", "servers": [{"url": "http://x:1/p"}], "paths": {"/a": {}}}"#,
    )
    .unwrap();
    let a = analyze(
        &doc,
        &Options {
            target: Some("https://staging.example/".into()),
            read_from: Some("http://ignored:1".into()),
            reserved_api_names: vec![],
            keys: None,
        },
    );
    assert_eq!(
        (a.base_url.as_str(), a.prefix.as_str()),
        ("https://staging.example", "/p")
    );
}

#[test]
fn the_url_the_document_came_from_is_the_base_url_when_it_names_none() {
    let doc: Document =
        serde_json::from_str(r#"{"openapi": "3.1.0", "paths": {"/a": {}}}"#).unwrap();
    let options = Options {
        read_from: Some("http://127.0.0.1:8101".into()),
        ..Options::default()
    };
    assert_eq!(analyze(&doc, &options).base_url, "http://127.0.0.1:8101");
}

#[test]
fn each_documented_value_of_an_optional_enum_query_parameter_is_a_variant() {
    let a = analysis(
        r#"{"openapi": "3.1.0", "paths": {"/api/tasks": {"get": {"parameters": [
            {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["all", "pending"]}},
            {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
          "responses": {"200": {}}}}}}"#,
    );
    let ops: Vec<(&str, &str)> = a
        .operations
        .iter()
        .map(|op| (op.name.as_str(), op.path.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("tasks.list", "/api/tasks"),
            ("tasks.list.all", "/api/tasks?status=all"),
            ("tasks.list.pending", "/api/tasks?status=pending"),
        ]
    );
    assert!(a.operations[1].notes[0].contains("`status=all`"));
}

#[test]
fn one_operation_creates_each_id() {
    let returns_id = r#"{"201": {"content": {"application/json": {"schema":
        {"type": "object", "properties": {"id": {"type": "integer"}, "item_id": {"type": "integer"}}}}}}}"#;
    let a = analysis(&format!(
        r#"{{"openapi": "3.1.0", "paths": {{
          "/items": {{"post": {{"responses": {returns_id}}}}},
          "/items/{{item_id}}": {{"get": {{"responses": {{"200": {{}}}}}}}},
          "/imports": {{"post": {{"responses": {returns_id}}}}}}}}}"#
    ));
    let creates: Vec<(&str, usize)> = a
        .operations
        .iter()
        .map(|op| (op.name.as_str(), op.creates.len()))
        .collect();
    assert_eq!(
        creates,
        [("items.create", 1), ("items.get", 0), ("imports.send", 0)]
    );
    assert!(
        a.operations[2]
            .notes
            .iter()
            .any(|n| n.contains("`items.create` already creates")),
        "{:?}",
        a.operations[2].notes
    );
}

#[test]
fn api_names_avoid_bundled_ones() {
    let doc: Document = serde_json::from_str(
        r#"{"openapi": "3.1.0", "info": {"title": "Todo"}, "paths": {"/a": {}}}"#,
    )
    .unwrap();
    let a = analyze(
        &doc,
        &Options {
            target: None,
            read_from: None,
            reserved_api_names: vec!["todo".into()],
            keys: None,
        },
    );
    assert_eq!(a.api_name, "todo-api");
}

#[test]
fn shapes_ignore_parameter_names_and_trailing_slashes() {
    assert_eq!(shape("/users/{user_id}/items/"), "/users/{}/items");
    let shapes = vec![(
        shape("/u/{user_id}/items/{item_id}"),
        "/u/{user_id}/items/{item_id}".to_string(),
    )];
    assert_eq!(
        item_route("/u/{user_id}/items/", &shapes),
        Some(("item_id".into(), "items".into()))
    );
    assert_eq!(item_route("/u/{user_id}/chat", &shapes), None);
}
