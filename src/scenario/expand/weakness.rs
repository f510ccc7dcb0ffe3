//! The naming of a case's weakness: the scenario's id template, its CWE lent or checked.

use super::CaseBuilder;
use crate::scenario::model::ScenarioDoc;
use crate::scenario::plan::Weakness;
use crate::template;

impl CaseBuilder<'_, '_, '_> {
    /// The weakness of this case: the scenario's id template, where `{VAR.weakness}` names the
    /// weakness of the catalog mutation bound to `VAR` (and lends its CWE when none is given).
    pub(super) fn weakness(&mut self, doc: &ScenarioDoc) -> Weakness {
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
}
