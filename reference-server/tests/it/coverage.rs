//! Every requirement of `specs/spec.md` has at least one test named after it.

use std::collections::BTreeSet;

#[test]
fn every_requirement_of_the_spec_has_a_test() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let spec = std::fs::read_to_string(format!("{root}/specs/spec.md")).expect("specs/spec.md");
    let required: BTreeSet<String> = spec
        .lines()
        .filter_map(|line| line.strip_prefix("**FR-"))
        .filter_map(|rest| rest.get(..3))
        .filter(|id| id.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .collect();
    assert!(
        required.len() >= 50,
        "only {} requirements found",
        required.len()
    );
    let mut tested = BTreeSet::new();
    let dir = format!("{root}/reference-server/tests/it");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in source.match_indices("fn fr_") {
            if let Some(id) = source.get(i + 6..i + 9) {
                tested.insert(id.to_owned());
            }
        }
    }
    let missing: Vec<_> = required.difference(&tested).collect();
    assert!(
        missing.is_empty(),
        "requirements without a test: {missing:?}"
    );
}
