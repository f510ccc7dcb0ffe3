//! Sending a step's request: resend after a restart, transport errors, 5xx replay, the record.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::helpers::{oversized, received, received_kept, sent};
use super::marks::{Slot, Unmarked, WholeText};
use super::{CaseRun, StepEnd};
use crate::outcome::{ExchangeRecord, Phase, ReceivedResponse, kept_part};
use crate::runner::tokens::MadeToken;
use crate::scenario::plan::ExpectPlan;
use crate::wire::{PreparedRequest, RequestSpec, SendError};

/// The record of a request before it is answered, the request made ready to send, and the record's
/// texts awaiting their marks: a text longer than [`crate::outcome::KEPT_BODY_BYTES`] is kept cut as the record of
/// a case keeps it once judged (a megabyte attack token is not copied whole for the record), its
/// mark (the whole's length and SHA-256) written only if the case keeps the record.
pub(super) fn record(
    phase: Phase,
    index: usize,
    actor: &str,
    made: &Arc<MadeToken>,
    spec: RequestSpec,
) -> (ExchangeRecord, PreparedRequest, Unmarked) {
    let mut unmarked = Unmarked::default();
    let token = made.attack.token.as_deref().map(|token| {
        let kept = kept_part(token);
        if kept.is_some() {
            unmarked.add(Slot::Token, WholeText::Token(Arc::clone(made)));
        }
        kept.unwrap_or(token).to_string()
    });
    let (request, long) = sent(&spec);
    let prepared = PreparedRequest::new(spec);
    for index in long {
        let value = prepared.header_values()[index].clone();
        unmarked.add(Slot::Header(index), WholeText::Value(value));
    }
    let record = ExchangeRecord {
        phase,
        index,
        actor: actor.to_string(),
        token,
        mutation: made.mutation.map(|m| m.id.to_string()),
        request,
        response: None,
        error: None,
    };
    (record, prepared, unmarked)
}

