//! `$ref` resolution inside one document.
//!
//! Only local references are followed: `#/components/<kind>/<name>`, and for schemas a pointer that goes
//! on into the named schema (`.../properties/<p>`, `.../items`, `.../allOf/<i>`, `anyOf`, `oneOf`).
//! A reference to another file or URL is never fetched: it is reported ([`RefProblem::External`]) and
//! the caller writes a TODO comment. Chains of references are followed up to [`MAX_CHAIN`] links, so a
//! reference that points (indirectly) at itself is reported, not looped on. Cycles *through* schema
//! structure (a `Node` whose `children` are `Node`s) are the caller's to guard: see `init::body`.

use super::model::{
    Document, Parameter, RequestBody, Response, Schema, SchemaObject, SecurityScheme,
};

/// Most `$ref` links followed in a row before giving up.
pub const MAX_CHAIN: usize = 16;

/// A `$ref` that could not be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefProblem {
    /// It points outside the document (another file, a URL).
    #[error("$ref {0} points outside the document and was not followed")]
    External(String),
    /// A local pointer this tool does not follow.
    #[error("$ref {0} is not of the form #/components/<kind>/<name> and was not followed")]
    Unsupported(String),
    /// A local pointer to nothing.
    #[error("$ref {0} points to nothing in the document")]
    Missing(String),
    /// References that lead back to themselves.
    #[error("$ref {0} is part of a reference loop")]
    Loop(String),
}

/// A parsed local reference: component kind, name, and the rest of the pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRef {
    /// `schemas`, `parameters`, `requestBodies`, `responses`, `securitySchemes`.
    pub kind: String,
    /// The component's name (unescaped).
    pub name: String,
    /// Further pointer segments (unescaped).
    pub rest: Vec<String>,
}

/// Parses `reference` as a local `#/components/...` pointer.
pub fn parse(reference: &str) -> Result<LocalRef, RefProblem> {
    let Some(pointer) = reference.strip_prefix('#') else {
        return Err(RefProblem::External(reference.to_string()));
    };
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| percent_decode(s).replace("~1", "/").replace("~0", "~"))
        .collect();
    match segments.as_slice() {
        [components, kind, name, rest @ ..] if components == "components" => Ok(LocalRef {
            kind: kind.clone(),
            name: name.clone(),
            rest: rest.to_vec(),
        }),
        _ => Err(RefProblem::Unsupported(reference.to_string())),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Follows references within one document.
#[derive(Debug, Clone, Copy)]
pub struct Resolver<'a> {
    doc: &'a Document,
}

/// What a schema reference resolved to: the schema object (or a boolean schema), and the reference
/// followed last (the name a cycle guard keys on).
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    /// A boolean schema.
    Bool(bool),
    /// A schema object, with the last `$ref` followed to reach it.
    Object(&'a SchemaObject, Option<&'a str>),
}

impl<'a> Resolver<'a> {
    /// A resolver over `doc`.
    pub fn new(doc: &'a Document) -> Self {
        Resolver { doc }
    }

    /// The schema `schema` stands for, following `$ref` chains.
    pub fn schema(&self, schema: &'a Schema) -> Result<Resolved<'a>, RefProblem> {
        let mut current = schema;
        let mut last_ref = None;
        for _ in 0..MAX_CHAIN {
            match current {
                Schema::Bool(b) => return Ok(Resolved::Bool(*b)),
                Schema::Object(object) => match &object.reference {
                    None => return Ok(Resolved::Object(object, last_ref)),
                    Some(reference) => {
                        current = self.schema_at(reference)?;
                        last_ref = Some(reference.as_str());
                    }
                },
            }
        }
        Err(RefProblem::Loop(last_ref.unwrap_or_default().to_string()))
    }

    fn schema_at(&self, reference: &str) -> Result<&'a Schema, RefProblem> {
        let local = parse(reference)?;
        if local.kind != "schemas" {
            return Err(RefProblem::Unsupported(reference.to_string()));
        }
        let missing = || RefProblem::Missing(reference.to_string());
        let mut schema = self
            .doc
            .components
            .schemas
            .get(&local.name)
            .ok_or_else(missing)?;
        let mut rest = local.rest.iter();
        while let Some(segment) = rest.next() {
            let Schema::Object(object) = schema else {
                return Err(missing());
            };
            schema = match segment.as_str() {
                "properties" => {
                    let name = rest.next().ok_or_else(missing)?;
                    object.properties.get(name).ok_or_else(missing)?
                }
                "items" => object.items.as_ref().ok_or_else(missing)?,
                list @ ("allOf" | "anyOf" | "oneOf") => {
                    let index: usize = rest
                        .next()
                        .and_then(|i| i.parse().ok())
                        .ok_or_else(missing)?;
                    let members = match list {
                        "allOf" => &object.all_of,
                        "anyOf" => &object.any_of,
                        _ => &object.one_of,
                    };
                    members.get(index).ok_or_else(missing)?
                }
                _ => return Err(RefProblem::Unsupported(reference.to_string())),
            };
        }
        Ok(schema)
    }

