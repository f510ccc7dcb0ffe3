//! What a case keeps once judged (so memory does not grow with the run), how long texts are cut, and
//! the run's evidence budget: the texts of the first failures are kept at [`KEPT_BODY_BYTES`], those
//! after at [`EXCERPT_BYTES`].

use super::{CaseResult, ExchangeRecord, ReceivedResponse, Verdict};

/// Most bytes of a body kept in the record of a case that did not pass; the rest is summarised by its
/// length and SHA-256.
pub const KEPT_BODY_BYTES: usize = 64 * 1024;

/// Most bytes of a text kept once the run's [`EVIDENCE_BUDGET_BYTES`] are spent (still followed by the
/// whole's length and SHA-256).
pub const EXCERPT_BYTES: usize = 1024;

/// Bytes of evidence (tokens, header values and bodies of culprit exchanges) that a run keeps at
/// [`KEPT_BODY_BYTES`] per text, charged in the order cases are final ([`EvidenceBudget`]).
pub const EVIDENCE_BUDGET_BYTES: usize = 16 * 1024 * 1024;

impl CaseResult {
    /// Keeps what the reports need, as soon as the case is judged, so that memory does not grow with
    /// the run: every exchange keeps its phase, actor, method, URL, mutation, status, timing and
    /// error (no token, headers or bodies), except the culprit of a case that did not pass, which
    /// keeps everything, its bodies, token and header values cut at [`KEPT_BODY_BYTES`].
    pub fn retain(&mut self) {
        self.slim_unkept();
        if let Some(culprit) = self.kept_exchange() {
            self.exchanges[culprit].cut(KEPT_BODY_BYTES, true);
        }
    }

    /// The first half of [`Self::retain`]: every exchange but the one kept whole drops its token,
    /// headers and bodies (what is left of them needs no further work, such as redaction).
    pub fn slim_unkept(&mut self) {
        let kept = self.kept_exchange();
        for (index, exchange) in self.exchanges.iter_mut().enumerate() {
            if Some(index) != kept {
                exchange.slim();
            }
        }
    }

    /// The exchange a case keeps whole: the culprit of a case that did not pass.
    fn kept_exchange(&self) -> Option<usize> {
        self.culprit
            .filter(|&index| self.verdict != Verdict::Pass && index < self.exchanges.len())
    }

    /// Bytes of the tokens, header values and bodies the case keeps.
    pub fn evidence_bytes(&self) -> usize {
        self.exchanges
            .iter()
            .map(ExchangeRecord::evidence_bytes)
            .sum()
    }

    /// Cuts every kept text at [`EXCERPT_BYTES`] (the token too unless `keep_token`: the run-wide
    /// folds read the culprit's token), keeping the whole's length and SHA-256.
    pub fn excerpt(&mut self, keep_token: bool) {
        for exchange in &mut self.exchanges {
            exchange.cut(EXCERPT_BYTES, !keep_token);
        }
    }
}

/// How a case's evidence was kept by the [`EvidenceBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// At [`KEPT_BODY_BYTES`] per text.
    Whole,
    /// At [`EXCERPT_BYTES`] per text.
    Excerpt,
}

/// The run's evidence budget: a case keeps its texts at [`KEPT_BODY_BYTES`] while the evidence kept
/// by the cases charged before it is under [`EVIDENCE_BUDGET_BYTES`], and excerpts after. Charged in
/// an order fixed by the plan (never the order cases finish in), the same answers give the same
/// reports.
#[derive(Debug, Clone)]
pub struct EvidenceBudget {
    limit: usize,
    spent: usize,
}

impl Default for EvidenceBudget {
    fn default() -> Self {
        EvidenceBudget::new(EVIDENCE_BUDGET_BYTES)
    }
}

