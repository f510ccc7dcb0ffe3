//! Shared helpers: fixture keys, token minting (well-formed and hand-crafted attack tokens), and a
//! server handle with a reqwest client.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reference_server::config::{KeySource, ServerConfig};
use reference_server::{Flaw, RunningServer};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

pub const ISSUER: &str = "http://localhost:3000";

/// `fixtures/keys/<dir>/<file>`.
pub fn fixture(dir: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/keys")
        .join(dir)
        .join(file)
}

pub fn fixture_bytes(dir: &str, file: &str) -> Vec<u8> {
    std::fs::read(fixture(dir, file)).unwrap_or_else(|e| panic!("fixture {dir}/{file}: {e}"))
}

/// A signing key of a fixture directory (`issuer` or `attacker`) by file stem.
pub fn signing_key(dir: &str, name: &str) -> &'static EncodingKey {
    static KEYS: OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, &'static EncodingKey>>,
    > = OnceLock::new();
    let map = KEYS.get_or_init(Default::default);
    let mut map = map.lock().unwrap();
    let id = format!("{dir}/{name}");
    map.entry(id).or_insert_with(|| {
        let pem = fixture_bytes(dir, &format!("{name}.pem"));
        let key = match name {
            "ed25519" => EncodingKey::from_ed_pem(&pem),
            "rsa2048" => EncodingKey::from_rsa_pem(&pem),
            "p256" | "p384" => EncodingKey::from_ec_pem(&pem),
            other => panic!("unknown key {other}"),
        }
        .unwrap_or_else(|e| panic!("key {dir}/{name}: {e}"));
        Box::leak(Box::new(key))
    })
}

pub fn hs256_secret(dir: &str) -> Vec<u8> {
    fixture_bytes(dir, "hs256.secret")
}

pub fn now() -> u64 {
    reference_server::time::unix_now()
}

/// Better Auth-shaped claims for `sub`: iss = aud = base URL, iat = now, exp = now + 15 min.
pub fn claims(sub: &str) -> Value {
    let now = now();
    json!({"sub": sub, "iss": ISSUER, "aud": ISSUER, "iat": now, "exp": now + 900})
}

/// `claims` with `key` set to `value` (or removed when `value` is null).
pub fn with(mut claims: Value, key: &str, value: Value) -> Value {
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(key);
    } else {
        claims[key] = value;
    }
    claims
}

/// A well-formed token signed by jsonwebtoken.
pub fn mint(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.typ = None;
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// `T(sub)`: EdDSA, kid `test-ed25519`, issuer key.
pub fn token(sub: &str) -> String {
    token_with(claims(sub))
}

/// An EdDSA `test-ed25519` token over arbitrary claims.
pub fn token_with(claims: Value) -> String {
    mint(
        Algorithm::EdDSA,
        Some("test-ed25519"),
        signing_key("issuer", "ed25519"),
        &claims,
    )
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token from raw header and payload bytes and a literal signature segment.
pub fn raw_token(header: &[u8], payload: &[u8], signature: &str) -> String {
    format!("{}.{}.{signature}", b64(header), b64(payload))
}

/// A token with an arbitrary header JSON, signed over the exact segments with `key` under `alg`.
pub fn signed_raw(header: &[u8], payload: &[u8], key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{signature}")
}

/// Same, for JSON values.
pub fn signed_json(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    signed_raw(
        header.to_string().as_bytes(),
        claims.to_string().as_bytes(),
        key,
        alg,
    )
}

/// An HMAC token whose secret is `secret`.
pub fn hmac_token(alg: Algorithm, header: &Value, claims: &Value, secret: &[u8]) -> String {
    signed_json(header, claims, &EncodingKey::from_secret(secret), alg)
}

/// Default server config: `jwks-ed25519.json`, everything else default.
pub fn default_config() -> ServerConfig {
    ServerConfig::new(KeySource::JwksFile(fixture("issuer", "jwks-ed25519.json")))
}

/// Multi-key config: `jwks.json` with the given allowlist.
pub fn multi_config(algorithms: &[Algorithm]) -> ServerConfig {
    let mut config = ServerConfig::new(KeySource::JwksFile(fixture("issuer", "jwks.json")));
    config.algorithms = algorithms.to_vec();
    config
}

pub fn all_asymmetric() -> Vec<Algorithm> {
    vec![
        Algorithm::EdDSA,
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::ES384,
    ]
}

/// A response, read completely.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn www_authenticate(&self) -> Option<&str> {
        self.headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
    }

    /// Status, challenge and body: what must be identical for indistinguishable answers.
    pub fn signature(&self) -> (u16, Option<String>, String) {
        (
            self.status,
            self.www_authenticate().map(str::to_owned),
            self.text.clone(),
        )
    }
}

/// A running server plus a client.
pub struct Srv {
    pub server: RunningServer,
    pub client: reqwest::Client,
    pub base: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

impl Srv {
    pub async fn start(config: ServerConfig) -> Srv {
        let server = reference_server::start(config)
            .await
            .expect("server starts");
        let base = server.base_url();
        Srv {
            server,
            client: client(),
            base,
        }
    }

    pub async fn default() -> Srv {
        Srv::start(default_config()).await
    }

    pub async fn multi() -> Srv {
        Srv::start(multi_config(&all_asymmetric())).await
    }

