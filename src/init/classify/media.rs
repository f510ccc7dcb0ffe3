//! Request and response bodies: the JSON body template, success statuses, created id pointers.

use super::raw::RawOp;
use crate::init::body::{Body, BodyBuilder, property_names};
use crate::init::vocab::{norm, pointer_to, singular};
use crate::openapi::Resolver;
use crate::openapi::model::{MediaType, Operation, RequestBody, Schema};

/// The JSON body template of a request body, with notes for what cannot be made.
pub(super) fn request_json<'a>(
    body: &'a RequestBody,
    builder: &mut BodyBuilder<'a>,
    notes: &mut Vec<String>,
) -> Option<Body> {
    let json: Option<&MediaType> = body
        .content
        .iter()
        .find(|(media, _)| is_json(media))
        .map(|(_, m)| m);
    let Some(media) = json else {
        if !body.content.is_empty() {
            let types: Vec<&str> = body.content.iter().map(|(t, _)| t).collect();
            notes.push(format!(
                "TODO: the request body is {} only; the harness sends JSON bodies, so this operation \
                 is sent without one",
                types.join(", ")
            ));
        }
        return None;
    };
    match &media.schema {
        Some(schema) => builder.build(schema),
        None => {
            notes.push("TODO: the JSON request body has no schema: `{}` is sent".into());
            Some(Body::Object(Vec::new()))
        }
    }
}

/// The property names of an operation's JSON request body.
pub(super) fn request_properties(raw: &RawOp<'_>, resolver: Resolver<'_>) -> Vec<String> {
    let Some(Ok(body)) = raw
        .op
        .request_body
        .as_ref()
        .map(|b| resolver.request_body(b))
    else {
        return Vec::new();
    };
    body.content
        .iter()
        .find(|(media, _)| is_json(media))
        .and_then(|(_, media)| media.schema.as_ref())
        .map(|schema| property_names(resolver, schema))
        .unwrap_or_default()
}

pub(super) fn is_json(media: &str) -> bool {
    let media = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json") || media == "*/*"
}

/// The lowest documented 2xx status.
pub(super) fn success_status(op: &Operation) -> Option<u16> {
    op.responses
        .iter()
        .filter_map(|(code, _)| code.parse::<u16>().ok())
        .filter(|code| (200..300).contains(code))
        .min()
}

/// The schema of the lowest 2xx response with JSON content.
pub(super) fn success_schema<'a>(op: &'a Operation, resolver: Resolver<'a>) -> Option<&'a Schema> {
    let mut responses: Vec<(u16, &crate::openapi::model::Response)> = op
        .responses
        .iter()
        .filter_map(|(code, r)| Some((code.parse::<u16>().ok()?, r)))
        .filter(|(code, _)| (200..300).contains(code))
        .collect();
    responses.sort_by_key(|(code, _)| *code);
    responses.into_iter().find_map(|(_, response)| {
        let response = resolver.response(response).ok()?;
        response
            .content
            .iter()
            .find(|(media, _)| is_json(media))
            .and_then(|(_, m)| m.schema.as_ref())
    })
}

/// The pointer to the created id in a create answer: `id`, else the item parameter's name, else
/// `<singular>_id` (each also in other spellings, e.g. `itemId`).
pub(super) fn id_pointer(props: &[String], capture: &str, collection: &str) -> Option<String> {
    let candidates = [
        "id".to_string(),
        capture.to_string(),
        format!("{}_id", singular(collection)),
    ];
    candidates.iter().find_map(|candidate| {
        props
            .iter()
            .find(|p| norm(p) == norm(candidate))
            .map(|p| pointer_to(p))
    })
}
