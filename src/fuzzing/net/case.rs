//! One network fuzz case: who acts, which route and path user, the token as structured parts (header and
//! claims members, segment encodings, how it is signed) or as raw text, and where it is placed.

use crate::fuzzing::members::{Members, parse_members, render_members};
use crate::token::jws::CompactJws;
use crate::token::mint::IssuerSettings;
use crate::token::mutation::Placement;
use crate::token::{Alg, AlgFamily, b64, sign};

/// How a header or payload segment is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Unpadded base64url, the only form RFC 7515 allows.
    Strict,
    /// base64url with `=` padding.
    Padded,
    /// Standard alphabet (`+`, `/`), no padding.
    Standard,
    /// Strict, with a space in front.
    Spaced,
}

impl Encoding {
    fn apply(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Strict => b64::encode(bytes),
            Encoding::Padded => b64::encode_padded(bytes),
            Encoding::Standard => b64::encode_standard_no_pad(bytes),
            Encoding::Spaced => format!(" {}", b64::encode(bytes)),
        }
    }
}

/// How the signature segment is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// This exact segment text (valid only while header and payload are unchanged).
    Keep(String),
    /// Signed afresh with the trusted issuer key under the issuer's algorithm.
    Resign,
    /// These bytes, base64url-encoded.
    Bytes(Vec<u8>),
    /// An HMAC over the signing input with these key bytes (key confusion, guessed secrets), under the
    /// header's HS algorithm or HS256.
    HmacWith(Vec<u8>),
    /// No third segment at all (`header.payload`).
    Missing,
}

/// A token as parts that mutation edits and rendering joins.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenParts {
    /// Header members, in order (duplicates allowed).
    pub header: Members,
    /// Claims members, in order (duplicates allowed).
    pub claims: Members,
    /// The exact original header segment while the header is unchanged.
    pub header_text: Option<String>,
    /// The exact original payload segment while the claims are unchanged.
    pub payload_text: Option<String>,
    /// How the header is encoded when re-encoded.
    pub header_encoding: Encoding,
    /// How the payload is encoded when re-encoded.
    pub payload_encoding: Encoding,
    /// How the signature is made.
    pub signature: Signature,
}

impl TokenParts {
    /// Splits a compact token into parts, keeping its exact segments; `None` unless it has three
    /// segments whose first two decode strictly to JSON objects.
    pub fn from_token(token: &str) -> Option<TokenParts> {
        let jws = CompactJws::parse(token.as_bytes());
        if jws.segment_count() != 3 {
            return None;
        }
        let header = parse_members(jws.decoded(0)?.strict()?)?;
        let claims = parse_members(jws.decoded(1)?.strict()?)?;
        let text =
            |i: usize| String::from_utf8_lossy(jws.segment(i).unwrap_or_default()).into_owned();
        Some(TokenParts {
            header,
            claims,
            header_text: Some(text(0)),
            payload_text: Some(text(1)),
            header_encoding: Encoding::Strict,
            payload_encoding: Encoding::Strict,
            signature: Signature::Keep(text(2)),
        })
    }

    /// Marks the header as edited (its original text no longer applies).
    pub fn header_changed(&mut self) {
        self.header_text = None;
    }

    /// Marks the claims as edited.
    pub fn claims_changed(&mut self) {
        self.payload_text = None;
    }

    /// The header's `alg` (last one wins) if it is a string.
    pub fn alg(&self) -> Option<&str> {
        self.header
            .iter()
            .rev()
            .find(|(name, _)| name == "alg")
            .and_then(|(_, value)| value.as_str())
    }

