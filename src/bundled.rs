//! Files built into the binary, so that an installed `authconform` runs from any folder: the bundled
//! suite (`scenarios/**/*.yaml`), the example profiles of the reference server and their TEST ONLY keys
//! (`fixtures/`), and the spec the suite is traced to (`specs/spec.md`).
//!
//! Each file keeps its path in the authconform repository (`scenarios/isolation/task-bola.yaml`), so
//! errors, reports and the traceability table name it as they would in a checkout.

use std::path::{Component, Path, PathBuf};

use include_dir::{Dir, include_dir};

static SCENARIOS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scenarios");
static PROFILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/profiles");
static KEYS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/keys");

/// `specs/spec.md`: the requirements (FR-001 ...) that `list --traceability` traces by default.
pub const SPEC_MD: &str = include_str!("../specs/spec.md");

/// Where the bundled suite lives in the repository; the prefix of its files' paths.
pub const SCENARIOS_ROOT: &str = "scenarios";

/// The scenario files of the bundled suite (`*.yaml`, `*.yml`), sorted, each with its path in the
/// repository and its text.
pub fn scenario_files() -> Vec<(PathBuf, &'static str)> {
    let mut files = Vec::new();
    collect(&SCENARIOS, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn collect(dir: &'static Dir<'static>, files: &mut Vec<(PathBuf, &'static str)>) {
    for file in dir.files() {
        let yaml = file
            .path()
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml");
        if let (true, Some(text)) = (yaml, file.contents_utf8()) {
            files.push((Path::new(SCENARIOS_ROOT).join(file.path()), text));
        }
    }
    for sub in dir.dirs() {
        collect(sub, files);
    }
}

/// A bundled fixture by its path in the repository, e.g. `fixtures/profiles/reference-rs256.yaml` or
/// `fixtures/keys/issuer/rsa2048.pem` (`.` and `..` components are resolved first).
pub fn fixture(path: &Path) -> Option<&'static str> {
    let path = normalize(path)?;
    let (dir, rest) = if let Ok(rest) = path.strip_prefix("fixtures/profiles") {
        (&PROFILES, rest)
    } else {
        (&KEYS, path.strip_prefix("fixtures/keys").ok()?)
    };
    dir.get_file(rest)?.contents_utf8()
}

/// `path` without `.` and `..` components; `None` when it climbs above its start or is absolute.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_suite_is_every_scenario_file_of_the_repository() {
        let files = scenario_files();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        let mut stack = vec![root.join(SCENARIOS_ROOT)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    on_disk.push(path.strip_prefix(root).unwrap().to_path_buf());
                }
            }
        }
        on_disk.sort();
        let names: Vec<PathBuf> = files.iter().map(|(path, _)| path.clone()).collect();
        assert_eq!(names, on_disk);
        for (path, text) in files {
            assert_eq!(std::fs::read_to_string(root.join(&path)).unwrap(), text);
        }
    }

    #[test]
    fn fixtures_are_found_by_their_repository_path() {
        let key = fixture(Path::new("fixtures/profiles/../keys/issuer/rsa2048.pem")).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(fixture(Path::new("fixtures/profiles/reference-rs256.yaml")).is_some());
        assert!(fixture(Path::new("fixtures/profiles/nope.yaml")).is_none());
        assert!(fixture(Path::new("../fixtures/keys/issuer/rsa2048.pem")).is_none());
        assert!(fixture(Path::new("scenarios/README.md")).is_none());
    }
}
