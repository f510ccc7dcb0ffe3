//! How many cases are in flight. Fixed with `--jobs N`; otherwise adaptive: start low, and after each
//! run of cases that met no fault double the limit until the first fault (slow start), then add one;
//! halve on a fault (a transport error, or a 5xx that a replay alone did not repeat), so that a
//! single-worker app is not overloaded into 500s and resets.
//!
//! Under a rate (`--rate`), a request's wait for its turn is the harness's, not the target's: it is
//! no fault, and counts in no timeout. Nor does the limit grow while the requests go out at the rate
//! (90 % of it or more since the last look): more cases in flight would only wait longer for their
//! turn.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::wire::Pace;

/// Cases in flight when adaptive concurrency starts.
pub const ADAPTIVE_START: usize = 4;
/// Cases that must finish without a fault before one more may run.
const GROW_AFTER: usize = 16;

/// The limit on cases in flight.
#[derive(Debug)]
pub struct Limit {
    semaphore: Arc<Semaphore>,
    adaptive: bool,
    max: usize,
    /// The current limit (permits in circulation minus those owed).
    current: AtomicUsize,
    /// Permits to retire as cases finish, after a halving.
    owed: AtomicUsize,
    /// Cases finished without a fault since the last change.
    streak: AtomicUsize,
    /// The highest limit reached.
    peak: AtomicUsize,
    /// The limit when the first fault was seen, if one was.
    first_fault_at: AtomicUsize,
    /// The pace of the run's requests, when the limit respects its rate.
    pace: Option<Arc<Pace>>,
    /// When the limit last looked at the pace, and the requests sent by then.
    looked: Mutex<(Instant, u64)>,
}

/// The share of the rate at which the requests' pace, not the target, holds the run back.
const RATE_BOUND: f64 = 0.9;

impl Limit {
    /// A fixed limit of `jobs`.
    pub fn fixed(jobs: usize) -> Limit {
        Limit::new(jobs.max(1), jobs.max(1), false)
    }

    /// An adaptive limit that grows up to `max`.
    pub fn adaptive(max: usize) -> Limit {
        let max = max.max(1);
        Limit::new(ADAPTIVE_START.min(max), max, true)
    }

    fn new(start: usize, max: usize, adaptive: bool) -> Limit {
        Limit {
            semaphore: Arc::new(Semaphore::new(start)),
            adaptive,
            max,
            current: AtomicUsize::new(start),
            owed: AtomicUsize::new(0),
            streak: AtomicUsize::new(0),
            peak: AtomicUsize::new(start),
            first_fault_at: AtomicUsize::new(0),
            pace: None,
            looked: Mutex::new((Instant::now(), 0)),
        }
    }

    /// The same limit, which does not grow while the requests go out at `pace`'s rate.
    pub fn paced(mut self, pace: Arc<Pace>) -> Limit {
        self.looked = Mutex::new((Instant::now(), pace.sent()));
        self.pace = Some(pace);
        self
    }

    /// Whether the requests went out at the rate (or nearly) since the last look: then the rate,
    /// not the target, holds the run back.
    fn rate_bound(&self) -> bool {
        let Some(pace) = &self.pace else {
            return false;
        };
        let Some(rate) = pace.rate() else {
            return false;
        };
        let mut looked = self.looked.lock().unwrap_or_else(|p| p.into_inner());
        let (since, sent_then) = *looked;
        let sent = pace.sent();
        *looked = (Instant::now(), sent);
        let secs = since.elapsed().as_secs_f64();
        let sent = sent.saturating_sub(sent_then) as f64;
        secs > 0.0 && sent >= RATE_BOUND * f64::from(rate.get()) * secs
    }

