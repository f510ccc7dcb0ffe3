//! Reference implementation of the Todo AI Chatbot API: axum + SQLite, JWT bearer authentication done
//! strictly, every query scoped to the authenticated user, and a set of switchable, deliberate flaws
//! ([`flaws::Flaw`]) that the authconform harness uses to prove its checks can fail.
//!
//! ```no_run
//! # async fn run() -> Result<(), reference_server::StartError> {
//! use reference_server::config::{KeySource, ServerConfig};
//! let config = ServerConfig::new(KeySource::JwksFile("fixtures/keys/issuer/jwks.json".into()));
//! let server = reference_server::start(config).await?;
//! println!("listening on {}", server.base_url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod agent;
mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod flaws;
pub mod routes;
mod serve;
mod state;
pub mod store;
pub mod styles;
pub mod time;
pub mod tools;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use api::{MAX_BODY_BYTES, ROUTES};
pub use auth::{AuthError, Identity, Verifier};
pub use config::{ConnectionLimits, KeySource, ServerConfig};
pub use flaws::Flaw;
pub use routes::{RouteLayout, routes};
pub use serve::ConnectionCount;
pub use state::AppState;
pub use styles::Style;

use auth::{Authenticator, KeyError};
use config::ConfigError;
use store::{Store, StoreError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Invalid configuration.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// Keys could not be loaded.
    #[error("failed to load keys: {0}")]
    Keys(#[from] KeyError),
    /// The database could not be opened or migrated.
    #[error("failed to open the database: {0}")]
    Store(#[from] StoreError),
    /// The listen address could not be bound.
    #[error("failed to bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// Builds the application state (keys loaded, database migrated) for `config`.
pub async fn build_state(config: &ServerConfig) -> Result<AppState, StartError> {
    config.validate()?;
    let store = Store::open(config.database.as_deref(), config.ids)?;
    let auth = Arc::new(Authenticator::from_config(config).await?);
    Ok(AppState::new(store, auth, config.flaw)
        .with_styles(styles::Styles::of(&config.styles))
        .with_routes(config.routes))
}

/// The router over a state (mounted at the paths of the configuration's [`RouteLayout`]); drive it in-process (e.g. with `tower::ServiceExt::oneshot`) or serve it.
pub fn router(state: AppState) -> Router {
    api::router(state)
}

/// A server running in the background.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    connections: Arc<serve::Tracker>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The bound address (with the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The application state (e.g. to read the JWKS fetch count).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Connections open now and the most open at once so far (at most
    /// [`ConnectionLimits::max_connections`]).
    pub fn connections(&self) -> ConnectionCount {
        self.connections.count()
    }

    /// Stops accepting connections, lets in-flight requests finish (at most 5 s), and returns.
    pub async fn shutdown(mut self) {
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
        let abort = self.task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            tracing::warn!("graceful shutdown timed out; aborting open connections");
            abort.abort();
        }
    }
}

/// Starts the server on `config.listen` and returns once it accepts connections.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    let state = build_state(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    let (shutdown, signal) = oneshot::channel::<()>();
    let connections = Arc::new(serve::Tracker::default());
    let task = tokio::spawn(serve::serve(
        listener,
        router(state.clone()),
        config.connections,
        Arc::clone(&connections),
        signal,
    ));
    Ok(RunningServer {
        addr,
        state,
        connections,
        shutdown: Some(shutdown),
        task,
    })
}
