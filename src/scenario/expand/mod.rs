//! Matrix expansion: one [`Case`] per combination of the matrix values (variables in file order, the
//! first varying slowest), with matrix variables and principal names substituted, `call:` resolved through
//! the API description (profile prefix applied) and run-time placeholders left for the runner.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::error::Reporter;
use super::model::{
    ActionName, ExpectDoc, InstanceName, JsonNode, Need, ScenarioDoc, StatusDoc, StepDoc, TokenDoc,
};
use super::plan::{
    BodyTemplate, Case, ExpectPlan, Instance, RequestTemplate, StatusMatcher, StepAction,
    StepOptions, StepPlan, Steps, TokenPlan, Weakness,
};
use super::template;
use super::validate::{self, Context, Matrix};
use crate::api::{Api, Operation};

/// The most cases one scenario may expand to.
pub const MAX_CASES_PER_SCENARIO: usize = 100_000;

/// The case id of a combination: `<scenario id>[var=value,...]`, or the bare id without a matrix.
pub fn case_id(scenario: &str, bindings: &[(String, String)]) -> String {
    if bindings.is_empty() {
        return scenario.to_string();
    }
    let pairs: Vec<String> = bindings
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!("{scenario}[{}]", pairs.join(","))
}

/// Every combination of the matrix, in stable order (the first variable varies slowest).
pub fn combinations(vars: &[(String, Vec<String>)]) -> Vec<Vec<(String, String)>> {
    let mut out: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (name, values) in vars {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |value| {
                    let mut next = prefix.clone();
                    next.push((name.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    out
}

/// Expands one checked scenario into its cases, reporting what only a matrix value reveals (an unknown
/// operation, principal or mutation named through a variable).
pub(crate) fn expand_scenario(
    ctx: &Context<'_>,
    doc: &ScenarioDoc,
    scenario: usize,
    matrix: &Matrix,
    reporter: &mut Reporter<'_>,
) -> Vec<Case> {
    let total = matrix
        .vars
        .iter()
        .try_fold(1usize, |acc, (_, values)| acc.checked_mul(values.len()));
    if total.is_none_or(|total| total > MAX_CASES_PER_SCENARIO) {
        let at = doc
            .matrix
            .iter()
            .next()
            .map(|(name, _)| name.referenced)
            .unwrap_or(doc.id.referenced);
        reporter.error(
            at,
            format!("the matrix expands to more than {MAX_CASES_PER_SCENARIO} cases"),
            Some("narrow a source (e.g. filter mutations by family)".into()),
        );
        return Vec::new();
    }
    let mut cases = Vec::new();
    let mut shared = SharedSections::default();
    for bindings in combinations(&matrix.vars) {
        let mut builder = CaseBuilder {
            ctx,
            bindings: &bindings,
            reporter: &mut *reporter,
            ok: true,
            needs_embedded: false,
        };
        if let Some(mut case) = builder.case(doc, scenario) {
            for section in [&mut case.setup, &mut case.steps, &mut case.verify] {
                *section = shared.intern(std::mem::take(section));
            }
            cases.push(case);
        }
    }
    cases
}

/// The distinct step sections of one scenario's cases: a case whose setup (or steps, or verify) equals
/// an earlier case's shares it, so that a large matrix holds each distinct section once.
#[derive(Default)]
struct SharedSections(Vec<Steps>);

impl SharedSections {
    /// Most sections remembered per scenario (the search is linear).
    const MAX: usize = 64;

    fn intern(&mut self, section: Steps) -> Steps {
        if let Some(found) = self.0.iter().find(|known| **known == section) {
            return Steps::clone(found);
        }
        if self.0.len() < Self::MAX {
            self.0.push(Steps::clone(&section));
        }
        section
    }
}

/// The template text of a field, when it has placeholders (for "from `{var}`" in messages).
fn templated(text: &Spanned<String>) -> Option<&str> {
    text.value.contains('{').then_some(text.value.as_str())
}

struct CaseBuilder<'c, 'r, 'e> {
    ctx: &'c Context<'c>,
    bindings: &'c [(String, String)],
    reporter: &'r mut Reporter<'e>,
    ok: bool,
    /// The scenario requires the embedded reference server.
    needs_embedded: bool,
}

impl CaseBuilder<'_, '_, '_> {
    fn variable(&self, name: &str) -> Option<String> {
        self.bindings
            .iter()
            .find(|(var, _)| var == name)
            .map(|(_, value)| value.clone())
    }

    /// A placeholder's value when it is known before the run: matrix variables and chat phrases.
    /// Principals' ids are left to the runner, which knows the users of each case.
    fn load_time(&self, name: &str) -> Option<String> {
        self.variable(name).or_else(|| {
            let phrase = name.strip_prefix("chat.")?;
            self.ctx.profile.chat_phrases.get(phrase).cloned()
        })
    }

    /// A naming field with its matrix variables substituted.
    fn name(&mut self, text: &Spanned<String>) -> Option<String> {
        let lookup = |name: &str| self.variable(name);
        match template::render(&text.value, &lookup) {
            Ok(value) => Some(value),
            Err(_) => {
                // Already reported by validation.
                self.ok = false;
                None
            }
        }
    }

    fn principal(&mut self, text: &Spanned<String>, field: &str) -> Option<String> {
        let name = self.name(text)?;
        if validate::check_principal(
            self.ctx,
            &name,
            text.referenced,
            field,
            templated(text),
            self.reporter,
        ) {
            Some(name)
        } else {
            self.ok = false;
            None
        }
    }

    fn text(&mut self, text: &Spanned<String>) -> Option<String> {
        self.text_str(&text.value)
    }

    fn text_str(&mut self, text: &str) -> Option<String> {
        let lookup = |name: &str| self.load_time(name);
        let result = template::substitute(text, &lookup).ok();
        self.ok &= result.is_some();
        result
    }

    fn json(&mut self, node: &Spanned<JsonNode>) -> Option<Value> {
        self.json_value(&node.value.to_value())
    }

    fn json_value(&mut self, value: &Value) -> Option<Value> {
        let lookup = |name: &str| self.load_time(name);
        let result = template::substitute_json(value, &lookup).ok();
        self.ok &= result.is_some();
        result
    }

    fn pairs(
        &mut self,
        map: &super::model::OrderedMap<Spanned<String>>,
        lower_names: bool,
    ) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, value) in map.iter() {
            let name = if lower_names {
                name.value.to_ascii_lowercase()
            } else {
                name.value.clone()
            };
            if let Some(value) = self.text(value) {
                out.push((name, value));
            }
        }
        out
    }

    /// The weakness of this case: the scenario's id template, where `{VAR.weakness}` names the
    /// weakness of the catalog mutation bound to `VAR` (and lends its CWE when none is given).
    fn weakness(&mut self, doc: &ScenarioDoc) -> Weakness {
        let lent_cwe = std::cell::Cell::new(None);
        let lookup = |name: &str| match name.strip_suffix(".weakness") {
            Some(variable) => {
                let weakness = crate::token::mutation::find(&self.variable(variable)?)
                    .ok()?
                    .weakness();
                lent_cwe.set(lent_cwe.get().or(weakness.cwe));
                Some(weakness.id.to_string())
            }
            None => self.variable(name),
        };
        let rendered = template::render(&doc.weakness.id.value, &lookup);
        let registered = |id: &str| crate::weakness::find(id).and_then(|known| known.cwe);
        let cwe = |id: &str| {
            doc.weakness
                .cwe
                .or(lent_cwe.get())
                .or_else(|| registered(id))
        };
        match rendered {
            Ok(id) => {
                if let (Some(given), Some(registered)) = (doc.weakness.cwe, registered(&id))
                    && given != registered
                {
                    self.reporter.error_once(
                        doc.weakness.id.referenced,
                        format!(
                            "weakness `{id}` is CWE-{registered} in the registry, not CWE-{given}"
                        ),
                        Some(format!("write `cwe: {registered}`, or leave it out")),
                    );
                    self.ok = false;
                }
                let cwe = cwe(&id);
                Weakness { id, cwe }
            }
            Err(_) => {
                self.reporter.error_once(
                    doc.weakness.id.referenced,
                    format!(
                        "weakness id `{}`: `.weakness` needs a matrix variable bound to catalog mutation ids",
                        doc.weakness.id.value
                    ),
                    None,
                );
                self.ok = false;
                Weakness {
                    id: String::new(),
                    cwe: cwe(""),
                }
            }
        }
    }

    fn case(&mut self, doc: &ScenarioDoc, scenario: usize) -> Option<Case> {
        let weakness = self.weakness(doc);
        let weakness_id = weakness.id.clone();
        if self.ok && !validate::is_weakness_id(&weakness_id) {
            self.reporter.error_once(
                doc.weakness.id.referenced,
                format!("weakness id `{weakness_id}` is not kebab-case"),
                Some(
                    "use lower-case letters, digits and single dashes, e.g. `task-read-idor`"
                        .into(),
                ),
            );
            self.ok = false;
        }
        let mut defined: Vec<String> = Vec::new();
        self.needs_embedded = doc
            .requires
            .iter()
            .any(|need| need.value == Need::EmbeddedReference);
        let setup = self.section(&doc.setup, true, &mut defined);
        let steps = self.section(&doc.steps, false, &mut defined);
        let verify = self.section(&doc.verify, false, &mut defined);
        if !self.ok {
            return None;
        }
        Some(Case {
            id: case_id(&doc.id.value, self.bindings),
            scenario,
            bindings: self.bindings.to_vec(),
            weakness,
            setup: setup.into(),
            steps: steps.into(),
            verify: verify.into(),
            not_applicable: None,
        })
    }

    fn section(
        &mut self,
        steps: &[Spanned<StepDoc>],
        setup: bool,
        defined: &mut Vec<String>,
    ) -> Vec<StepPlan> {
        let mut plans = Vec::new();
        for step in steps {
            if let Some((field, operation)) = validate::derived_step(&step.value) {
                plans.extend(self.derived(&step.value, field, operation, defined));
                continue;
            }
            if let Some(plan) = self.step(&step.value, setup, defined) {
                plans.push(plan);
            }
            defined.extend(
                step.value
                    .capture
                    .iter()
                    .map(|(name, _)| name.value.clone()),
            );
        }
        plans
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

    /// The requests of a `prepare` or `reread` step.
    fn derived(
        &mut self,
        step: &StepDoc,
        field: &str,
        operation: &Spanned<String>,
        defined: &mut Vec<String>,
    ) -> Vec<StepPlan> {
        let name = self.name(operation);
        let actor = step
            .actor
            .as_ref()
            .and_then(|actor| self.principal(actor, "as"));
        let (Some(name), Some(actor)) = (name, actor) else {
            self.ok = false;
            return Vec::new();
        };
        let ctx = self.ctx;
        let Some(op) = ctx.api.operation(&name) else {
            validate::report_unknown_operation(
                ctx,
                &name,
                operation.referenced,
                templated(operation),
                self.reporter,
            );
            self.ok = false;
            return Vec::new();
        };
        let plans = if field == "prepare" {
            self.prepare(op, &actor, defined)
        } else {
            self.reread(op, &actor, defined)
        };
        plans.unwrap_or_else(|message| {
            self.reporter
                .error_once(operation.referenced, message, None);
            self.ok = false;
            Vec::new()
        })
    }

    /// `prepare`: the creations `op` needs, in dependency order, then one read of each object it uses.
    fn prepare(
        &mut self,
        op: &Operation,
        actor: &str,
        defined: &mut Vec<String>,
    ) -> Result<Vec<StepPlan>, String> {
        let api = self.ctx.api;
        let mut order = Vec::new();
        for resource in op.resources() {
            creation_order(api, &resource, defined, &mut order, 0)?;
        }
        let mut plans = Vec::new();
        for (creator, resource) in order {
            let pointer = creator
                .creates
                .iter()
                .find(|(created, _)| *created == resource)
                .map(|(_, pointer)| pointer.clone())
                .unwrap_or_default();
            let expect = ExpectPlan {
                status: Some(StatusMatcher::Class(2)),
                ..ExpectPlan::default()
            };
            plans.extend(self.operation_step(creator, actor, vec![(resource, pointer)], expect));
        }
        for resource in op.resources() {
            let Some(read) = read_back(api, &resource, defined) else {
                continue;
            };
            let snapshot = snapshot_name(&resource);
            let expect = ExpectPlan {
                status: Some(StatusMatcher::Class(2)),
                ..ExpectPlan::default()
            };
            plans.extend(self.operation_step(
                read.operation,
                actor,
                vec![(snapshot.clone(), read.pointer)],
                expect,
            ));
            defined.push(snapshot);
        }
        Ok(plans)
    }

    /// `reread`: each object `op` uses, compared with its `prepare` read, and the actor's lists, with
    /// no other principal's canary in any of them.
    fn reread(
        &mut self,
        op: &Operation,
        actor: &str,
        defined: &[String],
    ) -> Result<Vec<StepPlan>, String> {
        let api = self.ctx.api;
        let others: Vec<String> = self
            .ctx
            .profile
            .principals
            .keys()
            .filter(|name| *name != actor)
            .cloned()
            .collect();
        let read_status = |reader: &Operation| {
            Some(match reader.status {
                Some(status) => StatusMatcher::Codes(vec![status]),
                None => StatusMatcher::Class(2),
            })
        };
        let created: Vec<String> = api
            .operations
            .iter()
            .flat_map(|op| op.creates.iter().map(|(name, _)| name.clone()))
            .collect();
        let mut plans = Vec::new();
        for resource in op.resources() {
            let snapshot = snapshot_name(&resource);
            if read_back(api, &resource, &created).is_none() {
                // No read of any kind: the owner's lists below are all there is to re-read.
                continue;
            }
            let (true, Some(read)) = (
                defined.contains(&snapshot),
                read_back(api, &resource, defined),
            ) else {
                return Err(format!(
                    "`reread: {}` compares `{{{resource}}}` with its read by `prepare`: add `prepare: {}` (same operation) to `setup`",
                    op.name, op.name
                ));
            };
            let expect = ExpectPlan {
                status: read_status(read.operation),
                json: vec![(read.pointer, Value::from(format!("{{{snapshot}}}")))],
                no_leak_in_case: others.clone(),
                ..ExpectPlan::default()
            };
            plans.extend(self.operation_step(read.operation, actor, Vec::new(), expect));
        }
        for list in api.operations.iter().filter(|list| list.is_list()) {
            let expect = ExpectPlan {
                status: read_status(list),
                no_leak_in_case: others.clone(),
                ..ExpectPlan::default()
            };
            plans.extend(self.operation_step(list, actor, Vec::new(), expect));
        }
        Ok(plans)
    }

    /// The operation's own headers, their load-time placeholders filled.
    fn operation_headers(&mut self, op: &Operation) -> Option<Vec<(String, String)>> {
        op.headers
            .iter()
            .map(|(name, value)| Some((name.clone(), self.text_str(value)?)))
            .collect()
    }

    /// A request of `op` by `actor` on their own path, with a valid token.
    fn operation_step(
        &mut self,
        op: &Operation,
        actor: &str,
        captures: Vec<(String, String)>,
        expect: ExpectPlan,
    ) -> Option<StepPlan> {
        let path = self.text_str(&op.path)?;
        let body = match &op.json {
            Some(json) => Some(BodyTemplate::Json(self.json_value(json)?)),
            None => None,
        };
        let headers = self.operation_headers(op)?;
        Some(StepPlan {
            actor: actor.to_string(),
            path_user: actor.to_string(),
            token: TokenPlan::Valid,
            request: RequestTemplate {
                method: op.method.clone(),
                path: self.ctx.api.located(op, &path, &self.ctx.profile.services),
                query: Vec::new(),
                headers,
                body,
            },
            captures,
            expect,
            options: StepOptions {
                needs_embedded: self.needs_embedded,
                ..StepOptions::default()
            },
        })
    }

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

    fn step(&mut self, step: &StepDoc, setup: bool, defined: &[String]) -> Option<StepPlan> {
        let options = self.options(step);
        if options.action.is_some() {
            // Validation made sure an action step carries nothing else.
            return Some(StepPlan {
                actor: String::new(),
                path_user: String::new(),
                token: TokenPlan::None,
                request: RequestTemplate {
                    method: String::new(),
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

    fn token(&mut self, step: &StepDoc, actor: Option<&str>) -> Option<TokenPlan> {
        let Some(token) = &step.token else {
            return Some(TokenPlan::Valid);
        };
        match &token.value {
            TokenDoc::Valid => Some(TokenPlan::Valid),
            TokenDoc::None => Some(TokenPlan::None),
            TokenDoc::Previous => Some(TokenPlan::Previous),
            TokenDoc::Recipe(recipe) => {
                let from = match &recipe.from {
                    Some(from) => self.principal(from, "token.from"),
                    None => actor.map(str::to_string),
                };
                let mutation = match recipe.mutate.first() {
                    Some(id) => {
                        let name = self.name(id)?;
                        if !validate::check_mutation(
                            &name,
                            id.referenced,
                            templated(id),
                            self.reporter,
                        ) {
                            self.ok = false;
                            return None;
                        }
                        Some(name)
                    }
                    None => None,
                };
                let mut claims = serde_json::Map::new();
                for (name, value) in recipe.claims.iter() {
                    claims.insert(name.value.clone(), self.json(value)?);
                }
                Some(TokenPlan::Recipe {
                    from: from?,
                    claims,
                    remove_claims: recipe.remove_claims.clone(),
                    mutation,
                })
            }
        }
    }

    fn request(&mut self, step: &StepDoc, defined: &[String]) -> Option<RequestTemplate> {
        if let Some(call) = &step.call {
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
                    format!(
                        "operation `{name}` needs `{{{needed}}}`, which no earlier step captures"
                    ),
                    Some(hint),
                );
                self.ok = false;
            }
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
            return Some(RequestTemplate {
                method: op.method.clone(),
                path: ctx.api.located(op, &path, &ctx.profile.services),
                query,
                headers,
                body,
            });
        }
        let request = &step.request.as_ref()?.value;
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
            method: request.method.value.to_ascii_uppercase(),
            path: self.ctx.api.prefixed(&path),
            query,
            headers,
            body,
        })
    }

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
                    from_mutation: true,
                    ..ExpectPlan::default()
                });
            }
            ExpectDoc::Checks(checks) => checks,
        };
        let status = match &checks.status {
            Some(StatusDoc::Codes(codes)) => Some(StatusMatcher::Codes(codes.clone())),
            Some(StatusDoc::Class(class)) => Some(StatusMatcher::Class(*class)),
            None if checks.from_mutation => None,
            None => default_status,
        };
        let headers = checks
            .headers
            .iter()
            .map(|(name, pattern)| (name.value.to_ascii_lowercase(), pattern.value.clone()))
            .collect();
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

