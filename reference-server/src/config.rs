//! Server configuration: the [`ServerConfig`] used by [`crate::start`], and the command line that builds it.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Parser, ValueEnum};
use jsonwebtoken::Algorithm;

use crate::flaws::Flaw;
use crate::routes::RouteLayout;
use crate::styles::Style;

/// Default issuer and audience: Better Auth uses its base URL for both.
pub const DEFAULT_ISSUER: &str = "http://localhost:3000";
/// Default audience (same as the issuer, as Better Auth does).
pub const DEFAULT_AUDIENCE: &str = "http://localhost:3000";
/// Default clock-skew leeway in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Largest leeway the server accepts in its configuration.
pub const MAX_LEEWAY_SECS: u64 = 60;
/// Shortest HS256 secret accepted (RFC 7518 §3.2: at least the hash output size).
pub const MIN_HS256_SECRET_LEN: usize = 32;
/// Default time a client has to send a request's head (seconds).
pub const DEFAULT_HEADER_READ_TIMEOUT_SECS: u64 = 10;
/// Default time a connection may stay without a byte in either direction (seconds).
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 60;
/// Default number of connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Most connections the configuration accepts (each holds a task and two buffers).
pub const MAX_MAX_CONNECTIONS: usize = 100_000;

/// Where the verification keys come from.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A static JWKS file (e.g. a copy of Better Auth's `/api/auth/jwks`).
    JwksFile(PathBuf),
    /// A JWKS document given inline (e.g. embedded with `include_str!`); library use only.
    JwksJson(String),
    /// A JWKS URL, fetched at start, cached, and refreshed (rate-limited) on an unknown `kid`.
    JwksUrl(String),
    /// A shared HS256 secret (the hackathon's "shared secret" mode).
    Hs256Secret(Vec<u8>),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::JwksFile(path) => f.debug_tuple("JwksFile").field(path).finish(),
            KeySource::JwksJson(json) => f
                .debug_tuple("JwksJson")
                .field(&format_args!("[{} bytes]", json.len()))
                .finish(),
            KeySource::JwksUrl(url) => f.debug_tuple("JwksUrl").field(url).finish(),
            KeySource::Hs256Secret(secret) => f
                .debug_tuple("Hs256Secret")
                .field(&format_args!("[{} bytes redacted]", secret.len()))
                .finish(),
        }
    }
}

/// How new task and conversation ids are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum IdMode {
    /// 1, 2, 3, ... (SQLite row ids).
    #[default]
    Sequential,
    /// Random integers in 1..2^53 (so ids cannot be guessed by counting).
    Random,
}

/// How the server protects itself from clients that hold connections: timeouts and a connection limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time to receive a request's whole head, counted from the moment the server waits for it (the
    /// connection's opening, or the end of the previous answer on a kept-alive connection).
    pub header_read_timeout: Duration,
    /// A connection with no byte received or sent for this long is closed (a stalled body, a client
    /// that stops reading the answer, a kept-alive connection left open).
    pub idle_timeout: Duration,
    /// Connections served at once; further clients wait in the listen backlog until one closes.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    /// 10 s to send a head, 60 s without traffic, 1024 connections.
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT_SECS),
            idle_timeout: Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Everything [`crate::start`] needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind; port 0 picks an ephemeral port.
    pub listen: SocketAddr,
    /// SQLite database file; `None` keeps everything in memory.
    pub database: Option<PathBuf>,
    /// Expected `iss`, compared exactly.
    pub issuer: String,
    /// Expected `aud` (the token's `aud` must equal it or be an array containing it).
    pub audience: String,
    /// Accepted `alg` values (the allowlist).
    pub algorithms: Vec<Algorithm>,
    /// Verification keys.
    pub key_source: KeySource,
    /// Clock-skew leeway for `exp`, `nbf` and `iat`, at most [`MAX_LEEWAY_SECS`].
    pub leeway: Duration,
    /// The one deliberate vulnerability switched on, if any.
    pub flaw: Option<Flaw>,
    /// Id allocation for tasks and conversations.
    pub ids: IdMode,
    /// Minimum time between two JWKS URL refreshes triggered by unknown `kid`s.
    pub jwks_refresh_interval: Duration,
    /// Legitimate presentation choices switched on (see [`crate::styles`]); none by default.
    pub styles: Vec<Style>,
    /// Where the handlers are mounted; the Todo contract's paths by default.
    pub routes: RouteLayout,
    /// Connection timeouts and limit.
    pub connections: ConnectionLimits,
}

