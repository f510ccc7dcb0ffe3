//! Just enough DER (X.690) to write and read public keys: SubjectPublicKeyInfo (RFC 5280 §4.1) and
//! PKCS#1 `RSAPublicKey` (RFC 8017 §A.1.1). The reader never panics on any input.

pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
pub(crate) const TAG_NULL: u8 = 0x05;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;

/// rsaEncryption, 1.2.840.113549.1.1.1 (content bytes only).
pub(crate) const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-ecPublicKey, 1.2.840.10045.2.1.
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 / P-256, 1.2.840.10045.3.1.7.
pub(crate) const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1 / P-384, 1.3.132.0.34.
pub(crate) const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// id-Ed25519, 1.3.101.112.
pub(crate) const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// One TLV with a definite length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        let significant = &bytes[first..];
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// A non-negative INTEGER from big-endian magnitude bytes.
pub(crate) fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let trimmed = &magnitude[start..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|&b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    tlv(TAG_INTEGER, &content)
}

/// A SEQUENCE of already-encoded elements.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &parts.concat())
}

/// A BIT STRING with no unused bits.
pub(crate) fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = vec![0u8];
    content.extend_from_slice(bytes);
    tlv(TAG_BIT_STRING, &content)
}

/// A cursor over DER bytes.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Reads one TLV with the expected tag; returns its content.
    pub(crate) fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&actual, after_tag) = self.rest.split_first()?;
        if actual != tag {
            return None;
        }
        let (&first_len, mut after_len) = after_tag.split_first()?;
        let len = if first_len < 0x80 {
            usize::from(first_len)
        } else {
            let count = usize::from(first_len & 0x7f);
            if count == 0 || count > 4 || after_len.len() < count {
                return None;
            }
            let mut len = 0usize;
            for &b in &after_len[..count] {
                len = (len << 8) | usize::from(b);
            }
            after_len = &after_len[count..];
            len
        };
        if after_len.len() < len {
            return None;
        }
        let (content, rest) = after_len.split_at(len);
        self.rest = rest;
        Some(content)
    }

    /// Reads a non-negative INTEGER; returns its magnitude without leading zero bytes.
    pub(crate) fn read_unsigned(&mut self) -> Option<&'a [u8]> {
        let content = self.read(TAG_INTEGER)?;
        if content.first().is_some_and(|&b| b & 0x80 != 0) {
            return None;
        }
        let start = content
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(content.len());
        Some(&content[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_integers() {
        assert_eq!(tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = tlv(0x04, &[0u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(unsigned_integer(&[0x80]), vec![0x02, 2, 0, 0x80]);
        assert_eq!(unsigned_integer(&[0, 0, 1]), vec![0x02, 1, 1]);
        assert_eq!(unsigned_integer(&[]), vec![0x02, 1, 0]);
    }

    #[test]
    fn reader_round_trip_and_garbage() {
        let seq = sequence(&[
            &unsigned_integer(&[0xff; 200]),
            &unsigned_integer(&[1, 0, 1]),
        ]);
        let mut outer = Reader::new(&seq);
        let mut inner = Reader::new(outer.read(TAG_SEQUENCE).unwrap());
        assert_eq!(inner.read_unsigned().unwrap(), &[0xff; 200][..]);
        assert_eq!(inner.read_unsigned().unwrap(), &[1, 0, 1][..]);
        assert!(inner.is_empty() && outer.is_empty());
        for garbage in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x82, 0xff, 0xff, 0],
        ] {
            assert!(Reader::new(garbage).read(TAG_SEQUENCE).is_none());
        }
    }
}
