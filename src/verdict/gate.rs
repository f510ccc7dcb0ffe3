//! The waivers and the baseline applied to a run's judged cases: the one place where a failing case
//! is matched to a waiver and to the baseline. `authconform run` marks each case as it is final
//! ([`Gate::mark`], so that reports written as the run goes carry the marks), then the run
//! ([`Gate::finish`]: stale waivers, baseline failures gone); [`apply`] does both to a whole run (what
//! a merge of shard reports needs).

use std::collections::BTreeSet;

use time::Date;

use super::baseline::{Baseline, Finding};
use super::waiver::Waivers;
use crate::outcome::{CaseGate, CaseResult, RunGate, RunResult, Verdict};
use crate::scenario::plan::ScenarioInfo;

/// What the gate applies to a run: a waiver file, a baseline, or both, and the day it is.
#[derive(Debug, Clone)]
pub struct Gate {
    waivers: Waivers,
    /// Whether a waiver file was given (an empty one is still reported).
    has_waivers: bool,
    baseline: Option<Baseline>,
    today: Date,
    /// Per waiver: whether it matched a failing case.
    matched: Vec<bool>,
    /// The case ids of the baseline's failures.
    baseline_cases: BTreeSet<String>,
    /// Of those, the ones judged in this run.
    judged: BTreeSet<String>,
    /// Failures and notes of this run on the baseline's cases.
    seen: BTreeSet<Finding>,
}

impl Gate {
    /// The gate of `waivers` and `baseline` on `today` (UTC).
    pub fn new(waivers: Option<Waivers>, baseline: Option<Baseline>, today: Date) -> Gate {
        let has_waivers = waivers.is_some();
        let waivers = waivers.unwrap_or_default();
        let baseline_cases = baseline
            .iter()
            .flat_map(|baseline| baseline.findings.iter().map(|(_, case)| case.clone()))
            .collect();
        Gate {
            matched: vec![false; waivers.waivers.len()],
            waivers,
            has_waivers,
            baseline,
            today,
            baseline_cases,
            judged: BTreeSet::new(),
            seen: BTreeSet::new(),
        }
    }

    /// Sets `case`'s marks: the waiver that matches it, if it failed (the first live one, else the
    /// first expired one), and, if it failed or gave a note, whether it is new since the baseline.
    pub fn mark(&mut self, case: &mut CaseResult, scenario: &ScenarioInfo) {
        let judged = matches!(case.verdict, Verdict::Pass | Verdict::Note | Verdict::Fail);
        if judged && self.baseline_cases.contains(&case.id) {
            self.judged.insert(case.id.clone());
            if case.verdict != Verdict::Pass {
                self.seen
                    .insert((case.weakness.id.clone(), case.id.clone()));
            }
        }
        let (marks, matching) = self.marks(case, scenario);
        for index in matching {
            self.matched[index] = true;
        }
        case.gate = marks;
    }

    /// Whether `case` of `scenario` fails the gate as a failure: it failed, and neither a live waiver
    /// nor the baseline accepts it (what `--fail-fast` stops on). Nothing is marked or counted.
    pub fn fails(&self, case: &CaseResult, scenario: &ScenarioInfo) -> bool {
        case.verdict == Verdict::Fail && !self.marks(case, scenario).0.accepted()
    }

    /// The marks of `case` (see [`Gate::mark`]) and the indexes of the waivers that match it.
    fn marks(&self, case: &CaseResult, scenario: &ScenarioInfo) -> (CaseGate, Vec<usize>) {
        let mut marks = CaseGate::default();
        if matches!(case.verdict, Verdict::Fail | Verdict::Note) {
            marks.baseline = self
                .baseline
                .as_ref()
                .map(|baseline| baseline.state(&case.weakness.id, &case.id));
        }
        if case.verdict != Verdict::Fail {
            return (marks, Vec::new());
        }
        let waivers = &self.waivers.waivers;
        let matching: Vec<usize> = (0..waivers.len())
            .filter(|&index| waivers[index].matches(&case.weakness.id, &case.id, &scenario.id))
            .collect();
        let chosen = matching
            .iter()
            .find(|&&index| !waivers[index].expired(self.today))
            .or(matching.first());
        marks.waiver = chosen.map(|&index| waivers[index].mark(self.today));
        (marks, matching)
    }