impl ServerConfig {
    /// Defaults of the contract for the given key source: loopback ephemeral port, in-memory database,
    /// issuer and audience `http://localhost:3000`, leeway 30 s, no flaw, sequential ids, the contract's
    /// routes, [`ConnectionLimits::default`]. The allowlist
    /// is `EdDSA` (Better Auth's default), or `HS256` for an [`KeySource::Hs256Secret`].
    pub fn new(key_source: KeySource) -> Self {
        let algorithms = match key_source {
            KeySource::Hs256Secret(_) => vec![Algorithm::HS256],
            _ => vec![Algorithm::EdDSA],
        };
        ServerConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            database: None,
            issuer: DEFAULT_ISSUER.to_owned(),
            audience: DEFAULT_AUDIENCE.to_owned(),
            algorithms,
            key_source,
            leeway: Duration::from_secs(DEFAULT_LEEWAY_SECS),
            flaw: None,
            ids: IdMode::Sequential,
            jwks_refresh_interval: Duration::from_secs(10),
            styles: Vec::new(),
            routes: RouteLayout::Contract,
            connections: ConnectionLimits::default(),
        }
    }

    /// Checks the combination of settings (allowlist vs key source, leeway bound, secret length).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.algorithms.is_empty() {
            return Err(ConfigError::EmptyAllowlist);
        }
        if self.leeway > Duration::from_secs(MAX_LEEWAY_SECS) {
            return Err(ConfigError::LeewayTooLarge(self.leeway.as_secs()));
        }
        if self.issuer.is_empty() || self.audience.is_empty() {
            return Err(ConfigError::EmptyIssuerOrAudience);
        }
        let limits = &self.connections;
        if limits.header_read_timeout.is_zero() || limits.idle_timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout);
        }
        if !(1..=MAX_MAX_CONNECTIONS).contains(&limits.max_connections) {
            return Err(ConfigError::MaxConnections(limits.max_connections));
        }
        let is_hmac =
            |alg: &Algorithm| matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512);
        match &self.key_source {
            KeySource::Hs256Secret(secret) => {
                if secret.len() < MIN_HS256_SECRET_LEN {
                    return Err(ConfigError::SecretTooShort(secret.len()));
                }
                if let Some(alg) = self.algorithms.iter().find(|a| **a != Algorithm::HS256) {
                    return Err(ConfigError::AlgorithmNeedsOtherKeys(*alg));
                }
            }
            KeySource::JwksFile(_) | KeySource::JwksJson(_) | KeySource::JwksUrl(_) => {
                // A JWKS holds public keys: allowing HMAC here is how key confusion starts.
                if let Some(alg) = self.algorithms.iter().find(|a| is_hmac(a)) {
                    return Err(ConfigError::AlgorithmNeedsOtherKeys(*alg));
                }
            }
        }
        Ok(())
    }
}

