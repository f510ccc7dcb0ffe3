//! HTTP-level mutants: the clean reference server behind a loopback proxy that breaks exactly one rule
//! the reference server has no flaw for (a cookie, an existence oracle, mass assignment, ...). They
//! prove that the scenarios checking those rules can fail, as the flaws do for the others. Each models
//! a mistake real backends make; none is ever exposed beyond 127.0.0.1.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{
    AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, SET_COOKIE, TRANSFER_ENCODING,
    WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::scenario::plan::Category;

/// Most request body bytes the proxy forwards (the suite's largest body is 64 KiB + 1).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One rule broken at the HTTP level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutant {
    /// Refuses everything, `/health` included (a server that accepts no valid token).
    DenyAll,
    /// Sets a session cookie on every answer.
    SetsCookie,
    /// Error bodies echo the presented Authorization value and a stack trace.
    LeakyErrors,
    /// 403 instead of 404 for an id that exists but belongs to someone else.
    ExistenceOracle,
    /// A `user_id` in a create or update body becomes the task's owner (mass assignment).
    OwnerFromBody,
    /// Bodies are not validated: what the server would refuse as 400/413/415/422 is accepted.
    NoValidation,
    /// A path id is read like `parseInt`: `12.5`, `12abc`, `12%20` all mean task 12.
    LenientIds,
    /// Unauthenticated requests for ids that do not exist get 404, and bad bodies 422, before the 401.
    LookupBeforeAuth,
    /// A connection that once carried a valid token stays authenticated (a session per connection).
    ConnectionSession,
    /// Not a proxy: the second instance makes its own signing key, so a token works on one instance
    /// only (see [`crate::embedded::KeyDrift`]).
    NewKeyPerInstance,
    /// Not a proxy: a restart makes a new signing key, so tokens die with the process.
    NewKeyPerRestart,
}

impl Mutant {
    /// Every mutant.
    pub const ALL: [Mutant; 11] = [
        Mutant::DenyAll,
        Mutant::SetsCookie,
        Mutant::LeakyErrors,
        Mutant::ExistenceOracle,
        Mutant::OwnerFromBody,
        Mutant::NoValidation,
        Mutant::LenientIds,
        Mutant::LookupBeforeAuth,
        Mutant::ConnectionSession,
        Mutant::NewKeyPerInstance,
        Mutant::NewKeyPerRestart,
    ];

    /// Kebab-case id.
    pub fn id(self) -> &'static str {
        match self {
            Mutant::DenyAll => "deny-all",
            Mutant::SetsCookie => "sets-cookie",
            Mutant::LeakyErrors => "leaky-errors",
            Mutant::ExistenceOracle => "existence-oracle",
            Mutant::OwnerFromBody => "owner-from-body",
            Mutant::NoValidation => "no-validation",
            Mutant::LenientIds => "lenient-ids",
            Mutant::LookupBeforeAuth => "lookup-before-auth",
            Mutant::ConnectionSession => "connection-session",
            Mutant::NewKeyPerInstance => "new-key-per-instance",
            Mutant::NewKeyPerRestart => "new-key-per-restart",
        }
    }

    /// What the broken target does.
    pub fn description(self) -> &'static str {
        match self {
            Mutant::DenyAll => "refuses every request, valid tokens and /health included",
            Mutant::SetsCookie => "sets a session cookie on every answer",
            Mutant::LeakyErrors => "error bodies echo the Authorization header and a stack trace",
            Mutant::ExistenceOracle => {
                "answers 403 for another user's existing id, 404 for a missing one"
            }
            Mutant::OwnerFromBody => "takes a task's owner from the user_id of the request body",
            Mutant::NoValidation => {
                "accepts bodies it should refuse (not JSON, breaking the schema, over 64 KiB)"
            }
            Mutant::LenientIds => "reads path ids like parseInt: 12.5, 12abc and 12%20 mean 12",
            Mutant::LookupBeforeAuth => {
                "looks ids up and validates bodies before authenticating (404/422 before 401)"
            }
            Mutant::ConnectionSession => {
                "keeps a connection authenticated after one valid token (a session per connection)"
            }
            Mutant::NewKeyPerInstance => {
                "each instance makes its own signing key: a token works on one instance only"
            }
            Mutant::NewKeyPerRestart => {
                "makes a new signing key at every restart: tokens die with the process"
            }
        }
    }

    /// The criterion the broken rule belongs to.
    pub fn criterion(self) -> Category {
        match self {
            Mutant::DenyAll | Mutant::LookupBeforeAuth => Category::Enforcement,
            Mutant::ExistenceOracle | Mutant::OwnerFromBody => Category::Isolation,
            Mutant::SetsCookie
            | Mutant::ConnectionSession
            | Mutant::NewKeyPerInstance
            | Mutant::NewKeyPerRestart => Category::Statelessness,
            Mutant::LeakyErrors | Mutant::NoValidation | Mutant::LenientIds => Category::Robustness,
        }
    }

    /// Whether the mutant is a proxy in front of the server (all but the key mutants).
    pub fn is_proxy(self) -> bool {
        self.key_drift() == crate::embedded::KeyDrift::None
    }

    /// How the embedded server's keys drift under this mutant.
    pub fn key_drift(self) -> crate::embedded::KeyDrift {
        match self {
            Mutant::NewKeyPerInstance => crate::embedded::KeyDrift::PerInstance,
            Mutant::NewKeyPerRestart => crate::embedded::KeyDrift::PerRestart,
            _ => crate::embedded::KeyDrift::None,
        }
    }
}

