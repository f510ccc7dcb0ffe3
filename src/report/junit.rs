//! The JUnit XML report (`--report junit:PATH`): one testsuite per criterion, one testcase per case.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::reproducer;
use crate::outcome::{RunResult, Verdict};
use crate::scenario::plan::Category;

/// The report as XML text.
pub fn report(run: &RunResult) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new("authconform");
    report.set_time(run.duration);
    for category in Category::ALL {
        let mut suite = TestSuite::new(category.as_str());
        for case in run.cases.iter().filter(|case| case.category == category) {
            let status = match case.verdict {
                // A waived failure is skipped, with the waiver: not a failure of the job, not a pass.
                Verdict::Fail if case.gate.waived() => {
                    let mut status = TestCaseStatus::skipped();
                    if let Some(waiver) = &case.gate.waiver {
                        status.set_message(format!(
                            "waived: {}: {} ({})",
                            case.weakness.id,
                            waiver.reason,
                            waiver.describe()
                        ));
                    }
                    status.set_type("waived");
                    status.set_description(case.reason.clone());
                    status
                }
                Verdict::Pass | Verdict::Note => TestCaseStatus::success(),
                Verdict::Skipped => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(case.reason.clone());
                    status
                }
                Verdict::Fail | Verdict::Error => {
                    let kind = if case.verdict == Verdict::Fail {
                        NonSuccessKind::Failure
                    } else {
                        NonSuccessKind::Error
                    };
                    let mut status = TestCaseStatus::non_success(kind);
                    status.set_message(match &case.gate.waiver {
                        Some(waiver) => {
                            format!("{} (waiver expired: {})", case.reason, waiver.describe())
                        }
                        None => case.reason.clone(),
                    });
                    status.set_type(case.weakness.id.clone());
                    if let Some(exchange) = case.culprit.and_then(|index| case.exchanges.get(index))
                    {
                        status.set_description(reproducer(run, case, exchange));
                    }
                    status
                }
            };
            let mut test_case = TestCase::new(case.id.clone(), status);
            if case.verdict == Verdict::Note {
                test_case.set_system_out(format!(
                    "conformance note {}: {}",
                    case.weakness.id, case.reason
                ));
            }
            test_case.set_classname(run.scenarios[case.scenario].id.clone());
            test_case.set_time(case.duration);
            suite.add_test_case(test_case);
        }
        report.add_test_suite(suite);
    }
    report.to_string()
}
