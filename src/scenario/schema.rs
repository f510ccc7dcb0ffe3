//! The JSON Schema of scenario files, generated from the YAML model and committed as
//! `schemas/scenarios.schema.json` (editors use it through the `yaml-language-server` comment).

use super::model::ScenarioFile;

/// The JSON Schema of a scenario file, pretty-printed, with a final newline.
pub fn scenarios_schema() -> String {
    let schema = schemars::schema_for!(ScenarioFile);
    let mut text = serde_json::to_string_pretty(schema.as_value()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/scenarios.schema.json");

    #[test]
    fn schema_file_is_up_to_date() {
        let generated = scenarios_schema();
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas")).unwrap();
            std::fs::write(COMMITTED, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/scenarios.schema.json is stale or missing; regenerate it with \
             `UPDATE_SCHEMAS=1 cargo test -p authconform schema` and commit it"
        );
    }

    #[test]
    fn schema_describes_the_shapes() {
        let schema: serde_json::Value = serde_json::from_str(&scenarios_schema()).unwrap();
        let defs = &schema["$defs"];
        assert_eq!(defs["ScenarioDoc"]["additionalProperties"], false);
        assert!(
            defs["ScenarioDoc"]["required"]
                .as_array()
                .unwrap()
                .contains(&"id".into())
        );
        assert!(defs["StepDoc"]["properties"]["as"].is_object());
        for shaped in ["Token", "Expect", "Status", "MatrixSource"] {
            assert!(
                defs[shaped]["oneOf"].is_array(),
                "{shaped}: {}",
                defs[shaped]
            );
        }
    }
}
