//! The target profile as written in YAML: everything the harness must know about one target.
//!
//! Paths in a profile are relative to the profile file's folder. Secrets are never inline: an HS
//! secret comes from an environment variable or a file named in the profile.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// One target profile, as read from YAML. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// Base URL of the target, e.g. `https://staging.example.com`; `--target` overrides it.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Limits for talking to the target.
    #[serde(default)]
    pub timeouts: TimeoutsFile,
    /// Most response body bytes kept, in KiB (default 256).
    #[serde(default = "default_max_body_kib")]
    pub max_body_kib: usize,
    /// Extra headers sent on every request (e.g. a staging gateway key; never a token).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// How a token is presented on a request.
    #[serde(default)]
    pub presentation: PresentationFile,
    /// How the harness mints tokens the target should accept.
    pub issuer: IssuerFile,
    /// The target's public keys, for attacks that abuse them (key confusion).
    #[serde(default)]
    pub target_keys: Option<KeySourceFile>,
    /// Named users the scenarios act as (`alice`, `bob`, ...).
    pub principals: BTreeMap<String, PrincipalFile>,
    /// The chat phrases scenarios send (`{chat.NAME}`), by name; unnamed ones keep the reference
    /// agent's wording (`add_task: "add task"`, ...). A real target's agent may need other words.
    #[serde(default)]
    pub chat_phrases: BTreeMap<String, String>,
    /// Points where a correct target may legitimately differ from the spec's strictest reading.
    #[serde(default)]
    pub policy: PolicyFile,
    /// Which bundled API description the target implements, with its prefix and overrides.
    #[serde(default)]
    pub api: crate::api::ApiSelection,
    /// Serve the issuer's public JWKS during a run (for targets that fetch keys by URL).
    #[serde(default)]
    pub hosted_issuer: Option<HostedIssuerFile>,
}

/// The hosted issuer: the harness serves the issuer's PUBLIC JWKS at `/.well-known/jwks.json` and at
/// Better Auth's `/api/auth/jwks` on this loopback address, for as long as a run (or `authconform
/// issuer`) lasts.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostedIssuerFile {
    /// Address to listen on, e.g. `127.0.0.1:3000` (where the target expects Better Auth) or
    /// `127.0.0.1:0` for an ephemeral port.
    pub listen: std::net::SocketAddr,
}

fn default_max_body_kib() -> usize {
    256
}

/// Request timeouts, in seconds.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsFile {
    /// Time allowed for one request, connect to last byte (default 10).
    #[serde(default = "default_request_secs")]
    pub request_secs: u64,
    /// Time allowed to connect (default 5).
    #[serde(default = "default_connect_secs")]
    pub connect_secs: u64,
}

impl Default for TimeoutsFile {
    fn default() -> Self {
        TimeoutsFile {
            request_secs: default_request_secs(),
            connect_secs: default_connect_secs(),
        }
    }
}

fn default_request_secs() -> u64 {
    10
}

fn default_connect_secs() -> u64 {
    5
}

/// Where the token goes on a request. Default: `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PresentationFile {
    /// Header name.
    #[serde(default = "default_header")]
    pub header: String,
    /// Scheme written before the token, e.g. `Bearer`.
    #[serde(default = "default_scheme")]
    pub scheme: String,
}

impl Default for PresentationFile {
    fn default() -> Self {
        PresentationFile {
            header: default_header(),
            scheme: default_scheme(),
        }
    }
}

fn default_header() -> String {
    "Authorization".to_string()
}

fn default_scheme() -> String {
    "Bearer".to_string()
}

/// The issuer the harness impersonates with test keys.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuerFile {
    /// JWS algorithm, e.g. `EdDSA`, `RS256`, `ES256`, `HS256`.
    pub alg: String,
    /// The signing key.
    pub key: SigningKeyFile,
    /// Key id written in the token header.
    #[serde(default)]
    pub kid: Option<String>,
    /// `iss` claim.
    #[serde(default)]
    pub iss: Option<String>,
    /// `aud` claim.
    #[serde(default)]
    pub aud: Option<String>,
    /// Token lifetime in seconds (Better Auth's default is 15 minutes).
    #[serde(default = "default_lifetime")]
    pub lifetime_secs: u64,
    /// Clock leeway, in seconds, the target is expected to allow.
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
    /// The claim that carries the user id: `sub` by default, `user_id` or `id` for some backends.
    #[serde(default = "default_user_claim")]
    pub user_claim: String,
}

fn default_lifetime() -> u64 {
    900
}

fn default_leeway() -> u64 {
    30
}

fn default_user_claim() -> String {
    "sub".to_string()
}

/// Tightens or relaxes stated points of the expectations; the defaults are the spec's.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Statuses accepted when no credentials are sent. Default `[401]`; FastAPI's `HTTPBearer`
    /// answered 403 before 0.122.0, so `[401, 403]` accepts that legacy answer.
    #[serde(default = "default_missing_token_status")]
    pub missing_token_status: Vec<u16>,
    /// Whether a refused bad token must carry `error="invalid_token"` in its challenge (RFC 6750
    /// §3.1) for the gate to pass. Default `false`: a bare `Bearer` challenge (FastAPI's, and most
    /// hand-written 401s) is a conformance note; `true` makes it fail the gate.
    #[serde(default)]
    pub require_invalid_token_error: bool,
    /// Whether a token issued in the future (`iat` beyond the leeway) must be refused. Default `true`;
    /// with `false` such cases are reported as information only.
    #[serde(default = "default_true")]
    pub reject_future_iat: bool,
    /// `default`: the gate fails on what gives an attacker something and on what the auth plan
    /// demands (401 and its challenge); library deviations that give nothing are notes. `strict`:
    /// notes fail the gate too (as `--strict` does).
    #[serde(default)]
    pub level: Level,
}

/// The gate's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Notes do not fail the gate.
    #[default]
    Default,
    /// Notes fail the gate.
    Strict,
}

impl Default for PolicyFile {
    fn default() -> Self {
        PolicyFile {
            missing_token_status: default_missing_token_status(),
            require_invalid_token_error: false,
            reject_future_iat: true,
            level: Level::Default,
        }
    }
}

fn default_missing_token_status() -> Vec<u16> {
    vec![401]
}

fn default_true() -> bool {
    true
}

/// Where the signing key comes from: exactly one of the fields.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SigningKeyFile {
    /// A PKCS#8 PEM private key file (Ed25519, RSA, P-256, P-384).
    #[serde(default)]
    pub pem: Option<String>,
    /// The name of an environment variable holding an HS secret.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// A file holding an HS secret (its bytes, verbatim).
    #[serde(default)]
    pub secret_file: Option<String>,
}

/// Where the target's public keys come from: exactly one of the fields.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeySourceFile {
    /// A JWKS file.
    #[serde(default)]
    pub jwks_file: Option<String>,
    /// An SPKI PEM public key file.
    #[serde(default)]
    pub pem: Option<String>,
    /// A JWKS URL (e.g. Better Auth's `/api/auth/jwks`), fetched once when a run starts, without
    /// credentials and without following redirects.
    #[serde(default)]
    pub jwks_url: Option<String>,
}

/// One named user.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrincipalFile {
    /// The user id (written into the issuer's user claim).
    pub sub: String,
    /// Extra claims added to every token of this user (e.g. `email`, `name`).
    #[serde(default)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}
