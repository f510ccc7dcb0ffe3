//! The generated profile as commented YAML. Scalars and flow collections are written as JSON (via
//! serde_json), which is valid YAML, so no value needs YAML-specific quoting rules.

use std::fmt::Write as _;

use super::classify::{Analysis, Op};
use super::contract::ContractMatch;
use crate::api::Api;

/// What the header says about where things come from.
#[derive(Debug, Clone)]
pub struct Header {
    /// The `--openapi` argument, as given.
    pub source: String,
    /// The `$schema` reference for editors.
    pub schema: String,
    /// Whether the schema file was found (else a comment says where it is).
    pub schema_found: bool,
    /// The profile's path for the "run" hint (`None`: stdout).
    pub out: Option<String>,
}

/// Widest comment line before wrapping.
const WIDTH: usize = 100;

/// Writes `text` as `#` comment lines at `indent`, wrapped at [`WIDTH`] columns; a paragraph's leading
/// spaces are kept, and a wrapped `- ` item continues under its text.
fn comment(out: &mut String, indent: &str, text: &str) {
    for paragraph in text.lines() {
        let words = paragraph.trim_start();
        let lead = &paragraph[..paragraph.len() - words.len()];
        let continuation = if words.starts_with("- ") {
            format!("{lead}  ")
        } else {
            lead.to_string()
        };
        let mut line = lead.to_string();
        let mut empty = true;
        for word in words.split(' ').filter(|w| !w.is_empty()) {
            if !empty && indent.len() + 2 + line.len() + 1 + word.len() > WIDTH {
                let _ = writeln!(out, "{indent}# {line}");
                line = continuation.clone();
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        let _ = writeln!(out, "{indent}# {line}");
    }
}

fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A mapping key: plain when it cannot be misread, else JSON-quoted.
fn key(text: &str) -> String {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { text.to_string() } else { json(text) }
}

/// The whole profile.
pub fn render(analysis: &Analysis, header: &Header) -> String {
    let mut out = String::new();
    render_header(&mut out, analysis, header);

    out.push('\n');
    comment(&mut out, "", &analysis.base_url_note);
    let _ = writeln!(out, "base_url: {}", json(&analysis.base_url));
    render_services(&mut out, analysis);

    if !analysis.security_notes.is_empty() {
        out.push('\n');
        comment(&mut out, "", "Security, as the document declares it:");
        for note in &analysis.security_notes {
            comment(&mut out, "", &format!("- {note}"));
        }
    }
    if let Some(presentation) = &analysis.presentation {
        let _ = writeln!(out, "presentation:");
        let _ = writeln!(out, "  header: {}", json(&presentation.header));
        let _ = writeln!(out, "  scheme: {}", json(&presentation.scheme));
    }

    out.push('\n');
    super::issuer::render(&mut out, &analysis.issuer);
    out.push('\n');
    out.push_str(PRINCIPALS);

    out.push('\n');
    comment(
        &mut out,
        "",
        "The API, as read from the document. Placeholders: {user_id} (the acting principal's user id), \
         {canary} (a unique marker of the acting user, put in string fields so that a leak to another \
         user shows), and the ids that operations `creates` (a JSON value that is exactly \"{item_id}\" \
         becomes the captured value itself, a number stays a number).",
    );
    out.push_str("api:\n");
    match analysis.contract.as_ref().filter(|found| found.complete()) {
        Some(found) => render_bundled(&mut out, analysis, found),
        None => render_custom(&mut out, analysis),
    }
    out
}

/// The header comments: the schema line, where the profile comes from, what was found, next steps
/// and warnings.
fn render_header(out: &mut String, analysis: &Analysis, header: &Header) {
    let _ = writeln!(out, "# yaml-language-server: $schema={}", header.schema);
    if !header.schema_found {
        comment(
            out,
            "",
            "(The schema is schemas/profile.schema.json of the authconform repository, or what \
             `authconform schema profile` prints: point the line above at your copy for completion and \
             checks in your editor.)",
        );
    }
    let title = if analysis.title.is_empty() {
        "untitled".to_string()
    } else {
        analysis.title.clone()
    };
    comment(
        out,
        "",
        &format!(
            "Generated by `authconform init` from {} ({title} {}, OpenAPI {}).",
            header.source, analysis.version, analysis.openapi
        ),
    );
    comment(out, "", &operations_summary(analysis));
    out.push_str("#\n");
    let run = header
        .out
        .clone()
        .unwrap_or_else(|| "PROFILE.yaml".to_string());
    comment(out, "", "Next steps:");
    comment(
        out,
        "",
        "  1. Under `issuer:`, replace the TODO key with the TEST ONLY signing key your API trusts.",
    );
    comment(
        out,
        "",
        "  2. Make `alice` and `bob` two distinct users your API accepts.",
    );
    comment(out, "", "  3. Read the TODO comments below, then run:");
    comment(out, "", &format!("       authconform run --profile {run}"));
    comment(
        out,
        "",
        "This is a reading of the document, not of the API: check the methods, paths, bodies and statuses.",
    );
    for warning in &analysis.warnings {
        comment(out, "", warning);
    }
}

/// The operations counted, the tenant path parameters and what the operations create.
fn operations_summary(analysis: &Analysis) -> String {
    let total = analysis.operations.len();
    let disabled = analysis
        .operations
        .iter()
        .filter(|op| op.disabled.is_some())
        .count();
    let live: Vec<&Op> = analysis.enabled().collect();
    let protected = live.iter().filter(|op| op.auth).count();
    let public = live.len() - protected;
    let mut summary = format!(
        "{total} operations: {protected} protected, {public} public, {disabled} commented out."
    );
    if analysis.tenant_params.is_empty() {
        summary.push_str(
            " No tenant path parameter found: isolation is tested through ids only; TODO: if the user \
             id is in the paths, rename that parameter {user_id}.",
        );
    } else {
        let names: Vec<String> = analysis
            .tenant_params
            .iter()
            .map(|n| format!("`{n}`"))
            .collect();
        let _ = write!(
            summary,
            " Tenant path parameter {} written {{user_id}}.",
            names.join(", ")
        );
    }
    let creates: Vec<String> = live
        .iter()
        .flat_map(|op| {
            op.creates
                .iter()
                .map(move |(c, _)| format!("{c} ({})", op.name))
        })
        .collect();
    if creates.is_empty() {
        summary.push_str(" Creates: nothing.");
    } else {
        let _ = write!(summary, " Creates: {}.", creates.join(", "));
    }
    summary
}

/// The MCP servers, as services their operations name.
fn render_services(out: &mut String, analysis: &Analysis) {
    if analysis.services.is_empty() {
        return;
    }
    out.push('\n');
    comment(
        out,
        "",
        "Other services the operations below name (`service:`), each with its own base URL; the \
         same tokens are sent there.",
    );
    out.push_str("services:\n");
    for service in &analysis.services {
        let found = &service.discovery;
        comment(
            out,
            "  ",
            &format!(
                "The MCP server `{}` (protocol {}) at {}{}: {} tools, asked with `initialize` and \
                 `tools/list`. Its tools are the `{}.*` operations; a user argument is {{user_id}}, so \
                 each gets the cross-user checks.",
                found.server,
                found.protocol,
                service.base_url,
                service.path,
                found.tools.len(),
                service.name
            ),
        );
        let session = found.session && !service.path.contains('?');
        if session {
            comment(
                out,
                "  ",
                "It opened a session (Mcp-Session-Id): with `mcp_session`, each user opens one when a \
                 run starts, and every call as that user carries it.",
            );
        } else if found.session {
            comment(
                out,
                "  ",
                "TODO: it opened a session (Mcp-Session-Id), but its endpoint has a query, which \
                 `mcp_session` cannot name: run it stateless for the check (FastMCP: stateless_http=True).",
            );
        }
        let _ = writeln!(out, "  {}:", key(&service.name));
        let _ = writeln!(out, "    base_url: {}", json(&service.base_url));
        if session {
            let _ = writeln!(out, "    mcp_session: {}", json(&service.path));
        }
    }
}

fn render_prefix(out: &mut String, analysis: &Analysis) {
    if let Some(note) = &analysis.prefix_note {
        comment(out, "  ", &format!("{note}; prepended to every path"));
    }
    let _ = writeln!(out, "  prefix: {}", json(&analysis.prefix));
}

/// A custom API: every operation of the document.
fn render_custom(out: &mut String, analysis: &Analysis) {
    if let Some(found) = analysis.contract.as_ref().filter(|found| found.partial()) {
        comment(out, "  ", &found.summary());
    }
    let _ = writeln!(
        out,
        "  name: {}   # not a bundled description: the operations below are the whole API",
        key(&analysis.api_name)
    );
    render_prefix(out, analysis);
    comment(out, "  ", RULES);
    out.push_str("  operations:\n");
    for op in &analysis.operations {
        render_op(out, op);
    }
}

/// The bundled description, the document's differences as overrides, its other operations added.
fn render_bundled(out: &mut String, analysis: &Analysis, found: &ContractMatch) {
    let bundled = Api::bundled(&found.api).expect("a bundled description loads");
    let pairs: Vec<String> = found
        .matched
        .iter()
        .map(|(ours, theirs)| {
            if ours == theirs {
                ours.clone()
            } else {
                format!("{ours} ({theirs})")
            }
        })
        .collect();
    comment(
        out,
        "  ",
        &format!(
            "The document has every route of the bundled `{}` description, so the profile selects it \
             and its whole suite runs: {}.",
            found.api,
            pairs.join(", ")
        ),
    );
    let _ = writeln!(out, "  name: {}", key(&found.api));
    render_prefix(out, analysis);
    let additions = found.additions(analysis, &bundled);
    if found.overrides.is_empty() && additions.is_empty() {
        return;
    }
    comment(
        out,
        "  ",
        "Where the document differs from the bundled description (overrides), then the document's \
         other operations (added to it).",
    );
    out.push_str("  operations:\n");
    for (name, status, auth) in &found.overrides {
        let expected = bundled.operation(name).and_then(|op| op.status);
        let _ = writeln!(out, "    {}:", key(name));
        if let Some(status) = status {
            let was = expected
                .map(|s| format!(" (the bundled description says {s})"))
                .unwrap_or_default();
            let _ = writeln!(out, "      status: {status}   # documented{was}");
        }
        if let Some(auth) = auth {
            let _ = writeln!(
                out,
                "      auth: {auth}   # as the document declares its security"
            );
        }
    }
    for op in &additions {
        render_op(out, op);
    }
}

fn render_op(out: &mut String, op: &Op) {
    let indent = "    ";
    let title = match (&op.operation_id, &op.summary) {
        (Some(id), Some(summary)) => Some(format!("{id}: {}", first_line(summary))),
        (Some(id), None) => Some(id.clone()),
        (None, Some(summary)) => Some(first_line(summary)),
        (None, None) => None,
    };
    if let Some(title) = title {
        comment(out, indent, &title);
    }
    for note in &op.notes {
        comment(out, indent, note);
    }
    let mut lines = Vec::new();
    lines.push(format!("{}:", key(&op.name)));
    if let Some(service) = &op.service {
        lines.push(format!("  service: {}", key(service)));
    }
    lines.push(format!("  method: {}", op.method));
    lines.push(format!("  path: {}", json(&op.path)));
    if !op.headers.is_empty() {
        let pairs: Vec<String> = op
            .headers
            .iter()
            .map(|(name, value)| format!("{}: {}", json(name), json(value)))
            .collect();
        lines.push(format!("  headers: {{{}}}", pairs.join(", ")));
    }
    if !op.auth {
        lines.push("  auth: false".into());
    }
    if let Some(reads) = op.reads {
        lines.push(format!("  reads: {reads}"));
    }
    if let Some(body) = &op.json {
        lines.push(format!("  json: {}", body.to_flow()));
    }
    if let Some(prompt) = &op.prompt {
        lines.push(format!(
            "  prompt: {}   # the message, for the agent checks",
            json(prompt)
        ));
    }
    if !op.creates.is_empty() {
        let pairs: Vec<String> = op
            .creates
            .iter()
            .map(|(name, pointer)| format!("{}: {}", json(name), json(pointer)))
            .collect();
        lines.push(format!("  creates: {{{}}}", pairs.join(", ")));
    }
    if let Some(status) = op.status {
        lines.push(format!("  status: {status}"));
    }
    match &op.disabled {
        None => {
            for line in lines {
                let _ = writeln!(out, "{indent}{line}");
            }
        }
        Some(reason) => {
            comment(out, indent, reason);
            for line in lines {
                let _ = writeln!(out, "{indent}# {line}");
            }
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

const RULES: &str = "How these were inferred: a POST on a collection whose item route exists `creates` \
the item id (pointer: `id`, else the parameter's name, else <singular>_id in the success answer), and \
any POST whose answer has a property named like a path id creates it; bodies hold the required \
properties plus optional strings (the first one \"{canary}\"); ids in bodies only when required; \
required query parameters are in the path; `status` is the lowest documented 2xx. An operation that \
uses an id nothing creates is commented out with a TODO.";

const PRINCIPALS: &str = "\
# TODO: two DISTINCT users your API accepts. `sub` goes into the token (the issuer's user claim) and is
# the {user_id} of their requests; the harness checks that neither can reach the other's data.
principals:
  alice:
    sub: alice
  bob:
    sub: bob
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_wrap_at_the_width() {
        let mut out = String::new();
        let long = "word ".repeat(40);
        comment(&mut out, "  ", long.trim());
        for line in out.lines() {
            assert!(line.len() <= WIDTH, "{line}");
            assert!(line.starts_with("  # "), "{line}");
        }
        assert!(out.lines().count() > 1);
    }

    #[test]
    fn keys_are_quoted_when_they_could_be_misread() {
        assert_eq!(key("items.create"), "items.create");
        assert_eq!(key("null"), "\"null\"");
        assert_eq!(key("1st"), "\"1st\"");
        assert_eq!(key("a b"), "\"a b\"");
    }
}
