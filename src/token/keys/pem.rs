//! PEM armour (RFC 7468) through the `pem` crate: encode with 64-column lines and `\n`, decode the first
//! block of a text.

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
    let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
    ::pem::encode_config(&::pem::Pem::new(label, der), config)
}

/// Decodes the first PEM block of `text` (CRLF and surrounding text tolerated); `None` if there is none or
/// its body is not valid base64.
pub fn decode_first(text: &str) -> Option<PemBlock> {
    // Start at the BEGIN line: pem 3's scanner misses a boundary that follows a `-` in the text before it.
    let begin = text.find("-----BEGIN ")?;
    let block = ::pem::parse(&text[begin..]).ok()?;
    Some(PemBlock {
        label: block.tag().to_string(),
        der: block.into_contents(),
    })
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
        let wrapped = format!("key follows\n{text}trailing words\n");
        assert_eq!(decode_first(&wrapped).unwrap().der, der);
        assert_eq!(
            encode("X", b""),
            "-----BEGIN X-----\n-----END X-----\n",
            "an empty body has no line"
        );
    }

    #[test]
    fn garbage() {
        assert_eq!(decode_first(""), None);
        assert_eq!(
            decode_first("-----BEGIN X-----\n!!!\n-----END X-----\n"),
            None
        );
        assert_eq!(decode_first("-----BEGIN X-----\nQQ==\n"), None);
        assert_eq!(
            decode_first("-----BEGIN X-----\nQQ==\n-----END Y-----\n"),
            None
        );
    }
}
