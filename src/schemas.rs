//! JSON Schemas generated from the YAML models and committed under `schemas/` (editors use them
//! through the `yaml-language-server` comment); a test per schema fails when the file is stale.

use schemars::JsonSchema;

/// The JSON Schema of `T`, pretty-printed, with a final newline.
pub fn render<T: JsonSchema>() -> String {
    let schema = schemars::schema_for!(T);
    let mut text = serde_json::to_string_pretty(schema.as_value()).unwrap_or_default();
    text.push('\n');
    text
}

/// Fails when `schemas/<file>` differs from `generated`; with `UPDATE_SCHEMAS` set, writes it first.
#[cfg(test)]
pub(crate) fn assert_committed(file: &str, generated: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
    let path = format!("{dir}/{file}");
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(&path, generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/{file} is stale or missing; regenerate it with \
         `UPDATE_SCHEMAS=1 cargo test -p authconform schema` and commit it"
    );
}
