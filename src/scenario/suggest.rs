//! "Did you mean ...?" for scenario errors: the crate-wide [`crate::suggest`].

pub(crate) use crate::suggest::did_you_mean;
