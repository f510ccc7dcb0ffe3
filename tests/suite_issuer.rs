//! `authconform issuer` serves the profile issuer's public JWKS until stopped.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn issuer_serves_the_public_jwks_on_both_paths() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authconform"))
        .args([
            "issuer",
            "--profile",
            "fixtures/profiles/reference-eddsa-jwks-url.yaml",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("authconform starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("serving ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bodies: Vec<serde_json::Value> = runtime.block_on(async {
        let mut bodies = Vec::new();
        for path in ["/.well-known/jwks.json", "/api/auth/jwks"] {
            let response = reqwest::get(format!("{base}{path}")).await.unwrap();
            assert_eq!(response.status(), 200);
            bodies.push(response.json().await.unwrap());
        }
        bodies
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/keys/issuer/jwks-ed25519.json").unwrap(),
    )
    .unwrap();
    for body in bodies {
        assert_eq!(body["keys"][0]["kid"], "test-ed25519");
        assert_eq!(body["keys"][0]["x"], expected["keys"][0]["x"]);
        assert!(body["keys"][0].get("d").is_none());
    }
}

#[test]
fn an_hmac_profile_has_no_public_key_to_serve() {
    let out = Command::new(env!("CARGO_BIN_EXE_authconform"))
        .args([
            "issuer",
            "--profile",
            "fixtures/profiles/reference-hs256.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no public key to publish"));
}
