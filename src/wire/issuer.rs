//! The hosted issuer: a loopback HTTP server that publishes the profile issuer's PUBLIC keys as a JWKS,
//! at `/.well-known/jwks.json` and at Better Auth's `/api/auth/jwks`, for targets that fetch their keys
//! by URL. It stands in for Better Auth: the harness signs with the private key, the target fetches the
//! public half from here. Every fetch is counted (FR-022 asks a target to fetch once, not per request).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::token::keys::jwks;
use crate::token::mint::IssuerSettings;

/// Where the JWKS is served (both paths serve the same document).
pub const JWKS_PATHS: [&str; 2] = ["/.well-known/jwks.json", "/api/auth/jwks"];

/// The issuer cannot be hosted.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// An HMAC issuer has no public key to publish.
    #[error(
        "the profile's issuer signs with a shared secret ({0}): there is no public key to publish; a hosted issuer needs an asymmetric key (EdDSA, RS256, ES256, ES384)"
    )]
    Symmetric(String),
    /// The profile gives no issuer key (its tokens come from the real issuer).
    #[error(
        "the profile gives no issuer key (its tokens come from the real issuer), so there is no JWKS to host; remove `hosted_issuer`"
    )]
    NoKey,
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

#[derive(Debug)]
struct Shared {
    jwks: String,
    fetches: AtomicU64,
}

/// A running hosted issuer. Dropping it stops the server.
#[derive(Debug)]
pub struct HostedIssuer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _stop: oneshot::Sender<()>,
}

/// The public JWKS of the issuer's key (a profile's `issuer`).
pub fn issuer_jwks(issuer: &IssuerSettings) -> Result<Value, IssuerError> {
    let held = issuer.key.as_ref().ok_or(IssuerError::NoKey)?;
    let key = held
        .public_key()
        .ok_or_else(|| IssuerError::Symmetric(held.alg().as_str().to_string()))?;
    Ok(jwks([&key]))
}

impl HostedIssuer {
    /// Serves `jwks` on `bind` (port 0: an ephemeral port) until dropped.
    pub async fn start(bind: SocketAddr, jwks: &Value) -> Result<HostedIssuer, IssuerError> {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|source| IssuerError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| IssuerError::Bind { addr: bind, source })?;
        let shared = Arc::new(Shared {
            jwks: jwks.to_string(),
            fetches: AtomicU64::new(0),
        });
        let mut app = Router::new();
        for path in JWKS_PATHS {
            app = app.route(path, get(serve_jwks));
        }
        let app = app
            .fallback(|| async { StatusCode::NOT_FOUND })
            .with_state(Arc::clone(&shared));
        let stop = super::serve::spawn_until_dropped(listener, app);
        Ok(HostedIssuer {
            addr,
            shared,
            _stop: stop,
        })
    }

    /// Serves the public JWKS of the issuer's key (a profile's `issuer`) on `bind`.
    pub async fn for_issuer(
        issuer: &IssuerSettings,
        bind: SocketAddr,
    ) -> Result<HostedIssuer, IssuerError> {
        HostedIssuer::start(bind, &issuer_jwks(issuer)?).await
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Better Auth's JWKS URL on this host (`/api/auth/jwks`).
    pub fn jwks_url(&self) -> String {
        format!("{}{}", self.base_url(), JWKS_PATHS[1])
    }

    /// How many times the JWKS was fetched (either path).
    pub fn fetch_count(&self) -> u64 {
        self.shared.fetches.load(Ordering::Relaxed)
    }
}

async fn serve_jwks(State(shared): State<Arc<Shared>>) -> Response {
    shared.fetches.fetch_add(1, Ordering::Relaxed);
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        shared.jwks.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::keys::{HsSecret, SigningKey};

    /// The issuer of the reference profile: the Ed25519 fixture key, kid `test-ed25519`.
    fn fixture_issuer() -> IssuerSettings {
        let pem = include_str!("../../fixtures/keys/issuer/ed25519.pem");
        let key = SigningKey::from_pkcs8_pem(pem, Some("test-ed25519".into())).unwrap();
        IssuerSettings::new(key, "http://localhost:3000", "http://localhost:3000")
    }

    #[tokio::test]
    async fn serves_the_public_jwks_on_both_paths_and_counts_fetches() {
        let issuer = HostedIssuer::for_issuer(&fixture_issuer(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let client = reqwest::Client::new();
        for path in JWKS_PATHS {
            let body: Value = client
                .get(format!("{}{path}", issuer.base_url()))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let key = &body["keys"][0];
            assert_eq!(key["kid"], "test-ed25519");
            assert_eq!(key["kty"], "OKP");
            assert!(key.get("d").is_none(), "never the private key: {key}");
        }
        let missing = client
            .get(format!("{}/nope", issuer.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        assert_eq!(issuer.fetch_count(), 2);
        assert!(issuer.jwks_url().ends_with("/api/auth/jwks"));
    }

    #[test]
    fn an_hmac_issuer_has_nothing_to_publish() {
        let mut issuer = fixture_issuer();
        let secret = HsSecret::new(vec![7; 32]).unwrap();
        issuer.key = Some(SigningKey::hs256(secret, None));
        assert!(matches!(
            issuer_jwks(&issuer),
            Err(IssuerError::Symmetric(_))
        ));
    }
}
