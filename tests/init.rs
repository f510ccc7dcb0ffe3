//! `authconform init`: profiles generated from OpenAPI documents (snapshots of the Todo contract and a
//! FastAPI-style document), their round trip through the profile loader, and the command's errors
//! (existing --out, Swagger 2.0, syntax errors, URLs: served, redirecting, failing).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use authconform::profile::Profile;
use authconform::template;
use serde_json::Value;

/// The FastAPI-style document of the reference server's `items` route layout
/// (`/api/v1/users/{uid}/items`, chat, conversations, HTTPBearer), as its `/openapi.json` serves it.
const FASTAPI_ITEMS: &str = "specs/openapi-items.json";
/// An OpenAPI 3.0 YAML document with the cases the FastAPI one lacks.
const EDGE_CASES: &str = "tests/fixtures/openapi/edge-cases.yaml";

mod binary;

use binary::run;

/// A fresh, empty folder for this test.
fn scratch(name: &str) -> PathBuf {
    binary::scratch("init-tests", name)
}

fn generate(source: &str) -> String {
    let out = run(&["init", "--openapi", source]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

/// The generated text with the TODO signing key replaced by the TEST ONLY fixture key.
fn with_fixture_key(text: &str) -> String {
    let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys/issuer/ed25519.pem");
    let replaced = text.replace(
        "pem: TODO-path-to-test-signing-key.pem",
        &format!(
            "pem: {}",
            serde_json::to_string(&key.display().to_string()).unwrap()
        ),
    );
    assert_ne!(replaced, text, "the TODO key line is there");
    replaced
}

#[test]
fn todo_contract_profile() {
    insta::assert_snapshot!(generate("specs/openapi.yaml"));
}

#[test]
fn fastapi_items_profile() {
    insta::assert_snapshot!(generate(FASTAPI_ITEMS));
}

/// No security declared, a server path, ids nothing creates, required query/header/cookie parameters,
/// a form body, an external `$ref`, a recursive schema (tests/fixtures/openapi/edge-cases.yaml).
#[test]
fn edge_cases_profile() {
    let text = generate(EDGE_CASES);
    check_api_section(&text);
    insta::assert_snapshot!(text);
}

/// Every operation of the `api:` section: placeholders are `{user_id}`, `{canary}` or a name some live
/// operation `creates`; names are valid and unique (the mapping parser rejects duplicates).
fn check_api_section(text: &str) -> Value {
    let profile: Value = serde_saphyr::from_str(text).expect("the generated profile is YAML");
    let api = &profile["api"];
    assert!(api["name"].as_str().is_some_and(|n| n != "todo"), "{api}");
    let operations = api["operations"].as_object().expect("operations");
    assert!(!operations.is_empty());
    let created: BTreeSet<String> = operations
        .values()
        .filter_map(|op| op["creates"].as_object())
        .flat_map(|c| c.keys().cloned())
        .collect();
    for (name, op) in operations {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
            "{name}"
        );
        for key in op.as_object().unwrap().keys() {
            assert!(
                [
                    "method", "path", "auth", "json", "creates", "status", "prompt", "headers"
                ]
                .contains(&key.as_str()),
                "{name}: {key}"
            );
        }
        let path = op["path"].as_str().unwrap();
        assert!(path.starts_with('/'), "{name}: {path}");
        let mut used = template::placeholders(path).unwrap();
        if let Some(json) = op.get("json") {
            used.extend(template::json_placeholders(json).unwrap());
        }
        for placeholder in used {
            assert!(
                ["user_id", "canary"].contains(&placeholder.name.as_str())
                    || created.contains(&placeholder.name),
                "{name} uses {{{}}}, which nothing creates",
                placeholder.name
            );
        }
        if let Some(creates) = op.get("creates").and_then(Value::as_object) {
            for pointer in creates.values() {
                assert!(pointer.as_str().unwrap().starts_with('/'), "{name}");
            }
        }
    }
    profile
}

#[test]
fn generated_api_sections_use_only_known_placeholders() {
    let items = check_api_section(&generate(FASTAPI_ITEMS));
    let ops = &items["api"]["operations"];
    assert_eq!(ops["items.create"]["path"], "/api/v1/users/{user_id}/items");
    assert_eq!(ops["items.create"]["status"], 201);
    assert_eq!(ops["items.complete"]["method"], "PATCH");
    assert_eq!(ops["items.delete"]["status"], 204);
    assert_eq!(
        ops["conversations.get"]["path"],
        "/api/v1/users/{user_id}/conversations/{conversation_id}"
    );
    // The chat route is a chat operation for the agent checks, and continues a conversation too.
    assert_eq!(ops["chat.send"]["prompt"], "/message");
    assert_eq!(
        ops["chat.continue"]["json"]["conversation_id"],
        "{conversation_id}"
    );
}

/// The Todo contract's own document selects the bundled description (the whole Todo suite runs),
/// with the document's other operations (its `status` variants) added; the run against the reference
/// server passes, and a flaw switched on is named as it is with the bundled profile.
#[test]
fn the_todo_contract_selects_the_bundled_description_and_its_suite_passes() {
    let out = run(&["init", "--openapi", "specs/openapi.yaml"]);
    assert!(
        out.stderr.contains(
            "the document describes the bundled `todo` contract (17 of 17 operations of the bundled `todo` description match)"
        ),
        "{}",
        out.stderr
    );
    let profile: Value = serde_saphyr::from_str(&out.stdout).unwrap();
    assert_eq!(profile["api"]["name"], "todo");
    let added: Vec<&String> = profile["api"]["operations"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        added,
        [
            "conversations.delete",
            "tasks.list.all",
            "tasks.list.completed"
        ]
    );

    let dir = scratch("todo-contract");
    let path = dir.join("profile.yaml");
    std::fs::write(&path, with_fixture_key(&out.stdout)).unwrap();
    let path = path.to_str().unwrap();
    let passed = run(&["run", "--profile", path, "--reference", "--seed", "1"]);
    assert_eq!(passed.code, 0, "{}", passed.stdout);
    let flawed = run(&[
        "run",
        "--profile",
        path,
        "--reference",
        "--reference-flaw",
        "task-read-idor",
        "--filter",
        "category:isolation",
    ]);
    assert_eq!(flawed.code, 1, "{}", flawed.stdout);
    assert!(
        flawed.stdout.contains("task-read-idor (CWE-639)"),
        "{}",
        flawed.stdout
    );
}

/// `--secret-env NAME` writes the shared-secret issuer block for that variable; with the secret in
/// it, the profile passes against the reference server in its HS256 mode unedited but for the
/// principals it already has.
#[test]
fn secret_env_writes_a_shared_secret_issuer_that_runs() {
    let out = run(&[
        "init",
        "--openapi",
        "specs/openapi.yaml",
        "--secret-env",
        "AUTHCONFORM_TEST_SECRET",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let profile: Value = serde_saphyr::from_str(&out.stdout).unwrap();
    assert_eq!(profile["issuer"]["alg"], "HS256");
    assert_eq!(
        profile["issuer"]["key"]["secret_env"],
        "AUTHCONFORM_TEST_SECRET"
    );
    assert!(profile.get("target_keys").is_none(), "{}", out.stdout);
    assert!(!out.stdout.contains("TODO-path-to-test-signing-key"));

    let dir = scratch("secret-env");
    let path = dir.join("profile.yaml");
    std::fs::write(&path, &out.stdout).unwrap();
    let secret = std::fs::read_to_string("fixtures/keys/issuer/hs256.secret").unwrap();
    let passed = binary::authconform()
        .args(["run", "--profile", path.to_str().unwrap(), "--reference"])
        .args(["--reference-mode", "hs256", "--seed", "1"])
        .env("AUTHCONFORM_TEST_SECRET", secret)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert_eq!(passed.status.code(), Some(0), "{stdout}");

    let bad = run(&[
        "init",
        "--openapi",
        FASTAPI_ITEMS,
        "--secret-env",
        "s3cr3t=value",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("never the secret itself"),
        "{}",
        bad.stderr
    );
    let both = run(&[
        "init",
        "--openapi",
        FASTAPI_ITEMS,
        "--secret-env",
        "A",
        "--jwks-url",
        "http://127.0.0.1:1/jwks",
    ]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

/// `--jwks-url URL` writes a key-pair issuer with `target_keys` at that URL and `hosted_issuer`
/// explained; a URL that is not http(s) is a usage error.
#[test]
fn jwks_url_writes_a_key_pair_issuer_fetched_by_url() {
    let url = "http://127.0.0.1:3000/api/auth/jwks";
    let out = run(&["init", "--openapi", FASTAPI_ITEMS, "--jwks-url", url]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let profile: Value = serde_saphyr::from_str(&out.stdout).unwrap();
    assert_eq!(profile["issuer"]["alg"], "EdDSA");
    assert_eq!(profile["target_keys"]["jwks_url"], url);
    assert!(out.stdout.contains("# hosted_issuer:"), "{}", out.stdout);
    let bad = run(&[
        "init",
        "--openapi",
        FASTAPI_ITEMS,
        "--jwks-url",
        "file:///jwks.json",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// A document that shares a route or two with the Todo contract is a custom API, and says so.
#[test]
fn a_document_that_is_not_the_todo_contract_says_so() {
    let out = run(&["init", "--openapi", FASTAPI_ITEMS]);
    assert!(
        out.stderr.contains(
            "not the bundled `todo` contract (1 of 17 operations of the bundled `todo` description match: health): a custom API"
        ),
        "{}",
        out.stderr
    );
}

/// Everything but `api:` loads with today's loader once the key is set.
#[test]
fn generated_profile_loads_without_its_api_section() {
    for source in ["specs/openapi.yaml", FASTAPI_ITEMS, EDGE_CASES] {
        let text = with_fixture_key(&generate(source));
        let cut = text.find("\napi:\n").expect("an api: section");
        let dir = scratch(&format!("load-{}", source.replace('/', "_")));
        let path = dir.join("profile.yaml");
        std::fs::write(&path, &text[..cut + 1]).unwrap();
        let profile = Profile::load(&path).unwrap_or_else(|err| panic!("{source}: {err}"));
        profile.principal("alice").unwrap();
        profile.principal("bob").unwrap();
    }
}

/// The whole generated profile, `api:` included, loads, and its operations make a valid API.
#[test]
fn generated_profile_round_trips_through_the_loader() {
    for source in ["specs/openapi.yaml", FASTAPI_ITEMS, EDGE_CASES] {
        let text = with_fixture_key(&generate(source));
        let dir = scratch(&format!("roundtrip-{}", source.replace('/', "_")));
        let path = dir.join("profile.yaml");
        std::fs::write(&path, text).unwrap();
        let profile = Profile::load(&path).unwrap_or_else(|err| panic!("{source}: {err}"));
        let api = authconform::api::Api::from_selection(&profile.api)
            .unwrap_or_else(|err| panic!("{source}: {err}"));
        assert!(!api.operations.is_empty(), "{source}");
    }
}

#[test]
fn out_writes_the_file_and_refuses_to_overwrite_it() {
    let dir = scratch("out");
    let out = dir.join("items.yaml");
    let out_arg = out.to_str().unwrap();
    let first = run(&["init", "--openapi", FASTAPI_ITEMS, "--out", out_arg]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.is_empty(), "{}", first.stdout);
    assert!(first.stderr.contains("14 operations"), "{}", first.stderr);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.starts_with("# yaml-language-server: $schema="),
        "{written}"
    );
    assert!(written.contains(&format!("authconform run --profile {out_arg}")));

    std::fs::write(&out, "mine\n").unwrap();
    let second = run(&["init", "--openapi", FASTAPI_ITEMS, "--out", out_arg]);
    assert_eq!(second.code, 2, "{}", second.stderr);
    assert!(second.stderr.contains("--force"), "{}", second.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine\n");

    let forced = run(&[
        "init",
        "--openapi",
        FASTAPI_ITEMS,
        "--out",
        out_arg,
        "--force",
    ]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), written);
}

#[test]
fn schema_reference_is_relative_to_the_output_folder() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = repo.join("target").join("init-schema-ref");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = run(&[
        "init",
        "--openapi",
        FASTAPI_ITEMS,
        "--out",
        "target/init-schema-ref/p.yaml",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let written = std::fs::read_to_string(dir.join("p.yaml")).unwrap();
    assert!(
        written.starts_with("# yaml-language-server: $schema=../../schemas/profile.schema.json\n"),
        "{written}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn swagger_2_is_refused_with_exit_2() {
    let dir = scratch("swagger");
    let file = dir.join("swagger.json");
    std::fs::write(
        &file,
        r#"{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {}}}"#,
    )
    .unwrap();
    let out = run(&["init", "--openapi", file.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "Swagger 2.0 is not supported; convert it to OpenAPI 3 first, e.g. with swagger2openapi"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let dir = scratch("syntax");
    let json = dir.join("broken.json");
    std::fs::write(
        &json,
        "{\n  \"openapi\": \"3.1.0\",\n  \"paths\": {\n    \"/a\": {,}\n  }\n}\n",
    )
    .unwrap();
    let out = run(&["init", "--openapi", json.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    let expected = format!("error: {}:4:", json.display());
    assert!(out.stderr.starts_with(&expected), "{}", out.stderr);

    let yaml = dir.join("broken.yaml");
    std::fs::write(&yaml, "openapi: 3.0.3\npaths:\n  /a:\n    get: [unclosed\n").unwrap();
    let out = run(&["init", "--openapi", yaml.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    let expected = format!("error: {}:", yaml.display());
    assert!(out.stderr.starts_with(&expected), "{}", out.stderr);
    let location = out.stderr[expected.len()..].split(':').next().unwrap();
    assert!(
        location.parse::<u32>().is_ok(),
        "a line number: {}",
        out.stderr
    );
}

#[test]
fn unreadable_files_and_documents_without_paths_exit_2() {
    let out = run(&["init", "--openapi", "no/such/openapi.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no such file"), "{}", out.stderr);

    let dir = scratch("no-paths");
    let file = dir.join("empty.yaml");
    std::fs::write(
        &file,
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
    )
    .unwrap();
    let out = run(&["init", "--openapi", file.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no paths"), "{}", out.stderr);

    let out = run(&["init", "--openapi", "ftp://example.com/openapi.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("only http and https"), "{}", out.stderr);
}

/// `--mcp` errors: a URL that is not http(s) and an unset token variable (exit 2, nothing sent), an
/// endpoint that is no MCP server (exit 2, with its answer), nothing listening (exit 3).
#[test]
fn mcp_discovery_errors_are_explained() {
    let init = |mcp: &str| {
        vec!["init", "--openapi", FASTAPI_ITEMS, "--mcp", mcp]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let out = run(&init("ftp://example.com/mcp"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("expected an http(s) URL"),
        "{}",
        out.stderr
    );

    let unset = binary::authconform()
        .args(init("http://127.0.0.1:9/mcp"))
        .args(["--mcp-token-env", "AUTHCONFORM_TEST_UNSET_TOKEN"])
        .env_remove("AUTHCONFORM_TEST_UNSET_TOKEN")
        .output()
        .unwrap();
    assert_eq!(unset.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unset.stderr);
    assert!(
        stderr.contains("AUTHCONFORM_TEST_UNSET_TOKEN: the environment variable is not set"),
        "{stderr}"
    );

    let addr = serve();
    let not_mcp = run(&init(&format!("http://{addr}/openapi.json")));
    assert_eq!(not_mcp.code, 2, "{}", not_mcp.stderr);
    assert!(
        not_mcp.stderr.contains("answered 405 to `initialize`"),
        "{}",
        not_mcp.stderr
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = run(&init(&format!("http://127.0.0.1:{port}/mcp")));
    assert_eq!(closed.code, 3, "{}", closed.stderr);
}

/// A loopback server: the fixture at /openapi.json, a redirect at /old, 404 elsewhere.
fn serve() -> SocketAddr {
    use axum::Router;
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    use axum::routing::get;

    let document =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(FASTAPI_ITEMS)).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app =
                Router::new()
                    .route(
                        "/openapi.json",
                        get(move || async move {
                            ([(header::CONTENT_TYPE, "application/json")], document)
                        }),
                    )
                    .route(
                        "/old",
                        get(|| async {
                            (StatusCode::FOUND, [(header::LOCATION, "/openapi.json")])
                                .into_response()
                        }),
                    );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    addr
}

#[test]
fn urls_are_fetched_without_following_redirects() {
    let addr = serve();
    let served = run(&["init", "--openapi", &format!("http://{addr}/openapi.json")]);
    assert_eq!(served.code, 0, "{}", served.stderr);
    assert!(
        served
            .stdout
            .contains(&format!("from http://{addr}/openapi.json"))
    );
    // The same profile as from the file, but for the header (the source, wrapped differently) and
    // the base URL: the origin the document was read from, as the document names none.
    let from_file = generate(FASTAPI_ITEMS);
    let body = |text: &str| text[text.find("\n\n").unwrap()..].to_string();
    let expected = body(&from_file).replace(
        "# TODO: the document names no absolute server URL; set where the API listens (or pass --target)\nbase_url: \"http://127.0.0.1:8000\"",
        &format!(
            "# from the URL the document was read from (it names no absolute server URL)\nbase_url: \"http://{addr}\""
        ),
    );
    assert_eq!(body(&served.stdout), expected);

    let redirect = run(&["init", "--openapi", &format!("http://{addr}/old")]);
    assert_eq!(redirect.code, 2, "{}", redirect.stderr);
    assert!(
        redirect.stderr.contains("answered 302"),
        "{}",
        redirect.stderr
    );
    assert!(
        redirect.stderr.contains("redirects are not followed"),
        "{}",
        redirect.stderr
    );
    assert!(redirect.stdout.is_empty());

    let missing = run(&["init", "--openapi", &format!("http://{addr}/missing.json")]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("answered 404"),
        "{}",
        missing.stderr
    );
}

#[test]
fn target_overrides_the_base_url() {
    let out = run(&[
        "init",
        "--openapi",
        "specs/openapi.yaml",
        "--target",
        "https://staging.example/",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("\nbase_url: \"https://staging.example\"\n"),
        "{}",
        out.stdout
    );
    let bad = run(&[
        "init",
        "--openapi",
        "specs/openapi.yaml",
        "--target",
        "staging",
    ]);
    assert_eq!(bad.code, 2);
}
