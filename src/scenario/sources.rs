//! Which scenario files a load reads: the bundled suite built into the binary, files and folders on
//! disk, or both.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use super::error::LoadError;

/// The scenario files of a load.
///
/// The command line's rule: with no `--scenarios`, the bundled suite; `--scenarios PATH` replaces it;
/// `--with-bundled` keeps it beside the paths given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteSources {
    /// Include the bundled suite ([`crate::bundled::scenario_files`]).
    pub bundled: bool,
    /// Scenario files, or folders searched recursively for `*.yaml` / `*.yml`.
    pub paths: Vec<PathBuf>,
}

impl Default for SuiteSources {
    fn default() -> Self {
        SuiteSources::bundled()
    }
}

impl SuiteSources {
    /// The bundled suite alone.
    pub fn bundled() -> Self {
        SuiteSources {
            bundled: true,
            paths: Vec::new(),
        }
    }

    /// These files and folders alone.
    pub fn paths(paths: &[PathBuf]) -> Self {
        SuiteSources {
            bundled: false,
            paths: paths.to_vec(),
        }
    }

    /// From the command line: `paths` replace the bundled suite unless `with_bundled`; no paths
    /// means the bundled suite.
    pub fn from_flags(paths: &[PathBuf], with_bundled: bool) -> Self {
        SuiteSources {
            bundled: with_bundled || paths.is_empty(),
            paths: paths.to_vec(),
        }
    }

    /// Every file's path and text, sorted by path. A file on disk whose path is the repository path
    /// of a bundled file (`scenarios/...`, as in a checkout) replaces that bundled file.
    pub(super) fn read(&self, errors: &mut Vec<LoadError>) -> Vec<(PathBuf, Cow<'static, str>)> {
        let mut texts: BTreeMap<PathBuf, Cow<'static, str>> = BTreeMap::new();
        if self.bundled {
            for (path, text) in crate::bundled::scenario_files() {
                texts.insert(path, Cow::Borrowed(text));
            }
        }
        for file in super::load::collect_files(&self.paths, errors) {
            match crate::yaml::read_limited(&file, crate::yaml::MAX_DOCUMENT_BYTES) {
                Ok(text) => {
                    texts.insert(file, Cow::Owned(text));
                }
                Err(message) => errors.push(LoadError::new(&file, None, message)),
            }
        }
        texts.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_replace_the_bundled_suite_unless_it_is_asked_for() {
        assert!(SuiteSources::from_flags(&[], false).bundled);
        let mine = [PathBuf::from("mine")];
        assert!(!SuiteSources::from_flags(&mine, false).bundled);
        assert!(SuiteSources::from_flags(&mine, true).bundled);
        assert_eq!(SuiteSources::default(), SuiteSources::bundled());
    }

    #[test]
    fn the_bundled_suite_is_read_without_the_disk() {
        let mut errors = Vec::new();
        let files = SuiteSources::bundled().read(&mut errors);
        assert!(errors.is_empty());
        assert!(files.len() >= 10);
        assert!(files.iter().all(|(path, _)| path.starts_with("scenarios")));
    }
}
