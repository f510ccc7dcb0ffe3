//! The profile's own URL and its login flows, checked before a run sends anything: a flow that cannot
//! work is a configuration error (exit 2), not a failure found halfway through logging in.

use crate::api::{check_pointer, is_method};
use crate::profile::model::{ExtractFile, LoginFile, ProfileFile};

use super::{ProfileError, Resolver};

impl Resolver<'_> {
    /// `base_url` and every login flow: steps, methods, statuses, extractions, and `token` among them.
    pub(super) fn check_urls_and_logins(&self, file: &ProfileFile) -> Result<(), ProfileError> {
        if let Some(url) = &file.base_url {
            self.check_url("base_url", url)?;
        }
        for (name, flow) in &file.logins {
            self.check_login(&format!("logins.{name}"), flow)?;
        }
        Ok(())
    }

    /// An absolute http(s) URL with a host.
    pub(super) fn check_url(&self, field: &str, url: &str) -> Result<(), ProfileError> {
        match url::Url::parse(url) {
            Ok(parsed)
                if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() =>
            {
                Ok(())
            }
            _ => Err(self.invalid(
                field,
                format!("{url:?} is not an http(s) URL, e.g. http://127.0.0.1:8000"),
            )),
        }
    }

    fn check_login(&self, field: &str, flow: &LoginFile) -> Result<(), ProfileError> {
        if let Some(url) = flow.base_url.as_ref().filter(|url| !url.contains('{')) {
            self.check_url(&format!("{field}.base_url"), url)?;
        }
        if flow.steps.is_empty() {
            return Err(self.invalid(&format!("{field}.steps"), "a login flow needs a step"));
        }
        for (index, step) in flow.steps.iter().enumerate() {
            let field = format!("{field}.steps[{index}]");
            if let Some(method) = &step.method
                && !is_method(method)
            {
                return Err(self.invalid(
                    &format!("{field}.method"),
                    format!("{method:?} is not an HTTP method"),
                ));
            }
            if step.json.is_some() && step.form.is_some() {
                return Err(self.invalid(&field, "a step sends `json` or `form`, not both"));
            }
            if let Some(status) = step.ok.iter().find(|status| !(100..=599).contains(*status)) {
                return Err(self.invalid(
                    &format!("{field}.ok"),
                    format!("{status} is not an HTTP status (100 to 599)"),
                ));
            }
            for (name, how) in &step.extract {
                self.check_extract(&format!("{field}.extract.{name}"), how)?;
            }
        }
        let extracts_token = flow
            .steps
            .iter()
            .any(|step| step.extract.contains_key("token"));
        if !extracts_token {
            return Err(self.invalid(
                &format!("{field}.steps"),
                "no step extracts `token` (e.g. `extract: { token: { json: /token } }`)",
            ));
        }
        Ok(())
    }

    fn check_extract(&self, field: &str, how: &ExtractFile) -> Result<(), ProfileError> {
        match (&how.json, &how.header, &how.cookie) {
            (Some(pointer), None, None) => check_pointer(pointer)
                .map_err(|message| self.invalid(&format!("{field}.json"), message)),
            (None, Some(header), None) if !is_method(header) => Err(self.invalid(
                &format!("{field}.header"),
                format!("{header:?} is not a header name"),
            )),
            (None, Some(_), None) => Ok(()),
            (None, None, Some(cookie)) if cookie.is_empty() => {
                Err(self.invalid(&format!("{field}.cookie"), "empty cookie name"))
            }
            (None, None, Some(_)) => Ok(()),
            _ => Err(self.invalid(field, "give exactly one of `json`, `header`, `cookie`")),
        }
    }
}
