//! A request made ready to send, and to send again, without copying its header values or body: a
//! header value may be a megabyte token, and a request may go out twice (the retry on a fresh
//! connection, the replay of a 5xx).

use hyper::body::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::RequestSpec;

/// A [`RequestSpec`] taken over for sending: its header values and body are moved into shared
/// buffers (refcounted, never copied) that every send of it reuses.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// Method and URL (no headers, no body).
    head: RequestSpec,
    /// Header values, in the order of the spec's lines.
    values: Vec<Bytes>,
    /// The header lines as the client takes them, or why they cannot be sent.
    headers: Result<HeaderMap, String>,
    /// Bytes of the header lines (name, value and 4 bytes of punctuation each).
    header_bytes: usize,
    body: Option<Bytes>,
}

impl PreparedRequest {
    /// Takes `spec` over: no header value or body is copied.
    pub fn new(spec: RequestSpec) -> Self {
        let RequestSpec {
            method,
            url,
            headers: lines,
            body,
        } = spec;
        let header_bytes = lines
            .iter()
            .map(|(name, value)| name.len() + value.len() + 4)
            .sum();
        let lines: Vec<(String, Bytes)> = lines
            .into_iter()
            .map(|(name, value)| (name, Bytes::from(value)))
            .collect();
        let headers = header_map(&lines);
        PreparedRequest {
            head: RequestSpec::new(method, url),
            values: lines.into_iter().map(|(_, value)| value).collect(),
            headers,
            header_bytes,
            body: body.map(Bytes::from),
        }
    }

    /// The method and URL, as a spec without headers or body.
    pub fn head(&self) -> &RequestSpec {
        &self.head
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.head.method
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.head.url
    }

    /// The header values, in the order of the spec's lines (shared with the sends).
    pub fn header_values(&self) -> &[Bytes] {
        &self.values
    }

    /// The header lines for one send (the values shared, not copied), or why they cannot be sent.
    pub fn header_map(&self) -> Result<HeaderMap, String> {
        self.headers.clone()
    }

    /// Bytes of the header lines: each name and value and 4 bytes of punctuation.
    pub fn header_bytes(&self) -> usize {
        self.header_bytes
    }

    /// The body (shared with the sends), if any.
    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }
}

/// The header lines as a header map, each value shared with `lines`.
fn header_map(lines: &[(String, Bytes)]) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::with_capacity(lines.len());
    for (name, value) in lines {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|err| format!("header name {name:?}: {err}"))?;
        let value = HeaderValue::from_maybe_shared(value.clone())
            .map_err(|err| format!("header {name}: {err}"))?;
        headers.append(name, value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_shared_not_copied_and_keep_their_order() {
        let token = "t".repeat(300_000);
        let spec = RequestSpec::new(Method::GET, "http://127.0.0.1:1/a")
            .header("x-a", "1")
            .header("authorization", format!("Bearer {token}"))
            .header("x-a", "2");
        let prepared = PreparedRequest::new(spec.clone());
        let values: Vec<&[u8]> = prepared.header_values().iter().map(|v| &v[..]).collect();
        let expected: Vec<&[u8]> = spec.headers.iter().map(|(_, v)| v.as_bytes()).collect();
        assert_eq!(values, expected);
        let map = prepared.header_map().expect("valid");
        let sent = map.get("authorization").expect("sent");
        assert_eq!(
            sent.as_bytes().as_ptr(),
            prepared.header_values()[1].as_ptr(),
            "the map's value is the prepared buffer"
        );
        let again = prepared.header_map().expect("valid");
        assert_eq!(
            again.get("authorization").unwrap().as_bytes().as_ptr(),
            sent.as_bytes().as_ptr()
        );
        let a: Vec<_> = map.get_all("x-a").iter().collect();
        assert_eq!(a, ["1", "2"]);
        assert_eq!(
            prepared.header_bytes(),
            3 + 1 + 4 + 13 + 7 + token.len() + 4 + 3 + 1 + 4
        );
        assert_eq!(
            (prepared.method(), prepared.url()),
            (&Method::GET, "http://127.0.0.1:1/a")
        );
        assert!(prepared.head().headers.is_empty() && prepared.head().body.is_none());
    }

    #[test]
    fn an_unsendable_header_is_named_as_before() {
        let spec =
            RequestSpec::new(Method::GET, "http://127.0.0.1:1/").header("x-a", "line\nbreak");
        let err = PreparedRequest::new(spec).header_map().unwrap_err();
        assert_eq!(err, "header x-a: failed to parse header value");
        let spec = RequestSpec::new(Method::GET, "http://127.0.0.1:1/").header("bad name", "v");
        let err = PreparedRequest::new(spec).header_map().unwrap_err();
        assert!(err.starts_with("header name \"bad name\": "), "{err}");
    }
}
