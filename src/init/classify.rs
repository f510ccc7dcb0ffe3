//! From an OpenAPI document to the operations of a profile's `api:` section: which operations need a
//! token, which path parameter is the tenant, which operations create which ids, their names, bodies
//! and statuses. The rules are listed in the module documentation of [`super`].

use std::collections::BTreeSet;

use serde_json::Value;

use super::body::{Body, BodyBuilder, ResourceNames, property_names};
use super::vocab::{
    TENANT_COLLECTIONS, capture_name, escape_template, is_tenant_name, name_part, norm, pointer_to,
    singular,
};
use crate::openapi::model::{
    Document, MediaType, Operation, Parameter, RequestBody, Schema, SchemaObject,
};
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

/// The base URL used when neither `--target` nor an absolute `servers[0].url` gives one.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8000";

/// One operation as it goes into the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// Operation name (`items.create`).
    pub name: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template with `{user_id}` and capture placeholders, plus required query parameters.
    pub path: String,
    /// Whether it needs a token.
    pub auth: bool,
    /// Body template.
    pub json: Option<Body>,
    /// Captures: (name, JSON pointer).
    pub creates: Vec<(String, String)>,
    /// Lowest documented 2xx status.
    pub status: Option<u16>,
    /// `operationId`.
    pub operation_id: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// Comment lines (those starting with `TODO:` need the user).
    pub notes: Vec<String>,
    /// Capture placeholders it uses (path and body).
    pub uses: BTreeSet<String>,
    /// Why it is written commented out (it uses a capture nothing creates).
    pub disabled: Option<String>,
    /// Headers every request of it carries.
    pub headers: Vec<(String, String)>,
    /// The profile service it is sent to (`None`: the target).
    pub service: Option<String>,
    /// `reads: true` for a read that is not a `GET` (an MCP tool that lists or gets).
    pub reads: Option<bool>,
    /// A chat operation's message field (a JSON pointer), for the agent checks.
    pub prompt: Option<String>,
}

impl Op {
    /// A protected operation with nothing but its name, method and path.
    pub fn new(name: &str, method: &str, path: &str) -> Op {
        Op {
            name: name.into(),
            method: method.into(),
            path: path.into(),
            auth: true,
            json: None,
            creates: Vec::new(),
            status: None,
            operation_id: None,
            summary: None,
            notes: Vec::new(),
            uses: BTreeSet::new(),
            disabled: None,
            headers: Vec::new(),
            service: None,
            reads: None,
            prompt: None,
        }
    }
}

/// How the document says a token is presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    /// Header name.
    pub header: String,
    /// Scheme before the token (`""` for none).
    pub scheme: String,
}

/// Everything `init` inferred.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `openapi`.
    pub openapi: String,
    /// `api.name`.
    pub api_name: String,
    /// `base_url`.
    pub base_url: String,
    /// Comment for `base_url`.
    pub base_url_note: String,
    /// `api.prefix`.
    pub prefix: String,
    /// Comment for `api.prefix`, when there is something to say.
    pub prefix_note: Option<String>,
    /// A presentation other than `Authorization: Bearer`, when the document says so.
    pub presentation: Option<Presentation>,
    /// Comments about security schemes and presentation.
    pub security_notes: Vec<String>,
    /// How the API's tokens are made, as far as is known.
    pub issuer: super::issuer::IssuerHint,
    /// Whether the document declares security anywhere.
    pub security_declared: bool,
    /// Tenant path parameter names as written in the document.
    pub tenant_params: Vec<String>,
    /// The operations, in document order.
    pub operations: Vec<Op>,
    /// Document-level warnings (also in the comments).
    pub warnings: Vec<String>,
    /// How the document compares with the bundled Todo contract (set by [`crate::init::generate`]).
    pub contract: Option<super::contract::ContractMatch>,
    /// MCP servers whose tools are operations too (set by [`crate::init::generate`]).
    pub services: Vec<super::mcp::McpService>,
}

impl Analysis {
    /// The operations written live (not commented out).
    pub fn enabled(&self) -> impl Iterator<Item = &Op> {
        self.operations.iter().filter(|op| op.disabled.is_none())
    }
}

/// Inputs besides the document.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--target`.
    pub target: Option<String>,
    /// The origin of the URL the document was read from, when it came from one.
    pub read_from: Option<String>,
    /// Bundled API description names the generated name must avoid.
    pub reserved_api_names: Vec<String>,
    /// What the command line says about the API's keys.
    pub keys: Option<super::issuer::Given>,
}

/// An operation of the document with its parameters resolved and merged.
struct RawOp<'a> {
    path: &'a str,
    method: &'static str,
    op: &'a Operation,
    params: Vec<&'a Parameter>,
    notes: Vec<String>,
}

