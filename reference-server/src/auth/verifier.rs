//! The token verifier: strict parsing, algorithm allowlist, key selection, signature check with
//! `jsonwebtoken`, and the claim rules of the contract, against an injected clock.

use std::io::Read;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::jose::{self, JoseHeader};
use super::keys::{KeyStore, VerificationKey};
use super::{AuthError, Identity};
use crate::config::ServerConfig;
use crate::flaws::Flaw;

/// Leeway used by the `huge-leeway` flaw: one year.
const HUGE_LEEWAY: Duration = Duration::from_secs(365 * 24 * 3600);

/// What the verifier checks tokens against.
#[derive(Debug, Clone)]
pub struct VerifierSettings {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
    /// Accepted `alg` values.
    pub algorithms: Vec<Algorithm>,
    /// Clock-skew leeway for `exp`, `nbf`, `iat`.
    pub leeway: Duration,
    /// Active flaw, if any.
    pub flaw: Option<Flaw>,
}

impl VerifierSettings {
    /// The verifier part of a server configuration.
    pub fn from_config(config: &ServerConfig) -> Self {
        VerifierSettings {
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            algorithms: config.algorithms.clone(),
            leeway: config.leeway,
            flaw: config.flaw,
        }
    }

    fn has(&self, flaw: Flaw) -> bool {
        self.flaw == Some(flaw)
    }
}

/// Keys obtained from the token itself; only ever filled when the `jku-trusted` flaw is on.
#[derive(Debug, Clone, Default)]
pub struct FlawKeys {
    /// The JWKS fetched from the header's `jku` URL.
    pub jku: Option<KeyStore>,
}

/// Verifies bearer tokens against the currently loaded keys.
#[derive(Debug)]
pub struct Verifier {
    settings: VerifierSettings,
    keys: RwLock<Arc<KeyStore>>,
}

