//! Token recipes: a step's `token:` with its principal, mutation and claims resolved.

use super::{CaseBuilder, templated};
use crate::scenario::model::{StepDoc, TokenDoc};
use crate::scenario::plan::TokenPlan;
use crate::scenario::validate;

impl CaseBuilder<'_, '_, '_> {
    pub(super) fn token(&mut self, step: &StepDoc, actor: Option<&str>) -> Option<TokenPlan> {
        let Some(token) = &step.token else {
            return Some(TokenPlan::Valid);
        };
        match &token.value {
            TokenDoc::Valid => Some(TokenPlan::Valid),
            TokenDoc::None => Some(TokenPlan::None),
            TokenDoc::Previous => Some(TokenPlan::Previous),
            TokenDoc::Recipe(recipe) => {
                let from = match &recipe.from {
                    Some(from) => self.principal(from, "token.from"),
                    None => actor.map(str::to_string),
                };
                let mutation = match recipe.mutate.first() {
                    Some(id) => {
                        let name = self.name(id)?;
                        let found = validate::check_mutation(
                            &name,
                            id.referenced,
                            templated(id),
                            self.reporter,
                        );
                        if found.is_none() {
                            self.ok = false;
                            return None;
                        }
                        found
                    }
                    None => None,
                };
                let mut claims = serde_json::Map::new();
                for (name, value) in recipe.claims.iter() {
                    claims.insert(name.value.clone(), self.json(value)?);
                }
                Some(TokenPlan::Recipe {
                    from: from?,
                    claims,
                    remove_claims: recipe.remove_claims.clone(),
                    mutation,
                })
            }
        }
    }
}