    /// Sets the run's findings once every case is marked: the files, the waivers that matched no
    /// failing case (stale), and the baseline's failures whose case ran again without them (absent).
    pub fn finish(&self, run: &mut RunResult) {
        let stale = self
            .waivers
            .waivers
            .iter()
            .zip(&self.matched)
            .filter(|(_, matched)| !**matched)
            .map(|(waiver, _)| waiver.mark(self.today))
            .collect();
        let absent = self
            .baseline
            .iter()
            .flat_map(|baseline| baseline.findings.iter())
            .filter(|finding| self.judged.contains(&finding.1) && !self.seen.contains(*finding))
            .cloned()
            .collect();
        run.gate = RunGate {
            waivers: self
                .has_waivers
                .then(|| self.waivers.file.display().to_string()),
            stale,
            baseline: self
                .baseline
                .as_ref()
                .map(|baseline| baseline.file.display().to_string()),
            absent,
        };
    }
}

/// Applies `waivers` and `baseline` on `today` to every case of `run`, then to the run.
pub fn apply(
    run: &mut RunResult,
    waivers: Option<Waivers>,
    baseline: Option<Baseline>,
    today: Date,
) {
    Gate::new(waivers, baseline, today).apply(run);
}

impl Gate {
    /// Marks every case of a whole `run` (one read back from reports, say), then the run.
    pub fn apply(mut self, run: &mut RunResult) {
        let scenarios = std::mem::take(&mut run.scenarios);
        for case in &mut run.cases {
            self.mark(case, &scenarios[case.scenario]);
        }
        run.scenarios = scenarios;
        self.finish(run);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;
    use crate::outcome::BaselineState;
    use crate::scenario::plan::{Category, Weakness};
    use crate::verdict::waiver::{KnownNames, parse_date};

    fn scenario(id: &str) -> ScenarioInfo {
        ScenarioInfo {
            id: id.into(),
            title: String::new(),
            category: Category::Isolation,
            requirements: Vec::new(),
            tags: Vec::new(),
            file: "s.yaml".into(),
            line: 1,
            note: None,
        }
    }

    fn case(id: &str, weakness: &str, verdict: Verdict) -> CaseResult {
        let mut case = CaseResult::sample(verdict, Vec::new());
        case.id = id.into();
        case.weakness = Weakness {
            id: weakness.into(),
            cwe: None,
        };
        case
    }

    /// Two flaws' failures: task-read-idor on tasks.get and existence-oracle on tasks.get and
    /// tasks.delete, and a pass.
    fn run() -> RunResult {
        RunResult {
            target: "http://t".into(),
            scenarios: vec![scenario("s")],
            cases: vec![
                case("s[operation=tasks.get]", "task-read-idor", Verdict::Fail),
                case(
                    "s[operation=tasks.get,x=1]",
                    "existence-oracle",
                    Verdict::Fail,
                ),
                case(
                    "s[operation=tasks.delete]",
                    "existence-oracle",
                    Verdict::Fail,
                ),
                case(
                    "s[operation=tasks.list]",
                    "list-leaks-other-users",
                    Verdict::Pass,
                ),
            ],
            duration: Duration::ZERO,
            conditions: Default::default(),
            gate: Default::default(),
        }
    }

    fn waivers(entries: &[(&str, Option<&str>, &str)]) -> Waivers {
        let mut text = String::from("waivers:\n");
        for (weakness, operation, expires) in entries {
            text.push_str(&format!(
                "  - weakness: {weakness}\n    reason: r\n    owner: o\n    expires: {expires}\n"
            ));
            if let Some(operation) = operation {
                text.push_str(&format!("    operation: {operation}\n"));
            }
        }
        Waivers::parse(Path::new("w.yaml"), &text, &KnownNames::default()).unwrap()
    }

    fn today() -> Date {
        parse_date("2026-12-07").unwrap()
    }

    fn waived(run: &RunResult) -> Vec<bool> {
        run.cases.iter().map(|case| case.gate.waived()).collect()
    }

    #[test]
    fn a_waiver_suppresses_exactly_its_weakness() {
        let mut run = run();
        apply(
            &mut run,
            Some(waivers(&[("task-read-idor", None, "2027-01-01")])),
            None,
            today(),
        );
        assert_eq!(waived(&run), [true, false, false, false]);
        assert!(!run.gate_passed());
        let mut run = self::run();
        let all = [
            ("task-read-idor", None, "2027-01-01"),
            ("existence-oracle", None, "2026-12-07"),
        ];
        apply(&mut run, Some(waivers(&all)), None, today());
        assert!(run.gate_passed(), "a waiver holds through its last day");
        assert!(run.gate.stale.is_empty() && run.gate.waivers.is_some());
    }

    #[test]
    fn an_operation_narrows_a_waiver_to_its_cases() {
        let mut run = run();
        let narrow = [("existence-oracle", Some("tasks.get"), "2027-01-01")];
        apply(&mut run, Some(waivers(&narrow)), None, today());
        assert_eq!(waived(&run), [false, true, false, false]);
    }

    #[test]
    fn an_expired_waiver_fails_the_gate_by_name_and_a_live_one_wins_over_it() {
        let mut run = run();
        run.cases.truncate(1);
        apply(
            &mut run,
            Some(waivers(&[("task-read-idor", None, "2026-12-06")])),
            None,
            today(),
        );
        assert!(!run.gate_passed());
        let expired = run.expired_waivers();
        assert_eq!(expired.len(), 1);
        assert!(expired[0].describe().contains("expired 2026-12-06"));
        let both = [
            ("task-read-idor", None, "2026-12-06"),
            ("task-read-idor", None, "2027-01-01"),
        ];
        apply(&mut run, Some(waivers(&both)), None, today());
        assert!(run.gate_passed() && run.gate.stale.is_empty());
    }

    #[test]
    fn only_a_failure_no_waiver_or_baseline_accepts_fails_the_gate() {
        let run = run();
        let fails = |gate: &Gate| -> Vec<bool> {
            run.cases
                .iter()
                .map(|case| gate.fails(case, &run.scenarios[case.scenario]))
                .collect()
        };
        let none = Gate::new(None, None, today());
        assert_eq!(fails(&none), [true, true, true, false]);
        let narrow = [
            ("task-read-idor", None, "2027-01-01"),
            ("existence-oracle", Some("tasks.get"), "2026-12-06"),
        ];
        let gate = Gate::new(Some(waivers(&narrow)), None, today());
        assert_eq!(
            fails(&gate),
            [false, true, true, false],
            "a live waiver accepts, an expired one does not"
        );
        let baseline = Baseline {
            file: "b.json".into(),
            findings: [(
                "existence-oracle".to_string(),
                "s[operation=tasks.delete]".to_string(),
            )]
            .into(),
        };
        let gate = Gate::new(Some(waivers(&narrow)), Some(baseline), today());
        assert_eq!(fails(&gate), [false, true, false, false]);
        let mut marked = self::run();
        gate.apply(&mut marked);
        let accepted: Vec<bool> = marked.cases.iter().map(|c| c.gate.accepted()).collect();
        assert_eq!(
            accepted,
            [true, false, true, false],
            "as the marks say (a pass is never a failure)"
        );
    }

    #[test]
    fn a_waiver_that_matches_no_failure_is_stale() {
        let mut run = run();
        let unused = [
            ("alg-none-accepted", None, "2027-01-01"),
            ("list-leaks-other-users", None, "2027-01-01"),
        ];
        apply(&mut run, Some(waivers(&unused)), None, today());
        let stale: Vec<&str> = run.gate.stale.iter().map(|w| w.weakness.as_str()).collect();
        assert_eq!(stale, ["alg-none-accepted", "list-leaks-other-users"]);
        assert!(!run.gate_passed());
    }

    #[test]
    fn a_baseline_lets_only_new_failures_fail_the_gate() {
        let findings = [
            ("task-read-idor", "s[operation=tasks.get]"),
            ("existence-oracle", "s[operation=tasks.get,x=1]"),
            ("existence-oracle", "s[operation=tasks.delete]"),
            ("list-leaks-other-users", "s[operation=tasks.list]"),
            ("alg-none-accepted", "not-run"),
        ];
        let baseline = Baseline {
            file: "b.json".into(),
            findings: findings
                .iter()
                .map(|(w, c)| (w.to_string(), c.to_string()))
                .collect(),
        };
        let mut run = run();
        apply(&mut run, None, Some(baseline.clone()), today());
        assert!(run.gate_passed());
        assert_eq!(run.baseline_counts(), (0, 3));
        assert_eq!(
            run.gate.absent,
            [(
                "list-leaks-other-users".to_string(),
                "s[operation=tasks.list]".to_string()
            )],
            "fixed since, and judged again; a case not run is not absent"
        );
        let mut run = self::run();
        run.cases[0].weakness.id = "object-read-idor".into();
        apply(&mut run, None, Some(baseline), today());
        assert_eq!(run.cases[0].gate.baseline, Some(BaselineState::New));
        assert!(!run.gate_passed());
    }
}
