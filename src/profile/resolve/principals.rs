//! Principals: their claims, where their tokens come from, and what `per_case_users` needs of them.

use std::collections::BTreeMap;

use crate::profile::model::{IssuerFile, LoginFile, Preset, PrincipalFile, TokenSourceFile};
use crate::token::identity::IdType;
use crate::token::mint::{IssuerSettings, Principal};

use super::{ProfileError, Resolver, TokenSource};

/// The resolved principals, and where the tokens of those the harness does not mint come from.
pub(super) struct Principals {
    /// By name.
    pub(super) principals: BTreeMap<String, Principal>,
    /// By principal name.
    pub(super) token_sources: BTreeMap<String, TokenSource>,
}

impl Resolver<'_> {
    /// The principals and the token sources of those whose tokens the harness does not mint.
    pub(super) fn principals(
        &self,
        principals: BTreeMap<String, PrincipalFile>,
        issuer: &IssuerFile,
        logins: &BTreeMap<String, LoginFile>,
    ) -> Result<Principals, ProfileError> {
        if principals.is_empty() {
            return Err(self.invalid("principals", "define at least one principal"));
        }
        let mut token_sources = BTreeMap::new();
        let mut values = BTreeMap::new();
        for (name, principal) in principals {
            let (value, source) = self.principal(&name, principal, issuer, logins)?;
            if let Some(source) = source {
                token_sources.insert(name.clone(), source);
            }
            values.insert(name, value);
        }
        Ok(Principals {
            principals: values,
            token_sources,
        })
    }

    /// `per_case_users` needs ids the harness can derive and tokens it mints for them.
    pub(super) fn check_per_case_users(
        &self,
        issuer: &IssuerSettings,
        token_sources: &BTreeMap<String, TokenSource>,
        mcp_sessions: &BTreeMap<String, String>,
    ) -> Result<(), ProfileError> {
        let field = "per_case_users";
        if issuer.id_type == IdType::Integer {
            return Err(self.invalid(
                field,
                "integer user ids name rows of the target's user table: a case cannot make its own",
            ));
        }
        if let Some(name) = token_sources.keys().next() {
            return Err(self.invalid(
                field,
                format!("the harness mints each case's users' tokens, but principal `{name}` gets its token from the real issuer"),
            ));
        }
        if let Some(service) = mcp_sessions.keys().next() {
            return Err(self.invalid(
                field,
                format!("each principal opens one MCP session per run (services.{service}.mcp_session), so cases cannot act as their own users"),
            ));
        }
        Ok(())
    }

    /// One principal: its claims (preset defaults, then its own; `null` omits) and where its token
    /// comes from, if not from the harness.
    fn principal(
        &self,
        name: &str,
        principal: PrincipalFile,
        issuer: &IssuerFile,
        logins: &BTreeMap<String, LoginFile>,
    ) -> Result<(Principal, Option<TokenSource>), ProfileError> {
        let field = format!("principals.{name}");
        let source = match &principal.token {
            Some(token) => Some(self.token_source(&field, token, logins)?),
            None if issuer.key.is_none() => {
                return Err(self.invalid(
                    &format!("{field}.token"),
                    "the issuer's key is not given, so this user's token must come from the real issuer: set `token` (login, env or command)",
                ));
            }
            None => None,
        };
        if source.is_some() && !principal.claims.is_empty() {
            return Err(self.invalid(
                &format!("{field}.claims"),
                "the real issuer makes this user's tokens; their claims cannot be set here",
            ));
        }
        let sub = match (principal.sub, &source) {
            (Some(sub), _) if sub.is_empty() => {
                return Err(self.invalid(
                    &format!("{field}.sub"),
                    "empty: give the user id (or leave `sub` out when the token comes from the real issuer)",
                ));
            }
            (Some(sub), _) => sub,
            (None, Some(_)) => String::new(),
            (None, None) => {
                return Err(self.invalid(&format!("{field}.sub"), "give the user id"));
            }
        };
        if !sub.is_empty() {
            issuer
                .user_id_type
                .value(&sub)
                .map_err(|reason| self.invalid(&format!("{field}.sub"), reason))?;
        }
        let mut value = Principal::new(name, sub);
        if source.is_none() {
            value.extra = preset_claims(issuer, name, &value.sub);
            for (claim, claim_value) in principal.claims {
                if claim_value.is_null() {
                    value.extra.remove(&claim);
                    value.omit.push(claim);
                } else {
                    value.extra.insert(claim, claim_value);
                }
            }
        }
        Ok((value, source))
    }

    fn token_source(
        &self,
        field: &str,
        token: &TokenSourceFile,
        logins: &BTreeMap<String, LoginFile>,
    ) -> Result<TokenSource, ProfileError> {
        let field = format!("{field}.token");
        let source = match (&token.login, &token.env, &token.command) {
            (Some(login), None, None) => {
                if !logins.contains_key(login) {
                    let known: Vec<&str> = logins.keys().map(String::as_str).collect();
                    let hint = crate::suggest::did_you_mean(login, &known).unwrap_or_default();
                    return Err(self.invalid(
                        &format!("{field}.login"),
                        format!("no login flow `{login}` in `logins` {hint}"),
                    ));
                }
                TokenSource::Login {
                    flow: login.clone(),
                    vars: token.vars.clone(),
                }
            }
            (None, Some(var), None) if !var.is_empty() => TokenSource::Env(var.clone()),
            (None, None, Some(command)) if !command.is_empty() => {
                TokenSource::Command(command.clone())
            }
            _ => {
                return Err(self.invalid(
                    &field,
                    "give exactly one of `login`, `env`, `command` (a non-empty list)",
                ));
            }
        };
        if !token.vars.is_empty() && !matches!(source, TokenSource::Login { .. }) {
            return Err(self.invalid(&format!("{field}.vars"), "`vars` go with `login`"));
        }
        Ok(source)
    }
}

/// The claims a preset adds for a principal (its own `claims` override them).
fn preset_claims(
    issuer: &IssuerFile,
    name: &str,
    sub: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let mut claims = serde_json::Map::new();
    let email = format!("{name}@example.test");
    match issuer.preset {
        Some(Preset::BetterAuth) => {
            let mut display = name.to_string();
            if let Some(first) = display.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            let created = "2026-01-01T00:00:00.000Z";
            claims.insert("id".into(), sub.into());
            claims.insert("email".into(), email.into());
            claims.insert("name".into(), display.into());
            claims.insert("emailVerified".into(), false.into());
            claims.insert("image".into(), serde_json::Value::Null);
            claims.insert("createdAt".into(), created.into());
            claims.insert("updatedAt".into(), created.into());
        }
        Some(Preset::SharedSecret) => {
            claims.insert("email".into(), email.into());
        }
        None => {}
    }
    claims
}
