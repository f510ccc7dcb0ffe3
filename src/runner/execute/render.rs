//! Rendering a step: its request and expectation with the run-time placeholders filled in.

use serde_json::Value;

use super::CaseRun;
use super::helpers::{join, value_text};
use crate::outcome::ReceivedResponse;
use crate::scenario::plan::{BodyTemplate, ExpectPlan, StepPlan, parse_element_pointer};
use crate::template;
use crate::wire::RequestSpec;

/// The run-time values of one request that its placeholders read, besides captures and user ids.
pub(super) struct Values {
    /// `{user_id}`: the id of the user in the path.
    pub(super) user_id: String,
    /// `{canary}`: the canary of the step's actor in this case.
    pub(super) canary: String,
    /// `{attacker_url}`: where the attacker host serves this request's bait.
    pub(super) attacker_base: String,
}

impl CaseRun<'_> {
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

    pub(super) fn render(
        &self,
        step: &StepPlan,
        base_url: &str,
        values: &Values,
    ) -> Result<RequestSpec, String> {
        let Values {
            user_id,
            canary,
            attacker_base,
        } = values;
        let text = |name: &str| {
            self.lookup(name, user_id, canary, attacker_base)
                .map(|value| value_text(&value))
        };
        let value = |name: &str| self.lookup(name, user_id, canary, attacker_base);
        let request = &step.request;
        let path = template::render(&request.path, &text).map_err(|err| format!("path: {err}"))?;
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
        let mut spec = RequestSpec::new(request.method.clone(), url.to_string());
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
    pub(super) fn resolve_elements(
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
            *pointer = crate::runner::element::resolve(&body, pointer, &self.captures)?;
        }
        Ok(())
    }

    pub(super) fn render_expect(
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
        // The token is copied only where it is part of a text (it may be 1.4 MiB), never through a
        // JSON value.
        let text = |name: &str| match name {
            "token" => Some(token.to_string()),
            other => self
                .lookup(other, user_id, canary, "")
                .map(|value| value_text(&value)),
        };
        let mut plan = expect.clone();
        for (pointer, wanted) in &mut plan.json {
            *wanted = template::render_json(wanted, &lookup)
                .map_err(|err| format!("expect json {pointer}: {err}"))?;
        }
        for text_value in &mut plan.body_not_contains {
            *text_value = match template::sole_placeholder(text_value) {
                // Left empty: the judge compares the token where it is ([`token_slots`]).
                Some("token") => String::new(),
                _ => template::render(text_value, &text).map_err(|err| format!("expect: {err}"))?,
            };
        }
        Ok(plan)
    }
}

/// The positions in `expect.body_not_contains` that name the token sent as their whole text
/// (`{token}`): [`CaseRun::render_expect`] leaves them empty, the judge compares the token itself.
pub(super) fn token_slots(expect: &ExpectPlan) -> Vec<usize> {
    expect
        .body_not_contains
        .iter()
        .enumerate()
        .filter(|(_, text)| template::sole_placeholder(text) == Some("token"))
        .map(|(at, _)| at)
        .collect()
}
