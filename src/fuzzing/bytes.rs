//! A tiny, infallible reader that turns fuzzer bytes into choices (like `arbitrary::Unstructured`, without
//! the dependency): every read succeeds, and an exhausted input reads as zeros, so that choice 0 is always
//! the canonical one.

/// Reads choices from fuzzer input; never fails, returns zeros once the input is used up.
#[derive(Debug, Clone)]
pub struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        ByteReader { data, pos: 0 }
    }

    /// The next byte, or 0 when the input is used up.
    pub fn byte(&mut self) -> u8 {
        let value = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos = self.pos.saturating_add(1);
        value
    }

    /// A number in `0..n` (0 when `n` is 0 or 1). Uses two bytes when `n` exceeds 256.
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let raw = if n <= 256 {
            usize::from(self.byte())
        } else {
            usize::from(u16::from_le_bytes([self.byte(), self.byte()]))
        };
        raw % n
    }

    /// A boolean that is false for a zero byte.
    pub fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// One item of a non-empty slice (`None` for an empty one).
    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> Option<&'b T> {
        if items.is_empty() {
            return None;
        }
        items.get(self.below(items.len()))
    }

    /// Up to `max` raw bytes, length-prefixed by one byte.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let wanted = self.below(max.saturating_add(1));
        let start = self.pos.min(self.data.len());
        let end = start.saturating_add(wanted).min(self.data.len());
        self.pos = self.pos.saturating_add(wanted);
        &self.data[start..end]
    }

    /// Whatever has not been read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        self.pos = self.data.len();
        &self.data[start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhausted_input_reads_zero() {
        let mut r = ByteReader::new(&[7, 1]);
        assert_eq!(r.below(5), 2);
        assert!(r.flag());
        assert_eq!(r.byte(), 0);
        assert_eq!(r.below(1000), 0);
        assert_eq!(r.pick(&["a", "b"]), Some(&"a"));
        assert_eq!(r.pick::<u8>(&[]), None);
        assert!(r.bytes(10).is_empty());
        assert!(r.rest().is_empty());
    }

    #[test]
    fn bytes_are_length_prefixed_and_bounded() {
        let mut r = ByteReader::new(&[3, b'a', b'b', b'c', b'd']);
        assert_eq!(r.bytes(10), b"abc");
        assert_eq!(r.rest(), b"d");
        let mut short = ByteReader::new(&[200, b'x']);
        assert_eq!(short.bytes(255), b"x");
    }
}
