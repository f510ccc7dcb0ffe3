//! Which operation creates which id, and which operations are commented out for lack of one.

use std::collections::BTreeSet;

use super::Op;

/// One creator per capture: a later operation that would create the same id keeps it out of its
/// `creates`, with a note (the profile loader refuses two creators of one id).
pub(super) fn single_creators(operations: &mut [Op]) {
    let mut first: Vec<(String, String)> = Vec::new();
    for op in operations.iter_mut() {
        let mut kept = Vec::new();
        for (capture, pointer) in std::mem::take(&mut op.creates) {
            match first.iter().find(|(created, _)| *created == capture) {
                Some((_, creator)) => op.notes.push(format!(
                    "also returns `{capture}` ({pointer}), which `{creator}` already creates: one \
                     operation creates each id"
                )),
                None => {
                    first.push((capture.clone(), op.name.clone()));
                    kept.push((capture, pointer));
                }
            }
        }
        op.creates = kept;
    }
}

/// Comments out every operation that uses a capture no live operation creates (to a fixpoint: an
/// operation that creates ids but is itself commented out creates nothing).
pub(super) fn disable_uncreated(operations: &mut [Op]) {
    loop {
        let created: BTreeSet<String> = operations
            .iter()
            .filter(|op| op.disabled.is_none())
            .flat_map(|op| op.creates.iter().map(|(c, _)| c.clone()))
            .collect();
        let mut changed = false;
        for op in operations.iter_mut().filter(|op| op.disabled.is_none()) {
            let missing: Vec<&String> = op.uses.iter().filter(|u| !created.contains(*u)).collect();
            if let Some(first) = missing.first() {
                let list: Vec<String> = missing.iter().map(|m| format!("{{{m}}}")).collect();
                op.disabled = Some(format!(
                    "TODO: nothing creates {} (the `{first}` parameter): the profile loader rejects an \
                     operation that uses it. Add `creates: {{ {first}: /POINTER }}` to the operation \
                     whose answer returns it (a POST, or a list whose answer has it), then uncomment \
                     this one.",
                    list.join(", ")
                ));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}
