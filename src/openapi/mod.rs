//! OpenAPI 3.0 / 3.1 documents, read from a file or fetched from an http(s) URL, for `authconform init`.
//!
//! Why a typed subset of our own rather than a crate: of the maintained crates, `openapiv3` models 3.0
//! only (3.1 "was an incompatible change"), `oas3` models 3.1 only, and `roas` has a separate type tree
//! per version and calls itself early-stage and unstable. FastAPI emits 3.1 (since 0.99) and older
//! generators 3.0, and `init` needs a small part of either (paths, parameters, request and response
//! schemas, security), so [`model`] is one lenient set of serde types that reads both: unknown fields
//! are ignored and the few version differences are absorbed there. Text is parsed by serde-saphyr
//! (YAML) or serde_json (a document that starts with `{`), so every syntax error has file:line:column.
//!
//! A URL is fetched with the project's hardened client ([`crate::wire::HttpClient`]): no redirects
//! followed (a redirect is an error naming the new location), no proxy, a 10 s timeout and a
//! [`MAX_DOCUMENT_BYTES`] cap.

pub mod model;
pub mod refs;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::wire::{HttpClient, RequestSpec, TargetSettings};
use crate::yaml::{Position, YamlError};

pub use model::Document;
pub use refs::{RefProblem, Resolver};

/// Largest document fetched from a URL.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// Where a document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local file.
    File(PathBuf),
    /// An http or https URL.
    Url(String),
}

impl Source {
    /// A URL when `text` has a scheme (`scheme://`), else a file path. Only http and https URLs are
    /// accepted.
    pub fn parse(text: &str) -> Result<Source, OpenApiError> {
        if let Some((scheme, _)) = text.split_once("://")
            && !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            let url = url::Url::parse(text)
                .map_err(|err| OpenApiError::Fetch(format!("{text}: not a valid URL: {err}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(OpenApiError::Fetch(format!(
                    "{text}: only http and https URLs are supported (or give a file path)"
                )));
            }
            return Ok(Source::Url(text.to_string()));
        }
        Ok(Source::File(PathBuf::from(text)))
    }

    /// How messages name it.
    pub fn label(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Url(url) => url.clone(),
        }
    }
}

/// A document could not be read or is not one `init` can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenApiError {
    /// The file cannot be read.
    #[error("{0}")]
    Read(String),
    /// The URL is not usable or did not answer 2xx.
    #[error("{0}")]
    Fetch(String),
    /// The URL's host could not be reached.
    #[error("{0}")]
    Unreachable(String),
    /// A YAML or JSON syntax (or shape) error, located.
    #[error(transparent)]
    Syntax(#[from] YamlError),
    /// Parsed, but not an OpenAPI 3 document with paths.
    #[error("{0}")]
    Unsupported(String),
}

/// Reads (or fetches) and parses the document.
pub fn load(source: &Source) -> Result<Document, OpenApiError> {
    let text = match source {
        Source::File(path) => crate::yaml::read_limited(path, MAX_DOCUMENT_BYTES as u64)
            .map_err(|message| OpenApiError::Read(format!("{}: {message}", path.display())))?,
        Source::Url(url) => fetch(url)?,
    };
    parse(Path::new(&source.label()), &text)
}

