//! Everything shared by the requests of a run, and one case's life: built, sent, judged, shrunk.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::case::{self, FuzzCase};
use super::judge::{FindingKind, Judge, Sent, Verdict};
use super::routes::{self, Fill, Planted, Route};
use super::shrink;
use crate::fuzzing::oracle::ClaimTime;
use crate::outcome::SentRequest;
use crate::profile::Profile;
use crate::token::mint::{Clock, Principal, SystemClock};
use crate::token::mutation::AttackRequest;
use crate::wire::{Exchange, HttpClient, RequestSpec, SendError};

/// What was sent for one case and what came back.
#[derive(Debug)]
pub(super) struct Attempt {
    pub(super) index: u64,
    pub(super) case: FuzzCase,
    pub(super) token: Option<String>,
    pub(super) spec: RequestSpec,
    pub(super) outcome: Result<Exchange, SendError>,
    pub(super) time: ClaimTime,
}

/// Everything shared by the requests of a run.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) base_url: String,
    pub(super) client: HttpClient,
    pub(super) profile: Arc<Profile>,
    pub(super) principals: Vec<Principal>,
    pub(super) routes: Vec<Route>,
    pub(super) planted: Vec<Planted>,
    pub(super) judge: Judge,
    pub(super) public_pem: Option<String>,
    pub(super) requests: AtomicU64,
}

impl Session {
    /// The token text and request of a case; `None` when the route needs an id nobody planted.
    pub(super) fn build(
        &self,
        case: &FuzzCase,
        index: u64,
    ) -> Option<(Option<String>, RequestSpec)> {
        let route = self.routes.get(case.route)?;
        let token = case.token.render(&self.profile.issuer);
        let owner = self.planted.get(case.resource_owner);
        let canary = format!("acf-fuzz-{index}");
        let fill = Fill {
            user_id: &self.principals.get(case.path_user)?.sub,
            task_id: owner.and_then(|p| p.task_id.as_ref()),
            conversation_id: owner.and_then(|p| p.conversation_id.as_ref()),
            canary: &canary,
        };
        let attack = AttackRequest::placed(token.clone(), case.placement.clone());
        let spec = routes::request(&self.base_url, &self.profile, route, &fill, &attack)?;
        Some((token, spec))
    }

    /// Sends a built case, timing it for the claim-time oracle.
    pub(super) async fn send(
        &self,
        index: u64,
        case: FuzzCase,
        token: Option<String>,
        spec: RequestSpec,
    ) -> Attempt {
        let clock = SystemClock;
        let earliest = clock.now_unix();
        let outcome = self.client.send(&spec).await;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let time = ClaimTime {
            earliest,
            latest: clock.now_unix(),
        };
        Attempt {
            index,
            case,
            token,
            spec,
            outcome,
            time,
        }
    }

    /// Builds and sends a case; `None` when it cannot be built.
    async fn attempt(&self, index: u64, case: &FuzzCase) -> Option<Attempt> {
        let (token, spec) = self.build(case, index)?;
        Some(self.send(index, case.clone(), token, spec).await)
    }

    /// What the judge makes of an attempt; `None`: nothing wrong.
    pub(super) fn verdict(&self, attempt: &Attempt) -> Option<Verdict> {
        let sent = Sent {
            token: attempt.token.as_deref(),
            placement: &attempt.case.placement,
            path_user: attempt.case.path_user,
            user_in_path: self
                .routes
                .get(attempt.case.route)
                .is_some_and(|r| r.user_in_path),
            time: attempt.time,
            head_bytes: attempt.spec.url.len()
                + attempt
                    .spec
                    .headers
                    .iter()
                    .map(|(n, v)| n.len() + v.len() + 4)
                    .sum::<usize>(),
        };
        self.judge.judge(&sent, &attempt.outcome)
    }

    /// Shrinks a finding's case while the target keeps answering with the same kind and status, and
    /// until `deadline`.
    pub(super) async fn shrink(
        &self,
        first: Attempt,
        verdict: &Verdict,
        budget: usize,
        deadline: Instant,
    ) -> (Attempt, Verdict, usize, usize) {
        let key = verdict.key();
        let mut best = (first, verdict.clone());
        let (mut attempts, mut steps) = (0usize, 0usize);
        let now = SystemClock.now_unix();
        let issuer = &self.profile.issuer;
        let mut raw_phase = false;
        loop {
            let case = &best.0.case;
            let candidates = if raw_phase {
                shrink::raw_candidates(case)
            } else {
                let actor = self.principals.get(case.actor);
                let claims = actor.map(|p| issuer.claims(p, now)).unwrap_or_default();
                shrink::structural_candidates(case, &issuer.header(), &claims)
            };
            let mut improved = false;
            for candidate in candidates {
                if attempts >= budget || Instant::now() >= deadline {
                    return (best.0, best.1, attempts, steps);
                }
                attempts += 1;
                // A request still unanswered at the deadline ends the shrinking.
                let sent = tokio::time::timeout_at(
                    deadline.into(),
                    self.attempt(best.0.index, &candidate),
                );
                let Ok(attempt) = sent.await else {
                    return (best.0, best.1, attempts, steps);
                };
                let Some(attempt) = attempt else {
                    continue;
                };
                if let Some(found) = self.verdict(&attempt).filter(|v| v.key() == key) {
                    best = (attempt, found);
                    steps += 1;
                    improved = true;
                    break;
                }
            }
            if improved {
                continue;
            }
            let raw_worth_it = key.0 == FindingKind::Robustness
                || matches!(best.0.case.token, case::TokenForm::Raw(_));
            if raw_phase || !raw_worth_it {
                return (best.0, best.1, attempts, steps);
            }
            raw_phase = true;
            best.0.case = shrink::as_raw(&best.0.case, issuer);
        }
    }
}

/// The request as reports show it.
pub(super) fn sent_request(spec: &RequestSpec) -> SentRequest {
    SentRequest {
        method: spec.method.as_str().to_string(),
        url: spec.url.clone(),
        headers: spec.headers.clone(),
        body: spec
            .body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
    }
}

/// The start of the answer (or why there was none), for a finding.
pub(super) fn excerpt(outcome: &Result<Exchange, SendError>) -> String {
    match outcome {
        Ok(exchange) => {
            let text = exchange.body_text();
            let cut: String = text.chars().take(300).collect();
            format!("HTTP {} {cut}", exchange.status)
        }
        Err(err) => err.to_string(),
    }
}
