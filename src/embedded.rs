//! The bundled reference server, started in-process with the embedded TEST ONLY fixture keys, so that
//! `authconform` with no target runs anywhere.

use reference_server::config::{KeySource, ServerConfig};
use reference_server::{Flaw, RunningServer};

/// The issuer's public JWKS (Ed25519 only), as the embedded profile expects.
pub const EMBEDDED_JWKS: &str = include_str!("../fixtures/keys/issuer/jwks-ed25519.json");

/// Starts the reference server on an ephemeral loopback port, with one flaw switched on if asked.
pub async fn start_reference_server(flaw: Option<&str>) -> Result<RunningServer, String> {
    let mut config = ServerConfig::new(KeySource::JwksJson(EMBEDDED_JWKS.to_string()));
    if let Some(id) = flaw {
        let flaw: Flaw = id
            .parse()
            .map_err(|err| format!("--reference-flaw: {err}"))?;
        config.flaw = Some(flaw);
    }
    reference_server::start(config)
        .await
        .map_err(|err| format!("cannot start the embedded reference server: {err}"))
}
