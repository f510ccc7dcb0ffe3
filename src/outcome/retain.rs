//! What a case keeps once judged (so memory does not grow with the run), and how long bodies are cut.

use super::{CaseResult, ExchangeRecord, Verdict};

/// Most bytes of a body kept in the record of a case that did not pass; the rest is summarised by its
/// length and SHA-256.
pub const KEPT_BODY_BYTES: usize = 64 * 1024;

impl CaseResult {
    /// Keeps what the reports need, as soon as the case is judged, so that memory does not grow with
    /// the run: a passing case keeps each request's phase, actor, method, URL, mutation, status and
    /// timing (no token, headers or bodies); any other case keeps everything, bodies, tokens and header
    /// values cut at [`KEPT_BODY_BYTES`].
    pub fn retain(&mut self) {
        for exchange in &mut self.exchanges {
            if self.verdict == Verdict::Pass {
                exchange.slim();
            } else {
                exchange.cap();
            }
        }
    }
}

impl ExchangeRecord {
    /// Drops the token, the headers and the bodies.
    fn slim(&mut self) {
        self.token = None;
        self.request.headers = Vec::new();
        self.request.body = None;
        if let Some(response) = &mut self.response {
            response.headers = Vec::new();
            response.body = String::new();
        }
    }

    /// Cuts the token, the header values (one carries the token) and the bodies at
    /// [`KEPT_BODY_BYTES`].
    fn cap(&mut self) {
        if let Some(token) = &mut self.token {
            cap_text(token);
        }
        for (_, value) in &mut self.request.headers {
            cap_text(value);
        }
        if let Some(body) = &mut self.request.body {
            cap_text(body);
        }
        if let Some(response) = &mut self.response {
            for (_, value) in &mut response.headers {
                cap_text(value);
            }
            cap_text(&mut response.body);
        }
    }
}

/// What follows the kept part of a cut text.
const CUT_MARK: &str = "\n[... cut by authconform: ";

/// Whether `text` was cut by [`capped`] (it is then no longer the text that was sent).
pub fn is_cut(text: &str) -> bool {
    text.contains(CUT_MARK)
}

/// `text` cut at [`KEPT_BODY_BYTES`] (on a character boundary), followed by the whole's length and
/// SHA-256.
fn cap_text(text: &mut String) {
    if text.len() > KEPT_BODY_BYTES {
        *text = capped(text);
    }
}

/// A copy of `text`, cut at [`KEPT_BODY_BYTES`] (on a character boundary) and followed by the whole's
/// length and SHA-256 when it is longer; only the kept part is copied.
pub(crate) fn capped(text: &str) -> String {
    if text.len() <= KEPT_BODY_BYTES {
        return text.to_string();
    }
    let mut cut = KEPT_BODY_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}{CUT_MARK}{} bytes in all, sha256 {hex}]",
        &text[..cut],
        text.len()
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Phase, ReceivedResponse, SentRequest};
    use super::*;
    use crate::scenario::plan::{Category, Weakness};

    fn exchange(body: &str) -> ExchangeRecord {
        ExchangeRecord {
            phase: Phase::Step,
            index: 0,
            actor: "bob".into(),
            token: Some("t.o.k".into()),
            mutation: Some("alg-none".into()),
            request: SentRequest {
                method: "GET".into(),
                url: "http://127.0.0.1:1/a".into(),
                headers: vec![("authorization".into(), "Bearer t.o.k".into())],
                body: Some(body.into()),
            },
            response: Some(ReceivedResponse {
                status: 401,
                headers: vec![("www-authenticate".into(), "Bearer".into())],
                body: body.into(),
                body_truncated: false,
                elapsed: Duration::from_millis(3),
            }),
            error: None,
        }
    }

    fn case(verdict: Verdict, body: &str) -> CaseResult {
        CaseResult {
            id: "c".into(),
            scenario: 0,
            category: Category::Enforcement,
            weakness: Weakness {
                id: "w".into(),
                cwe: None,
            },
            verdict,
            reason: String::new(),
            culprit: Some(0),
            exchanges: vec![exchange(body)],
            duration: Duration::ZERO,
        }
    }

    #[test]
    fn a_pass_keeps_the_request_line_the_mutation_and_the_status() {
        let mut passed = case(Verdict::Pass, "body");
        passed.retain();
        let kept = &passed.exchanges[0];
        assert_eq!(kept.token, None);
        assert!(kept.request.headers.is_empty() && kept.request.body.is_none());
        assert_eq!(kept.request.url, "http://127.0.0.1:1/a");
        assert_eq!(kept.mutation.as_deref(), Some("alg-none"));
        let response = kept.response.as_ref().unwrap();
        assert_eq!(response.status, 401);
        assert!(response.body.is_empty() && response.headers.is_empty());
    }

    #[test]
    fn a_failure_keeps_everything_with_long_bodies_cut_and_summarised() {
        let long = "é".repeat(KEPT_BODY_BYTES);
        let mut failed = case(Verdict::Fail, &long);
        failed.retain();
        let kept = &failed.exchanges[0];
        assert_eq!(kept.token.as_deref(), Some("t.o.k"));
        assert_eq!(kept.request.headers.len(), 1);
        let body = &kept.response.as_ref().unwrap().body;
        assert!(body.len() < KEPT_BODY_BYTES + 200, "{}", body.len());
        assert!(body.contains(&format!("{} bytes in all, sha256 ", long.len())));
        assert!(is_cut(body) && !is_cut("short"));
        let mut short = case(Verdict::Fail, "short");
        short.retain();
        assert_eq!(short.exchanges[0].response.as_ref().unwrap().body, "short");
    }

    #[test]
    fn a_failure_keeps_a_long_token_cut_and_summarised_in_the_token_and_its_header() {
        let token = "a".repeat(1024 * 1024);
        let mut failed = case(Verdict::Fail, "short");
        failed.exchanges[0].token = Some(token.clone());
        failed.exchanges[0].request.headers =
            vec![("authorization".into(), format!("Bearer {token}"))];
        failed.retain();
        let kept = &failed.exchanges[0];
        let kept_token = kept.token.as_deref().unwrap();
        assert!(kept_token.starts_with(&token[..KEPT_BODY_BYTES]));
        assert!(kept_token.len() < KEPT_BODY_BYTES + 200);
        assert!(kept_token.contains(&format!("{} bytes in all, sha256 ", token.len())));
        assert!(is_cut(&kept.request.headers[0].1));
        assert!(kept.request.headers[0].1.len() < KEPT_BODY_BYTES + 200);
    }
}
