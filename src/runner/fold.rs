//! Verdicts made final: the run-wide folds (attribution's renames, then the positive controls'
//! withdrawals) applied to the fact cases as a batch, then to every other case alone, the moment it
//! finishes.
//!
//! Why fact cases run first: a fold changes a case's verdict from what other cases showed on the same
//! operation (a plain forgery accepted, a request with no token accepted, another user's plain token
//! let in, the suite's own positive control refused). The cases that can show such a fact are known
//! from the plan ([`is_fact`]); the runner runs them first, folds them together exactly as one
//! end-of-run fold would, and keeps what they showed ([`Folds`]). Every other case then reads those
//! facts and adds none, so its verdict is final when it finishes and it can be reported and dropped
//! at once, instead of every case being held until the end of the run. The exclusive cases (restarts,
//! the second instance) run in the first phase too, alone, so that no case waits for them at the end.

use super::attribution::{self, Facts};
use super::controls::{self, Refused};
use crate::outcome::{CaseResult, Control};
use crate::scenario::plan::{Case, Category};
use crate::token::mint::IssuerSettings;

/// Whether a case of the plan may show a fact that a fold reads: the suite's positive controls
/// (weakness `valid-token-refused`) and the cases [`attribution::is_fact`] names.
pub fn is_fact(case: &Case, category: Category) -> bool {
    case.weakness.id == controls::VALID_TOKEN_REFUSED || attribution::is_fact(case, category)
}

/// What the fact cases established: the renames' facts and where valid tokens were refused.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Folds {
    facts: Facts,
    refused: Option<Refused>,
}

impl Folds {
    /// Folds `cases` (the fact cases, in case order, with their matrix values) as one batch, with the
    /// run's list `controls`, and keeps what they showed for the other cases.
    pub fn batch(
        cases: &mut [CaseResult],
        bindings: &[&[(String, String)]],
        controls: &[Control],
        issuer: &IssuerSettings,
    ) -> Folds {
        let owned: Vec<Vec<(String, String)>> = bindings.iter().map(|b| b.to_vec()).collect();
        let facts = attribution::fold(cases, &owned, issuer);
        let refused = controls::refused(controls, controls::refused_in_run(cases, &owned));
        if let Some(refused) = &refused {
            refused.withdraw(cases, &owned);
        }
        Folds { facts, refused }
    }

    /// Folds one case that is not a fact case, as [`Folds::batch`] would have with it among the others:
    /// its verdict is final then.
    pub fn fold_one(
        &self,
        case: &mut CaseResult,
        bindings: &[(String, String)],
        issuer: &IssuerSettings,
    ) {
        self.facts.fold_one(case, bindings, issuer);
        debug_assert!(
            !attribution::shows_a_fact(case) && !controls::shows_refusal(case),
            "case {} shows a fact but did not run among the fact cases",
            case.id
        );
        if let Some(refused) = &self.refused {
            refused.withdraw_one(case, bindings);
        }
    }
}
