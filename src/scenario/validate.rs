//! Semantic checks of one parsed scenario that do not depend on the matrix values: ids, categories,
//! requirements, matrix sources, placeholders (syntax, known names, captures before use), regexes, JSON
//! pointers, step shapes. Checks that depend on a matrix value (an operation, principal or mutation
//! named through `{var}`) run per case in [`super::expand`].

use std::collections::BTreeSet;

use serde_saphyr::{Location, Spanned};

use super::error::Reporter;
use super::model::{
    ClassName, ExpectDoc, ExpectedName, FamilyName, JsonNode, MatrixSource, MutationFilterDoc,
    MutationSelector, OperationSelector, PrincipalSelector, ScenarioDoc, StepDoc, TokenDoc,
};
use super::plan::Category;
use super::suggest::did_you_mean;
use super::template;
use crate::api::Api;
use crate::profile::Profile;
use crate::token::mutation::{self, Class, Expected, Family};

/// Placeholders the runner fills, beside principal names, matrix variables and captures.
pub const BUILTIN_PLACEHOLDERS: [&str; 4] = ["user_id", "canary", "token", "attacker_url"];

/// What a scenario is checked against.
pub(crate) struct Context<'a> {
    /// The target profile (principals).
    pub profile: &'a Profile,
    /// The API description (operations).
    pub api: &'a Api,
    /// Spec requirement ids, when known.
    pub known_requirements: Option<&'a BTreeSet<String>>,
}

/// A matrix with its sources resolved: (variable, values) in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Matrix {
    /// Variables and their values.
    pub vars: Vec<(String, Vec<String>)>,
    /// Why the scenario does not apply: an operation group it ranges over is empty for this API.
    pub not_applicable: Option<String>,
}

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

/// Checks a JSON pointer (RFC 6901).
pub(crate) fn check_pointer(pointer: &str) -> Result<(), String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!(
            "bad JSON pointer `{pointer}`: it must be empty or start with `/` (e.g. `/{pointer}`)"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "bad JSON pointer `{pointer}`: `~` must be followed by 0 or 1 (`~0` is `~`, `~1` is `/`)"
            ));
        }
    }
    Ok(())
}

