//! Snapshots of the reports of one hand-built run (see `common::sample_run`): the terminal summary
//! (non-TTY, no colours), the JUnit XML and the JSON report.

mod common;

use authconform::outcome::Verdict;
use authconform::report;
use common::sample_run;

#[test]
fn sample_run_has_what_the_snapshots_claim() {
    let run = sample_run();
    let count = |verdict| {
        run.cases
            .iter()
            .filter(|case| case.verdict == verdict)
            .count()
    };
    assert_eq!(
        (
            count(Verdict::Pass),
            count(Verdict::Fail),
            count(Verdict::Error),
            count(Verdict::Skipped)
        ),
        (3, 4, 1, 1)
    );
    let groups = authconform::verdict::group::weaknesses(&run);
    let sizes: Vec<(&str, usize)> = groups
        .iter()
        .map(|g| (g.weakness.id.as_str(), g.cases.len()))
        .collect();
    assert_eq!(sizes, [("alg-none-accepted", 3), ("task-read-idor", 1)]);
    assert!(!run.gate_passed());
}

#[test]
fn terminal_summary() {
    let text = report::terminal::summary(&sample_run(), false);
    assert!(!text.contains('\u{1b}'), "no ANSI escapes without colours");
    insta::assert_snapshot!(text);
}

#[test]
fn terminal_summary_of_a_clean_run() {
    let mut run = sample_run();
    run.cases
        .retain(|case| matches!(case.verdict, Verdict::Pass | Verdict::Skipped));
    insta::assert_snapshot!(report::terminal::summary(&run, false));
}

#[test]
fn terminal_summary_colours_only_when_asked() {
    console::set_colors_enabled(true);
    let coloured = report::terminal::summary(&sample_run(), true);
    assert!(coloured.contains('\u{1b}'), "colours on a terminal");
    assert_eq!(
        console::strip_ansi_codes(&coloured),
        report::terminal::summary(&sample_run(), false)
    );
}

#[test]
fn junit_report() {
    let xml = report::junit::report(&sample_run()).expect("serialisable");
    insta::assert_snapshot!(xml);
}

#[test]
fn json_report() {
    insta::assert_json_snapshot!(report::json::report(&sample_run()));
}

#[test]
fn terminal_summary_of_notes_controls_capacity_and_transport_errors() {
    use authconform::outcome::{Cleanup, Control, NotDeleted, RunConditions};
    let mut run = sample_run();
    run.cases
        .retain(|case| matches!(case.verdict, Verdict::Pass | Verdict::Skipped));
    let mut note = run.cases[0].clone();
    note.id = "token-mutations[mutation=crit-unknown-extension]".into();
    note.verdict = Verdict::Note;
    note.weakness.id = "critical-header-ignored".into();
    note.reason = "accepted: answered 200 where 401 was expected".into();
    let mut unstable = run.cases[0].clone();
    unstable.id = "token-mutations[mutation=expired]".into();
    unstable.verdict = Verdict::Error;
    unstable.reason = "transport error: broken response: connection reset".into();
    run.cases.extend([note, unstable]);
    run.conditions = RunConditions {
        embedded: false,
        profile: None,
        jobs: 9,
        first_fault_at: Some(8),
        load_5xx: 2,
        controls: vec![Control {
            operation: "tasks.list.pending".into(),
            principal: "alice".into(),
            status: Some(401),
            problem: "a valid token was answered 401 (WWW-Authenticate: Bearer)".into(),
        }],
        halted: None,
        load: Default::default(),
        interrupted: false,
        cleanup: Some(Cleanup {
            skipped: None,
            recorded: 12,
            deleted: 8,
            gone: 1,
            failed: vec![NotDeleted {
                kind: "task_id".into(),
                id: "17".into(),
                owner: "alice".into(),
                case: "task-bola-read".into(),
                reason: "tasks.delete answered 500".into(),
            }],
            not_deletable: vec![("conversation_id".into(), 2)],
        }),
        ..RunConditions::default()
    };
    let text = report::terminal::summary(&run, false);
    assert!(!run.gate_passed(), "a failed control fails the gate");
    insta::assert_snapshot!(text);
}

/// The JSON report written case by case is the same document as the value.
#[test]
fn json_report_written_streaming_is_the_same_document() {
    let run = sample_run();
    let mut written = Vec::new();
    report::json::write(&run, &mut written).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(parsed, report::json::report(&run));
}

