//! Seed inputs for each fuzz target, made from the mutation catalog (every attack token the forge can
//! make against the fixture issuer), the structured differential encoding, and the repository's own
//! JWKS, scenario and profile files. `tests/fuzz_corpus_replay.rs` replays them and, with
//! `AUTHCONFORM_WRITE_SEEDS=1`, writes them to `fuzz/corpus/<target>/seed-<hash>`.

use std::path::Path;
use std::sync::Arc;

use super::fixture::{ISSUER, JWKS_JSON, NOW, fixture};
use crate::token::keys::{HsSecret, KeySet, SigningKey};
use crate::token::mint::{FixedClock, IssuerSettings, Principal, mint_at};
use crate::token::mutation::{MutationContext, catalog};

/// The seeds of `target` (a name of [`super::TARGETS`]); `root` is the repository root (for the
/// scenario and profile files), `attacker` the keys catalog attacks sign with.
pub fn seeds(target: &str, root: &Path, attacker: &KeySet) -> Vec<Vec<u8>> {
    let mut seeds = match target {
        "jws_parser" => jws_seeds(attacker),
        "verifier_differential" => verifier_seeds(attacker),
        "jwks_parser" => jwks_seeds(root),
        "scenario_loader" => files(&root.join("scenarios"), &["yaml", "yml"]),
        "profile_loader" => files(&root.join("fixtures/profiles"), &["yaml", "yml"]),
        _ => Vec::new(),
    };
    seeds.sort();
    seeds.dedup();
    seeds
}

/// The file name a seed is stored under: `seed-` and a 64-bit FNV-1a hash of its bytes.
pub fn seed_file_name(seed: &[u8]) -> String {
    format!("seed-{:016x}", crate::rng::fnv1a(seed))
}

/// Catalog attack tokens (plain or placed) against an issuer key, at the fixture's fixed time.
pub fn catalog_tokens(issuer: SigningKey, attacker: &KeySet) -> Vec<String> {
    let mut ctx = MutationContext::new(
        IssuerSettings::new(issuer, ISSUER, ISSUER),
        Principal::new("alice", "alice"),
        Principal::new("bob", "bob"),
        attacker.clone(),
        Arc::new(FixedClock(NOW)),
    );
    ctx.attacker_base_url = Some("http://127.0.0.1:9".into());
    let mut tokens: Vec<String> = catalog()
        .iter()
        .filter_map(|m| m.apply(&ctx).ok())
        .filter_map(|attack| attack.token)
        .filter(|token| token.len() <= 4096)
        .collect();
    if let Ok(valid) = mint_at(&ctx.principal, &ctx.issuer, NOW) {
        tokens.push(valid);
    }
    tokens
}

fn ed25519_issuer() -> Option<SigningKey> {
    fixture().and_then(|f| f.keys.first().cloned())
}

fn hs256_issuer() -> Option<SigningKey> {
    let f = fixture()?;
    HsSecret::new(f.hs256_secret.clone())
        .ok()
        .map(|secret| SigningKey::hs256(secret, None))
}

/// Every `n`th item: the committed corpus stays small (a few hundred files in all), libFuzzer finds
/// the neighbours.
fn every<T>(items: Vec<T>, n: usize) -> impl Iterator<Item = T> {
    items.into_iter().step_by(n.max(1))
}

fn jws_seeds(attacker: &KeySet) -> Vec<Vec<u8>> {
    let tokens = ed25519_issuer()
        .map(|key| catalog_tokens(key, attacker))
        .unwrap_or_default();
    let mut seeds: Vec<Vec<u8>> = every(tokens, 2).map(String::into_bytes).collect();
    for odd in [
        "",
        ".",
        "..",
        "a.b.c.d.e",
        "eyJ9.e30.",
        "e30=.e30.",
        " e30 . e30 . ",
    ] {
        seeds.push(odd.as_bytes().to_vec());
    }
    seeds
}

fn verifier_seeds(attacker: &KeySet) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let modes = [(0x01u8, ed25519_issuer(), 2), (0x03u8, hs256_issuer(), 4)];
    for (control, issuer, step) in modes {
        let Some(issuer) = issuer else { continue };
        for token in every(catalog_tokens(issuer, attacker), step) {
            let mut seed = vec![control];
            seed.extend_from_slice(token.as_bytes());
            seeds.push(seed);
        }
    }
    // Structured inputs: the canonical valid tokens of each algorithm, then one change at a time.
    for prefix in [&[0u8][..], &[0, 1], &[0, 2], &[0, 3], &[2]] {
        seeds.push(prefix.to_vec());
    }
    for choice in [8u8, 16, 17, 30, 31] {
        seeds.push(vec![0, choice]);
    }
    seeds
}

fn jwks_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut seeds = vec![JWKS_JSON.as_bytes().to_vec()];
    seeds.extend(files(&root.join("fixtures/keys/issuer"), &["json"]));
    for extra in [
        r#"{"keys":[]}"#,
        r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h"}]}"#,
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","use":"enc"}]}"#,
        r#"{"keys":[{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}]}"#,
        r#"{"keys":{}}"#,
    ] {
        seeds.push(extra.as_bytes().to_vec());
    }
    seeds
}

/// The files of `dir` (recursively) with one of the extensions, sorted by path.
fn files(dir: &Path, extensions: &[&str]) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_names_are_stable() {
        assert_eq!(seed_file_name(b""), "seed-cbf29ce484222325");
        assert_ne!(seed_file_name(b"a"), seed_file_name(b"b"));
    }
}
