//! Loading JWKS documents: from a file, from a URL (with a cache refreshed on unknown `kid`, at most
//! once per interval), and, for the `jku-trusted` flaw only, from a loopback `jku` URL.

use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::Url;

use super::keys::{KeyError, KeyStore};
use super::verifier::Verifier;

/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Timeout for one JWKS fetch.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads a JWKS file.
pub fn load_jwks_file(path: &Path) -> Result<KeyStore, KeyError> {
    let bytes = std::fs::read(path)?;
    KeyStore::from_jwks_json(&bytes)
}

/// The HTTP client used for JWKS fetches: no proxy, no redirects, short timeout.
pub fn http_client() -> Result<reqwest::Client, KeyError> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|e| KeyError::Fetch(e.to_string()))
}

/// Fetches and parses a JWKS over HTTP(S); the body is limited to 256 KiB.
pub async fn fetch_jwks(client: &reqwest::Client, url: &str) -> Result<KeyStore, KeyError> {
    let fetch_error = |e: reqwest::Error| KeyError::Fetch(e.without_url().to_string());
    let mut response = client.get(url).send().await.map_err(fetch_error)?;
    if !response.status().is_success() {
        return Err(KeyError::Fetch(format!("status {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(fetch_error)? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(KeyError::Fetch("JWKS document too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    KeyStore::from_jwks_json(&body)
}

/// A JWKS URL source: refreshes the verifier's keys when a token names an unknown `kid`, at most once
/// per `min_interval` (a burst of unknown `kid`s cannot turn into a burst of fetches).
#[derive(Debug)]
pub struct JwksRefresher {
    url: String,
    client: reqwest::Client,
    min_interval: Duration,
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
    fetches: AtomicU64,
}

impl JwksRefresher {
    /// A refresher for `url`.
    pub fn new(url: String, client: reqwest::Client, min_interval: Duration) -> Self {
        JwksRefresher {
            url,
            client,
            min_interval,
            last_refresh: tokio::sync::Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    /// Fetches the JWKS now (used at start); counts as a fetch but not as a rate-limited refresh.
    pub async fn initial_load(&self) -> Result<KeyStore, KeyError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        fetch_jwks(&self.client, &self.url).await
    }

    /// Number of fetches made so far.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Refetches the JWKS into `verifier` unless a refresh happened less than `min_interval` ago.
    /// Returns whether new keys were loaded.
    pub async fn refresh(&self, verifier: &Verifier) -> bool {
        let mut last = self.last_refresh.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.min_interval) {
            tracing::debug!("JWKS refresh skipped (rate limit)");
            return false;
        }
        *last = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::Relaxed);
        match fetch_jwks(&self.client, &self.url).await {
            Ok(keys) if !keys.is_empty() => {
                tracing::info!(keys = keys.len(), "JWKS refreshed");
                verifier.replace_keys(keys);
                true
            }
            Ok(_) => {
                tracing::warn!("JWKS refresh returned no usable key; keeping the old keys");
                false
            }
            Err(err) => {
                tracing::warn!(error = %err, "JWKS refresh failed; keeping the old keys");
                false
            }
        }
    }
}

/// Whether a `jku` URL may be fetched by the `jku-trusted` flaw: http(s) on a loopback host only,
/// so that the flaw can never send traffic off the machine. Returns the URL to fetch (`localhost`
/// rewritten to `127.0.0.1`).
pub fn loopback_jku(jku: &str) -> Option<Url> {
    let mut url = Url::parse(jku).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let loopback = match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) if host.eq_ignore_ascii_case("localhost") => {
            url.set_host(Some("127.0.0.1")).ok()?;
            true
        }
        Err(_) => false,
    };
    loopback.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_jku_urls_are_fetched() {
        assert_eq!(
            loopback_jku("http://localhost:8080/jwks.json")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/jwks.json"
        );
        assert!(loopback_jku("http://127.0.0.1:1/jwks").is_some());
        assert!(loopback_jku("http://127.8.9.1/jwks").is_some());
        assert!(loopback_jku("http://[::1]:9/jwks").is_some());
        for refused in [
            "https://evil.example/jwks",
            "http://localhost.evil.example/",
            "http://127.0.0.1@evil.example/",
            "http://10.0.0.1/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(loopback_jku(refused).is_none(), "{refused}");
        }
    }
}
