//! From an OpenAPI document to the operations of a profile's `api:` section: which operations need a
//! token, which path parameter is the tenant, which operations create which ids, their names, bodies
//! and statuses. The rules are listed in the module documentation of [`super`].

mod creates;
mod media;
mod naming;
mod operation;
mod params;
mod paths;
mod raw;
mod security;
mod servers;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde_json::Value;

use super::body::{Body, ResourceNames};
use super::vocab::{capture_name, norm};
use crate::openapi::Resolver;
use crate::openapi::model::Document;
use creates::{disable_uncreated, single_creators};
use naming::{api_name, dedupe_names};
use operation::Shared;
use raw::{RawOp, raw_operations};
use servers::base_and_prefix;

pub use naming::operation_name;
pub(crate) use paths::shape;
pub use paths::{rewrite_path, template_params, tenant_param};
pub use security::WELL_KNOWN_PUBLIC;
pub use servers::DEFAULT_BASE_URL;

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

/// Analyses `doc`.
pub fn analyze(doc: &Document, options: &Options) -> Analysis {
    let resolver = Resolver::new(doc);
    let mut warnings = Vec::new();
    let raw = raw_operations(doc, resolver, &mut warnings);
    let (tenant_params, resources) = tenants_and_resources(&raw);
    let shapes = path_shapes(&raw);
    let (security_declared, presentation, security_notes) = security::security(doc, &raw, resolver);

    let shared = Shared {
        doc,
        resolver,
        resources: &resources,
        shapes: &shapes,
        security_declared,
        presentation: &presentation,
    };
    let mut operations: Vec<Op> = Vec::new();
    for raw_op in &raw {
        operations.extend(shared.operations(raw_op));
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

/// The tenant parameter names (in first-use order), and every other path parameter as a resource.
fn tenants_and_resources(raw: &[RawOp<'_>]) -> (Vec<String>, ResourceNames) {
    let mut tenant_params: Vec<String> = Vec::new();
    let mut resources = ResourceNames::default();
    for op in raw {
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
    (tenant_params, resources)
}

/// (shape, rewritten path) of every operation's path, for matching collections to items.
fn path_shapes(raw: &[RawOp<'_>]) -> Vec<(String, String)> {
    raw.iter()
        .map(|op| {
            let path = rewrite_path(op.path);
            (shape(&path), path)
        })
        .collect()
}
