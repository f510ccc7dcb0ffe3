//! Matrix expansion: one [`Case`] per combination of the matrix values (variables in file order, the
//! first varying slowest), with matrix variables and principal names substituted, `call:` resolved through
//! the API description (profile prefix applied) and run-time placeholders left for the runner.
mod derived;
mod request;
mod shared;
mod step;
#[cfg(test)]
mod tests;
mod token;
mod weakness;

use reqwest::Method;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::error::Reporter;
use super::model::{JsonNode, Need, ScenarioDoc, StepDoc};
use super::plan::{Case, StepPlan};
use super::validate::{self, Context, Matrix};
use crate::template;
use shared::{SharedPatterns, SharedSections};

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
    let mut patterns = SharedPatterns::default();
    for bindings in combinations(&matrix.vars) {
        let mut builder = CaseBuilder {
            ctx,
            bindings: &bindings,
            reporter: &mut *reporter,
            patterns: &mut patterns,
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

/// The template text of a field, when it has placeholders (for "from `{var}`" in messages).
fn templated(text: &Spanned<String>) -> Option<&str> {
    text.value.contains('{').then_some(text.value.as_str())
}

struct CaseBuilder<'c, 'r, 'e> {
    ctx: &'c Context<'c>,
    bindings: &'c [(String, String)],
    reporter: &'r mut Reporter<'e>,
    patterns: &'r mut SharedPatterns,
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

    /// A method that validation (or the API description's checks) found to be an HTTP token, parsed
    /// once for every request of the case.
    fn method(&mut self, text: &str) -> Option<Method> {
        let method = Method::from_bytes(text.as_bytes()).ok();
        self.ok &= method.is_some();
        method
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
}
