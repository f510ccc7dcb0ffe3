//! Human text for a weakness of a run: the registry's entry ([`crate::weakness`]); an id the registry
//! does not know (a custom scenario's, or one derived from a mutation id) is explained through the
//! catalog mutation that revealed it, or generically from its scenario. Used by the SARIF (rule
//! help), Markdown and HTML reports.

use crate::outcome::RunResult;
use crate::token::mutation;
use crate::verdict::group::WeaknessGroup;
pub use crate::weakness::{Owasp, Severity};

/// What a report says about one weakness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// A short title.
    pub name: String,
    /// What the target did wrong and why it matters.
    pub summary: String,
    /// How to fix it.
    pub fix: String,
    /// How bad it is.
    pub severity: Severity,
    /// Its OWASP API Security Top 10 category, if it has one.
    pub owasp: Option<Owasp>,
}

/// Explains a group of a run: its id in the table, else (for an id derived from a mutation id)
/// through the catalog mutation of its representative case, else from its scenario.
pub fn explain(run: &RunResult, group: &WeaknessGroup) -> Explanation {
    if let Some(known) = lookup(&group.weakness.id) {
        return known;
    }
    let case = &run.cases[group.representative()];
    let probe = case
        .culprit
        .and_then(|index| case.exchanges.get(index))
        .and_then(|exchange| exchange.mutation.as_deref())
        .and_then(|id| mutation::find(id).ok());
    // A weakness id made from the mutation (`{mutation}-accepted`, `-refused`, `-mishandled`) is
    // explained by the weakness the catalog names for that mutation.
    if let Some(probe) = probe
        && group
            .weakness
            .id
            .strip_prefix(probe.id)
            .is_some_and(|rest| rest.starts_with('-'))
        && let Some(mut known) = lookup(probe.weakness().id)
    {
        known.summary = format!(
            "{} Probe `{}`: {}.",
            known.summary,
            probe.id,
            probe.description.trim_end_matches('.')
        );
        return known;
    }
    let scenario = &run.scenarios[case.scenario];
    let mut summary = format!("A check failed: {}.", scenario.title.trim_end_matches('.'));
    if let Some(note) = &scenario.note {
        summary.push(' ');
        summary.push_str(note.trim());
    }
    Explanation {
        name: humanise(&group.weakness.id),
        summary,
        fix: format!(
            "Make the target answer as scenario `{}` expects ({}:{}).",
            scenario.id,
            scenario.file.display(),
            scenario.line
        ),
        severity: Severity::Medium,
        owasp: None,
    }
}

/// The registry's text for `id`, if registered.
pub fn lookup(id: &str) -> Option<Explanation> {
    crate::weakness::find(id).map(|known| Explanation {
        name: known.title.to_string(),
        summary: known.summary.to_string(),
        fix: known.fix.to_string(),
        severity: known.severity,
        owasp: known.owasp,
    })
}

/// `task-read-idor` -> `Task read idor`.
fn humanise(id: &str) -> String {
    let text = id.replace('-', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::mutation::catalog;

    #[test]
    fn every_weakness_of_the_catalog_is_explained() {
        for probe in catalog() {
            let id = probe.weakness().id;
            assert!(lookup(id).is_some(), "{id} (of {}) has no text", probe.id);
        }
    }

    #[test]
    fn humanise_capitalises_and_spaces() {
        assert_eq!(humanise("cookie-set"), "Cookie set");
        assert_eq!(humanise(""), "");
    }
}
