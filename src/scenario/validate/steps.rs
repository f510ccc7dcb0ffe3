//! Step checks: which fields go together for each kind of step, and the shape of what they hold.

use std::collections::BTreeSet;

use serde_saphyr::{Location, Spanned};

use super::Context;
use super::names::is_header_name;
use super::templates::{Slot, TemplateRef, check_templates, step_templates};
use crate::api::{check_pointer, header_value_problem};
use crate::scenario::error::Reporter;
use crate::scenario::model::{ExpectDoc, OrderedMap, RequestDoc, ScenarioDoc, StepDoc, TokenDoc};
use crate::scenario::plan::{HeaderPattern, MAX_BODY_BYTES};

/// Checks one step of `section`, and its placeholders (recording the names it uses in `used`).
#[allow(clippy::too_many_arguments)]
pub(super) fn check_step(
    ctx: &Context<'_>,
    section: &str,
    step: &Spanned<StepDoc>,
    variables: &[&str],
    defined: &[String],
    captures: &[(String, Location)],
    used: &mut BTreeSet<String>,
    reporter: &mut Reporter<'_>,
) {
    let at = step.referenced;
    let step = &step.value;
    if let Some(action) = &step.action {
        check_action_step(section, step, action, reporter);
        return;
    }
    if let Some((field, operation)) = derived_step(step) {
        check_derived_step(section, step, field, operation, reporter);
        let templates = derived_templates(step, field, operation);
        check_templates(
            ctx, &templates, variables, defined, captures, used, reporter,
        );
        return;
    }
    check_call_or_request(section, at, step, reporter);
    if let Some(request) = &step.request {
        check_request(step, request, reporter);
    }
    check_headers(&step.headers, reporter);
    check_body_bytes(step, reporter);
    for (_, pointer) in step.capture.iter() {
        if let Err(message) = check_pointer(&pointer.value) {
            reporter.error(pointer.referenced, message, None);
        }
    }
    let mutate: &[Spanned<String>] = match step.token.as_ref().map(|t| &t.value) {
        Some(TokenDoc::Recipe(recipe)) => &recipe.mutate,
        _ => &[],
    };
    if let Some(second) = mutate.get(1) {
        reporter.error(
            second.referenced,
            "only one mutation per token recipe is supported",
            Some(
                "split the recipe into one step per mutation, or use a `{ mutations: ... }` matrix"
                    .into(),
            ),
        );
    }
    if let Some(expect) = &step.expect {
        check_expect(step, expect, mutate, reporter);
    }
    let templates = step_templates(step);
    check_templates(
        ctx, &templates, variables, defined, captures, used, reporter,
    );
}

/// The template strings of a `prepare` or `reread` step: its operation and `as`.
fn derived_templates<'a>(
    step: &'a StepDoc,
    field: &'static str,
    operation: &'a Spanned<String>,
) -> Vec<TemplateRef<'a>> {
    let mut templates = vec![TemplateRef {
        text: &operation.value,
        at: operation.referenced,
        slot: Slot::Name,
        field,
    }];
    if let Some(actor) = &step.actor {
        templates.push(TemplateRef {
            text: &actor.value,
            at: actor.referenced,
            slot: Slot::Name,
            field: "as",
        });
    }
    templates
}

/// A request step has `as`, and exactly one of `call` and `request`.
fn check_call_or_request(section: &str, at: Location, step: &StepDoc, reporter: &mut Reporter<'_>) {
    if step.actor.is_none() {
        reporter.error(
            at,
            "a step needs `as`: the principal whose token it sends",
            Some("e.g. `as: alice`".into()),
        );
    }
    match (&step.call, &step.request) {
        (Some(_), Some(request)) => reporter.error(
            request.referenced,
            "a step has either `call` or `request`, not both",
            Some(
                "`call` names an operation of the API description; `request` is a raw request"
                    .into(),
            ),
        ),
        (None, None) => reporter.error(
            at,
            format!(
                "a step in `{section}` needs `call` (an operation) or `request` (a raw request)"
            ),
            Some("e.g. `call: tasks.get`".into()),
        ),
        _ => {}
    }
}

