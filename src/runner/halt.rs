//! Stopping a run early. Giving up on a target that stopped answering: after `give_up_after`
//! transport failures in a row (timeouts, refused or broken connections, answers that are not HTTP,
//! with no answer between them) the cases not yet started are not run, and the run ends saying how
//! far it got (the CLI exits 3). Without it, a target that hangs is waited on case by case, one
//! request timeout each. The run's budgets (`--max-requests`, `--time-budget`) stop it the same way:
//! no case starts once one ran out. The first cause wins.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::outcome::{HaltCause, Halted, LoadLimits};
use crate::wire::{Exchange, RequestSpec, SendError};

/// Counts transport failures in a row across every case of a run, and keeps its budgets.
#[derive(Debug)]
pub struct Halt {
    limit: usize,
    budget: LoadLimits,
    started: Instant,
    in_a_row: AtomicUsize,
    cause: OnceLock<HaltCause>,
    not_run: AtomicUsize,
    last: Mutex<Last>,
}

/// The last answer seen.
#[derive(Debug, Default)]
struct Last {
    answer: Option<(String, Duration)>,
}

impl Halt {
    /// Stops after `limit` failures in a row (at least one).
    pub fn new(limit: usize) -> Halt {
        Halt {
            limit: limit.max(1),
            budget: LoadLimits::default(),
            started: Instant::now(),
            in_a_row: AtomicUsize::new(0),
            cause: OnceLock::new(),
            not_run: AtomicUsize::new(0),
            last: Mutex::new(Last::default()),
        }
    }

    /// The same, also stopping when a budget of `budget` runs out; time counts from `started` (the
    /// start of the run).
    pub fn with_budget(mut self, budget: LoadLimits, started: Instant) -> Halt {
        self.budget = budget;
        self.started = started;
        self
    }

    /// Records how a request to the target ended: an answer resets the count, a transport failure
    /// adds to it (a request that could not be built is the harness's, not the target's).
    pub fn record(&self, spec: &RequestSpec, outcome: &Result<Exchange, SendError>) {
        match outcome {
            Ok(exchange) => {
                self.in_a_row.store(0, Ordering::SeqCst);
                let answer = format!("{} {} answered {}", spec.method, spec.url, exchange.status);
                self.lock().answer = Some((answer, self.started.elapsed()));
            }
            Err(err) if err.is_transport() => {
                if self.in_a_row.fetch_add(1, Ordering::SeqCst) + 1 >= self.limit {
                    let _ = self.cause.set(HaltCause::TargetSilent {
                        failures: self.limit,
                        last_failure: err.to_string(),
                    });
                }
            }
            Err(_) => {}
        }
    }

    /// Whether a case may start, `sent` requests having gone to the target: the run has not
    /// stopped, and no budget has run out (one that just did stops it).
    pub fn may_start(&self, sent: u64) -> bool {
        if let Some(max) = self.budget.max_requests
            && sent >= max
        {
            let _ = self.cause.set(HaltCause::MaxRequests(max));
        }
        if let Some(budget) = self.budget.time_budget
            && self.started.elapsed() >= budget
        {
            let _ = self.cause.set(HaltCause::TimeBudget(budget));
        }
        !self.halted()
    }

    /// Whether the run has stopped, for any cause.
    pub fn halted(&self) -> bool {
        self.cause.get().is_some()
    }

    /// Whether the run has given up on the target (it stopped answering).
    pub fn target_silent(&self) -> bool {
        matches!(self.cause.get(), Some(HaltCause::TargetSilent { .. }))
    }

    /// The reason of a case not run because the run stopped; counts it.
    pub fn not_run(&self) -> String {
        self.not_run.fetch_add(1, Ordering::SeqCst);
        match self.cause.get().and_then(HaltCause::budget) {
            Some(budget) => format!("not run: {budget} ran out"),
            None => format!(
                "not run: the run stopped after {} transport failures in a row (the target stopped answering)",
                self.limit
            ),
        }
    }

