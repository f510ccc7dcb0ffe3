//! Snapshots of the reports of one hand-built run (see `common::sample_run`): the terminal summary
//! (non-TTY, no colours), the JUnit XML and the JSON report.

mod common;

use authconform::report;
use authconform::runner::Verdict;
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
