//! The bundled suite against interop backends in the shapes real FastAPI backends have, each driven
//! by a profile that `authconform init` wrote from the server's own `/openapi.json`, plus the edits the
//! README's "Your own API" section tells a user to make (the issuer and two users): python-jose with
//! an HS256 shared secret, the user in a `user_id` claim and no `iss`/`aud`; PyJWT with token-scoped
//! routes (`/api/tasks/{task_id}`: the user never in the path); and a legacy unauthenticated
//! `/api/tasks` left next to the user-scoped routes (it declares no security, so `init` checks it as
//! protected). Each correct one gives no weakness; each flaw is named as exactly its weaknesses.

mod binary;
mod servers;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use servers::{Server, root, setup};

use serde_json::{Value, json};

impl servers::Server {
    /// The FastAPI interop server.
    fn rest(env: &[(&str, &str)]) -> Server {
        Server::python("interop/python/serve.py", env)
    }

    /// The MCP server (official SDK, streamable HTTP) with `MCP_AUTH` and the same verifier settings.
    fn mcp(env: &[(&str, &str)]) -> Server {
        Server::python("interop/python/serve_mcp.py", env)
    }
}

/// The user's edits: the issuer block and two users (key paths absolute, as the profile is elsewhere).
fn edits(issuer: Value, target_keys: Option<Value>) -> Vec<(&'static str, Value)> {
    let mut edits = vec![
        ("issuer", issuer),
        (
            "principals",
            json!({"alice": {"sub": "alice"}, "bob": {"sub": "bob"}}),
        ),
    ];
    if let Some(keys) = target_keys {
        edits.push(("target_keys", keys));
    }
    edits
}

/// The README's edit for an API that trusts the TEST ONLY EdDSA fixture key: issuer and target keys.
fn eddsa_issuer() -> (Value, Value) {
    let issuer = json!({
        "alg": "EdDSA",
        "key": {"pem": fixture("keys/issuer/ed25519.pem")},
        "kid": "test-ed25519",
        "iss": "http://localhost:3000",
        "aud": "http://localhost:3000",
    });
    (
        issuer,
        json!({"jwks_file": fixture("keys/issuer/jwks-ed25519.json")}),
    )
}

fn fixture(path: &str) -> String {
    root().join("fixtures").join(path).display().to_string()
}

