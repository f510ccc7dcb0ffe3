//! A curl command line that replays one request exactly (the reproducer shown for a failure).

use crate::outcome::{SentRequest, is_cut};

/// `curl` with method, headers and body, each argument single-quoted for POSIX shells. When the record
/// kept only the start of a value (a token, a header or a body longer than
/// [`crate::outcome::KEPT_BODY_BYTES`]), a first comment line says that the command is not the request
/// that was sent.
pub fn reproducer(request: &SentRequest) -> String {
    let cut = request.headers.iter().any(|(_, value)| is_cut(value))
        || request.body.as_deref().is_some_and(is_cut);
    let command = command(request);
    if cut {
        format!(
            "# not runnable as is: authconform kept only the start of a longer value (its length and SHA-256 follow the cut)\n{command}"
        )
    } else {
        command
    }
}

/// The curl command line of `request`, as recorded.
fn command(request: &SentRequest) -> String {
    let mut parts = vec!["curl".to_string(), "-i".to_string()];
    if request.method != "GET" || request.body.is_some() {
        parts.push("-X".into());
        parts.push(quote(&request.method));
    }
    for (name, value) in &request.headers {
        parts.push("-H".into());
        parts.push(quote(&format!("{name}: {value}")));
    }
    if let Some(body) = &request.body {
        parts.push("--data-raw".into());
        parts.push(quote(body));
    }
    parts.push(quote(&request.url));
    parts.join(" ")
}

/// Single-quotes `text` for a POSIX shell (`'` becomes `'\''`).
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_headers_body_and_url() {
        let request = SentRequest {
            method: "PUT".into(),
            url: "http://127.0.0.1:8000/api/alice/tasks/1".into(),
            headers: vec![("Authorization".into(), "Bearer a.b.c".into())],
            body: Some(r#"{"title":"it's"}"#.into()),
        };
        assert_eq!(
            reproducer(&request),
            r#"curl -i -X 'PUT' -H 'Authorization: Bearer a.b.c' --data-raw '{"title":"it'\''s"}' 'http://127.0.0.1:8000/api/alice/tasks/1'"#
        );
    }

    #[test]
    fn a_cut_token_is_said_not_to_be_runnable() {
        let token = "a".repeat(crate::outcome::KEPT_BODY_BYTES + 1);
        let request = SentRequest {
            method: "GET".into(),
            url: "http://h/x".into(),
            headers: vec![(
                "Authorization".into(),
                crate::outcome::capped(&format!("Bearer {token}")),
            )],
            body: None,
        };
        let shown = reproducer(&request);
        assert!(shown.starts_with("# not runnable as is"), "{shown}");
        assert!(shown.contains("\ncurl -i -H 'Authorization: Bearer aaa"));
    }

    #[test]
    fn plain_get_has_no_method_flag() {
        let request = SentRequest {
            method: "GET".into(),
            url: "http://h/x".into(),
            headers: vec![],
            body: None,
        };
        assert_eq!(reproducer(&request), "curl -i 'http://h/x'");
    }
}
