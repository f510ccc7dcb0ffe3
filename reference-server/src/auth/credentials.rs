//! Finding the credentials in a request. The only accepted transport is one `Authorization` header
//! with the `Bearer` scheme (RFC 6750 §2.1; the scheme is case-insensitive, RFC 9110 §11.1).
//! Query parameters, cookies and other headers are not credentials.

use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;

use crate::flaws::Flaw;

/// What the request presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// No usable credentials (no header, another scheme, token only in the query or a cookie).
    Missing,
    /// A bearer token (possibly empty or garbage: verification decides).
    Token(String),
    /// More than one credential (two `Authorization` lines, or a header token plus `access_token`
    /// in the query): RFC 6750 §3.1 `invalid_request`.
    Several,
    /// A `session` cookie naming a user (only with the `session-cookie-accepted` flaw).
    SessionCookie(String),
}

/// Reads the credentials of a request.
pub fn extract(parts: &Parts, flaw: Option<Flaw>) -> Presented {
    let mut authorization = parts.headers.get_all(AUTHORIZATION).iter();
    let first = authorization.next();
    if authorization.next().is_some() {
        return Presented::Several;
    }
    let header_token = first.and_then(|value| bearer_token(value.as_bytes(), flaw));
    let query_token = parts
        .uri
        .query()
        .and_then(|q| query_param(q, "access_token"));
    match (header_token, query_token) {
        (Some(_), Some(_)) => Presented::Several,
        (Some(token), None) => Presented::Token(token),
        // FLAW token-in-query-accepted: the access_token query parameter is a credential.
        (None, Some(token)) if flaw == Some(Flaw::TokenInQueryAccepted) => Presented::Token(token),
        _ => {
            // FLAW session-cookie-accepted: a session cookie stands in for a token.
            if flaw == Some(Flaw::SessionCookieAccepted)
                && let Some(user) = session_cookie(parts)
            {
                return Presented::SessionCookie(user);
            }
            Presented::Missing
        }
    }
}

/// The token of an `Authorization` value if its scheme is `Bearer` (any case). `Bearer` with nothing
/// after it is an (empty, hence invalid) token. Other schemes and bare values are not credentials.
fn bearer_token(value: &[u8], flaw: Option<Flaw>) -> Option<String> {
    let (scheme, rest) = match value.iter().position(|b| *b == b' ') {
        Some(space) => (&value[..space], &value[space + 1..]),
        None => (value, &[][..]),
    };
    let token = String::from_utf8_lossy(rest).trim_matches(' ').to_owned();
    if scheme.eq_ignore_ascii_case(b"bearer") {
        return Some(token);
    }
    // FLAW any-auth-scheme-accepted: whatever follows any scheme, or a bare value, is the token.
    if flaw == Some(Flaw::AnyAuthSchemeAccepted) {
        return Some(if rest.is_empty() {
            String::from_utf8_lossy(scheme).into_owned()
        } else {
            token
        });
    }
    None
}

/// The first value of query parameter `name` (percent-decoded), if present.
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

/// The value of a `session` cookie (flaw `session-cookie-accepted` only).
fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == "session" && !value.is_empty())
        .map(|(_, value)| percent_decode(value))
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space); invalid escapes are kept as is.
fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::builder().uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn token(t: &str) -> Presented {
        Presented::Token(t.to_owned())
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for value in ["Bearer abc", "bearer abc", "BEARER abc", "Bearer  abc "] {
            assert_eq!(
                extract(&parts("/", &[("authorization", value)]), None),
                token("abc")
            );
        }
        assert_eq!(
            extract(&parts("/", &[("authorization", "Bearer")]), None),
            token("")
        );
        assert_eq!(
            extract(&parts("/", &[("authorization", "Bearer ")]), None),
            token("")
        );
    }

    #[test]
    fn other_transports_are_not_credentials() {
        for value in ["Basic YTpi", "Token abc", "JWT abc", "abc", "Bearerabc"] {
            assert_eq!(
                extract(&parts("/", &[("authorization", value)]), None),
                Presented::Missing,
                "{value}"
            );
        }
        assert_eq!(
            extract(&parts("/?access_token=abc", &[]), None),
            Presented::Missing
        );
        assert_eq!(
            extract(
                &parts(
                    "/",
                    &[("cookie", "session=alice"), ("x-access-token", "abc")]
                ),
                None
            ),
            Presented::Missing
        );
    }

    #[test]
    fn several_credentials_are_a_bad_request() {
        let two = parts(
            "/",
            &[("authorization", "Bearer a"), ("authorization", "Bearer b")],
        );
        assert_eq!(extract(&two, None), Presented::Several);
        let mixed = parts("/?x=1&access_token=a", &[("authorization", "Bearer b")]);
        assert_eq!(extract(&mixed, None), Presented::Several);
    }

    #[test]
    fn flaws_widen_the_transports() {
        assert_eq!(
            extract(
                &parts("/?access_token=a%2Eb", &[]),
                Some(Flaw::TokenInQueryAccepted)
            ),
            token("a.b")
        );
        assert_eq!(
            extract(
                &parts("/", &[("authorization", "Token abc")]),
                Some(Flaw::AnyAuthSchemeAccepted)
            ),
            token("abc")
        );
        assert_eq!(
            extract(
                &parts("/", &[("authorization", "abc")]),
                Some(Flaw::AnyAuthSchemeAccepted)
            ),
            token("abc")
        );
        assert_eq!(
            extract(
                &parts("/", &[("cookie", "a=1; session=bob")]),
                Some(Flaw::SessionCookieAccepted)
            ),
            Presented::SessionCookie("bob".into())
        );
    }

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(percent_decode("a%zz%4"), "a%zz%4");
        assert_eq!(percent_decode("a+b%20c"), "a b c");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}
