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
    /// Most response body bytes read, in KiB (default 4096: the principals' lists grow with the run,
    /// and a list cut short cannot be judged).
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
    /// Each case acts as its own users: every principal's id gets a suffix derived from the case
    /// (`alice` -> `alice-3f2a9c1b04de`), so that cases stay small and independent of each other. For
    /// a target that accepts any user id its issuer signs (stateless JWT, no user table behind the
    /// tasks), with tokens the harness mints; string or UUID ids.
    #[serde(default)]
    pub per_case_users: bool,
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
    /// Login flows of the real issuer, by name: principals with `token: { login: NAME }` get their
    /// token from one when a run starts.
    #[serde(default)]
    pub logins: BTreeMap<String, LoginFile>,
    /// Other services of the same system, by name (an MCP server on its own port, ...): operations
    /// with `service: NAME` are sent there; the same tokens and checks apply.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceFile>,
}

/// Another service of the target system.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    /// Its base URL, e.g. `http://127.0.0.1:8001`.
    pub base_url: String,
    /// A stateful MCP server's endpoint path (e.g. `/mcp`): when a run starts, each principal opens a
    /// session there (`initialize`, with a valid token), every request to this service as that
    /// principal carries its `Mcp-Session-Id`, and the sessions are closed at the end.
    #[serde(default)]
    pub mcp_session: Option<String>,
}

/// A login flow: HTTP requests run in order with one cookie jar, each able to extract values (by JSON
/// pointer, header or cookie) for the requests after it. It must extract `token`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginFile {
    /// Where the flow's paths are resolved (e.g. Better Auth's `http://127.0.0.1:3000`); default: the
    /// target's base URL.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The requests, in order.
    pub steps: Vec<LoginStepFile>,
}

/// One request of a login flow. Strings may hold `{name}`: a principal's `vars`, a value extracted by
/// an earlier step, or `{env.NAME}` (an environment variable).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginStepFile {
    /// HTTP method (default `GET`, or `POST` with a body).
    #[serde(default)]
    pub method: Option<String>,
    /// Path below the flow's base URL (or a full URL on the same host).
    pub path: String,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default)]
    pub json: Option<serde_json::Value>,
    /// A form body (`application/x-www-form-urlencoded`, as OAuth2 password logins take).
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    /// Statuses that let the flow go on (default: any 2xx). A sign-up that may find the user already
    /// there lists its "exists" status too.
    #[serde(default)]
    pub ok: Vec<u16>,
    /// Values to keep, by name.
    #[serde(default)]
    pub extract: BTreeMap<String, ExtractFile>,
}

/// Where an extracted value is read in a response: exactly one field.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractFile {
    /// A JSON pointer into the body, e.g. `/token` or `/access_token`.
    #[serde(default)]
    pub json: Option<String>,
    /// A response header, e.g. `set-auth-jwt`.
    #[serde(default)]
    pub header: Option<String>,
    /// A cookie the response sets, by name.
    #[serde(default)]
    pub cookie: Option<String>,
}

/// Where a principal's token comes from when the harness does not mint it: exactly one field.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenSourceFile {
    /// A login flow of `logins`, by name, run with this principal's `vars`.
    #[serde(default)]
    pub login: Option<String>,
    /// An environment variable holding the token.
    #[serde(default)]
    pub env: Option<String>,
    /// A command (program and arguments, no shell) that prints the token on stdout.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Values for the login flow's templates (`{email}`, `{password}`, ...); `{env.NAME}` reads an
    /// environment variable, so that passwords stay out of the file.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
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
    4096
}

/// How long to wait for the target (in seconds), and when to stop waiting for it altogether.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsFile {
    /// Time allowed for one request, connect to last byte (default 10).
    #[serde(default = "default_request_secs")]
    pub request_secs: u64,
    /// Time allowed to connect (default 5).
    #[serde(default = "default_connect_secs")]
    pub connect_secs: u64,
    /// Transport failures in a row (timeouts, refused or broken connections, answers that are not
    /// HTTP) after which the run stops with exit 3, the cases not yet started reported as not run
    /// (default 20): a target that stopped answering ends the run in about this many request
    /// timeouts instead of one per case.
    #[serde(default = "default_give_up_after")]
    pub give_up_after: usize,
}

impl Default for TimeoutsFile {
    fn default() -> Self {
        TimeoutsFile {
            request_secs: default_request_secs(),
            connect_secs: default_connect_secs(),
            give_up_after: default_give_up_after(),
        }
    }
}

fn default_request_secs() -> u64 {
    10
}

fn default_connect_secs() -> u64 {
    5
}

fn default_give_up_after() -> usize {
    crate::wire::DEFAULT_GIVE_UP_AFTER
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

/// The issuer the harness impersonates with test keys, or whose tokens it obtains.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuerFile {
    /// A claims layout to start from: `better-auth` (the JWT plugin's default payload: the user
    /// object's `id`, `email`, `name`, `emailVerified`, `image`, `createdAt`, `updatedAt` beside
    /// `sub`) or `shared-secret` (the hackathon's HS256 pattern: `sub` and `email`, no `iss`/`aud`
    /// unless set).
    #[serde(default)]
    pub preset: Option<Preset>,
    /// JWS algorithm, e.g. `EdDSA`, `RS256`, `ES256`, `HS256`.
    pub alg: String,
    /// The signing key. Leave it out when the harness does not hold it (real staging: tokens come
    /// from each principal's `token`); attacks that need it are then skipped with that reason.
    #[serde(default)]
    pub key: Option<SigningKeyFile>,
    /// Key id written in the token header.
    #[serde(default)]
    pub kid: Option<String>,
    /// `iss` claim; left out of tokens when not set.
    #[serde(default)]
    pub iss: Option<String>,
    /// `aud` claim; left out of tokens when not set (python-jose refuses any `aud` when the backend
    /// configures no audience).
    #[serde(default)]
    pub aud: Option<String>,
    /// Token lifetime in seconds (Better Auth's default is 15 minutes).
    #[serde(default = "default_lifetime")]
    pub lifetime_secs: u64,
    /// Clock leeway, in seconds, the target is expected to allow.
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
    /// The claim that carries the user id: `sub` by default, `user_id` or `id` for some backends, or
    /// a JSON pointer to a nested one (`/user/id`).
    #[serde(default = "default_user_claim")]
    pub user_claim: String,
    /// The form of user ids: `string` (default), `uuid` or `integer` (a JSON number in the token).
    #[serde(default)]
    pub user_id_type: crate::token::identity::IdType,
}

/// A claims layout of a known issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Better Auth's JWT plugin: the whole user object beside `sub`, `iss` and `aud`.
    BetterAuth,
    /// A shared HS256 secret: `sub` and `email`, `iat` and `exp`.
    SharedSecret,
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
    /// The user id (written into the issuer's user claim). With `token`, it is read from the
    /// token's user claim and may be left out.
    #[serde(default)]
    pub sub: Option<String>,
    /// Claims of this user's tokens: added, or replacing the standard ones (`iss`, `aud`, `exp`,
    /// ...); `null` leaves a claim out of the payload.
    #[serde(default)]
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// Where this user's token comes from when the real issuer makes it (login flow, environment
    /// variable or command) instead of the harness.
    #[serde(default)]
    pub token: Option<TokenSourceFile>,
}
