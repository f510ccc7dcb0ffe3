//! `--filter`: keep the cases whose id (or scenario id) matches a glob, or whose scenario has a
//! category or tag. Several filters are OR-ed; no filter keeps everything.

use globset::{Glob, GlobMatcher};

use crate::scenario::plan::Suite;

/// Parsed `--filter` values.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
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
                let glob = Glob::new(text).map_err(|err| format!("--filter {text}: {err}"))?;
                filter.globs.push(glob.compile_matcher());
            }
        }
        Ok(filter)
    }

    fn is_empty(&self) -> bool {
        self.globs.is_empty() && self.categories.is_empty() && self.tags.is_empty()
    }

    /// The suite with only the matching cases (scenarios are kept so indices stay valid).
    pub fn apply(&self, mut suite: Suite) -> Suite {
        if self.is_empty() {
            return suite;
        }
        let scenarios = suite.scenarios.clone();
        suite.cases.retain(|case| {
            let scenario = &scenarios[case.scenario];
            self.globs
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
