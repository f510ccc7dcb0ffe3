//! Against a target the harness did not start, the cases that need the embedded reference server (a
//! second instance, a restart) are skipped with that reason; every other case runs.

mod suite_common;

use std::sync::Arc;

use authconform::embedded::{EmbeddedReference, ReferenceOptions};
use authconform::outcome::{CaseResult, Verdict};
use authconform::runner::instances::NEEDS_EMBEDDED;
use authconform::runner::{self, RunOptions};
use authconform::scenario::Suite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_cases_are_skipped_with_the_reason_against_an_external_target() {
    let profile = suite_common::profile(None);
    let full = suite_common::suite(&profile);
    let suite = Suite {
        scenarios: full.scenarios.clone(),
        cases: full
            .cases
            .iter()
            .filter(|case| full.scenarios[case.scenario].id.starts_with("stateless"))
            .cloned()
            .collect(),
        ..Suite::default()
    };
    let needing = suite
        .cases
        .iter()
        .filter(|case| case.needs_embedded())
        .count();
    assert!(needing >= 2, "{needing}");
    // The same server, but run as an external target: no instance control.
    let server = EmbeddedReference::start(ReferenceOptions::default())
        .await
        .unwrap();
    let options = RunOptions {
        base_url: server.base_url(),
        jobs: 4,
        fail_fast: false,
        seed: 3,
        adaptive: false,
        strict: false,
        embedded: false,
        reveal_tokens: false,
        load: Default::default(),
        partition: None,
    };
    let result = runner::run(
        &suite,
        Arc::clone(&profile),
        &options,
        Arc::new(|_: &CaseResult| {}),
    )
    .await
    .unwrap();
    server.shutdown().await;
    for (case, outcome) in suite.cases.iter().zip(&result.cases) {
        if case.needs_embedded() {
            assert_eq!(outcome.verdict, Verdict::Skipped, "{}", outcome.id);
            assert_eq!(outcome.reason, NEEDS_EMBEDDED);
            assert!(
                outcome.exchanges.is_empty(),
                "nothing was sent: {}",
                outcome.id
            );
        } else {
            assert_eq!(
                outcome.verdict,
                Verdict::Pass,
                "{}: {}",
                outcome.id,
                outcome.reason
            );
        }
    }
}
