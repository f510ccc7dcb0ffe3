//! Which operations need a token and how the document says a token is presented.

use super::raw::RawOp;
use super::{Presentation, template_params};
use crate::openapi::model::{Document, SecurityRequirement, SecurityScheme};
use crate::openapi::{RefProblem, Resolver};

/// Last path segments of the obviously public routes (health, docs, the OpenAPI document, sign-in and
/// sign-up): public when the document gives them no security requirement. Any other operation
/// without one is checked as protected.
pub const WELL_KNOWN_PUBLIC: [&str; 16] = [
    "health",
    "healthz",
    "readyz",
    "livez",
    "docs",
    "redoc",
    "openapi.json",
    "metrics",
    "login",
    "signin",
    "sign-in",
    "signup",
    "sign-up",
    "register",
    "email",
    "token",
];

/// Whether `path` is an obviously public route (see [`WELL_KNOWN_PUBLIC`]; `email` and `token` only
/// under a sign-in or sign-up path, or an OAuth2-style `/token`, `/auth/token` at the root).
fn well_known_public(method: &str, path: &str) -> bool {
    if !template_params(path).is_empty() {
        return false;
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let last = segments.last().copied().unwrap_or("");
    let before = segments.iter().rev().nth(1).copied().unwrap_or("");
    match last {
        "email" => matches!(before, "sign-in" | "sign-up" | "signin" | "signup"),
        "token" => method == "POST" && segments.len() <= 3,
        other => WELL_KNOWN_PUBLIC.contains(&other),
    }
}

/// Whether the operation needs a token, with a note saying why not when it does not.
pub(super) fn needs_token(
    doc: &Document,
    raw: &RawOp<'_>,
    declared: bool,
    path: &str,
    notes: &mut Vec<String>,
) -> bool {
    let well_known = well_known_public(raw.method, path);
    if !declared {
        if well_known {
            notes.push(
                "public: a well-known public path (the document declares no security)".into(),
            );
        }
        return !well_known;
    }
    let (requirements, whose) = match (&raw.op.security, &doc.security) {
        (Some(own), _) => (Some(own), "its own"),
        (None, Some(global)) => (Some(global), "the global"),
        (None, None) => (None, ""),
    };
    match requirements {
        None if well_known => {
            notes.push(
                "public: a well-known public path, and the document gives it no security requirement"
                    .into(),
            );
            false
        }
        None => {
            notes.push(
                "checked as protected: the document gives it no security requirement while the API \
                 declares one elsewhere (auth checked in the handler, or none at all); if it is \
                 public on purpose, set `auth: false`"
                    .into(),
            );
            true
        }
        Some(list) if list.is_empty() => {
            notes.push(format!("public: {whose} `security` is []"));
            false
        }
        Some(list) if list.iter().any(|req| req.is_empty()) => {
            notes.push(format!(
                "public: {whose} `security` lists {{}} (credentials optional); the harness tests it \
                 as public"
            ));
            false
        }
        Some(_) => true,
    }
}

/// Whether any security is declared, the presentation to use, and notes.
pub(super) fn security(
    doc: &Document,
    raw: &[RawOp<'_>],
    resolver: Resolver<'_>,
) -> (bool, Option<Presentation>, Vec<String>) {
    let mut notes = Vec::new();
    let non_empty = |list: &Option<Vec<SecurityRequirement>>| {
        list.as_ref()
            .is_some_and(|l| l.iter().any(|req| !req.is_empty()))
    };
    let declared = non_empty(&doc.security) || raw.iter().any(|r| non_empty(&r.op.security));
    if !declared {
        notes.push(undeclared_note(doc));
        return (false, None, notes);
    }
    let mut presentation = None;
    for (index, name) in used_schemes(doc, raw).iter().enumerate() {
        let scheme = match resolver.security_scheme(name) {
            Ok(scheme) => scheme,
            Err(RefProblem::Missing(_)) => {
                notes.push(format!(
                    "TODO: the security scheme `{name}` is used but not defined in components.securitySchemes"
                ));
                continue;
            }
            Err(problem) => {
                notes.push(format!("TODO: the security scheme `{name}`: {problem}"));
                continue;
            }
        };
        let (note, found) = scheme_note(name, scheme);
        if index > 0 {
            notes.push(format!(
                "{note} (not used: the first scheme decides the presentation)"
            ));
        } else {
            notes.push(note);
            presentation = found;
        }
    }
    (true, presentation, notes)
}

/// The note for a document that declares no security requirement.
fn undeclared_note(doc: &Document) -> String {
    let schemes: Vec<&str> = doc
        .components
        .security_schemes
        .iter()
        .map(|(n, _)| n)
        .collect();
    format!(
        "The document declares no security requirement{}, as FastAPI apps that check tokens in a \
         dependency often do: every operation is taken as protected except well-known public paths \
         ({}, sign-in and sign-up routes). Set `auth: false` on any other public operation.",
        if schemes.is_empty() {
            String::new()
        } else {
            format!(
                " (it defines {} but no operation uses them)",
                schemes.join(", ")
            )
        },
        WELL_KNOWN_PUBLIC[..8].join(", ")
    )
}

/// Schemes used by the operations, in first-use order.
fn used_schemes(doc: &Document, raw: &[RawOp<'_>]) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    let requirement_lists =
        std::iter::once(&doc.security).chain(raw.iter().map(|r| &r.op.security));
    for list in requirement_lists.flatten() {
        for requirement in list {
            for (name, _) in requirement.iter() {
                if !used.iter().any(|u| u == name) {
                    used.push(name.to_string());
                }
            }
        }
    }
    used
}

/// What a security scheme means for the harness: a note, and the presentation it asks for when it
/// is not `Authorization: Bearer`.
fn scheme_note(name: &str, scheme: &SecurityScheme) -> (String, Option<Presentation>) {
    let kind = scheme.kind.as_deref().unwrap_or("");
    let http_scheme = scheme.scheme.as_deref().unwrap_or("").to_ascii_lowercase();
    let header = scheme.name.clone().unwrap_or_default();
    match (kind, http_scheme.as_str(), scheme.location.as_deref()) {
        ("http", "bearer", _) => (
            format!(
                "`{name}`: HTTP bearer: tokens go in `Authorization: Bearer <token>` (the default presentation)"
            ),
            None,
        ),
        ("http", other, _) => (
            format!(
                "TODO: `{name}` is HTTP `{other}` authentication, not a bearer token; the harness sends `Authorization: Bearer <jwt>`"
            ),
            None,
        ),
        ("apiKey", _, Some("header")) if header.eq_ignore_ascii_case("authorization") => (
            format!(
                "`{name}`: an API key in the Authorization header: tokens are sent as `Authorization: Bearer <token>`; TODO: set `presentation: {{ header: Authorization, scheme: \"\" }}` if the API wants the bare token"
            ),
            None,
        ),
        ("apiKey", _, Some("header")) => (
            format!(
                "`{name}`: an API key in the `{header}` header: the token is sent there, bare (presentation below)"
            ),
            Some(Presentation {
                header: header.clone(),
                scheme: String::new(),
            }),
        ),
        ("apiKey", _, location) => (
            format!(
                "TODO: `{name}` is an API key in the {}, which the harness cannot present a token in (it uses a header)",
                location.unwrap_or("(unknown place)")
            ),
            None,
        ),
        ("oauth2", _, _) => (
            format!(
                "`{name}`: OAuth 2: access tokens go in `Authorization: Bearer <token>` (the default presentation)"
            ),
            None,
        ),
        ("openIdConnect", _, _) => (
            format!(
                "`{name}`: OpenID Connect: tokens go in `Authorization: Bearer <token>` (the default presentation)"
            ),
            None,
        ),
        (other, _, _) => (
            format!(
                "TODO: `{name}` is of type `{other}`, which the harness does not know; it sends `Authorization: Bearer <jwt>`"
            ),
            None,
        ),
    }
}

pub(super) fn is_auth_header(name: &str, presentation: &Option<Presentation>) -> bool {
    name.eq_ignore_ascii_case("authorization")
        || presentation
            .as_ref()
            .is_some_and(|p| p.header.eq_ignore_ascii_case(name))
}
