//! Whether a document describes a bundled contract (the Todo AI Chatbot API): when every bundled
//! operation has a document operation with the same method and route (parameter names aside, the
//! tenant parameter in the same place, the same query), `init` writes a profile that selects the
//! bundled description, so that its whole suite runs; the document's other operations are added to
//! it, and a documented status or `auth` that differs is written as an override. Anything less is a
//! custom API, and the comparison is printed either way.

use super::classify::{Analysis, Op, shape};
use crate::api::{Api, Operation};

/// How a document compares with one bundled description.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContractMatch {
    /// The bundled description's name.
    pub api: String,
    /// (bundled operation, document operation) for every bundled operation the document has.
    pub matched: Vec<(String, String)>,
    /// Bundled operations the document lacks, as `name (METHOD /path)`.
    pub missing: Vec<String>,
    /// How many bundled operations there are.
    pub total: usize,
    /// (bundled operation, documented status, documented `auth`) where the document differs.
    pub overrides: Vec<(String, Option<u16>, Option<bool>)>,
    /// The bundled description's route keys ([`route_key`]).
    pub routes: std::collections::BTreeSet<String>,
}

impl ContractMatch {
    /// Whether the document has every bundled operation.
    pub fn complete(&self) -> bool {
        self.total > 0 && self.missing.is_empty()
    }

    /// Whether at least half of the bundled operations match, but not all.
    pub fn partial(&self) -> bool {
        !self.complete() && self.matched.len() * 2 >= self.total
    }

    /// Operations whose route is none of the bundled ones (another service's are never), in order.
    pub fn extra<'a>(&self, analysis: &'a Analysis) -> Vec<&'a Op> {
        analysis
            .operations
            .iter()
            .filter(|op| {
                op.service.is_some() || !self.routes.contains(&route_key(&op.method, &op.path))
            })
            .collect()
    }

    /// The extra operations as additions to `bundled`: renamed where a bundled operation has the
    /// name, without the ids the bundled description already creates, and commented out (with a
    /// TODO) when they use an id that nothing creates.
    pub fn additions(&self, analysis: &Analysis, bundled: &Api) -> Vec<Op> {
        let mut taken: Vec<String> = bundled.names().iter().map(|n| n.to_string()).collect();
        let mut ops: Vec<Op> = Vec::new();
        for op in self.extra(analysis) {
            let mut op = op.clone();
            let base = op.name.clone();
            let mut n = 2;
            while taken.contains(&op.name) {
                op.name = format!("{base}_{n}");
                n += 1;
            }
            taken.push(op.name.clone());
            op.creates
                .retain(|(capture, _)| match bundled.creator(capture) {
                    Some(creator) => {
                        op.notes.push(format!(
                            "`{capture}` is created by the bundled `{}`, so not here as well",
                            creator.name
                        ));
                        false
                    }
                    None => true,
                });
            ops.push(op);
        }
        let created = |ops: &[Op], capture: &str| {
            bundled.creator(capture).is_some()
                || ops
                    .iter()
                    .any(|op| op.disabled.is_none() && op.creates.iter().any(|(c, _)| c == capture))
        };
        while let Some(index) = ops
            .iter()
            .position(|op| op.disabled.is_none() && op.uses.iter().any(|used| !created(&ops, used)))
        {
            let missing: Vec<String> = ops[index]
                .uses
                .iter()
                .filter(|used| !created(&ops, used))
                .map(|used| format!("{{{used}}}"))
                .collect();
            ops[index].disabled = Some(format!(
                "TODO: nothing creates {}: rename it to the bundled description's id (`{{task_id}}`, `{{conversation_id}}`), or add `creates:` to the operation whose answer returns it, then uncomment this one.",
                missing.join(", ")
            ));
        }
        ops
    }

    /// One line for the terminal: what matched, and what that means for the run.
    pub fn summary(&self) -> String {
        let counted = format!(
            "{} of {} operations of the bundled `{}` description",
            self.matched.len(),
            self.total,
            self.api
        );
        if self.complete() {
            format!(
                "the document describes the bundled `{}` contract ({counted} match): the profile uses it, so its whole suite runs",
                self.api
            )
        } else if self.matched.len() * 2 < self.total {
            let names: Vec<&str> = self.matched.iter().map(|(ours, _)| ours.as_str()).collect();
            let which = if names.is_empty() {
                "no operation matches".to_string()
            } else {
                format!("{counted} match: {}", names.join(", "))
            };
            format!(
                "not the bundled `{}` contract ({which}): a custom API; the any-api scenarios run",
                self.api
            )
        } else {
            format!(
                "partly the bundled `{}` contract ({counted} match; missing: {}): written as a custom API, so the `{}`-only scenarios are set aside and the any-api scenarios run",
                self.api,
                self.missing.join(", "),
                self.api
            )
        }
    }
}

