//! Running one case: setup, attack steps, verify; every request recorded as it went over the wire.

mod helpers;
mod marks;
mod render;
mod send;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use serde_json::Value;

use super::instances::Instances;
use super::tokens::{MadeToken, TokenError, TokenFactory};
use super::users::CaseUsers;
use crate::outcome::{CaseResult, ExchangeRecord, Phase, ReceivedResponse, Verdict};
use crate::profile::Profile;
use crate::scenario::plan::{
    Case, Category, ExpectPlan, Instance, StatusMatcher, StepAction, StepPlan, TokenPlan, Weakness,
};
use crate::verdict::expect::{self, Broken};
use crate::verdict::form::Form;
use crate::weakness::{self, Level};
use crate::wire::attacker::AttackerHost;
use crate::wire::placement::place;
use crate::wire::{HttpClient, PreparedRequest, RequestSpec, SendError};
pub(crate) use helpers::join;
use helpers::{accepted_mutation, oversized, pad_body, prefixed};
use render::Values;

/// The weakness of a case whose target answered 5xx.
pub const SERVER_ERROR_WEAKNESS: &str = "server-error";

/// Everything shared by the cases of one run.
#[derive(Debug)]
pub struct RunShared {
    /// The HTTP client.
    pub client: HttpClient,
    /// Base URL of the target, no trailing slash.
    pub base_url: String,
    /// The profile.
    pub profile: Arc<Profile>,
    /// Token making.
    pub tokens: TokenFactory,
    /// Each principal's sessions with stateful MCP services.
    pub sessions: super::sessions::McpSessions,
    /// The attacker host (jku/x5u bait).
    pub attacker: AttackerHost,
    /// A per-run value that makes canaries unique.
    pub nonce: u32,
    /// The embedded reference server's instances, when the run has them.
    pub instances: Option<Arc<dyn Instances>>,
    /// Every request holds it shared; the replay of a 5xx holds it alone, so that it meets an idle
    /// target.
    pub quiet: tokio::sync::RwLock<()>,
    /// 5xx answers that a replay alone did not repeat: the target's capacity, not a weakness.
    pub load_5xx: AtomicUsize,
    /// Whether notes fail the gate (`--strict`, `policy.level: strict`).
    pub strict: bool,
    /// Keep the principals' valid tokens in the records (`--reveal-tokens`); by default they are
    /// replaced by a placeholder.
    pub reveal_tokens: bool,
    /// Transport failures in a row: the run gives up on a target that stopped answering.
    pub halt: super::halt::Halt,
    /// Set by an interrupt (Ctrl-C): no case starts after it.
    pub interrupted: Arc<std::sync::atomic::AtomicBool>,
    /// What the run created in the target, for the cleanup at the end.
    pub created: super::created::Created,
}

impl RunShared {
    /// The canary of `principal` in case `case_index`: unique to the case, so that a leak is charged
    /// to the case whose data leaked.
    fn canary(&self, case_index: usize, principal: &str) -> String {
        format!("cnry-{:08x}-{case_index:05}-{principal}", self.nonce)
    }

    /// Whether a failure named `id` fails the gate at this run's level.
    fn gates(&self, id: &str) -> bool {
        self.strict
            || weakness::level_of(id) == Level::Gate
            || (id == Form::NoInvalidTokenError.weakness().id
                && self.profile.policy.require_invalid_token_error)
    }

    /// Sends `spec` alongside the other cases' requests.
    async fn send(&self, spec: &PreparedRequest) -> Result<crate::wire::Exchange, SendError> {
        let _shared = self.quiet.read().await;
        let outcome = self.client.send_prepared(spec).await;
        self.count(spec, &outcome);
        outcome
    }

    /// Counts an answer, or a transport failure, towards giving up on the target; an oversized
    /// request refused by a closed connection is neither (a server may refuse it that way).
    fn count(&self, spec: &PreparedRequest, outcome: &Result<crate::wire::Exchange, SendError>) {
        if !(oversized(spec) && matches!(outcome, Err(SendError::Broken(_)))) {
            self.halt.record(spec.head(), outcome);
        }
    }

    /// Sends `spec` while no other request is in flight.
    async fn send_alone(&self, spec: &PreparedRequest) -> Result<crate::wire::Exchange, SendError> {
        let _alone = self.quiet.write().await;
        let outcome = self.client.send_prepared(spec).await;
        self.count(spec, &outcome);
        outcome
    }
}

/// How one request of a case ended.
enum StepEnd {
    Ok,
    /// The outcome the case feared: its own weakness.
    Fail(String),
    /// A refusal in another form than the spec's: named as that form, never as the attack.
    Form(Form, String),
    /// A 5xx: whatever the step probed, the target broke (a robustness weakness).
    ServerError(String),
    Error(String),
    Skip(String),
}