/// An invalid configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `--alg` lists nothing.
    #[error("the algorithm allowlist is empty")]
    EmptyAllowlist,
    /// `--leeway` above the maximum.
    #[error("leeway of {0} s is above the maximum of {MAX_LEEWAY_SECS} s")]
    LeewayTooLarge(u64),
    /// Empty `--issuer` or `--audience`.
    #[error("issuer and audience must not be empty")]
    EmptyIssuerOrAudience,
    /// HS256 secret shorter than 32 bytes.
    #[error("the HS256 secret has {0} bytes; at least {MIN_HS256_SECRET_LEN} are required")]
    SecretTooShort(usize),
    /// An allowlisted algorithm that the configured key source cannot verify.
    #[error(
        "algorithm {0:?} does not fit the key source (HS256 needs --hs256-secret-env; a JWKS needs asymmetric algorithms)"
    )]
    AlgorithmNeedsOtherKeys(Algorithm),
    /// A connection timeout of zero.
    #[error("connection timeouts must be longer than zero")]
    ZeroTimeout,
    /// `--max-connections` outside 1 to [`MAX_MAX_CONNECTIONS`].
    #[error("the connection limit is {0}; it must be between 1 and {MAX_MAX_CONNECTIONS}")]
    MaxConnections(usize),
    /// `--hs256-secret-env` names a variable that is unset or not UTF-8.
    #[error("environment variable `{0}` (named by --hs256-secret-env) is not set")]
    SecretEnvMissing(String),
}

/// Command line of the `reference-server` binary. Every flag falls back to a `REFSERVER_*` variable.
#[derive(Debug, Parser)]
#[command(
    name = "reference-server",
    version,
    about = "Reference implementation of the Todo AI Chatbot API (JWT-protected, multi-tenant), with switchable flaws",
    group(ArgGroup::new("keys").required(true).args(["jwks", "jwks_url", "hs256_secret_env"]))
)]
pub struct Cli {
    /// Address to listen on (port 0: ephemeral).
    #[arg(long, env = "REFSERVER_LISTEN", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// SQLite database file (default: in memory).
    #[arg(long, env = "REFSERVER_DATABASE", value_name = "PATH")]
    pub database: Option<PathBuf>,
    /// Expected `iss` claim.
    #[arg(long, env = "REFSERVER_ISSUER", default_value = DEFAULT_ISSUER)]
    pub issuer: String,
    /// Expected `aud` claim.
    #[arg(long, env = "REFSERVER_AUDIENCE", default_value = DEFAULT_AUDIENCE)]
    pub audience: String,
    /// Algorithm allowlist, comma-separated (default: EdDSA, or HS256 with --hs256-secret-env).
    #[arg(long = "alg", env = "REFSERVER_ALG", value_delimiter = ',', value_parser = parse_algorithm)]
    pub algorithms: Vec<Algorithm>,
    /// Static JWKS file with the issuer's public keys.
    #[arg(long, env = "REFSERVER_JWKS", value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// JWKS URL (e.g. http://localhost:3000/api/auth/jwks), refreshed on unknown kid.
    #[arg(long, env = "REFSERVER_JWKS_URL", value_name = "URL")]
    pub jwks_url: Option<String>,
    /// Name of the environment variable holding the HS256 secret.
    #[arg(long, env = "REFSERVER_HS256_SECRET_ENV", value_name = "VAR")]
    pub hs256_secret_env: Option<String>,
    /// Clock-skew leeway in seconds (0 to 60).
    #[arg(long, env = "REFSERVER_LEEWAY", default_value_t = DEFAULT_LEEWAY_SECS,
          value_parser = clap::value_parser!(u64).range(0..=MAX_LEEWAY_SECS))]
    pub leeway: u64,
    /// Switch on one deliberate vulnerability (TEST ONLY; see specs/flaws.md).
    #[arg(long, env = "REFSERVER_FLAW", value_name = "ID", value_parser = parse_flaw)]
    pub flaw: Option<Flaw>,
    /// Id allocation for tasks and conversations.
    #[arg(long, env = "REFSERVER_IDS", value_enum, default_value_t = IdMode::Sequential)]
    pub ids: IdMode,
    /// Legitimate presentation choices, comma-separated (see specs/spec.md section 5), e.g.
    /// `verbose-challenge,mcp-http-403`; none by default.
    #[arg(long = "style", env = "REFSERVER_STYLE", value_name = "ID", value_delimiter = ',', value_parser = parse_style)]
    pub styles: Vec<Style>,
    /// Route layout: `contract` (the Todo contract's paths) or `items` (FastAPI-style
    /// `/api/v1/users/{uid}/items...`, with its OpenAPI document at `/openapi.json`).
    #[arg(long, env = "REFSERVER_ROUTES", value_name = "LAYOUT", default_value = "contract", value_parser = parse_route_layout)]
    pub routes: RouteLayout,
    /// Seconds a client has to send a request's head (from the connection's opening, or the end of
    /// the previous answer on a kept-alive connection); then the connection is closed.
    #[arg(long, env = "REFSERVER_HEADER_READ_TIMEOUT", value_name = "SECS",
          default_value_t = DEFAULT_HEADER_READ_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout: u64,
    /// Seconds a connection may go without a byte in either direction before it is closed.
    #[arg(long, env = "REFSERVER_IDLE_TIMEOUT", value_name = "SECS",
          default_value_t = DEFAULT_IDLE_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_timeout: u64,
    /// Connections served at once; more clients wait until one closes.
    #[arg(long, env = "REFSERVER_MAX_CONNECTIONS", value_name = "N",
          default_value_t = DEFAULT_MAX_CONNECTIONS as u64,
          value_parser = clap::value_parser!(u64).range(1..=MAX_MAX_CONNECTIONS as u64))]
    pub max_connections: u64,
}

