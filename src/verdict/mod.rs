//! Verdicts: judging answers against expectations, and grouping failures into weaknesses.

pub mod expect;
pub mod group;
