//! Where the API listens: `base_url` and `api.prefix`.

use serde_json::Value;

use super::Options;
use crate::openapi::model::Document;

/// The base URL used when neither `--target` nor an absolute `servers[0].url` gives one.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8000";

/// `base_url`, its comment, `api.prefix` and its comment.
pub(super) fn base_and_prefix(
    doc: &Document,
    options: &Options,
) -> (String, String, String, Option<String>) {
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