/// Every report written as the run goes (each case as it arrives, then the end from the summary,
/// passing cases one line) is byte for byte the report of the whole run.
#[test]
fn reports_written_as_the_run_goes_are_the_reports_of_the_whole_run() {
    use authconform::outcome::RunResult;
    use authconform::report::{AtTheEnd, replay};
    let run = sample_run();
    let mut streamed = Vec::new();
    replay(&run, &mut report::json::Streaming::new(&mut streamed)).unwrap();
    let whole = serde_json::to_string_pretty(&report::json::report(&run)).unwrap();
    assert_eq!(String::from_utf8(streamed).unwrap(), whole);
    let formats: [(&str, report::Render); 4] = [
        ("junit", |run| {
            Ok(report::junit::report(run).unwrap().into_bytes())
        }),
        ("sarif", |run| {
            Ok(serde_json::to_vec_pretty(&report::sarif::report(run))?)
        }),
        ("markdown", |run| {
            Ok(report::markdown::report(run).into_bytes())
        }),
        ("html", |run| Ok(report::html::report(run).into_bytes())),
    ];
    for (name, render) in formats {
        let mut streamed = Vec::new();
        replay(&run, &mut AtTheEnd::new(&mut streamed, render)).unwrap();
        assert_eq!(streamed, render(&run).unwrap(), "{name}");
    }
    let summary = |run: &RunResult| {
        let mut run = run.clone();
        run.cases.iter_mut().for_each(report::gone_by);
        run
    };
    assert_eq!(
        report::terminal::summary(&summary(&run), false),
        report::terminal::summary(&run, false)
    );
}

/// The sample run with a waiver file and a baseline applied: alg-none-accepted waived, an expired
/// waiver on task-read-idor (in the baseline, but an expired waiver fails the gate anyway), a stale
/// waiver, and one failure of the baseline fixed since.
fn waived_run() -> authconform::outcome::RunResult {
    use authconform::verdict::baseline::Baseline;
    use authconform::verdict::gate::apply;
    use authconform::verdict::waiver::{KnownNames, Waivers, parse_date};
    let text = "waivers:\n\
        - weakness: alg-none-accepted\n  reason: legacy verifier, replaced in JIRA-123\n  owner: team-auth@example.com\n  expires: 2027-03-31\n\
        - weakness: task-read-idor\n  reason: old tasks API\n  owner: team-tasks@example.com\n  expires: 2026-11-30\n\
        - weakness: missing-www-authenticate\n  reason: fixed last week\n  owner: team-gw@example.com\n  expires: 2027-01-31\n";
    let waivers = Waivers::parse(
        std::path::Path::new("waivers.yaml"),
        text,
        &KnownNames::default(),
    )
    .unwrap();
    let mut run = sample_run();
    let mut findings: std::collections::BTreeSet<(String, String)> = run
        .cases
        .iter()
        .filter(|case| case.verdict == Verdict::Fail && case.weakness.id == "task-read-idor")
        .map(|case| (case.weakness.id.clone(), case.id.clone()))
        .collect();
    let passing = run
        .cases
        .iter()
        .find(|case| case.verdict == Verdict::Pass)
        .unwrap();
    findings.insert(("no-set-cookie".into(), passing.id.clone()));
    let baseline = Baseline {
        file: "previous.json".into(),
        findings,
    };
    apply(
        &mut run,
        Some(waivers),
        Some(baseline),
        parse_date("2026-12-07").unwrap(),
    );
    run
}

#[test]
fn terminal_summary_of_a_run_with_waivers_and_a_baseline() {
    let run = waived_run();
    assert!(!run.gate_passed(), "the expired waiver fails the gate");
    insta::assert_snapshot!(report::terminal::summary(&run, false));
}

#[test]
fn reports_of_a_waived_run_written_as_it_goes_are_the_reports_of_the_whole_run() {
    use authconform::report::replay;
    let run = waived_run();
    let mut streamed = Vec::new();
    replay(&run, &mut report::json::Streaming::new(&mut streamed)).unwrap();
    let whole = serde_json::to_string_pretty(&report::json::report(&run)).unwrap();
    assert_eq!(String::from_utf8(streamed).unwrap(), whole);
    let value = report::json::report(&run);
    assert_eq!(value["waived"][0]["id"], "alg-none-accepted");
    assert_eq!(
        value["gate"]["expired_waivers"][0]["weakness"],
        "task-read-idor"
    );
    assert_eq!(
        value["gate"]["stale_waivers"][0]["weakness"],
        "missing-www-authenticate"
    );
    assert_eq!(value["gate"]["absent"][0]["weakness"], "no-set-cookie");
}
