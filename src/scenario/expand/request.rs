//! A step's request: `call:` resolved through the API description, or the literal `request:`.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{CaseBuilder, templated};
use crate::api::Operation;
use crate::scenario::model::{RequestDoc, StepDoc};
use crate::scenario::plan::{BodyTemplate, RequestTemplate};
use crate::scenario::validate;

impl CaseBuilder<'_, '_, '_> {
    /// The request of a step: its `call:` or its literal `request:`.
    pub(super) fn request(
        &mut self,
        step: &StepDoc,
        defined: &[String],
    ) -> Option<RequestTemplate> {
        match &step.call {
            Some(call) => self.call(step, call, defined),
            None => self.literal(&step.request.as_ref()?.value),
        }
    }

    /// A `call:` of an operation of the API description, the step's body, query and headers added.
    fn call(
        &mut self,
        step: &StepDoc,
        call: &Spanned<String>,
        defined: &[String],
    ) -> Option<RequestTemplate> {
        let name = self.name(call)?;
        let ctx = self.ctx;
        let Some(op) = ctx.api.operation(&name) else {
            validate::report_unknown_operation(
                ctx,
                &name,
                call.referenced,
                templated(call),
                self.reporter,
            );
            self.ok = false;
            return None;
        };
        self.check_captured(op, &name, call, defined);
        let path = self.text_str(&op.path)?;
        let body = match (&step.json, &step.prompt) {
            (Some(json), None) => Some(BodyTemplate::Json(self.json(json)?)),
            (_, Some(prompt)) => Some(BodyTemplate::Json(self.prompted(op, step, prompt)?)),
            (None, None) => match &op.json {
                Some(json) => Some(BodyTemplate::Json(self.json_value(json)?)),
                None => None,
            },
        };
        let query = self.pairs(&step.query, false);
        let mut headers = self.operation_headers(op)?;
        headers.extend(self.pairs(&step.headers, false));
        Some(RequestTemplate {
            method: self.method(&op.method)?,
            path: ctx.api.located(op, &path, &ctx.profile.services),
            query,
            headers,
            body,
        })
    }

    /// Reports each placeholder of `op` (called as `name`) that no earlier step captures.
    fn check_captured(
        &mut self,
        op: &Operation,
        name: &str,
        call: &Spanned<String>,
        defined: &[String],
    ) {
        let ctx = self.ctx;
        for needed in op.placeholders() {
            if needed == "user_id"
                || needed == "canary"
                || needed.starts_with("chat.")
                || defined.contains(&needed)
            {
                continue;
            }
            let creator = ctx
                .api
                .operations
                .iter()
                .find(|o| o.creates.iter().any(|(c, _)| *c == needed));
            let hint = match creator {
                Some(creator) => {
                    let pointer = creator
                        .creates
                        .iter()
                        .find(|(c, _)| *c == needed)
                        .map(|(_, p)| p.as_str())
                        .unwrap_or("/id");
                    format!(
                        "capture it in an earlier step, e.g. `call: {}` with `capture: {{ {needed}: {pointer} }}`",
                        creator.name
                    )
                }
                None => format!("capture `{needed}` in an earlier step"),
            };
            self.reporter.error(
                call.referenced,
                format!("operation `{name}` needs `{{{needed}}}`, which no earlier step captures"),
                Some(hint),
            );
            self.ok = false;
        }
    }

    /// A literal `request:`: its path must start with `/` (the profile's prefix is put before it).
    fn literal(&mut self, request: &RequestDoc) -> Option<RequestTemplate> {
        let path = self.text(&request.path)?;
        if !path.starts_with('/') {
            self.reporter.error(
                request.path.referenced,
                format!("request path `{path}` must start with `/`"),
                None,
            );
            self.ok = false;
            return None;
        }
        let body = match (&request.json, &request.body) {
            (Some(json), _) => Some(BodyTemplate::Json(self.json(json)?)),
            (None, Some(body)) => Some(BodyTemplate::Text(self.text(body)?)),
            (None, None) => None,
        };
        let query = self.pairs(&request.query, false);
        let headers = self.pairs(&request.headers, false);
        Some(RequestTemplate {
            method: self.method(&request.method.value.to_ascii_uppercase())?,
            path: self.ctx.api.prefixed(&path),
            query,
            headers,
            body,
        })
    }

    /// The body of a chat operation with `prompt` put at its message pointer.
    fn prompted(
        &mut self,
        op: &Operation,
        step: &StepDoc,
        prompt: &Spanned<String>,
    ) -> Option<Value> {
        let problem = if step.json.is_some() {
            Some("`prompt` and `json` both set the body: give one".to_string())
        } else if op.prompt.is_none() || op.json.is_none() {
            Some(format!(
                "`prompt` needs a chat operation: `{}` has no `prompt:` (the pointer of its message)",
                op.name
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.reporter.error_once(prompt.referenced, problem, None);
            self.ok = false;
            return None;
        }
        let mut body = op.json.clone()?;
        if let Some(slot) = op
            .prompt
            .as_deref()
            .and_then(|pointer| body.pointer_mut(pointer))
        {
            *slot = Value::String(prompt.value.clone());
        }
        self.json_value(&body)
    }

    /// The operation's own headers, their load-time placeholders filled.
    pub(super) fn operation_headers(&mut self, op: &Operation) -> Option<Vec<(String, String)>> {
        op.headers
            .iter()
            .map(|(name, value)| Some((name.clone(), self.text_str(value)?)))
            .collect()
    }
}
