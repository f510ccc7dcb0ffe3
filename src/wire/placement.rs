//! Puts a token on a request the way an attack asks: header and scheme, query, cookie, form body, or
//! several at once.

use crate::token::mutation::{AttackRequest, Placement};

use super::RequestSpec;

/// How a token is presented: header name and scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    /// Header name, `Authorization` by default.
    pub header: String,
    /// Scheme, `Bearer` by default.
    pub scheme: String,
}

/// Adds the attack's credentials to `spec`. `presentation` says how this target expects a token
/// (`Authorization: Bearer` by default); transport attacks deliberately deviate from it.
pub fn place(
    mut spec: RequestSpec,
    attack: &AttackRequest,
    presentation: &Presentation,
) -> RequestSpec {
    // Borrowed, and each value written once into a buffer of its size: a token may be 1.4 MiB.
    let token = attack.token.as_deref().unwrap_or_default();
    // An empty scheme (an API key header such as `X-API-Key`) sends the token alone.
    let normal = |token: &str| {
        if presentation.scheme.is_empty() {
            token.to_string()
        } else {
            joined(&presentation.scheme, ' ', token)
        }
    };
    match &attack.placement {
        Placement::Bearer => spec
            .headers
            .push((presentation.header.clone(), normal(token))),
        Placement::Scheme(scheme) => spec
            .headers
            .push((presentation.header.clone(), joined(scheme, ' ', token))),
        Placement::Bare => spec
            .headers
            .push((presentation.header.clone(), token.to_string())),
        Placement::RawAuthorization(value) => spec
            .headers
            .push((presentation.header.clone(), value.clone())),
        Placement::Query { param } => spec.url = with_query(&spec.url, param, token),
        Placement::FormBody { field } => {
            let body = form_urlencoded(field, token);
            spec.headers.push((
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
            spec.body = Some(body.into_bytes());
        }
        Placement::Cookie { name } => spec
            .headers
            .push(("cookie".into(), joined(name, '=', token))),
        Placement::Header { name } => spec.headers.push((name.clone(), token.to_string())),
        Placement::TwoAuthorization { second } => {
            spec.headers
                .push((presentation.header.clone(), normal(token)));
            spec.headers
                .push((presentation.header.clone(), normal(second)));
        }
        Placement::BearerAndQuery { param, query_token } => {
            spec.headers
                .push((presentation.header.clone(), normal(token)));
            spec.url = with_query(&spec.url, param, query_token);
        }
        Placement::BearerAndCookie { name, cookie_token } => {
            spec.headers
                .push((presentation.header.clone(), normal(token)));
            spec.headers
                .push(("cookie".into(), format!("{name}={cookie_token}")));
        }
        Placement::None => {}
    }
    spec
}

/// `first`, `separator`, `second` in a buffer of exactly their length.
fn joined(first: &str, separator: char, second: &str) -> String {
    let mut text = String::with_capacity(first.len() + separator.len_utf8() + second.len());
    text.push_str(first);
    text.push(separator);
    text.push_str(second);
    text
}

/// Appends `param=value` to the URL's query, form-encoded; an unparsable URL is left as it is (the
/// send then fails with a clear error).
fn with_query(url: &str, param: &str, value: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.query_pairs_mut().append_pair(param, value);
            parsed.into()
        }
        Err(_) => url.to_string(),
    }
}

/// `name=value` as an `application/x-www-form-urlencoded` body.
fn form_urlencoded(name: &str, value: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn presentation() -> Presentation {
        Presentation {
            header: "Authorization".into(),
            scheme: "Bearer".into(),
        }
    }

    fn base() -> RequestSpec {
        RequestSpec::new(Method::GET, "http://127.0.0.1:1/api/alice/tasks")
    }

    #[test]
    fn bearer_uses_the_profile_scheme() {
        let spec = place(base(), &AttackRequest::bearer("t.o.k"), &presentation());
        assert_eq!(
            spec.headers,
            vec![("Authorization".to_string(), "Bearer t.o.k".to_string())]
        );
    }

    #[test]
    fn an_empty_scheme_sends_the_token_alone() {
        let api_key = Presentation {
            header: "X-API-Key".into(),
            scheme: String::new(),
        };
        let spec = place(base(), &AttackRequest::bearer("t.o.k"), &api_key);
        assert_eq!(
            spec.headers,
            vec![("X-API-Key".to_string(), "t.o.k".to_string())]
        );
    }

    #[test]
    fn query_placement_leaves_no_header_and_encodes() {
        let attack = AttackRequest::placed(
            Some("a+b".into()),
            Placement::Query {
                param: "access_token".into(),
            },
        );
        let spec = place(base(), &attack, &presentation());
        assert!(spec.headers.is_empty());
        assert_eq!(
            spec.url,
            "http://127.0.0.1:1/api/alice/tasks?access_token=a%2Bb"
        );
    }

    #[test]
    fn two_authorization_lines_are_kept_apart() {
        let attack = AttackRequest::placed(
            Some("one".into()),
            Placement::TwoAuthorization {
                second: "two".into(),
            },
        );
        let spec = place(base(), &attack, &presentation());
        assert_eq!(spec.headers.len(), 2);
        assert_eq!(spec.headers[1].1, "Bearer two");
    }

    #[test]
    fn none_sends_nothing() {
        let attack = AttackRequest::placed(None, Placement::None);
        assert_eq!(place(base(), &attack, &presentation()), base());
    }
}
