//! Malformed scenario files: each gives clear, located errors (file:line:column, scenario id, hint),
//! never a panic. The messages are snapshot-tested.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use authconform::profile::Profile;
use authconform::scenario::{LoadOptions, known_requirements, load_suite};

const DIR: &str = "tests/data/bad-scenarios";

fn options_for(profile: &Profile) -> LoadOptions {
    let spec = std::fs::read_to_string("specs/spec.md").unwrap();
    LoadOptions {
        known_requirements: Some(known_requirements(&spec)),
        api: profile.api.clone(),
    }
}

/// The errors of loading these files together, one per line (hints indented below).
fn errors_of(files: &[&str]) -> String {
    let profile = Profile::embedded_reference().unwrap();
    let paths: Vec<PathBuf> = files.iter().map(|file| Path::new(DIR).join(file)).collect();
    let errors = match load_suite(&paths, &profile, &options_for(&profile)) {
        Ok(suite) => panic!(
            "{files:?} loaded without errors: {} cases",
            suite.cases.len()
        ),
        Err(errors) => errors,
    };
    for error in &errors {
        assert!(
            error.position.is_some(),
            "every error here is located: {error}"
        );
        assert!(error.file.is_relative(), "{error}");
    }
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Snapshot settings: absolute paths of this checkout, should any appear, become relative.
fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        &regex::escape(&format!("{}/", env!("CARGO_MANIFEST_DIR"))),
        "",
    );
    settings
}

macro_rules! bad {
    ($name:ident: $($file:literal),+) => {
        #[test]
        fn $name() {
            let text = errors_of(&[$($file),+]);
            settings().bind(|| insta::assert_snapshot!(stringify!($name), text));
        }
    };
}

bad!(bad_yaml_syntax: "bad-yaml-syntax.yaml");
bad!(bad_indentation: "bad-indentation.yaml");
bad!(unknown_key: "unknown-key.yaml");
bad!(missing_id: "missing-id.yaml");
bad!(duplicate_id_across_files: "duplicate-id-a.yaml", "duplicate-id-b.yaml");
bad!(unknown_mutation: "unknown-mutation.yaml");
bad!(unknown_principal: "unknown-principal.yaml");
bad!(unknown_placeholder: "unknown-placeholder.yaml");
bad!(unclosed_placeholder: "unclosed-placeholder.yaml");
bad!(bad_placeholder_name: "bad-placeholder-name.yaml");
bad!(bad_regex: "bad-regex.yaml");
bad!(unknown_operation: "unknown-operation.yaml");
bad!(unknown_operation_in_matrix: "unknown-operation-in-matrix.yaml");
bad!(call_and_request: "call-and-request.yaml");
bad!(neither_call_nor_request: "neither-call-nor-request.yaml");
bad!(bad_status: "bad-status.yaml");
bad!(bad_json_pointer: "bad-json-pointer.yaml");
bad!(capture_before_defined: "capture-before-defined.yaml");
bad!(operation_needs_capture: "operation-needs-capture.yaml");
bad!(prompt_without_chat: "prompt-without-chat.yaml");
bad!(from_mutation_without_mutation: "from-mutation-without-mutation.yaml");
bad!(two_mutations: "two-mutations.yaml");
bad!(empty_steps: "empty-steps.yaml");
bad!(wrong_type: "wrong-type.yaml");
bad!(unknown_category: "unknown-category.yaml");
bad!(unknown_requirement: "unknown-requirement.yaml");
bad!(matrix_unused: "matrix-unused.yaml");
bad!(matrix_shadowing: "matrix-shadowing.yaml");
bad!(unknown_matrix_source: "unknown-matrix-source.yaml");
bad!(bad_token_form: "bad-token-form.yaml");
bad!(token_outside_expect: "token-outside-expect.yaml");
bad!(not_a_scenarios_mapping: "not-yaml-scenarios.yaml");
bad!(instance_without_requires: "instance-without-requires.yaml");
bad!(bad_action_step: "bad-action-step.yaml");
bad!(bad_derived_step: "bad-derived-step.yaml");
bad!(body_bytes_without_body: "body-bytes-without-body.yaml");
bad!(unknown_need: "unknown-need.yaml");
bad!(cwe_mismatch: "cwe-mismatch.yaml");

/// Every file of the folder is covered above, and loading them all at once reports every one of them
/// (one file's errors never hide another's).
#[test]
fn loading_the_folder_reports_every_file() {
    let source = std::fs::read_to_string("tests/scenario_errors.rs").unwrap();
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(DIR).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            source.contains(&format!("\"{name}\"")),
            "{name} has no test in scenario_errors.rs"
        );
        files.insert(name);
    }
    assert!(files.len() >= 15);
    let profile = Profile::embedded_reference().unwrap();
    let errors = load_suite(&[PathBuf::from(DIR)], &profile, &options_for(&profile)).unwrap_err();
    let reported: BTreeSet<String> = errors
        .iter()
        .map(|e| e.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // duplicate-id-a.yaml is fine on its own: the duplicate is reported in the second file.
    let expected: BTreeSet<String> = files
        .into_iter()
        .filter(|f| f != "duplicate-id-a.yaml")
        .collect();
    assert_eq!(reported, expected);
}

#[test]
fn a_missing_path_is_an_error_not_a_panic() {
    let profile = Profile::embedded_reference().unwrap();
    let errors = load_suite(
        &[PathBuf::from("tests/data/no-such-folder")],
        &profile,
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "tests/data/no-such-folder: no such file or folder"
    );
}
