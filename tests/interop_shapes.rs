//! The bundled suite against interop backends in the shapes real FastAPI backends have, each driven
//! by a profile that `authconform init` wrote from the server's own `/openapi.json`, plus the edits the
//! README's "Your own API" section tells a user to make (the issuer and two users): python-jose with
//! an HS256 shared secret, the user in a `user_id` claim and no `iss`/`aud`; PyJWT with token-scoped
//! routes (`/api/tasks/{task_id}`: the user never in the path); and a legacy unauthenticated
//! `/api/tasks` left next to the user-scoped routes (it declares no security, so `init` checks it as
//! protected). Each correct one gives no weakness; each flaw is named as exactly its weaknesses.

mod binary;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Installs the pinned dependencies (a no-op when they are up to date).
fn setup() {
    let output = Command::new("bash")
        .arg("interop/setup.sh")
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "interop/setup.sh failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A FastAPI interop server, stopped by pid when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(env: &[(&str, &str)]) -> Server {
        let mut child = Command::new("interop/.venv/bin/python")
            .arg("interop/python/serve.py")
            .current_dir(root())
            .env("PORT", "0")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python runs");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_default();
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start: first line {line:?}");
        };
        Server {
            url: url.to_string(),
            child,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
        object.insert(key.to_string(), value.clone());
    }
    let edited = dir.join("edited.yaml");
    std::fs::write(&edited, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    edited
}

/// Runs the suite on the profile (its base URL is the server's) and returns the weaknesses named.
fn weaknesses(profile: &Path) -> (i32, BTreeSet<String>, String) {
    let out = binary::run(&["run", "--profile", profile.to_str().unwrap(), "--seed", "1"]);
    let named = out
        .stdout
        .lines()
        .filter(|line| line.starts_with("  "))
        .filter_map(|line| {
            let (number, rest) = line.trim_start().split_once(". ")?;
            number.chars().all(|c| c.is_ascii_digit()).then_some(())?;
            rest.split([' ', ',']).next().map(String::from)
        })
        .collect();
    (out.code, named, out.stdout)
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

fn check(env: &[(&str, &str)], edits: &[(&str, Value)], name: &str, expected: &[&str]) {
    let server = Server::start(env);
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
    let issuer = json!({
        "alg": "EdDSA",
        "key": {"pem": fixture("keys/issuer/ed25519.pem")},
        "kid": "test-ed25519",
        "iss": "http://localhost:3000",
        "aud": "http://localhost:3000",
    });
    let keys = json!({"jwks_file": fixture("keys/issuer/jwks-ed25519.json")});
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
    let issuer = json!({
        "alg": "EdDSA",
        "key": {"pem": fixture("keys/issuer/ed25519.pem")},
        "kid": "test-ed25519",
        "iss": "http://localhost:3000",
        "aud": "http://localhost:3000",
    });
    let keys = json!({"jwks_file": fixture("keys/issuer/jwks-ed25519.json")});
    // The document gives the legacy `/api/tasks` no security requirement: `init` checks it as
    // protected, every token it accepts there is the open door, and Bob's list shows Alice's tasks.
    check(
        &env,
        &edits(issuer, Some(keys)),
        "legacy",
        &["missing-token-accepted", "list-leaks-other-users"],
    );
}
