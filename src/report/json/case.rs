//! A case of the JSON report as typed, borrowed records: written straight to the report's writer,
//! with no JSON value built and copied in between. The members are in the order the rest of the
//! document keeps (by name), so the text is the one a JSON value of the case gives.

use serde::Serialize;
use serde_json::Value;

use crate::outcome::{CaseResult, ExchangeRecord, ReceivedResponse, SentRequest};
use crate::scenario::plan::ScenarioInfo;

/// A case: its verdict, where its scenario is, and its exchanges.
#[derive(Serialize)]
pub(super) struct Case<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
    criterion: &'static str,
    culprit: Option<usize>,
    cwe: Option<u32>,
    duration_ms: u64,
    exchanges: Vec<Exchange<'a>>,
    file: String,
    id: &'a str,
    line: u64,
    reason: &'a str,
    requirements: &'a [String],
    scenario: &'a str,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<Value>,
    weakness: &'a str,
}

impl<'a> Case<'a> {
    /// The record of `case`, a case of `scenario`.
    pub(super) fn new(case: &'a CaseResult, scenario: &'a ScenarioInfo) -> Self {
        Case {
            baseline: case.gate.baseline.map(|state| state.as_str()),
            criterion: case.category.as_str(),
            culprit: case.culprit,
            cwe: case.weakness.cwe,
            duration_ms: case.duration.as_millis() as u64,
            exchanges: case.exchanges.iter().map(Exchange::new).collect(),
            file: scenario.file.display().to_string(),
            id: &case.id,
            line: scenario.line,
            reason: &case.reason,
            requirements: &scenario.requirements,
            scenario: &scenario.id,
            verdict: case.verdict.as_str(),
            waiver: case.gate.waiver.as_ref().map(super::waiver),
            weakness: &case.weakness.id,
        }
    }
}

/// One request of a case and what came back.
#[derive(Serialize)]
struct Exchange<'a> {
    actor: &'a str,
    error: Option<&'a str>,
    index: usize,
    mutation: Option<&'a str>,
    phase: &'static str,
    request: Request<'a>,
    response: Option<Response<'a>>,
    token: Option<&'a str>,
}

impl<'a> Exchange<'a> {
    fn new(record: &'a ExchangeRecord) -> Self {
        Exchange {
            actor: &record.actor,
            error: record.error.as_deref(),
            index: record.index,
            mutation: record.mutation.as_deref(),
            phase: record.phase.as_str(),
            request: Request::new(&record.request),
            response: record.response.as_ref().map(Response::new),
            token: record.token.as_deref(),
        }
    }
}

/// The request as sent.
#[derive(Serialize)]
struct Request<'a> {
    body: Option<&'a str>,
    headers: &'a [(String, String)],
    method: &'a str,
    url: &'a str,
}

impl<'a> Request<'a> {
    fn new(request: &'a SentRequest) -> Self {
        Request {
            body: request.body.as_deref(),
            headers: &request.headers,
            method: &request.method,
            url: &request.url,
        }
    }
}

/// The answer as kept.
#[derive(Serialize)]
struct Response<'a> {
    body: &'a str,
    body_truncated: bool,
    elapsed_ms: u64,
    headers: &'a [(String, String)],
    status: u16,
}

impl<'a> Response<'a> {
    fn new(response: &'a ReceivedResponse) -> Self {
        Response {
            body: &response.body,
            body_truncated: response.body_truncated,
            elapsed_ms: response.elapsed.as_millis() as u64,
            headers: &response.headers,
            status: response.status,
        }
    }
}

/// The most capacity the buffer of a case's text keeps between cases.
pub(super) const KEPT_SCRATCH: usize = 128 * 1024;

/// Writes `text` to `out` with every line after the first indented by `indent` (a JSON text holds a
/// raw newline only between its tokens, never inside a string).
pub(super) fn indented(
    mut text: &[u8],
    indent: &[u8],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    while let Some(at) = memchr::memchr(b'\n', text) {
        out.write_all(&text[..=at])?;
        out.write_all(indent)?;
        text = &text[at + 1..];
    }
    out.write_all(text)
}
