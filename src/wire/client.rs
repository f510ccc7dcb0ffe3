//! The HTTP client: redirects never followed (a token must never reach another host), no proxy, a
//! per-request timeout, response bodies capped.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, redirect};

/// Limits for talking to one target.
#[derive(Debug, Clone)]
pub struct TargetSettings {
    /// Time allowed for one request, from connect to the last body byte read.
    pub request_timeout: Duration,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Most response body bytes kept; the rest is not read.
    pub max_body_bytes: usize,
}

impl Default for TargetSettings {
    fn default() -> Self {
        TargetSettings {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 256 * 1024,
        }
    }
}

/// What the harness asks to send: method, URL, headers (repeatable) and an optional body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Header lines in order; a name may repeat.
    pub headers: Vec<(String, String)>,
    /// Body bytes, if any.
    pub body: Option<Vec<u8>>,
}

impl RequestSpec {
    /// A request without headers or body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        RequestSpec {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header line.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body and its content type.
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.headers
            .push(("content-type".into(), "application/json".into()));
        self.body = Some(value.to_string().into_bytes());
        self
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Response status code.
    pub status: u16,
    /// Response headers, lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// Response body, at most `max_body_bytes`.
    pub body: Vec<u8>,
    /// Whether the body was longer than the cap.
    pub body_truncated: bool,
    /// Wall time of the exchange.
    pub elapsed: Duration,
}

impl Exchange {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every header of that (lower-case) name.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sending failed before a status was received, or the request could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The request itself is not sendable (e.g. a header value with control bytes).
    #[error("request cannot be built: {0}")]
    Build(String),
    /// Connection refused, DNS, TLS.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// No complete answer within the timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The connection broke mid-answer or the answer was not HTTP.
    #[error("broken response: {0}")]
    Broken(String),
}

/// A client for one target.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    /// Keeps no idle connection: the retry of a request whose reused connection broke before any
    /// answer byte (a server that closed it as idle, e.g. uvicorn after 5 s) goes out on a new one.
    fresh: reqwest::Client,
    settings: TargetSettings,
}

impl HttpClient {
    /// A client with these limits.
    pub fn new(settings: TargetSettings) -> Result<Self, SendError> {
        let builder = || {
            reqwest::Client::builder()
                .redirect(redirect::Policy::none())
                .no_proxy()
                .connect_timeout(settings.connect_timeout)
                .timeout(settings.request_timeout)
                .user_agent(concat!("authconform/", env!("CARGO_PKG_VERSION")))
        };
        let inner = builder()
            .build()
            .map_err(|err| SendError::Build(err.to_string()))?;
        let fresh = builder()
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|err| SendError::Build(err.to_string()))?;
        Ok(HttpClient {
            inner,
            fresh,
            settings,
        })
    }

    /// Sends one request and reads at most `max_body_bytes` of the answer.
    pub async fn send(&self, spec: &RequestSpec) -> Result<Exchange, SendError> {
        let started = Instant::now();
        let mut headers = HeaderMap::new();
        for (name, value) in &spec.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|err| SendError::Build(format!("header name {name:?}: {err}")))?;
            let value = HeaderValue::from_bytes(value.as_bytes())
                .map_err(|err| SendError::Build(format!("header {name}: {err}")))?;
            headers.append(name, value);
        }
        let request = |client: &reqwest::Client| {
            let builder = client
                .request(spec.method.clone(), &spec.url)
                .headers(headers.clone());
            match &spec.body {
                Some(body) => builder.body(body.clone()),
                None => builder,
            }
        };
        let mut response = match request(&self.inner).send().await {
            Ok(response) => response,
            // Broken before any answer byte: retried once, on a new connection.
            Err(err) if matches!(self.classify_ref(&err), SendError::Broken(_)) => {
                request(&self.fresh)
                    .send()
                    .await
                    .map_err(|err| self.classify(err))?
            }
            Err(err) => return Err(self.classify(err)),
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let (body, body_truncated) =
            super::read_body::read(&mut response, self.settings.max_body_bytes)
                .await
                .map_err(|err| self.classify(err))?;
        Ok(Exchange {
            status,
            headers,
            body,
            body_truncated,
            elapsed: started.elapsed(),
        })
    }

    fn classify(&self, err: reqwest::Error) -> SendError {
        self.classify_ref(&err)
    }

    fn classify_ref(&self, err: &reqwest::Error) -> SendError {
        if err.is_timeout() {
            SendError::Timeout(self.settings.request_timeout)
        } else if err.is_connect() {
            SendError::Connect(error_chain(err))
        } else if err.is_builder() {
            SendError::Build(error_chain(err))
        } else {
            SendError::Broken(error_chain(err))
        }
    }
}

/// The error and its sources on one line.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
