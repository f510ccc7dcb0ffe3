//! Loading a description: a bundled one with the profile's overrides merged in, or a custom one.

use std::path::Path;

use super::checks::{check_operation, check_prefix};
use super::model::{self, ApiSelection, OperationOverride};
use super::{Api, ApiError, BUNDLED, Operation};
use crate::suggest::did_you_mean;
use crate::yaml;

impl Api {
    /// The description a profile's `api:` section selects, with its prefix and overrides applied; or,
    /// when its name is not a bundled one, the custom API its operations define.
    pub fn from_selection(selection: &ApiSelection) -> Result<Api, ApiError> {
        let Some((_, text)) = BUNDLED.iter().find(|(name, _)| *name == selection.name) else {
            return Api::custom(selection);
        };
        let path = format!("<embedded>/apis/{}.yaml", selection.name);
        let file: model::ApiFile = yaml::parse_str(Path::new(&path), text)?;
        let mut api = Api::from_file(file)?;
        api.apply(selection)?;
        api.check_resources("api.operations")?;
        Ok(api)
    }

    /// A custom API: every operation of the selection, defined in full.
    fn custom(selection: &ApiSelection) -> Result<Api, ApiError> {
        if selection.operations.is_empty() {
            return Err(ApiError::UnknownApi {
                name: selection.name.clone(),
                known: Api::bundled_names().join(", "),
            });
        }
        let mut operations = Vec::new();
        for (name, op) in selection.operations.iter() {
            let required = |field: &str| ApiError::Invalid {
                field: format!("api.operations.{name}.{field}"),
                message: format!(
                    "required: `{}` is not a bundled API (bundled: {}), so each of its operations is defined in full",
                    selection.name,
                    Api::bundled_names().join(", ")
                ),
            };
            let operation = Operation {
                name: name.clone(),
                method: op
                    .method
                    .as_deref()
                    .ok_or_else(|| required("method"))?
                    .to_ascii_uppercase(),
                path: op.path.clone().ok_or_else(|| required("path"))?,
                auth: op.auth.unwrap_or(true),
                json: op.json.clone(),
                creates: op.creates.clone().unwrap_or_default().into_iter().collect(),
                status: op.status,
                headers: op.headers.clone().unwrap_or_default().into_iter().collect(),
                service: op.service.clone(),
                added: false,
                reads: false,
                prompt: op.prompt.clone(),
            };
            let operation = Operation {
                reads: op.reads.unwrap_or(read_method(&operation.method)),
                ..operation
            };
            check_operation(&operation, "api.operations")?;
            operations.push(operation);
        }
        let api = Api {
            name: selection.name.clone(),
            prefix: check_prefix(&selection.prefix)?,
            operations,
        };
        api.check_single_creators()?;
        api.check_resources("api.operations")?;
        Ok(api)
    }

    /// Checks and converts a parsed description.
    pub fn from_file(file: model::ApiFile) -> Result<Api, ApiError> {
        let mut operations = Vec::new();
        for (name, op) in file.operations.0 {
            let operation = Operation {
                method: op.method.to_ascii_uppercase(),
                path: op.path,
                auth: op.auth,
                json: op.json,
                creates: op.creates.into_iter().collect(),
                status: op.status,
                headers: op.headers.into_iter().collect(),
                service: None,
                added: false,
                reads: false,
                prompt: op.prompt,
                name,
            };
            let operation = Operation {
                reads: read_method(&operation.method),
                ..operation
            };
            check_operation(&operation, "operations")?;
            operations.push(operation);
        }
        Ok(Api {
            name: file.name,
            prefix: String::new(),
            operations,
        })
    }

    /// Applies a profile's prefix and per-operation overrides; an unknown name adds an operation.
    fn apply(&mut self, selection: &ApiSelection) -> Result<(), ApiError> {
        self.prefix = check_prefix(&selection.prefix)?;
        for (name, change) in selection.operations.iter() {
            let known: Vec<String> = self.operations.iter().map(|op| op.name.clone()).collect();
            let Some(operation) = self.operations.iter_mut().find(|op| op.name == *name) else {
                self.add(name, change, &known)?;
                continue;
            };
            if let Some(method) = &change.method {
                operation.method = method.to_ascii_uppercase();
            }
            if let Some(path) = &change.path {
                operation.path = path.clone();
            }
            if let Some(json) = &change.json {
                operation.json = Some(json.clone());
            }
            if let Some(auth) = change.auth {
                operation.auth = auth;
            }
            if let Some(creates) = &change.creates {
                operation.creates = creates.clone().into_iter().collect();
            }
            if let Some(status) = change.status {
                operation.status = Some(status);
            }
            if let Some(headers) = &change.headers {
                operation.headers = headers.clone().into_iter().collect();
            }
            if let Some(service) = &change.service {
                operation.service = Some(service.clone());
            }
            if let Some(prompt) = &change.prompt {
                operation.prompt = Some(prompt.clone());
            }
            if change.method.is_some() || change.reads.is_some() {
                operation.reads = change.reads.unwrap_or(read_method(&operation.method));
            }
            check_operation(operation, "api.operations")?;
        }
        Ok(())
    }

    /// Adds an operation the bundled description lacks: one with `method` and `path` (an entry with
    /// neither is a misspelt override). It may not create an id the description already creates.
    fn add(
        &mut self,
        name: &str,
        change: &OperationOverride,
        known: &[String],
    ) -> Result<(), ApiError> {
        let (Some(method), Some(path)) = (&change.method, &change.path) else {
            return Err(ApiError::UnknownOperation {
                name: name.to_string(),
                hint: Some(did_you_mean(name, known).map_or_else(
                    || "a new operation needs `method` and `path`".to_string(),
                    |hint| format!("{hint}; a new operation needs `method` and `path`"),
                )),
            });
        };
        let operation = Operation {
            name: name.to_string(),
            method: method.to_ascii_uppercase(),
            path: path.clone(),
            auth: change.auth.unwrap_or(true),
            json: change.json.clone(),
            creates: change
                .creates
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            status: change.status,
            headers: change
                .headers
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            service: change.service.clone(),
            added: true,
            reads: change.reads.unwrap_or(read_method(method)),
            prompt: change.prompt.clone(),
        };
        check_operation(&operation, "api.operations")?;
        for (capture, _) in &operation.creates {
            if let Some(first) = self.creator(capture) {
                return Err(ApiError::Invalid {
                    field: format!("api.operations.{name}.creates"),
                    message: format!(
                        "`{capture}` is already created by `{}`: give this kind of object its own name",
                        first.name
                    ),
                });
            }
        }
        self.operations.push(operation);
        Ok(())
    }
}

/// Whether requests of this method only read (`GET`, `HEAD`).
fn read_method(method: &str) -> bool {
    matches!(method.to_ascii_uppercase().as_str(), "GET" | "HEAD")
}