/// The capture holding `prepare`'s read of the object `{resource}`.
fn snapshot_name(resource: &str) -> String {
    format!("prepared_{resource}")
}

/// Appends to `order` the creations that provide `resource` (what its creator needs first), unless it is
/// in `have`; adds what it creates to `have`.
fn creation_order<'a>(
    api: &'a Api,
    resource: &str,
    have: &mut Vec<String>,
    order: &mut Vec<(&'a Operation, String)>,
    depth: usize,
) -> Result<(), String> {
    if have.iter().any(|known| known == resource) {
        return Ok(());
    }
    let Some(creator) = api.creator(resource) else {
        return Err(format!("no operation creates `{{{resource}}}`"));
    };
    if depth > 16 || creator.uses(resource) {
        return Err(format!(
            "creating `{{{resource}}}` needs `{{{resource}}}` itself (through `{}`)",
            creator.name
        ));
    }
    for needed in creator.resources() {
        creation_order(api, &needed, have, order, depth + 1)?;
    }
    order.push((creator, resource.to_string()));
    have.push(resource.to_string());
    Ok(())
}

/// The operation that reads the object `{resource}`: the first authenticated `GET` that uses it and
/// only resource ids in `have`.
/// How an object is read back: its own read (the whole answer), else the list that its creator's
/// path lists (the element with its id).
struct ReadBack<'a> {
    operation: &'a Operation,
    pointer: String,
}