    /// The compact text, signed as [`TokenParts::signature`] says with the `issuer`'s key.
    pub fn render(&self, issuer: &IssuerSettings) -> String {
        let header = match (&self.header_text, self.header_encoding) {
            (Some(text), Encoding::Strict) => text.clone(),
            _ => self
                .header_encoding
                .apply(render_members(&self.header).as_bytes()),
        };
        let payload = match (&self.payload_text, self.payload_encoding) {
            (Some(text), Encoding::Strict) => text.clone(),
            _ => self
                .payload_encoding
                .apply(render_members(&self.claims).as_bytes()),
        };
        let input = format!("{header}.{payload}");
        let signature = match &self.signature {
            Signature::Keep(text) => text.clone(),
            Signature::Resign => issuer
                .signing_key()
                .ok()
                .and_then(|key| key.sign_as(issuer.alg, input.as_bytes()).ok())
                .map(|s| b64::encode(&s))
                .unwrap_or_default(),
            Signature::Bytes(bytes) => b64::encode(bytes),
            Signature::HmacWith(key) => {
                let alg = self
                    .alg()
                    .and_then(|a| a.parse::<Alg>().ok())
                    .filter(|a| a.family() == AlgFamily::Hmac)
                    .unwrap_or(Alg::Hs256);
                b64::encode(&sign::hmac(alg, key, input.as_bytes()))
            }
            Signature::Missing => return input,
        };
        format!("{input}.{signature}")
    }
}

/// The token of a case.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenForm {
    /// No token.
    Absent,
    /// Exact text.
    Raw(String),
    /// Structured parts.
    Parts(TokenParts),
}

impl TokenForm {
    /// A token as parts when it splits cleanly, as raw text otherwise.
    pub fn from_token(token: &str) -> TokenForm {
        match TokenParts::from_token(token) {
            Some(parts) => TokenForm::Parts(parts),
            None => TokenForm::Raw(token.to_string()),
        }
    }

    /// The token text, if any.
    pub fn render(&self, issuer: &IssuerSettings) -> Option<String> {
        match self {
            TokenForm::Absent => None,
            TokenForm::Raw(text) => Some(text.clone()),
            TokenForm::Parts(parts) => Some(parts.render(issuer)),
        }
    }
}

/// One fuzz case. Principals are indexes into the session's principals (sorted by name), the route an
/// index into its routes.
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzCase {
    /// Whose valid token (or catalog attack) the case started from.
    pub actor: usize,
    /// Whose id fills `{user_id}`.
    pub path_user: usize,
    /// Whose planted task / conversation fills `{task_id}` / `{conversation_id}`.
    pub resource_owner: usize,
    /// Which route.
    pub route: usize,
    /// The token.
    pub token: TokenForm,
    /// Where the token goes.
    pub placement: Placement,
    /// Where the case came from (`valid alice`, `catalog alg-none`).
    pub origin: String,
    /// The mutation operators applied, in order.
    pub steps: Vec<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::fixture::{ISSUER, NOW, fixture};
    use crate::token::mint::{Principal, mint_at};
    use serde_json::json;

    fn issuer() -> IssuerSettings {
        IssuerSettings::new(fixture().unwrap().keys[0].clone(), ISSUER, ISSUER)
    }

    #[test]
    fn unchanged_parts_render_the_original_token() {
        let issuer = issuer();
        let token = mint_at(&Principal::new("alice", "alice"), &issuer, NOW).unwrap();
        let form = TokenForm::from_token(&token);
        assert_eq!(form.render(&issuer).as_deref(), Some(token.as_str()));
        let TokenForm::Parts(mut parts) = form else {
            panic!("a minted token splits into parts")
        };
        assert_eq!(parts.alg(), Some("EdDSA"));
        parts.claims.retain(|(name, _)| name != "sub");
        parts.claims.push(("sub".into(), json!("bob")));
        parts.claims_changed();
        let edited = parts.render(&issuer);
        assert_ne!(edited, token);
        assert!(
            edited.ends_with(token.rsplit('.').next().unwrap()),
            "signature kept"
        );
        parts.signature = Signature::Resign;
        let resigned = parts.render(&issuer);
        let f = fixture().unwrap();
        assert_eq!(
            f.asymmetric.verify_token(&resigned, NOW).map(|i| i.sub),
            Ok("bob".into())
        );
        parts.signature = Signature::Missing;
        assert_eq!(parts.render(&issuer).matches('.').count(), 1);
        parts.header_encoding = Encoding::Padded;
        parts.header = vec![("alg".into(), json!("none"))];
        parts.header_changed();
        assert!(
            parts
                .render(&issuer)
                .starts_with(&b64::encode_padded(br#"{"alg":"none"}"#))
        );
        assert_eq!(TokenForm::from_token("a.b"), TokenForm::Raw("a.b".into()));
        assert_eq!(TokenForm::Absent.render(&issuer), None);
    }
}
