//! The bundled suite against interop backends in the shapes real FastAPI backends have, each driven
//! by a profile that `authconform init` wrote from the server's own `/openapi.json`, plus the edits the
//! README's "Your own API" section tells a user to make (the issuer and two users): python-jose with
//! an HS256 shared secret, the user in a `user_id` claim and no `iss`/`aud`; PyJWT with token-scoped
//! routes (`/api/tasks/{task_id}`: the user never in the path); a legacy unauthenticated
//! `/api/tasks` left next to the user-scoped routes (it declares no security, so `init` checks it as
//! protected); and a separate MCP server that `init --mcp` discovers. The user-scoped servers have
//! the Todo contract's routes, so `init` selects the bundled description and the whole Todo suite runs
//! there. Each correct one gives no weakness; each flaw is named as exactly its weaknesses.

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
    profile_with(server, name, edits, &[], &[])
}

/// [`profile`], with more `init` arguments (`--mcp URL`) and environment variables.
fn profile_with(
    server: &Server,
    name: &str,
    edits: &[(&str, Value)],
    more: &[&str],
    env: &[(&str, &str)],
) -> PathBuf {
    let dir = binary::scratch("interop-shapes", name);
    let written = dir.join("profile.yaml");
    let document = format!("{}/openapi.json", server.url);
    let mut args = vec![
        "init",
        "--openapi",
        &document,
        "--out",
        written.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    let mut command = binary::authconform();
    command.args(&args);
    for (name, value) in env {
        command.env(name, value);
    }
    let init = command.output().expect("init runs");
    let stderr = String::from_utf8_lossy(&init.stderr);
    assert_eq!(init.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(&written).unwrap();
    let mut doc: Value = serde_saphyr::from_str(&text).expect("init writes valid YAML");
    // init takes the base URL from where it read the document.
    assert_eq!(doc["base_url"], json!(server.url), "{text}");
    for (key, value) in edits {
        // `issuer/user_claim` edits one field of a block; `issuer` replaces the block.
        let (parent, field) = key.rsplit_once('/').unwrap_or(("", key));
        let parent = if parent.is_empty() {
            &mut doc
        } else {
            doc.pointer_mut(&format!("/{parent}"))
                .expect("the block init wrote")
        };
        parent
            .as_object_mut()
            .unwrap()
            .insert(field.to_string(), value.clone());
    }
    let edited = dir.join("edited.yaml");
    std::fs::write(&edited, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    edited
}

/// Runs the suite on the profile (its base URL is the server's) and returns the weaknesses named.
fn weaknesses(profile: &Path) -> (i32, BTreeSet<String>, String) {
    weaknesses_with(profile, &[])
}

/// [`weaknesses`], with environment variables (a secret the profile names).
fn weaknesses_with(profile: &Path, env: &[(&str, &str)]) -> (i32, BTreeSet<String>, String) {
    let mut command = binary::authconform();
    command.args(["run", "--profile", profile.to_str().unwrap(), "--seed", "1"]);
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        out.status.code().unwrap(),
        servers::weaknesses(&stdout),
        stdout,
    )
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
    // `init --secret-env` writes the shared-secret block: no iss and no aud (python-jose refuses
    // any `aud` when the backend configures no audience); the user's one edit is the claim.
    let secret = std::fs::read_to_string(root().join("fixtures/keys/issuer/hs256.secret")).unwrap();
    let run_env = [("INTEROP_HS_SECRET", secret.as_str())];
    let edits = [
        ("issuer/user_claim", json!("user_id")),
        (
            "principals",
            json!({"alice": {"sub": "alice"}, "bob": {"sub": "bob"}}),
        ),
    ];
    for (name, flaw, expected) in [
        ("jose-user-id", None, &[][..]),
        // The routes are the Todo contract's: the bundled suite names the flaw as tests/interop.rs does.
        (
            "jose-user-id-idor",
            Some("task-read-idor"),
            &["task-read-idor", "object-read-idor", "existence-oracle"][..],
        ),
    ] {
        let mut server_env = env.to_vec();
        server_env.extend(flaw.map(|flaw| ("INTEROP_FLAW", flaw)));
        let server = Server::rest(&server_env);
        let profile = profile_with(
            &server,
            name,
            &edits,
            &["--secret-env", "INTEROP_HS_SECRET"],
            &[],
        );
        let text = std::fs::read_to_string(profile.parent().unwrap().join("profile.yaml")).unwrap();
        assert!(text.contains("secret_env: INTEROP_HS_SECRET"), "{text}");
        let (code, named, stdout) = weaknesses_with(&profile, &run_env);
        drop(server);
        assert_eq!(named, set(expected), "{name}\n{stdout}");
        assert_eq!(code, i32::from(!expected.is_empty()), "{name}\n{stdout}");
    }
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
    // The chat agent acts for whoever its message names: init marked `/api/chat` a chat operation
    // (`prompt: /message`, and a `chat.continue` variant), so the agent checks run there.
    let agent = [&env[..], &[("INTEROP_FLAW", "agent-acts-as-named-user")]].concat();
    check(&agent, &edits, "scoped-agent", &["agent-confused-deputy"]);
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

/// A TEST ONLY token of alice (the fixture key), for `init --mcp` to list a bearer server's tools.
fn discovery_token() -> String {
    let out = binary::run(&[
        "mint",
        "--profile",
        "fixtures/profiles/reference.yaml",
        "--as",
        "alice",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout.trim().lines().last().unwrap().to_string()
}

/// A separate MCP server (official SDK) next to the REST API: `init --mcp` lists its tools and writes
/// them as operations of a second service; the same tokens go there. With bearer auth, plain JSON
/// answers and sessions (the SDK's default: each user opens one, `mcp_session`), no weakness; with
/// bearer auth but tools that trust their `user_id` argument, stateless, that fault by its generic
/// name; without any auth, with sessions, answering in event streams with the ids only in text
/// content, the open door and what it reveals.
#[test]
fn a_second_service_an_mcp_server_is_discovered_and_checked_with_the_same_tokens() {
    setup();
    let verifier = [
        ("VERIFIER", "pyjwt"),
        ("ALGS", "EdDSA"),
        ("JWKS_FILE", "fixtures/keys/issuer/jwks-ed25519.json"),
    ];
    let (issuer, keys) = eddsa_issuer();
    let token = discovery_token();
    let rest = Server::rest(&verifier);
    let trusting = [&verifier[..], &[("INTEROP_FLAW", "mcp-trusts-user-id")]].concat();
    // Stateful, as the SDK is by default: every request needs the session `initialize` opened.
    let stateful = [&verifier[..], &[("MCP_SESSIONS", "stateful")]].concat();
    let open = [
        ("MCP_AUTH", "none"),
        ("MCP_RESPONSE", "sse"),
        ("MCP_OUTPUT", "text"),
        ("MCP_SESSIONS", "stateful"),
    ];
    for (name, mcp_env, expected) in [
        ("mcp-bearer-stateful", &stateful[..], &[][..]),
        (
            "mcp-trusting",
            &trusting[..],
            &["request-user-not-checked"][..],
        ),
        (
            "mcp-open-stateful",
            &open[..],
            &["missing-token-accepted", "request-user-not-checked"][..],
        ),
    ] {
        let mcp = Server::mcp(mcp_env);
        let endpoint = format!("{}/mcp", mcp.url);
        let mut edits = edits(issuer.clone(), Some(keys.clone()));
        // Alice's task list (never paginated here) passes 4 MiB late in the run: the README's
        // advice when a list answer is cut.
        edits.push(("max_body_kib", json!(16384)));
        let profile = profile_with(
            &rest,
            name,
            &edits,
            &["--mcp", &endpoint, "--mcp-token-env", "DISCOVERY_TOKEN"],
            &[("DISCOVERY_TOKEN", &token)],
        );
        let text = std::fs::read_to_string(profile.parent().unwrap().join("profile.yaml")).unwrap();
        assert!(text.contains("todo_mcp.complete_task:"), "{text}");
        let stateful = mcp_env.contains(&("MCP_SESSIONS", "stateful"));
        assert_eq!(text.contains("mcp_session: \"/mcp\""), stateful, "{text}");
        let (code, named, stdout) = weaknesses(&profile);
        drop(mcp);
        assert_eq!(named, set(expected), "{name}\n{stdout}");
        assert_eq!(code, i32::from(!expected.is_empty()), "{stdout}");
    }
}
