//! Minting valid tokens (Better Auth shape: header `{alg, kid}`, claims `sub`, `iat`, `exp`, `iss`, `aud`
//! plus extras), from a principal, issuer settings and an injected clock. The issuer's key is parsed
//! once at load and signs through aws-lc-rs; a test checks that `jsonwebtoken` verifies every kind.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::token::Alg;
use crate::token::identity::{IdClaim, IdType};
use crate::token::jws::Forge;
use crate::token::keys::{KeyError, KeyKind, SigningKey};

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
    /// The user id, put in the issuer's user-id claim (`sub` by default), as text.
    pub sub: String,
    /// Extra claims; they override the standard ones of the same name.
    pub extra: Map<String, Value>,
    /// Claims left out of the payload, standard ones included (`aud`, `iat`, ...).
    pub omit: Vec<String>,
    /// A token the real issuer gave this user (login flow, command, environment); when set, it is
    /// this user's valid token and the harness signs nothing for them.
    pub issued: Option<IssuedToken>,
}

impl Principal {
    /// A principal without extra claims.
    pub fn new(name: impl Into<String>, sub: impl Into<String>) -> Self {
        Principal {
            name: name.into(),
            sub: sub.into(),
            extra: Map::new(),
            omit: Vec::new(),
            issued: None,
        }
    }
}

/// A token made by the real issuer, with its decoded header and claims.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedToken {
    /// The compact JWS, as sent.
    pub compact: String,
    /// Its protected header.
    pub header: Map<String, Value>,
    /// Its claims.
    pub claims: Map<String, Value>,
}