    /// The parameter `param` stands for.
    pub fn parameter(&self, param: &'a Parameter) -> Result<&'a Parameter, RefProblem> {
        self.follow(
            param,
            |p| p.reference.as_deref(),
            "parameters",
            |doc, name| doc.components.parameters.get(name),
        )
    }

    /// The request body `body` stands for.
    pub fn request_body(&self, body: &'a RequestBody) -> Result<&'a RequestBody, RefProblem> {
        self.follow(
            body,
            |b| b.reference.as_deref(),
            "requestBodies",
            |doc, name| doc.components.request_bodies.get(name),
        )
    }

    /// The response `response` stands for.
    pub fn response(&self, response: &'a Response) -> Result<&'a Response, RefProblem> {
        self.follow(
            response,
            |r| r.reference.as_deref(),
            "responses",
            |doc, name| doc.components.responses.get(name),
        )
    }

    /// The security scheme named `name` in `components.securitySchemes`.
    pub fn security_scheme(&self, name: &str) -> Result<&'a SecurityScheme, RefProblem> {
        let scheme = self
            .doc
            .components
            .security_schemes
            .get(name)
            .ok_or_else(|| RefProblem::Missing(format!("#/components/securitySchemes/{name}")))?;
        self.follow(
            scheme,
            |s| s.reference.as_deref(),
            "securitySchemes",
            |doc, name| doc.components.security_schemes.get(name),
        )
    }

    fn follow<T>(
        &self,
        start: &'a T,
        reference_of: impl Fn(&T) -> Option<&str>,
        kind: &str,
        lookup: impl Fn(&'a Document, &str) -> Option<&'a T>,
    ) -> Result<&'a T, RefProblem> {
        let mut current = start;
        for _ in 0..MAX_CHAIN {
            let Some(reference) = reference_of(current) else {
                return Ok(current);
            };
            let local = parse(reference)?;
            if local.kind != kind || !local.rest.is_empty() {
                return Err(RefProblem::Unsupported(reference.to_string()));
            }
            current = lookup(self.doc, &local.name)
                .ok_or_else(|| RefProblem::Missing(reference.to_string()))?;
        }
        Err(RefProblem::Loop(
            reference_of(current).unwrap_or_default().to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Document {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn local_pointers_are_parsed_and_unescaped() {
        let local = parse("#/components/schemas/A~1B%20C/properties/x").unwrap();
        assert_eq!(local.kind, "schemas");
        assert_eq!(local.name, "A/B C");
        assert_eq!(local.rest, ["properties", "x"]);
        assert_eq!(
            parse("other.yaml#/components/schemas/A"),
            Err(RefProblem::External(
                "other.yaml#/components/schemas/A".into()
            ))
        );
        assert!(matches!(
            parse("https://example.com/s.json"),
            Err(RefProblem::External(_))
        ));
        assert!(matches!(
            parse("#/paths/x"),
            Err(RefProblem::Unsupported(_))
        ));
    }

    #[test]
    fn schema_chains_and_deep_pointers_resolve() {
        let d = doc(r##"{"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "object", "properties": {"x": {"type": "integer"}}},
            "C": {"$ref": "#/components/schemas/B/properties/x"}}}}"##);
        let r = Resolver::new(&d);
        let a = d.components.schemas.get("A").unwrap();
        let Resolved::Object(b, last) = r.schema(a).unwrap() else {
            panic!()
        };
        assert_eq!(b.types(), ["object"]);
        assert_eq!(last, Some("#/components/schemas/B"));
        let c = d.components.schemas.get("C").unwrap();
        let Resolved::Object(x, _) = r.schema(c).unwrap() else {
            panic!()
        };
        assert_eq!(x.types(), ["integer"]);
    }

    #[test]
    fn reference_loops_and_missing_targets_are_reported() {
        let d = doc(r##"{"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"$ref": "#/components/schemas/A"},
            "C": {"$ref": "#/components/schemas/Nope"}}},
            "paths": {}}"##);
        let r = Resolver::new(&d);
        assert!(matches!(
            r.schema(d.components.schemas.get("A").unwrap()),
            Err(RefProblem::Loop(_))
        ));
        assert!(matches!(
            r.schema(d.components.schemas.get("C").unwrap()),
            Err(RefProblem::Missing(_))
        ));
    }

    #[test]
    fn parameters_resolve_by_kind() {
        let d = doc(
            r##"{"components": {"parameters": {"U": {"name": "uid", "in": "path", "required": true}}}}"##,
        );
        let r = Resolver::new(&d);
        let p = Parameter {
            reference: Some("#/components/parameters/U".into()),
            ..Default::default()
        };
        assert_eq!(r.parameter(&p).unwrap().name.as_deref(), Some("uid"));
        let wrong = Parameter {
            reference: Some("#/components/schemas/U".into()),
            ..Default::default()
        };
        assert!(matches!(
            r.parameter(&wrong),
            Err(RefProblem::Unsupported(_))
        ));
    }
}
