//! The matrix: each variable's source resolved to values, unknown names reported.

use serde_saphyr::{Location, Spanned};

use super::{Context, Matrix};
use crate::scenario::error::Reporter;
use crate::scenario::model::{
    ClassName, ExpectedName, FamilyName, MatrixSource, MutationFilterDoc, MutationSelector,
    OperationSelector, PrincipalSelector, ScenarioDoc,
};
use crate::suggest::did_you_mean;
use crate::token::mutation::{self, Class, Expected, Family};

/// Resolves every matrix source; reports the bad ones.
pub(super) fn resolve_matrix(
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

pub(super) fn literal_values(
    values: &[Spanned<String>],
    reporter: &mut Reporter<'_>,
) -> Option<Vec<String>> {
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
pub(super) fn operations(
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
pub(super) fn origin(template: Option<&str>) -> String {
    template
        .map(|t| format!(" (from `{t}`)"))
        .unwrap_or_default()
}

pub(super) fn mutations(
    selector: &MutationSelector,
    reporter: &mut Reporter<'_>,
) -> Option<Vec<String>> {
    match selector {
        MutationSelector::Ids(ids) => {
            let mut ok = true;
            for id in ids {
                ok &= check_mutation(&id.value, id.referenced, None, reporter).is_some();
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

/// The catalog entry of `id`; an unknown id is reported with a suggestion.
pub(crate) fn check_mutation(
    id: &str,
    at: Location,
    template: Option<&str>,
    reporter: &mut Reporter<'_>,
) -> Option<&'static mutation::Mutation> {
    if let Ok(found) = mutation::find(id) {
        return Some(found);
    }
    let hint = did_you_mean(id, mutation::catalog().iter().map(|m| m.id))
        .or_else(|| Some("`authconform mutations` lists the catalog".into()));
    let origin = origin(template);
    reporter.error(at, format!("unknown mutation `{id}`{origin}"), hint);
    None
}

pub(super) fn matches_filter(filter: &MutationFilterDoc, m: &mutation::Mutation) -> bool {
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

pub(super) fn principals(
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
