//! The wire: talking to a target. An HTTP client that never follows redirects and caps what it reads,
//! the pace of the requests to a target (`--rate`), the placement of tokens on requests, JSON read
//! out of answers (plain or event streams), a small MCP client, the hosted issuer, and the attacker
//! host that serves jku/x5u bait and records fetches.
//! (Named `wire`, not `target`, so that it is never mistaken for Cargo's build folder.)

pub mod attacker;
pub mod body;
pub mod client;
pub mod issuer;
pub mod mcp;
pub mod placement;
pub mod prepared;
pub mod rate;
pub mod read_body;
mod serve;

pub use client::{
    DEFAULT_GIVE_UP_AFTER, Exchange, HttpClient, RequestSpec, SendError, TargetSettings,
    error_chain, https_instead,
};
pub use prepared::PreparedRequest;
pub use rate::{MAX_RATE, Pace};