/// `init` from the server's document, the edits applied, written as JSON (which is YAML).
fn profile(server: &Server, name: &str, edits: &[(&str, Value)]) -> PathBuf {
    let dir = binary::scratch("interop-shapes", name);
    let written = dir.join("profile.yaml");
    let init = binary::run(&[
        "init",
        "--openapi",
        &format!("{}/openapi.json", server.url),
        "--out",
        written.to_str().unwrap(),
    ]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(&written).unwrap();
    let mut doc: Value = serde_saphyr::from_str(&text).expect("init writes valid YAML");
    // init takes the base URL from where it read the document.
    assert_eq!(doc["base_url"], json!(server.url), "{text}");
    let object = doc.as_object_mut().unwrap();
    for (key, value) in edits {
        match (key.strip_prefix("api.operations."), value) {
            // An operation added to the ones init wrote (e.g. a tool of another service).
            (Some(name), _) => {
                object["api"]["operations"]
                    .as_object_mut()
                    .unwrap()
                    .insert(name.to_string(), value.clone());
            }
            (None, _) => {
                object.insert(key.to_string(), value.clone());
            }
        }
    }
    let edited = dir.join("edited.yaml");
    std::fs::write(&edited, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    edited
}

/// Runs the suite on the profile (its base URL is the server's) and returns the weaknesses named.
fn weaknesses(profile: &Path) -> (i32, BTreeSet<String>, String) {
    let out = binary::run(&["run", "--profile", profile.to_str().unwrap(), "--seed", "1"]);
    (out.code, servers::weaknesses(&out.stdout), out.stdout)
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

fn check(env: &[(&str, &str)], edits: &[(&str, Value)], name: &str, expected: &[&str]) {
    let server = Server::rest(env);
    let profile = profile(&server, name, edits);
    let (code, named, stdout) = weaknesses(&profile);
    drop(server);
    assert_eq!(named, set(expected), "{name}\n{stdout}");
    let passed = expected.is_empty();
    assert_eq!(code, if passed { 0 } else { 1 }, "{name}\n{stdout}");
}

#[test]
fn python_jose_with_a_user_id_claim_and_no_audience() {
    setup();
    let env = [
        ("VERIFIER", "python-jose"),
        ("SECRET_FILE", "fixtures/keys/issuer/hs256.secret"),
        ("USER_CLAIM", "user_id"),
        ("ISSUER", ""),
        ("AUDIENCE", ""),
    ];
    // python-jose refuses any `aud` when the backend configures no audience: the tokens carry none.
    let issuer = json!({
        "preset": "shared-secret",
        "alg": "HS256",
        "key": {"secret_file": fixture("keys/issuer/hs256.secret")},
        "user_claim": "user_id",
    });
    let edits = edits(issuer, None);
    check(&env, &edits, "jose-user-id", &[]);
    let flawed = [&env[..], &[("INTEROP_FLAW", "task-read-idor")]].concat();
    check(&flawed, &edits, "jose-user-id-idor", &["object-read-idor"]);
}

#[test]
fn token_scoped_routes_get_the_whole_isolation_matrix() {
    setup();
    let env = [
        ("VERIFIER", "pyjwt"),
        ("ALGS", "EdDSA"),
        ("JWKS_FILE", "fixtures/keys/issuer/jwks-ed25519.json"),
        ("ROUTES", "token-scoped"),
    ];
    let (issuer, keys) = eddsa_issuer();
    let edits = edits(issuer, Some(keys));
    check(&env, &edits, "scoped", &[]);
    // Bob reads Alice's task by its id with his own token: the identity probes that get there too
    // are that same read.
    let flawed = [&env[..], &[("INTEROP_FLAW", "task-read-idor")]].concat();
    check(&flawed, &edits, "scoped-idor", &["object-read-idor"]);
}

#[test]
fn a_legacy_route_without_auth_is_named_with_what_it_reveals() {
    setup();
    let env = [
        ("VERIFIER", "pyjwt"),
        ("ALGS", "EdDSA"),
        ("JWKS_FILE", "fixtures/keys/issuer/jwks-ed25519.json"),
        ("INTEROP_FLAW", "legacy-tasks-route"),
    ];
    let (issuer, keys) = eddsa_issuer();
    // The document gives the legacy `/api/tasks` no security requirement: `init` checks it as
    // protected, and every token it accepts there is the open door. What the door reveals: Bob's
    // list shows Alice's tasks, and its POST plants a task in whichever user's list its body names.
    check(
        &env,
        &edits(issuer, Some(keys)),
        "legacy",
        &[
            "missing-token-accepted",
            "list-leaks-other-users",
            "request-user-not-checked",
        ],
    );
}

/// An MCP tool of the `mcp` service, as the README's multi-service example writes it.
fn mcp_tool(name: &str, arguments: Value, creates: bool) -> (String, Value) {
    let mut op = json!({
        "service": "mcp",
        "method": "POST",
        "path": "/mcp",
        "headers": {"Accept": "application/json, text/event-stream"},
        "json": {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                 "params": {"name": name, "arguments": arguments}},
        "status": 200,
    });
    if creates {
        op["creates"] = json!({"mcp_task_id": "/result/structuredContent/task_id"});
    }
    (format!("api.operations.mcp.{name}"), op)
}

#[test]
fn a_second_service_an_mcp_server_is_checked_with_the_same_tokens() {
    setup();
    let verifier = [
        ("VERIFIER", "pyjwt"),
        ("ALGS", "EdDSA"),
        ("JWKS_FILE", "fixtures/keys/issuer/jwks-ed25519.json"),
    ];
    let (issuer, keys) = eddsa_issuer();
    let tools = [
        mcp_tool(
            "add_task",
            json!({"user_id": "{user_id}", "title": "{canary}"}),
            true,
        ),
        mcp_tool("list_tasks", json!({"user_id": "{user_id}"}), false),
        mcp_tool(
            "complete_task",
            json!({"user_id": "{user_id}", "task_id": "{mcp_task_id}"}),
            false,
        ),
        mcp_tool(
            "delete_task",
            json!({"user_id": "{user_id}", "task_id": "{mcp_task_id}"}),
            false,
        ),
    ];
    let rest = Server::rest(&verifier);
    for (mcp_auth, expected) in [
        ("bearer", &[][..]),
        // No authentication at all: every tool answers without a token, and acts for whoever its
        // `user_id` argument names (what the open door reveals).
        (
            "none",
            &["missing-token-accepted", "request-user-not-checked"][..],
        ),
    ] {
        let mcp_env: Vec<(&str, &str)> = if mcp_auth == "none" {
            vec![("MCP_AUTH", "none")]
        } else {
            verifier.to_vec()
        };
        let mcp = Server::mcp(&mcp_env);
        let mut edits = edits(issuer.clone(), Some(keys.clone()));
        edits.push(("services", json!({"mcp": {"base_url": mcp.url}})));
        let added: Vec<(String, Value)> = tools.to_vec();
        let mut all: Vec<(&str, Value)> = edits;
        for (key, value) in &added {
            all.push((key.as_str(), value.clone()));
        }
        let profile = profile(&rest, &format!("mcp-{mcp_auth}"), &all);
        let (code, named, stdout) = weaknesses(&profile);
        drop(mcp);
        assert_eq!(named, set(expected), "MCP_AUTH={mcp_auth}\n{stdout}");
        assert_eq!(code, i32::from(!expected.is_empty()), "{stdout}");
    }
}
