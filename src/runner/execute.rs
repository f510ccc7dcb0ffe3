//! Running one case: setup, attack steps, verify; every request recorded as it went over the wire.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use reqwest::Method;
use serde_json::Value;

use super::instances::Instances;
use super::result::{CaseResult, ExchangeRecord, Phase, ReceivedResponse, SentRequest, Verdict};
use super::tokens::{MadeToken, TokenError, TokenFactory};
use super::users::CaseUsers;
use crate::profile::Profile;
use crate::scenario::plan::{
    BodyTemplate, Case, Category, ExpectPlan, Instance, StatusMatcher, StepAction, StepPlan,
    TokenPlan, Weakness, parse_element_pointer,
};
use crate::scenario::template;
use crate::token::mutation::Mutation;
use crate::verdict::expect::{self, Broken};
use crate::verdict::form::Form;
use crate::weakness::{self, Level};
use crate::wire::attacker::AttackerHost;
use crate::wire::placement::place;
use crate::wire::{HttpClient, RequestSpec, SendError};

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
    async fn send(&self, spec: &RequestSpec) -> Result<crate::wire::Exchange, SendError> {
        let _shared = self.quiet.read().await;
        self.client.send(spec).await
    }

    /// Sends `spec` while no other request is in flight.
    async fn send_alone(&self, spec: &RequestSpec) -> Result<crate::wire::Exchange, SendError> {
        let _alone = self.quiet.write().await;
        self.client.send(spec).await
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

/// Runs one case and judges it; the flag says whether the target faltered (for adaptive concurrency).
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
    let result = CaseResult {
        id: case.id.clone(),
        scenario: case.scenario,
        category,
        weakness,
        verdict,
        reason,
        culprit,
        exchanges: run.exchanges,
        duration: started.elapsed(),
    };
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

    async fn step(&mut self, phase: Phase, index: usize, step: &StepPlan) -> StepEnd {
        if let Some(action) = step.options.action {
            return self.act(action, step.options.instance).await;
        }
        let shared = self.shared;
        let attacker_prefix = format!("/c{}-{}", self.index, self.exchanges.len());
        let attacker_base = format!("{}{attacker_prefix}", shared.attacker.base_url());
        let made = match &step.token {
            TokenPlan::Previous => match &self.previous {
                Some(previous) => Arc::clone(previous),
                None => {
                    return StepEnd::Error(
                        "`token: previous`, but no earlier request of this case sent one".into(),
                    );
                }
            },
            plan => match shared
                .tokens
                .make(plan, &self.users, &step.actor, &attacker_base)
            {
                Ok(made) => Arc::new(made),
                Err(TokenError::NotApplicable(reason)) => return StepEnd::Skip(reason),
                Err(TokenError::Failed(reason)) => {
                    return StepEnd::Error(format!("cannot make the token: {reason}"));
                }
            },
        };
        self.previous = Some(Arc::clone(&made));
        let base_url = match self.base_url(step.options.instance).await {
            Ok(url) => url,
            Err(reason) => return StepEnd::Error(reason),
        };
        shared.attacker.host(&attacker_prefix, &made.attack.hosted);
        let user_id = match &made.attack.path_user {
            Some(sub) => sub.clone(),
            None => match self.users.get(&step.path_user) {
                Ok(principal) => principal.sub.clone(),
                Err(reason) => return StepEnd::Error(reason),
            },
        };
        let token_text = made.attack.token.as_deref().unwrap_or_default();
        let canary = shared.canary(self.index, &step.actor);
        let spec = match self.render(step, &base_url, &user_id, &canary, &attacker_base) {
            Ok(spec) => place(spec, &made.attack, &shared.profile.presentation),
            Err(reason) => return StepEnd::Error(reason),
        };
        let spec = match pad_body(spec, step.options.body_bytes) {
            Ok(spec) => spec,
            Err(reason) => return StepEnd::Error(reason),
        };
        let mut record = ExchangeRecord {
            phase,
            index,
            actor: step.actor.clone(),
            token: made.attack.token.clone(),
            mutation: made.mutation.map(|m| m.id.to_string()),
            request: SentRequest {
                method: spec.method.to_string(),
                url: spec.url.clone(),
                // The token is kept whole once, in `token`; a header is cut like a body.
                headers: spec
                    .headers
                    .iter()
                    .map(|(name, value)| (name.clone(), super::result::capped(value)))
                    .collect(),
                body: spec
                    .body
                    .as_ref()
                    .map(|body| super::result::capped(&String::from_utf8_lossy(body))),
            },
            response: None,
            error: None,
        };
        let mut outcome = shared.send(&spec).await;
        if self.restarted && matches!(outcome, Err(SendError::Broken(_))) {
            // A keep-alive connection to the process the harness just stopped: not the target's doing.
            outcome = shared.send(&spec).await;
        }
        self.restarted = false;
        let exchange = match outcome {
            Ok(exchange) => exchange,
            Err(err) => {
                record.error = Some(err.to_string());
                self.exchanges.push(record);
                let refusal_allowed = oversized(&spec)
                    && self.refusal_expected(step, made.mutation, token_text, &user_id, &canary);
                return match err {
                    // A server may refuse an oversized request by answering early and closing the
                    // connection (RFC 9112 §9.6), which the client sees as a broken send.
                    SendError::Broken(_) if phase != Phase::Setup && refusal_allowed => StepEnd::Ok,
                    // A transport fault is the target's instability, not a weakness: not judged.
                    _ => {
                        self.fault = true;
                        StepEnd::Error(format!("transport error: {err}"))
                    }
                };
            }
        };
        let exchange = self.replay_if_5xx(exchange, &spec, &record).await;
        let response = received(&exchange);
        record.response = Some(response.clone());
        self.exchanges.push(record);

        let fetched = shared.attacker.fetches_under(&attacker_prefix);
        if let Some(fetch) = fetched.first() {
            return StepEnd::Fail(format!(
                "the target fetched attacker-hosted key material ({})",
                fetch.path
            ));
        }
        let mut plan = match self.render_expect(&step.expect, token_text, &user_id, &canary) {
            Ok(plan) => plan,
            Err(reason) => return StepEnd::Error(reason),
        };
        if phase == Phase::Setup && plan.status.is_none() {
            plan.status = Some(StatusMatcher::Class(2));
        }
        // A request the harness sends without a token may get what the profile declares for missing
        // credentials (FastAPI's legacy 403) wherever a 401 is expected.
        if step.token == TokenPlan::None
            && let Some(StatusMatcher::Codes(codes)) = &mut plan.status
            && codes.contains(&401)
        {
            for code in &shared.profile.policy.missing_token_status {
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
                        &expect::for_mutation(mutation, &shared.profile.policy),
                    )
                }
                None => {
                    return StepEnd::Error(
                        "expect: from_mutation, but the token has no mutation".into(),
                    );
                }
            }
        }
        if response.status >= 500 && !plan.allow_5xx {
            return StepEnd::ServerError(format!(
                "server error {}: no input may make the target fail",
                response.status
            ));
        }
        if let Err(reason) = self.resolve_elements(&mut plan, &response) {
            return if response.body_truncated {
                StepEnd::Error(expect::cut_reason(&response.body))
            } else {
                StepEnd::Fail(reason)
            };
        }
        // Only this case's canaries: another case's successful attack never fails this one.
        let leaked: Vec<String> = plan
            .no_leak
            .iter()
            .chain(&plan.no_leak_in_case)
            .map(|principal| shared.canary(self.index, principal))
            .collect();
        match expect::check(&plan, &response, &leaked) {
            Ok(()) => {}
            Err(Broken::Feared(reason)) => {
                self.accepted = accepted_mutation(phase, made.mutation);
                return StepEnd::Fail(reason);
            }
            Err(Broken::Form(form, reason)) => return StepEnd::Form(form, reason),
            Err(Broken::Unread(reason)) => return StepEnd::Error(reason),
        }
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
                    return StepEnd::Error(format!(
                        "capture {name}: {}",
                        expect::cut_reason(&response.body)
                    ));
                }
                None => {
                    return StepEnd::Fail(format!(
                        "capture {name}: nothing at {pointer} in the answer"
                    ));
                }
            }
        }
        StepEnd::Ok
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
                first.response = Some(received(&exchange));
                self.exchanges.push(first);
                replay
            }
            Ok(replay) => replay,
            Err(_) => exchange,
        }
    }

    /// Whether the step's expectation accepts a 4xx refusal (so that a connection closed on an
    /// oversized request counts as one).
    fn refusal_expected(
        &self,
        step: &StepPlan,
        mutation: Option<&'static crate::token::mutation::Mutation>,
        token: &str,
        user_id: &str,
        canary: &str,
    ) -> bool {
        let Ok(mut plan) = self.render_expect(&step.expect, token, user_id, canary) else {
            return false;
        };
        if step.expect.from_mutation
            && let Some(mutation) = mutation
        {
            plan = expect::merged(
                plan,
                &expect::for_mutation(mutation, &self.shared.profile.policy),
            );
        }
        plan.status
            .is_some_and(|status| (400..500).any(|code| status.matches(code)))
    }

    /// The value of a run-time placeholder.
    fn lookup(
        &self,
        name: &str,
        user_id: &str,
        canary: &str,
        attacker_base: &str,
    ) -> Option<Value> {
        match name {
            "user_id" => Some(Value::from(user_id)),
            "canary" => Some(Value::from(canary)),
            "attacker_url" => Some(Value::from(attacker_base)),
            _ => self
                .captures
                .get(name)
                .cloned()
                .or_else(|| self.users.id(name).map(Value::from)),
        }
    }

    fn render(
        &self,
        step: &StepPlan,
        base_url: &str,
        user_id: &str,
        canary: &str,
        attacker_base: &str,
    ) -> Result<RequestSpec, String> {
        let text = |name: &str| {
            self.lookup(name, user_id, canary, attacker_base)
                .map(|value| value_text(&value))
        };
        let value = |name: &str| self.lookup(name, user_id, canary, attacker_base);
        let request = &step.request;
        let path = template::render(&request.path, &text).map_err(|err| format!("path: {err}"))?;
        let method = Method::from_bytes(request.method.as_bytes())
            .map_err(|err| format!("method: {err}"))?;
        let mut url =
            url::Url::parse(&join(base_url, &path)).map_err(|err| format!("url: {err}"))?;
        if !request.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &request.query {
                let value =
                    template::render(value, &text).map_err(|err| format!("query {name}: {err}"))?;
                pairs.append_pair(name, &value);
            }
        }
        let mut spec = RequestSpec::new(method, url.to_string());
        for (name, value) in &self.shared.profile.extra_headers {
            spec = spec.header(name.clone(), value.clone());
        }
        let session = self.shared.sessions.headers(url.as_str(), &step.actor);
        let in_session = !session.is_empty();
        for (name, value) in session {
            spec = spec.header(name, value);
        }
        for (name, value) in &request.headers {
            let value =
                template::render(value, &text).map_err(|err| format!("header {name}: {err}"))?;
            spec = spec.header(name.clone(), value);
        }
        match &request.body {
            Some(BodyTemplate::Json(body)) => {
                let mut body =
                    template::render_json(body, &value).map_err(|err| format!("body: {err}"))?;
                if in_session {
                    self.shared.sessions.number(&mut body);
                }
                spec = spec.json(&body);
            }
            Some(BodyTemplate::Text(body)) => {
                let body = template::render(body, &text).map_err(|err| format!("body: {err}"))?;
                spec.body = Some(body.into_bytes());
            }
            None => {}
        }
        Ok(spec)
    }

    /// The plan's element pointers (objects read back through a list) made concrete in this answer;
    /// an object missing from its list fails the step.
    fn resolve_elements(
        &self,
        plan: &mut ExpectPlan,
        response: &ReceivedResponse,
    ) -> Result<(), String> {
        if !plan
            .json
            .iter()
            .any(|(pointer, _)| parse_element_pointer(pointer).is_some())
        {
            return Ok(());
        }
        let body: Value = crate::wire::body::parse(&response.body)
            .ok_or_else(|| "the list answer is not JSON".to_string())?;
        for (pointer, _) in &mut plan.json {
            *pointer = super::element::resolve(&body, pointer, &self.captures)?;
        }
        Ok(())
    }

    fn render_expect(
        &self,
        expect: &ExpectPlan,
        token: &str,
        user_id: &str,
        canary: &str,
    ) -> Result<ExpectPlan, String> {
        let lookup = |name: &str| match name {
            "token" => Some(Value::from(token)),
            other => self.lookup(other, user_id, canary, ""),
        };
        let text = |name: &str| lookup(name).map(|value| value_text(&value));
        let mut plan = expect.clone();
        for (pointer, wanted) in &mut plan.json {
            *wanted = template::render_json(wanted, &lookup)
                .map_err(|err| format!("expect json {pointer}: {err}"))?;
        }
        for text_value in &mut plan.body_not_contains {
            *text_value =
                template::render(text_value, &text).map_err(|err| format!("expect: {err}"))?;
        }
        Ok(plan)
    }
}

