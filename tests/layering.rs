//! Data moves one way (ARCHITECTURE.md): the crate's top-level modules form layers, and a module only
//! ever names modules of a lower layer. This test reads every file under `src/<module>` (or
//! `src/<module>.rs`) and checks each `crate::<name>` it finds against [`LAYERS`].
//!
//! What counts as a reference: every `crate::<name>` on any line, in code, in `#[cfg(test)]` modules
//! and in doc comments alike (a test or a doc link that reaches up is a back-import too, and keeping
//! the rule simple keeps it honest). Paths that climb out of a module with `super::` are not seen;
//! the crate writes `crate::` for those. A grouped `use crate::{a, b}` is refused, so that every
//! reference names its module where this test can read it.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may name modules of a strictly lower layer, never one of its
/// own layer (other than itself) or of a higher one.
const LAYERS: &[&[&str]] = &[
    // Leaf utilities: files built into the binary, seeded generator, did-you-mean, `{placeholder}`
    // templates, located YAML, schemas.
    &["bundled", "rng", "schemas", "suggest", "template", "yaml"],
    // The weakness registry: the one place a weakness is defined.
    &["weakness"],
    // The forge: pure, no network.
    &["token"],
    // API descriptions; the wire (HTTP client, token placement, hosted issuer, attacker host, MCP).
    &["api", "wire"],
    // OpenAPI documents (fetched over the wire); the target profile.
    &["openapi", "profile"],
    // Tokens from the real issuer; the scenario format and the plan it expands into.
    &["login", "scenario"],
    // What a run observed: the result model the runner fills and the verdicts and reports read.
    &["outcome"],
    // Judging answers, grouping failures into weaknesses.
    &["verdict"],
    // Executing the plan.
    &["runner"],
    // The in-process reference server (the runner's instances); the reporters.
    &["embedded", "report"],
    // Features built on all of the above.
    &["fuzzing", "init", "selftest"],
    // The command line.
    &["cli"],
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level modules of `src/` (a folder or a `.rs` file; not `lib.rs` or `main.rs`), sorted.
fn top_level_modules() -> Vec<String> {
    let mut modules: Vec<String> = fs::read_dir(src())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            if path.is_dir() {
                Some(name)
            } else {
                let module = name.strip_suffix(".rs")?;
                (module != "lib" && module != "main").then(|| module.to_string())
            }
        })
        .collect();
    modules.sort();
    modules
}

/// Every `.rs` file of a top-level module, sorted.
fn files_of(module: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    let file = src().join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let dir = src().join(module);
    if dir.is_dir() {
        walk(&dir, &mut files);
    }
    files.sort();
    files
}

/// The module named after each `crate::` on `line` (`Err` for a grouped `crate::{`).
fn references(line: &str) -> Vec<Result<String, ()>> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        let before = line[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::` in a macro, or the end of a longer name
        }
        let rest = &line[at + "crate::".len()..];
        if rest.starts_with('{') {
            found.push(Err(()));
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(Ok(name));
        }
    }
    found
}

#[test]
fn every_top_level_module_has_exactly_one_layer() {
    let modules = top_level_modules();
    for module in &modules {
        let count = LAYERS
            .iter()
            .flat_map(|layer| layer.iter())
            .filter(|m| *m == module)
            .count();
        assert_eq!(
            count, 1,
            "src/{module}: a top-level module must appear once in LAYERS (tests/layering.rs); found {count} times"
        );
    }
    for module in LAYERS.iter().flat_map(|layer| layer.iter()) {
        assert!(
            modules.iter().any(|m| m == module),
            "LAYERS names `{module}`, which is not a top-level module of src/"
        );
    }
}

#[test]
fn lower_layers_never_reference_higher_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut forbidden = Vec::new();
    for module in top_level_modules() {
        let Some(own) = layer_of(&module) else {
            continue; // reported by every_top_level_module_has_exactly_one_layer
        };
        for file in files_of(&module) {
            let text = fs::read_to_string(&file).unwrap();
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            for (number, line) in text.lines().enumerate() {
                for reference in references(line) {
                    let Ok(target) = reference else {
                        forbidden.push(format!(
                            "{shown}:{}: a grouped `crate::{{...}}` import; write one `use crate::module::...` per module",
                            number + 1
                        ));
                        continue;
                    };
                    if target == module {
                        continue;
                    }
                    match layer_of(&target) {
                        Some(theirs) if theirs < own => {}
                        Some(theirs) => forbidden.push(format!(
                            "{shown}:{}: {module} (layer {own}) -> {target} (layer {theirs}): a module may only use lower layers",
                            number + 1
                        )),
                        None => forbidden.push(format!(
                            "{shown}:{}: {module} -> crate::{target}, which is not in LAYERS",
                            number + 1
                        )),
                    }
                }
            }
        }
    }
    assert!(
        forbidden.is_empty(),
        "{} forbidden edge(s) between top-level modules (see LAYERS in tests/layering.rs):\n{}",
        forbidden.len(),
        forbidden.join("\n")
    );
}

#[test]
fn references_are_read_from_paths_and_use_statements() {
    let names = |line: &str| -> Vec<Result<String, ()>> { references(line) };
    assert_eq!(
        names("use crate::outcome::RunResult;"),
        vec![Ok("outcome".to_string())]
    );
    assert_eq!(
        names("let x = crate::wire::body::parse(crate::yaml::x);"),
        vec![Ok("wire".to_string()), Ok("yaml".to_string())]
    );
    assert_eq!(names("use crate::{a, b};"), vec![Err(())]);
    assert!(names("$crate::x and authconform_crate::y").is_empty());
}