    /// How far the run got, when it gave up; `total` is the number of cases of the run.
    pub fn outcome(&self, total: usize) -> Option<Halted> {
        let cause = self.cause.get()?.clone();
        let last = self.lock();
        Some(Halted {
            cause,
            cases_run: total.saturating_sub(self.not_run.load(Ordering::SeqCst)),
            cases_total: total,
            last_answer: last.answer.clone(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Last> {
        self.last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RequestSpec {
        RequestSpec::new(reqwest::Method::GET, "http://127.0.0.1:1/api/alice/tasks")
    }

    fn answer(status: u16) -> Result<Exchange, SendError> {
        Ok(Exchange {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            body_truncated: false,
            elapsed: Duration::ZERO,
        })
    }

    fn timeout() -> Result<Exchange, SendError> {
        Err(SendError::Timeout(Duration::from_secs(1)))
    }

    #[test]
    fn stops_after_the_limit_of_failures_in_a_row_and_says_how_far_it_got() {
        let halt = Halt::new(3);
        halt.record(&spec(), &answer(401));
        halt.record(&spec(), &timeout());
        halt.record(&spec(), &timeout());
        assert!(!halt.halted());
        assert_eq!(halt.outcome(10), None);
        halt.record(&spec(), &Err(SendError::Connect("refused".into())));
        assert!(halt.halted());
        assert!(halt.not_run().starts_with("not run: "));
        let halted = halt.outcome(10).expect("halted");
        assert_eq!((halted.cases_run, halted.cases_total), (9, 10));
        assert_eq!(
            halted.cause,
            HaltCause::TargetSilent {
                failures: 3,
                last_failure: "cannot connect: refused".into()
            }
        );
        let (answer, _) = halted.last_answer.expect("an answer was seen");
        assert_eq!(
            answer,
            "GET http://127.0.0.1:1/api/alice/tasks answered 401"
        );
    }

    #[test]
    fn an_answer_between_failures_starts_the_count_again() {
        let halt = Halt::new(2);
        for _ in 0..5 {
            halt.record(&spec(), &timeout());
            halt.record(&spec(), &answer(500));
        }
        assert!(!halt.halted());
    }

    #[test]
    fn a_request_that_cannot_be_built_is_not_the_target_failing() {
        let halt = Halt::new(1);
        halt.record(&spec(), &Err(SendError::Build("bad header".into())));
        assert!(!halt.halted());
    }

    fn budget(max_requests: Option<u64>, time_budget: Option<Duration>) -> LoadLimits {
        LoadLimits {
            rate: None,
            max_requests,
            time_budget,
        }
    }

    #[test]
    fn the_request_budget_stops_the_run_once_spent() {
        let halt = Halt::new(3).with_budget(budget(Some(10), None), Instant::now());
        assert!(halt.may_start(9));
        assert!(!halt.halted());
        assert!(!halt.may_start(10));
        // Spent, the run stays stopped whatever is counted after.
        assert!(!halt.may_start(0));
        assert!(!halt.target_silent());
        assert_eq!(
            halt.not_run(),
            "not run: the request budget (--max-requests 10) ran out"
        );
        let halted = halt.outcome(4).expect("stopped");
        assert_eq!(halted.cause, HaltCause::MaxRequests(10));
        assert_eq!((halted.cases_run, halted.cases_total), (3, 4));
    }

    #[test]
    fn the_time_budget_counts_from_the_start_of_the_run() {
        let budget = budget(None, Some(Duration::from_secs(90)));
        let fresh = Halt::new(3).with_budget(budget, Instant::now());
        assert!(fresh.may_start(u64::MAX));
        let Some(long_ago) = Instant::now().checked_sub(Duration::from_secs(91)) else {
            return; // a clock too young to go back 91 s: nothing to check
        };
        let late = Halt::new(3).with_budget(budget, long_ago);
        assert!(!late.may_start(0));
        assert_eq!(
            late.not_run(),
            "not run: the time budget (--time-budget 1m 30s) ran out"
        );
        assert_eq!(
            late.outcome(1).map(|halted| halted.cause),
            Some(HaltCause::TimeBudget(Duration::from_secs(90)))
        );
    }

    #[test]
    fn the_first_cause_wins() {
        let halt = Halt::new(1).with_budget(budget(Some(5), None), Instant::now());
        halt.record(&spec(), &timeout());
        assert!(halt.target_silent());
        assert!(!halt.may_start(5));
        assert!(matches!(
            halt.outcome(1).map(|halted| halted.cause),
            Some(HaltCause::TargetSilent { failures: 1, .. })
        ));
    }
}
