//! The JSON Schema of scenario files, generated from the YAML model and committed as
//! `schemas/scenarios.schema.json` (editors use it through the `yaml-language-server` comment).

use super::model::ScenarioFile;

/// The JSON Schema of a scenario file, pretty-printed, with a final newline.
pub fn scenarios_schema() -> String {
    crate::schemas::render::<ScenarioFile>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_file_is_up_to_date() {
        crate::schemas::assert_committed("scenarios.schema.json", &scenarios_schema());
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
