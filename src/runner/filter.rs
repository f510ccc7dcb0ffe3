//! `--filter`: keep the cases whose id (or scenario id) is the filter or matches it as a glob, or whose
//! scenario has a category or tag. Several filters are OR-ed; no filter keeps everything. Case ids
//! hold brackets (`token-mutations[operation=tasks.list,mutation=alg-none]`), which a glob reads as a
//! character class, so an exact id always matches itself.

use globset::{Glob, GlobMatcher};

use crate::scenario::plan::Suite;

/// Parsed `--filter` values.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    ids: Vec<String>,
    globs: Vec<GlobMatcher>,
    categories: Vec<String>,
    tags: Vec<String>,
}

impl CaseFilter {
    /// Parses `category:NAME`, `tag:NAME`, or an id glob.
    pub fn parse(filters: &[String]) -> Result<CaseFilter, String> {
        let mut filter = CaseFilter::default();
        for text in filters {
            if let Some(category) = text.strip_prefix("category:") {
                const KNOWN: [&str; 4] =
                    ["enforcement", "isolation", "statelessness", "robustness"];
                if !KNOWN.contains(&category) {
                    return Err(format!(
                        "--filter {text}: unknown category (known: {})",
                        KNOWN.join(", ")
                    ));
                }
                filter.categories.push(category.to_string());
            } else if let Some(tag) = text.strip_prefix("tag:") {
                filter.tags.push(tag.to_string());
            } else {
                filter.ids.push(text.clone());
                match Glob::new(text) {
                    Ok(glob) => filter.globs.push(glob.compile_matcher()),
                    // A case id with its `[var=value]` part is not a valid glob: an exact id.
                    Err(_) if text.contains('[') => {}
                    Err(err) => return Err(format!("--filter {text}: {err}")),
                }
            }
        }
        Ok(filter)
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.categories.is_empty() && self.tags.is_empty()
    }

    /// The suite with only the matching cases (scenarios are kept so indices stay valid).
    pub fn apply(&self, mut suite: Suite) -> Suite {
        if self.is_empty() {
            return suite;
        }
        let scenarios = suite.scenarios.clone();
        suite.cases.retain(|case| {
            let scenario = &scenarios[case.scenario];
            self.ids
                .iter()
                .any(|id| *id == case.id || *id == scenario.id)
                || self
                    .globs
                    .iter()
                    .any(|glob| glob.is_match(&case.id) || glob.is_match(&scenario.id))
                || self
                    .categories
                    .iter()
                    .any(|category| category == scenario.category.as_str())
                || self.tags.iter().any(|tag| scenario.tags.contains(tag))
        });
        suite
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(filter: &str, id: &str) -> bool {
        let filter = CaseFilter::parse(&[filter.to_string()]).unwrap();
        filter.ids.iter().any(|known| known == id) || filter.globs.iter().any(|g| g.is_match(id))
    }

    #[test]
    fn exact_case_ids_with_brackets_match_themselves() {
        let id = "token-mutations[operation=tasks.list,mutation=alg-none]";
        assert!(keeps(id, id));
        assert!(!keeps(
            id,
            "token-mutations[operation=tasks.get,mutation=alg-none]"
        ));
        assert!(keeps("token-mutations*", id));
        assert!(!keeps("task-bola*", id));
    }

    #[test]
    fn bad_filters_are_usage_errors() {
        assert!(CaseFilter::parse(&["category:speed".into()]).is_err());
        assert!(CaseFilter::parse(&["{unclosed".into()]).is_err());
    }
}