#[derive(Debug, Default)]
struct Memory {
    /// Ids seen in successful answers (tasks and conversations).
    ids: HashSet<String>,
    /// The last Authorization value that got a 2xx, per client connection.
    sessions: HashMap<SocketAddr, HeaderValue>,
}

#[derive(Debug)]
struct Proxy {
    mutant: Mutant,
    upstream: String,
    client: reqwest::Client,
    memory: Mutex<Memory>,
}

/// A running mutant proxy; dropping it stops it.
#[derive(Debug)]
pub struct MutantProxy {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl MutantProxy {
    /// Starts `mutant` on an ephemeral loopback port in front of `upstream` (`http://ADDR:PORT`).
    pub async fn start(mutant: Mutant, upstream: &str) -> Result<MutantProxy, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|err| format!("mutant proxy client: {err}"))?;
        let proxy = Arc::new(Proxy {
            mutant,
            upstream: upstream.trim_end_matches('/').to_string(),
            client,
            memory: Mutex::new(Memory::default()),
        });
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(|err| format!("mutant proxy: {err}"))?;
        let addr = listener
            .local_addr()
            .map_err(|err| format!("mutant proxy: {err}"))?;
        let app = Router::new().fallback(handle).with_state(proxy);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        });
        Ok(MutantProxy { addr, _stop: stop })
    }

    /// `http://ADDR:PORT` of the proxy.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The id segment of a task or conversation path: `/api/{user}/tasks/{id}[/complete]` or
/// `/api/{user}/conversations/{id}`.
fn path_id(path: &str) -> Option<(usize, &str)> {
    let segments: Vec<&str> = path.split('/').collect();
    // ["", "api", user, "tasks"|"conversations", id, ...]
    if segments.len() >= 5
        && segments[1] == "api"
        && matches!(segments[3], "tasks" | "conversations")
    {
        let offset = segments[..4].iter().map(|s| s.len() + 1).sum::<usize>();
        return Some((offset, segments[4]));
    }
    None
}

/// `12.5` -> `12`, like `parseInt`: the leading digits of an id segment, when something follows them.
fn lenient(segment: &str) -> Option<&str> {
    let digits = segment.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && digits < segment.len()).then(|| &segment[..digits])
}

fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": code, "message": message})),
    )
        .into_response()
}

/// One request through the proxy: the clean server's answer, with the mutant's one rule broken on
/// the way in or out.
async fn handle(
    State(proxy): State<Arc<Proxy>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    if proxy.mutant == Mutant::DenyAll {
        return deny_all();
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "request body is too large",
        );
    };
    let mut exchange = Exchange {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query: parts
            .uri
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default(),
        headers: parts.headers.clone(),
        authorization: parts.headers.get(AUTHORIZATION).cloned(),
        body,
        peer,
    };
    if let Some(response) = proxy.on_request(&mut exchange) {
        return response;
    }
    let mut answer = match proxy.forward(&exchange).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    proxy.remember(&exchange, &answer);
    proxy.on_answer(&exchange, &mut answer);
    answer.into_response()
}