impl IssuedToken {
    /// Decodes a compact JWS (signature not checked: the harness may not hold the key).
    pub fn parse(compact: &str) -> Result<IssuedToken, String> {
        let compact = compact.trim();
        let jws = crate::token::jws::CompactJws::parse(compact.as_bytes());
        let header = jws.header().and_then(Value::as_object).cloned();
        let claims = jws.claims().and_then(Value::as_object).cloned();
        match (jws.is_well_formed(), header, claims) {
            (true, Some(header), Some(claims)) => Ok(IssuedToken {
                compact: compact.to_string(),
                header,
                claims,
            }),
            _ => Err("not a compact JWS with a JSON header and JSON claims".into()),
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
    /// The signing key; `None` when the harness does not hold it (tokens come from the real issuer).
    pub key: Option<SigningKey>,
    /// The `kid` header value; `None` leaves it out.
    pub kid: Option<String>,
    /// The `iss` claim; `None` leaves it out.
    pub iss: Option<String>,
    /// The `aud` claim; `None` leaves it out.
    pub aud: Option<String>,
    /// `exp - iat` in seconds.
    pub lifetime_secs: u64,
    /// The claim that carries the user id (default `sub`).
    pub user_id_claim: IdClaim,
    /// The form of the user id in that claim.
    pub id_type: IdType,
}

impl IssuerSettings {
    /// Settings with the key's algorithm and kid, a 15 minute lifetime and the user id in `sub`.
    pub fn new(key: SigningKey, iss: impl Into<String>, aud: impl Into<String>) -> Self {
        IssuerSettings {
            alg: key.alg(),
            kid: key.kid().map(str::to_string),
            key: Some(key),
            iss: Some(iss.into()),
            aud: Some(aud.into()),
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            user_id_claim: IdClaim::default(),
            id_type: IdType::String,
        }
    }

    /// Settings for an issuer whose key the harness does not hold: only tokens it issued are valid.
    pub fn without_key(alg: Alg) -> Self {
        IssuerSettings {
            alg,
            key: None,
            kid: None,
            iss: None,
            aud: None,
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            user_id_claim: IdClaim::default(),
            id_type: IdType::String,
        }
    }

    /// The signing key, or [`MintError::NoKey`].
    pub fn signing_key(&self) -> Result<&SigningKey, MintError> {
        self.key.as_ref().ok_or(MintError::NoKey)
    }

    /// The kind of key the issuer signs with (from the key, else from the algorithm).
    pub fn kind(&self) -> KeyKind {
        self.key
            .as_ref()
            .map_or_else(|| KeyKind::of_alg(self.alg), SigningKey::kind)
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

    /// The claims of a valid token for `principal` at `now`: the user id, `iat`, `exp`, `iss`, `aud`
    /// (those set), then the principal's extras (which win on a name clash), less its omitted claims.
    /// For a principal with an issued token: that token's claims, with the extras over them.
    pub fn claims(&self, principal: &Principal, now: u64) -> Map<String, Value> {
        let mut claims = Map::new();
        if let Some(issued) = &principal.issued {
            claims = issued.claims.clone();
        } else {
            let id = self
                .id_type
                .value(&principal.sub)
                .unwrap_or_else(|_| principal.sub.clone().into());
            self.user_id_claim.set(&mut claims, id);
            claims.insert("iat".into(), now.into());
            claims.insert("exp".into(), now.saturating_add(self.lifetime_secs).into());
            for (name, value) in [("iss", &self.iss), ("aud", &self.aud)] {
                if let Some(value) = value {
                    claims.insert(name.into(), value.clone().into());
                }
            }
        }
        for (name, value) in &principal.extra {
            claims.insert(name.clone(), value.clone());
        }
        for name in &principal.omit {
            claims.remove(name);
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
    /// The token must be signed by the issuer's key, which the harness does not hold.
    #[error(
        "needs the issuer's signing key, which the harness does not hold (the profile's tokens come from the real issuer)"
    )]
    NoKey,
}

/// Mints a valid compact JWS for `principal` at the clock's current time.
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
    if let Some(issued) = &principal.issued
        && principal.extra.is_empty()
        && principal.omit.is_empty()
    {
        return Ok(issued.compact.clone());
    }
    let key = settings.signing_key()?;
    let kind = key.kind();
    if !kind.supports(settings.alg) {
        return Err(KeyError::AlgMismatch {
            alg: settings.alg,
            kind,
        }
        .into());
    }
    let mut header = Map::new();
    header.insert("alg".into(), Value::from(settings.alg.as_str()));
    if let Some(kid) = &settings.kid {
        header.insert("kid".into(), Value::from(kid.as_str()));
    }
    let claims = Value::Object(settings.claims(principal, now));
    Ok(Forge::from_json(&Value::Object(header), &claims).sign_as(key, settings.alg)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::jws::CompactJws;
    use crate::token::keys::HsSecret;
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
        settings.user_id_claim = IdClaim::Name("user_id".into());
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

    #[test]
    fn jsonwebtoken_verifies_what_every_key_kind_mints() {
        let secret = HsSecret::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
        let mut keys = vec![SigningKey::hs256(secret, Some("hs".into()))];
        for kind in [
            KeyKind::Ed25519,
            KeyKind::Rsa,
            KeyKind::EcP256,
            KeyKind::EcP384,
        ] {
            keys.push(SigningKey::generate(kind, Some(format!("{kind}"))).unwrap());
        }
        let now = jsonwebtoken::get_current_timestamp();
        for key in keys {
            let decoding = key.decoding_key().unwrap();
            let alg = key.alg().to_jsonwebtoken();
            let settings = IssuerSettings::new(key, "https://issuer.test", "https://api.test");
            let token = mint_at(&Principal::new("alice", "user-alice"), &settings, now).unwrap();
            let mut validation = jsonwebtoken::Validation::new(alg);
            validation.set_issuer(&["https://issuer.test"]);
            validation.set_audience(&["https://api.test"]);
            let data = jsonwebtoken::decode::<Value>(&token, &decoding, &validation)
                .unwrap_or_else(|err| panic!("{alg:?}: {err}"));
            assert_eq!(data.claims["sub"], "user-alice");
            assert_eq!(data.header.kid, settings.kid);
        }
    }
}
