//! A step of a scenario as the runner plays it: its options, actor, token, request and expectation.

use super::CaseBuilder;
use crate::scenario::model::{ActionName, ExpectDoc, InstanceName, StatusDoc, StepDoc};
use crate::scenario::plan::{
    ExpectPlan, Instance, RequestTemplate, StatusMatcher, StepAction, StepOptions, StepPlan,
    TokenPlan,
};

impl CaseBuilder<'_, '_, '_> {
    fn options(&mut self, step: &StepDoc) -> StepOptions {
        StepOptions {
            instance: match step.instance.as_ref().map(|i| i.value) {
                None | Some(InstanceName::Primary) => Instance::Primary,
                Some(InstanceName::Second) => Instance::Second,
            },
            action: step.action.as_ref().map(|action| match action.value {
                ActionName::Restart => StepAction::Restart,
            }),
            body_bytes: step.body_bytes.as_ref().map(|bytes| bytes.value),
            needs_embedded: self.needs_embedded,
        }
    }

    pub(super) fn step(
        &mut self,
        step: &StepDoc,
        setup: bool,
        defined: &[String],
    ) -> Option<StepPlan> {
        let options = self.options(step);
        if options.action.is_some() {
            // Validation made sure an action step carries nothing else.
            return Some(StepPlan {
                actor: String::new(),
                path_user: String::new(),
                token: TokenPlan::None,
                request: RequestTemplate {
                    // Never sent.
                    method: reqwest::Method::GET,
                    path: String::new(),
                    query: Vec::new(),
                    headers: Vec::new(),
                    body: None,
                },
                captures: Vec::new(),
                expect: ExpectPlan::default(),
                options,
            });
        }
        let Some(actor) = &step.actor else {
            // Reported by validation.
            self.ok = false;
            return None;
        };
        let actor = self.principal(actor, "as");
        let path_user = match &step.path_user {
            Some(user) => self.principal(user, "path_user"),
            None => actor.clone(),
        };
        let token = self.token(step, actor.as_deref());
        let request = self.request(step, defined);
        let captures = step
            .capture
            .iter()
            .map(|(name, pointer)| (name.value.clone(), pointer.value.clone()))
            .collect();
        let expect = self.expect(step, setup);
        let request = request?;
        if let Some(bytes) = &step.body_bytes
            && request.body.is_none()
        {
            self.reporter.error_once(
                bytes.referenced,
                "`body_bytes` pads the request body, but this request has none".to_string(),
                Some("give the step a `json` or `body`".into()),
            );
            self.ok = false;
        }
        Some(StepPlan {
            actor: actor?,
            path_user: path_user?,
            token: token?,
            request,
            captures,
            expect: expect?,
            options,
        })
    }

    /// A step's expectation; a setup step that names no status expects any 2xx, whatever the
    /// mutation expects.
    fn expect(&mut self, step: &StepDoc, setup: bool) -> Option<ExpectPlan> {
        let default_status = setup.then_some(StatusMatcher::Class(2));
        let Some(expect) = &step.expect else {
            return Some(ExpectPlan {
                status: default_status,
                ..ExpectPlan::default()
            });
        };
        let checks = match &expect.value {
            ExpectDoc::FromMutation => {
                return Some(ExpectPlan {
                    status: default_status,
                    from_mutation: true,
                    ..ExpectPlan::default()
                });
            }
            ExpectDoc::Checks(checks) => checks,
        };
        let status = match &checks.status {
            Some(StatusDoc::Codes(codes)) => Some(StatusMatcher::Codes(codes.clone())),
            Some(StatusDoc::Class(class)) => Some(StatusMatcher::Class(*class)),
            None => default_status,
        };
        let mut headers = Vec::new();
        for (name, pattern) in checks.headers.iter() {
            match self.patterns.compiled(&pattern.value) {
                Some(compiled) => headers.push((name.value.to_ascii_lowercase(), compiled)),
                // Reported by validation, located.
                None => self.ok = false,
            }
        }
        let headers_absent = checks
            .headers_absent
            .iter()
            .map(|name| name.value.to_ascii_lowercase())
            .collect();
        let mut json = Vec::new();
        for (pointer, value) in checks.json.iter() {
            json.push((pointer.value.clone(), self.json(value)?));
        }
        let mut no_leak = Vec::new();
        for name in &checks.no_leak {
            no_leak.push(self.principal(name, "expect.no_leak")?);
        }
        let mut body_not_contains = Vec::new();
        for text in &checks.body_not_contains {
            body_not_contains.push(self.text(text)?);
        }
        Some(ExpectPlan {
            status,
            headers,
            headers_absent,
            json,
            no_leak,
            no_leak_in_case: Vec::new(),
            body_not_contains,
            from_mutation: checks.from_mutation,
            allow_5xx: checks.allow_5xx,
        })
    }
}
