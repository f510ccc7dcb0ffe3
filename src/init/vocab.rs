//! Names: which parameter and property names mean "the tenant" or "an owned resource", and how
//! document names become placeholder and operation names.

/// Parameter names (compared by [`norm`]) that mean the acting user or tenant.
pub const TENANT_NAMES: [&str; 11] = [
    "user_id",
    "userId",
    "uid",
    "user",
    "owner_id",
    "tenant_id",
    "tenant",
    "account_id",
    "org_id",
    "organization_id",
    "tenantId",
];

/// Path segments (lower case) whose next segment, when a parameter, is the tenant.
pub const TENANT_COLLECTIONS: [&str; 10] = [
    "users",
    "tenants",
    "accounts",
    "orgs",
    "organizations",
    "user",
    "tenant",
    "account",
    "org",
    "organization",
];

/// Placeholders the harness itself defines; a resource parameter named so is renamed `<name>_param`.
pub const RESERVED_PLACEHOLDERS: [&str; 2] = ["user_id", "canary"];

/// Lower case, letters and digits only: `userId`, `user_id` and `user-id` compare equal.
pub fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `name` names the tenant (user, owner, account, organization).
pub fn is_tenant_name(name: &str) -> bool {
    let name = norm(name);
    TENANT_NAMES.iter().any(|known| norm(known) == name)
}

/// A valid capture name: an ASCII letter or `_`, then ASCII letters, digits and `_`; other characters
/// become `_`; the harness's own placeholder names get a `_param` suffix.
pub fn capture_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    if RESERVED_PLACEHOLDERS.contains(&out.as_str()) {
        out.push_str("_param");
    }
    out
}

/// A piece of an operation name: letters, digits, `_` and `-` kept, anything else `_`.
pub fn name_part(text: &str) -> String {
    let out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() { "root".into() } else { out }
}

/// A naive English singular: `categories` -> `category`, `addresses` -> `address`, `items` -> `item`.
pub fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word.strip_suffix("sses") {
        format!("{stem}ss")
    } else if let Some(stem) = word.strip_suffix("ses") {
        format!("{stem}s")
    } else if word.len() > 1 && !word.ends_with("ss") && !word.ends_with("us") {
        word.strip_suffix('s').unwrap_or(word).to_string()
    } else {
        word.to_string()
    }
}

/// Escapes text for a template: `{` becomes `{{` (a literal brace, not a placeholder).
pub fn escape_template(text: &str) -> String {
    text.replace('{', "{{")
}

/// A JSON pointer to a top-level property.
pub fn pointer_to(property: &str) -> String {
    format!("/{}", property.replace('~', "~0").replace('/', "~1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_match_in_any_spelling() {
        for name in [
            "user_id",
            "userId",
            "UID",
            "owner-id",
            "tenantId",
            "org_id",
            "organizationId",
            "account_id",
            "user",
        ] {
            assert!(is_tenant_name(name), "{name}");
        }
        for name in ["item_id", "id", "username", "task_id"] {
            assert!(!is_tenant_name(name), "{name}");
        }
    }

    #[test]
    fn capture_names_are_valid_placeholders() {
        assert_eq!(capture_name("item_id"), "item_id");
        assert_eq!(capture_name("item-id"), "item_id");
        assert_eq!(capture_name("9lives"), "_9lives");
        assert_eq!(capture_name("fichier.été"), "fichier__t_");
        assert_eq!(capture_name("user_id"), "user_id_param");
        assert_eq!(capture_name("canary"), "canary_param");
    }

    #[test]
    fn singulars_and_pointers() {
        assert_eq!(singular("items"), "item");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("chat"), "chat");
        assert_eq!(singular("status"), "status");
        assert_eq!(pointer_to("a/b~c"), "/a~1b~0c");
        assert_eq!(escape_template("{x} }"), "{{x} }");
    }
}