/// A raw `request`: a method, a path, `json` or `body`, header names, and no step-level request
/// fields.
fn check_request(step: &StepDoc, request: &Spanned<RequestDoc>, reporter: &mut Reporter<'_>) {
    let what = [
        ("json", step.json.is_some()),
        ("prompt", step.prompt.is_some()),
        ("query", !step.query.is_empty()),
        ("headers", !step.headers.is_empty()),
    ];
    for (field, present) in what {
        if present {
            reporter.error(
                request.referenced,
                format!("step-level `{field}` only applies to `call`"),
                Some(format!("put `{field}` inside `request:`")),
            );
        }
    }
    let request = &request.value;
    let method = &request.method;
    if !crate::api::is_method(&method.value) {
        reporter.error(
            method.referenced,
            format!("`{}` is not an HTTP method", method.value),
            None,
        );
    }
    if let (Some(_), Some(body)) = (&request.json, &request.body) {
        reporter.error(
            body.referenced,
            "a request has either `json` or `body`, not both",
            None,
        );
    }
    if !request.path.value.starts_with('/') && !request.path.value.starts_with('{') {
        reporter.error(
            request.path.referenced,
            format!("request path `{}` must start with `/`", request.path.value),
            None,
        );
    }
    if request.path.value.chars().any(char::is_control) {
        reporter.error(
            request.path.referenced,
            "a request path cannot hold line breaks, tabs or other control characters",
            Some("percent-encode them (`%0A`) to send them on purpose".into()),
        );
    }
    check_headers(&request.headers, reporter);
}

/// An `expect`: its checks well-formed, and `from_mutation` only with a mutation to take it from.
fn check_expect(
    step: &StepDoc,
    expect: &Spanned<ExpectDoc>,
    mutate: &[Spanned<String>],
    reporter: &mut Reporter<'_>,
) {
    let from_mutation = match &expect.value {
        ExpectDoc::FromMutation => true,
        ExpectDoc::Checks(checks) => {
            check_expect_checks(checks, reporter);
            checks.from_mutation
        }
    };
    let previous = matches!(
        step.token.as_ref().map(|t| &t.value),
        Some(TokenDoc::Previous)
    );
    if from_mutation && mutate.is_empty() && !previous {
        reporter.error(
            expect.referenced,
            "`from_mutation` needs a token recipe with one mutation",
            Some(
                "add `token: { mutate: [<mutation id>] }` to this step, or give explicit checks"
                    .into(),
            ),
        );
    }
}

