//! `/api/{user_id}/tasks...`: task CRUD for the authenticated user.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::extract::{ApiPath, RawBody, json_object, parse_id, query_value};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::flaws::Flaw;
use crate::state::AppState;
use crate::store::{StatusFilter, Task, TaskPatch};
use crate::tools::{validate_description, validate_title};

/// `GET /api/{user_id}/tasks?status=all|pending|completed`
pub(super) async fn list(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath(user_id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<Task>>, ApiError> {
    let owner = app.scope(&user, &user_id)?;
    let filter = match query_value(query.as_deref(), "status") {
        None => StatusFilter::All,
        Some(raw) => raw.parse().map_err(|()| {
            ApiError::Validation("status must be all, pending or completed".into())
        })?,
    };
    // FLAW list-leaks-other-users: the list query forgets the owner filter.
    let tasks = if app.has(Flaw::ListLeaksOtherUsers) {
        app.store.flawed_list_all_tasks(filter).await?
    } else {
        app.store.list_tasks(&owner, filter).await?
    };
    Ok(Json(tasks))
}

/// `POST /api/{user_id}/tasks` `{title, description?}` -> 201
pub(super) async fn create(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath(user_id): ApiPath<String>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let owner = app.scope(&user, &user_id)?;
    let body = json_object(&body)?;
    let title = match body.get("title") {
        Some(Value::String(title)) => validate_title(title).map_err(ApiError::Validation)?,
        _ => {
            return Err(ApiError::Validation(
                "title is required and must be a string".into(),
            ));
        }
    };
    let description = description_field(&body)?.flatten();
    let task = app
        .store
        .create_task(&owner, &title, description.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(task)).into_response())
}

/// `GET /api/{user_id}/tasks/{task_id}`
pub(super) async fn get(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath((user_id, task_id)): ApiPath<(String, String)>,
) -> Result<Json<Task>, ApiError> {
    let owner = app.scope(&user, &user_id)?;
    let id = parse_id(&task_id)?;
    // FLAW task-read-idor: the task is read by id alone.
    let owner = if app.has(Flaw::TaskReadIdor) {
        app.store.flawed_task_owner(id).await?.unwrap_or(owner)
    } else {
        owner
    };
    app.store
        .get_task(&owner, id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// `PUT /api/{user_id}/tasks/{task_id}` `{title?, description?, completed?}` (partial; unknown fields,
/// such as `user_id`, are ignored).
pub(super) async fn update(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath((user_id, task_id)): ApiPath<(String, String)>,
    RawBody(body): RawBody,
) -> Result<Json<Task>, ApiError> {
    let owner = app.scope(&user, &user_id)?;
    let id = parse_id(&task_id)?;
    let body = json_object(&body)?;
    let title = match body.get("title") {
        None => None,
        Some(Value::String(title)) => Some(validate_title(title).map_err(ApiError::Validation)?),
        Some(_) => return Err(ApiError::Validation("title must be a string".into())),
    };
    let completed = match body.get("completed") {
        None => None,
        Some(Value::Bool(completed)) => Some(*completed),
        Some(_) => return Err(ApiError::Validation("completed must be a boolean".into())),
    };
    let patch = TaskPatch {
        title,
        description: description_field(&body)?,
        completed,
    };
    if patch == TaskPatch::default() {
        return Err(ApiError::Validation(
            "give at least one of title, description, completed".into(),
        ));
    }
    let owner = write_owner(&app, owner, id).await?;
    app.store
        .update_task(&owner, id, patch)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// `DELETE /api/{user_id}/tasks/{task_id}` -> 204
pub(super) async fn delete(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath((user_id, task_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let owner = app.scope(&user, &user_id)?;
    let id = parse_id(&task_id)?;
    let owner = write_owner(&app, owner, id).await?;
    match app.store.delete_task(&owner, id).await? {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(ApiError::NotFound),
    }
}

/// `PATCH /api/{user_id}/tasks/{task_id}/complete`: toggles `completed`.
pub(super) async fn toggle(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath((user_id, task_id)): ApiPath<(String, String)>,
) -> Result<Json<Task>, ApiError> {
    let owner = app.scope(&user, &user_id)?;
    let id = parse_id(&task_id)?;
    let owner = write_owner(&app, owner, id).await?;
    app.store
        .toggle_task(&owner, id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// The owner used by writes: the caller, except with the `task-write-idor` flaw.
async fn write_owner(app: &AppState, owner: String, id: i64) -> Result<String, ApiError> {
    // FLAW task-write-idor: updates, toggles and deletes find the task by id alone.
    if app.has(Flaw::TaskWriteIdor) {
        return Ok(app.store.flawed_task_owner(id).await?.unwrap_or(owner));
    }
    Ok(owner)
}

/// `description`: absent (`None`), null (`Some(None)`) or a string of at most 1000 characters.
fn description_field(body: &Map<String, Value>) -> Result<Option<Option<String>>, ApiError> {
    match body.get("description") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(d)) => Ok(Some(Some(
            validate_description(d).map_err(ApiError::Validation)?,
        ))),
        Some(_) => Err(ApiError::Validation(
            "description must be a string or null".into(),
        )),
    }
}
