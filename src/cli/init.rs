//! `authconform init`: a commented target profile from an OpenAPI 3.0/3.1 document (a file, or a URL
//! such as FastAPI's `/openapi.json`). The inference rules are in [`crate::init`].

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, exit};
use crate::api::Api;
use crate::init::issuer::Given;
use crate::init::mcp::{DiscoverError, Discovery, discover};
use crate::init::{Generated, Header, Options, generate, schema_reference};
use crate::openapi::{self, OpenApiError, Source};

/// Write a target profile from an OpenAPI 3.0/3.1 document.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    authconform init --openapi http://127.0.0.1:8000/openapi.json --out items.yaml\n  \
    authconform init --openapi specs/openapi.yaml --target http://127.0.0.1:8000 > todo.yaml\n  \
    authconform init --openapi openapi.json --out profile.yaml --force\n  \
    authconform init --openapi http://127.0.0.1:8000/openapi.json --mcp http://127.0.0.1:8001/mcp\n  \
    authconform init --openapi openapi.json --secret-env BETTER_AUTH_SECRET --out profile.yaml\n\n\
The profile is written with TODO comments: replace the issuer key, check the principals, then\n  \
    authconform run --profile items.yaml")]
pub struct InitArgs {
    /// The OpenAPI 3.0 or 3.1 document, JSON or YAML: a file, or an http(s) URL (fetched without
    /// following redirects, at most 16 MiB).
    #[arg(long, value_name = "URL|FILE")]
    openapi: String,
    /// Base URL of the target (default: the document's servers[0].url when absolute, else
    /// http://127.0.0.1:8000).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Write the profile to this file instead of stdout.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Overwrite the --out file if it exists.
    #[arg(long, requires = "out")]
    force: bool,
    /// An MCP server's endpoint (streamable HTTP, e.g. http://127.0.0.1:8001/mcp): its tools, asked
    /// with `initialize` and `tools/list` (none is called), become operations of a service
    /// (repeatable).
    #[arg(long, value_name = "URL")]
    mcp: Vec<String>,
    /// The NAME of an environment variable holding a bearer token for --mcp discovery (for servers
    /// that want one even to list their tools).
    #[arg(long, value_name = "NAME", requires = "mcp")]
    mcp_token_env: Option<String>,
    /// The API verifies an HS256 shared secret: the NAME of the environment variable that will hold
    /// it when the profile runs (the issuer block is written for it; the secret is not read here).
    #[arg(long, value_name = "NAME", conflicts_with = "jwks_url")]
    secret_env: Option<String>,
    /// The API verifies a key pair whose public keys it fetches from this JWKS URL (the issuer
    /// block, `target_keys` and `hosted_issuer` are written for it; nothing is fetched here).
    #[arg(long, value_name = "URL")]
    jwks_url: Option<String>,
}

/// Runs `init`.
pub fn run(args: InitArgs) -> Result<u8, CliError> {
    check_args(&args)?;
    let keys = given_keys(&args)?;
    let source = Source::parse(&args.openapi).map_err(CliError::usage)?;
    let doc = openapi::load(&source).map_err(|err| match err {
        OpenApiError::Unreachable(message) => CliError::Unreachable(message),
        other => CliError::usage(other),
    })?;
    let header = header(&args);
    let options = Options {
        target: args.target.clone(),
        read_from: read_from(&source),
        reserved_api_names: Api::bundled_names().iter().map(|n| n.to_string()).collect(),
        keys,
    };
    let discovered = discover_mcp(&args)?;
    let generated = generate(&doc, &options, &header, discovered).map_err(CliError::usage)?;
    write_profile(&args, &generated.text)?;
    tell(&args, &source, &generated);
    Ok(exit::OK)
}

/// `--target` must be an http(s) URL, and `--out` a new file unless `--force`.
fn check_args(args: &InitArgs) -> Result<(), CliError> {
    if let Some(target) = &args.target {
        match url::Url::parse(target) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => {
                return Err(CliError::usage(format!(
                    "--target {target}: expected an http(s) URL such as http://127.0.0.1:8000"
                )));
            }
        }
    }
    if let Some(out) = &args.out
        && out.exists()
        && !args.force
    {
        return Err(CliError::usage(format!(
            "{} exists; pass --force to overwrite it",
            out.display()
        )));
    }
    Ok(())
}

