//! The token forge: keys, minting, a compact-JWS parser and the catalog of attack mutations.
//!
//! Everything here is pure: no network and no clock but an injected one; file I/O only to load and write
//! keys.

mod alg;
pub mod b64;
pub mod identity;
pub mod jws;
pub mod keys;
pub mod mint;
pub mod mutation;
pub mod sign;

pub use alg::{Alg, AlgFamily, UnknownAlg};