/// The URL of a request: `path` on the target's `base_url`, or `path` itself when the expansion made
/// it absolute (an operation of another service the profile declares).
pub(crate) fn join(base_url: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{base_url}{path}")
    }
}

/// What an accepted attack token shows: the weakness of the mutation that made it, whatever the
/// scenario probed (an expired token accepted on `/mcp` is expiry not enforced, not an open
/// endpoint). A request without credentials shows what its scenario says (an open endpoint).
fn accepted_mutation(phase: Phase, mutation: Option<&Mutation>) -> Option<Weakness> {
    let mutation = mutation.filter(|m| phase == Phase::Step && m.id != "no-credentials")?;
    Some(Weakness::registered(mutation.accepted_weakness().id))
}

/// The answer as the verdict sees it.
fn received(exchange: &crate::wire::Exchange) -> ReceivedResponse {
    ReceivedResponse {
        status: exchange.status,
        headers: exchange.headers.clone(),
        body: exchange.body_text(),
        body_truncated: exchange.body_truncated,
        elapsed: exchange.elapsed,
    }
}

/// Requests beyond what servers commonly read before refusing: more than 64 KiB of headers or body.
fn oversized(spec: &RequestSpec) -> bool {
    const LIMIT: usize = 64 * 1024;
    let headers: usize = spec
        .headers
        .iter()
        .map(|(name, value)| name.len() + value.len() + 4)
        .sum();
    headers > LIMIT || spec.body.as_ref().is_some_and(|body| body.len() > LIMIT)
}

