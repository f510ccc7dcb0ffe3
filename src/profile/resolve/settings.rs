//! The run settings a profile checks: timeouts and body cap, chat phrases, missing-token statuses.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::profile::model::{PolicyFile, ProfileFile};
use crate::wire::TargetSettings;

use super::{ProfileError, Resolver};
use crate::api::{DEFAULT_CHAT_PHRASES, header_value_problem, is_method};

impl Resolver<'_> {
    pub(super) fn target_settings(
        &self,
        file: &ProfileFile,
    ) -> Result<TargetSettings, ProfileError> {
        let timeouts = &file.timeouts;
        if timeouts.request_secs == 0 || timeouts.request_secs > 600 {
            return Err(self.invalid("timeouts.request_secs", "must be between 1 and 600"));
        }
        if timeouts.connect_secs == 0 || timeouts.connect_secs > 600 {
            return Err(self.invalid("timeouts.connect_secs", "must be between 1 and 600"));
        }
        if timeouts.give_up_after == 0 || timeouts.give_up_after > 100_000 {
            return Err(self.invalid("timeouts.give_up_after", "must be between 1 and 100000"));
        }
        if file.max_body_kib == 0 || file.max_body_kib > 64 * 1024 {
            return Err(self.invalid("max_body_kib", "must be between 1 and 65536"));
        }
        Ok(TargetSettings {
            request_timeout: Duration::from_secs(timeouts.request_secs),
            connect_timeout: Duration::from_secs(timeouts.connect_secs),
            max_body_bytes: file.max_body_kib * 1024,
            give_up_after: timeouts.give_up_after,
        })
    }

    /// The headers a profile sends (its own, the token's, its login flows'): names are HTTP tokens,
    /// values hold no line breaks or other control characters.
    pub(super) fn check_headers(&self, file: &ProfileFile) -> Result<(), ProfileError> {
        self.check_header_map("headers", &file.headers)?;
        let presentation = &file.presentation;
        if !is_method(&presentation.header) {
            return Err(self.invalid(
                "presentation.header",
                not_a_header_name(&presentation.header),
            ));
        }
        if let Some(problem) = header_value_problem(&presentation.scheme) {
            return Err(self.invalid("presentation.scheme", problem));
        }
        for (flow, login) in &file.logins {
            for (index, step) in login.steps.iter().enumerate() {
                let field = format!("logins.{flow}.steps[{index}].headers");
                self.check_header_map(&field, &step.headers)?;
            }
        }
        Ok(())
    }

    fn check_header_map(
        &self,
        field: &str,
        headers: &BTreeMap<String, String>,
    ) -> Result<(), ProfileError> {
        for (name, value) in headers {
            if !is_method(name) {
                return Err(self.invalid(field, not_a_header_name(name)));
            }
            if let Some(problem) = header_value_problem(value) {
                return Err(self.invalid(&format!("{field}.{name}"), problem));
            }
        }
        Ok(())
    }

    /// The chat phrases: the defaults, reworded by the profile (an unknown name is an error).
    pub(super) fn chat_phrases(
        &self,
        reworded: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, ProfileError> {
        let mut chat_phrases: BTreeMap<String, String> = DEFAULT_CHAT_PHRASES
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        for (name, text) in reworded {
            if !DEFAULT_CHAT_PHRASES.iter().any(|(known, _)| known == name) {
                let known: Vec<&str> = DEFAULT_CHAT_PHRASES
                    .iter()
                    .map(|(known, _)| *known)
                    .collect();
                let hint = crate::suggest::did_you_mean(name, &known).unwrap_or_default();
                return Err(self.invalid(
                    &format!("chat_phrases.{name}"),
                    format!("unknown phrase {hint} (known: {})", known.join(", ")),
                ));
            }
            if text.trim().is_empty() {
                return Err(self.invalid(
                    &format!("chat_phrases.{name}"),
                    "empty: a chat message needs words",
                ));
            }
            chat_phrases.insert(name.clone(), text.clone());
        }
        Ok(chat_phrases)
    }

    /// The statuses a request without credentials may get: one or more, all 4xx.
    pub(super) fn check_policy(&self, policy: &PolicyFile) -> Result<(), ProfileError> {
        if policy.missing_token_status.is_empty()
            || policy
                .missing_token_status
                .iter()
                .any(|status| !(400..500).contains(status))
        {
            return Err(self.invalid(
                "policy.missing_token_status",
                "list one or more 4xx statuses",
            ));
        }
        Ok(())
    }
}

fn not_a_header_name(name: &str) -> String {
    format!("{name:?} is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)")
}
