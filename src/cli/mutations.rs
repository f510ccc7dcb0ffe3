//! `authconform mutations`: the catalog as a table, or JSON with `--json`.

use std::fmt::Write;

use clap::Args;
use serde_json::json;

use super::{CliError, exit};
use crate::token::mutation::{Mutation, catalog};

/// List the catalog of token and transport mutations.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  authconform mutations\n  authconform mutations --json | jq '.[].id'"
)]
pub struct MutationsArgs {
    /// Print JSON (an array of objects) instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `mutations`.
pub fn run(args: MutationsArgs) -> Result<u8, CliError> {
    let text = if args.json {
        json_text(catalog())
    } else {
        table(catalog())
    };
    print!("{text}");
    Ok(exit::OK)
}

/// The catalog as an aligned table.
pub fn table(mutations: &[Mutation]) -> String {
    let width = mutations.iter().map(|m| m.id.len()).max().unwrap_or(2);
    let weakness_width = mutations
        .iter()
        .map(|m| m.weakness().id.len())
        .max()
        .unwrap_or(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:<9}  {:<11}  {:<8}  {:<weakness_width$}  reference",
        "id", "family", "class", "expected", "weakness"
    );
    for m in mutations {
        let _ = writeln!(
            out,
            "{:<width$}  {:<9}  {:<11}  {:<8}  {:<weakness_width$}  {}",
            m.id,
            m.family.as_str(),
            m.class.as_str(),
            m.expected.as_str(),
            m.weakness().id,
            m.reference
        );
    }
    let _ = writeln!(
        out,
        "\n{} mutations. Expected answers: 401 = refused with error=\"invalid_token\"; 401-bare = refused as \
        no credentials; 400 = 400 or 401; 2xx = accepted; 403 = denied (403 or 404); 4xx = any 4xx; info = reported only.",
        mutations.len()
    );
    out
}

/// The catalog as pretty JSON.
pub fn json_text(mutations: &[Mutation]) -> String {
    let list: Vec<_> = mutations
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "family": m.family.as_str(),
                "class": m.class.as_str(),
                "expected": m.expected.as_str(),
                "weakness": m.weakness().id,
                "cwe": m.weakness().cwe,
                "reference": m.reference,
                "description": m.description,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
    text.push('\n');
    text
}