/// Analyses `doc`.
pub fn analyze(doc: &Document, options: &Options) -> Analysis {
    let resolver = Resolver::new(doc);
    let mut warnings = Vec::new();
    let raw = raw_operations(doc, resolver, &mut warnings);

    // Tenant parameter per path, and every other path parameter as a resource.
    let mut tenant_params: Vec<String> = Vec::new();
    let mut resources = ResourceNames::default();
    for op in &raw {
        let tenant = tenant_param(op.path);
        if let Some(t) = &tenant
            && !tenant_params.contains(t)
        {
            tenant_params.push(t.clone());
        }
        for name in template_params(op.path) {
            if Some(&name) != tenant.as_ref() {
                let capture = capture_name(&name);
                for key in [norm(&name), norm(&capture)] {
                    if !resources.0.iter().any(|(k, _)| *k == key) {
                        resources.0.push((key, capture.clone()));
                    }
                }
            }
        }
    }
    let shapes: Vec<(String, String)> = raw
        .iter()
        .map(|op| {
            let path = rewrite_path(op.path);
            (shape(&path), path)
        })
        .collect();

    let (security_declared, presentation, security_notes) = security(doc, &raw, resolver);

    let mut operations: Vec<Op> = Vec::new();
    for raw_op in &raw {
        let mut notes = raw_op.notes.clone();
        let path = rewrite_path(raw_op.path);
        let auth = needs_token(doc, raw_op, security_declared, &path, &mut notes);
        let item_of_collection = item_route(&path, &shapes);
        let item = item_of_collection
            .clone()
            .filter(|_| raw_op.method == "POST");
        let mut uses: BTreeSet<String> = template_params(&path)
            .into_iter()
            .filter(|p| p != "user_id")
            .collect();

        // Body.
        let mut json = None;
        if let Some(body) = &raw_op.op.request_body {
            match resolver.request_body(body) {
                Ok(body) => {
                    let mut builder = BodyBuilder::new(resolver, &resources);
                    json = request_json(body, &mut builder, &mut notes);
                    notes.append(&mut builder.notes);
                    uses.extend(builder.captures);
                }
                Err(problem) => notes.push(format!(
                    "TODO: the request body {problem}; write `json:` by hand"
                )),
            }
        }

        // Query and header parameters.
        let mut query = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        for param in &raw_op.params {
            let name = param.name.clone().unwrap_or_default();
            match param.location.as_deref() {
                Some("query") if param.is_required() => {
                    let value = query_value(param, &resources, resolver, &mut uses);
                    query.push(format!("{}={value}", encode(&name)));
                }
                Some("header") if param.is_required() && !is_auth_header(&name, &presentation) => {
                    match documented_value(param, resolver) {
                        Some(value) => {
                            notes.push(format!(
                                "requires the header `{name}`: the document's example value is sent; check it"
                            ));
                            headers.push((name.clone(), value));
                        }
                        None => notes.push(format!(
                            "TODO: requires the header `{name}`: give its value under this operation's \
                             `headers:` (or, if one value fits every request, the profile's `headers:`)"
                        )),
                    }
                }
                Some("cookie") if param.is_required() => notes.push(format!(
                    "TODO: requires the cookie `{name}`, which the harness does not send"
                )),
                _ => {}
            }
        }
        let full_path = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", query.join("&"))
        };

        // Status and creates.
        let status = success_status(raw_op.op);
        let response_props = success_schema(raw_op.op, resolver)
            .map(|schema| property_names(resolver, schema))
            .unwrap_or_default();
        let mut creates: Vec<(String, String)> = Vec::new();
        if let Some((capture, collection)) = &item {
            let pointer = id_pointer(&response_props, capture, collection);
            match pointer {
                Some(pointer) => creates.push((capture.clone(), pointer)),
                None => {
                    notes.push(format!(
                        "TODO: the success answer's schema names no `id`, `{capture}` or `{}_id` \
                         property: /id assumed; check the pointer",
                        singular(collection)
                    ));
                    creates.push((capture.clone(), "/id".into()));
                }
            }
        }
        if raw_op.method == "POST" {
            for prop in &response_props {
                if let Some(capture) = resources.capture_for(prop)
                    && !uses.contains(capture)
                    && !creates.iter().any(|(c, _)| c == capture)
                {
                    creates.push((capture.to_string(), pointer_to(prop)));
                }
            }
        }

        let name = operation_name(raw_op.method, &path, auth, item_of_collection.is_some());
        let op = Op {
            name,
            method: raw_op.method.to_string(),
            path: full_path,
            auth,
            json,
            creates,
            status,
            operation_id: raw_op.op.operation_id.clone(),
            summary: raw_op.op.summary.clone(),
            notes,
            uses,
            disabled: None,
            headers,
            service: None,
            reads: None,
            prompt: None,
        };
        let mut op = op;
        op.prompt = super::chat::prompt_field(&op);
        let continued = op.prompt.as_ref().and_then(|_| {
            let properties = request_properties(raw_op, resolver);
            super::chat::continuation(&op, &properties, &resources)
        });
        let variants = query_variants(&op, raw_op, resolver);
        operations.push(op);
        operations.extend(continued);
        operations.extend(variants);
    }
    dedupe_names(&mut operations);
    single_creators(&mut operations);
    disable_uncreated(&mut operations);

    let (base_url, base_url_note, prefix, prefix_note) = base_and_prefix(doc, options);
    Analysis {
        title: doc.info.title.clone().unwrap_or_default(),
        version: match &doc.info.version {
            Some(Value::String(v)) => v.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        },
        openapi: crate::openapi::version(doc),
        api_name: api_name(doc, options),
        base_url,
        base_url_note,
        prefix,
        prefix_note,
        presentation,
        security_notes,
        security_declared,
        tenant_params,
        operations,
        warnings,
        contract: None,
        services: Vec::new(),
        issuer: Default::default(),
    }
}

