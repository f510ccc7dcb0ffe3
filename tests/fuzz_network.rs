//! `authconform fuzz` in-process against the embedded reference server, with a bounded number of cases:
//! a flaw that only a mutated token triggers is found and shrunk to a minimal, saved reproducer; the
//! clean server yields no finding.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use authconform::embedded::start_reference_server;
use authconform::fuzzing::net::{self, FindingKind, FuzzOptions, FuzzReport};
use authconform::profile::Profile;
use authconform::token::jws::CompactJws;
use authconform::token::keys::KeySet;
use reference_server::Flaw;
use reference_server::auth::{KeyStore, Verifier, VerifierSettings};
use serde_json::Value;

mod binary;

const CASES: u64 = 1500;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authconform-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn fuzz(flaw: Option<&str>, findings: &Path) -> FuzzReport {
    let server = start_reference_server(flaw)
        .await
        .expect("reference server starts");
    let profile = Arc::new(Profile::embedded_reference().expect("embedded profile"));
    let mut options = FuzzOptions::new(server.base_url(), profile);
    options.max_cases = Some(CASES);
    options.duration = Duration::from_secs(60);
    options.seed = 11;
    options.jobs = 8;
    options.findings_dir = Some(findings.to_path_buf());
    options.attacker = Some(Arc::new(
        KeySet::load(&root().join("fixtures/keys/attacker")).expect("attacker fixture keys"),
    ));
    let mut events = 0;
    let report = net::run(&options, &mut |_| events += 1)
        .await
        .expect("the fuzz run starts");
    server.shutdown().await;
    assert!(events >= 2, "started and final progress events");
    report
}

fn verifier(flaw: Option<Flaw>) -> Verifier {
    let jwks = std::fs::read(root().join("fixtures/keys/issuer/jwks-ed25519.json")).unwrap();
    Verifier::new(
        VerifierSettings {
            issuer: "http://localhost:3000".into(),
            audience: "http://localhost:3000".into(),
            algorithms: vec![jsonwebtoken::Algorithm::EdDSA],
            leeway: Duration::from_secs(30),
            flaw,
        },
        KeyStore::from_jwks_json(&jwks).unwrap(),
    )
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alg_none_is_found_and_shrunk_to_a_minimal_reproducer() {
    let dir = scratch("alg-none");
    let report = fuzz(Some("alg-none-accepted"), &dir).await;
    assert_eq!(report.progress.cases, CASES);
    let finding = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Enforcement)
        .unwrap_or_else(|| panic!("no enforcement finding: {:#?}", report.findings));
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.kind == FindingKind::Enforcement),
        "only the planted flaw is found: {:#?}",
        report.findings
    );
    assert_eq!(finding.status, Some(200));

    // Minimal: header {"alg": <none>} only, empty signature, only the claims the verifier needs.
    let token = finding.token.as_deref().expect("a token");
    let jws = CompactJws::parse(token.as_bytes());
    let header = jws
        .header()
        .and_then(Value::as_object)
        .expect("JSON header");
    assert_eq!(header.len(), 1, "{header:?}");
    assert!(header["alg"].as_str().unwrap().eq_ignore_ascii_case("none"));
    assert_eq!(jws.signature(), Some(&b""[..]));
    let claims = jws
        .claims()
        .and_then(Value::as_object)
        .expect("JSON claims");
    let mut names: Vec<&str> = claims.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["aud", "exp", "iss", "sub"],
        "extra claims shrunk away"
    );
    assert!(token.len() < finding.original_token.as_deref().unwrap().len());
    assert!(finding.shrink_steps > 0);

    // The minimal token is exactly what the flaw lets through.
    let t = now();
    assert!(
        verifier(Some(Flaw::AlgNoneAccepted))
            .verify_token(token, t)
            .is_ok()
    );
    assert!(verifier(None).verify_token(token, t).is_err());

    // Saved with a reproducer.
    let saved = finding.saved_to.as_deref().expect("saved");
    assert_eq!(saved, dir.join("enforcement-1"));
    let curl = std::fs::read_to_string(saved.join("curl.sh")).unwrap();
    assert!(curl.starts_with("#!/bin/sh\n") && curl.contains(&format!("Bearer {token}")));
    assert!(curl.contains("curl -i"));
    assert_eq!(
        std::fs::read_to_string(saved.join("token.txt")).unwrap(),
        format!("{token}\n")
    );
    let request = std::fs::read_to_string(saved.join("request.txt")).unwrap();
    assert!(
        request.starts_with("GET /api/") || request.starts_with("POST /mcp"),
        "{request}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("finding.json")).unwrap())
            .unwrap();
    assert_eq!(json["kind"], "enforcement");
    assert_eq!(json["token"], token);
    assert_eq!(json["seed"], 11);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_token_500_is_found_and_shrunk() {
    let dir = scratch("malformed-500");
    let report = fuzz(Some("malformed-token-500"), &dir).await;
    let finding = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Robustness && f.status == Some(500))
        .unwrap_or_else(|| panic!("no 500 finding: {:#?}", report.findings));
    let token = finding.token.as_deref().unwrap_or("");
    assert!(token.len() <= 2, "shrunk to a character or two: {token:?}");
    assert!(finding.curl().contains("curl -i"));
    assert!(dir.join("robustness-1/curl.sh").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_reference_server_yields_no_finding() {
    let dir = scratch("clean");
    let report = fuzz(None, &dir).await;
    assert_eq!(report.progress.cases, CASES);
    assert!(report.progress.requests >= CASES);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(
        report.notes.is_empty(),
        "canaries planted: {:?}",
        report.notes
    );
    assert!(!dir.exists(), "nothing saved");
}

/// `fuzz --duration 2s` keeps its bound as a whole command (start-up, the control, the campaign,
/// shrinking its findings and the report): at most the duration, its finish grace (a tenth of it)
/// and 5 s of slack for a loaded machine. A bound, not a speed test.
#[test]
fn fuzz_duration_bounds_the_whole_command() {
    let findings = binary::scratch("fuzz-network", "duration-bound");
    let started = std::time::Instant::now();
    let output = binary::authconform()
        .args([
            "fuzz",
            "--duration",
            "2s",
            "--seed",
            "5",
            "--reference-flaw",
        ])
        .arg("malformed-token-500")
        .arg("--findings")
        .arg(&findings)
        .output()
        .expect("the binary runs");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the flaw is found\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bound = Duration::from_secs(2) + net::finish_grace(Duration::from_secs(2));
    assert!(
        elapsed < bound + Duration::from_secs(5),
        "fuzz --duration 2s took {elapsed:?}\n{stdout}"
    );
}
