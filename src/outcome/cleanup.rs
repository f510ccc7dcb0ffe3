//! What the run's cleanup did: the objects the run created in its target, deleted at the end through
//! the API's delete operations, and those it could not delete, each with the reason.

/// The cleanup at the end of a run (`conditions.cleanup` in the JSON report).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cleanup {
    /// Why nothing was deleted, when the run did not clean up (`--keep-data`, the embedded reference
    /// server, a target that stopped answering).
    pub skipped: Option<String>,
    /// Objects the run recorded as created (each once).
    pub recorded: usize,
    /// Objects deleted through a delete operation.
    pub deleted: usize,
    /// Objects already gone when the cleanup asked (404 or 410: a case deleted them itself).
    pub gone: usize,
    /// Objects a delete operation did not delete, or that were never asked for (time ran out).
    pub failed: Vec<NotDeleted>,
    /// Kinds of object the API has no delete operation for, with how many of each the run created.
    pub not_deletable: Vec<(String, usize)>,
}

/// One object the cleanup could not delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDeleted {
    /// Its kind: the capture name of its id (`task_id`).
    pub kind: String,
    /// Its id, as the API returned it.
    pub id: String,
    /// The principal it belongs to.
    pub owner: String,
    /// The case that created it.
    pub case: String,
    /// Why it is still there, in words (no token, no body: the answer's status at most).
    pub reason: String,
}

impl Cleanup {
    /// A cleanup that did not run, and why.
    pub fn skipped(reason: impl Into<String>, recorded: usize) -> Cleanup {
        Cleanup {
            skipped: Some(reason.into()),
            recorded,
            ..Cleanup::default()
        }
    }

    /// Whether something the run created is still in the target (not deleted and not gone).
    pub fn left_behind(&self) -> usize {
        self.recorded.saturating_sub(self.deleted + self.gone)
    }
}
