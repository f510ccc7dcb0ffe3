//! The HTTP client: redirects never followed (a token must never reach another host), no proxy, a
//! per-request timeout, response bodies capped, every request paced (`--rate`) and counted.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, redirect};

use super::prepared::PreparedRequest;
use super::rate::Pace;

/// Limits for talking to one target.
#[derive(Debug, Clone)]
pub struct TargetSettings {
    /// Time allowed for one request, from connect to the last body byte read.
    pub request_timeout: Duration,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Most response body bytes kept; the rest is not read.
    pub max_body_bytes: usize,
    /// Transport failures in a row (timeouts, refused or broken connections, answers that are not
    /// HTTP, with no answer between them) after which a run stops: the target stopped answering.
    pub give_up_after: usize,
}

/// Transport failures in a row after which a run stops, unless the profile says otherwise.
pub const DEFAULT_GIVE_UP_AFTER: usize = 20;

impl Default for TargetSettings {
    fn default() -> Self {
        TargetSettings {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 256 * 1024,
            give_up_after: DEFAULT_GIVE_UP_AFTER,
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
    /// No connection within the connect timeout.
    #[error("could not connect within {0:?} (the connect timeout)")]
    ConnectTimeout(Duration),
    /// Connected, but no complete answer within the request timeout.
    #[error("timed out after {0:?} waiting for the answer (the request timeout)")]
    Timeout(Duration),
    /// What came back is not HTTP (a TLS record, another protocol's bytes, a malformed head).
    #[error("the answer is not HTTP: {0}")]
    NotHttp(String),
    /// The connection broke before or during the answer.
    #[error("broken response: {0}")]
    Broken(String),
}

impl SendError {
    /// Whether the target, not the request, is at fault: everything but a request that could not be
    /// built.
    pub fn is_transport(&self) -> bool {
        !matches!(self, SendError::Build(_))
    }
}

/// A client for one target. Its clones share one [`Pace`]: every request any of them sends to the
/// target takes its turn there (the one place the rate is kept), and is counted.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    /// Keeps no idle connection: the retry of a request whose reused connection broke before any
    /// answer byte (a server that closed it as idle, e.g. uvicorn after 5 s) goes out on a new one.
    fresh: reqwest::Client,
    settings: TargetSettings,
    pace: Arc<Pace>,
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
            pace: Arc::new(Pace::unlimited()),
        })
    }

    /// The same client sending at most `rate` requests a second (`None`: no limit), its count of
    /// requests started anew.
    pub fn with_rate(mut self, rate: Option<NonZeroU32>) -> Self {
        self.pace = Arc::new(Pace::new(rate));
        self
    }

    /// The pace its requests take turns at, and their count.
    pub fn pace(&self) -> &Arc<Pace> {
        &self.pace
    }

    /// Sends one request (after its turn at the pace) and reads at most `max_body_bytes` of the
    /// answer. The time waited for the turn is not the target's: neither the request timeout nor
    /// [`Exchange::elapsed`] counts it.
    pub async fn send(&self, spec: &RequestSpec) -> Result<Exchange, SendError> {
        self.send_prepared(&PreparedRequest::new(spec.clone()))
            .await
    }

    /// [`Self::send`] for a request made ready already: its header values and body are shared with
    /// the request sent (and with the retry), never copied (a value may be 1.4 MiB).
    pub async fn send_prepared(&self, prepared: &PreparedRequest) -> Result<Exchange, SendError> {
        let request = |client: &reqwest::Client, headers: HeaderMap| {
            let builder = client
                .request(prepared.method().clone(), prepared.url())
                .headers(headers);
            match prepared.body() {
                Some(body) => builder.body(body.clone()),
                None => builder,
            }
        };
        let headers = prepared.header_map().map_err(SendError::Build)?;
        self.pace.turn().await;
        let mut started = Instant::now();
        let mut response = match request(&self.inner, headers.clone()).send().await {
            Ok(response) => response,
            // Broken before any answer byte: retried once, on a new connection (a request again).
            Err(err) if matches!(self.classify_ref(&err), SendError::Broken(_)) => {
                self.pace.turn().await;
                started = Instant::now();
                request(&self.fresh, headers)
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
        classify(err, &self.settings)
    }
}

/// What a failed send means. A timeout while connecting is the connect timeout (reqwest marks it both
/// a connect and a timeout error); any other is the request timeout. An answer hyper cannot parse as
/// HTTP is [`SendError::NotHttp`].
fn classify(err: &reqwest::Error, settings: &TargetSettings) -> SendError {
    if err.is_timeout() && err.is_connect() {
        SendError::ConnectTimeout(settings.connect_timeout)
    } else if err.is_timeout() {
        SendError::Timeout(settings.request_timeout)
    } else if err.is_connect() {
        SendError::Connect(error_chain(err))
    } else if err.is_builder() {
        SendError::Build(error_chain(err))
    } else if let Some(parse) = parse_error(err) {
        SendError::NotHttp(parse.to_string())
    } else {
        SendError::Broken(error_chain(err))
    }
}

/// The HTTP parse error in `err`'s chain, if there is one.
fn parse_error(err: &reqwest::Error) -> Option<&hyper::Error> {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>()
            && hyper.is_parse()
        {
            return Some(hyper);
        }
        source = cause.source();
    }
    None
}

