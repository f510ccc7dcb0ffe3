//! Tokens from the real issuer: before a run, each principal with a `token` source gets its token (a
//! login flow of the profile, an environment variable or a command) and its user id from that token.
//! The harness signs nothing for such a principal; attacks that need the issuer's key are skipped.

mod flow;

use std::time::Duration;

use crate::profile::{Profile, TokenSource};
use crate::token::mint::IssuedToken;

/// Most bytes a token command may print.
const MAX_COMMAND_OUTPUT: usize = 64 * 1024;
/// Time a token command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// A token could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The profile or the environment is wrong (exit 2).
    #[error("{0}")]
    Config(String),
    /// The issuer answered, but not with a token (exit 2: credentials or flow are wrong).
    #[error("{0}")]
    Refused(String),
    /// The issuer could not be reached (exit 3).
    #[error("{0}")]
    Unreachable(String),
}

impl LoginError {
    /// The same error, its message prefixed with `who: `.
    fn of(self, who: &str) -> LoginError {
        match self {
            LoginError::Config(reason) => LoginError::Config(format!("{who}: {reason}")),
            LoginError::Refused(reason) => LoginError::Refused(format!("{who}: {reason}")),
            LoginError::Unreachable(reason) => LoginError::Unreachable(format!("{who}: {reason}")),
        }
    }
}

/// One principal's token, for the run's first lines.
#[derive(Debug, Clone)]
pub struct Obtained {
    /// The principal.
    pub principal: String,
    /// Where the token came from.
    pub source: String,
    /// The user id read from it.
    pub user_id: String,
    /// Seconds until it expires, when it says.
    pub expires_in: Option<i64>,
}

/// The profile with every token source's token and user id filled in. `target` is where login
/// flows without their own `base_url` go.
pub async fn obtain(
    mut profile: Profile,
    target: Option<&str>,
    now: u64,
) -> Result<(Profile, Vec<Obtained>), LoginError> {
    let mut obtained = Vec::new();
    for (name, source) in profile.token_sources.clone() {
        let (text, from) = token_text(&profile, &name, &source, target).await?;
        let issued = IssuedToken::parse(&text).map_err(|reason| {
            LoginError::Refused(format!("{name}: the token from {from} is {reason}"))
        })?;
        let user_id = identity(&profile, &name, &issued, &from)?;
        check_alg(&mut profile, &name, &issued, &from)?;
        let expires_in = issued
            .claims
            .get("exp")
            .and_then(serde_json::Value::as_i64)
            .map(|exp| exp - now as i64);
        let principal = profile
            .principals
            .get_mut(&name)
            .ok_or_else(|| LoginError::Config(format!("no principal `{name}`")))?;
        if !principal.sub.is_empty() && principal.sub != user_id {
            return Err(LoginError::Config(format!(
                "{name}: the profile says sub `{}`, the token from {from} names `{user_id}`",
                principal.sub
            )));
        }
        principal.sub = user_id.clone();
        principal.issued = Some(issued);
        obtained.push(Obtained {
            principal: name,
            source: from,
            user_id,
            expires_in,
        });
    }
    Ok((profile, obtained))
}

/// The token text and a description of where it came from.
async fn token_text(
    profile: &Profile,
    name: &str,
    source: &TokenSource,
    target: Option<&str>,
) -> Result<(String, String), LoginError> {
    match source {
        TokenSource::Env(var) => {
            let text = std::env::var(var).map_err(|_| {
                LoginError::Config(format!(
                    "{name}: environment variable `{var}` (its token) is not set"
                ))
            })?;
            Ok((text, format!("${var}")))
        }
        TokenSource::Command(argv) => {
            Ok((run_command(name, argv).await?, format!("`{}`", argv[0])))
        }
        TokenSource::Login { flow, vars } => {
            let login = profile
                .logins
                .get(flow)
                .ok_or_else(|| LoginError::Config(format!("{name}: no login flow `{flow}`")))?;
            let config = |reason: String| LoginError::Config(format!("{name}: {reason}"));
            let base_url = match &login.base_url {
                Some(url) => flow::Values::new(&Default::default(), name, "")
                    .and_then(|values| values.render(url))
                    .map_err(|reason| config(format!("logins.{flow}.base_url: {reason}")))?,
                None => target.map(String::from).ok_or_else(|| {
                    LoginError::Config(format!(
                        "login `{flow}` has no base_url and the run has no target URL: set logins.{flow}.base_url"
                    ))
                })?,
            };
            let base_url = base_url.trim_end_matches('/');
            let values = flow::Values::new(vars, name, base_url)
                .map_err(|reason| config(format!("token.{reason}")))?;
            let timeout = profile.target_settings.request_timeout;
            let values = flow::run(flow, login, base_url, values, timeout)
                .await
                .map_err(|err| err.of(name))?;
            let token = values.get("token").unwrap_or_default().to_string();
            Ok((token, format!("login `{flow}`")))
        }
    }
}

