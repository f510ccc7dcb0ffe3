//! Integration tests of the reference server over real HTTP on 127.0.0.1 (plus an in-process
//! proptest). Test names start with the requirement id of `specs/spec.md` they cover.

mod algorithms;
mod claims;
mod cli;
mod common;
mod connections;
mod coverage;
mod errors;
mod flaws;
mod fuzz;
mod history;
mod isolation;
mod items;
mod keys;
mod openapi;
mod stateless;
mod styles;
mod transport;
