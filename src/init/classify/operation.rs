//! One operation of the document made into profile operations (plus chat and query variants).

use std::collections::BTreeSet;

use super::media::{id_pointer, request_json, request_properties, success_schema, success_status};
use super::naming::operation_name;
use super::params::{documented_value, encode, query_value, query_variants};
use super::paths::{item_route, rewrite_path, template_params};
use super::raw::RawOp;
use super::security::{is_auth_header, needs_token};
use super::{Op, Presentation};
use crate::init::body::{BodyBuilder, ResourceNames, property_names};
use crate::init::chat;
use crate::init::vocab::{pointer_to, singular};
use crate::openapi::Resolver;
use crate::openapi::model::Document;

/// What every operation's analysis reads: the document and what was inferred from all of it.
pub(super) struct Shared<'a> {
    pub(super) doc: &'a Document,
    pub(super) resolver: Resolver<'a>,
    pub(super) resources: &'a ResourceNames,
    /// (shape, path) of every operation's rewritten path.
    pub(super) shapes: &'a [(String, String)],
    pub(super) security_declared: bool,
    pub(super) presentation: &'a Option<Presentation>,
}

impl<'a> Shared<'a> {
    /// The profile operations for `raw_op`: itself, then its chat continuation and query variants.
    pub(super) fn operations(&self, raw_op: &RawOp<'a>) -> Vec<Op> {
        let mut notes = raw_op.notes.clone();
        let path = rewrite_path(raw_op.path);
        let auth = needs_token(self.doc, raw_op, self.security_declared, &path, &mut notes);
        let item_of_collection = item_route(&path, self.shapes);
        let item = item_of_collection
            .clone()
            .filter(|_| raw_op.method == "POST");
        let mut uses: BTreeSet<String> = template_params(&path)
            .into_iter()
            .filter(|p| p != "user_id")
            .collect();
        let json = self.body(raw_op, &mut notes, &mut uses);
        let (query, headers) = self.query_and_headers(raw_op, &mut notes, &mut uses);
        let full_path = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let status = success_status(raw_op.op);
        let creates = self.creates(raw_op, item.as_ref(), &uses, &mut notes);

        let name = operation_name(raw_op.method, &path, auth, item_of_collection.is_some());
        let mut op = Op {
            name,
            method: raw_op.method.to_string(),
            path: full_path,
            auth,
            json,
            creates,
            status,
            operation_id: raw_op.op.operation_id.clone(),
            summary: raw_op.op.summary.clone(),
            notes,
            uses,
            disabled: None,
            headers,
            service: None,
            reads: None,
            prompt: None,
        };
        op.prompt = chat::prompt_field(&op);
        let continued = op.prompt.as_ref().and_then(|_| {
            let properties = request_properties(raw_op, self.resolver);
            chat::continuation(&op, &properties, self.resources)
        });
        let variants = query_variants(&op, raw_op, self.resolver);
        let mut operations = vec![op];
        operations.extend(continued);
        operations.extend(variants);
        operations
    }

    /// The JSON body template, adding the captures it uses to `uses`.
    fn body(
        &self,
        raw_op: &RawOp<'a>,
        notes: &mut Vec<String>,
        uses: &mut BTreeSet<String>,
    ) -> Option<crate::init::body::Body> {
        let body = raw_op.op.request_body.as_ref()?;
        match self.resolver.request_body(body) {
            Ok(body) => {
                let mut builder = BodyBuilder::new(self.resolver, self.resources);
                let json = request_json(body, &mut builder, notes);
                notes.append(&mut builder.notes);
                uses.extend(builder.captures);
                json
            }
            Err(problem) => {
                notes.push(format!(
                    "TODO: the request body {problem}; write `json:` by hand"
                ));
                None
            }
        }
    }

    /// The required query parameters (`name=value`) and the headers every request carries.
    fn query_and_headers(
        &self,
        raw_op: &RawOp<'a>,
        notes: &mut Vec<String>,
        uses: &mut BTreeSet<String>,
    ) -> (Vec<String>, Vec<(String, String)>) {
        let mut query = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        for param in &raw_op.params {
            let name = param.name.clone().unwrap_or_default();
            match param.location.as_deref() {
                Some("query") if param.is_required() => {
                    let value = query_value(param, self.resources, self.resolver, uses);
                    query.push(format!("{}={value}", encode(&name)));
                }
                Some("header")
                    if param.is_required() && !is_auth_header(&name, self.presentation) =>
                {
                    match documented_value(param, self.resolver) {
                        Some(value) => {
                            notes.push(format!(
                                "requires the header `{name}`: the document's example value is sent; check it"
                            ));
                            headers.push((name.clone(), value));
                        }
                        None => notes.push(format!(
                            "TODO: requires the header `{name}`: give its value under this operation's \
                             `headers:` (or, if one value fits every request, the profile's `headers:`)"
                        )),
                    }
                }
                Some("cookie") if param.is_required() => notes.push(format!(
                    "TODO: requires the cookie `{name}`, which the harness does not send"
                )),
                _ => {}
            }
        }
        (query, headers)
    }

    /// The captures the operation creates: the item id of a create, and for a `POST` every other
    /// resource id its success answer names that it does not use.
    fn creates(
        &self,
        raw_op: &RawOp<'a>,
        item: Option<&(String, String)>,
        uses: &BTreeSet<String>,
        notes: &mut Vec<String>,
    ) -> Vec<(String, String)> {
        let response_props = success_schema(raw_op.op, self.resolver)
            .map(|schema| property_names(self.resolver, schema))
            .unwrap_or_default();
        let mut creates: Vec<(String, String)> = Vec::new();
        if let Some((capture, collection)) = item {
            let pointer = id_pointer(&response_props, capture, collection);
            match pointer {
                Some(pointer) => creates.push((capture.clone(), pointer)),
                None => {
                    notes.push(format!(
                        "TODO: the success answer's schema names no `id`, `{capture}` or `{}_id` \
                         property: /id assumed; check the pointer",
                        singular(collection)
                    ));
                    creates.push((capture.clone(), "/id".into()));
                }
            }
        }
        if raw_op.method == "POST" {
            for prop in &response_props {
                if let Some(capture) = self.resources.capture_for(prop)
                    && !uses.contains(capture)
                    && !creates.iter().any(|(c, _)| c == capture)
                {
                    creates.push((capture.to_string(), pointer_to(prop)));
                }
            }
        }
        creates
    }
}