/// Every field of a step and whether it is given (for the step kinds that take only a few).
fn present_fields(step: &StepDoc) -> [(&'static str, bool); 16] {
    [
        ("as", step.actor.is_some()),
        ("call", step.call.is_some()),
        ("request", step.request.is_some()),
        ("prepare", step.prepare.is_some()),
        ("reread", step.reread.is_some()),
        ("action", step.action.is_some()),
        ("path_user", step.path_user.is_some()),
        ("token", step.token.is_some()),
        ("json", step.json.is_some()),
        ("prompt", step.prompt.is_some()),
        ("query", !step.query.is_empty()),
        ("headers", !step.headers.is_empty()),
        ("capture", !step.capture.is_empty()),
        ("expect", step.expect.is_some()),
        ("instance", step.instance.is_some()),
        ("body_bytes", step.body_bytes.is_some()),
    ]
}

/// The `prepare` or `reread` of a step whose requests are derived from an operation.
pub(crate) fn derived_step(step: &StepDoc) -> Option<(&'static str, &Spanned<String>)> {
    step.prepare
        .as_ref()
        .map(|op| ("prepare", op))
        .or_else(|| step.reread.as_ref().map(|op| ("reread", op)))
}

/// A `prepare` (in `setup`) or `reread` (in `verify`) step: nothing but `as` and the operation.
fn check_derived_step(
    section: &str,
    step: &StepDoc,
    field: &str,
    operation: &Spanned<String>,
    reporter: &mut Reporter<'_>,
) {
    let allowed: &[&str] = if field == "prepare" {
        &["setup", "steps"]
    } else {
        &["verify"]
    };
    if !allowed.contains(&section) {
        reporter.error(
            operation.referenced,
            format!(
                "`{field}` belongs in `{}`, not in `{section}`",
                allowed.join("` or `")
            ),
            None,
        );
    }
    if step.actor.is_none() {
        reporter.error(
            operation.referenced,
            format!("a `{field}` step needs `as`: the principal who owns the data"),
            Some("e.g. `as: alice`".into()),
        );
    }
    let others = present_fields(step)
        .into_iter()
        .filter(|(other, _)| *other != "as" && *other != field);
    for (other, present) in others {
        if present {
            reporter.error(
                operation.referenced,
                format!("a `{field}` step derives its requests from the operation, so it takes no `{other}`"),
                Some(format!("a `{field}` step has `as` and `{field}` only")),
            );
        }
    }
}

/// An `action` step: nothing but `action` and `instance`, and not in `setup`.
fn check_action_step(
    section: &str,
    step: &StepDoc,
    action: &Spanned<crate::scenario::model::ActionName>,
    reporter: &mut Reporter<'_>,
) {
    if section == "setup" {
        reporter.error(
            action.referenced,
            "an `action` cannot be part of `setup`",
            Some("put it in `steps` (or `verify`)".into()),
        );
    }
    let others = present_fields(step)
        .into_iter()
        .filter(|(field, _)| !matches!(*field, "action" | "instance"));
    for (field, present) in others {
        if present {
            reporter.error(
                action.referenced,
                format!("an `action` step sends no request, so it takes no `{field}`"),
                Some("an action step has `action` and, optionally, `instance`".into()),
            );
        }
    }
}

/// Steps that need the embedded reference server are declared by `requires: [embedded-reference]`;
/// `token: previous` needs an earlier request in the case.
pub(super) fn check_needs(doc: &ScenarioDoc, reporter: &mut Reporter<'_>) {
    let embedded = doc
        .requires
        .iter()
        .any(|need| need.value == crate::scenario::model::Need::EmbeddedReference);
    let hint = || {
        Some("add `requires: [embedded-reference]` to the scenario: its cases then run only against the embedded reference server and are skipped, with the reason, against another target".to_string())
    };
    let mut earlier_request = false;
    for step in doc.setup.iter().chain(&doc.steps).chain(&doc.verify) {
        let step = &step.value;
        if let Some(action) = &step.action
            && !embedded
        {
            reporter.error(
                action.referenced,
                "`action: restart` needs the embedded reference server",
                hint(),
            );
        }
        if let Some(instance) = &step.instance
            && instance.value != crate::scenario::model::InstanceName::Primary
            && !embedded
        {
            reporter.error(
                instance.referenced,
                "`instance: second` needs the embedded reference server",
                hint(),
            );
        }
        if step.action.is_some() {
            continue;
        }
        if let Some(token) = &step.token
            && token.value == TokenDoc::Previous
            && !earlier_request
        {
            reporter.error(
                token.referenced,
                "`token: previous` needs an earlier request in the case",
                Some("the first request of a case sends `valid`, `none` or a recipe".into()),
            );
        }
        earlier_request = true;
    }
}

/// Header names are tokens; values hold no line breaks or other control characters.
fn check_headers(headers: &OrderedMap<Spanned<String>>, reporter: &mut Reporter<'_>) {
    check_header_names(headers.iter().map(|(name, _)| name), reporter);
    for (name, value) in headers.iter() {
        if let Some(problem) = header_value_problem(&value.value) {
            reporter.error(
                value.referenced,
                format!("header `{}`: {problem}", name.value),
                None,
            );
        }
    }
}

/// `body_bytes` sizes the request body: at most [`MAX_BODY_BYTES`].
fn check_body_bytes(step: &StepDoc, reporter: &mut Reporter<'_>) {
    if let Some(bytes) = &step.body_bytes
        && bytes.value > MAX_BODY_BYTES
    {
        reporter.error(
            bytes.referenced,
            format!(
                "`body_bytes` is {}, more than the limit of {MAX_BODY_BYTES} (16 MiB)",
                bytes.value
            ),
            Some("a body one byte over the target's limit is enough to test it".into()),
        );
    }
}

fn check_header_names<'a>(
    names: impl Iterator<Item = &'a Spanned<String>>,
    reporter: &mut Reporter<'_>,
) {
    for name in names {
        if !is_header_name(&name.value) {
            reporter.error(
                name.referenced,
                format!("`{}` is not a header name", name.value),
                None,
            );
        }
    }
}

fn check_expect_checks(
    checks: &crate::scenario::model::ExpectChecksDoc,
    reporter: &mut Reporter<'_>,
) {
    for (name, pattern) in checks.headers.iter() {
        if !is_header_name(&name.value) {
            reporter.error(
                name.referenced,
                format!("`{}` is not a header name", name.value),
                None,
            );
        }
        if let Err(err) = HeaderPattern::new(&pattern.value) {
            reporter.error(
                pattern.referenced,
                format!("bad regular expression `{}` for header `{}`: {}", pattern.value, name.value, regex_reason(&err)),
                Some("header expectations are regular expressions (Rust `regex` syntax), not templates".into()),
            );
        }
    }
    check_header_names(checks.headers_absent.iter(), reporter);
    for text in checks
        .body_not_contains
        .iter()
        .filter(|text| text.value.is_empty())
    {
        reporter.error(
            text.referenced,
            "an empty `body_not_contains` entry is in every body: the step could never pass",
            None,
        );
    }
    for (pointer, _) in checks.json.iter() {
        if let Err(message) = check_pointer(&pointer.value) {
            reporter.error(pointer.referenced, message, None);
        }
    }
}

/// The one-line reason of a regex error.
pub(super) fn regex_reason(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().last().unwrap_or_default())
        .trim()
        .to_string()
}
