//! Where final cases go: a [`Sink`] receives each case in case order, whatever the order they finished
//! in, through a small reorder buffer ([`Reorder`]).

use std::collections::BTreeMap;

use crate::outcome::CaseResult;

/// Receives each case once its verdict is final, in case order.
pub trait Sink: Send {
    /// The case of index `index` in the suite's cases.
    fn case(&mut self, index: usize, case: CaseResult);
}

/// A sink that keeps every case (what [`super::run`] returns).
#[derive(Debug, Default)]
pub struct Collect(pub Vec<CaseResult>);

impl Sink for Collect {
    fn case(&mut self, _index: usize, case: CaseResult) {
        self.0.push(case);
    }
}

/// Hands cases to a sink in case order: a case that finishes before the ones ahead of it waits here
/// for them (fact cases run first, and cases in flight finish slightly out of order).
#[derive(Debug, Default)]
pub struct Reorder {
    next: usize,
    waiting: BTreeMap<usize, CaseResult>,
}

impl Reorder {
    /// Takes case `index` and passes every case whose turn has come to `sink`.
    pub fn push(&mut self, index: usize, case: CaseResult, sink: &mut dyn Sink) {
        self.waiting.insert(index, case);
        while let Some(case) = self.waiting.remove(&self.next) {
            sink.case(self.next, case);
            self.next += 1;
        }
    }

    /// How many cases wait for an earlier one.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Verdict;
    use crate::scenario::plan::{Category, Weakness};

    fn case(id: &str) -> CaseResult {
        CaseResult {
            id: id.into(),
            scenario: 0,
            category: Category::Enforcement,
            weakness: Weakness {
                id: "w".into(),
                cwe: None,
            },
            verdict: Verdict::Pass,
            reason: String::new(),
            culprit: None,
            exchanges: Vec::new(),
            duration: std::time::Duration::ZERO,
        }
    }

    struct Seen(Vec<(usize, String)>);

    impl Sink for Seen {
        fn case(&mut self, index: usize, case: CaseResult) {
            self.0.push((index, case.id));
        }
    }

    #[test]
    fn cases_reach_the_sink_in_case_order_as_soon_as_their_turn_comes() {
        let mut reorder = Reorder::default();
        let mut seen = Seen(Vec::new());
        reorder.push(2, case("c"), &mut seen);
        reorder.push(4, case("e"), &mut seen);
        assert!(seen.0.is_empty());
        assert_eq!(reorder.waiting(), 2);
        reorder.push(0, case("a"), &mut seen);
        assert_eq!(seen.0, [(0, "a".to_string())]);
        reorder.push(1, case("b"), &mut seen);
        assert_eq!(seen.0.len(), 3);
        assert_eq!(reorder.waiting(), 1);
        reorder.push(3, case("d"), &mut seen);
        let ids: Vec<_> = seen.0.iter().map(|(i, id)| format!("{i}{id}")).collect();
        assert_eq!(ids, ["0a", "1b", "2c", "3d", "4e"]);
        assert_eq!(reorder.waiting(), 0);
    }
}
