//! The request-level authentication: [`Authenticator`] (verifier plus JWKS refresh) and the axum
//! extractor [`AuthUser`], whose rejection is the exact 401/400 answer of the contract.

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::credentials::{self, Presented};
use super::jose::{self, JoseHeader};
use super::jwks::{self, JwksRefresher};
use super::keys::{KeyError, KeyStore};
use super::verifier::{FlawKeys, Verifier, VerifierSettings};
use super::{AuthError, Identity};
use crate::config::{KeySource, ServerConfig};
use crate::flaws::Flaw;
use crate::state::AppState;
use crate::styles::Style;

/// Verifies tokens of incoming requests, refreshing a JWKS URL on an unknown `kid`.
#[derive(Debug)]
pub struct Authenticator {
    verifier: Verifier,
    refresher: Option<JwksRefresher>,
    http: reqwest::Client,
    flaw: Option<Flaw>,
}

impl Authenticator {
    /// Loads the keys of `config`. A JWKS file must hold a usable key; a JWKS URL that cannot be
    /// fetched yet only logs a warning (the issuer may start later) and is retried on first use.
    pub async fn from_config(config: &ServerConfig) -> Result<Self, KeyError> {
        let http = jwks::http_client()?;
        let mut refresher = None;
        let keys = match &config.key_source {
            KeySource::JwksFile(path) => {
                let keys = jwks::load_jwks_file(path)?;
                if keys.is_empty() {
                    return Err(KeyError::NoUsableKey);
                }
                keys
            }
            KeySource::JwksJson(json) => {
                let keys = KeyStore::from_jwks_json(json.as_bytes())?;
                if keys.is_empty() {
                    return Err(KeyError::NoUsableKey);
                }
                keys
            }
            KeySource::JwksUrl(url) => {
                let source =
                    JwksRefresher::new(url.clone(), http.clone(), config.jwks_refresh_interval);
                let keys = match source.initial_load().await {
                    Ok(keys) => keys,
                    Err(err) => {
                        tracing::warn!(error = %err, "JWKS URL not reachable at start; will retry on first token");
                        KeyStore::default()
                    }
                };
                refresher = Some(source);
                keys
            }
            KeySource::Hs256Secret(secret) => KeyStore::from_hs256_secret(secret),
        };
        Ok(Authenticator {
            verifier: Verifier::new(VerifierSettings::from_config(config), keys),
            refresher,
            http,
            flaw: config.flaw,
        })
    }

    /// The underlying synchronous verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// How many times the JWKS URL was fetched (0 for other key sources).
    pub fn jwks_fetch_count(&self) -> u64 {
        self.refresher
            .as_ref()
            .map_or(0, JwksRefresher::fetch_count)
    }

    /// Verifies a token now; on an unknown `kid` with a JWKS URL, refreshes (rate-limited) and retries.
    pub async fn authenticate(&self, token: &str) -> Result<Identity, AuthError> {
        let now = crate::time::unix_now();
        let mut flaw_keys = FlawKeys::default();
        // FLAW jku-trusted: fetch the JWKS the token points at (loopback hosts only).
        if self.flaw == Some(Flaw::JkuTrusted) {
            flaw_keys.jku = self.fetch_jku(token).await;
        }
        match self.verifier.verify_token_with(token, now, &flaw_keys) {
            Err(AuthError::UnknownKid) => match &self.refresher {
                Some(refresher) => {
                    // Retry even when this request did not fetch: a concurrent request may just have
                    // loaded the new keys while this one waited for the refresh lock.
                    refresher.refresh(&self.verifier).await;
                    self.verifier.verify_token_with(token, now, &flaw_keys)
                }
                None => Err(AuthError::UnknownKid),
            },
            result => result,
        }
    }

    async fn fetch_jku(&self, token: &str) -> Option<KeyStore> {
        let parts = jose::split_compact(token).ok()?;
        let object = jose::parse_object(&jose::decode_segment(parts.header).ok()?).ok()?;
        let jku = JoseHeader::from_object(&object).ok()?.jku?;
        let Some(url) = jwks::loopback_jku(&jku) else {
            tracing::warn!("jku-trusted flaw: refusing to fetch a non-loopback jku URL");
            return None;
        };
        jwks::fetch_jwks(&self.http, url.as_str()).await.ok()
    }
}

