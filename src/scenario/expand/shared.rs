//! The sharing of equal step sections between the cases of one scenario.

use super::super::plan::Steps;

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