impl EvidenceBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        EvidenceBudget { limit, spent: 0 }
    }

    /// Whether every case charged from now on is excerpted.
    pub fn spent(&self) -> bool {
        self.spent >= self.limit
    }

    /// Bytes left before the budget is spent.
    pub fn left(&self) -> usize {
        self.limit.saturating_sub(self.spent)
    }

    /// Charges `case`, the next in the budget's order: it keeps its texts whole while the budget is
    /// not spent, else it is excerpted (its token too unless `keep_token`).
    pub fn charge(&mut self, case: &mut CaseResult, keep_token: bool) -> Kept {
        if self.spent() {
            case.excerpt(keep_token);
            return Kept::Excerpt;
        }
        self.spent = self.spent.saturating_add(case.evidence_bytes());
        Kept::Whole
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

    /// Cuts the header values (one carries the token), the bodies and, when `token`, the token at
    /// `limit` bytes.
    fn cut(&mut self, limit: usize, token: bool) {
        if token && let Some(token) = &mut self.token {
            cut_text(token, limit);
        }
        for (_, value) in &mut self.request.headers {
            cut_text(value, limit);
        }
        if let Some(body) = &mut self.request.body {
            cut_text(body, limit);
        }
        if let Some(response) = &mut self.response {
            response.cut(limit);
        }
    }

    fn evidence_bytes(&self) -> usize {
        let texts = |headers: &[(String, String)]| -> usize {
            headers
                .iter()
                .map(|(name, value)| name.len() + value.len())
                .sum()
        };
        self.token.as_ref().map_or(0, String::len)
            + texts(&self.request.headers)
            + self.request.body.as_ref().map_or(0, String::len)
            + self
                .response
                .as_ref()
                .map_or(0, |response| texts(&response.headers) + response.body.len())
    }
}

impl ReceivedResponse {
    /// Cuts the header values and the body at `limit` bytes.
    fn cut(&mut self, limit: usize) {
        for (_, value) in &mut self.headers {
            cut_text(value, limit);
        }
        cut_text(&mut self.body, limit);
    }

    /// The answer as a case's record keeps it while the case runs: header values and body cut at
    /// [`KEPT_BODY_BYTES`] (only the kept part is copied).
    pub fn kept(&self) -> ReceivedResponse {
        ReceivedResponse {
            status: self.status,
            headers: self
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), capped(value)))
                .collect(),
            body: capped(&self.body),
            body_truncated: self.body_truncated,
            elapsed: self.elapsed,
        }
    }
}

/// What follows the kept part of a cut text.
const CUT_MARK: &str = "\n[... cut by authconform: ";

/// Whether `text` was cut by [`capped`] (it is then no longer the text that was sent).
pub fn is_cut(text: &str) -> bool {
    text.contains(CUT_MARK)
}

/// A text split into its kept part and the whole's length and SHA-256 (hex): its own when it was
/// never cut, else those its cut mark records.
struct Whole<'a> {
    kept: &'a str,
    len: usize,
    sha256: Option<&'a str>,
}

