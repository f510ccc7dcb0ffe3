//! Semantic checks of one parsed scenario that do not depend on the matrix values: ids, categories,
//! requirements, matrix sources, placeholders (syntax, known names, captures before use), regexes, JSON
//! pointers, step shapes. Checks that depend on a matrix value (an operation, principal or mutation
//! named through `{var}`) run per case in [`super::expand`].

mod matrix;
mod names;
mod scenario;
mod steps;
mod templates;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use crate::api::Api;
use crate::profile::Profile;

pub(crate) use matrix::{check_mutation, check_principal, report_unknown_operation};
pub(crate) use names::is_weakness_id;
pub(crate) use scenario::{category, check_scenario};
pub(crate) use steps::derived_step;

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
