//! authconform: a security conformance harness and fuzzer for JWT-protected, multi-tenant HTTP APIs.
//!
//! The library is layered so that data moves one way (see ARCHITECTURE.md):
//! `token` (pure: keys, minting, JWS parsing, the mutation catalog).

pub mod token;
