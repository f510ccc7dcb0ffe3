//! A curl command line that replays one request exactly (the reproducer shown for a failure).

use std::fmt::Write as _;

use crate::outcome::{SentRequest, is_cut, redacted_principals, redacted_token};

/// How a reproducer mints again the valid tokens that the report left out: as which case (a case may
/// act as its own users) and with which profile file (`None`: the embedded reference profile).
#[derive(Debug, Clone, Copy)]
pub struct Remint<'a> {
    /// The case id.
    pub case: &'a str,
    /// The profile file of the run.
    pub profile: Option<&'a str>,
}

/// `curl` with method, headers and body, each argument single-quoted for POSIX shells. A principal's
/// valid token, left out of the report, is minted again first (`authconform mint`, an equivalent
/// token) into a shell variable. When the record kept only the start of a value (a token, a header or
/// a body longer than [`crate::outcome::KEPT_BODY_BYTES`]), a first comment line says that the command
/// is not the request that was sent.
pub fn reproducer(request: &SentRequest, remint: Remint<'_>) -> String {
    let cut = request.headers.iter().any(|(_, value)| is_cut(value))
        || request.body.as_deref().is_some_and(is_cut);
    let mut out = String::new();
    if cut {
        out.push_str("# not runnable as is: authconform kept only the start of a longer value (its length and SHA-256 follow the cut)\n");
    }
    let principals = principals_in(request);
    for principal in &principals {
        let _ = writeln!(out, "{}", mint_line(principal, remint));
    }
    out.push_str(&command(request, &principals));
    out
}

/// The principals whose valid token `request` carried, redacted, in order of appearance.
fn principals_in(request: &SentRequest) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let texts = std::iter::once(request.url.as_str())
        .chain(request.headers.iter().map(|(_, value)| value.as_str()))
        .chain(request.body.as_deref());
    for text in texts {
        for name in redacted_principals(text) {
            if !names.iter().any(|known| known == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// `NAME_TOKEN="$(authconform mint ...)"`: an equivalent valid token of `principal` in this case.
fn mint_line(principal: &str, remint: Remint<'_>) -> String {
    let mut line = format!(
        "{}=\"$(authconform mint --as {} --case {}",
        variable(principal),
        quote(principal),
        quote(remint.case)
    );
    if let Some(profile) = remint.profile {
        let _ = write!(line, " --profile {}", quote(profile));
    }
    line.push_str(")\"");
    line
}

/// The shell variable holding `principal`'s token: letters, digits and `_` only.
fn variable(principal: &str) -> String {
    let name: String = principal
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("TOKEN_{name}")
}

/// The curl command line of `request`, as recorded, the redacted tokens of `principals` read from
/// their shell variables.
fn command(request: &SentRequest, principals: &[String]) -> String {
    let quote = |text: &str| quote_with(text, principals);
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

/// [`quote`], with each principal's redacted token spliced in from its variable (`'"$TOKEN_ALICE"'`).
fn quote_with(text: &str, principals: &[String]) -> String {
    let mut quoted = quote(text);
    for principal in principals {
        let spliced = format!("'\"${}\"'", variable(principal));
        quoted = quoted.replace(&redacted_token(principal), &spliced);
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMBEDDED: Remint<'static> = Remint {
        case: "scn/case",
        profile: None,
    };

    #[test]
    fn a_redacted_valid_token_is_minted_again_into_a_variable() {
        let request = SentRequest {
            method: "GET".into(),
            url: format!("http://h/x?t={}", redacted_token("bob")),
            headers: vec![(
                "Authorization".into(),
                format!("Bearer {}", redacted_token("alice")),
            )],
            body: None,
        };
        let remint = Remint {
            case: "scn/it's",
            profile: Some("staging profile.yaml"),
        };
        assert_eq!(
            reproducer(&request, remint),
            r#"TOKEN_BOB="$(authconform mint --as 'bob' --case 'scn/it'\''s' --profile 'staging profile.yaml')"
TOKEN_ALICE="$(authconform mint --as 'alice' --case 'scn/it'\''s' --profile 'staging profile.yaml')"
curl -i -H 'Authorization: Bearer '"$TOKEN_ALICE"'' 'http://h/x?t='"$TOKEN_BOB"''"#
        );
        let embedded = reproducer(&request, EMBEDDED);
        assert!(
            embedded
                .starts_with("TOKEN_BOB=\"$(authconform mint --as 'bob' --case 'scn/case')\"\n")
        );
    }

    #[test]
    fn quotes_headers_body_and_url() {
        let request = SentRequest {
            method: "PUT".into(),
            url: "http://127.0.0.1:8000/api/alice/tasks/1".into(),
            headers: vec![("Authorization".into(), "Bearer a.b.c".into())],
            body: Some(r#"{"title":"it's"}"#.into()),
        };
        assert_eq!(
            reproducer(&request, EMBEDDED),
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
        let shown = reproducer(&request, EMBEDDED);
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
        assert_eq!(reproducer(&request, EMBEDDED), "curl -i 'http://h/x'");
    }
}
