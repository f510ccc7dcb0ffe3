//! The catalog of named attack mutations. Each [`Mutation`] turns a [`MutationContext`] (a valid token's
//! ingredients, a second user, the target's public key, attacker keys and host, leeway, clock) into an
//! [`AttackRequest`] (a token and how it is sent) with the answer a correct target gives.
//!
//! All requests target the context principal's (the victim's) resources unless
//! [`AttackRequest::path_user`] says otherwise.

mod algorithm;
mod catalog;
mod claims;
mod context;
mod encoding;
mod header;
mod jwe;
mod signature;
mod transport;
mod types;
mod util;
mod weakness;

#[cfg(test)]
mod tests;

pub use catalog::Mutation;
pub use context::{DEFAULT_LEEWAY_SECS, MutationContext};
pub use types::{
    AttackRequest, Class, Expected, Family, HostedFile, MutationError, Placement, UnknownMutation,
};

/// Every mutation, grouped by family, in a stable order.
pub fn catalog() -> &'static [Mutation] {
    catalog::CATALOG
}

/// The mutation with this id, or an error carrying the closest id as a suggestion.
pub fn find(id: &str) -> Result<&'static Mutation, UnknownMutation> {
    catalog()
        .iter()
        .find(|m| m.id == id)
        .ok_or_else(|| UnknownMutation {
            id: id.to_string(),
            suggestion: crate::suggest::closest(id, catalog().iter().map(|m| m.id))
                .and_then(|name| catalog().iter().map(|m| m.id).find(|known| *known == name)),
        })
}