/// What the profile's header says: the document, the schema reference, the profile's path.
fn header(args: &InitArgs) -> Header {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let out_dir = args
        .out
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new(""));
    let (schema, schema_found) = schema_reference(&cwd, out_dir);
    Header {
        source: args.openapi.clone(),
        schema,
        schema_found,
        out: args.out.as_ref().map(|p| p.display().to_string()),
    }
}

/// The origin of the URL the document was read from, when it came from one (the base URL when the
/// document names no absolute server URL).
fn read_from(source: &Source) -> Option<String> {
    match source {
        openapi::Source::Url(url) => url::Url::parse(url)
            .ok()
            .map(|url| url.origin().ascii_serialization()),
        openapi::Source::File(_) => None,
    }
}

/// Writes the profile to `--out`, else to stdout.
fn write_profile(args: &InitArgs, text: &str) -> Result<(), CliError> {
    match &args.out {
        Some(out) => write_file(out, text, args.force)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|err| CliError::usage(format!("cannot write to stdout: {err}")))?;
        }
    }
    Ok(())
}

/// Says on stderr what was read and written, and what to do next.
fn tell(args: &InitArgs, source: &Source, generated: &Generated) {
    let analysis = &generated.analysis;
    let live: Vec<_> = analysis.enabled().collect();
    let protected = live.iter().filter(|op| op.auth).count();
    let disabled = analysis.operations.len() - live.len();
    let todos = generated.text.matches("TODO").count();
    eprintln!(
        "authconform init: {} operations from {} ({protected} protected, {} public, {disabled} commented out); {todos} TODO comments",
        analysis.operations.len(),
        source.label(),
        live.len() - protected,
    );
    if let Some(found) = &analysis.contract {
        eprintln!("{}", found.summary());
    }
    match &args.out {
        Some(out) => eprintln!(
            "wrote {}; next: set the issuer key and principals, then `authconform run --profile {}`",
            out.display(),
            out.display()
        ),
        None => eprintln!(
            "next: save it, set the issuer key and principals, then `authconform run --profile FILE`"
        ),
    }
}

/// What --secret-env or --jwks-url says about the API's keys.
fn given_keys(args: &InitArgs) -> Result<Option<Given>, CliError> {
    if let Some(name) = &args.secret_env {
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(CliError::usage(format!(
                "--secret-env {name:?}: expected the NAME of an environment variable (letters, digits, _), never the secret itself"
            )));
        }
        return Ok(Some(Given::SecretEnv(name.clone())));
    }
    if let Some(url) = &args.jwks_url {
        return match url::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {
                Ok(Some(Given::JwksUrl(url.clone())))
            }
            _ => Err(CliError::usage(format!(
                "--jwks-url {url}: expected an http(s) URL such as http://127.0.0.1:3000/api/auth/jwks"
            ))),
        };
    }
    Ok(None)
}

/// Each --mcp server's tools, in order.
fn discover_mcp(args: &InitArgs) -> Result<Vec<(String, Discovery)>, CliError> {
    let token = match &args.mcp_token_env {
        Some(name) => Some(std::env::var(name).map_err(|_| {
            CliError::usage(format!(
                "--mcp-token-env {name}: the environment variable is not set (or not UTF-8)"
            ))
        })?),
        None => None,
    };
    let mut found = Vec::new();
    for url in &args.mcp {
        match url::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
            _ => {
                return Err(CliError::usage(format!(
                    "--mcp {url}: expected an http(s) URL such as http://127.0.0.1:8001/mcp"
                )));
            }
        }
        let discovery = discover(url, token.as_deref()).map_err(|err| match err {
            DiscoverError::Unreachable(message) => CliError::Unreachable(message),
            other => CliError::usage(other),
        })?;
        eprintln!(
            "{url}: MCP server `{}`, {} tools{}",
            discovery.server,
            discovery.tools.len(),
            if discovery.session {
                " (it opened a session: see the TODO under `services:`)"
            } else {
                ""
            }
        );
        found.push((url.clone(), discovery));
    }
    Ok(found)
}

fn write_file(out: &Path, text: &str, force: bool) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(out).map_err(|err| {
        if err.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::usage(format!(
                "{} exists; pass --force to overwrite it",
                out.display()
            ))
        } else {
            CliError::usage(format!("cannot write {}: {err}", out.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .map_err(|err| CliError::usage(format!("cannot write {}: {err}", out.display())))
}
