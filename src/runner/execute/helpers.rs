//! The small pure helpers of running a case: URLs, body padding, sizes, reasons and values.

use serde_json::Value;

use crate::outcome::{Phase, ReceivedResponse, SentRequest, capped, kept_part};
use crate::scenario::plan::Weakness;
use crate::token::mutation::Mutation;
use crate::wire::{PreparedRequest, RequestSpec};

/// The URL of a request: `path` on the target's `base_url`, or `path` itself when the expansion made
/// it absolute (an operation of another service the profile declares).
pub(crate) fn join(base_url: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{base_url}{path}")
    }
}

/// What an accepted attack token shows: the weakness of the mutation that made it, whatever the
/// scenario probed (an expired token accepted on `/mcp` is expiry not enforced, not an open
/// endpoint). A request without credentials shows what its scenario says (an open endpoint).
pub(super) fn accepted_mutation(phase: Phase, mutation: Option<&Mutation>) -> Option<Weakness> {
    let mutation = mutation.filter(|m| phase == Phase::Step && m.id != "no-credentials")?;
    Some(Weakness::registered(mutation.accepted_weakness().id))
}

/// The answer as the verdict sees it (the body is not copied when it is UTF-8).
pub(super) fn received(exchange: crate::wire::Exchange) -> ReceivedResponse {
    let body = String::from_utf8(exchange.body)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
    ReceivedResponse {
        status: exchange.status,
        headers: exchange.headers,
        body,
        body_truncated: exchange.body_truncated,
        elapsed: exchange.elapsed,
    }
}

/// The answer as a case's record keeps it ([`ReceivedResponse::kept`]), copying only the kept part.
pub(super) fn received_kept(exchange: &crate::wire::Exchange) -> ReceivedResponse {
    ReceivedResponse {
        status: exchange.status,
        headers: exchange
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), capped(value)))
            .collect(),
        body: capped(&String::from_utf8_lossy(&exchange.body)),
        body_truncated: exchange.body_truncated,
        elapsed: exchange.elapsed,
    }
}

/// The request as the record keeps it, and the indexes of the header values longer than
/// [`crate::outcome::KEPT_BODY_BYTES`]: those are kept cut, without their marks (see
/// [`super::marks`]).
pub(super) fn sent(spec: &RequestSpec) -> (SentRequest, Vec<usize>) {
    let mut long = Vec::new();
    // The token is kept whole once, in `token`; a header is cut like a body.
    let headers = spec
        .headers
        .iter()
        .enumerate()
        .map(|(index, (name, value))| {
            let kept = kept_part(value);
            if kept.is_some() {
                long.push(index);
            }
            (name.clone(), kept.unwrap_or(value).to_string())
        })
        .collect();
    let request = SentRequest {
        method: spec.method.to_string(),
        url: spec.url.clone(),
        headers,
        body: spec
            .body
            .as_ref()
            .map(|body| capped(&String::from_utf8_lossy(body))),
    };
    (request, long)
}

/// Requests beyond what servers commonly read before refusing: more than 64 KiB of headers or body.
pub(super) fn oversized(spec: &PreparedRequest) -> bool {
    const LIMIT: usize = 64 * 1024;
    spec.header_bytes() > LIMIT || spec.body().is_some_and(|body| body.len() > LIMIT)
}

/// Pads the body with trailing spaces to exactly `bytes` bytes (`body_bytes:`); JSON stays valid.
pub(super) fn pad_body(mut spec: RequestSpec, bytes: Option<usize>) -> Result<RequestSpec, String> {
    let Some(bytes) = bytes else {
        return Ok(spec);
    };
    let body = spec.body.get_or_insert_with(Vec::new);
    if body.len() > bytes {
        return Err(format!(
            "body_bytes: {bytes}, but the body is already {} bytes long",
            body.len()
        ));
    }
    body.resize(bytes, b' ');
    Ok(spec)
}

/// A JSON value as it reads inside a string: strings without quotes, others as JSON.
pub(super) fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

pub(super) fn prefixed(phase: Phase, index: usize, count: usize, reason: &str) -> String {
    if count <= 1 && phase == Phase::Step {
        reason.to_string()
    } else {
        format!("{} {}: {reason}", phase.as_str(), index + 1)
    }
}

#[cfg(test)]
mod tests {
    use reqwest::Method;

    use super::*;

    #[test]
    fn bodies_are_padded_to_the_exact_size_and_never_cut() {
        let spec = RequestSpec::new(Method::POST, "http://127.0.0.1:1/")
            .json(&serde_json::json!({"a": 1}));
        let padded = pad_body(spec.clone(), Some(65_537)).unwrap();
        let body = padded.body.unwrap();
        assert_eq!(body.len(), 65_537);
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            serde_json::json!({"a": 1}),
            "still the same JSON"
        );
        assert_eq!(pad_body(spec.clone(), None).unwrap(), spec);
        assert!(pad_body(spec, Some(3)).unwrap_err().contains("already"));
    }

    #[test]
    fn oversized_means_more_than_64_kib_of_headers_or_body() {
        let small = RequestSpec::new(Method::GET, "http://127.0.0.1:1/")
            .header("authorization", "Bearer x");
        let oversized = |spec: &RequestSpec| oversized(&PreparedRequest::new(spec.clone()));
        assert!(!oversized(&small));
        let big_header = small.clone().header("authorization", "x".repeat(70_000));
        assert!(oversized(&big_header));
        let mut big_body = small;
        big_body.body = Some(vec![b' '; 65_537]);
        assert!(oversized(&big_body));
    }
}
