//! Tests of `terminal`.

use std::num::NonZeroU32;
use std::time::Duration;

use super::*;
use crate::outcome::{CaseResult, HaltCause, Halted, Load, LoadLimits};

/// A run of one case passed and one not run, stopped by `cause`, under `limits`.
fn stopped_run(cause: HaltCause, limits: LoadLimits) -> RunResult {
    let mut not_run = CaseResult::sample(Verdict::Skipped, Vec::new());
    not_run.reason = "not run: the request budget (--max-requests 40) ran out".into();
    let mut run = RunResult {
        target: "http://127.0.0.1:8000".into(),
        scenarios: Vec::new(),
        cases: vec![CaseResult::sample(Verdict::Pass, Vec::new()), not_run],
        duration: Duration::from_secs(3),
        conditions: Default::default(),
        gate: Default::default(),
    };
    run.conditions.halted = Some(Halted {
        cause,
        cases_run: 1,
        cases_total: 2,
        last_answer: None,
    });
    run.conditions.load = Load {
        limits,
        requests: 45,
        case_requests: 40,
        case_time: Duration::from_millis(2000),
    };
    run
}

#[test]
fn the_load_limits_and_the_measured_rate_are_said_when_a_limit_is_set() {
    let limits = LoadLimits {
        rate: NonZeroU32::new(20),
        max_requests: Some(40),
        time_budget: Some(Duration::from_secs(600)),
    };
    let text = summary(&stopped_run(HaltCause::MaxRequests(40), limits), false);
    assert!(
        text.contains(
            "load (--rate 20, --max-requests 40, --time-budget 10m): 45 requests sent to the target, 40 of them in 2.0 s of cases (20.0 requests/s)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "gate: FAILED (the run stopped early, 1 of 2 cases run: the request budget (--max-requests 40) ran out)"
        ),
        "{text}"
    );
    let unlimited = summary(
        &stopped_run(HaltCause::MaxRequests(40), LoadLimits::default()),
        false,
    );
    assert!(!unlimited.contains("load ("), "{unlimited}");
}

#[test]
fn a_target_that_stopped_answering_is_named_in_the_gate_line() {
    let cause = HaltCause::TargetSilent {
        failures: 20,
        last_failure: "cannot connect: refused".into(),
    };
    let text = summary(&stopped_run(cause, LoadLimits::default()), false);
    assert!(
        text.contains(
            "gate: FAILED (the run stopped early, 1 of 2 cases run: the target stopped answering)"
        ),
        "{text}"
    );
}
