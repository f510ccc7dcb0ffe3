//! Scenarios: the YAML format ([`model`]), loading with located errors ([`load`]), semantic checks,
//! matrix expansion into [`Case`]s ([`plan`]); `{placeholder}` templates are [`crate::template`].
//!
//! Entry point: [`load_suite`].

mod error;
pub mod expand;
pub mod load;
pub mod model;
pub mod plan;
mod schema;
mod sources;
pub(crate) mod validate;

pub use error::LoadError;
pub use load::{LoadOptions, known_requirements, load_sources, load_suite, parse_file};
pub use plan::{
    BodyTemplate, Case, Category, ExpectPlan, HeaderPattern, Instance, RequestTemplate,
    ScenarioInfo, StatusMatcher, StepAction, StepOptions, StepPlan, Suite, TokenPlan, Weakness,
};
pub use schema::scenarios_schema;
pub use sources::SuiteSources;
pub use validate::BUILTIN_PLACEHOLDERS;