impl Verifier {
    /// A verifier with these settings and keys.
    pub fn new(settings: VerifierSettings, keys: KeyStore) -> Self {
        Verifier {
            settings,
            keys: RwLock::new(Arc::new(keys)),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &VerifierSettings {
        &self.settings
    }

    /// A snapshot of the keys in use.
    pub fn keys(&self) -> Arc<KeyStore> {
        match self.keys.read() {
            Ok(keys) => Arc::clone(&keys),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the keys (after a JWKS refresh).
    pub fn replace_keys(&self, keys: KeyStore) {
        let keys = Arc::new(keys);
        match self.keys.write() {
            Ok(mut slot) => *slot = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
    }

    /// Verifies `token` at time `now_unix` (seconds) and returns the identity it carries.
    pub fn verify_token(&self, token: &str, now_unix: u64) -> Result<Identity, AuthError> {
        self.verify_token_with(token, now_unix, &FlawKeys::default())
    }

    /// As [`Verifier::verify_token`], with keys that only the `jku-trusted` flaw looks at.
    pub fn verify_token_with(
        &self,
        token: &str,
        now_unix: u64,
        flaw_keys: &FlawKeys,
    ) -> Result<Identity, AuthError> {
        let parts = jose::split_compact(token)?;
        let header_object = jose::parse_object(&jose::decode_segment(parts.header)?)?;
        let header = JoseHeader::from_object(&header_object)?;
        let claims = jose::parse_object(&jose::decode_segment(parts.payload)?)?;
        if header.has_crit {
            return Err(AuthError::CriticalHeader);
        }
        if header.unencoded_payload {
            return Err(AuthError::UnencodedPayload);
        }
        if header.has_cty {
            return Err(AuthError::ContentType);
        }
        self.verify_signature(token, &header, flaw_keys)?;
        let sub = self.check_claims(&claims, now_unix)?;
        Ok(Identity { sub })
    }

    /// Checks the signature (and, through `jsonwebtoken`, `sub`/`exp`/`iss`/`aud`).
    fn verify_signature(
        &self,
        token: &str,
        header: &JoseHeader,
        flaw_keys: &FlawKeys,
    ) -> Result<(), AuthError> {
        let s = &self.settings;
        // FLAW alg-none-accepted: a case-insensitive "none" skips verification entirely.
        if s.has(Flaw::AlgNoneAccepted) && header.alg.eq_ignore_ascii_case("none") {
            return Ok(());
        }
        // `alg` is case-sensitive (RFC 7515 §4.1.1): "none", "None", "hs256" are unknown here.
        let alg = Algorithm::from_str(&header.alg).map_err(|_| AuthError::AlgorithmNotAllowed)?;
        let kid = header.kid.as_deref();
        let is_hmac = matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512);

        // FLAW kid-path-traversal: the kid of an HMAC token names a file whose bytes are the secret.
        if s.has(Flaw::KidPathTraversal)
            && is_hmac
            && let Some(kid) = kid
        {
            let secret = read_kid_file(kid).ok_or(AuthError::UnknownKid)?;
            return self.jsonwebtoken_verify(token, &DecodingKey::from_secret(&secret), alg);
        }
        // FLAW hs-key-confusion: an HMAC token is verified with the public key text as the secret.
        if s.has(Flaw::HsKeyConfusion) && is_hmac {
            let keys = self.keys();
            let key = keys.select(kid)?;
            if let Some(pem) = key.spki_pem() {
                return self.jsonwebtoken_verify(
                    token,
                    &DecodingKey::from_secret(pem.as_bytes()),
                    alg,
                );
            }
        }
        // FLAW embedded-jwk-trusted: the key in the header verifies its own token.
        if s.has(Flaw::EmbeddedJwkTrusted)
            && let Some(jwk) = &header.jwk
        {
            let key = VerificationKey::from_jwk_value(jwk).map_err(|_| AuthError::InvalidHeader)?;
            return self.verify_with_key(token, &key, alg);
        }
        // FLAW jku-trusted: the keys fetched from the header's jku URL are trusted.
        if s.has(Flaw::JkuTrusted)
            && let Some(jku_keys) = &flaw_keys.jku
        {
            return self.verify_with_key(token, jku_keys.select(kid)?, alg);
        }

        if !s.algorithms.contains(&alg) {
            return Err(AuthError::AlgorithmNotAllowed);
        }
        // FLAW signature-not-verified: claims are used without checking who signed them.
        if s.has(Flaw::SignatureNotVerified) {
            return Ok(());
        }
        let keys = self.keys();
        self.verify_with_key(token, keys.select(kid)?, alg)
    }

    fn verify_with_key(
        &self,
        token: &str,
        key: &VerificationKey,
        alg: Algorithm,
    ) -> Result<(), AuthError> {
        if !key.accepts(alg) {
            return Err(AuthError::AlgorithmKeyMismatch);
        }
        self.jsonwebtoken_verify(token, key.decoding_key(), alg)
    }

    /// Signature check by `jsonwebtoken` with a strict [`Validation`] for the non-time claims. Time
    /// claims are checked in [`Verifier::check_claims`] against the injected clock, because
    /// `jsonwebtoken` always reads the system clock.
    fn jsonwebtoken_verify(
        &self,
        token: &str,
        key: &DecodingKey,
        alg: Algorithm,
    ) -> Result<(), AuthError> {
        let s = &self.settings;
        let mut validation = Validation::new(alg);
        validation.algorithms = vec![alg];
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = s.leeway.as_secs();
        let mut required = vec!["sub"];
        if !s.has(Flaw::ExpNotRequired) {
            required.push("exp");
        }
        if s.has(Flaw::IssIgnored) {
            validation.iss = None;
        } else {
            validation.set_issuer(&[&s.issuer]);
            required.push("iss");
        }
        if s.has(Flaw::AudIgnored) {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&[&s.audience]);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        jsonwebtoken::decode::<Value>(token, key, &validation)
            .map(|_| ())
            .map_err(|err| match err.kind() {
                ErrorKind::InvalidSignature => AuthError::BadSignature,
                ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
                ErrorKind::InvalidAudience => AuthError::WrongAudience,
                ErrorKind::InvalidAlgorithm => AuthError::AlgorithmKeyMismatch,
                ErrorKind::MissingRequiredClaim(_) => AuthError::MissingClaim("registered claim"),
                _ => AuthError::Rejected,
            })
    }

    /// The claim rules: `sub` non-empty string; `exp` required number; `nbf`/`iat` honoured; `iss`
    /// exact; `aud` string or array containing the audience.
    fn check_claims(&self, claims: &Map<String, Value>, now: u64) -> Result<String, AuthError> {
        let s = &self.settings;
        let leeway = if s.has(Flaw::HugeLeeway) {
            HUGE_LEEWAY
        } else {
            s.leeway
        };
        let now = now as f64;
        let leeway = leeway.as_secs() as f64;
        let number = |name: &'static str| -> Result<Option<f64>, AuthError> {
            match claims.get(name) {
                None => Ok(None),
                Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(AuthError::InvalidClaim(name)),
                Some(_) => Err(AuthError::InvalidClaim(name)),
            }
        };

        let sub = match claims.get("sub") {
            Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
            Some(_) => return Err(AuthError::InvalidClaim("sub")),
            None => return Err(AuthError::MissingClaim("sub")),
        };

        match number("exp")? {
            // FLAW exp-not-required: a token without exp never expires.
            None if s.has(Flaw::ExpNotRequired) => {}
            None => return Err(AuthError::MissingClaim("exp")),
            // FLAW exp-not-checked: exp is read but never compared with the clock.
            Some(_) if s.has(Flaw::ExpNotChecked) => {}
            Some(exp) if now >= exp + leeway => return Err(AuthError::Expired),
            Some(_) => {}
        }
        // FLAW nbf-ignored: nbf is not looked at.
        if !s.has(Flaw::NbfIgnored)
            && let Some(nbf) = number("nbf")?
            && nbf > now + leeway
        {
            return Err(AuthError::NotYetValid);
        }
        if let Some(iat) = number("iat")?
            && iat > now + leeway
        {
            return Err(AuthError::IssuedInFuture);
        }

        // FLAW iss-ignored.
        if !s.has(Flaw::IssIgnored) {
            match claims.get("iss") {
                Some(Value::String(iss)) if *iss == s.issuer => {}
                Some(_) => return Err(AuthError::WrongIssuer),
                None => return Err(AuthError::MissingClaim("iss")),
            }
        }
        // FLAW aud-ignored.
        if !s.has(Flaw::AudIgnored) {
            let matches = match claims.get("aud") {
                Some(Value::String(aud)) => *aud == s.audience,
                Some(Value::Array(items)) => {
                    items.iter().all(Value::is_string)
                        && items
                            .iter()
                            .any(|a| a.as_str() == Some(s.audience.as_str()))
                }
                Some(_) => false,
                None => return Err(AuthError::MissingClaim("aud")),
            };
            if !matches {
                return Err(AuthError::WrongAudience);
            }
        }
        Ok(sub)
    }
}

/// Reads the file named by a `kid` (flaw `kid-path-traversal` only): at most 64 KiB, and only a
/// regular file or the null device, so that a FIFO or terminal cannot block the request.
fn read_kid_file(kid: &str) -> Option<Vec<u8>> {
    let path = std::path::Path::new(kid);
    let metadata = std::fs::metadata(path).ok()?;
    let is_null_device = std::fs::canonicalize(path).ok()? == std::path::Path::new("/dev/null");
    if !metadata.is_file() && !is_null_device {
        return None;
    }
    let mut content = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut content)
        .ok()?;
    Some(content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: u64 = 1_800_000_000;

    fn settings(flaw: Option<Flaw>) -> VerifierSettings {
        VerifierSettings {
            issuer: "http://localhost:3000".into(),
            audience: "http://localhost:3000".into(),
            algorithms: vec![Algorithm::HS256],
            leeway: Duration::from_secs(30),
            flaw,
        }
    }

    fn verifier(flaw: Option<Flaw>) -> Verifier {
        Verifier::new(settings(flaw), KeyStore::from_hs256_secret(SECRET))
    }

    fn claims() -> Value {
        json!({"sub":"alice","iss":"http://localhost:3000","aud":"http://localhost:3000","exp":NOW + 600,"iat":NOW})
    }

    fn sign(claims: &Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn with(mut base: Value, key: &str, value: Value) -> Value {
        if value.is_null() {
            base.as_object_mut().unwrap().remove(key);
        } else {
            base[key] = value;
        }
        base
    }

    fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
        format!(
            "{}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn valid_token_yields_sub() {
        let id = verifier(None).verify_token(&sign(&claims()), NOW).unwrap();
        assert_eq!(id.sub, "alice");
    }

    #[test]
    fn time_claims_use_the_injected_clock_and_leeway() {
        let v = verifier(None);
        let exp = |e: u64| sign(&with(claims(), "exp", json!(e)));
        assert!(v.verify_token(&exp(NOW - 29), NOW).is_ok(), "within leeway");
        assert_eq!(v.verify_token(&exp(NOW - 31), NOW), Err(AuthError::Expired));
        let earlier = sign(&with(
            with(claims(), "exp", json!(NOW - 31)),
            "iat",
            json!(NOW - 300),
        ));
        assert_eq!(
            v.verify_token(&earlier, NOW - 100).map(|i| i.sub),
            Ok("alice".into())
        );
        let nbf = sign(&with(claims(), "nbf", json!(NOW + 3600)));
        assert_eq!(v.verify_token(&nbf, NOW), Err(AuthError::NotYetValid));
        let iat = sign(&with(claims(), "iat", json!(NOW + 3600)));
        assert_eq!(v.verify_token(&iat, NOW), Err(AuthError::IssuedInFuture));
        assert!(
            v.verify_token(
                &sign(&with(claims(), "exp", json!((NOW + 60) as f64 + 0.5))),
                NOW
            )
            .is_ok()
        );
    }

    #[test]
    fn claim_rules() {
        let v = verifier(None);
        let check = |c: Value| v.verify_token(&sign(&c), NOW);
        assert!(check(with(claims(), "exp", Value::Null)).is_err());
        assert!(check(with(claims(), "exp", json!("9999999999"))).is_err());
        assert!(check(with(claims(), "sub", Value::Null)).is_err());
        assert!(check(with(claims(), "sub", json!(""))).is_err());
        assert!(check(with(claims(), "sub", json!(7))).is_err());
        assert!(check(with(claims(), "iss", json!("http://localhost:3000/"))).is_err());
        assert!(check(with(claims(), "iss", json!(["http://localhost:3000"]))).is_err());
        assert!(check(with(claims(), "iss", Value::Null)).is_err());
        assert!(check(with(claims(), "aud", Value::Null)).is_err());
        assert!(check(with(claims(), "aud", json!("other"))).is_err());
        assert!(check(with(claims(), "aud", json!([]))).is_err());
        assert!(
            check(with(
                claims(),
                "aud",
                json!(["other", 1, "http://localhost:3000"])
            ))
            .is_err()
        );
        assert!(
            check(with(
                claims(),
                "aud",
                json!(["other", "http://localhost:3000"])
            ))
            .is_ok()
        );
        assert!(check(with(claims(), "nbf", json!("soon"))).is_err());
    }

    #[test]
    fn header_rules() {
        let v = verifier(None);
        let header = |h: Value| {
            let mut token = unsigned(&h, &claims(), "");
            // sign it properly so only the header rule can fail
            let input = token.rsplit_once('.').unwrap().0.to_owned();
            let sig = jsonwebtoken::crypto::sign(
                input.as_bytes(),
                &EncodingKey::from_secret(SECRET),
                Algorithm::HS256,
            )
            .unwrap();
            token = format!("{input}.{sig}");
            v.verify_token(&token, NOW)
        };
        assert!(header(json!({"alg":"HS256","typ":"JWT"})).is_ok());
        assert_eq!(
            header(json!({"alg":"HS256","crit":["exp"]})),
            Err(AuthError::CriticalHeader)
        );
        assert_eq!(
            header(json!({"alg":"HS256","b64":false})),
            Err(AuthError::UnencodedPayload)
        );
        assert_eq!(
            header(json!({"alg":"HS256","cty":"JWT"})),
            Err(AuthError::ContentType)
        );
        assert_eq!(
            header(json!({"alg":"hs256"})),
            Err(AuthError::AlgorithmNotAllowed)
        );
        assert_eq!(
            header(json!({"alg":"HS384"})),
            Err(AuthError::AlgorithmNotAllowed)
        );
        assert_eq!(
            header(json!({"alg":"none"})),
            Err(AuthError::AlgorithmNotAllowed)
        );
    }

    #[test]
    fn alg_none_only_with_the_flaw() {
        let token = unsigned(&json!({"alg":"nOnE"}), &claims(), "");
        assert_eq!(
            verifier(None).verify_token(&token, NOW),
            Err(AuthError::AlgorithmNotAllowed)
        );
        assert!(
            verifier(Some(Flaw::AlgNoneAccepted))
                .verify_token(&token, NOW)
                .is_ok()
        );
        let expired = unsigned(&json!({"alg":"none"}), &with(claims(), "exp", json!(1)), "");
        assert_eq!(
            verifier(Some(Flaw::AlgNoneAccepted)).verify_token(&expired, NOW),
            Err(AuthError::Expired),
            "the flaw skips the signature only"
        );
    }

    #[test]
    fn tampered_signature_only_with_the_flaw() {
        let token = sign(&claims());
        let forged = format!("{}AAAA", &token[..token.len() - 4]);
        assert_eq!(
            verifier(None).verify_token(&forged, NOW),
            Err(AuthError::BadSignature)
        );
        assert!(
            verifier(Some(Flaw::SignatureNotVerified))
                .verify_token(&forged, NOW)
                .is_ok()
        );
    }

    #[test]
    fn claim_flaws() {
        let cases = [
            (Flaw::ExpNotChecked, with(claims(), "exp", json!(1))),
            (Flaw::ExpNotRequired, with(claims(), "exp", Value::Null)),
            (Flaw::NbfIgnored, with(claims(), "nbf", json!(NOW + 3600))),
            (
                Flaw::IssIgnored,
                with(claims(), "iss", json!("https://evil.example")),
            ),
            (Flaw::AudIgnored, with(claims(), "aud", json!("other"))),
            (Flaw::HugeLeeway, with(claims(), "exp", json!(NOW - 86_400))),
        ];
        for (flaw, c) in cases {
            let token = sign(&c);
            assert!(
                verifier(None).verify_token(&token, NOW).is_err(),
                "{flaw} secure"
            );
            assert!(
                verifier(Some(flaw)).verify_token(&token, NOW).is_ok(),
                "{flaw} flawed"
            );
        }
    }

    #[test]
    fn kid_path_traversal_only_with_the_flaw() {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("../../../../../../../../dev/null".into());
        let token =
            jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(b"")).unwrap();
        assert_eq!(
            verifier(None).verify_token(&token, NOW),
            Err(AuthError::BadSignature)
        );
        assert!(
            verifier(Some(Flaw::KidPathTraversal))
                .verify_token(&token, NOW)
                .is_ok()
        );
        header.kid = Some("/nonexistent/file".into());
        let token =
            jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(b"")).unwrap();
        assert!(
            verifier(Some(Flaw::KidPathTraversal))
                .verify_token(&token, NOW)
                .is_err()
        );
    }
}
