//! Verdicts: judging answers against expectations (what was observed, named as itself), the level of
//! each weakness, and grouping failures into weaknesses; and what the gate makes of them: waivers,
//! baselines.

pub mod baseline;
pub mod expect;
pub mod form;
pub mod gate;
pub mod group;
pub mod waiver;