    pub async fn with_flaw(flaw: Option<Flaw>) -> Srv {
        let mut config = default_config();
        config.flaw = flaw;
        Srv::start(config).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with optional bearer token.
    pub fn req(&self, method: &str, path: &str, bearer: Option<&str>) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let builder = self.client.request(method, self.url(path));
        match bearer {
            Some(token) => builder.header("authorization", format!("Bearer {token}")),
            None => builder,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let mut builder = self.req(method, path, bearer);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        send(builder).await
    }

    pub async fn get(&self, path: &str, bearer: &str) -> Resp {
        self.call("GET", path, Some(bearer), None).await
    }

    /// A request with arbitrary extra headers (appended, so duplicates are kept).
    pub async fn with_headers(&self, method: &str, path: &str, headers: &[(&str, &[u8])]) -> Resp {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        send(self.req(method, path, None).headers(map)).await
    }

    /// Creates a task as `user` and returns its JSON.
    pub async fn create_task(&self, user: &str, title: &str) -> Value {
        let resp = self
            .call(
                "POST",
                &format!("/api/{user}/tasks"),
                Some(&token(user)),
                Some(&json!({"title": title})),
            )
            .await;
        assert_eq!(resp.status, 201, "{}", resp.text);
        resp.json
    }

    /// Lists `user`'s tasks.
    pub async fn tasks(&self, user: &str) -> Vec<Value> {
        let resp = self.get(&format!("/api/{user}/tasks"), &token(user)).await;
        assert_eq!(resp.status, 200, "{}", resp.text);
        resp.json.as_array().cloned().unwrap()
    }

    /// Sends a chat message as `user`.
    pub async fn chat(&self, user: &str, conversation: Option<i64>, message: &str) -> Resp {
        let mut body = json!({"message": message});
        if let Some(id) = conversation {
            body["conversation_id"] = json!(id);
        }
        self.call(
            "POST",
            &format!("/api/{user}/chat"),
            Some(&token(user)),
            Some(&body),
        )
        .await
    }

    /// A JSON-RPC call on `/mcp` with `bearer`.
    pub async fn mcp(&self, bearer: Option<&str>, method: &str, params: Value) -> Resp {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.call("POST", "/mcp", bearer, Some(&body)).await
    }

    /// Whether `bearer` is accepted on `GET /api/{sub}/tasks` (200) or refused as invalid (401).
    pub async fn accepts(&self, sub: &str, bearer: &str) -> bool {
        let resp = self.get(&format!("/api/{sub}/tasks"), bearer).await;
        match resp.status {
            200 => true,
            401 => {
                assert_eq!(resp.json["error"], "invalid_token", "{}", resp.text);
                false
            }
            other => panic!("unexpected status {other}: {}", resp.text),
        }
    }
}

pub async fn send(builder: reqwest::RequestBuilder) -> Resp {
    let response = builder.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

/// Asserts the exact no-credentials answer (FR-034).
pub fn assert_missing(resp: &Resp) {
    assert_eq!(resp.status, 401, "{}", resp.text);
    assert_eq!(resp.www_authenticate(), Some(r#"Bearer realm="todo""#));
    assert_eq!(
        resp.json,
        json!({"error": "missing_token", "message": "authentication required"})
    );
}

/// Asserts the exact invalid-token answer (FR-035).
pub fn assert_invalid(resp: &Resp) {
    assert_eq!(resp.status, 401, "{}", resp.text);
    assert_eq!(
        resp.www_authenticate(),
        Some(r#"Bearer realm="todo", error="invalid_token""#)
    );
    assert_eq!(
        resp.json,
        json!({"error": "invalid_token", "message": "the access token is invalid"})
    );
}

/// Asserts the exact several-credentials answer (FR-036).
pub fn assert_several(resp: &Resp) {
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(
        resp.www_authenticate(),
        Some(r#"Bearer realm="todo", error="invalid_request""#)
    );
    assert_eq!(
        resp.json,
        json!({"error": "invalid_request", "message": "send exactly one access token, in the Authorization header"})
    );
}

/// A tiny JWKS server on 127.0.0.1:0 whose answer can be changed and whose hits are counted.
pub mod jwks_server {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tokio::sync::Mutex;

    #[derive(Clone, Default)]
    pub struct Shared {
        pub answer: Arc<Mutex<(u16, Vec<u8>)>>,
        pub hits: Arc<AtomicUsize>,
    }

    pub struct JwksServer {
        pub url: String,
        pub shared: Shared,
        _task: tokio::task::JoinHandle<()>,
    }

    impl JwksServer {
        pub async fn start(status: u16, body: Vec<u8>) -> JwksServer {
            let shared = Shared::default();
            *shared.answer.lock().await = (status, body);
            let app = Router::new()
                .route("/jwks.json", get(serve))
                .with_state(shared.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            JwksServer {
                url,
                shared,
                _task: task,
            }
        }

        pub async fn set(&self, status: u16, body: Vec<u8>) {
            *self.shared.answer.lock().await = (status, body);
        }

        pub fn hits(&self) -> usize {
            self.shared.hits.load(Ordering::SeqCst)
        }
    }

    async fn serve(State(shared): State<Shared>) -> (StatusCode, Vec<u8>) {
        shared.hits.fetch_add(1, Ordering::SeqCst);
        let (status, body) = shared.answer.lock().await.clone();
        (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body)
    }
}
