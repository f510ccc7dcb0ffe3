//! The derived steps: the requests of `prepare` (creations and reads) and `reread` (comparisons).

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{CaseBuilder, templated};
use crate::api::{Api, Operation};
use crate::scenario::model::StepDoc;
use crate::scenario::plan::{
    BodyTemplate, ExpectPlan, RequestTemplate, StatusMatcher, StepOptions, StepPlan, TokenPlan,
};
use crate::scenario::validate;

impl CaseBuilder<'_, '_, '_> {
    /// The requests of a `prepare` or `reread` step.
    pub(super) fn derived(
        &mut self,
        step: &StepDoc,
        field: &str,
        operation: &Spanned<String>,
        defined: &mut Vec<String>,
    ) -> Vec<StepPlan> {
        let name = self.name(operation);
        let actor = step
            .actor
            .as_ref()
            .and_then(|actor| self.principal(actor, "as"));
        let (Some(name), Some(actor)) = (name, actor) else {
            self.ok = false;
            return Vec::new();
        };
        let ctx = self.ctx;
        let Some(op) = ctx.api.operation(&name) else {
            validate::report_unknown_operation(
                ctx,
                &name,
                operation.referenced,
                templated(operation),
                self.reporter,
            );
            self.ok = false;
            return Vec::new();
        };
        let plans = if field == "prepare" {
            self.prepare(op, &actor, defined)
        } else {
            self.reread(op, &actor, defined)
        };
        plans.unwrap_or_else(|message| {
            self.reporter
                .error_once(operation.referenced, message, None);
            self.ok = false;
            Vec::new()
        })
    }

    /// `prepare`: the creations `op` needs, in dependency order, then one read of each object it uses.
    fn prepare(
        &mut self,
        op: &Operation,
        actor: &str,
        defined: &mut Vec<String>,
    ) -> Result<Vec<StepPlan>, String> {
        let api = self.ctx.api;
        let mut order = Vec::new();
        for resource in op.resources() {
            creation_order(api, &resource, defined, &mut order, 0)?;
        }
        let mut plans = Vec::new();
        for (creator, resource) in order {
            let pointer = creator
                .creates
                .iter()
                .find(|(created, _)| *created == resource)
                .map(|(_, pointer)| pointer.clone())
                .unwrap_or_default();
            let expect = ExpectPlan {
                status: Some(StatusMatcher::Class(2)),
                ..ExpectPlan::default()
            };
            plans.extend(self.operation_step(creator, actor, vec![(resource, pointer)], expect));
        }
        for resource in op.resources() {
            let Some(read) = read_back(api, &resource, defined) else {
                continue;
            };
            let snapshot = snapshot_name(&resource);
            let expect = ExpectPlan {
                status: Some(StatusMatcher::Class(2)),
                ..ExpectPlan::default()
            };
            plans.extend(self.operation_step(
                read.operation,
                actor,
                vec![(snapshot.clone(), read.pointer)],
                expect,
            ));
            defined.push(snapshot);
        }
        Ok(plans)
    }

    /// `reread`: each object `op` uses, compared with its `prepare` read, and the actor's lists, with
    /// no other principal's canary in any of them.
    fn reread(
        &mut self,
        op: &Operation,
        actor: &str,
        defined: &[String],
    ) -> Result<Vec<StepPlan>, String> {
        let api = self.ctx.api;
        let others: Vec<String> = self
            .ctx
            .profile
            .principals
            .keys()
            .filter(|name| *name != actor)
            .cloned()
            .collect();
        let read_status = |reader: &Operation| {
            Some(match reader.status {
                Some(status) => StatusMatcher::Codes(vec![status]),
                None => StatusMatcher::Class(2),
            })
        };
        let created: Vec<String> = api
            .operations
            .iter()
            .flat_map(|op| op.creates.iter().map(|(name, _)| name.clone()))
            .collect();
        let mut plans = Vec::new();
        for resource in op.resources() {
            let snapshot = snapshot_name(&resource);
            if read_back(api, &resource, &created).is_none() {
                // No read of any kind: the owner's lists below are all there is to re-read.
                continue;
            }
            let (true, Some(read)) = (
                defined.contains(&snapshot),
                read_back(api, &resource, defined),
            ) else {
                return Err(format!(
                    "`reread: {}` compares `{{{resource}}}` with its read by `prepare`: add `prepare: {}` (same operation) to `setup`",
                    op.name, op.name
                ));
            };
            let expect = ExpectPlan {
                status: read_status(read.operation),
                json: vec![(read.pointer, Value::from(format!("{{{snapshot}}}")))],
                no_leak_in_case: others.clone(),
                ..ExpectPlan::default()
            };
            plans.extend(self.operation_step(read.operation, actor, Vec::new(), expect));
        }
        for list in api.operations.iter().filter(|list| list.is_list()) {
            let expect = ExpectPlan {
                status: read_status(list),
                no_leak_in_case: others.clone(),
                ..ExpectPlan::default()
            };
            plans.extend(self.operation_step(list, actor, Vec::new(), expect));
        }
        Ok(plans)
    }

    /// A request of `op` by `actor` on their own path, with a valid token.
    fn operation_step(
        &mut self,
        op: &Operation,
        actor: &str,
        captures: Vec<(String, String)>,
        expect: ExpectPlan,
    ) -> Option<StepPlan> {
        let path = self.text_str(&op.path)?;
        let body = match &op.json {
            Some(json) => Some(BodyTemplate::Json(self.json_value(json)?)),
            None => None,
        };
        let headers = self.operation_headers(op)?;
        Some(StepPlan {
            actor: actor.to_string(),
            path_user: actor.to_string(),
            token: TokenPlan::Valid,
            request: RequestTemplate {
                method: self.method(&op.method)?,
                path: self.ctx.api.located(op, &path, &self.ctx.profile.services),
                query: Vec::new(),
                headers,
                body,
            },
            captures,
            expect,
            options: StepOptions {
                needs_embedded: self.needs_embedded,
                ..StepOptions::default()
            },
        })
    }
}

