//! Verdicts: judging answers against expectations (what was observed, named as itself), the level of
//! each weakness, and grouping failures into weaknesses.

pub mod expect;
pub mod form;
pub mod group;
