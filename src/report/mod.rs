//! Reporters: pure functions of a [`crate::outcome::RunResult`], so every report is snapshot-testable
//! without a network.

pub mod curl;
pub mod explain;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod terminal;
