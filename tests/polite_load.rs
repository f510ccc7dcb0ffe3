//! Polite load: `--rate N` holds the requests to the target to N a second, measured where they
//! arrive (a counting proxy in front of the reference server), and the run's own measure agrees;
//! `--max-requests` and `--time-budget` stop a run early, never as a pass (exit 3, or 1 when a case
//! that ran found a weakness), said in words and in the JSON report; bad values are usage errors.

mod binary;
mod common;

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use authconform::embedded::start_reference_server;
use authconform::outcome::{LoadLimits, Verdict};
use authconform::profile::Profile;
use authconform::runner::{self, RunOptions};
use authconform::scenario::{LoadOptions, load_suite};
use common::proxy::Proxy;
use serde_json::Value;

/// The rate asked for.
const RATE: u32 = 200;
/// The most the measured rate may differ from [`RATE`], as a share of it.
const TOLERANCE: f64 = 0.10;
/// The least number of requests the cases must send at the rate (3 s at 200/s).
const LEAST_REQUESTS: u64 = 600;

/// The most arrivals in any span of one second.
fn most_in_one_second(arrivals: &[Instant]) -> usize {
    let mut most = 0;
    let mut first = 0;
    for (last, at) in arrivals.iter().enumerate() {
        while *at - arrivals[first] > Duration::from_secs(1) {
            first += 1;
        }
        most = most.max(last - first + 1);
    }
    most
}