/// The capture holding `prepare`'s read of the object `{resource}`.
fn snapshot_name(resource: &str) -> String {
    format!("prepared_{resource}")
}

/// Appends to `order` the creations that provide `resource` (what its creator needs first), unless it is
/// in `have`; adds what it creates to `have`.
fn creation_order<'a>(
    api: &'a Api,
    resource: &str,
    have: &mut Vec<String>,
    order: &mut Vec<(&'a Operation, String)>,
    depth: usize,
) -> Result<(), String> {
    if have.iter().any(|known| known == resource) {
        return Ok(());
    }
    let Some(creator) = api.creator(resource) else {
        return Err(format!("no operation creates `{{{resource}}}`"));
    };
    if depth > 16 || creator.uses(resource) {
        return Err(format!(
            "creating `{{{resource}}}` needs `{{{resource}}}` itself (through `{}`)",
            creator.name
        ));
    }
    for needed in creator.resources() {
        creation_order(api, &needed, have, order, depth + 1)?;
    }
    order.push((creator, resource.to_string()));
    have.push(resource.to_string());
    Ok(())
}

/// How an object is read back: its own read (the whole answer), else the list that its creator's
/// path lists (the element with its id).
struct ReadBack<'a> {
    operation: &'a Operation,
    pointer: String,
}

fn read_back<'a>(api: &'a Api, resource: &str, have: &[String]) -> Option<ReadBack<'a>> {
    if let Some(reader) = reader_of(api, resource, have) {
        return Some(ReadBack {
            operation: reader,
            pointer: String::new(),
        });
    }
    let (creator, id_pointer) = api.operations.iter().find_map(|op| {
        op.creates
            .iter()
            .find(|(created, _)| created == resource)
            .map(|(_, pointer)| (op, pointer.clone()))
    })?;
    // An element is found by its id at the creation's pointer, which must then be a top-level
    // member (`/id`), as in a list of such objects; a JSON-RPC result (`/result/...`) is not.
    if id_pointer.matches('/').count() != 1 {
        return None;
    }
    let list = api
        .operations
        .iter()
        .find(|op| op.is_list() && op.path == creator.path && op.service == creator.service)?;
    Some(ReadBack {
        operation: list,
        pointer: crate::scenario::plan::element_pointer(resource, &id_pointer),
    })
}

/// The operation that reads the object `{resource}`: the first authenticated `GET` that uses it and
/// only resource ids in `have`.
fn reader_of<'a>(api: &'a Api, resource: &str, have: &[String]) -> Option<&'a Operation> {
    api.operations.iter().find(|op| {
        op.auth
            && op.method == "GET"
            && op.uses(resource)
            && op.resources().iter().all(|needed| have.contains(needed))
    })
}