/// The authenticated caller of a protected route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The token's `sub`.
    pub sub: String,
}

/// Why a request was not authenticated; renders the contract's status, `WWW-Authenticate` and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRejection {
    kind: RejectionKind,
    flaw: Option<Flaw>,
    verbose: bool,
    bare: bool,
    legacy_403: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RejectionKind {
    /// No credentials: 401 without an error code.
    Missing,
    /// A token that does not verify: 401 `invalid_token`.
    Invalid,
    /// Several credentials: 400 `invalid_request`.
    Several,
    /// Only with the `malformed-token-500` flaw.
    Internal,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let flaw = state.flaw;
        let verbose = state.styled(Style::VerboseChallenge);
        let bare = state.styled(Style::BareChallenge);
        let legacy_403 = state.styled(Style::MissingToken403);
        let reject = |kind| AuthRejection {
            kind,
            flaw,
            verbose,
            bare,
            legacy_403,
        };
        match credentials::extract(parts, flaw) {
            Presented::Missing => Err(reject(RejectionKind::Missing)),
            Presented::Several => Err(reject(RejectionKind::Several)),
            Presented::SessionCookie(sub) => Ok(AuthUser { sub }),
            Presented::Token(token) => match state.auth.authenticate(&token).await {
                Ok(identity) => Ok(AuthUser { sub: identity.sub }),
                Err(err) => {
                    tracing::debug!(reason = %err, token = %fingerprint(&token), "token refused");
                    // FLAW malformed-token-500: a parse failure escapes as a server error.
                    if flaw == Some(Flaw::MalformedToken500) && err == AuthError::Malformed {
                        return Err(reject(RejectionKind::Internal));
                    }
                    Err(reject(RejectionKind::Invalid))
                }
            },
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        // STYLE missing-token-403: FastAPI's HTTPBearer before 0.122.0, no challenge.
        if self.legacy_403 && self.kind == RejectionKind::Missing {
            let body = json!({"detail": "Not authenticated"});
            return (StatusCode::FORBIDDEN, Json(body)).into_response();
        }
        let (mut status, mut challenge, error, message) = match self.kind {
            RejectionKind::Missing => (
                StatusCode::UNAUTHORIZED,
                r#"Bearer realm="todo""#,
                "missing_token",
                "authentication required",
            ),
            RejectionKind::Invalid => (
                StatusCode::UNAUTHORIZED,
                r#"Bearer realm="todo", error="invalid_token""#,
                "invalid_token",
                "the access token is invalid",
            ),
            RejectionKind::Several => (
                StatusCode::BAD_REQUEST,
                r#"Bearer realm="todo", error="invalid_request""#,
                "invalid_request",
                "send exactly one access token, in the Authorization header",
            ),
            RejectionKind::Internal => {
                let body = json!({"error": "internal_error", "message": "internal server error"});
                return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
            }
        };
        // STYLE verbose-challenge: another realm, another parameter order, more parameters.
        if self.verbose {
            challenge = match self.kind {
                RejectionKind::Missing => r#"Bearer realm="todo-api", scope="tasks""#,
                RejectionKind::Invalid => {
                    r#"Bearer error="invalid_token", error_description="The access token is invalid or has expired", realm="todo-api""#
                }
                _ => {
                    r#"Bearer error="invalid_request", error_description="Send one access token, in the Authorization header", realm="todo-api""#
                }
            };
        }
        // STYLE bare-challenge: `Bearer` alone on every 401 (a conformance note for a bad token).
        if self.bare && status == StatusCode::UNAUTHORIZED {
            challenge = "Bearer";
        }
        // FLAW forbidden-instead-of-401.
        if status == StatusCode::UNAUTHORIZED && self.flaw == Some(Flaw::ForbiddenInsteadOf401) {
            status = StatusCode::FORBIDDEN;
        }
        let mut response =
            (status, Json(json!({"error": error, "message": message}))).into_response();
        // FLAW missing-www-authenticate.
        if self.flaw != Some(Flaw::MissingWwwAuthenticate) {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

/// A short, non-reversible tag of a token for logs (never log the token itself).
fn fingerprint(token: &str) -> String {
    let mut hasher = DefaultHasher::new();
    token.hash(&mut hasher);
    format!("{:016x}/{}B", hasher.finish(), token.len())
}
