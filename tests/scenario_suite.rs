//! The bundled scenarios load cleanly against the embedded reference profile, and a small matrix
//! scenario expands to exactly the expected cases.

use std::path::{Path, PathBuf};

use authconform::profile::Profile;
use authconform::scenario::{
    BodyTemplate, Category, HeaderPattern, LoadOptions, RequestTemplate, StatusMatcher, TokenPlan,
    known_requirements, load_suite,
};
use reqwest::Method;
use serde_json::json;

fn options_for(profile: &Profile) -> LoadOptions {
    let spec = std::fs::read_to_string("specs/spec.md").unwrap();
    LoadOptions {
        known_requirements: Some(known_requirements(&spec)),
        api: profile.api.clone(),
    }
}

#[test]
fn bundled_scenarios_load_without_errors() {
    let profile = Profile::embedded_reference().unwrap();
    let suite = match load_suite(
        &[PathBuf::from("scenarios")],
        &profile,
        &options_for(&profile),
    ) {
        Ok(suite) => suite,
        Err(errors) => panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    assert!(suite.scenarios.len() >= 3);
    for category in [Category::Enforcement, Category::Isolation] {
        assert!(
            suite.scenarios.iter().any(|s| s.category == category),
            "{category:?}"
        );
    }
    let mutations = suite
        .cases
        .iter()
        .filter(|c| c.id.starts_with("token-mutations["))
        .count();
    assert!(mutations > 100, "{mutations}");
    // Every bundled case names a weakness of the registry, with the registry's CWE.
    for case in &suite.cases {
        let known = authconform::weakness::find(&case.weakness.id)
            .unwrap_or_else(|| panic!("{}: `{}` is not registered", case.id, case.weakness.id));
        assert_eq!(case.weakness.cwe, known.cwe, "{}", case.id);
    }
    eprintln!(
        "{} scenarios, {} cases",
        suite.scenarios.len(),
        suite.cases.len()
    );
}

#[test]
fn small_matrix_expands_to_the_exact_cases_and_requests() {
    let mut profile = Profile::embedded_reference().unwrap();
    profile.api.prefix = "/v1".into();
    let suite = load_suite(
        &[PathBuf::from("tests/data/scenarios/small-matrix.yaml")],
        &profile,
        &options_for(&profile),
    )
    .unwrap_or_else(|errors| panic!("{errors:?}"));
    let ids: Vec<&str> = suite.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "small-matrix[victim=alice,operation=tasks.get]",
            "small-matrix[victim=alice,operation=tasks.update]",
            "small-matrix[victim=bob,operation=tasks.get]",
            "small-matrix[victim=bob,operation=tasks.update]",
        ]
    );
    let info = &suite.scenarios[0];
    assert_eq!(
        info.file,
        Path::new("tests/data/scenarios/small-matrix.yaml")
    );
    assert_eq!(info.line, 3);
    assert_eq!(info.category, Category::Isolation);

    let case = &suite.cases[1];
    assert_eq!(case.scenario, 0);
    assert_eq!(
        case.bindings,
        [
            ("victim".to_string(), "alice".to_string()),
            ("operation".to_string(), "tasks.update".to_string())
        ]
    );
    assert_eq!(case.weakness.id, "cross-user-alice");
    assert_eq!(case.weakness.cwe, Some(639));

    let setup = &case.setup[0];
    assert_eq!(setup.actor, "alice");
    assert_eq!(setup.expect.status, Some(StatusMatcher::Class(2)));
    assert_eq!(setup.captures, [("task_id".to_string(), "/id".to_string())]);
    assert_eq!(
        setup.request,
        RequestTemplate {
            method: Method::POST,
            path: "/v1/api/{user_id}/tasks".into(),
            query: vec![],
            headers: vec![],
            body: Some(BodyTemplate::Json(
                json!({"title": "{canary}", "description": "{canary} details"})
            )),
        }
    );

    let attack = &case.steps[0];
    assert_eq!(
        (attack.actor.as_str(), attack.path_user.as_str()),
        ("bob", "alice")
    );
    assert_eq!(attack.token, TokenPlan::Valid);
    assert_eq!(
        attack.request,
        RequestTemplate {
            method: Method::PUT,
            path: "/v1/api/{user_id}/tasks/{task_id}".into(),
            query: vec![],
            // A principal's id is filled in by the runner: with per_case_users, each case has its own.
            headers: vec![("X-Trace".into(), "alice-{bob}".into())],
            body: Some(BodyTemplate::Json(json!({"title": "{canary} edited"}))),
        }
    );
    assert_eq!(
        attack.expect.status,
        Some(StatusMatcher::Codes(vec![403, 404]))
    );
    assert_eq!(attack.expect.no_leak, ["alice"]);
    assert_eq!(attack.expect.body_not_contains, ["{token}"]);
    assert!(!attack.expect.from_mutation);

    let raw = &case.steps[1];
    assert_eq!(
        raw.token,
        TokenPlan::Recipe {
            from: "alice".into(),
            // Filled in by the runner from the case's users.
            claims: json!({"sub": "{bob}"}).as_object().unwrap().clone(),
            remove_claims: vec![],
            mutation: Some(authconform::token::mutation::find("alg-none").unwrap()),
        }
    );
    assert_eq!(
        raw.request,
        RequestTemplate {
            method: Method::POST,
            path: "/v1/api/{user_id}/tasks?x={{y}".into(),
            query: vec![],
            headers: vec![],
            body: Some(BodyTemplate::Json(
                json!({"title": "{alice} {canary}", "n": "{task_id}"})
            )),
        }
    );
    assert!(raw.expect.from_mutation);
    assert_eq!(raw.expect.status, None);

    let verify = &suite.cases[3].verify[0];
    assert_eq!(verify.actor, "bob");
    assert_eq!(verify.request.path, "/v1/api/{user_id}/tasks/{task_id}");
    assert_eq!(
        verify.expect.headers,
        [(
            "www-authenticate".to_string(),
            HeaderPattern::new(r"^Bearer\b").unwrap()
        )]
    );
    assert_eq!(
        verify.expect.json,
        [("/title".to_string(), json!("{canary}"))]
    );
    assert_eq!(verify.expect.status, None);
}

