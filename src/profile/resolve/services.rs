//! Other services' base URLs and the MCP endpoints where principals open sessions.

use std::collections::BTreeMap;

use crate::profile::model::ProfileFile;

use super::{ProfileError, Resolver};

impl Resolver<'_> {
    /// The session endpoints of stateful MCP services, checked.
    pub(super) fn mcp_sessions(
        &self,
        file: &ProfileFile,
        services: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, ProfileError> {
        let mut sessions = BTreeMap::new();
        for (name, service) in &file.services {
            let Some(path) = &service.mcp_session else {
                continue;
            };
            if !path.starts_with('/') || path.contains(['?', '#', '{', '}']) {
                return Err(self.invalid(
                    &format!("services.{name}.mcp_session"),
                    format!("{path:?} must be a path that starts with `/`, e.g. /mcp"),
                ));
            }
            sessions.insert(name.clone(), format!("{}{path}", services[name]));
        }
        Ok(sessions)
    }

    /// The services' base URLs, checked, and every operation's `service` among them.
    pub(super) fn services(
        &self,
        file: &ProfileFile,
    ) -> Result<BTreeMap<String, String>, ProfileError> {
        let mut services = BTreeMap::new();
        for (name, service) in &file.services {
            match url::Url::parse(&service.base_url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                _ => {
                    return Err(self.invalid(
                        &format!("services.{name}.base_url"),
                        format!("{:?} is not an http(s) URL", service.base_url),
                    ));
                }
            }
            services.insert(
                name.clone(),
                service.base_url.trim_end_matches('/').to_string(),
            );
        }
        for (op, change) in file.api.operations.iter() {
            if let Some(service) = &change.service
                && !services.contains_key(service)
            {
                let known: Vec<&str> = services.keys().map(String::as_str).collect();
                let hint = crate::suggest::did_you_mean(service, &known).unwrap_or_default();
                return Err(self.invalid(
                    &format!("api.operations.{op}.service"),
                    format!("no service `{service}` in `services` {hint}"),
                ));
            }
        }
        Ok(services)
    }
}
