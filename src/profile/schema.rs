//! The JSON Schema of profile files, generated from the YAML model and committed as
//! `schemas/profile.schema.json` (editors use it through the `yaml-language-server` comment).

use super::model::ProfileFile;

/// The JSON Schema of a profile file, pretty-printed, with a final newline.
pub fn profile_schema() -> String {
    let schema = schemars::schema_for!(ProfileFile);
    let mut text = serde_json::to_string_pretty(schema.as_value()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/profile.schema.json");

    #[test]
    fn profile_schema_file_is_up_to_date() {
        let generated = profile_schema();
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas")).unwrap();
            std::fs::write(COMMITTED, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/profile.schema.json is stale or missing; regenerate it with \
             `UPDATE_SCHEMAS=1 cargo test -p authconform schema` and commit it"
        );
    }

    #[test]
    fn profile_schema_rejects_unknown_keys_and_requires_the_issuer() {
        let schema: serde_json::Value = serde_json::from_str(&profile_schema()).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        let required = schema["required"].as_array().unwrap();
        assert!(required.contains(&"issuer".into()) && required.contains(&"principals".into()));
    }
}
