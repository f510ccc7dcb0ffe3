//! Fuzzing: the bodies of the cargo-fuzz targets (so that `cargo test` replays every corpus file through
//! exactly the same code on stable), the independent verification [`oracle`], and [`net`], the
//! structure-aware network fuzzer behind `authconform fuzz`.
//!
//! Every target body is a function `fn(&[u8]) -> Result<(), Violation>`: it never panics on input; a
//! property that does not hold is returned as a [`Violation`], and the thin libFuzzer wrapper in
//! `fuzz/fuzz_targets/` turns that into a crash.

mod bytes;
pub mod fixture;
mod members;
pub mod net;
pub mod oracle;
pub mod seeds;
mod structured;
mod targets;
pub mod vocab;

pub use bytes::ByteReader;
pub use members::{Members, parse_members, render_members};
pub use structured::{DifferentialInput, KeyMode, decode_differential};
pub use targets::{
    TARGETS, Target, Violation, jwks_parser, jws_parser, profile_loader, scenario_loader,
    verifier_differential,
};
