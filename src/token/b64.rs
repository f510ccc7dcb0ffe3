//! base64url helpers for JWS segments (RFC 7515 §2): strict decoding for inspection, lenient decoding to
//! measure what a sloppy decoder would accept, and the non-canonical encodings attacks need.

use base64::Engine as _;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD,
};
use base64::engine::{DecodePaddingMode, general_purpose};

/// Lenient base64url: padding optional, non-canonical trailing bits accepted.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// base64url without padding, the only encoding RFC 7515 allows in a compact JWS.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Appends the base64url encoding (no padding) of the concatenated `pieces` to `out`: the text
/// [`encode`] gives for their concatenation, without it ever being held whole.
pub fn encode_pieces_into<'a>(pieces: impl IntoIterator<Item = &'a [u8]>, out: &mut String) {
    use std::io::Write as _;
    let mut encoder = base64::write::EncoderStringWriter::from_consumer(out, &URL_SAFE_NO_PAD);
    for piece in pieces {
        // Writing into a string never fails.
        let _ = encoder.write_all(piece);
    }
    encoder.into_inner();
}

/// The length of the base64url encoding (no padding) of `len` bytes.
pub fn encoded_len(len: usize) -> usize {
    len / 3 * 4 + [0, 2, 3][len % 3]
}

/// Standard base64 with padding (used by `x5c`, RFC 7515 §4.1.6, and by PEM).
pub fn encode_standard(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// base64 with the standard alphabet (`+`, `/`) and no padding: a non-compliant segment encoding.
pub fn encode_standard_no_pad(bytes: &[u8]) -> String {
    general_purpose::STANDARD_NO_PAD.encode(bytes)
}

/// base64url with `=` padding: a non-compliant segment encoding.
pub fn encode_padded(bytes: &[u8]) -> String {
    general_purpose::URL_SAFE.encode(bytes)
}

/// Strict base64url decoding: no padding, no whitespace, URL-safe alphabet only, canonical trailing bits.
pub fn decode_strict(text: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Lenient decoding as sloppy JOSE libraries do it: ASCII whitespace dropped, `+`/`/` mapped to `-`/`_`,
/// padding optional and non-canonical trailing bits accepted.
pub fn decode_lenient(text: &[u8]) -> Option<Vec<u8>> {
    let cleaned: Vec<u8> = text
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|&b| match b {
            b'+' => b'-',
            b'/' => b'_',
            other => other,
        })
        .collect();
    URL_SAFE_LENIENT.decode(cleaned).ok()
}

/// Standard base64 decoding (PEM bodies, `x5c` entries); whitespace is skipped.
pub fn decode_standard(text: &[u8]) -> Option<Vec<u8>> {
    let cleaned: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD.decode(cleaned).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_encode_as_their_concatenation() {
        let whole: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        for cuts in [[0, 0], [1, 2], [3, 4000], [1000, 1001], [4999, 5000]] {
            let pieces = [
                &whole[..cuts[0]],
                &whole[cuts[0]..cuts[1]],
                &whole[cuts[1]..],
            ];
            let mut out = String::from("x.");
            encode_pieces_into(pieces, &mut out);
            assert_eq!(out, format!("x.{}", encode(&whole)));
            assert_eq!(
                encoded_len(whole[..cuts[1]].len()),
                encode(&whole[..cuts[1]]).len()
            );
        }
    }

    #[test]
    fn strict_rejects_what_lenient_accepts() {
        let bytes = b"??>>>";
        let canonical = encode(bytes);
        assert_eq!(
            decode_strict(canonical.as_bytes()).as_deref(),
            Some(&bytes[..])
        );
        for variant in [
            encode_padded(bytes),
            encode_standard_no_pad(bytes),
            format!(" {canonical}\n"),
        ] {
            assert_ne!(variant, canonical);
            assert_eq!(decode_strict(variant.as_bytes()), None, "{variant}");
            assert_eq!(
                decode_lenient(variant.as_bytes()).as_deref(),
                Some(&bytes[..]),
                "{variant}"
            );
        }
    }

    #[test]
    fn non_canonical_trailing_bits() {
        // One byte encodes to two chars; the second carries 4 unused bits.
        assert_eq!(encode(b"A"), "QQ");
        assert_eq!(decode_strict(b"QR"), None);
        assert_eq!(decode_lenient(b"QR").as_deref(), Some(&b"A"[..]));
    }
}
