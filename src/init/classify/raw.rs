//! The document's operations with their parameters resolved and merged.

use crate::openapi::Resolver;
use crate::openapi::model::{Document, Operation, Parameter};

/// An operation of the document with its parameters resolved and merged.
pub(super) struct RawOp<'a> {
    pub(super) path: &'a str,
    pub(super) method: &'static str,
    pub(super) op: &'a Operation,
    pub(super) params: Vec<&'a Parameter>,
    pub(super) notes: Vec<String>,
}

pub(super) fn raw_operations<'a>(
    doc: &'a Document,
    resolver: Resolver<'a>,
    warnings: &mut Vec<String>,
) -> Vec<RawOp<'a>> {
    let mut raw = Vec::new();
    let Some(paths) = &doc.paths else {
        return raw;
    };
    for (path, item) in paths.iter() {
        if let Some(reference) = &item.reference {
            warnings.push(format!(
                "TODO: the path item {path} is a $ref ({reference}), which is not followed; add its \
                 operations by hand"
            ));
        }
        for (method, op) in item.operations() {
            let mut notes = Vec::new();
            let mut params: Vec<&Parameter> = Vec::new();
            for param in item.parameters.iter().chain(op.parameters.iter()) {
                match resolver.parameter(param) {
                    Ok(param) => {
                        params.retain(|known| {
                            known.name != param.name || known.location != param.location
                        });
                        params.push(param);
                    }
                    Err(problem) => notes.push(format!("TODO: a parameter's {problem}")),
                }
            }
            raw.push(RawOp {
                path,
                method,
                op,
                params,
                notes,
            });
        }
    }
    raw
}
