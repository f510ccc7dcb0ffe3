//! Running one login flow: its requests in order, one cookie jar, values extracted for later steps.
//! Redirects are not followed and no proxy is used; the flow talks to its own base URL only.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::LoginError;
use crate::profile::model::{ExtractFile, LoginFile, LoginStepFile};

/// Most bytes of a login answer read.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The values a flow's templates can name.
pub struct Values {
    values: BTreeMap<String, String>,
}

impl Values {
    /// The principal's vars (their `{env.NAME}` read), its name and the flow's base URL.
    pub fn new(
        vars: &BTreeMap<String, String>,
        principal: &str,
        base_url: &str,
    ) -> Result<Values, String> {
        let mut values = Values {
            values: BTreeMap::from([
                ("principal".to_string(), principal.to_string()),
                ("base_url".to_string(), base_url.to_string()),
            ]),
        };
        let environment = Values {
            values: BTreeMap::new(),
        };
        for (name, text) in vars {
            let value = environment
                .render(text)
                .map_err(|reason| format!("vars.{name}: {reason}"))?;
            values.values.insert(name.clone(), value);
        }
        Ok(values)
    }

    /// `text` with each `{name}` replaced (`{env.NAME}`: an environment variable).
    pub fn render(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("unclosed `{{` in {text:?}"))?;
            out.push_str(&self.lookup(&after[..close])?);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn lookup(&self, name: &str) -> Result<String, String> {
        if let Some(var) = name.strip_prefix("env.") {
            return std::env::var(var)
                .map_err(|_| format!("environment variable `{var}` is not set"));
        }
        self.values.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.values.keys().map(String::as_str).collect();
            format!("unknown value `{{{name}}}` (known: {})", known.join(", "))
        })
    }

    /// A JSON body with every string rendered.
    fn render_json(&self, value: &Value) -> Result<Value, String> {
        Ok(match value {
            Value::String(text) => Value::String(self.render(text)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.render_json(item))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(name, item)| Ok((name.clone(), self.render_json(item)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    /// A value extracted by a step, by name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// Runs `flow` from `base_url`; returns the values, `token` among them.
pub async fn run(
    name: &str,
    flow: &LoginFile,
    base_url: &str,
    mut values: Values,
    timeout: Duration,
) -> Result<Values, LoginError> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .build()
        .map_err(|err| LoginError::Config(format!("cannot build the login client: {err}")))?;
    for (index, step) in flow.steps.iter().enumerate() {
        let label = format!(
            "login `{name}` step {} ({} {})",
            index + 1,
            method_of(step),
            step.path
        );
        let answer = send(&client, step, base_url, &values)
            .await
            .map_err(|err| err.at(&label))?;
        let ok = if step.ok.is_empty() {
            (200..300).contains(&answer.status)
        } else {
            step.ok.contains(&answer.status)
        };
        if !ok {
            return Err(LoginError::Refused(format!(
                "{label}: answered {} ({})",
                answer.status,
                excerpt(&answer.body)
            )));
        }
        for (var, how) in &step.extract {
            let value = extract(&answer, how).ok_or_else(|| {
                LoginError::Refused(format!(
                    "{label}: no `{var}` in the answer ({}; status {}, {})",
                    describe(how),
                    answer.status,
                    excerpt(&answer.body)
                ))
            })?;
            values.values.insert(var.clone(), value);
        }
    }
    if values.get("token").is_none() {
        return Err(LoginError::Config(format!(
            "login `{name}`: no step extracts `token`"
        )));
    }
    Ok(values)
}

fn method_of(step: &LoginStepFile) -> String {
    match &step.method {
        Some(method) => method.to_ascii_uppercase(),
        None if step.json.is_some() || step.form.is_some() => "POST".into(),
        None => "GET".into(),
    }
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    cookies: Vec<(String, String)>,
    body: String,
}

/// A step could not be sent: configuration (exit 2) or the network (exit 3).
enum SendFailure {
    Config(String),
    Network(String),
}

impl SendFailure {
    fn at(self, label: &str) -> LoginError {
        match self {
            SendFailure::Config(reason) => LoginError::Config(format!("{label}: {reason}")),
            SendFailure::Network(reason) => LoginError::Unreachable(format!("{label}: {reason}")),
        }
    }
}

async fn send(
    client: &reqwest::Client,
    step: &LoginStepFile,
    base_url: &str,
    values: &Values,
) -> Result<Answer, SendFailure> {
    let path = values.render(&step.path).map_err(SendFailure::Config)?;
    let url = join(base_url, &path)?;
    let method = reqwest::Method::from_bytes(method_of(step).as_bytes())
        .map_err(|_| SendFailure::Config(format!("invalid method {:?}", step.method)))?;
    let mut request = client.request(method, url);
    for (header, value) in &step.headers {
        request = request.header(header, values.render(value).map_err(SendFailure::Config)?);
    }
    if let Some(json) = &step.json {
        request = request.json(&values.render_json(json).map_err(SendFailure::Config)?);
    }
    if let Some(form) = &step.form {
        let rendered = form
            .iter()
            .map(|(name, value)| Ok((name.clone(), values.render(value)?)))
            .collect::<Result<BTreeMap<_, _>, String>>()
            .map_err(SendFailure::Config)?;
        request = request.form(&rendered);
    }
    let response = request
        .send()
        .await
        .map_err(|err| SendFailure::Network(crate::wire::error_chain(&err)))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let cookies = response
        .cookies()
        .map(|cookie| (cookie.name().to_string(), cookie.value().to_string()))
        .collect();
    let body = read_capped(response).await?;
    Ok(Answer {
        status,
        headers,
        cookies,
        body,
    })
}

/// `path` below `base_url`; a full URL must be on the base URL's origin.
fn join(base_url: &str, path: &str) -> Result<String, SendFailure> {
    let base = url::Url::parse(base_url)
        .map_err(|err| SendFailure::Config(format!("base URL {base_url:?}: {err}")))?;
    let url = match url::Url::parse(path) {
        Ok(url) => url,
        Err(_) => {
            let joined = format!(
                "{}/{}",
                base_url.trim_end_matches('/'),
                path.trim_start_matches('/')
            );
            url::Url::parse(&joined)
                .map_err(|err| SendFailure::Config(format!("path {path:?}: {err}")))?
        }
    };
    if url.origin() != base.origin() {
        return Err(SendFailure::Config(format!(
            "{url} is not on the flow's base URL {base_url}"
        )));
    }
    Ok(url.to_string())
}

async fn read_capped(mut response: reqwest::Response) -> Result<String, SendFailure> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| SendFailure::Network(crate::wire::error_chain(&err)))?
    {
        let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if room <= chunk.len() {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn extract(answer: &Answer, how: &ExtractFile) -> Option<String> {
    if let Some(pointer) = &how.json {
        let body: Value = serde_json::from_str(&answer.body).ok()?;
        return match body.pointer(pointer)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        };
    }
    if let Some(header) = &how.header {
        return answer.headers.get(header)?.to_str().ok().map(String::from);
    }
    let cookie = how.cookie.as_ref()?;
    answer
        .cookies
        .iter()
        .find(|(name, _)| name == cookie)
        .map(|(_, value)| value.clone())
}

fn describe(how: &ExtractFile) -> String {
    match (&how.json, &how.header, &how.cookie) {
        (Some(pointer), _, _) => format!("JSON pointer {pointer}"),
        (_, Some(header), _) => format!("header {header}"),
        (_, _, Some(cookie)) => format!("cookie {cookie}"),
        _ => "nothing to extract".into(),
    }
}

/// The start of a body, on one line, for messages.
fn excerpt(body: &str) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((at, _)) => format!("body: {}...", &line[..at]),
        None if line.is_empty() => "empty body".into(),
        None => format!("body: {line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_vars_extracted_values_and_the_environment() {
        let vars = BTreeMap::from([
            ("email".to_string(), "alice@example.test".to_string()),
            ("home".to_string(), "{env.PATH}".to_string()),
        ]);
        let values = Values::new(&vars, "alice", "http://127.0.0.1:3000").unwrap();
        assert_eq!(values.get("home"), std::env::var("PATH").ok().as_deref());
        let unset = BTreeMap::from([(
            "p".to_string(),
            "{env.AUTHCONFORM_SURELY_UNSET}".to_string(),
        )]);
        assert!(Values::new(&unset, "alice", "").is_err());
        assert_eq!(
            values
                .render("{email} of {principal} at {base_url}")
                .unwrap(),
            "alice@example.test of alice at http://127.0.0.1:3000"
        );
        let err = values.render("{pasword}").unwrap_err();
        assert!(
            err.contains("unknown value `{pasword}`") && err.contains("email"),
            "{err}"
        );
        assert!(values.render("{env.AUTHCONFORM_SURELY_UNSET_VAR}").is_err());
        assert!(values.render("{email").is_err());
        let body = values
            .render_json(&serde_json::json!({"user": {"email": "{email}"}, "n": 1}))
            .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"user": {"email": "alice@example.test"}, "n": 1})
        );
    }

    #[test]
    fn a_flow_stays_on_its_origin() {
        assert!(join("http://127.0.0.1:3000", "/api/auth/token").is_ok());
        assert!(join("http://127.0.0.1:3000/", "api/auth/token").is_ok());
        assert!(join("http://127.0.0.1:3000", "http://127.0.0.1:3000/x").is_ok());
        assert!(join("http://127.0.0.1:3000", "http://evil.invalid/x").is_err());
    }
}
