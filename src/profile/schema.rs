//! The JSON Schema of profile files, generated from the YAML model and committed as
//! `schemas/profile.schema.json` (editors use it through the `yaml-language-server` comment).

use super::model::ProfileFile;

/// The JSON Schema of a profile file, pretty-printed, with a final newline.
pub fn profile_schema() -> String {
    crate::schemas::render::<ProfileFile>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_schema_file_is_up_to_date() {
        crate::schemas::assert_committed("profile.schema.json", &profile_schema());
    }

    #[test]
    fn profile_schema_rejects_unknown_keys_and_requires_the_issuer() {
        let schema: serde_json::Value = serde_json::from_str(&profile_schema()).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        let required = schema["required"].as_array().unwrap();
        assert!(required.contains(&"issuer".into()) && required.contains(&"principals".into()));
    }
}
