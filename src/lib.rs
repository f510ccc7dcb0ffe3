//! authconform