#[test]
fn profile_api_overrides_reach_the_requests_and_bad_ones_are_reported() {
    let mut profile = Profile::embedded_reference().unwrap();
    profile.api.operations.insert(
        "tasks.get".into(),
        authconform::api::OperationOverride {
            path: Some("/v2/users/{user_id}/todos/{task_id}".into()),
            ..Default::default()
        },
    );
    let suite = load_suite(
        &[PathBuf::from("tests/data/scenarios/small-matrix.yaml")],
        &profile,
        &options_for(&profile),
    )
    .unwrap();
    assert_eq!(
        suite.cases[0].steps[0].request.path,
        "/v2/users/{user_id}/todos/{task_id}"
    );

    profile.api.name = "tood".into();
    let errors = load_suite(
        &[PathBuf::from("tests/data/scenarios/small-matrix.yaml")],
        &profile,
        &options_for(&profile),
    )
    .unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "<embedded>/fixtures/profiles/reference.yaml: api: api.operations.tasks.get.method: required: `tood` is not a bundled API (bundled: todo), so each of its operations is defined in full"
        ]
    );
}

#[test]
fn chat_phrases_come_from_the_profile() {
    let mut profile = Profile::embedded_reference().unwrap();
    profile
        .chat_phrases
        .insert("delete_task".into(), "please remove task".into());
    let dir = std::env::temp_dir().join(format!("authconform-chat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chat.yaml");
    std::fs::write(
        &file,
        r#"scenarios:
  - id: chat-phrase
    title: A reworded phrase
    category: isolation
    weakness: { id: agent-acts-as-named-user }
    steps:
      - as: bob
        call: chat.send
        json: { message: "{chat.delete_task} 7" }
      - as: bob
        call: chat.send
        json: { message: "{chat.delete_tsak} 7" }
"#,
    )
    .unwrap();
    let errors = load_suite(
        std::slice::from_ref(&file),
        &profile,
        &options_for(&profile),
    )
    .unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{text:?}");
    assert!(
        text[0].contains("unknown chat phrase `{chat.delete_tsak}`"),
        "{}",
        text[0]
    );
    assert!(
        text[0].contains("did you mean `delete_task`"),
        "{}",
        text[0]
    );

    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("{chat.delete_tsak}", "{chat.add_task}")).unwrap();
    let suite = load_suite(&[file], &profile, &options_for(&profile)).unwrap();
    let bodies: Vec<_> = suite.cases[0]
        .steps
        .iter()
        .map(|step| step.request.body.clone())
        .collect();
    assert_eq!(
        bodies,
        vec![
            Some(BodyTemplate::Json(
                json!({ "message": "please remove task 7" })
            )),
            Some(BodyTemplate::Json(json!({ "message": "add task 7" }))),
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `prepare` and `reread` expand, on the API of a profile written by `init`, into the creations an
/// operation needs, a read of each object, and the owner's re-reads (object compared, lists checked).
#[test]
fn any_api_scenarios_expand_from_the_profile_operations() {
    let profile = Profile::load(Path::new("fixtures/profiles/reference-items.yaml")).unwrap();
    let suite = load_suite(
        &[PathBuf::from("scenarios")],
        &profile,
        &options_for(&profile),
    )
    .unwrap();
    assert!(suite.set_aside.iter().all(|aside| aside.api == "todo"));
    assert!(
        suite.set_aside.len() >= 30,
        "the Todo scenarios are set aside"
    );
    let case = suite
        .cases
        .iter()
        .find(|case| case.id == "api-object-write[operation=items.delete]")
        .expect("the case exists");
    let route = |request: &RequestTemplate| format!("{} {}", request.method, request.path);
    let setup: Vec<String> = case.setup.iter().map(|step| route(&step.request)).collect();
    assert_eq!(
        setup,
        [
            "POST /api/v1/users/{user_id}/items",
            "GET /api/v1/users/{user_id}/items/{item_id}"
        ]
    );
    assert_eq!(case.setup[0].captures, [("item_id".into(), "/id".into())]);
    assert_eq!(
        case.setup[1].captures,
        [("prepared_item_id".into(), String::new())]
    );
    assert_eq!(
        route(&case.steps[0].request),
        "DELETE /api/v1/users/{user_id}/items/{item_id}"
    );
    assert_eq!(case.steps[0].actor, "bob");
    let verify: Vec<String> = case
        .verify
        .iter()
        .map(|step| route(&step.request))
        .collect();
    assert_eq!(
        verify,
        [
            "GET /api/v1/users/{user_id}/items/{item_id}",
            "GET /api/v1/users/{user_id}/items"
        ]
    );
    assert_eq!(case.verify[0].actor, "alice");
    assert_eq!(
        case.verify[0].expect.json,
        [(String::new(), json!("{prepared_item_id}"))]
    );
    assert_eq!(case.verify[0].expect.no_leak_in_case, ["bob"]);
    assert_eq!(case.verify[1].expect.no_leak_in_case, ["bob"]);
    assert_eq!(
        case.verify[1].expect.status,
        Some(StatusMatcher::Codes(vec![200]))
    );
}

/// An API whose routes take the user from the token only (`/api/tasks/{task_id}`), with no read of a
/// single task: the isolation scenarios that need the user in the path are skipped with the reason,
/// and effects are re-read through the list that the creating route lists.
#[test]
fn a_token_scoped_api_without_item_reads_loads_with_reasons_and_list_rereads() {
    let dir = std::env::temp_dir().join(format!("authconform-scoped-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s"), "0123456789abcdef0123456789abcdef").unwrap();
    let path = dir.join("p.yaml");
    std::fs::write(
        &path,
        r#"issuer: { alg: HS256, key: { secret_file: s } }
principals: { alice: { sub: alice }, bob: { sub: bob } }
api:
  name: scoped-api
  operations:
    tasks.list: { method: GET, path: "/api/tasks", status: 200, headers: { X-Api-Version: "1" } }
    tasks.create:
      method: POST
      path: "/api/tasks"
      json: { title: "{canary}" }
      creates: { task_id: /id }
      status: 201
    tasks.update: { method: PUT, path: "/api/tasks/{task_id}", json: { title: "{canary}" } }
    tasks.delete: { method: DELETE, path: "/api/tasks/{task_id}", status: 204 }
"#,
    )
    .unwrap();
    let profile = Profile::load(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let suite = load_suite(
        &[PathBuf::from("scenarios/any-api")],
        &profile,
        &options_for(&profile),
    )
    .unwrap_or_else(|errors| panic!("{errors:?}"));
    let case = |id: &str| {
        suite
            .cases
            .iter()
            .find(|case| case.id == id)
            .unwrap_or_else(|| panic!("no case {id}"))
    };
    let path_user = case("api-path-user-mismatch");
    assert!(path_user.steps.is_empty());
    assert_eq!(
        path_user.not_applicable.as_deref(),
        Some(
            "not applicable to the `scoped-api` API: no operation names the user in its path (the user comes from the token only)"
        )
    );
    assert!(case("api-object-read").not_applicable.is_some());
    // Bob's own list is a list even without the user in its path; it carries the operation's headers.
    let list_scope = case("api-list-scope[creator=tasks.create,list=tasks.list]");
    assert!(list_scope.not_applicable.is_none());
    assert_eq!(
        list_scope.steps[0].request.headers,
        [("X-Api-Version".to_string(), "1".to_string())]
    );
    // Alice's task, changed by Bob, is read back as the element of her list with its id.
    let write = case("api-object-write[operation=tasks.delete]");
    let element = authconform::scenario::plan::element_pointer("task_id", "/id");
    assert!(
        write
            .verify
            .iter()
            .any(|step| step.request.path == "/api/tasks"
                && step
                    .expect
                    .json
                    .iter()
                    .any(|(pointer, _)| *pointer == element)),
        "{:#?}",
        write.verify
    );
    assert!(
        write.setup.iter().any(|step| step
            .captures
            .iter()
            .any(|(name, pointer)| name.starts_with("__") || *pointer == element)),
        "{:#?}",
        write.setup
    );
}
