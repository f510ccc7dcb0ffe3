//! Everything a mutation may use: the issuer, the victim and a second principal, the target's public
//! key, the attacker's keys and host, the leeway and the clock.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::types::MutationError;
use crate::token::identity::IdClaim;
use crate::token::keys::{KeyKind, KeySet, PublicKey, SigningKey};
use crate::token::mint::{Clock, IssuerSettings, MintError, Principal, mint_at};
use crate::token::{Alg, sign};

/// Default leeway a target is expected to allow for `exp`, `nbf`, `iat` (the reference server's).
pub const DEFAULT_LEEWAY_SECS: u64 = 30;

/// The inputs of every mutation. Requests target the `principal`'s (the victim's) resources unless an
/// [`super::AttackRequest`] says otherwise.
#[derive(Debug, Clone)]
pub struct MutationContext {
    /// How valid tokens are minted (the key the target trusts).
    pub issuer: IssuerSettings,
    /// The victim: the owner of the resources the request targets.
    pub principal: Principal,
    /// A second, legitimate user (the attacker's own account).
    pub other: Principal,
    /// The target's verification key, for key confusion; `None` for an HMAC target.
    pub target_key: Option<PublicKey>,
    /// Keys the target does not trust.
    pub attacker: KeySet,
    /// Base URL of the harness-hosted attacker server (for `jku` / `x5u`), without a trailing slash.
    pub attacker_base_url: Option<String>,
    /// The clock-skew leeway the target is expected to allow, in seconds.
    pub leeway_secs: u64,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl MutationContext {
    /// A context whose target key is the issuer's public key, with the default leeway and no attacker
    /// host.
    pub fn new(
        issuer: IssuerSettings,
        principal: Principal,
        other: Principal,
        attacker: KeySet,
        clock: Arc<dyn Clock>,
    ) -> Self {
        MutationContext {
            target_key: issuer.key.as_ref().and_then(SigningKey::public_key),
            issuer,
            principal,
            other,
            attacker,
            attacker_base_url: None,
            leeway_secs: DEFAULT_LEEWAY_SECS,
            clock,
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> u64 {
        self.clock.now_unix()
    }

    /// The user-id claim.
    pub fn id_claim(&self) -> &IdClaim {
        &self.issuer.user_id_claim
    }

    /// The victim's id as its token carries it (a string, or a number for integer ids).
    pub fn victim_id(&self) -> Value {
        self.issuer
            .id_type
            .value(&self.principal.sub)
            .unwrap_or_else(|_| self.principal.sub.clone().into())
    }

    /// The issuer's header: `{alg, kid}`, or the header of the victim's issued token.
    pub fn header(&self) -> Map<String, Value> {
        match &self.principal.issued {
            Some(issued) => issued.header.clone(),
            None => self.issuer.header(),
        }
    }

    /// The `iss` the victim's valid token carries, or `NotApplicable` when it carries none.
    pub fn iss(&self) -> Result<String, MutationError> {
        self.carried("iss")
    }

    /// The `aud` the victim's valid token carries (the first, for a list), or `NotApplicable`.
    pub fn aud(&self) -> Result<String, MutationError> {
        self.carried("aud")
    }

    fn carried(&self, name: &str) -> Result<String, MutationError> {
        match self.claims().get(name) {
            Some(Value::String(value)) => Ok(value.clone()),
            Some(Value::Array(values)) if values.first().is_some_and(Value::is_string) => {
                Ok(values[0].as_str().unwrap_or_default().to_string())
            }
            _ => Err(MutationError::NotApplicable(format!(
                "the issuer's tokens carry no `{name}`"
            ))),
        }
    }

    /// The trusted signing key, or `NotApplicable` when the harness does not hold it.
    pub fn trusted_key(&self) -> Result<&SigningKey, MutationError> {
        self.issuer.signing_key().map_err(no_key)
    }

    /// Valid claims for the victim.
    pub fn claims(&self) -> Map<String, Value> {
        self.issuer.claims(&self.principal, self.now())
    }

    /// Valid claims for another principal.
    pub fn claims_of(&self, principal: &Principal) -> Map<String, Value> {
        self.issuer.claims(principal, self.now())
    }

    /// A valid token for the victim, minted with `jsonwebtoken`.
    pub fn valid_token(&self) -> Result<String, MutationError> {
        self.valid_token_of(&self.principal)
    }

    /// A valid token for `principal`, minted with `jsonwebtoken`.
    pub fn valid_token_of(&self, principal: &Principal) -> Result<String, MutationError> {
        mint_at(principal, &self.issuer, self.now()).map_err(no_key)
    }

    /// Signs header and claims (compact JSON) with the trusted key under the issuer's algorithm.
    pub fn sign(
        &self,
        header: &Map<String, Value>,
        claims: &Map<String, Value>,
    ) -> Result<String, MutationError> {
        self.sign_bytes(
            Value::Object(header.clone()).to_string().as_bytes(),
            Value::Object(claims.clone()).to_string().as_bytes(),
        )
    }

    /// Signs claims under the issuer's normal header.
    pub fn sign_claims(&self, claims: &Map<String, Value>) -> Result<String, MutationError> {
        self.sign(&self.header(), claims)
    }

    /// Signs exact header and payload bytes with the trusted key under the issuer's algorithm.
    pub fn sign_bytes(&self, header: &[u8], payload: &[u8]) -> Result<String, MutationError> {
        Ok(sign::sign_compact(
            self.trusted_key()?,
            self.issuer.alg,
            header,
            payload,
        )?)
    }

    /// Signs an already encoded signing input with the trusted key.
    pub fn sign_input(&self, signing_input: &str) -> Result<String, MutationError> {
        Ok(sign::sign_input(
            self.trusted_key()?,
            self.issuer.alg,
            signing_input,
        )?)
    }

    /// The target's public key, or `NotApplicable` for an HMAC target.
    pub fn target_public(&self) -> Result<&PublicKey, MutationError> {
        self.target_key.as_ref().ok_or_else(|| {
            MutationError::NotApplicable(
                "the target verifies with a shared secret, not a public key".into(),
            )
        })
    }

    /// The issuer's kid, or `NotApplicable` when tokens carry none.
    pub fn issuer_kid(&self) -> Result<&str, MutationError> {
        self.issuer
            .kid
            .as_deref()
            .ok_or_else(|| MutationError::NotApplicable("the issuer's tokens carry no kid".into()))
    }

    /// The attacker's key of the issuer's kind (its HS256 secret for an HMAC issuer) with the issuer's
    /// algorithm and kid: a same-algorithm forgery.
    pub fn attacker_same_alg(&self) -> Result<SigningKey, MutationError> {
        let key = match self.attacker.by_kind(self.issuer.kind()) {
            Some(key) => key.clone(),
            None => self.attacker.hs256_key(),
        };
        Ok(key
            .with_alg(self.issuer.alg)?
            .with_kid(self.issuer.kid.clone()))
    }

    /// The attacker key used for key injection (`jwk`, `jku`, `x5u`, `x5c`): the attacker's key of the
    /// target's kind, Ed25519 for an HMAC target; with the issuer's kid when there is one.
    pub fn attacker_injection_key(&self) -> SigningKey {
        let kind = match self.issuer.kind() {
            KeyKind::Hmac => KeyKind::Ed25519,
            kind => kind,
        };
        let key = self
            .attacker
            .by_kind(kind)
            .unwrap_or(&self.attacker.ed25519)
            .clone();
        let alg = if key.kind().supports(self.issuer.alg) {
            self.issuer.alg
        } else {
            key.alg()
        };
        let kid = self
            .issuer
            .kid
            .clone()
            .or_else(|| key.kid().map(str::to_string));
        key.with_kid(kid)
            .with_alg(alg)
            .unwrap_or_else(|_| self.attacker.ed25519.clone())
    }

    /// `<attacker base URL><path>`, or `NeedsAttackerUrl`.
    pub fn attacker_url(&self, path: &str) -> Result<String, MutationError> {
        let base = self
            .attacker_base_url
            .as_deref()
            .ok_or(MutationError::NeedsAttackerUrl)?;
        Ok(format!("{}{path}", base.trim_end_matches('/')))
    }

    /// The issuer's algorithm.
    pub fn alg(&self) -> Alg {
        self.issuer.alg
    }
}

/// A mint error, with the missing issuer key as `NotApplicable` (the case is skipped with that reason).
fn no_key(err: MintError) -> MutationError {
    match err {
        MintError::NoKey => MutationError::NotApplicable(err.to_string()),
        other => other.into(),
    }
}