fn read_back<'a>(api: &'a Api, resource: &str, have: &[String]) -> Option<ReadBack<'a>> {
    if let Some(reader) = reader_of(api, resource, have) {
        return Some(ReadBack {
            operation: reader,
            pointer: String::new(),
        });
    }
    let (creator, id_pointer) = api.operations.iter().find_map(|op| {
        op.creates
            .iter()
            .find(|(created, _)| created == resource)
            .map(|(_, pointer)| (op, pointer.clone()))
    })?;
    // An element is found by its id at the creation's pointer, which must then be a top-level
    // member (`/id`), as in a list of such objects; a JSON-RPC result (`/result/...`) is not.
    if id_pointer.matches('/').count() != 1 {
        return None;
    }
    let list = api
        .operations
        .iter()
        .find(|op| op.is_list() && op.path == creator.path && op.service == creator.service)?;
    Some(ReadBack {
        operation: list,
        pointer: crate::scenario::plan::element_pointer(resource, &id_pointer),
    })
}

fn reader_of<'a>(api: &'a Api, resource: &str, have: &[String]) -> Option<&'a Operation> {
    api.operations.iter().find(|op| {
        op.auth
            && op.method == "GET"
            && op.uses(resource)
            && op.resources().iter().all(|needed| have.contains(needed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(spec: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        spec.iter()
            .map(|(n, vs)| (n.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    #[test]
    fn combinations_are_cartesian_first_variable_slowest() {
        let combos = combinations(&vars(&[("a", &["1", "2"]), ("b", &["x", "y", "z"])]));
        let ids: Vec<String> = combos.iter().map(|b| case_id("s", b)).collect();
        assert_eq!(
            ids,
            [
                "s[a=1,b=x]",
                "s[a=1,b=y]",
                "s[a=1,b=z]",
                "s[a=2,b=x]",
                "s[a=2,b=y]",
                "s[a=2,b=z]"
            ]
        );
        assert_eq!(combinations(&[]), vec![Vec::new()]);
        assert_eq!(case_id("plain", &[]), "plain");
    }
}