    /// Waits for room for one more case.
    pub async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.semaphore).acquire_owned().await.ok()
    }

    /// A case finished, with or without a fault; `permit` is its room, returned or retired.
    pub fn release(&self, permit: Option<OwnedSemaphorePermit>, fault: bool) {
        let retire = self
            .owed
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |owed| {
                owed.checked_sub(1)
            })
            .is_ok();
        match permit {
            Some(permit) if retire => permit.forget(),
            _ => {}
        }
        if !self.adaptive {
            return;
        }
        if fault {
            let _ = self.first_fault_at.compare_exchange(
                0,
                self.current.load(Ordering::SeqCst),
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
            self.streak.store(0, Ordering::SeqCst);
            let current = self.current.load(Ordering::SeqCst);
            let halved = (current / 2).max(1);
            if halved < current
                && self
                    .current
                    .compare_exchange(current, halved, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
            {
                self.owed.fetch_add(current - halved, Ordering::SeqCst);
            }
            return;
        }
        if self.streak.fetch_add(1, Ordering::SeqCst) + 1 < GROW_AFTER {
            return;
        }
        self.streak.store(0, Ordering::SeqCst);
        if self.rate_bound() {
            return;
        }
        let current = self.current.load(Ordering::SeqCst);
        let grown = if self.first_fault_at().is_none() {
            current * 2
        } else {
            current + 1
        }
        .min(self.max);
        if grown > current
            && self
                .current
                .compare_exchange(current, grown, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            self.add_room(grown - current);
            self.peak.fetch_max(grown, Ordering::SeqCst);
        }
    }

    /// Adds `count` permits, cancelling debts first.
    fn add_room(&self, count: usize) {
        for _ in 0..count {
            if self
                .owed
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |owed| {
                    owed.checked_sub(1)
                })
                .is_err()
            {
                self.semaphore.add_permits(1);
            }
        }
    }

    /// The highest limit reached.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// The limit at which the first fault was seen, if any.
    pub fn first_fault_at(&self) -> Option<usize> {
        match self.first_fault_at.load(Ordering::SeqCst) {
            0 => None,
            at => Some(at),
        }
    }

    /// The current limit.
    pub fn current(&self) -> usize {
        self.current.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn clean_streaks(limit: &Limit, streaks: usize) {
        for _ in 0..GROW_AFTER * streaks {
            let permit = limit.acquire().await;
            limit.release(permit, false);
        }
    }

    #[tokio::test]
    async fn doubles_until_a_fault_halves_on_it_then_grows_by_one() {
        let limit = Limit::adaptive(64);
        assert_eq!(limit.current(), ADAPTIVE_START);
        clean_streaks(&limit, 2).await;
        assert_eq!(limit.current(), ADAPTIVE_START * 4);
        assert_eq!(limit.peak(), ADAPTIVE_START * 4);
        let permit = limit.acquire().await;
        limit.release(permit, true);
        assert_eq!(limit.current(), ADAPTIVE_START * 2);
        assert_eq!(limit.first_fault_at(), Some(ADAPTIVE_START * 4));
        clean_streaks(&limit, 3).await;
        assert_eq!(limit.current(), ADAPTIVE_START * 2 + 3);
        // The room in circulation is the limit once cases have finished.
        assert_eq!(limit.semaphore.available_permits(), limit.current());
        assert_eq!(limit.peak(), ADAPTIVE_START * 4);
    }

    #[tokio::test]
    async fn never_grows_past_its_maximum() {
        let limit = Limit::adaptive(6);
        clean_streaks(&limit, 4).await;
        assert_eq!(limit.current(), 6);
        assert_eq!(limit.semaphore.available_permits(), 6);
    }

    #[tokio::test]
    async fn a_fixed_limit_never_moves() {
        let limit = Limit::fixed(3);
        let permit = limit.acquire().await;
        limit.release(permit, true);
        assert_eq!(limit.current(), 3);
        assert_eq!(limit.semaphore.available_permits(), 3);
        assert_eq!(limit.first_fault_at(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_grow_while_the_requests_go_out_at_the_rate() {
        let pace = Arc::new(Pace::new(std::num::NonZeroU32::new(100)));
        let limit = Limit::adaptive(64).paced(Arc::clone(&pace));
        // Every request waits for its turn: the rate holds the run back, not the target.
        for _ in 0..GROW_AFTER * 3 {
            let permit = limit.acquire().await;
            pace.turn().await;
            pace.turn().await;
            limit.release(permit, false);
        }
        assert_eq!(limit.current(), ADAPTIVE_START);
        // A slow target (100 ms an answer): far under the rate, so the limit grows again.
        for _ in 0..GROW_AFTER {
            let permit = limit.acquire().await;
            pace.turn().await;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            limit.release(permit, false);
        }
        assert_eq!(limit.current(), ADAPTIVE_START * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_rate_the_pace_changes_nothing() {
        let limit = Limit::adaptive(64).paced(Arc::new(Pace::unlimited()));
        clean_streaks(&limit, 2).await;
        assert_eq!(limit.current(), ADAPTIVE_START * 4);
    }
}
