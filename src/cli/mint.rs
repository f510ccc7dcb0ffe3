//! `authconform mint`: a token from a profile, optionally forged, printed for use with curl.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use serde_json::{Map, Value};

use super::{CliError, exit};
use crate::profile::Profile;
use crate::runner::tokens::{TokenError, TokenFactory};
use crate::runner::users::CaseUsers;
use crate::scenario::plan::TokenPlan;
use crate::token::jws::CompactJws;
use crate::token::keys::KeySet;
use crate::token::mint::SystemClock;
use crate::token::mutation::{AttackRequest, Placement};

/// Mint a token from a profile, optionally forged by catalog mutations.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    authconform mint --profile fixtures/profiles/reference.yaml --as alice\n  \
    authconform mint --profile fixtures/profiles/reference.yaml --as alice --mutate alg-none --decode\n  \
    authconform mint --as bob --claims '{\"role\":\"admin\"}'\n  \
    TOKEN=$(authconform mint --as alice)\n  \
    curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8000/api/alice/tasks")]
pub struct MintArgs {
    /// Profile file (default: the embedded reference-server profile).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// The principal to mint for (a name from the profile).
    #[arg(long = "as", value_name = "NAME", default_value = "alice")]
    principal: String,
    /// A catalog mutation to forge the token with (see `authconform mutations`). Repeat it to get
    /// one forged token per mutation, one per line, in the order given.
    #[arg(long, value_name = "ID")]
    mutate: Vec<String>,
    /// Extra or overriding claims, as a JSON object (re-signed with the issuer key).
    #[arg(long, value_name = "JSON")]
    claims: Option<String>,
    /// Mint as the users of this case: with a profile's `per_case_users`, each case acts as its own
    /// users, and a report's reproducer names the case (`--case ID`) so that the token is theirs.
    #[arg(long, value_name = "ID")]
    case: Option<String>,
    /// Also print the decoded header and claims (to stderr), and how the attack places the token.
    #[arg(long)]
    decode: bool,
}

/// Runs `mint`.
pub fn run(args: MintArgs) -> Result<u8, CliError> {
    let profile = match &args.profile {
        Some(path) => Profile::load(path),
        None => Profile::embedded_reference(),
    }
    .map_err(CliError::usage)?;
    profile
        .principal(&args.principal)
        .map_err(CliError::usage)?;
    let claims: Map<String, Value> = match &args.claims {
        Some(text) => match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(CliError::usage("--claims must be a JSON object")),
            Err(err) => return Err(CliError::usage(format!("--claims is not JSON: {err}"))),
        },
        None => Map::new(),
    };
    let mut mutations = Vec::new();
    for id in &args.mutate {
        mutations.push(Some(
            crate::token::mutation::find(id).map_err(CliError::usage)?,
        ));
    }
    if mutations.is_empty() {
        mutations.push(None);
    }
    let attacker = KeySet::generate("attacker").map_err(CliError::usage)?;
    let factory = TokenFactory {
        profile: Arc::new(profile),
        attacker: Arc::new(attacker),
        clock: Arc::new(SystemClock),
    };
    let users = match &args.case {
        Some(case) => CaseUsers::for_case(&factory.profile, case),
        None => CaseUsers::shared(&factory.profile),
    };
    for mutation in mutations {
        let plan = TokenPlan::Recipe {
            from: args.principal.clone(),
            claims: claims.clone(),
            remove_claims: Vec::new(),
            mutation,
        };
        let id = mutation.map(|m| m.id);
        let made = factory
            .make(
                &plan,
                &users,
                &args.principal,
                "http://127.0.0.1:9/attacker",
            )
            .map_err(|err| match err {
                TokenError::NotApplicable(reason) => CliError::usage(format!(
                    "{}: not applicable to this profile: {reason}",
                    id.unwrap_or("token")
                )),
                TokenError::Failed(reason) => CliError::usage(reason),
            })?;
        let token = made.attack.token.clone().unwrap_or_default();
        println!("{token}");
        if args.decode {
            decode(id, &token, &made.attack);
        }
    }
    Ok(exit::OK)
}

/// Prints a token's header and claims, and how the attack sends it, to stderr.
fn decode(mutation: Option<&str>, token: &str, attack: &AttackRequest) {
    let parsed = CompactJws::parse(token.as_bytes());
    let show = |value: Option<&Value>| {
        value
            .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
            .unwrap_or_else(|| "(not JSON)".into())
    };
    if let Some(id) = mutation {
        eprintln!("mutation: {id}");
    }
    eprintln!("header: {}", show(parsed.header()));
    eprintln!("claims: {}", show(parsed.claims()));
    if attack.placement != Placement::Bearer {
        eprintln!("placement: {}", attack.placement);
    }
    if !attack.hosted.is_empty() {
        let paths: Vec<&str> = attack.hosted.iter().map(|f| f.path.as_str()).collect();
        eprintln!("needs an attacker host serving: {}", paths.join(", "));
    }
}