fn within_tolerance(rate: f64) -> bool {
    let expected = f64::from(RATE);
    (rate - expected).abs() <= TOLERANCE * expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_holds_where_the_requests_arrive() {
    let profile = Profile::embedded_reference().unwrap();
    let options = LoadOptions::for_profile(&profile);
    let mut suite = load_suite(&[PathBuf::from("scenarios")], &profile, &options).unwrap();
    // Every case on the task list: a few requests each, several seconds at 200/s.
    suite
        .cases
        .retain(|case| case.id.contains("[operation=tasks.list,"));
    let server = start_reference_server(None).await.unwrap();
    let (proxy, url) = Proxy::start(server.base_url()).await;
    let options = RunOptions {
        base_url: url,
        jobs: runner::default_jobs(),
        adaptive: true,
        fail_fast: false,
        seed: 7,
        strict: false,
        embedded: false,
        reveal_tokens: false,
        load: LoadLimits {
            rate: NonZeroU32::new(RATE),
            ..LoadLimits::default()
        },
        partition: None,
    };
    let run = tokio::time::timeout(
        Duration::from_secs(120),
        runner::run(&suite, Arc::new(profile), &options, Arc::new(|_| {})),
    )
    .await
    .expect("the run ends")
    .expect("the target is reachable");
    server.shutdown().await;

    assert!(
        run.conditions.halted.is_none(),
        "{:?}",
        run.conditions.halted
    );
    let judged = run
        .cases
        .iter()
        .filter(|case| case.verdict != Verdict::Skipped)
        .count();
    assert!(judged >= 100, "{judged} cases judged");
    let load = &run.conditions.load;
    assert!(
        load.case_requests >= LEAST_REQUESTS,
        "too few requests to measure a rate: {load:?}"
    );
    // Where the requests arrive: every request the run sent, after the first (the probe, before the
    // attacker keys are made), at the rate; and never more than the rate (and a margin) in a second.
    let arrivals = proxy.arrivals();
    // (A request the proxy's own HTTP parser refuses, a header over its limit, never reaches it.)
    assert!(arrivals.len() as u64 <= load.requests, "{load:?}");
    let paced = &arrivals[1..];
    let span = (*paced.last().unwrap() - paced[0]).as_secs_f64();
    let at_the_target = (paced.len() - 1) as f64 / span;
    let most = most_in_one_second(&arrivals);
    eprintln!(
        "{} requests, {at_the_target:.1}/s at the target over {span:.2} s, at most {most} in a second; the run measured {:.1}/s",
        arrivals.len(),
        load.measured_rate()
    );
    assert!(
        within_tolerance(at_the_target),
        "{at_the_target:.1}/s at the target"
    );
    assert!(
        within_tolerance(load.measured_rate()),
        "the run measured {:.1}/s",
        load.measured_rate()
    );
    assert!(
        most as f64 <= f64::from(RATE) * (1.0 + TOLERANCE),
        "{most} requests in one second"
    );
}

/// Runs the binary against the embedded reference server with `args` and a JSON report: the
/// output and the report.
fn run_with_report(name: &str, args: &[&str]) -> (binary::Output, Value) {
    let report = binary::scratch("polite_load", name).join("report.json");
    let mut all: Vec<String> = vec!["run".into(), "--seed".into(), "1".into()];
    all.extend(args.iter().map(|arg| arg.to_string()));
    all.push("--report".into());
    all.push(format!("json:{}", report.display()));
    let out = binary::run(&all);
    let text = std::fs::read_to_string(&report)
        .unwrap_or_else(|err| panic!("no report ({err}):\n{}\n{}", out.stdout, out.stderr));
    (out, serde_json::from_str(&text).expect("valid JSON"))
}

/// The `X of Y cases were run` of a message.
fn how_far(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|line| line.contains(" cases were run"))
        .unwrap_or_else(|| panic!("how far the run got: {stderr}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

/// What a run stopped by a budget says and records: the cause, how far it got, every case not run
/// reported as such.
fn assert_stopped_by(out: &binary::Output, report: &Value, cause: &str, words: &str) {
    assert!(out.stderr.contains(words), "{}", out.stderr);
    let (ran, total) = how_far(&out.stderr);
    assert!(ran < total, "{ran} of {total}");
    assert_eq!(report["gate_passed"], false);
    let halted = &report["conditions"]["halted"];
    assert_eq!(halted["cause"], cause, "{halted}");
    assert_eq!(halted["failures"], Value::Null, "{halted}");
    assert_eq!(halted["cases_run"], ran, "{halted}");
    assert_eq!(halted["cases_total"], total, "{halted}");
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len() as u64, total, "every case is in the report");
    let not_run = cases
        .iter()
        .filter(|case| {
            case["reason"]
                .as_str()
                .is_some_and(|reason| reason.starts_with("not run: ") && reason.contains(words))
        })
        .count() as u64;
    assert_eq!(not_run, total - ran);
    let gate = out
        .stdout
        .lines()
        .find(|line| line.starts_with("gate: "))
        .unwrap_or_default();
    assert!(
        gate.starts_with("gate: FAILED (")
            && gate.contains(&format!(
                "the run stopped early, {ran} of {total} cases run: "
            )),
        "{gate}"
    );
}

#[test]
fn the_request_budget_stops_the_run_without_a_pass() {
    let (out, report) = run_with_report("max_requests", &["--max-requests", "150"]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert_stopped_by(
        &out,
        &report,
        "max-requests",
        "the request budget (--max-requests 150) ran out",
    );
    let load = &report["conditions"]["load"];
    assert_eq!(load["max_requests"], 150, "{load}");
    assert_eq!(load["rate"], Value::Null, "{load}");
    assert!(load["requests"].as_u64().unwrap() >= 150, "{load}");
    assert!(
        out.stdout.contains("load (--max-requests 150): "),
        "{}",
        out.stdout
    );
}

#[test]
fn the_time_budget_stops_the_run_without_a_pass() {
    let (out, report) = run_with_report("time_budget", &["--time-budget", "2s", "--rate", "50"]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert_stopped_by(
        &out,
        &report,
        "time-budget",
        "the time budget (--time-budget 2s) ran out",
    );
    let load = &report["conditions"]["load"];
    assert_eq!(load["time_budget_ms"], 2000, "{load}");
    assert_eq!(load["rate"], 50, "{load}");
    // 2 s at 50/s, then the cases in flight finish: far fewer than the suite's thousands.
    assert!(load["requests"].as_u64().unwrap() < 400, "{load}");
    assert!(
        out.stdout.contains("load (--rate 50, --time-budget 2s): "),
        "{}",
        out.stdout
    );
}

#[test]
fn a_weakness_found_before_the_budget_ran_out_fails_the_gate() {
    // Only the alg=none attacks, one case at a time, against a server that accepts them: the first
    // case fails, and the budget stops the run before its last case.
    let (out, report) = run_with_report(
        "weakness",
        &[
            "--reference-flaw",
            "alg-none-accepted",
            "--filter",
            "token-mutations*mutation=alg-none*",
            "--jobs",
            "1",
            "--max-requests",
            "30",
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_stopped_by(
        &out,
        &report,
        "max-requests",
        "the request budget (--max-requests 30) ran out",
    );
    assert!(
        out.stderr.contains("A case that ran found a weakness"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_values_are_usage_errors() {
    for (args, says) in [
        (&["--rate", "0"][..], "0 is not in 1..=10000"),
        (&["--rate=-5"][..], "-5 is not in 1..=10000"),
        (&["--rate", "1000000"][..], "1000000 is not in 1..=10000"),
        (&["--rate", "fast"][..], "invalid digit"),
        (&["--max-requests", "0"][..], "0 is not in 1..="),
        (&["--time-budget", "0s"][..], "must be at least 1s"),
        (
            &["--time-budget", "90"][..],
            "expected a duration such as 90s",
        ),
        (&["--time-budget", "30days"][..], "must be at most 7 days"),
    ] {
        let mut all = vec!["run"];
        all.extend_from_slice(args);
        let out = binary::run(&all);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}
