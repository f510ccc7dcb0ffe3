//! The outcome of a run: what was actually sent and received for every case, and each case's verdict.
//! The runner fills it in, the verdict module groups its failures, and reporters are pure functions of
//! [`RunResult`]; it sits below all three, so none of them imports another for it.

mod cleanup;
mod combine;
mod gate;
mod redact;
mod retain;

use std::time::Duration;

use crate::scenario::plan::{Category, ScenarioInfo, Weakness};
pub use cleanup::{Cleanup, NotDeleted};
pub use gate::{AbsentFinding, BaselineState, CaseGate, RunGate, WaiverMark};
pub use redact::{is_redacted, placeholder as redacted_token, redacted_principals};
pub use retain::{
    EVIDENCE_BUDGET_BYTES, EXCERPT_BYTES, EvidenceBudget, KEPT_BODY_BYTES, Kept, is_cut,
};
pub(crate) use retain::{capped, cut_mark, kept_part};

/// The outcome of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Every expectation held.
    Pass,
    /// The target answered wrongly: a weakness.
    Fail,
    /// The target deviated in a way that gives an attacker nothing and that mainstream libraries show
    /// in correct use: a conformance note, shown and counted, not failing the gate (see
    /// [`crate::weakness::Level`]).
    Note,
    /// The case could not be judged (setup failed, request could not be built, target unreachable).
    Error,
    /// Not run, with a stated reason (e.g. the attack needs an asymmetric key, or `--fail-fast`).
    Skipped,
}

impl Verdict {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Note => "note",
            Verdict::Error => "error",
            Verdict::Skipped => "skipped",
        }
    }
}

/// Which part of a case a request belonged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Planting data.
    Setup,
    /// The attack.
    Step,
    /// Re-reading to prove no effect.
    Verify,
}

impl Phase {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Setup => "setup",
            Phase::Step => "step",
            Phase::Verify => "verify",
        }
    }
}

/// A request exactly as it went over the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    /// Method.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Header lines in order.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy), if any.
    pub body: Option<String>,
}

/// The answer, as received (body capped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedResponse {
    /// Status code.
    pub status: u16,
    /// Header lines, lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy), at most the configured cap.
    pub body: String,
    /// Whether the body was cut at the cap.
    pub body_truncated: bool,
    /// Time from send to the last byte read.
    pub elapsed: Duration,
}

/// One request of a case and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRecord {
    /// Setup, step or verify.
    pub phase: Phase,
    /// Index within its phase.
    pub index: usize,
    /// The principal acting.
    pub actor: String,
    /// The token sent, if any.
    pub token: Option<String>,
    /// The catalog mutation that made the token, if any.
    pub mutation: Option<String>,
    /// What was sent.
    pub request: SentRequest,
    /// What came back, unless sending failed.
    pub response: Option<ReceivedResponse>,
    /// Why sending failed, if it did.
    pub error: Option<String>,
}

/// One judged case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// Case id.
    pub id: String,
    /// Index into [`RunResult::scenarios`].
    pub scenario: usize,
    /// Criterion it counts towards.
    pub category: Category,
    /// What a failure means.
    pub weakness: Weakness,
    /// The outcome.
    pub verdict: Verdict,
    /// One line: why it failed, erred or was skipped (empty for a pass).
    pub reason: String,
    /// Index into `exchanges` of the request the reason is about (the reproducer), if any.
    pub culprit: Option<usize>,
    /// Every request made, in order.
    pub exchanges: Vec<ExchangeRecord>,
    /// Wall time of the case.
    pub duration: Duration,
    /// A waiver that matched it and its state against a baseline (empty without either).
    pub gate: CaseGate,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Base URL of the target.
    pub target: String,
    /// Scenarios, in load order.
    pub scenarios: Vec<ScenarioInfo>,
    /// Case results, in case order (whatever the concurrency).
    pub cases: Vec<CaseResult>,
    /// Wall time of the run.
    pub duration: Duration,
    /// How the run went besides the cases: the target's capacity, the controls.
    pub conditions: RunConditions,
    /// The waivers and baseline the gate applied, and what they said of the run as a whole.
    pub gate: RunGate,
}

