//! The vocabulary of the catalog: what a mutation is, what it produces and what a correct target answers.

use std::fmt;

use crate::token::keys::KeyError;
use crate::token::mint::MintError;

/// The requirement class a mutation probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Authentication must refuse a bad credential.
    Enforcement,
    /// Malformed input must not crash, hang or leak.
    Robustness,
    /// One user must not act as, or see, another.
    Isolation,
}

impl Class {
    /// Lower-case name (`enforcement`, `robustness`, `isolation`).
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Enforcement => "enforcement",
            Class::Robustness => "robustness",
            Class::Isolation => "isolation",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The attack family (catalog grouping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Claims changed, validly signed by the trusted key.
    Claims,
    /// `alg` games: none, confusion, other algorithms, forged ECDSA/EdDSA signatures.
    Algorithm,
    /// Signature stripped, damaged, moved or made by another key.
    Signature,
    /// Header parameters: kid, jku, x5u, jwk, x5c, crit, b64, cty.
    Header,
    /// Encodings and shapes: base64, JSON, segments, sizes, JWE/JSON serializations.
    Encoding,
    /// Where and how the token is sent.
    Transport,
}

impl Family {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Claims => "claims",
            Family::Algorithm => "algorithm",
            Family::Signature => "signature",
            Family::Header => "header",
            Family::Encoding => "encoding",
            Family::Transport => "transport",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer a correct target gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expected {
    /// 401 with `WWW-Authenticate: Bearer ... error="invalid_token"` (RFC 6750 §3.1).
    Reject,
    /// 401 with a `Bearer` challenge and no `error` parameter: the request carries no usable credential.
    RejectNoCredentials,
    /// 400 `invalid_request` (a 401 is tolerated): malformed or several credentials.
    BadRequest,
    /// 2xx: a valid token the target must not refuse (interoperability).
    Accept,
    /// 403: a valid token for another user on the victim's resources.
    Forbidden,
    /// Any refusal, never 2xx: where several refusals are correct (e.g. 400/401/413/431 for an
    /// oversized header, 401 or 403 for a parser differential).
    NotAccepted,
    /// No verdict: the answer is reported, because the right one depends on a policy the profile declares.
    Info,
}

impl Expected {
    /// Short label used in tables (`401`, `401-bare`, `400`, `2xx`, `403`, `4xx`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Reject => "401",
            Expected::RejectNoCredentials => "401-bare",
            Expected::BadRequest => "400",
            Expected::Accept => "2xx",
            Expected::Forbidden => "403",
            Expected::NotAccepted => "4xx",
            Expected::Info => "info",
        }
    }

