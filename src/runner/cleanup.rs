//! The end of a run: every object the run recorded as created ([`super::created`]) is deleted
//! through the API's delete operation for its kind, as its owner (the owner's valid token), a few at
//! a time and within a time bound; what could not be deleted is reported with the reason.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinSet;

use super::created::{CreatedObject, deleter, reader};
use super::execute::RunShared;
use super::tokens::{MadeToken, TokenError};
use super::users::CaseUsers;
use crate::api::Operation;
use crate::outcome::{Cleanup, NotDeleted};
use crate::scenario::plan::TokenPlan;
use crate::template;
use crate::token::mutation::AttackRequest;
use crate::wire::placement::place;
use crate::wire::{Exchange, RequestSpec};

/// Deletes in flight at once.
pub const CONCURRENCY: usize = 8;
/// The most time the cleanup takes; objects not asked for by then are reported as not deleted.
pub const TIME_LIMIT: Duration = Duration::from_secs(300);

/// How one delete ended well.
enum Deleted {
    /// The delete operation answered 2xx.
    Now,
    /// It answered 404 or 410 and the object does not read back: already gone (a case deleted it
    /// itself).
    Gone,
}

/// Deletes every object recorded in `shared`, and says what it did.
pub async fn clean(shared: Arc<RunShared>) -> Cleanup {
    let objects = shared.created.take();
    let mut cleanup = Cleanup {
        recorded: objects.len(),
        ..Cleanup::default()
    };
    let mut not_deletable: BTreeMap<String, usize> = BTreeMap::new();
    let mut work = Vec::new();
    // The delete operation of each kind, looked up once (thousands of objects, a few kinds).
    let mut deleters: BTreeMap<String, Option<Arc<Operation>>> = BTreeMap::new();
    for object in objects {
        let op = deleters.entry(object.kind.clone()).or_insert_with(|| {
            let api = shared.created.api()?;
            deleter(api, &object.kind).map(|op| Arc::new(op.clone()))
        });
        match op {
            Some(op) => work.push((object, Arc::clone(op))),
            None => *not_deletable.entry(object.kind).or_default() += 1,
        }
    }
    cleanup.not_deletable = not_deletable.into_iter().collect();
    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let tokens = Arc::new(OwnerTokens::default());
    let deadline = tokio::time::Instant::now() + TIME_LIMIT;
    let mut running = JoinSet::new();
    for (object, op) in work {
        let (shared, limit, tokens) =
            (Arc::clone(&shared), Arc::clone(&limit), Arc::clone(&tokens));
        running.spawn(async move {
            let outcome = tokio::time::timeout_at(deadline, async {
                let _permit = limit.acquire_owned().await;
                delete(&shared, &tokens, &op, &object).await
            })
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "not deleted: the cleanup's {} s ran out",
                    TIME_LIMIT.as_secs()
                ))
            });
            (object, outcome)
        });
    }
    let mut failed = Vec::new();
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok((_, Ok(Deleted::Now))) => cleanup.deleted += 1,
            Ok((_, Ok(Deleted::Gone))) => cleanup.gone += 1,
            Ok((object, Err(reason))) => failed.push(not_deleted(&object, reason)),
            Err(err) => failed.push(NotDeleted {
                kind: String::new(),
                id: String::new(),
                owner: String::new(),
                case: String::new(),
                reason: format!("harness task failed: {err}"),
            }),
        }
    }
    failed.sort_by(|a, b| (&a.case, &a.kind, &a.id).cmp(&(&b.case, &b.kind, &b.id)));
    cleanup.failed = failed;
    cleanup
}

fn not_deleted(object: &CreatedObject, reason: String) -> NotDeleted {
    NotDeleted {
        kind: object.kind.clone(),
        id: text(&object.id),
        owner: object.owner.clone(),
        case: object.case.clone(),
        reason,
    }
}

/// The valid token of each owner in each case, made for the first of its objects and sent for the
/// others (a case often creates several objects, and a token costs a signature).
#[derive(Default)]
struct OwnerTokens(Mutex<HashMap<(String, String), OwnerToken>>);

/// An owner's valid token, or why there is none.
type OwnerToken = Result<Arc<MadeToken>, String>;

impl OwnerTokens {
    /// The valid token of `object`'s owner in its case.
    fn of(&self, shared: &RunShared, object: &CreatedObject) -> OwnerToken {
        let mut tokens = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (object.case.clone(), object.owner.clone());
        tokens
            .entry(key)
            .or_insert_with(|| {
                let users = CaseUsers::for_case(&shared.profile, &object.case);
                shared
                    .tokens
                    .make(&TokenPlan::Valid, &users, &object.owner, "")
                    .map(Arc::new)
                    .map_err(|err| match err {
                        TokenError::NotApplicable(reason) | TokenError::Failed(reason) => {
                            format!("no valid token of its owner `{}`: {reason}", object.owner)
                        }
                    })
            })
            .clone()
    }
}

