//! The attacker host: a loopback HTTP server that serves bait for `jku` / `x5u` attacks (an attacker
//! JWKS, an attacker certificate) and records every fetch, so a check can assert that the target
//! fetched nothing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

use crate::token::mutation::HostedFile;

/// One request the attacker host received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// The request path.
    pub path: String,
}

#[derive(Debug, Default)]
struct Shared {
    files: Mutex<HashMap<String, HostedFile>>,
    fetches: Mutex<Vec<Fetch>>,
}

/// A running attacker host. Dropping it stops the server.
#[derive(Debug)]
pub struct AttackerHost {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _stop: oneshot::Sender<()>,
}

impl AttackerHost {
    /// Starts on `bind` (use `127.0.0.1:0` for an ephemeral port).
    pub async fn start(bind: SocketAddr) -> std::io::Result<AttackerHost> {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&shared));
        let stop = super::serve::spawn_until_dropped(listener, app);
        Ok(AttackerHost {
            addr,
            shared,
            _stop: stop,
        })
    }

    /// `http://ADDR:PORT` of the host.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves these files (under their paths) from now on.
    pub fn host(&self, prefix: &str, files: &[HostedFile]) {
        let mut served = self
            .shared
            .files
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for file in files {
            served.insert(format!("{prefix}{}", file.path), file.clone());
        }
    }

    /// Every fetch so far whose path starts with `prefix`.
    pub fn fetches_under(&self, prefix: &str) -> Vec<Fetch> {
        let fetches = self
            .shared
            .fetches
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        fetches
            .iter()
            .filter(|fetch| fetch.path.starts_with(prefix))
            .cloned()
            .collect()
    }
}

async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    shared
        .fetches
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Fetch { path: path.clone() });
    let file = shared
        .files
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&path)
        .cloned();
    match file {
        Some(file) => ([(header::CONTENT_TYPE, file.content_type)], file.body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_hosted_files_and_records_fetches() {
        let host = AttackerHost::start("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let file = HostedFile {
            path: "/jwks.json".into(),
            content_type: "application/json".into(),
            body: "{\"keys\":[]}".into(),
        };
        host.host("/case-1", &[file]);
        let client = reqwest::Client::new();
        let body = client
            .get(format!("{}/case-1/jwks.json", host.base_url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "{\"keys\":[]}");
        let missing = client
            .get(format!("{}/case-2/x", host.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        assert_eq!(
            host.fetches_under("/case-1"),
            vec![Fetch {
                path: "/case-1/jwks.json".into()
            }]
        );
        assert_eq!(host.fetches_under("/case-2").len(), 1);
        assert!(host.fetches_under("/case-3").is_empty());
    }
}
