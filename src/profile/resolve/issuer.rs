//! The issuer's settings and signing key, and the target's public keys.

use crate::profile::model::{IssuerFile, KeySourceFile, SigningKeyFile};
use crate::token::Alg;
use crate::token::identity::IdClaim;
use crate::token::keys::{HsSecret, KeyError, PublicKey, SigningKey};
use crate::token::mint::IssuerSettings;

use super::{ProfileError, Resolver};

/// The public keys of a JWKS document (`{"keys": [...]}`).
pub fn public_keys_from_jwks(text: &str) -> Result<Vec<PublicKey>, String> {
    let jwks: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not JSON: {err}"))?;
    let keys = jwks
        .get("keys")
        .and_then(|keys| keys.as_array())
        .ok_or("no `keys` array")?;
    keys.iter()
        .map(|jwk| PublicKey::from_jwk(jwk).map_err(|err| err.to_string()))
        .collect()
}

/// The longest token lifetime a profile may ask for: a year.
const MAX_LIFETIME_SECS: u64 = 366 * 24 * 3600;

impl Resolver<'_> {
    pub(super) fn issuer(&self, issuer: &IssuerFile) -> Result<IssuerSettings, ProfileError> {
        let alg: Alg = issuer
            .alg
            .parse()
            .map_err(|err| self.invalid("issuer.alg", err))?;
        let mut settings = IssuerSettings::without_key(alg);
        if let Some(key) = &issuer.key {
            settings.key = Some(self.signing_key(key, alg, issuer.kid.clone())?);
        }
        for (name, value) in [("iss", &issuer.iss), ("aud", &issuer.aud)] {
            if value.as_deref() == Some("") {
                return Err(self.invalid(
                    &format!("issuer.{name}"),
                    "empty; leave it out for tokens without it",
                ));
            }
        }
        settings.iss = issuer.iss.clone();
        settings.aud = issuer.aud.clone();
        settings.kid = issuer.kid.clone();
        settings.lifetime_secs = issuer.lifetime_secs;
        settings.user_id_claim = IdClaim::parse(&issuer.user_claim)
            .map_err(|reason| self.invalid("issuer.user_claim", reason))?;
        settings.id_type = issuer.user_id_type;
        if issuer.lifetime_secs == 0 || issuer.lifetime_secs > MAX_LIFETIME_SECS {
            return Err(self.invalid(
                "issuer.lifetime_secs",
                format!("must be between 1 and {MAX_LIFETIME_SECS} (a year)"),
            ));
        }
        if issuer.leeway_secs > 3600 {
            return Err(self.invalid(
                "issuer.leeway_secs",
                "a leeway above one hour is not a leeway",
            ));
        }
        Ok(settings)
    }

    pub(super) fn signing_key(
        &self,
        key: &SigningKeyFile,
        alg: Alg,
        kid: Option<String>,
    ) -> Result<SigningKey, ProfileError> {
        let field = "issuer.key";
        let loaded = match (&key.pem, &key.secret_env, &key.secret_file) {
            (Some(pem), None, None) => {
                let text = self
                    .read(pem)
                    .map_err(|message| self.invalid("issuer.key.pem", message))?;
                SigningKey::from_pkcs8_pem(&text, kid).and_then(|key| key.with_alg(alg))
            }
            (None, Some(var), None) => {
                HsSecret::from_env(var).and_then(|secret| SigningKey::hmac(secret, alg, kid))
            }
            (None, None, Some(path)) => {
                let text = self
                    .read(path)
                    .map_err(|message| self.invalid("issuer.key.secret_file", message))?;
                HsSecret::new(text.into_bytes())
                    .and_then(|secret| SigningKey::hmac(secret, alg, kid))
            }
            _ => {
                return Err(self.invalid(
                    field,
                    "give exactly one of `pem`, `secret_env`, `secret_file`",
                ));
            }
        };
        loaded.map_err(|err: KeyError| self.invalid(field, err))
    }

    pub(super) fn target_keys(
        &self,
        source: &KeySourceFile,
    ) -> Result<Vec<PublicKey>, ProfileError> {
        match (&source.jwks_file, &source.pem, &source.jwks_url) {
            (Some(path), None, None) => {
                let text = self
                    .read(path)
                    .map_err(|message| self.invalid("target_keys.jwks_file", message))?;
                public_keys_from_jwks(&text).map_err(|message| {
                    self.invalid("target_keys.jwks_file", format!("{path}: {message}"))
                })
            }
            (None, Some(path), None) => {
                let text = self
                    .read(path)
                    .map_err(|message| self.invalid("target_keys.pem", message))?;
                let key = PublicKey::from_pem(&text, None)
                    .map_err(|err| self.invalid("target_keys.pem", err))?;
                Ok(vec![key])
            }
            (None, None, Some(url)) => match url::Url::parse(url) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(Vec::new()),
                _ => Err(self.invalid(
                    "target_keys.jwks_url",
                    format!("{url:?} is not an http(s) URL"),
                )),
            },
            _ => Err(self.invalid(
                "target_keys",
                "give exactly one of `jwks_file`, `pem`, `jwks_url`",
            )),
        }
    }
}
