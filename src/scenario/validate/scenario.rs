//! Scenario-level checks: category, title, requirements, names, and each section's steps.

use std::collections::BTreeSet;

use serde_saphyr::Location;

use super::matrix::resolve_matrix;
use super::names::{check_id, is_variable};
use super::steps::{check_needs, check_step};
use super::templates::{Slot, TemplateRef, check_templates};
use super::{BUILTIN_PLACEHOLDERS, Context, Matrix};
use crate::scenario::error::Reporter;
use crate::scenario::model::ScenarioDoc;
use crate::scenario::plan::Category;
use crate::suggest::did_you_mean;

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
    check_sections(ctx, doc, &variables, &captures, &mut used, reporter);
    check_unused_variables(ctx, doc, &used, reporter);
    matrix
}

/// Checks the steps of `setup`, `steps` and `verify` in order, each seeing the captures of the steps
/// before it.
fn check_sections(
    ctx: &Context<'_>,
    doc: &ScenarioDoc,
    variables: &[&str],
    captures: &[(String, Location)],
    used: &mut BTreeSet<String>,
    reporter: &mut Reporter<'_>,
) {
    let mut defined: Vec<String> = Vec::new();
    for (section, steps) in [
        ("setup", &doc.setup),
        ("steps", &doc.steps),
        ("verify", &doc.verify),
    ] {
        for step in steps {
            check_step(
                ctx, section, step, variables, &defined, captures, used, reporter,
            );
            defined.extend(
                step.value
                    .capture
                    .iter()
                    .map(|(name, _)| name.value.clone()),
            );
        }
    }
}

/// Reports well-named matrix variables no template uses.
fn check_unused_variables(
    ctx: &Context<'_>,
    doc: &ScenarioDoc,
    used: &BTreeSet<String>,
    reporter: &mut Reporter<'_>,
) {
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
