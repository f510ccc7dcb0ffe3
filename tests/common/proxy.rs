//! A forwarding, counting proxy on 127.0.0.1 in front of a real server (the reference server): each
//! request noted as it arrives, then sent on as it came and its answer handed back as it came; or,
//! when the test's [`Divert`] says so, answered some other way (a target that stops answering).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use futures_util::future::BoxFuture;
use tokio::sync::Notify;

/// Given the 0-based index of a request as it arrived, and the proxy: `None` to forward it, or the
/// answer to give instead (one that never ends, say).
pub type Divert = Box<dyn Fn(usize, &Proxy) -> Option<BoxFuture<'static, Response>> + Send + Sync>;

/// The proxy: where it forwards to, and when each request arrived.
pub struct Proxy {
    upstream: String,
    client: reqwest::Client,
    arrivals: Mutex<Vec<Instant>>,
    divert: Option<Divert>,
    closing: Notify,
}

impl Proxy {
    /// Starts a proxy forwarding every request to `upstream` on an ephemeral loopback port: the
    /// proxy and its base URL. It runs until the runtime is dropped.
    pub async fn start(upstream: String) -> (Arc<Proxy>, String) {
        Proxy::serve(upstream, None).await
    }

    /// [`Proxy::start`], with each request first offered to `divert`.
    pub async fn start_diverting(upstream: String, divert: Divert) -> (Arc<Proxy>, String) {
        Proxy::serve(upstream, Some(divert)).await
    }

    async fn serve(upstream: String, divert: Option<Divert>) -> (Arc<Proxy>, String) {
        let proxy = Arc::new(Proxy {
            upstream,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .expect("client"),
            arrivals: Mutex::new(Vec::new()),
            divert,
            closing: Notify::new(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&proxy));
        let closing = Arc::clone(&proxy);
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { closing.closing.notified().await })
                .await
        });
        (proxy, url)
    }

    /// When each request arrived, in order.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.arrivals.lock().unwrap().clone()
    }

    /// Stops taking connections (a target that refuses them from now on).
    pub fn close(&self) {
        self.closing.notify_one();
    }
}

/// One request, noted, then diverted or sent on as it came; the answer handed back as it came
/// (a 502 when the upstream gave none).
async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let index = {
        let mut arrivals = proxy.arrivals.lock().unwrap();
        arrivals.push(Instant::now());
        arrivals.len() - 1
    };
    if let Some(answer) = proxy
        .divert
        .as_ref()
        .and_then(|divert| divert(index, &proxy))
    {
        return answer.await;
    }
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 64 << 20).await.unwrap_or_default();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers.clone();
    headers.remove(reqwest::header::HOST);
    headers.remove(reqwest::header::CONTENT_LENGTH);
    let sent = proxy
        .client
        .request(parts.method, format!("{}{path}", proxy.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let Ok(answer) = sent else {
        return Response::builder().status(502).body(Body::empty()).unwrap();
    };
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        let framing = [
            reqwest::header::CONTENT_LENGTH,
            reqwest::header::TRANSFER_ENCODING,
            reqwest::header::CONNECTION,
        ];
        if !framing.contains(name) {
            response = response.header(name, value);
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(body)).unwrap()
}