fn raw_operations<'a>(
    doc: &'a Document,
    resolver: Resolver<'a>,
    warnings: &mut Vec<String>,
) -> Vec<RawOp<'a>> {
    let mut raw = Vec::new();
    let Some(paths) = &doc.paths else {
        return raw;
    };
    for (path, item) in paths.iter() {
        if let Some(reference) = &item.reference {
            warnings.push(format!(
                "TODO: the path item {path} is a $ref ({reference}), which is not followed; add its \
                 operations by hand"
            ));
        }
        for (method, op) in item.operations() {
            let mut notes = Vec::new();
            let mut params: Vec<&Parameter> = Vec::new();
            for param in item.parameters.iter().chain(op.parameters.iter()) {
                match resolver.parameter(param) {
                    Ok(param) => {
                        params.retain(|known| {
                            known.name != param.name || known.location != param.location
                        });
                        params.push(param);
                    }
                    Err(problem) => notes.push(format!("TODO: a parameter's {problem}")),
                }
            }
            raw.push(RawOp {
                path,
                method,
                op,
                params,
                notes,
            });
        }
    }
    raw
}

/// The names inside `{}` in a path template, in order.
pub fn template_params(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        names.push(rest[open + 1..open + close].to_string());
        rest = &rest[open + close + 1..];
    }
    names
}

/// A segment that is exactly one parameter: its name.
fn sole_param(segment: &str) -> Option<&str> {
    segment
        .strip_prefix('{')?
        .strip_suffix('}')
        .filter(|name| !name.contains(['{', '}']))
}

/// The tenant parameter of a path: the first parameter named like a user or tenant, or right after a
/// `users`/`tenants`/`accounts`/`orgs`/`organizations` segment (or their singulars).
pub fn tenant_param(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (index, segment) in segments.iter().enumerate() {
        let Some(name) = sole_param(segment) else {
            continue;
        };
        let after_collection = index > 0
            && TENANT_COLLECTIONS.contains(&segments[index - 1].to_ascii_lowercase().as_str());
        if is_tenant_name(name) || after_collection {
            return Some(name.to_string());
        }
    }
    None
}

/// The path with the tenant parameter renamed `{user_id}` and the others made valid capture names.
pub fn rewrite_path(path: &str) -> String {
    let tenant = tenant_param(path);
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..open + close];
        if Some(name) == tenant.as_deref() {
            out.push_str("{user_id}");
        } else {
            out.push('{');
            out.push_str(&capture_name(name));
            out.push('}');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A path's shape for matching collections to items: no trailing `/`, every parameter `{}`.
pub(crate) fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.trim_end_matches('/').chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// For a collection path: (capture, collection segment) of its item path `P/{x}`, when one exists.
fn item_route(path: &str, shapes: &[(String, String)]) -> Option<(String, String)> {
    let wanted = format!("{}/{{}}", shape(path));
    let collection = last_static(path)?;
    shapes.iter().find_map(|(shape, item)| {
        if *shape != wanted {
            return None;
        }
        let last = item.trim_end_matches('/').rsplit('/').next()?;
        let name = sole_param(last)?;
        (name != "user_id").then(|| (name.to_string(), collection.clone()))
    })
}

fn last_static(path: &str) -> Option<String> {
    path.split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.contains('{'))
        .map(str::to_string)
}