    /// True when a correct target refuses the request.
    pub fn is_refusal(self) -> bool {
        !matches!(self, Expected::Accept | Expected::Info)
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the token goes on the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: <scheme> <token>` (e.g. `bearer`, `Token`, `JWT`).
    Scheme(String),
    /// `Authorization: <token>` with no scheme.
    Bare,
    /// `Authorization: <value>` exactly; the token, if any, is only informative.
    RawAuthorization(String),
    /// `?<param>=<token>` in the query string, no `Authorization`.
    Query {
        /// Parameter name, e.g. `access_token`.
        param: String,
    },
    /// `<field>=<token>` in an `application/x-www-form-urlencoded` POST body, no `Authorization`.
    FormBody {
        /// Field name, e.g. `access_token`.
        field: String,
    },
    /// `Cookie: <name>=<token>`, no `Authorization`.
    Cookie {
        /// Cookie name.
        name: String,
    },
    /// `<name>: <token>` in another header, no `Authorization`.
    Header {
        /// Header name, e.g. `X-Access-Token`.
        name: String,
    },
    /// Two `Authorization` field lines: `Bearer <token>`, then `Bearer <second>`.
    TwoAuthorization {
        /// The token of the second line.
        second: String,
    },
    /// `Authorization: Bearer <token>` plus `?<param>=<query_token>`.
    BearerAndQuery {
        /// Parameter name.
        param: String,
        /// The token in the query.
        query_token: String,
    },
    /// `Authorization: Bearer <token>` plus `Cookie: <name>=<cookie_token>`.
    BearerAndCookie {
        /// Cookie name.
        name: String,
        /// The token in the cookie.
        cookie_token: String,
    },
    /// No credentials at all.
    None,
}

/// How the request carries the token, in the words of its header lines (`<token>` is the token).
impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Bearer => write!(f, "Authorization: Bearer <token>"),
            Placement::Scheme(scheme) => write!(f, "Authorization: {scheme} <token>"),
            Placement::Bare => write!(f, "Authorization: <token> (no scheme)"),
            Placement::RawAuthorization(value) => write!(f, "Authorization: {value}"),
            Placement::Query { param } => {
                write!(f, "?{param}=<token> in the query string, no Authorization")
            }
            Placement::FormBody { field } => {
                write!(f, "{field}=<token> in a form body, no Authorization")
            }
            Placement::Cookie { name } => write!(f, "Cookie: {name}=<token>, no Authorization"),
            Placement::Header { name } => write!(f, "{name}: <token>, no Authorization"),
            Placement::TwoAuthorization { second } => write!(
                f,
                "two Authorization lines: Bearer <token>, then Bearer {second}"
            ),
            Placement::BearerAndQuery { param, query_token } => write!(
                f,
                "Authorization: Bearer <token> and ?{param}={query_token} in the query string"
            ),
            Placement::BearerAndCookie { name, cookie_token } => write!(
                f,
                "Authorization: Bearer <token> and Cookie: {name}={cookie_token}"
            ),
            Placement::None => write!(f, "no credentials at all"),
        }
    }
}

/// A file the attacker host must serve for the attack (a JWKS for `jku`, a PEM for `x5u`). A correct
/// target never fetches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedFile {
    /// Path on the attacker base URL, starting with `/`.
    pub path: String,
    /// `Content-Type` to serve it with.
    pub content_type: String,
    /// The body.
    pub body: String,
}

/// What a mutation produces: the token (if any), how it is sent, and what the attacker host serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackRequest {
    /// The (attack) token.
    pub token: Option<String>,
    /// How the token is placed on the request.
    pub placement: Placement,
    /// The `{user_id}` of the request path; `None` means the context principal's (the victim's) id.
    pub path_user: Option<String>,
    /// Files the attacker host must serve.
    pub hosted: Vec<HostedFile>,
}

impl AttackRequest {
    /// `Authorization: Bearer <token>` on the victim's path.
    pub fn bearer(token: impl Into<String>) -> Self {
        AttackRequest {
            token: Some(token.into()),
            placement: Placement::Bearer,
            path_user: None,
            hosted: Vec::new(),
        }
    }

    /// A token placed some other way.
    pub fn placed(token: Option<String>, placement: Placement) -> Self {
        AttackRequest {
            token,
            placement,
            path_user: None,
            hosted: Vec::new(),
        }
    }

    /// The bearer token when this is a plain `Authorization: Bearer <token>` request.
    pub fn bearer_token(&self) -> Option<&str> {
        match self.placement {
            Placement::Bearer => self.token.as_deref(),
            _ => None,
        }
    }
}

/// A mutation could not produce its request.
#[derive(Debug, thiserror::Error)]
pub enum MutationError {
    /// The mutation does not apply to this issuer or target (e.g. key confusion with an HS256 issuer).
    #[error("not applicable: {0}")]
    NotApplicable(String),
    /// The mutation needs an attacker base URL (for `jku` / `x5u`) and the context has none.
    #[error("needs an attacker base URL (jku/x5u hosting); none was configured")]
    NeedsAttackerUrl,
    /// Signing or key export failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Minting the base token failed.
    #[error(transparent)]
    Mint(#[from] MintError),
}

/// An id not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mutation {id:?}{}", suggestion.map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
pub struct UnknownMutation {
    /// The id asked for.
    pub id: String,
    /// The closest catalog id, when one is close enough.
    pub suggestion: Option<&'static str>,
}