/// Pads the body with trailing spaces to exactly `bytes` bytes (`body_bytes:`); JSON stays valid.
fn pad_body(mut spec: RequestSpec, bytes: Option<usize>) -> Result<RequestSpec, String> {
    let Some(bytes) = bytes else {
        return Ok(spec);
    };
    let body = spec.body.get_or_insert_with(Vec::new);
    if body.len() > bytes {
        return Err(format!(
            "body_bytes: {bytes}, but the body is already {} bytes long",
            body.len()
        ));
    }
    body.resize(bytes, b' ');
    Ok(spec)
}

/// A JSON value as it reads inside a string: strings without quotes, others as JSON.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn prefixed(phase: Phase, index: usize, count: usize, reason: &str) -> String {
    if count <= 1 && phase == Phase::Step {
        reason.to_string()
    } else {
        format!("{} {}: {reason}", phase.as_str(), index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_padded_to_the_exact_size_and_never_cut() {
        let spec = RequestSpec::new(Method::POST, "http://127.0.0.1:1/")
            .json(&serde_json::json!({"a": 1}));
        let padded = pad_body(spec.clone(), Some(65_537)).unwrap();
        let body = padded.body.unwrap();
        assert_eq!(body.len(), 65_537);
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            serde_json::json!({"a": 1}),
            "still the same JSON"
        );
        assert_eq!(pad_body(spec.clone(), None).unwrap(), spec);
        assert!(pad_body(spec, Some(3)).unwrap_err().contains("already"));
    }

    #[test]
    fn oversized_means_more_than_64_kib_of_headers_or_body() {
        let small = RequestSpec::new(Method::GET, "http://127.0.0.1:1/")
            .header("authorization", "Bearer x");
        assert!(!oversized(&small));
        let big_header = small.clone().header("authorization", "x".repeat(70_000));
        assert!(oversized(&big_header));
        let mut big_body = small;
        big_body.body = Some(vec![b' '; 65_537]);
        assert!(oversized(&big_body));
    }
}