fn parse_route_layout(s: &str) -> Result<RouteLayout, String> {
    s.trim().parse::<RouteLayout>().map_err(|e| e.to_string())
}

fn parse_style(s: &str) -> Result<Style, String> {
    s.trim().parse::<Style>().map_err(|e| e.to_string())
}

fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    s.trim()
        .parse::<Algorithm>()
        .map_err(|_| format!("unknown algorithm `{s}` (e.g. EdDSA, RS256, ES256, HS256)"))
}

fn parse_flaw(s: &str) -> Result<Flaw, String> {
    s.parse::<Flaw>().map_err(|e| {
        let ids: Vec<&str> = Flaw::ALL.iter().map(|f| f.id()).collect();
        format!("{e}; known: {}", ids.join(", "))
    })
}

impl Cli {
    /// Builds the [`ServerConfig`], reading the HS256 secret through `env` (the process environment in
    /// `main`, a map in tests).
    pub fn into_config(
        self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, ConfigError> {
        let key_source = if let Some(path) = self.jwks {
            KeySource::JwksFile(path)
        } else if let Some(url) = self.jwks_url {
            KeySource::JwksUrl(url)
        } else {
            let var = self.hs256_secret_env.unwrap_or_default();
            let secret = env(&var).ok_or(ConfigError::SecretEnvMissing(var))?;
            KeySource::Hs256Secret(secret.into_bytes())
        };
        let mut config = ServerConfig::new(key_source);
        config.listen = self.listen;
        config.database = self
            .database
            .filter(|p| p.as_os_str() != ":memory:" && !p.as_os_str().is_empty());
        config.issuer = self.issuer;
        config.audience = self.audience;
        if !self.algorithms.is_empty() {
            config.algorithms = self.algorithms;
        }
        config.leeway = Duration::from_secs(self.leeway);
        config.flaw = self.flaw;
        config.ids = self.ids;
        config.styles = self.styles;
        config.routes = self.routes;
        config.connections = ConnectionLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        };
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("reference-server").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_follow_the_contract() {
        let config = parse(&["--jwks", "keys.json"])
            .unwrap()
            .into_config(|_| None)
            .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:0");
        assert_eq!(config.issuer, "http://localhost:3000");
        assert_eq!(config.audience, "http://localhost:3000");
        assert_eq!(config.algorithms, vec![Algorithm::EdDSA]);
        assert_eq!(config.leeway, Duration::from_secs(30));
        assert_eq!(config.database, None);
        assert_eq!(config.flaw, None);
        assert_eq!(config.key_source, KeySource::JwksFile("keys.json".into()));
        assert_eq!(config.routes, RouteLayout::Contract);
        assert_eq!(config.connections, ConnectionLimits::default());
        assert_eq!(
            config.connections.header_read_timeout,
            Duration::from_secs(10)
        );
        assert_eq!(config.connections.idle_timeout, Duration::from_secs(60));
        assert_eq!(config.connections.max_connections, 1024);
    }

    #[test]
    fn connection_limits_come_from_flags_and_out_of_range_values_are_refused() {
        let config = parse(&[
            "--jwks",
            "a",
            "--header-read-timeout",
            "3",
            "--idle-timeout",
            "7",
            "--max-connections",
            "16",
        ])
        .unwrap()
        .into_config(|_| None)
        .unwrap();
        assert_eq!(
            config.connections,
            ConnectionLimits {
                header_read_timeout: Duration::from_secs(3),
                idle_timeout: Duration::from_secs(7),
                max_connections: 16,
            }
        );
        for (flag, value) in [
            ("--header-read-timeout", "0"),
            ("--idle-timeout", "0"),
            ("--max-connections", "0"),
            ("--max-connections", "100001"),
        ] {
            assert!(
                parse(&["--jwks", "a", flag, value]).is_err(),
                "{flag} {value}"
            );
        }
        let mut config = ServerConfig::new(KeySource::JwksFile("k".into()));
        config.connections.idle_timeout = Duration::ZERO;
        assert_eq!(config.validate(), Err(ConfigError::ZeroTimeout));
        config.connections = ConnectionLimits {
            max_connections: 0,
            ..ConnectionLimits::default()
        };
        assert_eq!(config.validate(), Err(ConfigError::MaxConnections(0)));
    }

    #[test]
    fn routes_selects_the_layout_and_unknown_layouts_are_named() {
        let config = parse(&["--jwks", "a", "--routes", "items"])
            .unwrap()
            .into_config(|_| None)
            .unwrap();
        assert_eq!(config.routes, RouteLayout::Items);
        let err = parse(&["--jwks", "a", "--routes", "fastapi"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown route layout `fastapi` (known: contract, items)"),
            "{err}"
        );
    }

    #[test]
    fn hs256_secret_is_read_from_the_named_variable() {
        let secret = "s".repeat(40);
        let config = parse(&["--hs256-secret-env", "MY_SECRET", "--leeway", "5"])
            .unwrap()
            .into_config(|name| (name == "MY_SECRET").then(|| secret.clone()))
            .unwrap();
        assert_eq!(config.algorithms, vec![Algorithm::HS256]);
        assert_eq!(
            config.key_source,
            KeySource::Hs256Secret(secret.into_bytes())
        );
        assert!(
            !format!("{config:?}").contains("ssss"),
            "Debug leaks the secret"
        );
        let missing = parse(&["--hs256-secret-env", "NOPE"]).unwrap();
        assert!(matches!(
            missing.into_config(|_| None),
            Err(ConfigError::SecretEnvMissing(_))
        ));
    }

    #[test]
    fn exactly_one_key_source_is_required() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["--jwks", "a", "--jwks-url", "http://127.0.0.1:1/jwks"]).is_err());
    }

    #[test]
    fn leeway_above_sixty_and_unknown_flaw_are_rejected() {
        assert!(parse(&["--jwks", "a", "--leeway", "61"]).is_err());
        assert!(parse(&["--jwks", "a", "--flaw", "nope"]).is_err());
        let cli = parse(&[
            "--jwks",
            "a",
            "--flaw",
            "alg-none-accepted",
            "--alg",
            "EdDSA,RS256",
        ])
        .unwrap();
        assert_eq!(cli.flaw, Some(Flaw::AlgNoneAccepted));
        assert_eq!(cli.algorithms, vec![Algorithm::EdDSA, Algorithm::RS256]);
    }

    #[test]
    fn hmac_with_a_jwks_and_short_secrets_are_refused() {
        let mut config = ServerConfig::new(KeySource::JwksFile("k".into()));
        config.algorithms = vec![Algorithm::EdDSA, Algorithm::HS256];
        assert_eq!(
            config.validate(),
            Err(ConfigError::AlgorithmNeedsOtherKeys(Algorithm::HS256))
        );
        let short = ServerConfig::new(KeySource::Hs256Secret(b"short".to_vec()));
        assert_eq!(short.validate(), Err(ConfigError::SecretTooShort(5)));
    }
}