/// Runs a token command (no shell, no stdin) and returns its trimmed stdout.
async fn run_command(name: &str, argv: &[String]) -> Result<String, LoginError> {
    let output = tokio::time::timeout(
        COMMAND_TIMEOUT,
        tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| {
        LoginError::Config(format!(
            "{name}: token command `{}` took longer than {} s",
            argv[0],
            COMMAND_TIMEOUT.as_secs()
        ))
    })?
    .map_err(|err| LoginError::Config(format!("{name}: cannot run `{}`: {err}", argv[0])))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(LoginError::Config(format!(
            "{name}: token command `{}` failed ({}): {}",
            argv[0],
            output.status,
            stderr.trim()
        )));
    }
    if output.stdout.len() > MAX_COMMAND_OUTPUT {
        return Err(LoginError::Config(format!(
            "{name}: token command `{}` printed more than {MAX_COMMAND_OUTPUT} bytes",
            argv[0]
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The user id the token carries in the profile's user claim.
fn identity(
    profile: &Profile,
    name: &str,
    issued: &IssuedToken,
    from: &str,
) -> Result<String, LoginError> {
    let claim = &profile.issuer.user_id_claim;
    let value = claim.get(&issued.claims).ok_or_else(|| {
        let present: Vec<&str> = issued.claims.keys().map(String::as_str).collect();
        LoginError::Config(format!(
            "{name}: the token from {from} has no `{claim}` claim (it has: {}); set issuer.user_claim",
            present.join(", ")
        ))
    })?;
    profile.issuer.id_type.text(value).ok_or_else(|| {
        LoginError::Config(format!(
            "{name}: the token's `{claim}` is {value}, not a user id of type {}; set issuer.user_id_type",
            profile.issuer.id_type
        ))
    })
}

/// The token's `alg` must be the profile's; its `kid` becomes the issuer's when the profile has none.
fn check_alg(
    profile: &mut Profile,
    name: &str,
    issued: &IssuedToken,
    from: &str,
) -> Result<(), LoginError> {
    let alg = issued.header.get("alg").and_then(serde_json::Value::as_str);
    if alg != Some(profile.issuer.alg.as_str()) {
        return Err(LoginError::Config(format!(
            "{name}: the token from {from} is signed with {}, the profile says issuer.alg {}",
            alg.unwrap_or("no alg"),
            profile.issuer.alg
        )));
    }
    if profile.issuer.kid.is_none() {
        profile.issuer.kid = issued
            .header
            .get("kid")
            .and_then(serde_json::Value::as_str)
            .map(String::from);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::b64;

    fn token(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            b64::encode(header.as_bytes()),
            b64::encode(claims.as_bytes())
        )
    }

    fn profile_with(principals: &str) -> Profile {
        let dir = std::env::temp_dir().join(format!("authconform-login-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("p{}.yaml", principals.len()));
        let text =
            format!("issuer:\n  alg: EdDSA\n  user_claim: /user/id\nprincipals:\n{principals}");
        std::fs::write(&path, text).unwrap();
        Profile::load(&path).unwrap()
    }

    #[tokio::test]
    async fn a_command_token_gives_the_user_id_and_the_kid() {
        let jwt = token(
            r#"{"alg":"EdDSA","kid":"k-1"}"#,
            r#"{"user":{"id":"u-1"},"exp":1100}"#,
        );
        let profile = profile_with(&format!(
            "  alice: {{ token: {{ command: [printf, \"%s\\n\", \"{jwt}\"] }} }}\n"
        ));
        let (profile, obtained) = obtain(profile, None, 1000).await.unwrap();
        let alice = &profile.principals["alice"];
        assert_eq!(alice.sub, "u-1");
        assert_eq!(alice.issued.as_ref().unwrap().compact, jwt);
        assert_eq!(profile.issuer.kid.as_deref(), Some("k-1"));
        assert_eq!(obtained[0].expires_in, Some(100));
        // Its valid token is the issued one, whatever the clock says.
        let minted = crate::token::mint::mint_at(alice, &profile.issuer, 5000).unwrap();
        assert_eq!(minted, jwt);
    }

    #[tokio::test]
    async fn a_token_that_does_not_fit_the_profile_is_refused_with_the_reason() {
        let rs256 = token(r#"{"alg":"RS256"}"#, r#"{"user":{"id":"u-1"}}"#);
        let profile = profile_with(&format!(
            "  a: {{ token: {{ command: [echo, \"{rs256}\"] }} }}\n"
        ));
        let err = obtain(profile, None, 0).await.unwrap_err().to_string();
        assert!(
            err.contains("signed with RS256, the profile says issuer.alg EdDSA"),
            "{err}"
        );

        let no_id = token(r#"{"alg":"EdDSA"}"#, r#"{"sub":"u-1"}"#);
        let profile = profile_with(&format!(
            "  a: {{ token: {{ command: [echo, \"{no_id}\"] }} }}\n"
        ));
        let err = obtain(profile, None, 0).await.unwrap_err().to_string();
        assert!(
            err.contains("has no `/user/id` claim (it has: sub)"),
            "{err}"
        );

        let profile = profile_with("  a: { token: { command: [\"false\"] } }\n");
        let err = obtain(profile, None, 0).await.unwrap_err().to_string();
        assert!(err.contains("token command `false` failed"), "{err}");

        let profile = profile_with("  a: { token: { env: AUTHCONFORM_SURELY_UNSET_TOKEN } }\n");
        let err = obtain(profile, None, 0).await.unwrap_err().to_string();
        assert!(
            err.contains("`AUTHCONFORM_SURELY_UNSET_TOKEN` (its token) is not set"),
            "{err}"
        );

        let profile = profile_with("  a: { token: { command: [echo, not-a-token] } }\n");
        let err = obtain(profile, None, 0).await.unwrap_err().to_string();
        assert!(err.contains("is not a compact JWS"), "{err}");
    }
}