/// What the run observed of the target itself, outside any case's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunConditions {
    /// Whether the target is the embedded reference server.
    pub embedded: bool,
    /// The profile file the run used (`None`: the embedded reference profile), for reproducers that
    /// mint a principal's token again.
    pub profile: Option<String>,
    /// The most cases in flight at once.
    pub jobs: usize,
    /// How many cases were in flight when the target first faltered (adaptive concurrency), if it did.
    pub first_fault_at: Option<usize>,
    /// 5xx answers that a replay alone did not repeat (load, not logic).
    pub load_5xx: usize,
    /// The positive controls: a valid token sent to each operation before its attacks are judged.
    pub controls: Vec<Control>,
    /// Why the run stopped before its last case: the target stopped answering, or a budget ran out.
    pub halted: Option<Halted>,
    /// The load limits the run kept and the load it put on the target.
    pub load: Load,
    /// Whether an interrupt (Ctrl-C) stopped the run before its last case.
    pub interrupted: bool,
    /// What the cleanup of the objects the run created did (`None`: the run had no cleanup step).
    pub cleanup: Option<Cleanup>,
    /// The seed of the run (canaries, the `--sample` draw).
    pub seed: u64,
    /// Whether notes failed the gate (`--strict` or the profile's `policy.level: strict`).
    pub strict: bool,
    /// Which shard of a partitioned run this is (`--partition`); `None` for a whole run.
    pub partition: Option<Shard>,
}

/// One shard of a partitioned run: which part of the plan (the cases after `--filter` and
/// `--sample`) it reports, and what identifies the plan, so that `authconform merge` can check that
/// shards belong together and put their cases back in plan order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shard {
    /// How cases were assigned: `hash` or `count`.
    pub scheme: String,
    /// This shard, 1-based.
    pub shard: usize,
    /// How many shards the plan was cut into.
    pub total: usize,
    /// Cases of the whole plan.
    pub plan_cases: usize,
    /// SHA-256 (hex) of the plan's case ids in case order, each followed by a newline.
    pub plan_sha256: String,
    /// The plan position of each case this shard reports, in order.
    pub positions: Vec<usize>,
}

/// The limits on the load a run puts on its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadLimits {
    /// At most this many requests a second to the target (`--rate`).
    pub rate: Option<std::num::NonZeroU32>,
    /// No case starts once this many requests were sent (`--max-requests`).
    pub max_requests: Option<u64>,
    /// No case starts once this long has passed since the run started (`--time-budget`).
    pub time_budget: Option<Duration>,
}

impl LoadLimits {
    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.rate.is_some() || self.max_requests.is_some() || self.time_budget.is_some()
    }
}

/// The load a run put on its target, and the limits it kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Load {
    /// The limits in force.
    pub limits: LoadLimits,
    /// Requests sent to the target in the whole run (the probe, controls and sessions included).
    pub requests: u64,
    /// Requests sent to the target while the cases ran.
    pub case_requests: u64,
    /// Wall time of the cases (from the first case started to the last one finished).
    pub case_time: Duration,
}

impl Load {
    /// Requests a second while the cases ran (0 when they took no time).
    pub fn measured_rate(&self) -> f64 {
        let secs = self.case_time.as_secs_f64();
        if secs > 0.0 {
            self.case_requests as f64 / secs
        } else {
            0.0
        }
    }
}

/// Why a run stopped before its last case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HaltCause {
    /// The target stopped answering: transport failures in a row, no answer between them.
    TargetSilent {
        /// Transport failures in a row that stopped it.
        failures: usize,
        /// The last of them, in words.
        last_failure: String,
    },
    /// The request budget (`--max-requests`) ran out.
    MaxRequests(u64),
    /// The time budget (`--time-budget`) ran out.
    TimeBudget(Duration),
}

impl HaltCause {
    /// Its name in reports: `target-stopped-answering`, `max-requests` or `time-budget`.
    pub fn as_str(&self) -> &'static str {
        match self {
            HaltCause::TargetSilent { .. } => "target-stopped-answering",
            HaltCause::MaxRequests(_) => "max-requests",
            HaltCause::TimeBudget(_) => "time-budget",
        }
    }

    /// The budget in words with its flag (`the request budget (--max-requests 500)`); `None` for a
    /// target that stopped answering.
    pub fn budget(&self) -> Option<String> {
        match self {
            HaltCause::TargetSilent { .. } => None,
            HaltCause::MaxRequests(max) => {
                Some(format!("the request budget (--max-requests {max})"))
            }
            HaltCause::TimeBudget(budget) => Some(format!(
                "the time budget (--time-budget {})",
                humantime::format_duration(*budget)
            )),
        }
    }
}

/// The run stopped early: the target stopped answering, or a budget ran out. The cases not started
/// are skipped as not run, and the gate does not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halted {
    /// What stopped it.
    pub cause: HaltCause,
    /// Cases run (judged or not) before it stopped.
    pub cases_run: usize,
    /// Cases of the run.
    pub cases_total: usize,
    /// The last answer the target gave (`GET URL answered 200`) and when, from the start of the run.
    pub last_answer: Option<(String, Duration)>,
}

/// A valid token of a principal sent to one operation before any attack on it is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// Operation name.
    pub operation: String,
    /// The principal whose valid token was sent.
    pub principal: String,
    /// The status of the answer, or `None` when the request failed in transport.
    pub status: Option<u16>,
    /// Why the control failed (empty when the token was accepted).
    pub problem: String,
}