/// The `https://` form of `http_url` when its host answers HTTP over TLS there: the target wants
/// `https://`. Any certificate is accepted and nothing but `GET` is sent (no token, no header of the
/// profile), so that a self-signed staging certificate is still recognised as TLS.
pub async fn https_instead(http_url: &str, settings: &TargetSettings) -> Option<String> {
    let https = format!("https://{}", http_url.strip_prefix("http://")?);
    let client = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .no_proxy()
        .tls_danger_accept_invalid_certs(true)
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .build()
        .ok()?;
    client.get(https.as_str()).send().await.ok().map(|_| https)
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

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpSocket, TcpStream};

    use super::*;

    fn settings(connect: u64, request: u64) -> TargetSettings {
        TargetSettings {
            connect_timeout: Duration::from_secs(connect),
            request_timeout: Duration::from_secs(request),
            ..TargetSettings::default()
        }
    }

    async fn get(settings: TargetSettings, url: &str) -> Result<Exchange, SendError> {
        let client = HttpClient::new(settings).expect("client");
        client.send(&RequestSpec::new(Method::GET, url)).await
    }

    #[tokio::test]
    async fn a_timeout_while_connecting_is_named_the_connect_timeout() {
        // A listener that never accepts, its queue (backlog 1) filled: the kernel drops further
        // connection attempts, so connecting hangs until the connect timeout.
        let socket = TcpSocket::new_v4().expect("socket");
        socket.bind("127.0.0.1:0".parse().unwrap()).expect("bind");
        let listener = socket.listen(1).expect("listen");
        let address = listener.local_addr().expect("address");
        let mut queued = Vec::new();
        for _ in 0..8 {
            let attempt = TcpStream::connect(address);
            if let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_millis(200), attempt).await
            {
                queued.push(stream);
            }
        }
        let outcome = get(settings(1, 30), &format!("http://{address}/")).await;
        let err = outcome.expect_err("no connection");
        assert!(
            matches!(err, SendError::ConnectTimeout(after) if after == Duration::from_secs(1)),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "could not connect within 1s (the connect timeout)"
        );
        drop((listener, queued));
    }

    #[tokio::test]
    async fn a_timeout_while_waiting_for_the_answer_is_named_the_request_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            // Accepted, never answered.
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(stream);
        });
        let err = get(settings(30, 1), &format!("http://{address}/"))
            .await
            .expect_err("no answer");
        assert!(
            matches!(err, SendError::Timeout(after) if after == Duration::from_secs(1)),
            "{err:?}"
        );
        assert!(err.to_string().contains("the request timeout"), "{err}");
        server.abort();
    }

    /// A listener that reads a request and answers `answer`, then closes.
    async fn answering(answer: &'static [u8]) -> (String, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head).await;
                let _ = stream.write_all(answer).await;
                let _ = stream.shutdown().await;
            }
        });
        (format!("http://{address}/"), server)
    }

    #[tokio::test]
    async fn an_answer_that_is_not_http_is_named_so() {
        // A TLS alert record (what a TLS server answers to plain text), then another protocol's banner.
        for answer in [
            &b"\x15\x03\x03\x00\x02\x02\x32"[..],
            &b"SSH-2.0-OpenSSH_9.6\r\n"[..],
        ] {
            let (url, server) = answering(answer).await;
            let err = get(settings(5, 5), &url).await.expect_err("not HTTP");
            assert!(matches!(err, SendError::NotHttp(_)), "{err:?}");
            assert!(
                err.to_string().starts_with("the answer is not HTTP"),
                "{err}"
            );
            assert!(err.is_transport());
            server.abort();
        }
    }

    #[tokio::test]
    async fn a_connection_closed_without_an_answer_is_broken_not_garbage() {
        let (url, server) = answering(b"").await;
        let err = get(settings(5, 5), &url).await.expect_err("no answer");
        assert!(matches!(err, SendError::Broken(_)), "{err:?}");
        server.abort();
    }

    #[tokio::test]
    async fn https_instead_is_none_for_a_listener_that_does_not_speak_tls() {
        let (url, server) = answering(b"SSH-2.0-OpenSSH_9.6\r\n").await;
        assert_eq!(https_instead(&url, &settings(5, 5)).await, None);
        assert_eq!(
            https_instead("https://127.0.0.1:1", &settings(5, 5)).await,
            None
        );
        server.abort();
    }
}