impl<'a> Whole<'a> {
    fn of(text: &'a str) -> Whole<'a> {
        let parsed = text.rfind(CUT_MARK).and_then(|at| {
            let mark = text[at + CUT_MARK.len()..].strip_suffix(']')?;
            let (len, hex) = mark.split_once(" bytes in all, sha256 ")?;
            // Only where a cut of ours ends (a character is at most 4 bytes long).
            let ours = [KEPT_BODY_BYTES, EXCERPT_BYTES]
                .iter()
                .any(|limit| (limit - 3..=*limit).contains(&at));
            let whole = ours && hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
            whole.then_some(Whole {
                kept: &text[..at],
                len: len.parse().ok()?,
                sha256: Some(hex),
            })
        });
        parsed.unwrap_or(Whole {
            kept: text,
            len: text.len(),
            sha256: None,
        })
    }

    /// The kept part cut at `limit` (on a character boundary) and the mark, or `None` when the kept
    /// part is within `limit` already.
    fn cut(&self, limit: usize) -> Option<String> {
        if self.kept.len() <= limit {
            return None;
        }
        let kept = cut_at(self.kept, limit);
        let mark = match self.sha256 {
            Some(hex) => mark(self.len, hex),
            None => cut_mark(self.kept.as_bytes()),
        };
        Some(format!("{kept}{mark}"))
    }
}

/// `text` cut at `limit` bytes, on a character boundary.
fn cut_at(text: &str, limit: usize) -> &str {
    let mut cut = limit.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// The mark of a whole of `len` bytes whose SHA-256 is `hex`.
fn mark(len: usize, hex: &str) -> String {
    format!("{CUT_MARK}{len} bytes in all, sha256 {hex}]")
}

/// The mark that follows the kept part of a text cut from `whole`: the whole's length and SHA-256.
/// [`kept_part`] of a text and this mark of it make [`capped`] of it.
pub(crate) fn cut_mark(whole: &[u8]) -> String {
    mark(whole.len(), &sha256_hex(whole))
}

/// The part of `text` that [`capped`] keeps when `text` is longer than [`KEPT_BODY_BYTES`] (the
/// mark, [`cut_mark`], is not written: a record may write it only when it is kept); `None` when the
/// text is kept whole.
pub(crate) fn kept_part(text: &str) -> Option<&str> {
    (text.len() > KEPT_BODY_BYTES).then(|| cut_at(text, KEPT_BODY_BYTES))
}

fn sha256_hex(bytes: &[u8]) -> String {
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Cuts `text` at `limit` bytes (on a character boundary), followed by the whole's length and
/// SHA-256; a text already cut keeps the length and hash of the whole it was cut from.
fn cut_text(text: &mut String, limit: usize) {
    if text.len() <= limit {
        return;
    }
    if let Some(cut) = Whole::of(text).cut(limit) {
        *text = cut;
    }
}

/// A copy of `text` as received or sent, cut at [`KEPT_BODY_BYTES`] (on a character boundary) and
/// followed by the whole's length and SHA-256 when it is longer; only the kept part is copied.
pub(crate) fn capped(text: &str) -> String {
    let whole = Whole {
        kept: text,
        len: text.len(),
        sha256: None,
    };
    whole
        .cut(KEPT_BODY_BYTES)
        .unwrap_or_else(|| text.to_string())
}
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Phase, ReceivedResponse, SentRequest};
    use super::*;

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
        CaseResult::sample(verdict, vec![exchange(body)])
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

    #[test]
    fn a_failure_keeps_its_culprit_whole_and_its_other_requests_one_line() {
        let mut failed = case(Verdict::Error, "the body");
        failed.exchanges.insert(0, exchange("setup body"));
        failed.exchanges[0].error = Some("a note on the first".into());
        failed.culprit = Some(1);
        failed.retain();
        let [first, culprit] = failed.exchanges.as_slice() else {
            panic!("two exchanges")
        };
        assert!(first.token.is_none() && first.request.headers.is_empty());
        assert_eq!(first.response.as_ref().unwrap().status, 401);
        assert!(first.response.as_ref().unwrap().body.is_empty());
        assert_eq!(first.error.as_deref(), Some("a note on the first"));
        assert_eq!(culprit.response.as_ref().unwrap().body, "the body");
        assert_eq!(culprit.token.as_deref(), Some("t.o.k"));
    }

    #[test]
    fn a_cut_text_cut_again_keeps_the_length_and_hash_of_the_whole() {
        let long = "b".repeat(3 * KEPT_BODY_BYTES);
        let first = capped(&long);
        let mut again = first.clone();
        cut_text(&mut again, KEPT_BODY_BYTES);
        assert_eq!(again, first, "cutting at the same size changes nothing");
        cut_text(&mut again, EXCERPT_BYTES);
        let mark = &first[first.rfind(CUT_MARK).unwrap()..];
        assert!(mark.contains(&format!("{} bytes in all, sha256 ", long.len())));
        assert_eq!(again, format!("{}{mark}", &long[..EXCERPT_BYTES]));
        // A target's text that only looks like a cut is cut like any other.
        let forged = format!(
            "{}{CUT_MARK}1 bytes in all, sha256 {}]",
            "c".repeat(70_000),
            "0".repeat(64)
        );
        assert!(capped(&forged).contains(&format!("{} bytes in all", forged.len())));
    }

    #[test]
    fn the_kept_part_and_the_mark_make_the_capped_text() {
        // A character of 2 bytes across the cut, and a text of exactly the limit.
        let long = format!("a{}", "é".repeat(KEPT_BODY_BYTES));
        let kept = kept_part(&long).expect("cut");
        assert_eq!(kept.len(), KEPT_BODY_BYTES - 1);
        assert_eq!(
            format!("{kept}{}", cut_mark(long.as_bytes())),
            capped(&long)
        );
        let exact = "x".repeat(KEPT_BODY_BYTES);
        assert_eq!(kept_part(&exact), None);
        assert_eq!(capped(&exact), exact);
    }

    #[test]
    fn the_budget_keeps_cases_whole_until_spent_then_excerpts() {
        let long = "d".repeat(2 * KEPT_BODY_BYTES);
        let mut budget = EvidenceBudget::new(KEPT_BODY_BYTES + 1);
        let mut kept = Vec::new();
        for _ in 0..3 {
            let mut failed = case(Verdict::Fail, &long);
            failed.retain();
            let whole = failed.evidence_bytes();
            kept.push((
                budget.charge(&mut failed, false),
                whole,
                failed.evidence_bytes(),
            ));
        }
        assert_eq!(kept[0].0, Kept::Whole);
        assert_eq!(kept[0].1, kept[0].2);
        assert!(kept[0].1 > KEPT_BODY_BYTES);
        assert!(budget.spent());
        for (how, whole, after) in &kept[1..] {
            assert_eq!(*how, Kept::Excerpt);
            assert!(
                *after < 3 * (EXCERPT_BYTES + 200) && after < whole,
                "{after}"
            );
        }
    }
}