/// A route's key: the method and the path with parameter names dropped, except the tenant's.
fn route_key(method: &str, path: &str) -> String {
    format!(
        "{} {}",
        method.to_ascii_uppercase(),
        shape(&path.replace("{user_id}", "@tenant@"))
    )
}

/// Compares the analysed document with the bundled description `bundled`.
pub fn compare(analysis: &Analysis, bundled: &Api) -> ContractMatch {
    let mut found = ContractMatch {
        api: bundled.name.clone(),
        total: bundled.operations.len(),
        ..ContractMatch::default()
    };
    for operation in &bundled.operations {
        let key = route_key(&operation.method, &operation.path);
        found.routes.insert(key.clone());
        match analysis
            .operations
            .iter()
            .find(|op| op.service.is_none() && route_key(&op.method, &op.path) == key)
        {
            Some(op) => {
                found
                    .matched
                    .push((operation.name.clone(), op.name.clone()));
                let (status, auth) = differences(operation, op);
                if status.is_some() || auth.is_some() {
                    found.overrides.push((operation.name.clone(), status, auth));
                }
            }
            None => found.missing.push(format!(
                "{} ({} {})",
                operation.name, operation.method, operation.path
            )),
        }
    }
    found
}

/// What the document says differently about a matched operation: `status` and `auth` overrides.
fn differences(bundled: &Operation, doc: &Op) -> (Option<u16>, Option<bool>) {
    let status = doc.status.filter(|status| Some(*status) != bundled.status);
    let auth = Some(doc.auth).filter(|auth| *auth != bundled.auth);
    (status, auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(name: &str, method: &str, path: &str) -> Op {
        Op {
            status: Some(200),
            ..Op::new(name, method, path)
        }
    }

    fn analysis(ops: Vec<Op>) -> Analysis {
        Analysis {
            operations: ops,
            ..Analysis::default()
        }
    }

    #[test]
    fn routes_match_whatever_the_parameters_are_called_but_the_tenant_keeps_its_place() {
        assert_eq!(
            route_key("get", "/api/{user_id}/tasks/{id}/"),
            route_key("GET", "/api/{user_id}/tasks/{task_id}")
        );
        assert_ne!(
            route_key("GET", "/api/{user_id}/tasks"),
            route_key("GET", "/api/{owner}/tasks")
        );
        assert_ne!(
            route_key("GET", "/api/{user_id}/tasks?status=pending"),
            route_key("GET", "/api/{user_id}/tasks")
        );
    }

    #[test]
    fn a_document_with_every_bundled_route_is_the_bundled_contract() {
        let todo = Api::bundled("todo").unwrap();
        // One document operation per route (the bundled chat and MCP operations share theirs).
        let mut ops: Vec<Op> = Vec::new();
        for o in &todo.operations {
            if !ops
                .iter()
                .any(|d| route_key(&d.method, &d.path) == route_key(&o.method, &o.path))
            {
                ops.push(op(&format!("doc.{}", o.name), &o.method, &o.path));
            }
        }
        ops.push(op("legacy.list", "GET", "/api/tasks"));
        let whole = analysis(ops.clone());
        let found = compare(&whole, &todo);
        assert!(found.complete(), "{found:?}");
        let extra: Vec<&str> = found
            .extra(&whole)
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(extra, ["legacy.list"]);
        assert!(found.summary().contains("its whole suite runs"));

        ops.retain(|o| !o.path.contains("conversations"));
        assert!(compare(&analysis(ops.clone()), &todo).partial());
        let partial = compare(&analysis(ops), &todo);
        assert!(!partial.complete());
        assert!(
            partial.summary().contains(
                "missing: conversations.get (GET /api/{user_id}/conversations/{conversation_id})"
            ),
            "{}",
            partial.summary()
        );
        let none = compare(&analysis(vec![op("items.list", "GET", "/items")]), &todo);
        assert!(
            none.summary()
                .starts_with("not the bundled `todo` contract")
        );
    }

    #[test]
    fn a_documented_status_or_auth_that_differs_is_an_override() {
        let todo = Api::bundled("todo").unwrap();
        let create = todo.operation("tasks.create").unwrap();
        let mut doc = op("tasks.create", "POST", "/api/{user_id}/tasks");
        assert_eq!(differences(create, &doc), (Some(200), None));
        doc.status = Some(201);
        doc.auth = false;
        assert_eq!(differences(create, &doc), (None, Some(false)));
    }
}
