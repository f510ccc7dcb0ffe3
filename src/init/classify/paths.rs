//! Path templates: their parameters, the tenant parameter, the rewritten path and its shape.

use crate::init::vocab::{TENANT_COLLECTIONS, capture_name, is_tenant_name};

/// The names inside `{}` in a path template, in order.
pub fn template_params(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        names.push(rest[open + 1..open + close].to_string());
        rest = &rest[open + close + 1..];
    }
    names
}

/// A segment that is exactly one parameter: its name.
pub(super) fn sole_param(segment: &str) -> Option<&str> {
    segment
        .strip_prefix('{')?
        .strip_suffix('}')
        .filter(|name| !name.contains(['{', '}']))
}

/// The tenant parameter of a path: the first parameter named like a user or tenant, or right after a
/// `users`/`tenants`/`accounts`/`orgs`/`organizations` segment (or their singulars).
pub fn tenant_param(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (index, segment) in segments.iter().enumerate() {
        let Some(name) = sole_param(segment) else {
            continue;
        };
        let after_collection = index > 0
            && TENANT_COLLECTIONS.contains(&segments[index - 1].to_ascii_lowercase().as_str());
        if is_tenant_name(name) || after_collection {
            return Some(name.to_string());
        }
    }
    None
}

/// The path with the tenant parameter renamed `{user_id}` and the others made valid capture names.
pub fn rewrite_path(path: &str) -> String {
    let tenant = tenant_param(path);
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..open + close];
        if Some(name) == tenant.as_deref() {
            out.push_str("{user_id}");
        } else {
            out.push('{');
            out.push_str(&capture_name(name));
            out.push('}');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A path's shape for matching collections to items: no trailing `/`, every parameter `{}`.
pub(crate) fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.trim_end_matches('/').chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// For a collection path: (capture, collection segment) of its item path `P/{x}`, when one exists.
pub(super) fn item_route(path: &str, shapes: &[(String, String)]) -> Option<(String, String)> {
    let wanted = format!("{}/{{}}", shape(path));
    let collection = last_static(path)?;
    shapes.iter().find_map(|(shape, item)| {
        if *shape != wanted {
            return None;
        }
        let last = item.trim_end_matches('/').rsplit('/').next()?;
        let name = sole_param(last)?;
        (name != "user_id").then(|| (name.to_string(), collection.clone()))
    })
}

fn last_static(path: &str) -> Option<String> {
    path.split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.contains('{'))
        .map(str::to_string)
}