struct CaseRun<'a> {
    shared: &'a RunShared,
    case: &'a Case,
    index: usize,
    /// The users this case acts as.
    users: CaseUsers,
    captures: HashMap<String, Value>,
    exchanges: Vec<ExchangeRecord>,
    /// The texts of the last record awaiting their marks, written if the case keeps that record.
    unmarked: marks::LastUnmarked,
    server_error: bool,
    /// The form of refusal the case met, when that is what broke it.
    form: Option<Form>,
    /// The weakness of the catalog mutation whose token was accepted, when that is what broke it.
    accepted: Option<Weakness>,
    /// The token of the previous request, for `token: previous` (shared: a token may be 1 MiB).
    previous: Option<Arc<MadeToken>>,
    /// An instance was restarted and no request has been answered since.
    restarted: bool,
    /// The target faltered: a transport error, or a 5xx that a replay alone did not repeat.
    fault: bool,
}

/// Runs one case, judges it and keeps what the reports need of it ([`CaseResult::retain`]); the
/// flag says whether the target faltered (for adaptive concurrency).
pub async fn run_case(
    shared: &RunShared,
    case: &Case,
    index: usize,
    category: Category,
) -> (CaseResult, bool) {
    let started = Instant::now();
    let mut run = CaseRun {
        shared,
        case,
        index,
        users: CaseUsers::for_case(&shared.profile, &case.id),
        captures: HashMap::new(),
        exchanges: Vec::new(),
        unmarked: Default::default(),
        server_error: false,
        form: None,
        accepted: None,
        previous: None,
        restarted: false,
        fault: false,
    };
    let (verdict, reason) = run.all().await;
    let culprit = if verdict == Verdict::Pass || run.exchanges.is_empty() {
        None
    } else {
        Some(run.exchanges.len() - 1)
    };
    // A 5xx is a robustness weakness whatever the scenario probed, and a refusal in another form is
    // that form: count them there, under one name each.
    let (category, weakness) = if run.server_error {
        (
            Category::Robustness,
            Weakness::registered(SERVER_ERROR_WEAKNESS),
        )
    } else if let Some(form) = run.form {
        (category, form.weakness())
    } else if let Some(accepted) = run.accepted.take() {
        (category, accepted)
    } else {
        (category, case.weakness.clone())
    };
    let verdict = if verdict == Verdict::Fail && !shared.gates(&weakness.id) {
        Verdict::Note
    } else {
        verdict
    };
    let fault = run.fault;
    // The culprit of a case that did not pass is the one record it keeps whole (its long texts
    // marked now); the others keep no text once retained.
    run.unmarked.mark(&mut run.exchanges, culprit);
    let mut result = CaseResult {
        id: case.id.clone(),
        scenario: case.scenario,
        category,
        weakness,
        verdict,
        reason,
        culprit,
        exchanges: run.exchanges,
        duration: started.elapsed(),
        gate: Default::default(),
    };
    // The records no report keeps lose their texts first: only what is kept is redacted.
    result.slim_unkept();
    if !shared.reveal_tokens {
        result.redact(&run.users.valid_tokens());
    }
    // Retained here: the records other than the culprit hold long texts cut without their marks.
    result.retain();
    (result, fault)
}

