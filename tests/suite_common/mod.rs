//! Running the bundled suite in-process against the embedded reference server, for the suite_* tests.
// Each suite_* test binary uses a part of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use authconform::embedded::{self, EmbeddedReference, ReferenceOptions};
use authconform::outcome::{RunResult, Verdict};
use authconform::profile::Profile;
use authconform::runner;
use authconform::scenario::{LoadOptions, Suite, load_suite};

/// The profile at `path`, or the embedded one.
pub fn profile(path: Option<&Path>) -> Arc<Profile> {
    Arc::new(match path {
        Some(path) => Profile::load(path).unwrap_or_else(|err| panic!("{}: {err}", path.display())),
        None => Profile::embedded_reference().unwrap(),
    })
}

/// The bundled scenarios for `profile`.
pub fn suite(profile: &Profile) -> Suite {
    load_suite(
        &[PathBuf::from("scenarios")],
        profile,
        &LoadOptions::for_profile(profile),
    )
    .unwrap_or_else(|errors| panic!("{errors:?}"))
}

/// What a run of the whole suite gave, and how often the hosted issuer (if any) was fetched.
pub struct Outcome {
    pub result: RunResult,
    pub issuer_fetches: Option<u64>,
}

/// Runs the whole bundled suite against the embedded reference server started with `options`, with
/// the hosted issuer of `profile` when it has one.
pub async fn run_suite(profile: Arc<Profile>, options: ReferenceOptions) -> Outcome {
    let suite = suite(&profile);
    let issuer = embedded::start_hosted_issuer(&profile).await.unwrap();
    let server = EmbeddedReference::start(options.with_issuer(issuer.as_ref()))
        .await
        .unwrap();
    let result = server
        .run_suite(
            &suite,
            profile,
            server.base_url(),
            runner::default_jobs(),
            7,
        )
        .await
        .expect("the embedded server is reachable");
    server.shutdown().await;
    Outcome {
        result,
        issuer_fetches: issuer.map(|issuer| issuer.fetch_count()),
    }
}

/// Every case passed or was skipped with a stated reason; at least `min_judged` cases were judged.
pub fn assert_gate(what: &str, result: &RunResult, min_judged: usize) {
    let bad: Vec<String> = result
        .cases
        .iter()
        .filter(|case| matches!(case.verdict, Verdict::Fail | Verdict::Error))
        .take(10)
        .map(|case| format!("{}: {:?}: {}", case.id, case.verdict, case.reason))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: a correct server failed:\n{}",
        bad.join("\n")
    );
    for case in &result.cases {
        if case.verdict == Verdict::Skipped {
            assert!(
                !case.reason.trim().is_empty(),
                "{what}: {} skipped silently",
                case.id
            );
        }
    }
    let judged = result
        .cases
        .iter()
        .filter(|case| matches!(case.verdict, Verdict::Pass | Verdict::Note))
        .count();
    assert!(judged >= min_judged, "{what}: only {judged} cases judged");
    assert!(result.gate_passed(), "{what}");
}
