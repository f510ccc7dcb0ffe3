//! Corpus replay on stable: every committed file of `fuzz/corpus/<target>/`, every saved crash under
//! `fuzz/artifacts/<target>/` (when present), and every generated seed runs through exactly the function
//! the cargo-fuzz target calls. `AUTHCONFORM_WRITE_SEEDS=1 cargo test --test fuzz_corpus_replay` rewrites
//! the seeds into `fuzz/corpus/` (as `seed-<hash>` files).

use std::path::{Path, PathBuf};

use authconform::fuzzing::TARGETS;
use authconform::fuzzing::seeds::{seed_file_name, seeds};
use authconform::token::keys::KeySet;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_corpus_file_and_saved_crash_replays_clean() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, target) in TARGETS {
        let corpus = files_in(&root().join("fuzz/corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{name}/ is empty: regenerate with AUTHCONFORM_WRITE_SEEDS=1"
        );
        let artifacts = files_in(&root().join("fuzz/artifacts").join(name));
        for file in corpus.iter().chain(&artifacts) {
            let data = std::fs::read(file).unwrap();
            total += 1;
            if let Err(violation) = target(&data) {
                failures.push(format!("{}: {violation}", file.display()));
            }
        }
    }
    assert!(total >= TARGETS.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generated_seeds_replay_clean() {
    let attacker = KeySet::load(&root().join("fixtures/keys/attacker")).unwrap();
    let write = std::env::var_os("AUTHCONFORM_WRITE_SEEDS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, target) in TARGETS {
        let seeds = seeds(name, root(), &attacker);
        assert!(!seeds.is_empty(), "{name} has no seeds");
        let dir = root().join("fuzz/corpus").join(name);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
        }
        for seed in &seeds {
            if let Err(violation) = target(seed) {
                failures.push(violation.to_string());
            }
            if write {
                std::fs::write(dir.join(seed_file_name(seed)), seed).unwrap();
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