/// Fetches `url` without following redirects; the body must be at most [`MAX_DOCUMENT_BYTES`].
fn fetch(url: &str) -> Result<String, OpenApiError> {
    let settings = TargetSettings {
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        max_body_bytes: MAX_DOCUMENT_BYTES,
        ..TargetSettings::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| OpenApiError::Fetch(format!("cannot start the HTTP runtime: {err}")))?;
    let exchange = runtime.block_on(async {
        let client =
            HttpClient::new(settings).map_err(|err| OpenApiError::Fetch(err.to_string()))?;
        let spec = RequestSpec::new(reqwest::Method::GET, url).header(
            "accept",
            "application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.1",
        );
        client.send(&spec).await.map_err(|err| match err {
            crate::wire::SendError::Build(reason) => {
                OpenApiError::Fetch(format!("{url}: {reason}"))
            }
            other => OpenApiError::Unreachable(format!("{url}: {other}")),
        })
    })?;
    if (300..400).contains(&exchange.status) {
        let location = exchange
            .header("location")
            .unwrap_or("(no Location header)");
        return Err(OpenApiError::Fetch(format!(
            "{url} answered {} redirecting to {location}; redirects are not followed, give the final URL",
            exchange.status
        )));
    }
    if !(200..300).contains(&exchange.status) {
        return Err(OpenApiError::Fetch(format!(
            "{url} answered {}, not 2xx",
            exchange.status
        )));
    }
    if exchange.body_truncated {
        return Err(OpenApiError::Fetch(format!(
            "{url}: the document is larger than {} MiB",
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(exchange.body)
        .map_err(|_| OpenApiError::Fetch(format!("{url}: the answer is not UTF-8 text")))
}

/// Parses document `text` that came from `origin` (used in messages), checks that it is OpenAPI 3 and
/// has paths.
pub fn parse(origin: &Path, text: &str) -> Result<Document, OpenApiError> {
    let doc: Document = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|err| {
            let position = (err.line() > 0).then(|| Position {
                line: err.line() as u64,
                column: err.column() as u64,
            });
            let message = err.to_string();
            let message = match message.rfind(" at line ") {
                Some(index) => message[..index].to_string(),
                None => message,
            };
            YamlError::at(origin, position, message)
        })?
    } else {
        crate::yaml::parse_str(origin, text)?
    };
    let label = origin.display();
    if doc.swagger.is_some() {
        return Err(OpenApiError::Unsupported(format!(
            "{label}: Swagger 2.0 is not supported; convert it to OpenAPI 3 first, e.g. with swagger2openapi"
        )));
    }
    let version = match &doc.openapi {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(other) => other.to_string(),
        None => {
            return Err(OpenApiError::Unsupported(format!(
                "{label}: not an OpenAPI document (no `openapi` version field)"
            )));
        }
    };
    if !version.starts_with("3.") {
        return Err(OpenApiError::Unsupported(format!(
            "{label}: OpenAPI {version} is not supported; init reads OpenAPI 3.0 and 3.1"
        )));
    }
    if doc.paths.as_ref().is_none_or(|paths| paths.is_empty()) {
        return Err(OpenApiError::Unsupported(format!(
            "{label}: the document has no paths, so there is nothing to test"
        )));
    }
    Ok(doc)
}

/// The document's `openapi` version as text.
pub fn version(doc: &Document) -> String {
    match &doc.openapi {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Document, OpenApiError> {
        parse(Path::new("doc"), text)
    }

    #[test]
    fn yaml_and_json_documents_parse_in_document_order() {
        let yaml = "openapi: 3.0.3\ninfo: {title: T, version: 1}\npaths:\n  /b: {get: {responses: {200: {description: ok}}}}\n  /a: {}\n  x-internal: true\n";
        let doc = parse_text(yaml).unwrap();
        let paths: Vec<&str> = doc.paths.as_ref().unwrap().iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["/b", "/a"]);
        let get = doc
            .paths
            .as_ref()
            .unwrap()
            .get("/b")
            .unwrap()
            .get
            .as_ref()
            .unwrap();
        assert_eq!(get.responses.iter().next().unwrap().0, "200");
        let json = r#"{"openapi": "3.1.0", "paths": {"/z": {}, "/y": {}}}"#;
        let doc = parse_text(json).unwrap();
        let paths: Vec<&str> = doc.paths.as_ref().unwrap().iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["/z", "/y"]);
        assert_eq!(version(&doc), "3.1.0");
    }

    #[test]
    fn unquoted_version_numbers_are_read() {
        let doc = parse_text("openapi: 3.1\npaths: {/a: {}}\n").unwrap();
        assert!(version(&doc).starts_with("3.1"));
    }

    #[test]
    fn swagger_2_no_paths_and_other_versions_are_refused() {
        let err = parse_text("swagger: \"2.0\"\npaths: {/a: {}}\n").unwrap_err();
        assert!(
            err.to_string().contains("Swagger 2.0 is not supported"),
            "{err}"
        );
        assert!(err.to_string().contains("swagger2openapi"), "{err}");
        let err = parse_text("openapi: 3.0.0\npaths: {}\n").unwrap_err();
        assert!(err.to_string().contains("no paths"), "{err}");
        let err = parse_text("openapi: 4.0.0\npaths: {/a: {}}\n").unwrap_err();
        assert!(err.to_string().contains("not supported"), "{err}");
        let err = parse_text("title: x\n").unwrap_err();
        assert!(err.to_string().contains("not an OpenAPI document"), "{err}");
    }

    #[test]
    fn syntax_errors_are_located() {
        let err = parse_text("{\"openapi\": \"3.1.0\",\n  \"paths\": {,}}").unwrap_err();
        let OpenApiError::Syntax(yaml) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(yaml.position.map(|p| p.line), Some(2), "{err}");
        assert!(err.to_string().starts_with("doc:2:"), "{err}");
        let err = parse_text("openapi: 3.1.0\npaths:\n  /a: [\n").unwrap_err();
        assert!(matches!(err, OpenApiError::Syntax(_)), "{err:?}");
        assert!(err.to_string().starts_with("doc:"), "{err}");
    }

    #[test]
    fn sources_are_files_or_http_urls() {
        assert_eq!(
            Source::parse("specs/openapi.yaml").unwrap(),
            Source::File("specs/openapi.yaml".into())
        );
        assert!(matches!(
            Source::parse("http://127.0.0.1:8000/openapi.json").unwrap(),
            Source::Url(_)
        ));
        let err = Source::parse("ftp://example.com/openapi.json").unwrap_err();
        assert!(err.to_string().contains("only http and https"), "{err}");
        assert!(Source::parse("file:///tmp/x.json").is_err());
    }
}