/// Whether the operation needs a token, with a note saying why not when it does not.
fn needs_token(
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
fn security(
    doc: &Document,
    raw: &[RawOp<'_>],
    resolver: Resolver<'_>,
) -> (bool, Option<Presentation>, Vec<String>) {
    let mut notes = Vec::new();
    let non_empty = |list: &Option<Vec<crate::openapi::model::SecurityRequirement>>| {
        list.as_ref()
            .is_some_and(|l| l.iter().any(|req| !req.is_empty()))
    };
    let declared = non_empty(&doc.security) || raw.iter().any(|r| non_empty(&r.op.security));
    if !declared {
        let schemes: Vec<&str> = doc
            .components
            .security_schemes
            .iter()
            .map(|(n, _)| n)
            .collect();
        notes.push(format!(
            "The document declares no security requirement{}, as FastAPI apps that check tokens in a \
             dependency often do: every operation is taken as protected except well-known public paths \
             ({}, sign-in and sign-up routes). Set `auth: false` on any other public operation.",
            if schemes.is_empty() {
                String::new()
            } else {
                format!(" (it defines {} but no operation uses them)", schemes.join(", "))
            },
            WELL_KNOWN_PUBLIC[..8].join(", ")
        ));
        return (false, None, notes);
    }
    // Schemes used by the operations, in first-use order.
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
    let mut presentation = None;
    for (index, name) in used.iter().enumerate() {
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
        let kind = scheme.kind.as_deref().unwrap_or("");
        let http_scheme = scheme.scheme.as_deref().unwrap_or("").to_ascii_lowercase();
        let header = scheme.name.clone().unwrap_or_default();
        let (note, found) = match (kind, http_scheme.as_str(), scheme.location.as_deref()) {
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
        };
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

fn is_auth_header(name: &str, presentation: &Option<Presentation>) -> bool {
    name.eq_ignore_ascii_case("authorization")
        || presentation
            .as_ref()
            .is_some_and(|p| p.header.eq_ignore_ascii_case(name))
}

/// The JSON body template of a request body, with notes for what cannot be made.
fn request_json<'a>(
    body: &'a RequestBody,
    builder: &mut BodyBuilder<'a>,
    notes: &mut Vec<String>,
) -> Option<Body> {
    let json: Option<&MediaType> = body
        .content
        .iter()
        .find(|(media, _)| is_json(media))
        .map(|(_, m)| m);
    let Some(media) = json else {
        if !body.content.is_empty() {
            let types: Vec<&str> = body.content.iter().map(|(t, _)| t).collect();
            notes.push(format!(
                "TODO: the request body is {} only; the harness sends JSON bodies, so this operation \
                 is sent without one",
                types.join(", ")
            ));
        }
        return None;
    };
    match &media.schema {
        Some(schema) => builder.build(schema),
        None => {
            notes.push("TODO: the JSON request body has no schema: `{}` is sent".into());
            Some(Body::Object(Vec::new()))
        }
    }
}

/// The property names of an operation's JSON request body.
fn request_properties(raw: &RawOp<'_>, resolver: Resolver<'_>) -> Vec<String> {
    let Some(Ok(body)) = raw
        .op
        .request_body
        .as_ref()
        .map(|b| resolver.request_body(b))
    else {
        return Vec::new();
    };
    body.content
        .iter()
        .find(|(media, _)| is_json(media))
        .and_then(|(_, media)| media.schema.as_ref())
        .map(|schema| property_names(resolver, schema))
        .unwrap_or_default()
}

fn is_json(media: &str) -> bool {
    let media = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json") || media == "*/*"
}

/// Most variants written for one operation.
const MAX_VARIANTS: usize = 8;

/// A `GET` once more per documented value of each optional enum query parameter (`?status=pending`):
/// a leak may hide behind one value, and the isolation checks then cover each.
fn query_variants(op: &Op, raw: &RawOp<'_>, resolver: Resolver<'_>) -> Vec<Op> {
    if raw.method != "GET" {
        return Vec::new();
    }
    let mut variants = Vec::new();
    for param in &raw.params {
        let name = param.name.as_deref().unwrap_or("");
        if param.location.as_deref() != Some("query") || param.is_required() || name.is_empty() {
            continue;
        }
        let values = param
            .schema
            .as_ref()
            .and_then(|schema| match resolver.schema(schema) {
                Ok(crate::openapi::refs::Resolved::Object(object, _)) => object.enumeration.clone(),
                _ => None,
            })
            .unwrap_or_default();
        for value in values
            .iter()
            .take(MAX_VARIANTS.saturating_sub(variants.len()))
        {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            let separator = if op.path.contains('?') { '&' } else { '?' };
            let suffix: String = text
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            variants.push(Op {
                name: format!("{}.{suffix}", op.name),
                path: format!("{}{separator}{}={}", op.path, encode(name), encode(&text)),
                json: None,
                creates: Vec::new(),
                notes: vec![format!(
                    "a variant: `{name}={text}`, one of the documented values (a leak may hide behind one)"
                )],
                ..op.clone()
            });
        }
    }
    variants
}

/// The value of a required query parameter.
fn query_value(
    param: &Parameter,
    resources: &ResourceNames,
    resolver: Resolver<'_>,
    uses: &mut BTreeSet<String>,
) -> String {
    let name = param.name.as_deref().unwrap_or("");
    if is_tenant_name(name) {
        return "{user_id}".into();
    }
    if let Some(capture) = resources.capture_for(name) {
        uses.insert(capture.to_string());
        return format!("{{{capture}}}");
    }
    let literal = |v: &Value| match v {
        Value::String(s) => encode(s),
        other => encode(&other.to_string()),
    };
    if let Some(example) = &param.example {
        return literal(example);
    }
    let Some(object) = param_schema(param, resolver) else {
        return "{canary}".into();
    };
    if let Some(v) = object.first_example().or(object.default.as_ref()) {
        return literal(v);
    }
    if let Some(v) = object.enumeration.as_ref().and_then(|e| e.first()) {
        return literal(v);
    }
    match object
        .types()
        .iter()
        .find(|t| *t != "null")
        .map(String::as_str)
    {
        Some("integer" | "number") => "1".into(),
        Some("boolean") => "false".into(),
        _ => "{canary}".into(),
    }
}

/// A parameter's schema, resolved, when it is a schema object.
fn param_schema<'a>(param: &'a Parameter, resolver: Resolver<'a>) -> Option<&'a SchemaObject> {
    match resolver.schema(param.schema.as_ref()?) {
        Ok(crate::openapi::refs::Resolved::Object(object, _)) => Some(object),
        _ => None,
    }
}

/// A parameter's value as its document gives it (`example`, the schema's example or `default`, the
/// first `enum` value), as header text with braces escaped; `None` when it gives none.
fn documented_value(param: &Parameter, resolver: Resolver<'_>) -> Option<String> {
    let object = param_schema(param, resolver);
    let value = param.example.as_ref().or_else(|| {
        object.and_then(|o| {
            o.first_example()
                .or(o.default.as_ref())
                .or_else(|| o.enumeration.as_ref().and_then(|e| e.first()))
        })
    })?;
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Null | Value::Array(_) | Value::Object(_) => return None,
        other => other.to_string(),
    };
    (!text.contains(['\r', '\n'])).then(|| escape_template(&text))
}

/// Form-encodes text for a query string (no braces survive, so it is also template-safe).
fn encode(text: &str) -> String {
    escape_template(&url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>())
}

/// The lowest documented 2xx status.
fn success_status(op: &Operation) -> Option<u16> {
    op.responses
        .iter()
        .filter_map(|(code, _)| code.parse::<u16>().ok())
        .filter(|code| (200..300).contains(code))
        .min()
}

/// The schema of the lowest 2xx response with JSON content.
fn success_schema<'a>(op: &'a Operation, resolver: Resolver<'a>) -> Option<&'a Schema> {
    let mut responses: Vec<(u16, &crate::openapi::model::Response)> = op
        .responses
        .iter()
        .filter_map(|(code, r)| Some((code.parse::<u16>().ok()?, r)))
        .filter(|(code, _)| (200..300).contains(code))
        .collect();
    responses.sort_by_key(|(code, _)| *code);
    responses.into_iter().find_map(|(_, response)| {
        let response = resolver.response(response).ok()?;
        response
            .content
            .iter()
            .find(|(media, _)| is_json(media))
            .and_then(|(_, m)| m.schema.as_ref())
    })
}

/// The pointer to the created id in a create answer: `id`, else the item parameter's name, else
/// `<singular>_id` (each also in other spellings, e.g. `itemId`).
fn id_pointer(props: &[String], capture: &str, collection: &str) -> Option<String> {
    let candidates = [
        "id".to_string(),
        capture.to_string(),
        format!("{}_id", singular(collection)),
    ];
    candidates.iter().find_map(|candidate| {
        props
            .iter()
            .find(|p| norm(p) == norm(candidate))
            .map(|p| pointer_to(p))
    })
}

/// `<collection>.<verb>` from the path and method (see the module documentation of [`super`]).
/// `has_item_route`: the path is a collection with an item route `path/{x}` (so a static segment after
/// an id is a nested collection, `/projects/{p}/tasks`, not an action like `/items/{i}/complete`).
pub fn operation_name(method: &str, path: &str, auth: bool, has_item_route: bool) -> String {
    let segments: Vec<&str> = path
        .split('?')
        .next()
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let is_param = |s: &str| s.contains('{');
    let verb = |m: &str| m.to_ascii_lowercase();
    if !auth && method == "GET" && !has_item_route && !segments.iter().any(|s| is_param(s)) {
        return name_part(segments.last().copied().unwrap_or("root"));
    }
    let static_before = |index: usize| {
        segments[..index]
            .iter()
            .rev()
            .find(|s| !is_param(s))
            .copied()
    };
    let Some(&last) = segments.last() else {
        return format!("root.{}", verb(method));
    };
    let last_index = segments.len() - 1;
    if is_param(last) {
        let collection = static_before(last_index).unwrap_or("root");
        let action = match method {
            "GET" => "get".to_string(),
            "PUT" => "update".into(),
            "PATCH" => "patch".into(),
            "DELETE" => "delete".into(),
            other => verb(other),
        };
        return format!("{}.{action}", name_part(collection));
    }
    let previous = last_index.checked_sub(1).map(|i| segments[i]);
    if let Some(previous) = previous
        && is_param(previous)
        && previous != "{user_id}"
        && !has_item_route
    {
        let collection = static_before(last_index - 1).unwrap_or(last);
        return format!("{}.{}", name_part(collection), name_part(last));
    }
    let action = match method {
        "GET" => "list".to_string(),
        "POST" if has_item_route => "create".into(),
        "POST" => "send".into(),
        "PUT" => "update".into(),
        "PATCH" => "patch".into(),
        "DELETE" => "delete".into(),
        other => verb(other),
    };
    format!("{}.{action}", name_part(last))
}

/// Second and later uses of a name get `_2`, `_3`, ...
fn dedupe_names(operations: &mut [Op]) {
    let mut seen: Vec<String> = Vec::new();
    for op in operations.iter_mut() {
        let mut name = op.name.clone();
        let mut n = 2;
        while seen.contains(&name) {
            name = format!("{}_{n}", op.name);
            n += 1;
        }
        op.name = name.clone();
        seen.push(name);
    }
}

/// Comments out every operation that uses a capture no live operation creates (to a fixpoint: an
/// operation that creates ids but is itself commented out creates nothing).
/// One creator per capture: a later operation that would create the same id keeps it out of its
/// `creates`, with a note (the profile loader refuses two creators of one id).
fn single_creators(operations: &mut [Op]) {
    let mut first: Vec<(String, String)> = Vec::new();
    for op in operations.iter_mut() {
        let mut kept = Vec::new();
        for (capture, pointer) in std::mem::take(&mut op.creates) {
            match first.iter().find(|(created, _)| *created == capture) {
                Some((_, creator)) => op.notes.push(format!(
                    "also returns `{capture}` ({pointer}), which `{creator}` already creates: one \
                     operation creates each id"
                )),
                None => {
                    first.push((capture.clone(), op.name.clone()));
                    kept.push((capture, pointer));
                }
            }
        }
        op.creates = kept;
    }
}

fn disable_uncreated(operations: &mut [Op]) {
    loop {
        let created: BTreeSet<String> = operations
            .iter()
            .filter(|op| op.disabled.is_none())
            .flat_map(|op| op.creates.iter().map(|(c, _)| c.clone()))
            .collect();
        let mut changed = false;
        for op in operations.iter_mut().filter(|op| op.disabled.is_none()) {
            let missing: Vec<&String> = op.uses.iter().filter(|u| !created.contains(*u)).collect();
            if let Some(first) = missing.first() {
                let list: Vec<String> = missing.iter().map(|m| format!("{{{m}}}")).collect();
                op.disabled = Some(format!(
                    "TODO: nothing creates {} (the `{first}` parameter): the profile loader rejects an \
                     operation that uses it. Add `creates: {{ {first}: /POINTER }}` to the operation \
                     whose answer returns it (a POST, or a list whose answer has it), then uncomment \
                     this one.",
                    list.join(", ")
                ));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// `base_url`, its comment, `api.prefix` and its comment.
fn base_and_prefix(doc: &Document, options: &Options) -> (String, String, String, Option<String>) {
    let server = doc.servers.first().map(|server| {
        let mut url = server.url.clone();
        for (name, variable) in server.variables.iter() {
            let value = match &variable.default {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => continue,
            };
            url = url.replace(&format!("{{{name}}}"), &value);
        }
        url
    });
    let (origin, server_path) = match server.as_deref() {
        Some(url) => match url::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => (
                Some(parsed.origin().ascii_serialization()),
                parsed.path().to_string(),
            ),
            Ok(_) => (None, String::new()),
            Err(_) => (None, url.to_string()),
        },
        None => (None, String::new()),
    };
    let (base_url, base_note) = match (&options.target, &origin) {
        (Some(target), _) => (
            target.trim_end_matches('/').to_string(),
            "from --target".to_string(),
        ),
        (None, Some(origin)) => (origin.clone(), "from the document's servers[0].url".to_string()),
        (None, None) if options.read_from.is_some() => (
            options.read_from.clone().unwrap_or_default(),
            "from the URL the document was read from (it names no absolute server URL)".to_string(),
        ),
        (None, None) => (
            DEFAULT_BASE_URL.to_string(),
            "TODO: the document names no absolute server URL; set where the API listens (or pass --target)"
                .to_string(),
        ),
    };
    let trimmed = server_path.trim_end_matches('/');
    let (prefix, prefix_note) = if trimmed.is_empty() {
        (String::new(), None)
    } else if !trimmed.starts_with('/') || trimmed.contains(['{', '}', '?', '#']) {
        (
            String::new(),
            Some(format!(
                "TODO: servers[0].url has the path `{trimmed}`, which is not a plain path; set the prefix by hand"
            )),
        )
    } else {
        (
            trimmed.to_string(),
            Some("the path of servers[0].url".to_string()),
        )
    };
    (base_url, base_note, prefix, prefix_note)
}

/// A name for `api.name` from `info.title` (lower case, `-` between words, at most 40 characters),
/// never a bundled description's name.
fn api_name(doc: &Document, options: &Options) -> String {
    let title = doc.info.title.as_deref().unwrap_or("");
    let mut name = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        if !name.is_empty() && name.len() + 1 + word.len() > 40 {
            break;
        }
        if !name.is_empty() {
            name.push('-');
        }
        name.push_str(&word);
    }
    if name.is_empty() {
        name = "my-api".into();
    }
    if options.reserved_api_names.contains(&name) {
        name.push_str("-api");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_parameters_by_name_or_position() {
        assert_eq!(
            tenant_param("/api/{user_id}/tasks").as_deref(),
            Some("user_id")
        );
        assert_eq!(
            tenant_param("/api/v1/users/{uid}/items").as_deref(),
            Some("uid")
        );
        assert_eq!(
            tenant_param("/orgs/{slug}/projects/{id}").as_deref(),
            Some("slug")
        );
        assert_eq!(
            tenant_param("/tenants/{t}/x/{userId}").as_deref(),
            Some("t")
        );
        assert_eq!(tenant_param("/items/{item_id}"), None);
        assert_eq!(
            rewrite_path("/api/v1/users/{uid}/items/{item-id}/complete"),
            "/api/v1/users/{user_id}/items/{item_id}/complete"
        );
        assert_eq!(
            rewrite_path("/orgs/{org}/members/{user_id}"),
            "/orgs/{user_id}/members/{user_id_param}"
        );
    }

    #[test]
    fn names_follow_the_path_shape() {
        let name = |m: &str, p: &str, item: bool| operation_name(m, p, true, item);
        assert_eq!(name("GET", "/api/{user_id}/items", false), "items.list");
        assert_eq!(name("POST", "/api/{user_id}/items/", true), "items.create");
        assert_eq!(
            name("GET", "/api/{user_id}/items/{item_id}", false),
            "items.get"
        );
        assert_eq!(
            name("PUT", "/api/{user_id}/items/{item_id}", false),
            "items.update"
        );
        assert_eq!(
            name("PATCH", "/api/{user_id}/items/{item_id}", false),
            "items.patch"
        );
        assert_eq!(
            name("DELETE", "/api/{user_id}/items/{item_id}", false),
            "items.delete"
        );
        assert_eq!(
            name("PATCH", "/api/{user_id}/items/{item_id}/complete", false),
            "items.complete"
        );
        assert_eq!(name("POST", "/api/{user_id}/chat", false), "chat.send");
        assert_eq!(
            name(
                "GET",
                "/api/{user_id}/conversations/{conversation_id}",
                false
            ),
            "conversations.get"
        );
        assert_eq!(name("GET", "/users/{user_id}", false), "users.get");
        assert_eq!(name("HEAD", "/things", false), "things.head");
        assert_eq!(
            name("POST", "/projects/{project_id}/tasks", true),
            "tasks.create"
        );
        assert_eq!(
            name("GET", "/projects/{project_id}/tasks", true),
            "tasks.list"
        );
        assert_eq!(
            name("POST", "/projects/{project_id}/archive", false),
            "projects.archive"
        );
        assert_eq!(operation_name("GET", "/health", false, false), "health");
        assert_eq!(operation_name("GET", "/", false, false), "root");
        assert_eq!(
            operation_name("GET", "/openapi.json", false, false),
            "openapi_json"
        );
    }

    #[test]
    fn duplicate_names_get_numeric_suffixes() {
        let op = |name: &str| Op::new(name, "GET", "/");
        let mut ops = vec![op("a.list"), op("a.list"), op("b"), op("a.list")];
        dedupe_names(&mut ops);
        let names: Vec<&str> = ops.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["a.list", "a.list_2", "b", "a.list_3"]);
    }

    #[test]
    fn operations_using_uncreated_ids_are_disabled_transitively() {
        let op = |name: &str, uses: &[&str], creates: &[&str]| Op {
            creates: creates
                .iter()
                .map(|c| (c.to_string(), "/id".to_string()))
                .collect(),
            uses: uses.iter().map(|u| u.to_string()).collect(),
            ..Op::new(name, "GET", "/")
        };
        let mut ops = vec![
            op("tasks.create", &["project_id"], &["task_id"]),
            op("tasks.get", &["project_id", "task_id"], &[]),
            op("notes.create", &[], &["note_id"]),
            op("notes.get", &["note_id"], &[]),
        ];
        disable_uncreated(&mut ops);
        let disabled: Vec<bool> = ops.iter().map(|o| o.disabled.is_some()).collect();
        assert_eq!(disabled, [true, true, false, false]);
        assert!(ops[0].disabled.as_ref().unwrap().contains("{project_id}"));
    }

    #[test]
    fn id_pointers_prefer_id_then_the_parameter_then_singular_id() {
        let props = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            id_pointer(&props(&["id", "item_id"]), "item_id", "items").as_deref(),
            Some("/id")
        );
        assert_eq!(
            id_pointer(&props(&["itemId"]), "item_id", "items").as_deref(),
            Some("/itemId")
        );
        assert_eq!(
            id_pointer(&props(&["note_id"]), "nid", "notes").as_deref(),
            Some("/note_id")
        );
        assert_eq!(id_pointer(&props(&["title"]), "item_id", "items"), None);
    }

    fn analysis(json: &str) -> Analysis {
        let doc: Document = serde_json::from_str(json).unwrap();
        analyze(&doc, &Options::default())
    }

    fn auth_of(analysis: &Analysis) -> Vec<(&str, bool)> {
        analysis
            .operations
            .iter()
            .map(|op| (op.name.as_str(), op.auth))
            .collect()
    }

    #[test]
    fn operation_security_overrides_the_global_one() {
        let a = analysis(
            r#"{"openapi": "3.1.0", "security": [{"bearer": []}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "paths": {
              "/things": {"get": {"responses": {}}, "post": {"security": [], "responses": {}}},
              "/things/{thing_id}": {"get": {"security": [{}, {"bearer": []}], "responses": {}}},
              "/status": {"get": {"security": [{"bearer": []}], "responses": {}}}}}"#,
        );
        assert!(a.security_declared);
        assert_eq!(
            auth_of(&a),
            [
                ("things.list", true),
                ("things.create", false),
                ("things.get", false),
                ("status.list", true)
            ]
        );
        assert_eq!(a.presentation, None);
        assert!(
            a.operations[1].notes[0].contains("`security` is []"),
            "{:?}",
            a.operations[1].notes
        );
    }

    #[test]
    fn an_api_key_header_becomes_the_presentation() {
        let a = analysis(
            r#"{"openapi": "3.0.3",
            "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
            "paths": {"/me": {"get": {"security": [{"key": []}], "parameters": [
                {"name": "X-API-Key", "in": "header", "required": true, "schema": {"type": "string"}}],
                "responses": {}}},
              "/health": {"get": {"responses": {}}}}}"#,
        );
        assert_eq!(
            a.presentation,
            Some(Presentation {
                header: "X-API-Key".into(),
                scheme: String::new()
            })
        );
        assert_eq!(auth_of(&a), [("me.list", true), ("health", false)]);
        assert!(
            a.operations[0].notes.is_empty(),
            "the key header is not a TODO: {:?}",
            a.operations[0].notes
        );
    }

    #[test]
    fn without_declared_security_only_well_known_paths_are_public() {
        let a = analysis(
            r#"{"openapi": "3.1.0",
            "components": {"securitySchemes": {"unused": {"type": "http", "scheme": "bearer"}}},
            "paths": {"/livez": {"get": {}}, "/openapi.json": {"get": {}}, "/login": {"post": {}},
              "/items/{item_id}/health": {"get": {}}}}"#,
        );
        assert!(!a.security_declared);
        assert_eq!(
            auth_of(&a),
            [
                ("livez", false),
                ("openapi_json", false),
                ("login.send", false),
                ("items.health", true)
            ]
        );
        assert!(
            a.security_notes[0].contains("declares no security"),
            "{:?}",
            a.security_notes
        );
        assert!(
            a.security_notes[0].contains("unused"),
            "{:?}",
            a.security_notes
        );
    }

    #[test]
    fn servers_give_base_url_and_prefix() {
        let a = analysis(
            r#"{"openapi": "3.1.0", "servers": [{"url": "/api/v1"}], "paths": {"/a": {"get": {}}}}"#,
        );
        assert_eq!(a.base_url, DEFAULT_BASE_URL);
        assert!(a.base_url_note.starts_with("TODO"));
        assert_eq!(a.prefix, "/api/v1");
        let a = analysis(
            r#"{"openapi": "3.1.0", "servers": [{"url": "http://localhost:8000/"}], "paths": {"/a": {"get": {}}}}"#,
        );
        assert_eq!(
            (a.base_url.as_str(), a.prefix.as_str()),
            ("http://localhost:8000", "")
        );
        let doc: Document = serde_json::from_str(
            r#"{"openapi": "3.1.0", "servers": [{"url": "http://x:1/p"}], "paths": {"/a": {}}}"#,
        )
        .unwrap();
        let a = analyze(
            &doc,
            &Options {
                target: Some("https://staging.example/".into()),
                read_from: Some("http://ignored:1".into()),
                reserved_api_names: vec![],
                keys: None,
            },
        );
        assert_eq!(
            (a.base_url.as_str(), a.prefix.as_str()),
            ("https://staging.example", "/p")
        );
    }

    #[test]
    fn the_url_the_document_came_from_is_the_base_url_when_it_names_none() {
        let doc: Document =
            serde_json::from_str(r#"{"openapi": "3.1.0", "paths": {"/a": {}}}"#).unwrap();
        let options = Options {
            read_from: Some("http://127.0.0.1:8101".into()),
            ..Options::default()
        };
        assert_eq!(analyze(&doc, &options).base_url, "http://127.0.0.1:8101");
    }

    #[test]
    fn each_documented_value_of_an_optional_enum_query_parameter_is_a_variant() {
        let a = analysis(
            r#"{"openapi": "3.1.0", "paths": {"/api/tasks": {"get": {"parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["all", "pending"]}},
                {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
              "responses": {"200": {}}}}}}"#,
        );
        let ops: Vec<(&str, &str)> = a
            .operations
            .iter()
            .map(|op| (op.name.as_str(), op.path.as_str()))
            .collect();
        assert_eq!(
            ops,
            [
                ("tasks.list", "/api/tasks"),
                ("tasks.list.all", "/api/tasks?status=all"),
                ("tasks.list.pending", "/api/tasks?status=pending"),
            ]
        );
        assert!(a.operations[1].notes[0].contains("`status=all`"));
    }

    #[test]
    fn one_operation_creates_each_id() {
        let returns_id = r#"{"201": {"content": {"application/json": {"schema":
            {"type": "object", "properties": {"id": {"type": "integer"}, "item_id": {"type": "integer"}}}}}}}"#;
        let a = analysis(&format!(
            r#"{{"openapi": "3.1.0", "paths": {{
              "/items": {{"post": {{"responses": {returns_id}}}}},
              "/items/{{item_id}}": {{"get": {{"responses": {{"200": {{}}}}}}}},
              "/imports": {{"post": {{"responses": {returns_id}}}}}}}}}"#
        ));
        let creates: Vec<(&str, usize)> = a
            .operations
            .iter()
            .map(|op| (op.name.as_str(), op.creates.len()))
            .collect();
        assert_eq!(
            creates,
            [("items.create", 1), ("items.get", 0), ("imports.send", 0)]
        );
        assert!(
            a.operations[2]
                .notes
                .iter()
                .any(|n| n.contains("`items.create` already creates")),
            "{:?}",
            a.operations[2].notes
        );
    }

    #[test]
    fn api_names_avoid_bundled_ones() {
        let doc: Document = serde_json::from_str(
            r#"{"openapi": "3.1.0", "info": {"title": "Todo"}, "paths": {"/a": {}}}"#,
        )
        .unwrap();
        let a = analyze(
            &doc,
            &Options {
                target: None,
                read_from: None,
                reserved_api_names: vec!["todo".into()],
                keys: None,
            },
        );
        assert_eq!(a.api_name, "todo-api");
    }

    #[test]
    fn shapes_ignore_parameter_names_and_trailing_slashes() {
        assert_eq!(shape("/users/{user_id}/items/"), "/users/{}/items");
        let shapes = vec![(
            shape("/u/{user_id}/items/{item_id}"),
            "/u/{user_id}/items/{item_id}".to_string(),
        )];
        assert_eq!(
            item_route("/u/{user_id}/items/", &shapes),
            Some(("item_id".into(), "items".into()))
        );
        assert_eq!(item_route("/u/{user_id}/chat", &shapes), None);
    }
}
