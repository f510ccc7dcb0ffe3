//! Placeholders: a step's template strings, and each `{name}` well-formed and known where used.

use std::collections::BTreeSet;

use serde_saphyr::{Location, Spanned};

use super::{BUILTIN_PLACEHOLDERS, Context};
use crate::scenario::error::Reporter;
use crate::scenario::model::{ExpectDoc, JsonNode, StepDoc, TokenDoc};
use crate::suggest::did_you_mean;
use crate::template;

/// Which names a template string may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A field naming something (principal, operation, mutation): matrix variables only.
    Name,
    /// Request text: everything but `{token}`.
    Request,
    /// Expectation text: everything.
    Expect,
}

/// One template string of a step, where it is, and what it may use.
pub(crate) struct TemplateRef<'a> {
    pub text: &'a str,
    pub at: Location,
    pub slot: Slot,
    pub field: &'static str,
}

/// The template strings of a step.
pub(crate) fn step_templates<'a>(step: &'a StepDoc) -> Vec<TemplateRef<'a>> {
    let mut refs = Refs::default();
    if let Some(actor) = &step.actor {
        refs.add(actor, Slot::Name, "as");
    }
    if let Some(call) = &step.call {
        refs.add(call, Slot::Name, "call");
    }
    if let Some(user) = &step.path_user {
        refs.add(user, Slot::Name, "path_user");
    }
    if let Some(token) = &step.token
        && let TokenDoc::Recipe(recipe) = &token.value
    {
        if let Some(from) = &recipe.from {
            refs.add(from, Slot::Name, "token.from");
        }
        for id in &recipe.mutate {
            refs.add(id, Slot::Name, "token.mutate");
        }
        for (_, value) in recipe.claims.iter() {
            refs.json(value, Slot::Request, "token.claims");
        }
    }
    if let Some(json) = &step.json {
        refs.json(json, Slot::Request, "json");
    }
    if let Some(prompt) = &step.prompt {
        refs.add(prompt, Slot::Request, "prompt");
    }
    for (_, value) in step.query.iter() {
        refs.add(value, Slot::Request, "query");
    }
    for (_, value) in step.headers.iter() {
        refs.add(value, Slot::Request, "headers");
    }
    refs.request(step);
    refs.expect(step);
    refs.finish()
}

/// The template strings of a step as they are found: plain strings in field order, then the strings
/// inside JSON values.
#[derive(Default)]
struct Refs<'a> {
    refs: Vec<TemplateRef<'a>>,
    json_refs: Vec<(&'a Spanned<JsonNode>, Slot, &'static str)>,
}

impl<'a> Refs<'a> {
    fn add(&mut self, text: &'a Spanned<String>, slot: Slot, field: &'static str) {
        self.refs.push(TemplateRef {
            text: &text.value,
            at: text.referenced,
            slot,
            field,
        });
    }

    fn json(&mut self, node: &'a Spanned<JsonNode>, slot: Slot, field: &'static str) {
        self.json_refs.push((node, slot, field));
    }

    /// A raw `request`'s path, query, headers, body and JSON.
    fn request(&mut self, step: &'a StepDoc) {
        let Some(request) = &step.request else {
            return;
        };
        let request = &request.value;
        self.add(&request.path, Slot::Request, "request.path");
        for (_, value) in request.query.iter() {
            self.add(value, Slot::Request, "request.query");
        }
        for (_, value) in request.headers.iter() {
            self.add(value, Slot::Request, "request.headers");
        }
        if let Some(body) = &request.body {
            self.add(body, Slot::Request, "request.body");
        }
        if let Some(json) = &request.json {
            self.json(json, Slot::Request, "request.json");
        }
    }

    /// An `expect`'s JSON values, forbidden body texts and `no_leak` names.
    fn expect(&mut self, step: &'a StepDoc) {
        if let Some(expect) = &step.expect
            && let ExpectDoc::Checks(checks) = &expect.value
        {
            for (_, value) in checks.json.iter() {
                self.json(value, Slot::Expect, "expect.json");
            }
            for text in &checks.body_not_contains {
                self.add(text, Slot::Expect, "expect.body_not_contains");
            }
            for name in &checks.no_leak {
                self.add(name, Slot::Name, "expect.no_leak");
            }
        }
    }

    fn finish(self) -> Vec<TemplateRef<'a>> {
        let mut refs = self.refs;
        for (node, slot, field) in self.json_refs {
            let mut strings = Vec::new();
            node.value.strings(node.referenced, &mut strings);
            refs.extend(strings.into_iter().map(|(text, at)| TemplateRef {
                text,
                at,
                slot,
                field,
            }));
        }
        refs
    }
}

