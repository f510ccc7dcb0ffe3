//! Tests of profile loading: the embedded profile, phrases, keys, claims, ids and token sources.

use super::*;
use crate::token::Alg;

#[test]
fn embedded_reference_profile_loads() {
    let profile = Profile::embedded_reference().unwrap();
    assert_eq!(profile.issuer.alg, Alg::EdDsa);
    assert_eq!(profile.issuer.kid.as_deref(), Some("test-ed25519"));
    assert!(profile.principals.contains_key("alice"));
    assert!(profile.principals.contains_key("bob"));
    assert_eq!(profile.target_keys.len(), 1);
}

#[test]
fn unknown_principal_lists_the_known_ones() {
    let profile = Profile::embedded_reference().unwrap();
    let err = profile.principal("mallory").unwrap_err();
    assert!(err.contains("alice") && err.contains("bob"), "{err}");
}

#[test]
fn chat_phrases_default_to_the_reference_agent_and_can_be_reworded() {
    let profile = Profile::embedded_reference().unwrap();
    assert_eq!(profile.chat_phrases["delete_task"], "delete task");
    let dir = std::env::temp_dir().join(format!("authconform-phrases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.yaml");
    let base =
        "issuer:\n  alg: HS256\n  key: { secret_file: s }\nprincipals:\n  alice: { sub: alice }\n";
    std::fs::write(dir.join("s"), "0123456789abcdef0123456789abcdef").unwrap();
    std::fs::write(
        &path,
        format!("{base}chat_phrases:\n  delete_task: remove the task\n"),
    )
    .unwrap();
    let profile = Profile::load(&path).unwrap();
    assert_eq!(profile.chat_phrases["delete_task"], "remove the task");
    assert_eq!(profile.chat_phrases["add_task"], "add task");
    std::fs::write(&path, format!("{base}chat_phrases:\n  delete_tsak: x\n")).unwrap();
    let err = Profile::load(&path).unwrap_err().to_string();
    assert!(err.contains("did you mean `delete_task`"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn key_with_two_sources_is_refused() {
    let dir = std::env::temp_dir().join(format!("authconform-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.yaml");
    std::fs::write(
        &path,
        "issuer:\n  alg: HS256\n  key: { secret_env: A, secret_file: b }\nprincipals:\n  alice: { sub: alice }\n",
    )
    .unwrap();
    let err = Profile::load(&path).unwrap_err().to_string();
    assert!(err.contains("issuer.key: give exactly one of"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes `text` as a profile beside an HS256 secret file and loads it.
fn load_text(name: &str, text: &str) -> Result<Profile, ProfileError> {
    let dir = std::env::temp_dir().join(format!("authconform-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s"), "0123456789abcdef0123456789abcdef").unwrap();
    let path = dir.join("p.yaml");
    std::fs::write(&path, text).unwrap();
    let loaded = Profile::load(&path);
    std::fs::remove_dir_all(&dir).unwrap();
    loaded
}

fn claims_of(profile: &Profile, name: &str) -> serde_json::Value {
    let principal = &profile.principals[name];
    serde_json::Value::Object(profile.issuer.claims(principal, 100))
}

#[test]
fn claims_are_shaped_as_the_issuer_makes_them() {
    // No iss/aud given: none in the token; `null` leaves a claim out; integer ids are numbers.
    let profile = load_text(
        "claims",
        "issuer:\n  alg: HS256\n  key: { secret_file: s }\n  user_claim: user_id\n  user_id_type: integer\n  preset: shared-secret\nprincipals:\n  alice: { sub: \"7\", claims: { iat: null, role: admin } }\n",
    )
    .unwrap();
    assert_eq!(
        claims_of(&profile, "alice"),
        serde_json::json!({"user_id": 7, "exp": 1000, "email": "alice@example.test", "role": "admin"})
    );
    // Better Auth's payload; a nested identity claim.
    let profile = load_text(
        "preset",
        "issuer:\n  alg: HS256\n  key: { secret_file: s }\n  preset: better-auth\n  iss: http://a\n  aud: http://a\n  user_claim: /user/id\nprincipals:\n  bob: { sub: u-2 }\n",
    )
    .unwrap();
    let claims = claims_of(&profile, "bob");
    assert_eq!(claims["user"], serde_json::json!({"id": "u-2"}));
    assert_eq!(claims["id"], "u-2");
    assert_eq!(claims["name"], "Bob");
    assert_eq!(claims["email"], "bob@example.test");
    assert_eq!(claims["image"], serde_json::Value::Null);
    assert_eq!(claims["iss"], "http://a");
}

#[test]
fn ids_and_claims_are_checked() {
    let base = "issuer:\n  alg: HS256\n  key: { secret_file: s }\n";
    let err = load_text(
        "int",
        &format!("{base}  user_id_type: integer\nprincipals:\n  a: {{ sub: abc }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("principals.a.sub: \"abc\" is not an integer"),
        "{err}"
    );
    let err = load_text(
        "iss",
        &format!("{base}  iss: \"\"\nprincipals:\n  a: {{ sub: a }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("issuer.iss: empty"), "{err}");
    let err = load_text(
        "nosub",
        &format!("{base}principals:\n  a: {{ claims: {{ x: 1 }} }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("principals.a.sub: give the user id"), "{err}");
}

#[test]
fn per_case_users_need_minted_tokens_and_derivable_ids() {
    let base = "per_case_users: true\nissuer:\n  alg: HS256\n  key: { secret_file: s }\n";
    let ok = load_text("pcu-ok", &format!("{base}principals:\n  a: {{ sub: a }}\n")).unwrap();
    assert!(ok.per_case_users);
    let err = |name: &str, text: String| load_text(name, &text).unwrap_err().to_string();
    let int = err(
        "pcu-int",
        format!("{base}  user_id_type: integer\nprincipals:\n  a: {{ sub: \"7\" }}\n"),
    );
    assert!(int.contains("per_case_users: integer user ids"), "{int}");
    let env = err(
        "pcu-env",
        format!("{base}principals:\n  a: {{ sub: a, token: {{ env: A_TOKEN }} }}\n"),
    );
    assert!(
        env.contains("principal `a` gets its token from the real issuer"),
        "{env}"
    );
    let mcp = err(
        "pcu-mcp",
        format!(
            "{base}services:\n  tools: {{ base_url: \"http://127.0.0.1:9\", mcp_session: /mcp }}\nprincipals:\n  a: {{ sub: a }}\n"
        ),
    );
    assert!(mcp.contains("services.tools.mcp_session"), "{mcp}");
}

#[test]
fn tokens_from_the_real_issuer_need_no_key() {
    let keyless = "issuer:\n  alg: EdDSA\nlogins:\n  ba:\n    steps:\n      - path: /api/auth/token\n        extract: { token: { json: /token } }\n";
    let profile = load_text(
        "keyless",
        &format!("{keyless}principals:\n  a: {{ token: {{ login: ba, vars: {{ email: a@x }} }} }}\n  b: {{ token: {{ env: B_TOKEN }} }}\n"),
    )
    .unwrap();
    assert!(!profile.holds_issuer_key());
    assert!(profile.target_keys.is_empty());
    assert_eq!(
        profile.token_sources["b"],
        TokenSource::Env("B_TOKEN".into())
    );
    let err = load_text(
        "nokey",
        &format!("{keyless}principals:\n  a: {{ sub: a }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("principals.a.token: the issuer's key is not given"),
        "{err}"
    );
    let err = load_text(
        "badlogin",
        &format!("{keyless}principals:\n  a: {{ token: {{ login: bb }} }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no login flow `bb`") && err.contains("did you mean `ba`"),
        "{err}"
    );
    let err = load_text(
        "claimsset",
        &format!("{keyless}principals:\n  a: {{ token: {{ env: A }}, claims: {{ x: 1 }} }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("their claims cannot be set here"), "{err}");
    let err = load_text(
        "two",
        &format!("{keyless}principals:\n  a: {{ token: {{ env: A, command: [x] }} }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("give exactly one of `login`, `env`, `command`"),
        "{err}"
    );
}
