//! The users a case acts as: the profile's principals, or, with `per_case_users`, each principal's own
//! user for this case (an id derived from the case id), so that cases stay small and independent.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value};

use crate::profile::Profile;
use crate::template::{self, TemplateError};
use crate::token::mint::Principal;

/// The principals of one case, by name, and the valid token each was minted in this case.
#[derive(Debug, Default)]
pub struct CaseUsers {
    principals: BTreeMap<String, Principal>,
    /// Valid tokens already minted, by principal: a case sends its users' valid tokens several
    /// times (setup, attack, verify), and one token per user is what a real client sends.
    valid: Mutex<BTreeMap<String, String>>,
}

impl CaseUsers {
    /// The profile's principals as they are (positive controls, sessions, `mint`).
    pub fn shared(profile: &Profile) -> CaseUsers {
        CaseUsers {
            principals: profile.principals.clone(),
            ..CaseUsers::default()
        }
    }

    /// The users of case `case_id`: the profile's principals, each with its own id when the profile
    /// asks for `per_case_users` (the profile guarantees the harness mints their tokens).
    pub fn for_case(profile: &Profile, case_id: &str) -> CaseUsers {
        if !profile.per_case_users {
            return CaseUsers::shared(profile);
        }
        let id_type = profile.issuer.id_type;
        let principals = profile
            .principals
            .iter()
            .map(|(name, principal)| {
                let own = match id_type.per_case(&principal.sub, case_id) {
                    Some(id) => renamed(principal, &id),
                    None => principal.clone(),
                };
                (name.clone(), own)
            })
            .collect();
        CaseUsers {
            principals,
            ..CaseUsers::default()
        }
    }

    /// The valid token of `name` in this case: minted by `mint` the first time, the same after.
    pub fn valid_token<E>(
        &self,
        name: &str,
        mint: impl FnOnce(&Principal) -> Result<String, E>,
    ) -> Result<String, E>
    where
        E: From<String>,
    {
        let principal = self.get(name).map_err(E::from)?;
        let mut valid = self.valid.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = valid.get(name) {
            return Ok(token.clone());
        }
        let token = mint(principal)?;
        valid.insert(name.to_string(), token.clone());
        Ok(token)
    }

    /// The valid tokens minted (or issued) in this case so far, by principal: what reports redact.
    pub fn valid_tokens(&self) -> Vec<(String, String)> {
        let valid = self.valid.lock().unwrap_or_else(PoisonError::into_inner);
        valid
            .iter()
            .map(|(name, token)| (name.clone(), token.clone()))
            .collect()
    }

    /// The principal called `name`.
    pub fn get(&self, name: &str) -> Result<&Principal, String> {
        crate::profile::principal_in(&self.principals, name)
    }

    /// The first principal (by name) that is not `name`: the victim of an attack by `name`.
    pub fn other_than(&self, name: &str) -> Option<&Principal> {
        self.principals
            .values()
            .find(|candidate| candidate.name != name)
    }

    /// A token recipe's claims with the principals' ids filled in (`sub: "{bob}"`).
    pub fn render_claims(
        &self,
        claims: &Map<String, Value>,
    ) -> Result<Map<String, Value>, TemplateError> {
        let lookup = |name: &str| self.id(name).map(Value::from);
        claims
            .iter()
            .map(|(name, value)| Ok((name.clone(), template::render_json(value, &lookup)?)))
            .collect()
    }

    /// The name of the principal whose user id is `id`, if there is one.
    pub fn named(&self, id: &str) -> Option<&str> {
        self.principals
            .iter()
            .find(|(_, principal)| principal.sub == id)
            .map(|(name, _)| name.as_str())
    }

    /// The user id of the principal called `name`, if there is one.
    pub fn id(&self, name: &str) -> Option<&str> {
        self.principals.get(name).map(|p| p.sub.as_str())
    }
}

/// `principal` with the user id `id`: claims that carried the old id (a preset's `id`, a nested user
/// object) carry the new one.
fn renamed(principal: &Principal, id: &str) -> Principal {
    let mut own = principal.clone();
    for value in own.extra.values_mut() {
        replace_text(value, &principal.sub, id);
    }
    own.sub = id.to_string();
    own
}

fn replace_text(value: &mut Value, old: &str, new: &str) {
    match value {
        Value::String(text) if text == old => *text = new.to_string(),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_text(item, old, new)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|item| replace_text(item, old, new)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn profile(per_case: bool) -> Profile {
        let mut profile = Profile::embedded_reference().expect("the embedded profile loads");
        profile.per_case_users = per_case;
        if let Some(alice) = profile.principals.get_mut("alice") {
            alice.extra.insert("id".into(), json!("alice"));
            alice.extra.insert("user".into(), json!({"id": "alice"}));
        }
        profile
    }

    #[test]
    fn shared_users_are_the_profiles() {
        let users = CaseUsers::for_case(&profile(false), "scn/case");
        assert_eq!(users.id("alice"), Some("alice"));
        assert_eq!(
            users.other_than("alice").map(|p| p.name.as_str()),
            Some("bob")
        );
    }

    #[test]
    fn per_case_users_have_their_own_ids_in_every_claim() {
        let profile = profile(true);
        let one = CaseUsers::for_case(&profile, "scn/one");
        let two = CaseUsers::for_case(&profile, "scn/two");
        let alice = one.get("alice").unwrap();
        assert!(alice.sub.starts_with("alice-"), "{}", alice.sub);
        assert_ne!(one.id("alice"), two.id("alice"));
        assert_ne!(one.id("alice"), one.id("bob"));
        assert_eq!(alice.extra["id"], json!(alice.sub));
        assert_eq!(alice.extra["user"]["id"], json!(alice.sub));
        assert_eq!(alice.extra["email"], json!("alice@example.test"));
        assert!(one.get("mallory").unwrap_err().contains("alice, bob"));
        let mut mints = 0;
        let mut mint = |p: &Principal| -> Result<String, String> {
            mints += 1;
            Ok(format!("token-of-{}", p.sub))
        };
        let first = one.valid_token("alice", &mut mint).unwrap();
        assert_eq!(one.valid_token("alice", &mut mint).unwrap(), first);
        assert_ne!(one.valid_token("bob", &mut mint).unwrap(), first);
        assert_eq!(mints, 2);
        let minted = one.valid_tokens();
        assert_eq!(minted.len(), 2);
        assert_eq!(minted[0], ("alice".to_string(), first));
        let claims = json!({"sub": "{bob}", "note": "{alice} and {{x}", "n": 1});
        let rendered = one.render_claims(claims.as_object().unwrap()).unwrap();
        let (alice, bob) = (one.id("alice").unwrap(), one.id("bob").unwrap());
        assert_eq!(rendered["sub"], json!(bob));
        assert_eq!(rendered["note"], json!(format!("{alice} and {{x}}")));
        assert_eq!(rendered["n"], json!(1));
        assert!(
            one.render_claims(json!({"a": "{nobody}"}).as_object().unwrap())
                .is_err()
        );
    }
}
