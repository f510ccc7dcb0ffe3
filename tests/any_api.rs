//! The generic-API path end to end: the reference server mounted under another prefix with renamed
//! parameters (its `items` route layout), a profile written by `authconform init` from the server's own
//! `/openapi.json` with only the key lines edited, a run that passes; and the same run failing, with the
//! weakness named, when a flaw is switched on. Real HTTP over loopback, real SQLite, real signatures.

use std::path::{Path, PathBuf};

use authconform::embedded::{EmbeddedReference, ReferenceOptions};
use reference_server::RouteLayout;
use reference_server::flaws::Flaw;

mod binary;

use binary::Output;

/// Runs the binary off the async runtime's worker threads.
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || binary::run(&args))
        .await
        .expect("the command finished")
}

fn scratch(name: &str) -> PathBuf {
    binary::scratch("any-api", name)
}

async fn items_server(flaw: Option<Flaw>) -> std::sync::Arc<EmbeddedReference> {
    EmbeddedReference::start(ReferenceOptions {
        routes: RouteLayout::Items,
        flaw,
        ..ReferenceOptions::default()
    })
    .await
    .expect("the reference server starts")
}

/// `init` against the server's `/openapi.json`, then the key edits a user makes: the TEST ONLY fixture
/// signing key and, for the key-confusion attacks, the public JWKS the server trusts.
async fn profile_from_init(base_url: &str, dir: &Path) -> PathBuf {
    let path = dir.join("items.yaml");
    let init = run(vec![
        "init".into(),
        "--openapi".into(),
        format!("{base_url}/openapi.json"),
        "--target".into(),
        base_url.into(),
        "--out".into(),
        path.display().to_string(),
    ])
    .await;
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(&path).unwrap();
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys/issuer");
    let edited = text
        .replace(
            "pem: TODO-path-to-test-signing-key.pem",
            &format!("pem: {}", keys.join("ed25519.pem").display()),
        )
        .replace(
            "# target_keys:\n",
            &format!(
                "target_keys:\n  jwks_file: {}\n",
                keys.join("jwks-ed25519.json").display()
            ),
        );
    assert_ne!(edited, text);
    std::fs::write(&path, edited).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_from_init_passes_the_clean_server_and_names_the_weakness_of_a_flawed_one() {
    let dir = scratch("e2e");
    let server = items_server(None).await;
    let base_url = server.base_url();
    let profile = profile_from_init(&base_url, &dir).await;
    let report = dir.join("clean.json");
    let clean = run(vec![
        "run".into(),
        "--target".into(),
        base_url.clone(),
        "--profile".into(),
        profile.display().to_string(),
        "--report".into(),
        format!("json:{}", report.display()),
    ])
    .await;
    server.shutdown().await;
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);
    assert!(
        clean
            .stderr
            .contains("written for the `todo` API are not run"),
        "{}",
        clean.stderr
    );
    // The generic scenarios ran, each on operations taken from the generated profile.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let cases = json["cases"].as_array().unwrap();
    for scenario in [
        "api-valid-token-accepted",
        "api-token-mutations",
        "api-path-user-mismatch",
        "api-object-read",
        "api-object-write",
        "api-list-scope",
        "api-malformed-tokens",
        "api-no-set-cookie",
        "api-cookie-only-refused",
    ] {
        let ran: Vec<&serde_json::Value> = cases
            .iter()
            .filter(|case| case["scenario"] == scenario && case["verdict"] == "pass")
            .collect();
        assert!(!ran.is_empty(), "{scenario} passed no case");
    }
    assert!(
        cases
            .iter()
            .any(|case| case["id"] == "api-object-read[operation=items.get]"),
        "the operation names come from init"
    );

    // The same profile, the same routes, one flaw at a time: the run fails and names the weakness.
    for (flaw, weakness) in [
        (Flaw::TaskReadIdor, "object-read-idor"),
        (Flaw::TaskWriteIdor, "object-write-idor"),
        (Flaw::PathUserNotChecked, "path-user-not-checked"),
        (Flaw::ListLeaksOtherUsers, "list-leaks-other-users"),
        (Flaw::AlgNoneAccepted, "alg-none-accepted"),
        (Flaw::SessionCookieAccepted, "session-cookie-accepted"),
    ] {
        let server = items_server(Some(flaw)).await;
        let flawed = run(vec![
            "run".into(),
            "--target".into(),
            server.base_url(),
            "--profile".into(),
            profile.display().to_string(),
            "--sample".into(),
            "40".into(),
            "--seed".into(),
            "7".into(),
        ])
        .await;
        server.shutdown().await;
        assert_eq!(flawed.code, 1, "{flaw:?}: {}", flawed.stdout);
        assert!(
            flawed.stdout.contains(&format!(". {weakness} (CWE-")),
            "{flaw:?}: {}",
            flawed.stdout
        );
        assert!(
            flawed.stderr.contains("--sample 40 --seed 7"),
            "{}",
            flawed.stderr
        );
    }
}