/// `DenyAll`'s answer to every request.
fn deny_all() -> Response {
    let mut response = json_error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "the access token is invalid",
    );
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="todo", error="invalid_token""#),
    );
    response
}

/// A request on its way through the proxy.
struct Exchange {
    method: Method,
    /// The path, as the mutant may rewrite it.
    path: String,
    /// `?query`, or empty.
    query: String,
    /// The headers, as the mutant may change them.
    headers: HeaderMap,
    /// The Authorization header the client sent.
    authorization: Option<HeaderValue>,
    body: Bytes,
    peer: SocketAddr,
}

/// The upstream's answer on its way back.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Bytes,
    /// The body, when it is JSON (sent re-serialized).
    json: Option<Value>,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut bytes = self.bytes;
        let mut headers = self.headers;
        if let Some(value) = self.json {
            bytes = Bytes::from(value.to_string());
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = self.status;
        *response.headers_mut() = headers;
        response
    }
}

impl Proxy {
    /// Whether an id was seen in a successful answer.
    fn known(&self, id: &str) -> bool {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ids
            .contains(id)
    }

    /// The mutations of the request: a rewritten path or a replayed session, or an answer made
    /// before the server is asked.
    fn on_request(&self, exchange: &mut Exchange) -> Option<Response> {
        match self.mutant {
            Mutant::LenientIds => {
                let path = &exchange.path;
                if let Some((offset, segment)) = path_id(path)
                    && let Some(digits) = lenient(segment)
                {
                    exchange.path = format!(
                        "{}{digits}{}",
                        &path[..offset],
                        &path[offset + segment.len()..]
                    );
                }
            }
            Mutant::LookupBeforeAuth if exchange.authorization.is_none() => {
                if let Some((_, id)) = path_id(&exchange.path)
                    && !self.known(id)
                {
                    return Some(json_error(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        "resource not found",
                    ));
                }
                if exchange.method == Method::POST
                    && serde_json::from_slice::<Value>(&exchange.body).is_err()
                {
                    return Some(json_error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "validation_error",
                        "the body must be JSON",
                    ));
                }
            }
            Mutant::ConnectionSession if exchange.authorization.is_none() => {
                let session = self
                    .memory
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .sessions
                    .get(&exchange.peer)
                    .cloned();
                if let Some(session) = session {
                    exchange.headers.insert(AUTHORIZATION, session);
                }
            }
            _ => {}
        }
        None
    }

    /// Sends the request to the clean server; a 502 when it cannot be reached.
    async fn forward(&self, exchange: &Exchange) -> Result<Answer, Response> {
        let url = format!("{}{}{}", self.upstream, exchange.path, exchange.query);
        let mut forwarded = HeaderMap::new();
        for (name, value) in &exchange.headers {
            if ![HOST, CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING].contains(name) {
                forwarded.append(name.clone(), value.clone());
            }
        }
        let sent = self
            .client
            .request(exchange.method.clone(), url)
            .headers(forwarded)
            .body(exchange.body.clone())
            .send()
            .await;
        let upstream = match sent {
            Ok(upstream) => upstream,
            Err(err) => {
                return Err(json_error(
                    StatusCode::BAD_GATEWAY,
                    "bad_gateway",
                    &err.to_string(),
                ));
            }
        };
        let status = upstream.status();
        let mut headers = HeaderMap::new();
        for (name, value) in upstream.headers() {
            if ![CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING].contains(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        let bytes = upstream.bytes().await.unwrap_or_default();
        let json = serde_json::from_slice(&bytes).ok();
        Ok(Answer {
            status,
            headers,
            bytes,
            json,
        })
    }

    /// After a success: the ids the answer names, and the connection's Authorization value.
    fn remember(&self, exchange: &Exchange, answer: &Answer) {
        if !answer.status.is_success() {
            return;
        }
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(body) = &answer.json {
            for pointer in [
                "/id",
                "/conversation_id",
                "/result/structuredContent/task_id",
            ] {
                if let Some(id) = body.pointer(pointer).filter(|v| v.is_number()) {
                    memory.ids.insert(id.to_string());
                }
            }
        }
        if let Some(value) = &exchange.authorization {
            memory.sessions.insert(exchange.peer, value.clone());
        }
    }

    /// The mutations of the answer: a cookie, a leak, an oracle, an owner from the body, or an
    /// accepted invalid request.
    fn on_answer(&self, exchange: &Exchange, answer: &mut Answer) {
        match self.mutant {
            Mutant::SetsCookie => {
                answer.headers.insert(
                    SET_COOKIE,
                    HeaderValue::from_static("sid=authconform-mutant; Path=/; HttpOnly"),
                );
            }
            Mutant::LeakyErrors if answer.status.is_client_error() => {
                let presented = exchange
                    .authorization
                    .as_ref()
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .unwrap_or_default();
                answer.json = Some(json!({
                    "error": "unauthorized",
                    "detail": format!("rejected credentials: {presented}"),
                    "trace": "thread 'tokio-runtime-worker' panicked at src/auth/verify.rs:42:9",
                }));
            }
            Mutant::ExistenceOracle if answer.status == StatusCode::NOT_FOUND => {
                if let Some((_, id)) = path_id(&exchange.path)
                    && self.known(id)
                {
                    answer.status = StatusCode::FORBIDDEN;
                    answer.json =
                        Some(json!({"error": "forbidden", "message": "not your resource"}));
                }
            }
            Mutant::OwnerFromBody if answer.status.is_success() => {
                let claimed = serde_json::from_slice::<Value>(&exchange.body)
                    .ok()
                    .and_then(|b| b.get("user_id").and_then(Value::as_str).map(str::to_owned));
                if let (Some(claimed), Some(Value::Object(object))) =
                    (claimed, answer.json.as_mut())
                    && object.contains_key("user_id")
                {
                    object.insert("user_id".into(), Value::String(claimed));
                }
            }
            Mutant::NoValidation
                if matches!(
                    answer
                        .json
                        .as_ref()
                        .and_then(|b| b.get("error"))
                        .and_then(Value::as_str),
                    Some("validation_error" | "bad_request" | "payload_too_large")
                ) =>
            {
                answer.status = if exchange.method == Method::POST {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                answer.json = Some(json!({"status": "accepted"}));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_paths_and_lenient_parsing() {
        assert_eq!(path_id("/api/alice/tasks/12/complete"), Some((17, "12")));
        assert_eq!(path_id("/api/alice/conversations/7"), Some((25, "7")));
        assert_eq!(path_id("/api/alice/tasks"), None);
        assert_eq!(path_id("/health"), None);
        assert_eq!(lenient("12.5"), Some("12"));
        assert_eq!(lenient("12%20"), Some("12"));
        assert_eq!(lenient("12"), None);
        assert_eq!(lenient("-12"), None);
        assert_eq!(lenient("abc"), None);
    }

    #[test]
    fn every_mutant_is_named_and_placed() {
        let mut ids = HashSet::new();
        for mutant in Mutant::ALL {
            assert!(ids.insert(mutant.id()));
            assert!(!mutant.description().is_empty());
        }
        assert!(!Mutant::NewKeyPerRestart.is_proxy());
        assert_eq!(Mutant::SetsCookie.criterion(), Category::Statelessness);
    }

    #[tokio::test]
    async fn a_proxy_forwards_and_breaks_its_one_rule() {
        let server = crate::embedded::EmbeddedReference::start(Default::default())
            .await
            .unwrap();
        let proxy = MutantProxy::start(Mutant::SetsCookie, &server.base_url())
            .await
            .unwrap();
        let response = reqwest::get(format!("{}/health?x=1", proxy.base_url()))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("set-cookie").is_some());
        assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
        let denied = MutantProxy::start(Mutant::DenyAll, &server.base_url())
            .await
            .unwrap();
        let response = reqwest::get(format!("{}/health", denied.base_url()))
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        server.shutdown().await;
    }
}
