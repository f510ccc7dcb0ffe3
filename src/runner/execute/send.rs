//! Sending a step's request: resend after a restart, transport errors, 5xx replay, the record.

use std::sync::atomic::Ordering;

use super::helpers::{oversized, received, received_kept, sent};
use super::{CaseRun, StepEnd};
use crate::outcome::{ExchangeRecord, KEPT_BODY_BYTES, Phase, ReceivedResponse, capped};
use crate::runner::tokens::MadeToken;
use crate::scenario::plan::{ExpectPlan, StepPlan};
use crate::wire::{RequestSpec, SendError};

/// The record of a request before it is answered.
pub(super) fn record(
    phase: Phase,
    index: usize,
    step: &StepPlan,
    made: &MadeToken,
    spec: &RequestSpec,
) -> ExchangeRecord {
    ExchangeRecord {
        phase,
        index,
        actor: step.actor.clone(),
        token: made.attack.token.as_deref().map(kept_token),
        mutation: made.mutation.map(|m| m.id.to_string()),
        request: sent(spec),
        response: None,
        error: None,
    }
}

/// The token as a record keeps it: whole when short, else cut at [`KEPT_BODY_BYTES`] with the
/// whole's length and SHA-256, as the record of a case keeps it once judged (a megabyte attack
/// token is not copied whole for the record).
fn kept_token(token: &str) -> String {
    if token.len() > KEPT_BODY_BYTES {
        capped(token)
    } else {
        token.to_string()
    }
}

impl CaseRun<'_> {
    /// Sends the step's request and records the exchange; the answer, or how the step ended without
    /// one (a transport error, or [`StepEnd::Ok`] for an oversized request refused by a closed
    /// connection).
    /// `plan` is the step's expectation, when it could be rendered.
    pub(super) async fn exchange(
        &mut self,
        phase: Phase,
        spec: &RequestSpec,
        plan: Option<&ExpectPlan>,
        mut record: ExchangeRecord,
    ) -> Result<ReceivedResponse, StepEnd> {
        let exchange = match self.send_after_restart(spec).await {
            Ok(exchange) => exchange,
            Err(err) => {
                record.error = Some(err.to_string());
                self.exchanges.push(record);
                return Err(self.transport_error(phase, spec, plan, err));
            }
        };
        let exchange = self.replay_if_5xx(exchange, spec, &record).await;
        // The record keeps the answer cut (what the case keeps anyway); the whole body is judged.
        let response = received(exchange);
        record.response = Some(response.kept());
        self.exchanges.push(record);
        Ok(response)
    }

    /// Sends `spec`, once more when an instance was just restarted and the send broke.
    async fn send_after_restart(
        &mut self,
        spec: &RequestSpec,
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
        spec: &RequestSpec,
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
        spec: &RequestSpec,
        record: &ExchangeRecord,
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
                self.exchanges.push(first);
                replay
            }
            Ok(replay) => replay,
            Err(_) => exchange,
        }
    }
}
