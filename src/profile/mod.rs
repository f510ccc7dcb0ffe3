//! Target profiles: the YAML model ([`model`]) and its resolution into keys, principals and issuer
//! settings ready for the forge ([`Profile`]).

pub mod model;
mod resolve;
mod schema;

pub use resolve::{
    Profile, ProfileError, REFERENCE_PROFILE_PATH, TokenSource, principal_in, public_keys_from_jwks,
};
pub use schema::profile_schema;
