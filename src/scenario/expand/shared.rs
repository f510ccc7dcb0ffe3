//! What the cases of one scenario share: equal step sections, compiled header patterns.

use std::collections::HashMap;

use super::super::plan::{HeaderPattern, Steps};

/// The distinct step sections of one scenario's cases: a case whose setup (or steps, or verify) equals
/// an earlier case's shares it, so that a large matrix holds each distinct section once.
#[derive(Default)]
pub(super) struct SharedSections(Vec<Steps>);

impl SharedSections {
    /// Most sections remembered per scenario (the search is linear).
    const MAX: usize = 64;

    pub(super) fn intern(&mut self, section: Steps) -> Steps {
        if let Some(found) = self.0.iter().find(|known| **known == section) {
            return Steps::clone(found);
        }
        if self.0.len() < Self::MAX {
            self.0.push(Steps::clone(&section));
        }
        section
    }
}

/// The header patterns of one scenario, each compiled once for all of its cases.
#[derive(Default)]
pub(super) struct SharedPatterns(HashMap<String, HeaderPattern>);

impl SharedPatterns {
    /// `pattern` compiled; `None` when it does not compile (which validation reports).
    pub(super) fn compiled(&mut self, pattern: &str) -> Option<HeaderPattern> {
        if let Some(found) = self.0.get(pattern) {
            return Some(found.clone());
        }
        let compiled = HeaderPattern::new(pattern).ok()?;
        self.0.insert(pattern.to_string(), compiled.clone());
        Some(compiled)
    }
}