/// Checks placeholders: well-formed, and each name known where it is used.
pub(super) fn check_templates(
    ctx: &Context<'_>,
    templates: &[TemplateRef<'_>],
    variables: &[&str],
    defined: &[String],
    captures: &[(String, Location)],
    used: &mut BTreeSet<String>,
    reporter: &mut Reporter<'_>,
) {
    let known = Known {
        ctx,
        principals: ctx.profile.principals.keys().map(String::as_str).collect(),
        variables,
        defined,
        captures,
    };
    for template in templates {
        let found = match template::placeholders(template.text) {
            Ok(found) => found,
            Err(err) => {
                reporter.error(
                    template.at,
                    format!("bad placeholder in `{}`: {err}", template.field),
                    None,
                );
                continue;
            }
        };
        for placeholder in found {
            let name = placeholder.name.as_str();
            used.insert(name.to_string());
            known.check(template, name, reporter);
        }
    }
}

/// The names a template may use at one point of a scenario.
struct Known<'a> {
    ctx: &'a Context<'a>,
    principals: Vec<&'a str>,
    variables: &'a [&'a str],
    /// Captures of the steps before.
    defined: &'a [String],
    /// Every capture of the scenario, with where it is.
    captures: &'a [(String, Location)],
}

impl Known<'_> {
    /// Reports `{name}` in `template` when it cannot be used there.
    fn check(&self, template: &TemplateRef<'_>, name: &str, reporter: &mut Reporter<'_>) {
        let variables = self.variables;
        if variables.contains(&name) {
            return;
        }
        if template.field == "weakness.id"
            && name
                .strip_suffix(".weakness")
                .is_some_and(|variable| variables.contains(&variable))
        {
            return;
        }
        if template.slot == Slot::Name {
            let hint = if variables.is_empty() {
                "this field is resolved when loading: only matrix variables may be used in it, and this scenario has none".to_string()
            } else {
                format!(
                    "only matrix variables may be used here: {}",
                    variables.join(", ")
                )
            };
            reporter.error(
                template.at,
                format!("`{{{name}}}` cannot be used in `{}`", template.field),
                Some(hint),
            );
            return;
        }
        if let Some(phrase) = name.strip_prefix("chat.") {
            self.check_chat_phrase(template, name, phrase, reporter);
            return;
        }
        let known_now = self.principals.contains(&name)
            || (BUILTIN_PLACEHOLDERS.contains(&name)
                && (name != "token" || template.slot == Slot::Expect))
            || self.defined.iter().any(|d| d == name);
        if known_now {
            return;
        }
        self.report_unknown(template, name, reporter);
    }

    /// Reports `{chat.<phrase>}` when the profile has no such phrase.
    fn check_chat_phrase(
        &self,
        template: &TemplateRef<'_>,
        name: &str,
        phrase: &str,
        reporter: &mut Reporter<'_>,
    ) {
        let chat_phrases = &self.ctx.profile.chat_phrases;
        if !chat_phrases.contains_key(phrase) {
            let phrases: Vec<&str> = chat_phrases.keys().map(String::as_str).collect();
            let listing = format!("known phrases: {}", phrases.join(", "));
            let hint = match did_you_mean(phrase, &phrases) {
                Some(mean) => format!("{mean} ({listing})"),
                None => listing,
            };
            reporter.error(
                template.at,
                format!("unknown chat phrase `{{{name}}}` in `{}`", template.field),
                Some(hint),
            );
        }
    }

    /// Reports a name that is not known here: `{token}` outside expectations, a capture used before
    /// it is captured, or an unknown name (with what is known).
    fn report_unknown(&self, template: &TemplateRef<'_>, name: &str, reporter: &mut Reporter<'_>) {
        if name == "token" {
            reporter.error(
                template.at,
                format!(
                    "`{{token}}` can only be used in expectations, not in `{}`",
                    template.field
                ),
                None,
            );
        } else if let Some((_, at)) = self.captures.iter().find(|(capture, _)| capture == name) {
            let hint = match at.line() {
                0 => "capture it in an earlier step".to_string(),
                line => format!("it is captured at line {line}; capture it in an earlier step"),
            };
            reporter.error(
                template.at,
                format!("`{{{name}}}` is used before it is captured"),
                Some(hint),
            );
        } else {
            let mut known: Vec<&str> = self.principals.clone();
            known.extend(
                BUILTIN_PLACEHOLDERS
                    .iter()
                    .filter(|b| **b != "token" || template.slot == Slot::Expect),
            );
            known.extend(self.variables);
            known.extend(self.defined.iter().map(String::as_str));
            let listing = format!("known here: {}", known.join(", "));
            let hint = match did_you_mean(name, &known) {
                Some(mean) => format!("{mean} ({listing})"),
                None => listing,
            };
            reporter.error(
                template.at,
                format!("unknown placeholder `{{{name}}}` in `{}`", template.field),
                Some(hint),
            );
        }
    }
}
