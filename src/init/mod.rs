//! `authconform init`: a commented target profile from an OpenAPI 3.0/3.1 document.
//!
//! The document is read by [`crate::openapi`]; [`classify`] infers the profile's `api:` section,
//! [`body`] the request body templates, and [`render`] writes commented YAML. Everything inferred is a
//! heuristic, stated here and in the comments of the generated file:
//!
//! - **base_url**: `--target`, else `servers[0].url` when absolute (its path goes to `api.prefix`;
//!   `{variables}` take their defaults), else `http://127.0.0.1:8000` with a TODO. A relative
//!   `servers[0].url` (FastAPI's `root_path`) still gives the prefix.
//! - **Security**: an operation's own `security` overrides the global one; `[]`, a `{}` entry, or no
//!   requirement at all means public. When the document declares no requirement anywhere (FastAPI
//!   apps that check tokens in a dependency), every operation is protected except well-known public
//!   paths (last segment `health`, `healthz`, `readyz`, `livez`, `docs`, `redoc`, `openapi.json`,
//!   `metrics`, no parameters), and the file says so. The first scheme the operations use decides
//!   the presentation: HTTP bearer, OAuth 2 and OpenID Connect keep `Authorization: Bearer`; an
//!   apiKey in another header becomes `presentation: { header: NAME, scheme: "" }`; anything else
//!   (basic, query or cookie keys) is a TODO.
//! - **Tenant**: in each path, the first parameter named like `user_id`, `userId`, `uid`, `user`,
//!   `owner_id`, `tenant_id`, `tenant`, `account_id`, `org_id`, `organization_id` (any spelling), or
//!   right after a `users`/`tenants`/`accounts`/`orgs`/`organizations` segment (or a singular), is
//!   renamed `{user_id}`. Other path parameters are owned resources, kept by name (made valid:
//!   letters, digits, `_`; `user_id`/`canary` get a `_param` suffix).
//! - **Creates**: a POST on a collection `P` whose item path `P/{x}` exists (trailing slashes and
//!   parameter names ignored) creates `x`, at the pointer of its success answer's `id`, else `x`,
//!   else `<singular>_id` property (any spelling), else `/id` with a TODO. Any POST whose success
//!   answer has a property named like a path parameter (`conversation_id`) also creates it.
//! - **Bodies**: see [`body`]. **Query**: required query parameters are appended
//!   (`example`, `default`, first `enum` value; `{user_id}`/an id placeholder when so named; else `1`,
//!   `false` or `{canary}` by type); optional ones are left out. A required header (other than the
//!   token's) goes under the operation's `headers:` with the value the document gives (its example,
//!   default or first enum value), else gets a TODO, as does a required cookie.
//! - **Status**: the lowest documented 2xx.
//! - **Names**: GET collection `list`, POST collection `create` (with an item route) or `send`
//!   (without), GET/PUT/PATCH/DELETE item `get`/`update`/`patch`/`delete`, prefixed by the collection
//!   (the last static segment); a static segment after an item id is an action (`items.complete`)
//!   unless it is itself a collection with an item route (`/projects/{p}/tasks` -> `tasks.create`);
//!   a public GET without parameters (and not a collection) is named by its last segment (`health`); repeats get
//!   `_2`, `_3`. The operationId and summary are a comment above each operation.
//! - An operation that uses an id no (live) operation creates is written commented out with a TODO
//!   (the loader would reject it), to a fixpoint.
//! - **Issuer**: see [`issuer`] (a shared secret, a key pair fetched by URL, or a TEST ONLY key pair
//!   with each choice explained; `--secret-env` and `--jwks-url` say it outright).
//! - **Chat**: see [`chat`] (`prompt:` on a chat operation, and a `continue` variant).
//! - **MCP servers** (`--mcp URL`): their tools become operations of a service; see [`mcp`].
//! - `api.name` comes from `info.title` (lower case, dashes, at most 40 characters), never a bundled
//!   description's name; except when the document has every route of the bundled Todo contract
//!   ([`contract`]): then the profile selects `todo` and adds the document's other operations.

pub mod body;
pub mod chat;
pub mod classify;
pub mod contract;
pub mod issuer;
pub mod mcp;
pub mod render;
pub mod vocab;

use std::path::{Component, Path, PathBuf};

pub use classify::{Analysis, Options, analyze};
pub use render::Header;

use crate::openapi::Document;

/// The committed profile schema, relative to a checkout of authconform.
pub const SCHEMA_PATH: &str = "schemas/profile.schema.json";

/// A generated profile.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The YAML text.
    pub text: String,
    /// What was inferred.
    pub analysis: Analysis,
}

/// The profile for `doc`, with the tools of the MCP servers discovered (endpoint URL, discovery) as
/// services. `Err` when an endpoint URL is not an http(s) URL.
pub fn generate(
    doc: &Document,
    options: &Options,
    header: &Header,
    mcp: Vec<(String, mcp::Discovery)>,
) -> Result<Generated, String> {
    let mut analysis = analyze(doc, options);
    let origin = url::Url::parse(&analysis.base_url)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_else(|_| analysis.base_url.clone());
    let base = format!(
        "{}{}",
        analysis.base_url.trim_end_matches('/'),
        analysis.prefix
    );
    analysis.issuer = issuer::detect(doc, &base, &origin, options.keys.as_ref());
    let todo = crate::api::Api::bundled("todo").expect("the bundled todo description loads");
    analysis.contract = Some(contract::compare(&analysis, &todo));
    for (url, discovery) in mcp {
        let taken: Vec<String> = analysis
            .operations
            .iter()
            .map(|op| op.name.clone())
            .chain(todo.names().iter().map(|name| name.to_string()))
            .collect();
        let service = mcp::McpService::new(&url, discovery, &taken)?;
        analysis.operations.extend(service.operations());
        analysis.services.push(service);
    }
    let text = render::render(&analysis, header);
    Ok(Generated { text, analysis })
}

/// The `$schema` reference for a profile written into `out_dir`: relative to it when
/// `schemas/profile.schema.json` exists under the current directory (`true`), else the plain path
/// (`false`).
pub fn schema_reference(cwd: &Path, out_dir: &Path) -> (String, bool) {
    let schema = cwd.join(SCHEMA_PATH);
    if !schema.is_file() {
        return (SCHEMA_PATH.to_string(), false);
    }
    let absolute = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        };
        p.canonicalize().unwrap_or_else(|_| lexical(&p))
    };
    let from = absolute(out_dir);
    let to = absolute(&schema);
    (
        relative(&from, &to).to_string_lossy().replace('\\', "/"),
        true,
    )
}

/// `path` with `.` and `..` removed without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `to` relative to the folder `from` (both absolute).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative(
                Path::new("/repo/fixtures/profiles"),
                Path::new("/repo/schemas/p.json")
            ),
            PathBuf::from("../../schemas/p.json")
        );
        assert_eq!(
            relative(Path::new("/repo"), Path::new("/repo/schemas/p.json")),
            PathBuf::from("schemas/p.json")
        );
    }

    #[test]
    fn schema_reference_is_relative_to_the_output_folder() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            schema_reference(repo, Path::new("fixtures/profiles")),
            ("../../schemas/profile.schema.json".to_string(), true)
        );
        assert_eq!(
            schema_reference(repo, Path::new("")),
            ("schemas/profile.schema.json".to_string(), true)
        );
        let elsewhere = repo.join("src");
        assert_eq!(
            schema_reference(&elsewhere, Path::new("")),
            ("schemas/profile.schema.json".to_string(), false)
        );
    }
}
