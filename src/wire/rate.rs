//! The pace of the requests to one target (`--rate N`): at most N a second, one every 1/N s, shared
//! by every clone of the client that holds it; and the count of the requests sent.
//!
//! A token bucket that holds one token (the strictest: no burst): each request reserves the next
//! free slot, `1/N` s after the one before, and waits for it. A slot is never given back and a
//! free second is never saved up, so in any span of `t` seconds at most `1 + N t` requests go out.
//! Small enough with tokio's clock that a crate would add more than it saves, and tested on
//! tokio's paused clock.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// The most `--rate` accepts: far beyond what one harness sends, low enough to stay a rate.
pub const MAX_RATE: u32 = 10_000;

/// The pace of a target's requests and their count.
#[derive(Debug)]
pub struct Pace {
    /// Requests a second, if limited.
    rate: Option<NonZeroU32>,
    /// The time between two requests, if limited.
    period: Option<Duration>,
    /// The first slot not yet taken.
    next: Mutex<Option<Instant>>,
    /// Requests that took their turn.
    sent: AtomicU64,
}

impl Pace {
    /// No limit: requests are only counted.
    pub fn unlimited() -> Pace {
        Pace::new(None)
    }

    /// At most `rate` requests a second (`None`: no limit).
    pub fn new(rate: Option<NonZeroU32>) -> Pace {
        Pace {
            rate,
            period: rate.map(|rate| Duration::from_secs(1) / rate.get()),
            next: Mutex::new(None),
            sent: AtomicU64::new(0),
        }
    }

    /// The limit, in requests a second.
    pub fn rate(&self) -> Option<NonZeroU32> {
        self.rate
    }

    /// Waits for the next request's turn, then counts it as sent. A turn not taken because the
    /// caller gave up waiting is lost, never given to two requests.
    pub async fn turn(&self) {
        if let Some(period) = self.period {
            let at = {
                let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let at = next.map_or(now, |next| next.max(now));
                *next = Some(at + period);
                at
            };
            tokio::time::sleep_until(at).await;
        }
        self.sent.fetch_add(1, Ordering::SeqCst);
    }

    /// Requests that took their turn so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn rate(n: u32) -> Option<NonZeroU32> {
        NonZeroU32::new(n)
    }

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_one_period_apart_even_when_asked_at_once() {
        let pace = Arc::new(Pace::new(rate(100)));
        let start = Instant::now();
        let mut waiting = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let pace = Arc::clone(&pace);
            waiting.spawn(async move {
                pace.turn().await;
                Instant::now()
            });
        }
        let mut times: Vec<Duration> = waiting
            .join_all()
            .await
            .into_iter()
            .map(|at| at - start)
            .collect();
        times.sort();
        // One at once, then one every 10 ms: 50 in 490 ms, never two in the same slot.
        let expected: Vec<Duration> = (0..50).map(|i| Duration::from_millis(10 * i)).collect();
        assert_eq!(times, expected);
        assert_eq!(pace.sent(), 50);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_pace_does_not_save_up_turns() {
        let pace = Pace::new(rate(10));
        pace.turn().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        // After 5 s idle, the first request goes at once, the next one 100 ms later: no burst.
        let start = Instant::now();
        pace.turn().await;
        assert_eq!(Instant::now() - start, Duration::ZERO);
        pace.turn().await;
        assert_eq!(Instant::now() - start, Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_slower_than_the_period_waits_for_nothing() {
        let pace = Pace::new(rate(200));
        let start = Instant::now();
        for _ in 0..3 {
            pace.turn().await;
            // The target takes 20 ms to answer: slower than 5 ms a request, so no wait at all.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(Instant::now() - start, Duration::from_millis(60));
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_only_counts() {
        let pace = Pace::unlimited();
        let start = Instant::now();
        for _ in 0..1000 {
            pace.turn().await;
        }
        assert_eq!(Instant::now() - start, Duration::ZERO);
        assert_eq!((pace.sent(), pace.rate()), (1000, None));
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_given_up_is_lost_not_shared() {
        let pace = Pace::new(rate(1));
        pace.turn().await;
        // The next turn is in 1 s; a caller that gives up after 10 ms loses it.
        let given_up = tokio::time::timeout(Duration::from_millis(10), pace.turn()).await;
        assert!(given_up.is_err());
        let start = Instant::now();
        pace.turn().await;
        assert_eq!(Instant::now() - start, Duration::from_millis(1990));
        assert_eq!(pace.sent(), 2);
    }
}
