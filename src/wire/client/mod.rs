//! The HTTP client: redirects never followed (a token must never reach another host), no proxy, a
//! per-request timeout, response bodies capped, every request paced (`--rate`) and counted.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Uri;
use http::header::{self, HeaderMap, HeaderValue};
use http_body_util::Full;
use hyper::body::Body as _;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
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
///
/// hyper's pooled client with rustls and the platform's certificate verifier (what reqwest is made
/// of), HTTP/1.1, without reqwest's per-request layers: a request here follows no redirect, goes
/// through no proxy, keeps no cookie and is sent as its [`RequestSpec`] says, with `Accept: */*` and
/// the harness's `User-Agent` where the spec sets neither.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: Pool,
    /// Keeps no idle connection: the retry of a request whose reused connection broke before any
    /// answer byte (a server that closed it as idle, e.g. uvicorn after 5 s) goes out on a new one.
    fresh: Pool,
    settings: TargetSettings,
    pace: Arc<Pace>,
}

type Pool = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The `User-Agent` of every request whose spec sets none.
const USER_AGENT: &str = concat!("authconform/", env!("CARGO_PKG_VERSION"));

impl HttpClient {
    /// A client with these limits.
    pub fn new(settings: TargetSettings) -> Result<Self, SendError> {
        Ok(HttpClient {
            inner: pool(&settings, true)?,
            fresh: pool(&settings, false)?,
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
        let request = Prepared::of(prepared)?;
        self.pace.turn().await;
        match self.exchange(&self.inner, &request).await {
            // Broken before any answer byte: retried once, on a new connection (a request again).
            Err(Failed::Unanswered(SendError::Broken(_))) => {
                self.pace.turn().await;
                self.exchange(&self.fresh, &request).await
            }
            outcome => outcome,
        }
        .map_err(Failed::into_error)
    }

    /// One exchange on `pool`, within the request timeout: the answer's head, then its body up to
    /// the cap.
    async fn exchange(&self, pool: &Pool, request: &Prepared) -> Result<Exchange, Failed> {
        let started = Instant::now();
        let timeout = self.settings.request_timeout;
        let answer = async {
            let response = pool.request(request.request()).await.map_err(|err| {
                Failed::Unanswered(classify(&err, err.is_connect(), &self.settings))
            })?;
            let (head, mut body) = response.into_parts();
            let announced = body.size_hint().exact();
            let (body, body_truncated) =
                super::read_body::read(&mut body, announced, self.settings.max_body_bytes)
                    .await
                    .map_err(|err| Failed::Answered(classify(&err, false, &self.settings)))?;
            Ok(Exchange {
                status: head.status.as_u16(),
                headers: head
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.as_str().to_string(),
                            String::from_utf8_lossy(value.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body,
                body_truncated,
                elapsed: started.elapsed(),
            })
        };
        tokio::time::timeout(timeout, answer)
            .await
            .unwrap_or(Err(Failed::Answered(SendError::Timeout(timeout))))
    }
}

/// A connection pool to the target: plain or TLS by the URL's scheme, the connect timeout, no idle
/// connection kept unless `keep_idle`.
fn pool(settings: &TargetSettings, keep_idle: bool) -> Result<Pool, SendError> {
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(settings.connect_timeout));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_platform_verifier(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(|err| SendError::Build(format!("TLS set-up: {err}")))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    let mut builder = Client::builder(TokioExecutor::new());
    builder.pool_timer(TokioTimer::new());
    if !keep_idle {
        builder.pool_max_idle_per_host(0);
    }
    Ok(builder.build(connector))
}

/// A prepared request as hyper takes it: its URI, header map (with the harness's defaults) and body,
/// the header values and the body shared, not copied, by each request made of it.
struct Prepared {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl Prepared {
    fn of(prepared: &PreparedRequest) -> Result<Prepared, SendError> {
        let url = prepared.url();
        // Parsed as a URL first, as browsers and reqwest do (dot segments resolved, spaces and
        // non-ASCII characters percent-encoded), then taken as the request's URI.
        let parsed =
            url::Url::parse(url).map_err(|err| SendError::Build(format!("URL {url:?}: {err}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SendError::Build(format!(
                "URL {url:?}: only http and https are supported"
            )));
        }
        let uri = Uri::try_from(parsed.as_str())
            .map_err(|err| SendError::Build(format!("URL {url:?}: {err}")))?;
        let mut headers = prepared.header_map().map_err(SendError::Build)?;
        for (name, value) in [
            (header::ACCEPT, HeaderValue::from_static("*/*")),
            (header::USER_AGENT, HeaderValue::from_static(USER_AGENT)),
        ] {
            headers.entry(name).or_insert(value);
        }
        Ok(Prepared {
            method: prepared.method().clone(),
            uri,
            headers,
            body: prepared.body().cloned().unwrap_or_default(),
        })
    }

    fn request(&self) -> http::Request<Full<Bytes>> {
        let mut request = http::Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// How an exchange failed: before any answer (then a broken connection is retried once) or after
/// its head.
enum Failed {
    Unanswered(SendError),
    Answered(SendError),
}

impl Failed {
    fn into_error(self) -> SendError {
        match self {
            Failed::Unanswered(err) | Failed::Answered(err) => err,
        }
    }
}

/// What a failed send means (`connecting`: the error came from making the connection). A connect
/// that timed out is the connect timeout; an answer hyper cannot parse as HTTP is
/// [`SendError::NotHttp`]; the rest broke the connection.
fn classify(
    err: &(dyn std::error::Error + 'static),
    connecting: bool,
    settings: &TargetSettings,
) -> SendError {
    if connecting && timed_out(err) {
        SendError::ConnectTimeout(settings.connect_timeout)
    } else if connecting {
        SendError::Connect(error_chain(err))
    } else if let Some(parse) = parse_error(err) {
        SendError::NotHttp(parse.to_string())
    } else {
        SendError::Broken(error_chain(err))
    }
}

/// The errors in `err`'s chain, itself first.
fn chain<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |cause| cause.source())
}

/// Whether an I/O timeout is in `err`'s chain.
fn timed_out(err: &(dyn std::error::Error + 'static)) -> bool {
    chain(err).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    })
}

/// The HTTP parse error in `err`'s chain, if there is one.
fn parse_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a hyper::Error> {
    chain(err)
        .filter_map(|cause| cause.downcast_ref::<hyper::Error>())
        .find(|hyper| hyper.is_parse())
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
mod tests;
