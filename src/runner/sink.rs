//! Where final cases go: a [`Sink`] receives each case in case order, whatever the order they finished
//! in, through a small reorder buffer ([`Reorder`]) that also charges the run's evidence budget in an
//! order the plan fixes.

use std::collections::BTreeMap;

use crate::outcome::{CaseResult, EvidenceBudget, Kept};

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

/// Hands cases on in an order the plan fixes (case order, or the order of the fact cases), whatever
/// the order they finished in: a case that finishes before the ones ahead of it waits here for them.
/// Each case is charged to the run's [`EvidenceBudget`] as its turn comes, so that which cases keep
/// their evidence whole depends on the answers only; a waiting case that the budget is sure to
/// excerpt is excerpted at once, so that waiting costs little memory.
#[derive(Debug)]
pub struct Reorder {
    next: usize,
    waiting: BTreeMap<usize, Waiting>,
    budget: EvidenceBudget,
    /// Folds still to come read the culprits' tokens: excerpts leave them whole.
    keep_token: bool,
}

/// A case waiting for its turn.
#[derive(Debug)]
struct Waiting {
    case: CaseResult,
    /// Its evidence was charged to the budget already (in an earlier order).
    charged: bool,
    /// It was excerpted while waiting.
    excerpted: bool,
}

impl Default for Reorder {
    fn default() -> Self {
        Reorder::new(EvidenceBudget::default(), false)
    }
}

impl Reorder {
    /// An empty buffer charging `budget`; excerpts leave tokens whole when `keep_token`.
    pub fn new(budget: EvidenceBudget, keep_token: bool) -> Self {
        Reorder {
            next: 0,
            waiting: BTreeMap::new(),
            budget,
            keep_token,
        }
    }

    /// The budget, once every case has gone through.
    pub fn into_budget(self) -> EvidenceBudget {
        self.budget
    }

    /// Takes the case at position `at` (`charged` when its evidence was charged in an earlier order)
    /// and hands every case whose turn has come to `out`, in order, with how the budget kept it
    /// (`None` for a case charged before).
    pub fn push(
        &mut self,
        at: usize,
        case: CaseResult,
        charged: bool,
        mut out: impl FnMut(usize, CaseResult, Option<Kept>),
    ) {
        let waiting = Waiting {
            case,
            charged,
            excerpted: false,
        };
        self.waiting.insert(at, waiting);
        while let Some(Waiting {
            mut case, charged, ..
        }) = self.waiting.remove(&self.next)
        {
            let kept = (!charged).then(|| self.budget.charge(&mut case, self.keep_token));
            out(self.next, case, kept);
            self.next += 1;
        }
        self.excerpt_the_sure();
    }

    /// Excerpts the waiting cases that the budget will excerpt whatever the cases not yet finished
    /// hold: those after waiting cases whose evidence alone spends what is left.
    fn excerpt_the_sure(&mut self) {
        let mut left = self.budget.left();
        for waiting in self.waiting.values_mut().filter(|waiting| !waiting.charged) {
            if left == 0 {
                if !waiting.excerpted {
                    waiting.case.excerpt(self.keep_token);
                    waiting.excerpted = true;
                }
            } else {
                left = left.saturating_sub(waiting.case.evidence_bytes());
            }
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
    use crate::outcome::{ExchangeRecord, Phase, ReceivedResponse, SentRequest, Verdict};
    use crate::scenario::plan::{Category, Weakness};

    /// A case whose culprit answered a body of `body` bytes (a pass when `body` is 0).
    fn case(id: &str, body: usize) -> CaseResult {
        let exchange = ExchangeRecord {
            phase: Phase::Step,
            index: 0,
            actor: "bob".into(),
            token: Some(format!("token-of-{id}")),
            mutation: None,
            request: SentRequest {
                method: "GET".into(),
                url: format!("http://h/{id}"),
                headers: Vec::new(),
                body: None,
            },
            response: Some(ReceivedResponse {
                status: 200,
                headers: Vec::new(),
                body: format!("{id}:").repeat(body / 2),
                body_truncated: false,
                elapsed: std::time::Duration::ZERO,
            }),
            error: None,
        };
        let mut case = CaseResult {
            id: id.into(),
            scenario: 0,
            category: Category::Enforcement,
            weakness: Weakness {
                id: "w".into(),
                cwe: None,
            },
            verdict: if body == 0 {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            reason: String::new(),
            culprit: Some(0),
            exchanges: vec![exchange],
            duration: std::time::Duration::ZERO,
            gate: Default::default(),
        };
        case.retain();
        case
    }

    /// Pushes `cases` in the order `finished` (positions) and returns what came out, in order.
    fn through(
        cases: &[CaseResult],
        finished: &[usize],
        budget: usize,
    ) -> Vec<(usize, CaseResult, Option<Kept>)> {
        let mut reorder = Reorder::new(EvidenceBudget::new(budget), false);
        let mut seen = Vec::new();
        for &at in finished {
            reorder.push(at, cases[at].clone(), false, |at, case, kept| {
                seen.push((at, case, kept));
            });
        }
        assert_eq!(reorder.waiting(), 0);
        seen
    }

    #[test]
    fn cases_come_out_in_order_as_soon_as_their_turn_comes() {
        let cases: Vec<_> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|id| case(id, 0))
            .collect();
        let mut reorder = Reorder::default();
        let mut seen = Vec::new();
        let mut push = |reorder: &mut Reorder, at: usize| {
            reorder.push(at, cases[at].clone(), false, |at, case, _| {
                seen.push(format!("{at}{}", case.id));
            });
        };
        push(&mut reorder, 2);
        push(&mut reorder, 4);
        assert_eq!(reorder.waiting(), 2);
        push(&mut reorder, 0);
        push(&mut reorder, 1);
        assert_eq!(reorder.waiting(), 1);
        push(&mut reorder, 3);
        assert_eq!(seen, ["0a", "1b", "2c", "3d", "4e"]);
    }

    #[test]
    fn the_budget_keeps_the_same_cases_whole_whatever_order_they_finish_in() {
        let big = crate::outcome::KEPT_BODY_BYTES;
        let cases: Vec<_> = (0..12)
            .map(|n| case(&format!("c{n}"), if n % 3 == 1 { 0 } else { big }))
            .collect();
        let budget = 3 * big;
        let in_order: Vec<usize> = (0..12).collect();
        let expected = through(&cases, &in_order, budget);
        let kept: Vec<_> = expected.iter().map(|(_, _, kept)| *kept).collect();
        assert_eq!(kept[..4], [Some(Kept::Whole); 4]);
        assert_eq!(kept[4..], [Some(Kept::Excerpt); 8]);
        assert!(expected[6].1.evidence_bytes() < 2 * crate::outcome::EXCERPT_BYTES);
        for finished in [
            (0..12).rev().collect::<Vec<_>>(),
            vec![5, 11, 3, 0, 8, 1, 2, 10, 4, 6, 9, 7],
            vec![11, 10, 9, 8, 7, 6, 0, 1, 2, 3, 4, 5],
        ] {
            assert_eq!(through(&cases, &finished, budget), expected, "{finished:?}");
        }
    }
}