/// Sends `op` for `object` with its owner's valid token. The reason of a failure names the status at
/// most: never a token or a body.
async fn delete(
    shared: &RunShared,
    tokens: &OwnerTokens,
    op: &Operation,
    object: &CreatedObject,
) -> Result<Deleted, String> {
    let made = tokens.of(shared, object)?;
    let send = |op| send(shared, op, object, &made.attack);
    let exchange = send(op).await?;
    let read = shared
        .created
        .api()
        .and_then(|api| reader(api, &object.kind));
    let answered = format!("{} answered {}", op.name, exchange.status);
    match (exchange.status, tool_error(&exchange.body)) {
        (200..=299, None) => Ok(Deleted::Now),
        // A tool error may mean "already gone": the object's own read decides, else its words
        // are reported as they are.
        (200..=299, Some(words)) => match read {
            Some(read) if !reads_back(send(read).await?.status) => Ok(Deleted::Gone),
            _ => Err(format!("{answered} with a tool error: {words:?}")),
        },
        // A 404 also comes from a route the target does not have: gone only if it reads so.
        (404 | 410, _) => match read {
            Some(read) if reads_back(send(read).await?.status) => Err(format!(
                "{answered}, but {} still reads it (is the delete route right?)",
                read.name
            )),
            _ => Ok(Deleted::Gone),
        },
        _ => Err(answered),
    }
}

/// Whether a read of the object found it.
fn reads_back(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Sends `op` for `object` with `token` placed as the profile says.
async fn send(
    shared: &RunShared,
    op: &Operation,
    object: &CreatedObject,
    token: &AttackRequest,
) -> Result<Exchange, String> {
    let spec = request(shared, op, object)?;
    let spec = place(spec, token, &shared.profile.presentation);
    let exchange = shared.client.send(&spec).await;
    exchange.map_err(|err| format!("{} {}: {err}", op.method, op.name))
}

/// The request of `op` for `object`: its path and body with the owner's id and the object's id.
fn request(
    shared: &RunShared,
    op: &Operation,
    object: &CreatedObject,
) -> Result<RequestSpec, String> {
    let value = |name: &str| match name {
        "user_id" => Some(Value::from(object.owner_id.as_str())),
        "canary" => Some(Value::from("")),
        kind if kind == object.kind => Some(object.id.clone()),
        _ => None,
    };
    let words = |name: &str| value(name).map(|found| text(&found));
    let failed = |err: template::TemplateError| format!("cannot render {}: {err}", op.name);
    let path = template::render(&op.path, &words).map_err(failed)?;
    let api = shared.created.api().ok_or("no API description")?;
    let url = super::execute::join(
        &shared.base_url,
        &api.located(op, &path, &shared.profile.services),
    );
    let method =
        reqwest::Method::from_bytes(op.method.as_bytes()).map_err(|err| err.to_string())?;
    let mut spec = RequestSpec::new(method, url.clone());
    for (name, header) in &shared.profile.extra_headers {
        spec = spec.header(name.clone(), header.clone());
    }
    let session = shared.sessions.headers(&url, &object.owner);
    let in_session = !session.is_empty();
    for (name, header) in session {
        spec = spec.header(name, header);
    }
    for (name, header) in &op.headers {
        spec = spec.header(
            name.clone(),
            template::render(header, &words).map_err(failed)?,
        );
    }
    if let Some(json) = &op.json {
        let mut body = template::render_json(json, &value).map_err(failed)?;
        if in_session {
            shared.sessions.number(&mut body);
        }
        spec = spec.json(&body);
    }
    Ok(spec)
}

/// What a 2xx answer that still says the delete failed says (its first 120 characters): a JSON-RPC
/// `error`'s message, or the text of a tool result with `isError: true`.
fn tool_error(body: &[u8]) -> Option<String> {
    let body = serde_json::from_slice::<Value>(body).ok()?;
    let words = match body.get("error") {
        Some(error) if !error.is_null() => error.get("message").unwrap_or(error),
        _ if body.pointer("/result/isError") == Some(&Value::Bool(true)) => body
            .pointer("/result/content/0/text")
            .unwrap_or(&Value::Null),
        _ => return None,
    };
    Some(text(words).chars().take(120).collect())
}

/// A JSON value as it reads in a path: strings without quotes.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