/// Whether `name` is an HTTP header name (an RFC 9110 token).
pub(crate) fn is_header_name(name: &str) -> bool {
    crate::api::is_method(name)
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks a scenario id: kebab-case.
pub(crate) fn check_id(id: &Spanned<String>, reporter: &mut Reporter<'_>) {
    if !is_kebab(&id.value) {
        reporter.error(
            id.referenced,
            format!("scenario id `{}` is not kebab-case", id.value),
            Some("use lower-case letters, digits and single dashes, e.g. `bola-task-read`".into()),
        );
    }
}

/// Whether a weakness id (after expansion) is kebab-case.
pub(crate) fn is_weakness_id(id: &str) -> bool {
    is_kebab(id)
}

fn is_variable(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The category, or an error.
pub(crate) fn category(doc: &ScenarioDoc, reporter: &mut Reporter<'_>) -> Option<Category> {
    let found = Category::ALL
        .into_iter()
        .find(|c| c.as_str() == doc.category.value);
    if found.is_none() {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        let hint = did_you_mean(&doc.category.value, &names)
            .unwrap_or_else(|| format!("use one of: {}", names.join(", ")));
        reporter.error(
            doc.category.referenced,
            format!("unknown category `{}`", doc.category.value),
            Some(hint),
        );
    }
    found
}

/// Checks everything about `doc` that does not depend on matrix values, and resolves its matrix. `None`
/// when the matrix cannot be resolved (expansion is then skipped).
pub(crate) fn check_scenario(
    ctx: &Context<'_>,
    doc: &ScenarioDoc,
    reporter: &mut Reporter<'_>,
) -> Option<Matrix> {
    check_id(&doc.id, reporter);
    if doc.title.trim().is_empty() {
        reporter.error(
            doc.id.referenced,
            "empty `title`",
            Some("say in one line what is checked".into()),
        );
    }
    check_requirements(ctx, doc, reporter);
    check_needs(doc, reporter);
    if doc.steps.is_empty() {
        reporter.error(
            doc.id.referenced,
            "`steps` is empty: a scenario needs at least one attack step",
            Some(
                "add a step such as `- { as: bob, call: tasks.list, expect: { status: 200 } }`"
                    .into(),
            ),
        );
    }
    let matrix = resolve_matrix(ctx, doc, reporter);
    let variables: Vec<&str> = doc
        .matrix
        .iter()
        .map(|(name, _)| name.value.as_str())
        .collect();
    let captures = all_captures(doc);
    check_names(ctx, doc, &captures, reporter);

    let mut used: BTreeSet<String> = BTreeSet::new();
    let weakness = [TemplateRef {
        text: &doc.weakness.id.value,
        at: doc.weakness.id.referenced,
        slot: Slot::Name,
        field: "weakness.id",
    }];
    check_templates(
        ctx,
        &weakness,
        &variables,
        &[],
        &captures,
        &mut used,
        reporter,
    );

    let mut defined: Vec<String> = Vec::new();
    for (section, steps) in [
        ("setup", &doc.setup),
        ("steps", &doc.steps),
        ("verify", &doc.verify),
    ] {
        for step in steps {
            check_step(
                ctx, section, step, &variables, &defined, &captures, &mut used, reporter,
            );
            defined.extend(
                step.value
                    .capture
                    .iter()
                    .map(|(name, _)| name.value.clone()),
            );
        }
    }
    let principals: Vec<&str> = ctx.profile.principals.keys().map(String::as_str).collect();
    for (name, _) in doc.matrix.iter() {
        let misnamed = !is_variable(&name.value)
            || principals.contains(&name.value.as_str())
            || BUILTIN_PLACEHOLDERS.contains(&name.value.as_str());
        if !misnamed && !used.contains(&name.value) {
            reporter.error(
                name.referenced,
                format!("matrix variable `{}` is not used anywhere in the scenario", name.value),
                Some(format!("use `{{{}}}` in a step, or remove the variable (its cases would all be the same)", name.value)),
            );
        }
    }
    matrix
}

fn check_requirements(ctx: &Context<'_>, doc: &ScenarioDoc, reporter: &mut Reporter<'_>) {
    for requirement in &doc.requirements {
        let id = &requirement.value;
        match ctx.known_requirements {
            Some(known) if !known.contains(id) => {
                let hint = did_you_mean(id, known)
                    .or_else(|| Some("requirement ids are the FR-nnn of specs/spec.md".into()));
                reporter.error(
                    requirement.referenced,
                    format!("unknown requirement `{id}`"),
                    hint,
                );
            }
            Some(_) => {}
            None => {
                let well_formed = id.split_once('-').is_some_and(|(letters, digits)| {
                    !letters.is_empty()
                        && letters.bytes().all(|b| b.is_ascii_uppercase())
                        && !digits.is_empty()
                        && digits.bytes().all(|b| b.is_ascii_digit())
                });
                if !well_formed {
                    reporter.error(
                        requirement.referenced,
                        format!("`{id}` is not a requirement id"),
                        Some("requirement ids look like `FR-041`".into()),
                    );
                }
            }
        }
    }
}

fn all_captures(doc: &ScenarioDoc) -> Vec<(String, Location)> {
    doc.setup
        .iter()
        .chain(&doc.steps)
        .chain(&doc.verify)
        .flat_map(|step| {
            step.value
                .capture
                .iter()
                .map(|(name, _)| (name.value.clone(), name.referenced))
        })
        .collect()
}

/// Matrix variable and capture names: well-formed, not shadowing anything.
fn check_names(
    ctx: &Context<'_>,
    doc: &ScenarioDoc,
    captures: &[(String, Location)],
    reporter: &mut Reporter<'_>,
) {
    let principals: Vec<&str> = ctx.profile.principals.keys().map(String::as_str).collect();
    let shadowed = |name: &str| -> Option<String> {
        if principals.contains(&name) {
            Some(format!(
                "the principal `{name}` (`{{{name}}}` is its user id)"
            ))
        } else if BUILTIN_PLACEHOLDERS.contains(&name) {
            Some(format!("the built-in placeholder `{{{name}}}`"))
        } else {
            None
        }
    };
    for (name, _) in doc.matrix.iter() {
        if !is_variable(&name.value) {
            reporter.error(
                name.referenced,
                format!("`{}` is not a matrix variable name", name.value),
                Some("use letters, digits and `_`, starting with a letter".into()),
            );
        } else if let Some(what) = shadowed(&name.value) {
            reporter.error(
                name.referenced,
                format!("matrix variable `{}` shadows {what}", name.value),
                Some("rename the variable".into()),
            );
        } else if let Some((_, at)) = captures.iter().find(|(capture, _)| *capture == name.value) {
            reporter.error(
                *at,
                format!(
                    "capture `{}` shadows the matrix variable of the same name",
                    name.value
                ),
                Some("rename the capture or the variable".into()),
            );
        }
    }
    for (name, at) in captures {
        if !is_variable(name) {
            reporter.error(
                *at,
                format!("`{name}` is not a capture name"),
                Some("use letters, digits and `_`, starting with a letter".into()),
            );
        } else if let Some(what) = shadowed(name) {
            reporter.error(
                *at,
                format!("capture `{name}` shadows {what}"),
                Some("rename the capture".into()),
            );
        }
    }
}

/// Resolves every matrix source; reports the bad ones.
fn resolve_matrix(
    ctx: &Context<'_>,
    doc: &ScenarioDoc,
    reporter: &mut Reporter<'_>,
) -> Option<Matrix> {
    let mut matrix = Matrix::default();
    let before = reporter.count();
    for (name, source) in doc.matrix.iter() {
        let values = match source {
            MatrixSource::Values(values) => literal_values(values, reporter),
            MatrixSource::Operations(selector) => {
                operations(ctx, selector, doc.api.is_some(), reporter)
            }
            MatrixSource::Mutations(selector) => mutations(selector, reporter),
            MatrixSource::Principals(selector) => principals(ctx, selector, reporter),
        };
        match values {
            Some(values) if values.is_empty() && matrix.not_applicable.is_none() => {
                if let MatrixSource::Operations(OperationSelector::Group(group)) = source {
                    matrix.not_applicable = Some(format!(
                        "not applicable to the `{}` API: no operation {}",
                        ctx.api.name,
                        group.membership()
                    ));
                    continue;
                }
                reporter.error(
                    name.referenced,
                    format!("matrix variable `{}` has no values", name.value),
                    Some("a variable with no values gives no case at all".into()),
                );
            }
            Some(values) => matrix.vars.push((name.value.clone(), values)),
            None => {}
        }
    }
    (reporter.count() == before).then_some(matrix)
}

fn literal_values(values: &[Spanned<String>], reporter: &mut Reporter<'_>) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for value in values {
        if value.value.is_empty() {
            reporter.error(value.referenced, "empty matrix value", None);
            ok = false;
        } else if out.contains(&value.value) {
            reporter.error(
                value.referenced,
                format!("duplicate matrix value `{}`", value.value),
                None,
            );
            ok = false;
        } else {
            out.push(value.value.clone());
        }
    }
    ok.then_some(out)
}

/// The operations a selector names. A scenario written for one API description (`pinned`) takes from
/// a group only that description's operations, not those a profile added to it.
fn operations(
    ctx: &Context<'_>,
    selector: &OperationSelector,
    pinned: bool,
    reporter: &mut Reporter<'_>,
) -> Option<Vec<String>> {
    match selector {
        OperationSelector::Group(group) => Some(
            ctx.api
                .select(*group)
                .into_iter()
                .filter(|name| !pinned || ctx.api.operation(name).is_some_and(|op| !op.added))
                .map(str::to_string)
                .collect(),
        ),
        OperationSelector::Names(names) => {
            let mut ok = true;
            for name in names {
                if ctx.api.operation(&name.value).is_none() {
                    report_unknown_operation(ctx, &name.value, name.referenced, None, reporter);
                    ok = false;
                }
            }
            ok.then(|| names.iter().map(|name| name.value.clone()).collect())
        }
    }
}

/// Reports an operation the API description does not have.
pub(crate) fn report_unknown_operation(
    ctx: &Context<'_>,
    name: &str,
    at: Location,
    template: Option<&str>,
    reporter: &mut Reporter<'_>,
) {
    let names = ctx.api.names();
    let hint = did_you_mean(name, &names)
        .unwrap_or_else(|| format!("the `{}` API has: {}", ctx.api.name, names.join(", ")));
    let origin = origin(template);
    reporter.error(
        at,
        format!("unknown operation `{name}`{origin}"),
        Some(hint),
    );
}

/// " (from `{var}`)" when a name came out of a template.
fn origin(template: Option<&str>) -> String {
    template
        .map(|t| format!(" (from `{t}`)"))
        .unwrap_or_default()
}

fn mutations(selector: &MutationSelector, reporter: &mut Reporter<'_>) -> Option<Vec<String>> {
    match selector {
        MutationSelector::Ids(ids) => {
            let mut ok = true;
            for id in ids {
                ok &= check_mutation(&id.value, id.referenced, None, reporter);
            }
            ok.then(|| ids.iter().map(|id| id.value.clone()).collect())
        }
        MutationSelector::Filter(filter) => Some(
            mutation::catalog()
                .iter()
                .filter(|m| matches_filter(filter, m))
                .map(|m| m.id.to_string())
                .collect(),
        ),
    }
}

/// Whether a catalog id exists; reports it with a suggestion otherwise.
pub(crate) fn check_mutation(
    id: &str,
    at: Location,
    template: Option<&str>,
    reporter: &mut Reporter<'_>,
) -> bool {
    if mutation::find(id).is_ok() {
        return true;
    }
    let hint = did_you_mean(id, mutation::catalog().iter().map(|m| m.id))
        .or_else(|| Some("`authconform mutations` lists the catalog".into()));
    let origin = origin(template);
    reporter.error(at, format!("unknown mutation `{id}`{origin}"), hint);
    false
}

fn matches_filter(filter: &MutationFilterDoc, m: &mutation::Mutation) -> bool {
    let class = |name: &ClassName| {
        m.class
            == match name {
                ClassName::Enforcement => Class::Enforcement,
                ClassName::Robustness => Class::Robustness,
                ClassName::Isolation => Class::Isolation,
            }
    };
    let expected = |name: &ExpectedName| {
        m.expected
            == match name {
                ExpectedName::Reject => Expected::Reject,
                ExpectedName::RejectNoCredentials => Expected::RejectNoCredentials,
                ExpectedName::BadRequest => Expected::BadRequest,
                ExpectedName::Accept => Expected::Accept,
                ExpectedName::Forbidden => Expected::Forbidden,
                ExpectedName::NotAccepted => Expected::NotAccepted,
                ExpectedName::Info => Expected::Info,
            }
    };
    let family = |name: &FamilyName| {
        m.family
            == match name {
                FamilyName::Claims => Family::Claims,
                FamilyName::Algorithm => Family::Algorithm,
                FamilyName::Signature => Family::Signature,
                FamilyName::Header => Family::Header,
                FamilyName::Encoding => Family::Encoding,
                FamilyName::Transport => Family::Transport,
            }
    };
    (filter.class.0.is_empty() || filter.class.0.iter().any(class))
        && (filter.expected.0.is_empty() || filter.expected.0.iter().any(expected))
        && (filter.family.0.is_empty() || filter.family.0.iter().any(family))
}

fn principals(
    ctx: &Context<'_>,
    selector: &PrincipalSelector,
    reporter: &mut Reporter<'_>,
) -> Option<Vec<String>> {
    let all = ctx.profile.principals.keys().cloned();
    match selector {
        PrincipalSelector::All => Some(all.collect()),
        PrincipalSelector::OthersOf(name) => {
            if check_principal(
                ctx,
                &name.value,
                name.referenced,
                "others_of",
                None,
                reporter,
            ) {
                Some(all.filter(|p| *p != name.value).collect())
            } else {
                None
            }
        }
    }
}

/// Whether `name` is a principal of the profile; reports it with a suggestion otherwise.
pub(crate) fn check_principal(
    ctx: &Context<'_>,
    name: &str,
    at: Location,
    field: &str,
    template: Option<&str>,
    reporter: &mut Reporter<'_>,
) -> bool {
    if ctx.profile.principals.contains_key(name) {
        return true;
    }
    let names: Vec<&str> = ctx.profile.principals.keys().map(String::as_str).collect();
    let hint = did_you_mean(name, &names)
        .unwrap_or_else(|| format!("the profile defines: {}", names.join(", ")));
    reporter.error(
        at,
        format!(
            "unknown principal `{name}` in `{field}`{}",
            origin(template)
        ),
        Some(hint),
    );
    false
}

/// The template strings of a step.
pub(crate) fn step_templates<'a>(step: &'a StepDoc) -> Vec<TemplateRef<'a>> {
    let mut refs = Vec::new();
    fn push<'a>(
        refs: &mut Vec<TemplateRef<'a>>,
        text: &'a Spanned<String>,
        slot: Slot,
        field: &'static str,
    ) {
        refs.push(TemplateRef {
            text: &text.value,
            at: text.referenced,
            slot,
            field,
        });
    }
    let mut add = |text: &'a Spanned<String>, slot, field| push(&mut refs, text, slot, field);
    if let Some(actor) = &step.actor {
        add(actor, Slot::Name, "as");
    }
    if let Some(call) = &step.call {
        add(call, Slot::Name, "call");
    }
    if let Some(user) = &step.path_user {
        add(user, Slot::Name, "path_user");
    }
    let mut json_refs: Vec<(&Spanned<JsonNode>, Slot, &'static str)> = Vec::new();
    if let Some(token) = &step.token
        && let TokenDoc::Recipe(recipe) = &token.value
    {
        if let Some(from) = &recipe.from {
            add(from, Slot::Name, "token.from");
        }
        for id in &recipe.mutate {
            add(id, Slot::Name, "token.mutate");
        }
        for (_, value) in recipe.claims.iter() {
            json_refs.push((value, Slot::Request, "token.claims"));
        }
    }
    if let Some(json) = &step.json {
        json_refs.push((json, Slot::Request, "json"));
    }
    if let Some(prompt) = &step.prompt {
        add(prompt, Slot::Request, "prompt");
    }
    for (_, value) in step.query.iter() {
        add(value, Slot::Request, "query");
    }
    for (_, value) in step.headers.iter() {
        add(value, Slot::Request, "headers");
    }
    if let Some(request) = &step.request {
        let request = &request.value;
        add(&request.path, Slot::Request, "request.path");
        for (_, value) in request.query.iter() {
            add(value, Slot::Request, "request.query");
        }
        for (_, value) in request.headers.iter() {
            add(value, Slot::Request, "request.headers");
        }
        if let Some(body) = &request.body {
            add(body, Slot::Request, "request.body");
        }
        if let Some(json) = &request.json {
            json_refs.push((json, Slot::Request, "request.json"));
        }
    }
    if let Some(expect) = &step.expect
        && let ExpectDoc::Checks(checks) = &expect.value
    {
        for (_, value) in checks.json.iter() {
            json_refs.push((value, Slot::Expect, "expect.json"));
        }
        for text in &checks.body_not_contains {
            add(text, Slot::Expect, "expect.body_not_contains");
        }
        for name in &checks.no_leak {
            add(name, Slot::Name, "expect.no_leak");
        }
    }
    for (node, slot, field) in json_refs {
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

#[allow(clippy::too_many_arguments)]
fn check_step(
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
        check_templates(
            ctx, &templates, variables, defined, captures, used, reporter,
        );
        return;
    }
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
    if let Some(request) = &step.request {
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
        check_header_names(request.headers.iter().map(|(name, _)| name), reporter);
    }
    check_header_names(step.headers.iter().map(|(name, _)| name), reporter);
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
                Some("add `token: { mutate: [<mutation id>] }` to this step, or give explicit checks".into()),
            );
        }
    }
    let templates = step_templates(step);
    check_templates(
        ctx, &templates, variables, defined, captures, used, reporter,
    );
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
    action: &Spanned<super::model::ActionName>,
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
pub(crate) fn check_needs(doc: &ScenarioDoc, reporter: &mut Reporter<'_>) {
    let embedded = doc
        .requires
        .iter()
        .any(|need| need.value == super::model::Need::EmbeddedReference);
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
            && instance.value != super::model::InstanceName::Primary
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

fn check_expect_checks(checks: &super::model::ExpectChecksDoc, reporter: &mut Reporter<'_>) {
    for (name, pattern) in checks.headers.iter() {
        if !is_header_name(&name.value) {
            reporter.error(
                name.referenced,
                format!("`{}` is not a header name", name.value),
                None,
            );
        }
        if let Err(err) = regex::Regex::new(&pattern.value) {
            reporter.error(
                pattern.referenced,
                format!("bad regular expression `{}` for header `{}`: {}", pattern.value, name.value, regex_reason(&err)),
                Some("header expectations are regular expressions (Rust `regex` syntax), not templates".into()),
            );
        }
    }
    check_header_names(checks.headers_absent.iter(), reporter);
    for (pointer, _) in checks.json.iter() {
        if let Err(message) = check_pointer(&pointer.value) {
            reporter.error(pointer.referenced, message, None);
        }
    }
}

/// The one-line reason of a regex error.
fn regex_reason(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().last().unwrap_or_default())
        .trim()
        .to_string()
}

