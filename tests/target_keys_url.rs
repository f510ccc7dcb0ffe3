//! A profile can name the target's JWKS by URL: the run fetches it first (no token, no redirects) and the
//! key-confusion attacks then use the fetched key.

use std::path::PathBuf;
use std::sync::Arc;

use authconform::embedded::start_reference_server;
use authconform::outcome::Verdict;
use authconform::profile::Profile;
use authconform::runner::filter::CaseFilter;
use authconform::runner::{RunError, RunOptions, run};
use authconform::scenario::{LoadOptions, load_suite};
use authconform::wire::issuer::{HostedIssuer, issuer_jwks};

/// The key-confusion cases of one operation, with the profile's target keys taken from `url`.
async fn run_key_confusion(url: String, flaw: Option<&str>) -> Result<Vec<Verdict>, RunError> {
    let mut profile = Profile::embedded_reference().unwrap();
    profile.target_keys.clear();
    profile.target_keys_url = Some(url);
    let options = LoadOptions::for_profile(&profile);
    let suite = load_suite(&[PathBuf::from("scenarios")], &profile, &options).unwrap();
    let filter = CaseFilter::parse(&[
        "token-mutations-algorithm[operation=tasks.list,mutation=hs256-with-public-key-pem]".into(),
    ])
    .unwrap();
    let suite = filter.apply(suite);
    assert_eq!(suite.cases.len(), 1);
    let server = start_reference_server(flaw).await.unwrap();
    let options = RunOptions {
        base_url: server.base_url(),
        jobs: 2,
        fail_fast: false,
        seed: 1,
        adaptive: false,
        strict: false,
        embedded: false,
        reveal_tokens: false,
        load: Default::default(),
        partition: None,
    };
    let result = run(&suite, Arc::new(profile), &options, Arc::new(|_| {})).await;
    server.shutdown().await;
    result.map(|run| run.cases.iter().map(|case| case.verdict).collect())
}

#[tokio::test]
async fn fetched_keys_feed_the_key_confusion_attacks() {
    let profile = Profile::embedded_reference().unwrap();
    let issuer = HostedIssuer::start(
        "127.0.0.1:0".parse().unwrap(),
        &issuer_jwks(&profile.issuer).unwrap(),
    )
    .await
    .unwrap();
    // With the key, the attack runs: refused by the clean server, accepted by the flawed one.
    let clean = run_key_confusion(issuer.jwks_url(), None).await.unwrap();
    assert_eq!(clean, vec![Verdict::Pass]);
    let flawed = run_key_confusion(issuer.jwks_url(), Some("hs-key-confusion"))
        .await
        .unwrap();
    assert_eq!(flawed, vec![Verdict::Fail]);
    assert!(issuer.fetch_count() >= 2);
}

#[tokio::test]
async fn a_jwks_url_that_does_not_answer_200_stops_the_run() {
    let issuer = HostedIssuer::start(
        "127.0.0.1:0".parse().unwrap(),
        &serde_json::json!({ "keys": [] }),
    )
    .await
    .unwrap();
    let missing = format!("{}/no/such/jwks.json", issuer.base_url());
    let err = run_key_confusion(missing, None).await.unwrap_err();
    assert!(err.to_string().contains("answered 404"), "{err}");
}
