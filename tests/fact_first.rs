//! The runner folds its fact cases first, as a batch, and every other case alone as it finishes. This
//! checks, on the reference server with flaws that set each fold to work, that the verdicts are
//! exactly what one fold over the whole run at its end gives (what the runner did before): the
//! unfolded results are taken from the progress callback and folded the old way.

mod suite_common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use authconform::embedded::{self, EmbeddedReference, ReferenceOptions};
use authconform::outcome::{CaseResult, RunResult};
use authconform::profile::Profile;
use authconform::runner::{self, RunEnvironment, RunOptions, attribution, controls};
use suite_common::{profile, suite};

/// Runs the suite against the reference server with `flaw`; returns the run and the results as each
/// case finished, before any fold, in case order.
async fn run(profile: Arc<Profile>, flaw: Option<&str>) -> (RunResult, Vec<CaseResult>) {
    let suite = suite(&profile);
    let options = ReferenceOptions {
        flaw: flaw.map(|id| id.parse().expect("a known flaw")),
        ..ReferenceOptions::default()
    };
    let issuer = embedded::start_hosted_issuer(&profile).await.unwrap();
    let server = EmbeddedReference::start(options.with_issuer(issuer.as_ref()))
        .await
        .unwrap();
    let run_options = RunOptions {
        base_url: server.base_url(),
        jobs: runner::default_jobs(),
        fail_fast: false,
        seed: 7,
        adaptive: false,
        strict: false,
        embedded: true,
        reveal_tokens: false,
        load: Default::default(),
        partition: None,
    };
    let environment = RunEnvironment {
        instances: Some(Arc::clone(&server) as Arc<dyn runner::Instances>),
        ..Default::default()
    };
    let finished = Arc::new(Mutex::new(HashMap::new()));
    let seen = Arc::clone(&finished);
    let on_case = Arc::new(move |case: &CaseResult| {
        seen.lock().unwrap().insert(case.id.clone(), case.clone());
    });
    let result = runner::run_with(&suite, profile, &run_options, on_case, environment)
        .await
        .expect("reachable");
    server.shutdown().await;
    let mut finished = finished.lock().unwrap();
    let unfolded = suite
        .cases
        .iter()
        .map(|case| finished.remove(&case.id).expect("every case reported"))
        .collect();
    (result, unfolded)
}

/// The verdicts of one fold over the whole run at its end.
fn folded_at_the_end(
    mut cases: Vec<CaseResult>,
    profile: &Profile,
    result: &RunResult,
) -> Vec<CaseResult> {
    let suite = suite(profile);
    let bindings: Vec<_> = suite.cases.iter().map(|c| c.bindings.clone()).collect();
    attribution::fold(&mut cases, &bindings, &profile.issuer);
    let in_run = controls::refused_in_run(&cases, &bindings);
    if let Some(refused) = controls::refused(&result.conditions.controls, in_run) {
        refused.withdraw(&mut cases, &bindings);
    }
    cases
}

/// The run's verdicts are those of one fold at the end, some fold changed a verdict, and `renamed`
/// shows in a weakness or a reason.
async fn same_verdicts(profile: Arc<Profile>, flaw: Option<&str>, renamed: &str) {
    let (result, unfolded) = run(Arc::clone(&profile), flaw).await;
    let expected = folded_at_the_end(unfolded.clone(), &profile, &result);
    assert_eq!(result.cases.len(), expected.len());
    let mut changed = 0;
    for ((got, want), before) in result.cases.iter().zip(&expected).zip(&unfolded) {
        assert_eq!(
            (&got.id, got.verdict, &got.weakness, &got.reason),
            (&want.id, want.verdict, &want.weakness, &want.reason),
            "{flaw:?}"
        );
        if (got.verdict, &got.reason) != (before.verdict, &before.reason) {
            changed += 1;
        }
    }
    assert!(changed > 0, "{flaw:?}: no fold changed any verdict");
    assert!(
        result
            .cases
            .iter()
            .any(|case| case.weakness.id == renamed || case.reason.contains(renamed)),
        "{flaw:?}: nothing named {renamed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unverified_signatures_are_named_as_at_the_end() {
    same_verdicts(
        profile(None),
        Some("signature-not-verified"),
        "signature-not-verified",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_access_of_another_user_is_named_as_at_the_end() {
    same_verdicts(
        profile(None),
        Some("path-user-not-checked"),
        "plain token already reaches",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_positive_controls_withdraw_as_at_the_end() {
    let mut refusing = profile(None).as_ref().clone();
    refusing.issuer.aud = Some("not-the-audience-the-target-expects".into());
    same_verdicts(Arc::new(refusing), None, "not judged").await;
}