/// Checks placeholders: well-formed, and each name known where it is used.
fn check_templates(
    ctx: &Context<'_>,
    templates: &[TemplateRef<'_>],
    variables: &[&str],
    defined: &[String],
    captures: &[(String, Location)],
    used: &mut BTreeSet<String>,
    reporter: &mut Reporter<'_>,
) {
    let principals: Vec<&str> = ctx.profile.principals.keys().map(String::as_str).collect();
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
            if variables.contains(&name) {
                continue;
            }
            if template.field == "weakness.id"
                && name
                    .strip_suffix(".weakness")
                    .is_some_and(|variable| variables.contains(&variable))
            {
                continue;
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
                continue;
            }
            if let Some(phrase) = name.strip_prefix("chat.") {
                if !ctx.profile.chat_phrases.contains_key(phrase) {
                    let phrases: Vec<&str> = ctx
                        .profile
                        .chat_phrases
                        .keys()
                        .map(String::as_str)
                        .collect();
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
                continue;
            }
            let known_now = principals.contains(&name)
                || (BUILTIN_PLACEHOLDERS.contains(&name)
                    && (name != "token" || template.slot == Slot::Expect))
                || defined.iter().any(|d| d == name);
            if known_now {
                continue;
            }
            if name == "token" {
                reporter.error(
                    template.at,
                    format!(
                        "`{{token}}` can only be used in expectations, not in `{}`",
                        template.field
                    ),
                    None,
                );
            } else if let Some((_, at)) = captures.iter().find(|(capture, _)| capture == name) {
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
                let mut known: Vec<&str> = principals.clone();
                known.extend(
                    BUILTIN_PLACEHOLDERS
                        .iter()
                        .filter(|b| **b != "token" || template.slot == Slot::Expect),
                );
                known.extend(variables);
                known.extend(defined.iter().map(String::as_str));
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers() {
        assert!(check_pointer("").is_ok());
        assert!(check_pointer("/a/b~0~1/0").is_ok());
        assert!(
            check_pointer("error")
                .unwrap_err()
                .contains("start with `/`")
        );
        assert!(
            check_pointer("/a~2")
                .unwrap_err()
                .contains("`~` must be followed")
        );
        assert!(check_pointer("/a~").is_err());
    }

    #[test]
    fn kebab_ids() {
        assert!(is_kebab("bola-task-read-2"));
        for bad in ["", "Bola", "a--b", "-a", "a-", "a_b", "a b"] {
            assert!(!is_kebab(bad), "{bad}");
        }
    }

    #[test]
    fn regex_reason_is_one_line() {
        let pattern = String::from("^Bearer(");
        let err = regex::Regex::new(&pattern).unwrap_err();
        assert_eq!(regex_reason(&err), "unclosed group");
    }
}
