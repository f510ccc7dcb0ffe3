//! authconform: a security conformance harness and fuzzer for JWT-protected, multi-tenant HTTP APIs.
//!
//! Data moves one way (see ARCHITECTURE.md): a [`profile`] and [`scenario`] files are loaded and
//! expanded into cases (pure); the [`runner`] sends them through [`wire`] with tokens from the
//! [`token`] forge (pure); [`verdict`] judges the answers; the run's [`outcome`] is what [`report`]
//! renders. A module only uses modules of a lower layer (the table is in `tests/layering.rs`).

pub mod api;
pub mod bundled;
pub mod cli;
pub mod embedded;
pub mod fuzzing;
pub mod init;
pub mod login;
pub mod openapi;
pub mod outcome;
pub mod profile;
pub mod report;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod schemas;
pub mod selftest;
pub mod suggest;
pub mod template;
pub mod token;
pub mod verdict;
pub mod weakness;
pub mod wire;
pub mod yaml;
