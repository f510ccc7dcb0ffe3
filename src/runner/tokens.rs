//! Making the token of a step from its plan: valid, none, or a recipe (edited claims, one mutation).

use std::sync::Arc;

use super::users::CaseUsers;
use crate::profile::Profile;
use crate::scenario::plan::TokenPlan;
use crate::token::keys::KeySet;
use crate::token::mint::{Clock, MintError, Principal, mint};
use crate::token::mutation::{AttackRequest, Mutation, MutationContext, MutationError, Placement};

/// What the runner needs to make tokens.
#[derive(Debug, Clone)]
pub struct TokenFactory {
    /// The target profile (issuer, principals, target keys, leeway).
    pub profile: Arc<Profile>,
    /// Keys the target does not trust.
    pub attacker: Arc<KeySet>,
    /// The clock tokens are minted at.
    pub clock: Arc<dyn Clock>,
}

/// A step's token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The mutation does not apply to this target (stated, never silent): the case is skipped.
    #[error("{0}")]
    NotApplicable(String),
    /// Anything else: the case is an error.
    #[error("{0}")]
    Failed(String),
}

/// A failure described in words (an unknown principal, ...).
impl From<String> for TokenError {
    fn from(reason: String) -> Self {
        TokenError::Failed(reason)
    }
}

/// The token (and its placement) for one step, plus the mutation that made it, if any.
#[derive(Debug, Clone)]
pub struct MadeToken {
    /// What to send.
    pub attack: AttackRequest,
    /// The catalog entry used.
    pub mutation: Option<&'static Mutation>,
}

impl TokenFactory {
    /// Makes the token of a step acted by `actor`, one of the case's `users`. `attacker_base_url` is
    /// where jku/x5u bait is served for this case.
    pub fn make(
        &self,
        plan: &TokenPlan,
        users: &CaseUsers,
        actor: &str,
        attacker_base_url: &str,
    ) -> Result<MadeToken, TokenError> {
        match plan {
            TokenPlan::Previous => Err(TokenError::Failed(
                "`token: previous` is resolved by the runner from the case's previous request"
                    .into(),
            )),
            TokenPlan::None => Ok(MadeToken {
                attack: AttackRequest::placed(None, Placement::None),
                mutation: None,
            }),
            TokenPlan::Valid => {
                let token = users.valid_token(actor, |principal| {
                    mint(principal, &self.profile.issuer, self.clock.as_ref()).map_err(minting)
                })?;
                Ok(MadeToken {
                    attack: AttackRequest::bearer(token),
                    mutation: None,
                })
            }
            TokenPlan::Recipe {
                from,
                claims,
                remove_claims,
                mutation,
            } => {
                let mut principal = users.get(from).map_err(TokenError::Failed)?.clone();
                principal
                    .extra
                    .extend(users.render_claims(claims).map_err(failed)?);
                match mutation {
                    None if remove_claims.is_empty() => {
                        let token = mint(&principal, &self.profile.issuer, self.clock.as_ref())
                            .map_err(minting)?;
                        Ok(MadeToken {
                            attack: AttackRequest::bearer(token),
                            mutation: None,
                        })
                    }
                    None => {
                        let context = self.context(principal, users, attacker_base_url)?;
                        let mut claims = context.claims();
                        for name in remove_claims {
                            claims.remove(name);
                        }
                        let token = context.sign_claims(&claims).map_err(mutating)?;
                        Ok(MadeToken {
                            attack: AttackRequest::bearer(token),
                            mutation: None,
                        })
                    }
                    Some(_) if !remove_claims.is_empty() => Err(TokenError::Failed(
                        "remove_claims cannot be combined with a mutation".into(),
                    )),
                    Some(found) => {
                        let context = self.context(principal, users, attacker_base_url)?;
                        let attack = found.apply(&context).map_err(mutating)?;
                        Ok(MadeToken {
                            attack,
                            mutation: Some(found),
                        })
                    }
                }
            }
        }
    }

    /// The mutation context for `principal`: the other principal is the first of the case's users
    /// (by name) that is not `principal`.
    fn context(
        &self,
        principal: Principal,
        users: &CaseUsers,
        attacker_base_url: &str,
    ) -> Result<MutationContext, TokenError> {
        let other = users.other_than(&principal.name).cloned().ok_or_else(|| {
            TokenError::NotApplicable("the profile defines only one principal".into())
        })?;
        let mut context = MutationContext::new(
            self.profile.issuer.clone(),
            principal,
            other,
            self.attacker.as_ref().clone(),
            Arc::clone(&self.clock),
        );
        context.target_key = self.profile.target_keys.first().cloned();
        context.attacker_base_url = Some(attacker_base_url.to_string());
        context.leeway_secs = self.profile.leeway_secs;
        Ok(context)
    }
}

fn failed(err: impl std::fmt::Display) -> TokenError {
    TokenError::Failed(err.to_string())
}

/// A mint error; the issuer key the harness does not hold makes the case not applicable.
fn minting(err: MintError) -> TokenError {
    match err {
        MintError::NoKey => TokenError::NotApplicable(err.to_string()),
        other => failed(other),
    }
}

/// A mutation error; what does not apply to this target (or needs the issuer's key) is skipped.
fn mutating(err: MutationError) -> TokenError {
    match err {
        MutationError::NotApplicable(reason) => TokenError::NotApplicable(reason),
        MutationError::Mint(err) => minting(err),
        other => failed(other),
    }
}
