//! Giving up on a target that stopped answering: after `give_up_after` transport failures in a row
//! (timeouts, refused or broken connections, answers that are not HTTP, with no answer between them)
//! the cases not yet started are not run, and the run ends saying how far it got (the CLI exits 3).
//! Without it, a target that hangs is waited on case by case, one request timeout each.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::outcome::Halted;
use crate::wire::{Exchange, RequestSpec, SendError};

/// Counts transport failures in a row across every case of a run.
#[derive(Debug)]
pub struct Halt {
    limit: usize,
    started: Instant,
    in_a_row: AtomicUsize,
    halted: AtomicBool,
    not_run: AtomicUsize,
    last: Mutex<Last>,
}

/// The last answer and the last failure seen.
#[derive(Debug, Default)]
struct Last {
    answer: Option<(String, Duration)>,
    failure: String,
}

impl Halt {
    /// Stops after `limit` failures in a row (at least one).
    pub fn new(limit: usize) -> Halt {
        Halt {
            limit: limit.max(1),
            started: Instant::now(),
            in_a_row: AtomicUsize::new(0),
            halted: AtomicBool::new(false),
            not_run: AtomicUsize::new(0),
            last: Mutex::new(Last::default()),
        }
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
                self.lock().failure = err.to_string();
                if self.in_a_row.fetch_add(1, Ordering::SeqCst) + 1 >= self.limit {
                    self.halted.store(true, Ordering::SeqCst);
                }
            }
            Err(_) => {}
        }
    }

    /// Whether the run has given up on the target.
    pub fn halted(&self) -> bool {
        self.halted.load(Ordering::SeqCst)
    }

    /// The reason of a case not run because the run gave up; counts it.
    pub fn not_run(&self) -> String {
        self.not_run.fetch_add(1, Ordering::SeqCst);
        format!(
            "not run: the run stopped after {} transport failures in a row (the target stopped answering)",
            self.limit
        )
    }

    /// How far the run got, when it gave up; `total` is the number of cases of the run.
    pub fn outcome(&self, total: usize) -> Option<Halted> {
        if !self.halted() {
            return None;
        }
        let last = self.lock();
        Some(Halted {
            failures: self.limit,
            last_failure: last.failure.clone(),
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
        assert_eq!(halted.failures, 3);
        assert_eq!(halted.last_failure, "cannot connect: refused");
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
}