impl CaseRun<'_> {
    /// Sends the step's request and records the exchange; the answer, or how the step ended without
    /// one (a transport error, or [`StepEnd::Ok`] for an oversized request refused by a closed
    /// connection).
    /// `plan` is the step's expectation, when it could be rendered.
    pub(super) async fn exchange(
        &mut self,
        phase: Phase,
        spec: &PreparedRequest,
        plan: Option<&ExpectPlan>,
        (mut record, unmarked): (ExchangeRecord, Unmarked),
    ) -> Result<ReceivedResponse, StepEnd> {
        let exchange = match self.send_after_restart(spec).await {
            Ok(exchange) => exchange,
            Err(err) => {
                record.error = Some(err.to_string());
                self.push(record, unmarked);
                return Err(self.transport_error(phase, spec, plan, err));
            }
        };
        let exchange = self.replay_if_5xx(exchange, spec, &record, &unmarked).await;
        // The record keeps the answer cut (what the case keeps anyway); the whole body is judged.
        let response = received(exchange);
        record.response = Some(response.kept());
        self.push(record, unmarked);
        Ok(response)
    }

    /// Adds `record` to the case's, `unmarked` its texts awaiting their marks.
    fn push(&mut self, record: ExchangeRecord, unmarked: Unmarked) {
        self.unmarked.set(self.exchanges.len(), unmarked);
        self.exchanges.push(record);
    }

    /// Sends `spec`, once more when an instance was just restarted and the send broke.
    async fn send_after_restart(
        &mut self,
        spec: &PreparedRequest,
    ) -> Result<crate::wire::Exchange, SendError> {
        let mut outcome = self.shared.send(spec).await;
        if self.restarted && matches!(outcome, Err(SendError::Broken(_))) {
            // A keep-alive connection to the process the harness just stopped: not the target's doing.
            outcome = self.shared.send(spec).await;
        }
        self.restarted = false;
        outcome
    }

    /// How a step ends when its request got no answer.
    fn transport_error(
        &mut self,
        phase: Phase,
        spec: &PreparedRequest,
        plan: Option<&ExpectPlan>,
        err: SendError,
    ) -> StepEnd {
        // Whether the expectation accepts a 4xx refusal.
        let refusal_expected = plan
            .and_then(|plan| plan.status.as_ref())
            .is_some_and(|status| (400..500).any(|code| status.matches(code)));
        let refusal_allowed = oversized(spec) && refusal_expected;
        match err {
            // A server may refuse an oversized request by answering early and closing the
            // connection (RFC 9112 §9.6), which the client sees as a broken send.
            SendError::Broken(_) if phase != Phase::Setup && refusal_allowed => StepEnd::Ok,
            // A transport fault is the target's instability, not a weakness: not judged.
            _ => {
                self.fault = true;
                StepEnd::Error(format!("transport error: {err}"))
            }
        }
    }

    /// A 5xx is replayed once, alone: when the replay is not a 5xx, the first answer was the target's
    /// capacity under the run's load (counted for the summary) and the case is judged on the replay.
    /// The first answer stays in the record of the case.
    async fn replay_if_5xx(
        &mut self,
        exchange: crate::wire::Exchange,
        spec: &PreparedRequest,
        record: &ExchangeRecord,
        unmarked: &Unmarked,
    ) -> crate::wire::Exchange {
        if exchange.status < 500 {
            return exchange;
        }
        match self.shared.send_alone(spec).await {
            Ok(replay) if replay.status < 500 => {
                self.shared.load_5xx.fetch_add(1, Ordering::Relaxed);
                self.fault = true;
                let mut first = record.clone();
                first.response = Some(received_kept(&exchange));
                self.push(first, unmarked.clone());
                replay
            }
            Ok(replay) => replay,
            Err(_) => exchange,
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::Method;

    use super::*;
    use crate::outcome::{KEPT_BODY_BYTES, capped, is_cut};
    use crate::runner::execute::marks::LastUnmarked;
    use crate::token::mutation::AttackRequest;

    fn long_request(token: &str) -> (Arc<MadeToken>, RequestSpec) {
        let made = Arc::new(MadeToken {
            attack: AttackRequest::bearer(token),
            mutation: None,
        });
        let spec = RequestSpec::new(Method::GET, "http://127.0.0.1:1/a")
            .header("authorization", format!("Bearer {token}"))
            .header("x-small", "v");
        (made, spec)
    }

    #[test]
    fn long_texts_are_kept_cut_and_marked_as_capped_only_when_kept() {
        // A 2-byte character across the cut of the header value ("Bearer " shifts it).
        let token = format!("{}{}", "a".repeat(KEPT_BODY_BYTES - 8), "é".repeat(600_000));
        let (made, spec) = long_request(&token);
        let (mut record, prepared, unmarked) = record(Phase::Step, 0, "bob", &made, spec);
        let kept = record.token.as_deref().unwrap();
        assert!(kept.len() <= KEPT_BODY_BYTES && !is_cut(kept));
        assert_eq!(prepared.header_values()[0].len(), token.len() + 7);
        unmarked.mark(&mut record);
        assert_eq!(record.token, Some(capped(&token)));
        let headers = &record.request.headers;
        assert_eq!(headers[0].1, capped(&format!("Bearer {token}")));
        assert_eq!(headers[1], ("x-small".to_string(), "v".to_string()));
        assert_eq!(record.actor, "bob");
    }

    #[test]
    fn only_the_last_record_kept_is_marked() {
        let token = "b".repeat(KEPT_BODY_BYTES + 1);
        let (made, spec) = long_request(&token);
        let (first, _, unmarked) = record(Phase::Step, 0, "bob", &made, spec);
        let mut records = vec![first.clone(), first];
        for kept in [None, Some(0)] {
            let mut last = LastUnmarked::default();
            last.set(1, unmarked.clone());
            let mut copy = records.clone();
            last.mark(&mut copy, kept);
            assert_eq!(copy, records, "kept: {kept:?}");
        }
        let mut last = LastUnmarked::default();
        last.set(1, unmarked);
        last.mark(&mut records, Some(1));
        assert!(!is_cut(records[0].token.as_deref().unwrap()));
        assert_eq!(records[1].token, Some(capped(&token)));
    }
}