impl CaseRun<'_> {
    async fn all(&mut self) -> (Verdict, String) {
        let phases = [
            (Phase::Setup, &self.case.setup),
            (Phase::Step, &self.case.steps),
            (Phase::Verify, &self.case.verify),
        ];
        for (phase, steps) in phases {
            for (index, step) in steps.iter().enumerate() {
                match self.step(phase, index, step).await {
                    StepEnd::Ok => {}
                    StepEnd::Fail(reason)
                    | StepEnd::ServerError(reason)
                    | StepEnd::Form(_, reason)
                        if phase == Phase::Setup =>
                    {
                        return (Verdict::Error, format!("setup {}: {reason}", index + 1));
                    }
                    StepEnd::Form(form, reason) => {
                        self.form = Some(form);
                        return (Verdict::Fail, prefixed(phase, index, steps.len(), &reason));
                    }
                    StepEnd::ServerError(reason) => {
                        self.server_error = true;
                        return (Verdict::Fail, prefixed(phase, index, steps.len(), &reason));
                    }
                    StepEnd::Fail(reason) => {
                        return (Verdict::Fail, prefixed(phase, index, steps.len(), &reason));
                    }
                    StepEnd::Error(reason) => {
                        return (Verdict::Error, prefixed(phase, index, steps.len(), &reason));
                    }
                    StepEnd::Skip(reason) => {
                        return (Verdict::Skipped, format!("not applicable: {reason}"));
                    }
                }
            }
        }
        (Verdict::Pass, String::new())
    }

    /// The base URL of the instance a step talks to.
    async fn base_url(&self, instance: Instance) -> Result<String, String> {
        match (instance, &self.shared.instances) {
            (Instance::Primary, _) => Ok(self.shared.base_url.clone()),
            (other, Some(instances)) => instances.base_url(other).await,
            (other, None) => Err(format!(
                "instance `{}`: {}",
                other.as_str(),
                super::instances::NEEDS_EMBEDDED
            )),
        }
    }

    /// An `action` step.
    async fn act(&mut self, action: StepAction, instance: Instance) -> StepEnd {
        let Some(instances) = &self.shared.instances else {
            return StepEnd::Skip(super::instances::NEEDS_EMBEDDED.into());
        };
        match action {
            StepAction::Restart => match instances.restart(instance).await {
                Ok(()) => {
                    self.restarted = true;
                    StepEnd::Ok
                }
                Err(reason) => StepEnd::Error(format!(
                    "cannot restart the {} instance: {reason}",
                    instance.as_str()
                )),
            },
        }
    }

    /// One step of a case: an action, or a request (see [`Self::request`]).
    async fn step(&mut self, phase: Phase, index: usize, step: &StepPlan) -> StepEnd {
        if let Some(action) = step.options.action {
            return self.act(action, step.options.instance).await;
        }
        match self.request(phase, index, step).await {
            Ok(()) => StepEnd::Ok,
            Err(end) => end,
        }
    }

    /// A request step: make its token, render and place the request, send it (resent after a
    /// restart, replayed alone after a 5xx), judge the answer and keep its captures. `Err` is how
    /// the step ended early.
    async fn request(
        &mut self,
        phase: Phase,
        index: usize,
        step: &StepPlan,
    ) -> Result<(), StepEnd> {
        let shared = self.shared;
        let attacker_prefix = format!("/c{}-{}", self.index, self.exchanges.len());
        let attacker_base = format!("{}{attacker_prefix}", shared.attacker.base_url());
        let made = self.token(step, &attacker_base)?;
        self.previous = Some(Arc::clone(&made));
        let base_url = self
            .base_url(step.options.instance)
            .await
            .map_err(StepEnd::Error)?;
        shared.attacker.host(&attacker_prefix, &made.attack.hosted);
        let values = Values {
            user_id: self.path_user(step, &made)?,
            canary: shared.canary(self.index, &step.actor),
            attacker_base,
        };
        let spec = self.request_spec(step, &made, &base_url, &values)?;
        // Rendered once, before the send: a send that breaks reads it too. A rendering error ends
        // the step only once the request is sent and recorded.
        let plan = self.expectation(step, &made, &values);
        let (record, spec, unmarked) = send::record(phase, index, &step.actor, &made, spec);
        let response = self
            .exchange(phase, &spec, plan.as_ref().ok(), (record, unmarked))
            .await?;
        if (200..300).contains(&response.status) {
            self.note_created(step, &made, &response);
        }
        let fetched = shared.attacker.fetches_under(&attacker_prefix);
        if let Some(fetch) = fetched.first() {
            return Err(StepEnd::Fail(format!(
                "the target fetched attacker-hosted key material ({})",
                fetch.path
            )));
        }
        let plan = plan.map_err(StepEnd::Error)?;
        self.judge(phase, step, plan, &made, &response)?;
        self.capture(step, &response)
    }

    /// Records what a 2xx answer proves the request created, owned by the user whose data it named
    /// (the path user; the principal a mutation's subject names, when it names one).
    fn note_created(&self, step: &StepPlan, made: &MadeToken, response: &ReceivedResponse) {
        let owner = match &made.attack.path_user {
            Some(sub) => self.users.named(sub).unwrap_or(sub),
            None => &step.path_user,
        };
        let owner_id = self.users.id(owner).unwrap_or(owner);
        let maker = super::created::Maker {
            case: &self.case.id,
            owner,
            owner_id,
        };
        self.shared
            .created
            .note(&step.request, response.status, &response.body, maker);
    }

    /// The step's token: the previous request's (`token: previous`) or a new one.
    fn token(&self, step: &StepPlan, attacker_base: &str) -> Result<Arc<MadeToken>, StepEnd> {
        match &step.token {
            TokenPlan::Previous => match &self.previous {
                Some(previous) => Ok(Arc::clone(previous)),
                None => Err(StepEnd::Error(
                    "`token: previous`, but no earlier request of this case sent one".into(),
                )),
            },
            plan => match self
                .shared
                .tokens
                .make(plan, &self.users, &step.actor, attacker_base)
            {
                Ok(made) => Ok(Arc::new(made)),
                Err(TokenError::NotApplicable(reason)) => Err(StepEnd::Skip(reason)),
                Err(TokenError::Failed(reason)) => {
                    Err(StepEnd::Error(format!("cannot make the token: {reason}")))
                }
            },
        }
    }

    /// The id of the user in the path: the token's subject when the attack names one, else the
    /// step's `path_user`.
    fn path_user(&self, step: &StepPlan, made: &MadeToken) -> Result<String, StepEnd> {
        match &made.attack.path_user {
            Some(sub) => Ok(sub.clone()),
            None => match self.users.get(&step.path_user) {
                Ok(principal) => Ok(principal.sub.clone()),
                Err(reason) => Err(StepEnd::Error(reason)),
            },
        }
    }

    /// The request as it goes over the wire: rendered, the token placed, the body padded.
    fn request_spec(
        &self,
        step: &StepPlan,
        made: &MadeToken,
        base_url: &str,
        values: &Values,
    ) -> Result<RequestSpec, StepEnd> {
        let spec = match self.render(step, base_url, values) {
            Ok(spec) => place(spec, &made.attack, &self.shared.profile.presentation),
            Err(reason) => return Err(StepEnd::Error(reason)),
        };
        pad_body(spec, step.options.body_bytes).map_err(StepEnd::Error)
    }

    /// What the answer must be: the step's expectation rendered, with what the run's policy adds
    /// (the profile may differ from the one the suite was loaded with, as in the selftest's styles):
    /// the answers to a request without a token, and the expectation of the token's mutation.
    fn expectation(
        &self,
        step: &StepPlan,
        made: &MadeToken,
        values: &Values,
    ) -> Result<ExpectPlan, String> {
        let token_text = made.attack.token.as_deref().unwrap_or_default();
        let mut plan =
            self.render_expect(&step.expect, token_text, &values.user_id, &values.canary)?;
        // A request the harness sends without a token may get what the profile declares for missing
        // credentials (FastAPI's legacy 403) wherever a 401 is expected.
        if step.token == TokenPlan::None
            && let Some(StatusMatcher::Codes(codes)) = &mut plan.status
            && codes.contains(&401)
        {
            for code in &self.shared.profile.policy.missing_token_status {
                if !codes.contains(code) {
                    codes.push(*code);
                }
            }
        }
        if step.expect.from_mutation {
            match made.mutation {
                Some(mutation) => {
                    plan = expect::merged(
                        plan,
                        &expect::for_mutation(mutation, &self.shared.profile.policy),
                    )
                }
                None => return Err("expect: from_mutation, but the token has no mutation".into()),
            }
        }
        Ok(plan)
    }

    /// Judges the answer against `plan`: no 5xx, the listed objects found, no canary leaked, the
    /// expectation met.
    fn judge(
        &mut self,
        phase: Phase,
        step: &StepPlan,
        mut plan: ExpectPlan,
        made: &MadeToken,
        response: &ReceivedResponse,
    ) -> Result<(), StepEnd> {
        if let Some(reason) = expect::server_error(&plan, response.status) {
            return Err(StepEnd::ServerError(reason));
        }
        if let Err(reason) = self.resolve_elements(&mut plan, response) {
            return Err(if response.body_truncated {
                StepEnd::Error(expect::cut_reason(&response.body))
            } else {
                StepEnd::Fail(reason)
            });
        }
        // Only this case's canaries: another case's successful attack never fails this one.
        let leaked: Vec<String> = plan
            .no_leak
            .iter()
            .chain(&plan.no_leak_in_case)
            .map(|principal| self.shared.canary(self.index, principal))
            .collect();
        let sent = expect::SentToken {
            token: made.attack.token.as_deref().unwrap_or_default(),
            at: &render::token_slots(&step.expect),
        };
        match expect::check_sent(&plan, response, &leaked, sent) {
            Ok(()) => Ok(()),
            Err(Broken::Feared(reason)) => {
                self.accepted = accepted_mutation(phase, made.mutation);
                Err(StepEnd::Fail(reason))
            }
            Err(Broken::Form(form, reason)) => Err(StepEnd::Form(form, reason)),
            Err(Broken::Unread(reason)) => Err(StepEnd::Error(reason)),
        }
    }

    /// Keeps the step's captures from the answer, for the placeholders of later steps.
    fn capture(&mut self, step: &StepPlan, response: &ReceivedResponse) -> Result<(), StepEnd> {
        for (name, pointer) in &step.captures {
            let value = crate::wire::body::parse(&response.body).and_then(|body| {
                let pointer = super::element::resolve(&body, pointer, &self.captures).ok()?;
                crate::wire::body::pointer(&body, &pointer).map(|found| found.into_owned())
            });
            match value {
                Some(value) => {
                    self.captures.insert(name.clone(), value);
                }
                None if response.body_truncated => {
                    return Err(StepEnd::Error(format!(
                        "capture {name}: {}",
                        expect::cut_reason(&response.body)
                    )));
                }
                None => {
                    return Err(StepEnd::Fail(format!(
                        "capture {name}: nothing at {pointer} in the answer"
                    )));
                }
            }
        }
        Ok(())
    }
}
