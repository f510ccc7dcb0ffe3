//! Valid credentials kept out of reports: the principals' valid tokens (which a target accepts, and
//! which CI uploads with its reports) are replaced by a placeholder that names whose token it was, so
//! that a reproducer can make an equivalent one (`authconform mint`). Forged tokens stay: they are the
//! evidence.

use memchr::memmem;

use super::{CaseResult, ExchangeRecord};

/// What stands in a record for the valid token of `principal`.
pub fn placeholder(principal: &str) -> String {
    format!("{OPEN}{principal}{CLOSE}")
}

const OPEN: &str = "[valid token of ";
const CLOSE: &str = "]";

/// Whether `token` is exactly the placeholder of a principal's valid token (which the issuer signed).
pub fn is_redacted(token: &str) -> bool {
    token
        .strip_prefix(OPEN)
        .and_then(|rest| rest.strip_suffix(CLOSE))
        .is_some_and(is_principal_name)
}

/// The principals whose valid token was redacted from `text`, in order of first appearance.
pub fn redacted_principals(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find(CLOSE) else { break };
        let name = &after[..end];
        if is_principal_name(name) && !names.contains(&name) {
            names.push(name);
        }
        rest = &after[end..];
    }
    names
}

/// A principal name as a profile can spell it (a YAML key without spaces or brackets).
fn is_principal_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !matches!(c, '[' | ']' | '\'' | '"'))
}

impl CaseResult {
    /// Replaces each of `valid` (principal, token) wherever it appears in the case's records: the
    /// token sent, the request's URL, headers and body, and the answer's headers and body (an answer
    /// may echo it). A forged token that contains a valid one (a valid token with a byte appended)
    /// keeps the rest around the placeholder.
    pub fn redact(&mut self, valid: &[(String, String)]) {
        for (principal, token) in valid {
            if token.is_empty() {
                continue;
            }
            let valid = Valid {
                token,
                finder: memmem::Finder::new(token.as_bytes()),
                stand_in: placeholder(principal),
            };
            for exchange in &mut self.exchanges {
                exchange.redact(&valid);
            }
            valid.replace(&mut self.reason);
        }
    }
}

impl ExchangeRecord {
    fn redact(&mut self, valid: &Valid<'_>) {
        if let Some(sent) = &mut self.token {
            valid.replace(sent);
        }
        valid.replace(&mut self.request.url);
        for (_, value) in &mut self.request.headers {
            valid.replace(value);
        }
        if let Some(body) = &mut self.request.body {
            valid.replace(body);
        }
        if let Some(response) = &mut self.response {
            for (_, value) in &mut response.headers {
                valid.replace(value);
            }
            valid.replace(&mut response.body);
        }
        if let Some(error) = &mut self.error {
            valid.replace(error);
        }
    }
}

/// One valid token, what stands for it, and a searcher for it built once for every text of a case
/// (the texts include 1 MiB attack tokens and answers of megabytes: memchr's SIMD search, not
/// `str::contains`).
struct Valid<'a> {
    token: &'a str,
    finder: memmem::Finder<'a>,
    stand_in: String,
}

impl Valid<'_> {
    /// `text` with every occurrence of the token replaced; allocates only when it occurs. The
    /// occurrences are those the searcher finds (as `str::replace` would, left to right, not
    /// overlapping), without building a searcher for each text.
    fn replace(&self, text: &mut String) {
        let mut found = self.finder.find_iter(text.as_bytes()).peekable();
        if found.peek().is_none() {
            return;
        }
        let mut replaced = String::with_capacity(text.len());
        let mut from = 0;
        for at in found {
            replaced.push_str(&text[from..at]);
            replaced.push_str(&self.stand_in);
            from = at + self.token.len();
        }
        replaced.push_str(&text[from..]);
        *text = replaced;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Phase, ReceivedResponse, SentRequest, Verdict};
    use super::*;

    fn case(token: &str) -> CaseResult {
        let exchange = ExchangeRecord {
            phase: Phase::Step,
            index: 0,
            actor: "bob".into(),
            token: Some(format!("{token}.")),
            mutation: Some("trailing-dot".into()),
            request: SentRequest {
                method: "POST".into(),
                url: format!("http://127.0.0.1:1/a?access_token={token}"),
                headers: vec![
                    ("authorization".into(), format!("Bearer {token}")),
                    ("x-other".into(), "kept".into()),
                ],
                body: Some(format!("{{\"t\":\"{token}\"}}")),
            },
            response: Some(ReceivedResponse {
                status: 200,
                headers: vec![("x-echo".into(), token.into())],
                body: format!("you sent {token}"),
                body_truncated: false,
                elapsed: Duration::from_millis(3),
            }),
            error: None,
        };
        let mut case = CaseResult::sample(Verdict::Fail, vec![exchange]);
        case.reason = format!("accepted {token}");
        case
    }

    #[test]
    fn a_valid_token_is_replaced_everywhere_it_appears() {
        let token = "eyJh.eyJz.c2ln";
        let mut result = case(token);
        result.redact(&[("bob".into(), token.into())]);
        let text = format!("{result:?}");
        assert!(!text.contains(token), "{text}");
        let kept = &result.exchanges[0];
        assert_eq!(kept.token.as_deref(), Some("[valid token of bob]."));
        assert_eq!(kept.request.headers[0].1, "Bearer [valid token of bob]");
        assert_eq!(kept.request.headers[1].1, "kept");
        assert!(
            kept.request
                .url
                .ends_with("access_token=[valid token of bob]")
        );
        assert_eq!(result.reason, "accepted [valid token of bob]");
    }

    #[test]
    fn every_occurrence_is_replaced_as_str_replace_would() {
        let token = "aXa";
        let valid = Valid {
            token,
            finder: memmem::Finder::new(token.as_bytes()),
            stand_in: placeholder("alice"),
        };
        for text in [
            "aXa",
            "aXaXa",
            "aXaaXa!",
            "-aXa-aXa-",
            "no token",
            "",
            "é aXa é",
        ] {
            let mut replaced = text.to_string();
            valid.replace(&mut replaced);
            assert_eq!(
                replaced,
                text.replace(token, &placeholder("alice")),
                "{text:?}"
            );
        }
    }

    #[test]
    fn other_tokens_and_empty_ones_are_left_alone() {
        let mut result = case("forged.token.sig");
        let before = result.clone();
        result.redact(&[
            ("bob".into(), "other.valid.sig".into()),
            ("x".into(), "".into()),
        ]);
        assert_eq!(result, before);
    }

    #[test]
    fn placeholders_name_their_principals_once_each() {
        let text = "Bearer [valid token of alice] and [valid token of bob], [valid token of alice]";
        assert_eq!(redacted_principals(text), vec!["alice", "bob"]);
        assert!(redacted_principals("[valid token of two words]").is_empty());
        assert!(redacted_principals("[valid token of alice").is_empty());
        assert_eq!(redacted_principals(&placeholder("svc-1")), vec!["svc-1"]);
        assert!(is_redacted(&placeholder("alice")));
        assert!(!is_redacted(&format!("{}.", placeholder("alice"))));
        assert!(!is_redacted("eyJh.eyJz.c2ln"));
    }
}
