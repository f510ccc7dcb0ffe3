//! Keys: PKCS#8 loading with type detection, HMAC secrets, public-key export (JWK, JWKS, SPKI, PKCS#1,
//! raw, OpenSSH), key-set generation and the fixture layout, and self-signed certificates.

mod cert;
mod error;
pub mod pem;
mod public;
mod secret;
mod set;
mod signing;

pub use cert::{Certificate, self_signed_certificate};
pub use error::KeyError;
pub(crate) use public::der_uint;
pub use public::{Curve, PublicKey, PublicParams, jwks};
pub use secret::HsSecret;
pub use set::{
    FIXTURE_README, KEY_NAMES, KeySet, generate_key_set, write_fixture_keys, write_key_set,
};
pub use signing::{KeyKind, SigningKey};
