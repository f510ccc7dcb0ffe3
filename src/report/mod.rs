//! Reporters: pure functions of a [`crate::outcome::RunResult`], so every report is snapshot-testable
//! without a network; and the same reports written as a run goes ([`Reporter`]), which is how
//! `authconform run` writes them, so that it need not hold every case until the end.

pub mod curl;
pub mod explain;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod terminal;

use crate::outcome::{CaseResult, Phase, RunResult, Verdict};
use crate::scenario::plan::ScenarioInfo;
use crate::token::mutation::{Expected, find};

/// A report written as a run goes: each case as it is final, in case order, then the end of the run.
/// What it writes is exactly what the function of the whole run writes.
pub trait Reporter {
    /// One case of the run (its scenario alongside), in case order.
    fn case(&mut self, case: &CaseResult, scenario: &ScenarioInfo) -> std::io::Result<()>;

    /// The end of the run: `summary` is the whole run with each passing case made one line
    /// ([`gone_by`]), which is all that the parts after (or above) the cases read.
    fn finish(&mut self, summary: &RunResult) -> std::io::Result<()>;
}

/// Characters of an answer's body that a report shows of a case once it has gone by (the HTML
/// report's excerpt of a failing case's answer).
pub const SHOWN_BODY_CHARS: usize = 600;

/// A case reduced to what the reports read of it once it has gone by (the parts written at the end,
/// the terminal summary, the gate): a passing case made [`one_line`]; every answer kept cut to its
/// status and the first [`SHOWN_BODY_CHARS`] characters of its body. Requests stay whole (the
/// reproducers), within the run's evidence budget.
pub fn gone_by(case: &mut CaseResult) {
    one_line(case);
    for response in case
        .exchanges
        .iter_mut()
        .filter_map(|e| e.response.as_mut())
    {
        response.headers = Vec::new();
        if let Some((cut, _)) = response.body.char_indices().nth(SHOWN_BODY_CHARS) {
            response.body.truncate(cut);
            response.body_truncated = true;
        }
        response.body.shrink_to_fit();
    }
}

/// A passing case reduced to its line (id, scenario, criterion, weakness, verdict, duration), and the
/// answers to the mutations the spec does not rule on ([`terminal::information`]). A case that did
/// not pass is left whole.
pub fn one_line(case: &mut CaseResult) {
    if case.verdict != Verdict::Pass {
        return;
    }
    case.exchanges.retain(|exchange| {
        exchange.phase == Phase::Step
            && exchange.response.is_some()
            && exchange
                .mutation
                .as_deref()
                .is_some_and(|id| find(id).is_ok_and(|m| m.expected == Expected::Info))
    });
    case.culprit = None;
    case.exchanges.shrink_to_fit();
}

/// The reproducer of `case`'s request `exchange` in `run`: a curl command line, after the lines that
/// mint again any valid token the report left out.
pub fn reproducer(
    run: &RunResult,
    case: &CaseResult,
    exchange: &crate::outcome::ExchangeRecord,
) -> String {
    let remint = curl::Remint {
        case: &case.id,
        profile: run.conditions.profile.as_deref(),
    };
    curl::reproducer(&exchange.request, remint)
}

/// A whole-run report function, as bytes.
pub type Render = fn(&RunResult) -> std::io::Result<Vec<u8>>;

/// A report that needs the totals first and shows of the cases only what [`gone_by`] keeps: it is
/// written whole from the summary at the end of the run.
pub struct AtTheEnd<W> {
    out: W,
    render: Render,
}

impl<W: std::io::Write> AtTheEnd<W> {
    /// Writes `render(summary)` to `out` at the end of the run.
    pub fn new(out: W, render: Render) -> Self {
        AtTheEnd { out, render }
    }
}

impl<W: std::io::Write> Reporter for AtTheEnd<W> {
    fn case(&mut self, _case: &CaseResult, _scenario: &ScenarioInfo) -> std::io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, summary: &RunResult) -> std::io::Result<()> {
        let bytes = (self.render)(summary)?;
        self.out.write_all(&bytes)?;
        self.out.flush()
    }
}

/// Drives `reporter` over a whole run: what a run writing as it goes would have written.
pub fn replay(run: &RunResult, reporter: &mut dyn Reporter) -> std::io::Result<()> {
    let mut summary = run.clone();
    for case in &mut summary.cases {
        reporter.case(case, &run.scenarios[case.scenario])?;
        gone_by(case);
    }
    reporter.finish(&summary)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::{ExchangeRecord, ReceivedResponse, SentRequest};

    fn exchange(phase: Phase, mutation: Option<&str>) -> ExchangeRecord {
        ExchangeRecord {
            phase,
            index: 0,
            actor: "alice".into(),
            token: None,
            mutation: mutation.map(str::to_string),
            request: SentRequest {
                method: "GET".into(),
                url: "http://h/x".into(),
                headers: Vec::new(),
                body: None,
            },
            response: Some(ReceivedResponse {
                status: 200,
                headers: Vec::new(),
                body: String::new(),
                body_truncated: false,
                elapsed: Duration::ZERO,
            }),
            error: None,
        }
    }

    fn case(verdict: Verdict) -> CaseResult {
        let exchanges = vec![
            exchange(Phase::Setup, None),
            exchange(Phase::Step, Some("alg-none")),
            exchange(Phase::Step, Some("exp-lifetime-excessive")),
            exchange(Phase::Verify, None),
        ];
        let mut case = CaseResult::sample(verdict, exchanges);
        case.culprit = Some(1);
        case
    }

    #[test]
    fn a_pass_made_one_line_keeps_only_the_answers_to_information_mutations() {
        let mut passed = case(Verdict::Pass);
        let before = terminal::information(&RunResult {
            target: String::new(),
            scenarios: Vec::new(),
            cases: vec![passed.clone()],
            duration: Duration::ZERO,
            conditions: Default::default(),
            gate: Default::default(),
        });
        one_line(&mut passed);
        let mutations: Vec<_> = passed
            .exchanges
            .iter()
            .map(|e| e.mutation.clone())
            .collect();
        assert_eq!(mutations, [Some("exp-lifetime-excessive".to_string())]);
        assert_eq!(passed.culprit, None);
        let after = terminal::information(&RunResult {
            target: String::new(),
            scenarios: Vec::new(),
            cases: vec![passed],
            duration: Duration::ZERO,
            conditions: Default::default(),
            gate: Default::default(),
        });
        assert_eq!(before, after);
        let mut failed = case(Verdict::Fail);
        one_line(&mut failed);
        assert_eq!(failed, case(Verdict::Fail));
    }

    #[test]
    fn a_case_gone_by_keeps_its_requests_and_an_excerpt_of_each_answer() {
        let mut failed = case(Verdict::Fail);
        let long = "é".repeat(SHOWN_BODY_CHARS + 10);
        let response = failed.exchanges[1].response.as_mut().unwrap();
        response.body = long.clone();
        response.headers = vec![("x-big".into(), "v".repeat(1000))];
        let requests: Vec<_> = failed.exchanges.iter().map(|e| e.request.clone()).collect();
        gone_by(&mut failed);
        let response = failed.exchanges[1].response.as_ref().unwrap();
        assert_eq!(response.body.chars().count(), SHOWN_BODY_CHARS);
        assert!(long.starts_with(&response.body));
        assert!(response.body_truncated);
        assert!(response.headers.is_empty());
        assert_eq!(response.status, 200);
        let after: Vec<_> = failed.exchanges.iter().map(|e| e.request.clone()).collect();
        assert_eq!(after, requests);
        assert_eq!(failed.culprit, Some(1));
    }
}