impl Control {
    /// Whether the valid token was accepted.
    pub fn passed(&self) -> bool {
        self.problem.is_empty()
    }
}

/// Passed / total for one criterion (skipped cases are not counted in `total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases that could not be judged.
    pub errors: usize,
    /// Cases that gave a conformance note (they count as passed for the criterion).
    pub notes: usize,
    /// Cases not run.
    pub skipped: usize,
}

impl Tally {
    /// Judged cases: passed + noted + failed + errors.
    pub fn total(&self) -> usize {
        self.passed + self.notes + self.failed + self.errors
    }

    /// Percent of the judged cases that passed or gave a note (100 when there are none).
    pub fn percent(&self) -> f64 {
        if self.total() == 0 {
            100.0
        } else {
            (self.passed + self.notes) as f64 * 100.0 / self.total() as f64
        }
    }

    /// Whether this criterion is at 100 %.
    pub fn is_complete(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }

    fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail => self.failed += 1,
            Verdict::Note => self.notes += 1,
            Verdict::Error => self.errors += 1,
            Verdict::Skipped => self.skipped += 1,
        }
    }
}

impl RunResult {
    /// Tallies per criterion, in [`Category::ALL`] order.
    pub fn tallies(&self) -> Vec<(Category, Tally)> {
        Category::ALL
            .iter()
            .map(|category| {
                let mut tally = Tally::default();
                for case in self.cases.iter().filter(|case| case.category == *category) {
                    tally.add(case.verdict);
                }
                (*category, tally)
            })
            .collect()
    }

    /// The reasons of the skipped cases, each with how many cases it covers, in case order.
    pub fn skipped_reasons(&self) -> Vec<(&str, usize)> {
        let mut reasons: Vec<(&str, usize)> = Vec::new();
        for case in self
            .cases
            .iter()
            .filter(|case| case.verdict == Verdict::Skipped)
        {
            match reasons
                .iter_mut()
                .find(|(reason, _)| *reason == case.reason)
            {
                Some((_, count)) => *count += 1,
                None => reasons.push((&case.reason, 1)),
            }
        }
        reasons
    }

    /// The criteria below 100 %, as `name percent%` (e.g. `isolation 98.2%`), in report order.
    pub fn criteria_below_full(&self) -> Vec<String> {
        self.tallies()
            .into_iter()
            .filter(|(_, tally)| !tally.is_complete())
            .map(|(category, tally)| format!("{} {:.1}%", category.as_str(), tally.percent()))
            .collect()
    }

    /// The gate: the run went to its end (not halted, not interrupted), every positive control
    /// accepted, and every criterion at 100 % (no fail, no error; notes do not count against it), but
    /// for failures a live waiver covers or the baseline already had ([`CaseGate::accepted`]).
    pub fn gate_passed(&self) -> bool {
        self.conditions.halted.is_none()
            && !self.conditions.interrupted
            && self.conditions.controls.iter().all(Control::passed)
            && self.cases.iter().all(|case| match case.verdict {
                Verdict::Pass | Verdict::Skipped | Verdict::Note => true,
                Verdict::Fail => case.gate.accepted(),
                Verdict::Error => false,
            })
    }

    /// The failing cases an expired waiver matched: each fails the gate.
    pub fn expired_waivers(&self) -> Vec<&WaiverMark> {
        let mut expired: Vec<&WaiverMark> = Vec::new();
        for waiver in self
            .cases
            .iter()
            .filter(|case| case.verdict == Verdict::Fail)
            .filter_map(|case| case.gate.waiver.as_ref())
            .filter(|waiver| waiver.expired)
        {
            if !expired.contains(&waiver) {
                expired.push(waiver);
            }
        }
        expired
    }

    /// Failing cases that are (new, unchanged) against the baseline.
    pub fn baseline_counts(&self) -> (usize, usize) {
        let failing = self
            .cases
            .iter()
            .filter(|case| case.verdict == Verdict::Fail);
        let states = failing.filter_map(|case| case.gate.baseline);
        states.fold((0, 0), |(new, unchanged), state| match state {
            BaselineState::New => (new + 1, unchanged),
            BaselineState::Unchanged => (new, unchanged + 1),
        })
    }
}

#[cfg(test)]
impl CaseResult {
    /// A judged case of `exchanges` for unit tests: id `c`, weakness `w`, culprit the first exchange.
    pub(crate) fn sample(verdict: Verdict, exchanges: Vec<ExchangeRecord>) -> CaseResult {
        CaseResult {
            id: "c".into(),
            scenario: 0,
            category: Category::Enforcement,
            weakness: Weakness {
                id: "w".into(),
                cwe: None,
            },
            verdict,
            reason: String::new(),
            culprit: Some(0),
            exchanges,
            duration: Duration::ZERO,
            gate: CaseGate::default(),
        }
    }
}
