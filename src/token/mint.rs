//! Minting valid tokens (Better Auth shape: header `{alg, kid}`, claims `sub`, `iat`, `exp`, `iss`, `aud`
//! plus extras) with `jsonwebtoken`, from a principal, issuer settings and an injected clock.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::token::Alg;
use crate::token::keys::{KeyError, SigningKey};

/// A source of "now" in Unix seconds.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> u64;
}

/// A clock stuck at one instant (tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.0
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A user a token is minted for.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// A human label (e.g. `alice`), not put in the token.
    pub name: String,
    /// The user id, put in the issuer's user-id claim (`sub` by default).
    pub sub: String,
    /// Extra claims; they override the standard ones of the same name.
    pub extra: Map<String, Value>,
}

impl Principal {
    /// A principal without extra claims.
    pub fn new(name: impl Into<String>, sub: impl Into<String>) -> Self {
        Principal {
            name: name.into(),
            sub: sub.into(),
            extra: Map::new(),
        }
    }
}

/// Better Auth's default token lifetime: 15 minutes.
pub const DEFAULT_LIFETIME_SECS: u64 = 15 * 60;

/// How the issuer signs: algorithm, key, kid and the standard claims.
#[derive(Debug, Clone)]
pub struct IssuerSettings {
    /// The `alg` to sign with (must fit the key).
    pub alg: Alg,
    /// The signing key.
    pub key: SigningKey,
    /// The `kid` header value; `None` leaves it out.
    pub kid: Option<String>,
    /// The `iss` claim.
    pub iss: String,
    /// The `aud` claim.
    pub aud: String,
    /// `exp - iat` in seconds.
    pub lifetime_secs: u64,
    /// The claim that carries the user id (default `sub`).
    pub user_id_claim: String,
}

impl IssuerSettings {
    /// Settings with the key's algorithm and kid, a 15 minute lifetime and the user id in `sub`.
    pub fn new(key: SigningKey, iss: impl Into<String>, aud: impl Into<String>) -> Self {
        IssuerSettings {
            alg: key.alg(),
            kid: key.kid().map(str::to_string),
            key,
            iss: iss.into(),
            aud: aud.into(),
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            user_id_claim: "sub".to_string(),
        }
    }

    /// The protected header `{alg, kid}` (kid only when set).
    pub fn header(&self) -> Map<String, Value> {
        let mut header = Map::new();
        header.insert("alg".into(), self.alg.as_str().into());
        if let Some(kid) = &self.kid {
            header.insert("kid".into(), kid.clone().into());
        }
        header
    }

    /// The claims of a valid token for `principal` at `now`: the user id, `iat`, `exp`, `iss`, `aud`,
    /// then the principal's extras (which win on a name clash).
    pub fn claims(&self, principal: &Principal, now: u64) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert(self.user_id_claim.clone(), principal.sub.clone().into());
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), now.saturating_add(self.lifetime_secs).into());
        claims.insert("iss".into(), self.iss.clone().into());
        claims.insert("aud".into(), self.aud.clone().into());
        for (name, value) in &principal.extra {
            claims.insert(name.clone(), value.clone());
        }
        claims
    }
}

/// Minting failed.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    /// The key cannot sign with the requested algorithm, or could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// `jsonwebtoken` refused to encode.
    #[error("jsonwebtoken failed to encode: {0}")]
    Encode(#[from] jsonwebtoken::errors::Error),
}

/// Mints a valid compact JWS for `principal` with `jsonwebtoken`, at the clock's current time.
pub fn mint(
    principal: &Principal,
    settings: &IssuerSettings,
    clock: &dyn Clock,
) -> Result<String, MintError> {
    mint_at(principal, settings, clock.now_unix())
}

/// Mints a valid compact JWS for `principal` at the given Unix time.
pub fn mint_at(
    principal: &Principal,
    settings: &IssuerSettings,
    now: u64,
) -> Result<String, MintError> {
    let kind = settings.key.kind();
    if !kind.supports(settings.alg) {
        return Err(KeyError::AlgMismatch {
            alg: settings.alg,
            kind,
        }
        .into());
    }
    let mut header = jsonwebtoken::Header::new(settings.alg.to_jsonwebtoken());
    header.typ = None;
    header.kid = settings.kid.clone();
    let claims = Value::Object(settings.claims(principal, now));
    Ok(jsonwebtoken::encode(
        &header,
        &claims,
        &settings.key.encoding_key()?,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::jws::CompactJws;
    use crate::token::keys::{HsSecret, KeyKind};
    use serde_json::json;

    #[test]
    fn better_auth_shape() {
        let key = SigningKey::generate(KeyKind::Ed25519, Some("kid-1".into())).unwrap();
        let settings = IssuerSettings::new(key, "http://localhost:3000", "http://localhost:3000");
        let mut alice = Principal::new("alice", "user-alice");
        alice
            .extra
            .insert("email".into(), json!("alice@example.test"));
        let token = mint(&alice, &settings, &FixedClock(1_000_000)).unwrap();
        let jws = CompactJws::parse(token.as_bytes());
        assert!(jws.is_well_formed());
        assert_eq!(jws.header(), Some(&json!({"alg": "EdDSA", "kid": "kid-1"})));
        assert_eq!(
            jws.claims(),
            Some(&json!({
                "sub": "user-alice", "iat": 1_000_000, "exp": 1_000_900,
                "iss": "http://localhost:3000", "aud": "http://localhost:3000",
                "email": "alice@example.test"
            }))
        );
    }

    #[test]
    fn custom_user_id_claim_and_alg_checks() {
        let secret = HsSecret::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
        let mut settings = IssuerSettings::new(SigningKey::hs256(secret, None), "i", "a");
        settings.user_id_claim = "user_id".into();
        let token = mint_at(&Principal::new("bob", "42"), &settings, 10).unwrap();
        let jws = CompactJws::parse(token.as_bytes());
        assert_eq!(jws.header(), Some(&json!({"alg": "HS256"})));
        assert_eq!(jws.claim("user_id"), Some(&json!("42")));
        assert_eq!(jws.claim("sub"), None);
        settings.alg = Alg::EdDsa;
        assert!(matches!(
            mint_at(&Principal::new("bob", "42"), &settings, 10),
            Err(MintError::Key(_))
        ));
        assert!(SystemClock.now_unix() > 1_700_000_000);
    }
}
