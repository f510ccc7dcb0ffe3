//! The whole bundled suite passes, unchanged, against the embedded reference server in every key mode
//! (only the profile differs): EdDSA with a JWKS file, EdDSA with a JWKS URL the harness hosts, RS256 and
//! ES256 against the multi-key JWKS, HS256 with a shared secret; and with random ids. Attacks that need a
//! key the mode does not have are skipped with a stated reason, never silently.

mod suite_common;

use authconform::embedded::{ReferenceMode, ReferenceOptions};
use authconform::outcome::Verdict;
use reference_server::config::IdMode;
use suite_common::{assert_gate, profile, run_suite};

async fn mode(mode: ReferenceMode) -> suite_common::Outcome {
    let options = ReferenceOptions {
        mode,
        ..ReferenceOptions::default()
    };
    let outcome = run_suite(profile(Some(&mode.profile_path())), options).await;
    assert_gate(mode.id(), &outcome.result, 2000);
    // A correct server in any key mode is named nothing, not even a conformance note.
    let notes: Vec<String> = outcome
        .result
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Note)
        .take(5)
        .map(|case| format!("{}: {}: {}", case.id, case.weakness.id, case.reason))
        .collect();
    assert!(notes.is_empty(), "{}: {notes:#?}", mode.id());
    outcome
}

fn skip_reasons(outcome: &suite_common::Outcome) -> Vec<&str> {
    outcome
        .result
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Skipped)
        .map(|case| case.reason.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eddsa_with_a_jwks_file() {
    let outcome = mode(ReferenceMode::EddsaJwks).await;
    assert_eq!(outcome.issuer_fetches, None);
    // The profile asks for per_case_users: each case's requests name its own alice (and bob), and no
    // two cases share one.
    let mut owners = std::collections::HashMap::new();
    for case in &outcome.result.cases {
        let ids: std::collections::BTreeSet<&str> = case
            .exchanges
            .iter()
            .filter_map(|exchange| exchange.request.url.split("/api/").nth(1))
            .filter_map(|rest| rest.split('/').next())
            .filter(|id| id.starts_with("alice") || id.starts_with("bob"))
            .collect();
        for id in ids {
            assert!(id.len() > "alice-".len(), "{}: {id}", case.id);
            if let Some(other) = owners.insert(id.to_string(), case.id.clone()) {
                assert_eq!(other, case.id, "{id} is used by two cases");
            }
        }
    }
    assert!(owners.len() > 1000, "{} user ids", owners.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_shared_by_every_case_pass_too() {
    let mut profile = profile(None).as_ref().clone();
    profile.per_case_users = false;
    let outcome = run_suite(std::sync::Arc::new(profile), ReferenceOptions::default()).await;
    assert_gate("shared users", &outcome.result, 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eddsa_with_a_jwks_url_served_by_the_hosted_issuer() {
    let outcome = mode(ReferenceMode::EddsaJwksUrl).await;
    let fetches = outcome
        .issuer_fetches
        .expect("the profile has a hosted issuer");
    // FR-022/FR-024: each server start fetches once, and each instance refreshes at most once per
    // 10 s cooldown, never per request (the run sends thousands of tokens, hundreds with unknown
    // kids). Three starts: the target, the second instance, and its restart.
    let cooldowns = outcome.result.duration.as_secs() / 10;
    let requests = outcome.result.cases.len();
    assert!(
        (1..=3 * (2 + cooldowns)).contains(&fetches) && (fetches as usize) < requests / 100,
        "{fetches} JWKS fetches in {:?}",
        outcome.result.duration
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rs256_against_the_multi_key_jwks() {
    mode(ReferenceMode::Rs256).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es256_against_the_multi_key_jwks() {
    let outcome = mode(ReferenceMode::Es256).await;
    // ECDSA forgeries apply here (psychic signatures need an EC issuer) and are run, not skipped.
    assert!(
        outcome
            .result
            .cases
            .iter()
            .any(|c| c.id.contains("ecdsa-psychic-signature") && c.verdict == Verdict::Pass)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_with_a_shared_secret_skips_public_key_attacks_with_the_reason() {
    let outcome = mode(ReferenceMode::Hs256).await;
    let reasons = skip_reasons(&outcome);
    let confusion = outcome
        .result
        .cases
        .iter()
        .find(|c| c.id.contains("mutation=hs256-with-public-key-pem]"))
        .expect("key confusion is in the suite");
    assert_eq!(confusion.verdict, Verdict::Skipped);
    assert!(
        confusion.reason.contains("shared secret"),
        "{}",
        confusion.reason
    );
    assert!(
        reasons.iter().all(|r| r.starts_with("not applicable: ")),
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_unguessable_ids() {
    let options = ReferenceOptions {
        ids: IdMode::Random,
        ..ReferenceOptions::default()
    };
    let outcome = run_suite(profile(None), options).await;
    assert_gate("random ids", &outcome.result, 2000);
}
