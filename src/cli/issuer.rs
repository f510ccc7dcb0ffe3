//! `authconform issuer`: serves the profile issuer's PUBLIC JWKS (at `/.well-known/jwks.json` and
//! Better Auth's `/api/auth/jwks`) until Ctrl-C, a Better Auth stand-in for a target that fetches its
//! keys at start-up and so must find them before the run begins.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::run::load_profile;
use super::{CliError, exit};
use crate::wire::issuer::{HostedIssuer, JWKS_PATHS};

/// Serve the issuer's public JWKS until stopped (a Better Auth stand-in).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    authconform issuer --profile fixtures/profiles/reference-eddsa-jwks-url.yaml --listen 127.0.0.1:3000\n  \
    (then start the backend with JWKS_URL=http://127.0.0.1:3000/api/auth/jwks, and run\n   \
    authconform run --target http://127.0.0.1:8000 --profile <the same profile>)\n\n\
The first line on standard output is `serving http://ADDR:PORT`. Only the public keys are served.")]
pub struct IssuerArgs {
    /// Target profile whose issuer key is published (default: the embedded reference profile).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Address to listen on (default: the profile's `hosted_issuer.listen`, else 127.0.0.1:0).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,
}

/// Runs `issuer`.
pub fn run(args: IssuerArgs) -> Result<u8, CliError> {
    let profile = load_profile(args.profile.as_deref())?;
    let listen = args
        .listen
        .or(profile.hosted_issuer)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::Unreachable(format!("cannot start the async runtime: {err}")))?;
    if !listen.ip().is_loopback() {
        eprintln!(
            "warning: listening on {listen}, which is not a loopback address: other machines can reach this issuer (it serves only public keys)"
        );
    }
    runtime.block_on(async {
        let issuer = HostedIssuer::for_issuer(&profile.issuer, listen)
            .await
            .map_err(|err| CliError::usage(err.to_string()))?;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "serving {}", issuer.base_url());
        for path in JWKS_PATHS {
            let _ = writeln!(stdout, "  {}{path}", issuer.base_url());
        }
        let _ = writeln!(stdout, "press Ctrl-C to stop");
        let _ = stdout.flush();
        drop(stdout);
        tokio::signal::ctrl_c()
            .await
            .map_err(|err| CliError::Unreachable(format!("cannot wait for Ctrl-C: {err}")))?;
        eprintln!(
            "issuer: stopped after {} JWKS fetch(es)",
            issuer.fetch_count()
        );
        Ok(exit::OK)
    })
}
