//! PEM armour (RFC 7468): encode with 64-column lines and `\n`, decode the first block of a text.

use crate::token::b64;

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The label between `BEGIN ` and the dashes, e.g. `PRIVATE KEY`.
    pub label: String,
    /// The decoded DER body.
    pub der: Vec<u8>,
}

/// Encodes DER as PEM with the given label; lines end in `\n`, including the last one.
pub fn encode(label: &str, der: &[u8]) -> String {
    let body = b64::encode_standard(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Decodes the first PEM block of `text` (CRLF and surrounding text tolerated); `None` if there is none or
/// its body is not valid base64.
pub fn decode_first(text: &str) -> Option<PemBlock> {
    let begin = text.find("-----BEGIN ")?;
    let after_begin = &text[begin + "-----BEGIN ".len()..];
    let label_end = after_begin.find("-----")?;
    let label = &after_begin[..label_end];
    let body_and_rest = &after_begin[label_end + "-----".len()..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_and_rest.find(&end_marker)?;
    let der = b64::decode_standard(&body_and_rest.as_bytes()[..body_end])?;
    Some(PemBlock {
        label: label.to_string(),
        der,
    })
}

/// Decodes every PEM block with the given label, in order (e.g. a certificate chain).
pub fn decode_all(text: &str, label: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(block) = decode_first(rest) {
        let end_marker = format!("-----END {}-----", block.label);
        if block.label == label {
            out.push(block.der);
        }
        match rest.find(&end_marker) {
            Some(pos) => rest = &rest[pos + end_marker.len()..],
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_line_width() {
        let der: Vec<u8> = (0..=255).collect();
        let text = encode("PUBLIC KEY", &der);
        assert!(text.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(text.ends_with("-----END PUBLIC KEY-----\n"));
        assert!(text.lines().all(|l| l.len() <= 64));
        let block = decode_first(&text).unwrap();
        assert_eq!(
            block,
            PemBlock {
                label: "PUBLIC KEY".into(),
                der: der.clone()
            }
        );
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(decode_first(&crlf).unwrap().der, der);
    }

    #[test]
    fn garbage_and_chains() {
        assert_eq!(decode_first(""), None);
        assert_eq!(
            decode_first("-----BEGIN X-----\n!!!\n-----END X-----\n"),
            None
        );
        assert_eq!(decode_first("-----BEGIN X-----\nQQ==\n"), None);
        let chain = format!(
            "{}{}{}",
            encode("CERTIFICATE", b"a"),
            encode("OTHER", b"b"),
            encode("CERTIFICATE", b"c")
        );
        assert_eq!(
            decode_all(&chain, "CERTIFICATE"),
            vec![b"a".to_vec(), b"c".to_vec()]
        );
    }
}
