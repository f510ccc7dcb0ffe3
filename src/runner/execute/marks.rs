//! The cut marks of a record's long texts, written only if the case keeps the record: the mark of a
//! text longer than [`crate::outcome::KEPT_BODY_BYTES`] holds the whole's SHA-256, a pass over up to
//! a megabyte, and a passing case keeps no text at all.

use std::sync::Arc;

use hyper::body::Bytes;

use crate::outcome::{ExchangeRecord, cut_mark};
use crate::runner::tokens::MadeToken;

/// Where a text awaiting its mark is in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    /// The token.
    Token,
    /// The value of the request's header line at that index.
    Header(usize),
}

/// The whole a cut text was cut from: a buffer that exists anyway (the made token, a header value
/// shared with the request sent), held by a refcount, not copied.
#[derive(Debug, Clone)]
pub(super) enum WholeText {
    /// The made token's text.
    Token(Arc<MadeToken>),
    /// A header value as sent.
    Value(Bytes),
}

impl WholeText {
    fn bytes(&self) -> &[u8] {
        match self {
            WholeText::Token(made) => made.attack.token.as_deref().unwrap_or_default().as_bytes(),
            WholeText::Value(value) => value,
        }
    }
}

/// The texts of one record kept cut without their marks, and their wholes.
#[derive(Debug, Clone, Default)]
pub(super) struct Unmarked {
    texts: Vec<(Slot, WholeText)>,
}

impl Unmarked {
    /// Adds the text at `slot`, cut from `whole`.
    pub(super) fn add(&mut self, slot: Slot, whole: WholeText) {
        self.texts.push((slot, whole));
    }

    /// Writes each text's mark (its whole's length and SHA-256) after it in `record`, making it what
    /// [`crate::outcome::capped`] makes of the whole.
    pub(super) fn mark(self, record: &mut ExchangeRecord) {
        for (slot, whole) in self.texts {
            let text = match slot {
                Slot::Token => record.token.as_mut(),
                Slot::Header(index) => record.request.headers.get_mut(index).map(|(_, v)| v),
            };
            if let Some(text) = text {
                text.push_str(&cut_mark(whole.bytes()));
            }
        }
    }
}

/// The texts awaiting their marks in the last record a case pushed, the only one it can keep (the
/// culprit of a case is its last exchange; the records before it keep no text once the case is
/// retained, and their wholes are let go as soon as the next record is pushed).
#[derive(Debug, Default)]
pub(super) struct LastUnmarked {
    at: Option<usize>,
    texts: Unmarked,
}

impl LastUnmarked {
    /// `texts` are those of the record at `index`, the last pushed.
    pub(super) fn set(&mut self, index: usize, texts: Unmarked) {
        *self = LastUnmarked {
            at: Some(index),
            texts,
        };
    }

    /// Writes the marks of the record the case keeps, `kept` (an index into `exchanges`), when it is
    /// the last pushed.
    pub(super) fn mark(self, exchanges: &mut [ExchangeRecord], kept: Option<usize>) {
        if let (Some(at), Some(kept)) = (self.at, kept)
            && at == kept
            && let Some(record) = exchanges.get_mut(at)
        {
            self.texts.mark(record);
        }
    }
}
