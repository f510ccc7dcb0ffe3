//! No false alarms: the whole bundled suite passes against the reference server making each legitimate
//! choice the spec leaves open (section 5): another challenge text, MCP refusals as HTTP 403, 400 for
//! schema errors, 404 for another user's path, FastAPI-shaped error bodies, 200 instead of 201/204.

mod suite_common;

use authconform::embedded::ReferenceOptions;
use authconform::profile::Profile;
use reference_server::Style;
use suite_common::{assert_gate, profile, run_suite};

async fn styled(styles: &[Style]) {
    let options = ReferenceOptions {
        styles: styles.to_vec(),
        ..ReferenceOptions::default()
    };
    // Each style in the profile it is declared in.
    let declared = styles
        .iter()
        .fold(Profile::clone(&profile(None)), |profile, style| {
            authconform::selftest::profile_for_style(*style, &profile)
        });
    let outcome = run_suite(std::sync::Arc::new(declared), options).await;
    let names: Vec<&str> = styles.iter().map(|s| s.id()).collect();
    assert_gate(&names.join("+"), &outcome.result, 2000);
    assert_eq!(
        outcome.issuer_fetches, None,
        "the embedded profile hosts no issuer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_challenge() {
    styled(&[Style::VerboseChallenge]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_challenge() {
    // A bare `Bearer` challenge is a conformance note, never a failure.
    let options = ReferenceOptions {
        styles: vec![Style::BareChallenge],
        ..ReferenceOptions::default()
    };
    let outcome = run_suite(profile(None), options).await;
    assert_gate("bare-challenge", &outcome.result, 2000);
    let notes: std::collections::BTreeSet<&str> = outcome
        .result
        .cases
        .iter()
        .filter(|case| case.verdict == authconform::outcome::Verdict::Note)
        .map(|case| case.weakness.id.as_str())
        .collect();
    assert_eq!(
        notes,
        std::collections::BTreeSet::from(["invalid-token-error-missing"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_token_403() {
    // FastAPI's legacy 403 for a missing token passes where the profile declares it, and is named
    // `forbidden-instead-of-401`, and nothing else, where it does not.
    let options = || ReferenceOptions {
        styles: vec![Style::MissingToken403],
        ..ReferenceOptions::default()
    };
    let declared = authconform::selftest::profile_for_style(Style::MissingToken403, &profile(None));
    let outcome = run_suite(std::sync::Arc::new(declared), options()).await;
    assert_gate("missing-token-403", &outcome.result, 2000);
    let undeclared = run_suite(profile(None), options()).await;
    let named: std::collections::BTreeSet<&str> = undeclared
        .result
        .cases
        .iter()
        .filter(|case| case.verdict == authconform::outcome::Verdict::Fail)
        .map(|case| case.weakness.id.as_str())
        .collect();
    assert_eq!(
        named,
        std::collections::BTreeSet::from(["forbidden-instead-of-401"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_http_403() {
    styled(&[Style::McpHttp403]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_400() {
    styled(&[Style::Validation400]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_user_404() {
    styled(&[Style::PathUser404]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_errors() {
    styled(&[Style::DetailErrors]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_200() {
    styled(&[Style::Success200]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_style_at_once() {
    styled(Style::ALL).await;
}

#[test]
fn every_style_has_its_own_test() {
    let source = std::fs::read_to_string("tests/suite_styles.rs").unwrap();
    for style in Style::ALL {
        let name = format!("async fn {}()", style.id().replace('-', "_"));
        assert!(source.contains(&name), "no test for style {}", style.id());
    }
}
