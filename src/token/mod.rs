//! The token forge: keys, minting, a compact-JWS parser and the catalog of attack mutations.
