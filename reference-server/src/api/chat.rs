//! `POST /api/{user_id}/chat`, and `GET` and `DELETE /api/{user_id}/conversations/{id}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::extract::{ApiPath, RawBody, json_object, parse_id};
use crate::agent;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::flaws::Flaw;
use crate::state::AppState;
use crate::store::{MAX_CONVERSATION_MESSAGES, MAX_MESSAGE_CHARS, Role};

/// `POST /api/{user_id}/chat` `{conversation_id?, message}` -> `{conversation_id, response, tool_calls}`.
/// Stateless: history is read from the database on every request (only as much as the agent shows).
pub(super) async fn chat(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath(user_id): ApiPath<String>,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    let caller = app.scope(&user, &user_id)?;
    let body = json_object(&body)?;
    let message = match body.get("message") {
        Some(Value::String(m))
            if !m.trim().is_empty() && m.chars().count() <= MAX_MESSAGE_CHARS =>
        {
            m
        }
        _ => {
            return Err(ApiError::Validation(format!(
                "message must be a non-empty string of at most {MAX_MESSAGE_CHARS} characters"
            )));
        }
    };
    let requested = match body.get("conversation_id") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_i64().filter(|id| *id > 0).ok_or_else(|| {
            ApiError::Validation("conversation_id must be a positive integer".into())
        })?),
    };

    let (owner, conversation_id, history) = match requested {
        Some(id) => {
            let mut owner = caller.clone();
            // FLAW chat-continues-foreign-conversation: the conversation is found by id alone.
            if app.has(Flaw::ChatContinuesForeignConversation)
                && let Some(real_owner) = app.store.flawed_conversation_owner(id).await?
            {
                owner = real_owner;
            }
            let history = app
                .store
                .conversation_messages(&owner, id, agent::HISTORY_READ, agent::HISTORY_CHARS)
                .await?
                .ok_or(ApiError::NotFound)?;
            (owner, id, history)
        }
        None => (
            caller.clone(),
            app.store.create_conversation(&caller).await?,
            Vec::new(),
        ),
    };

    app.store
        .add_message(&owner, conversation_id, Role::User, message)
        .await?;
    let reply = agent::respond(&app.store, &caller, &history, message, app.flaw).await;
    app.store
        .add_message(&owner, conversation_id, Role::Assistant, &reply.response)
        .await?;
    Ok(Json(json!({
        "conversation_id": conversation_id,
        "response": reply.response,
        "tool_calls": reply.tool_calls,
    })))
}

/// `GET /api/{user_id}/conversations/{conversation_id}` -> `{id, messages: [{role, content}]}`: the
/// messages the conversation keeps (its last [`MAX_CONVERSATION_MESSAGES`]).
pub(super) async fn conversation(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath((user_id, conversation_id)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let owner = app.scope(&user, &user_id)?;
    let id = parse_id(&conversation_id)?;
    let messages = app
        .store
        .conversation_messages(&owner, id, MAX_CONVERSATION_MESSAGES, MAX_MESSAGE_CHARS)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(json!({"id": id, "messages": messages})))
}

/// `DELETE /api/{user_id}/conversations/{conversation_id}` -> 204: deletes one of the caller's
/// conversations with its messages (an extension of the contract, so that a run can clean up the
/// conversations it started); another user's id gets the same 404 as a nonexistent one.
pub(super) async fn delete_conversation(
    user: AuthUser,
    State(app): State<AppState>,
    ApiPath((user_id, conversation_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut owner = app.scope(&user, &user_id)?;
    let id = parse_id(&conversation_id)?;
    // FLAW conversation-delete-idor: the conversation is found by id alone.
    if app.has(Flaw::ConversationDeleteIdor)
        && let Some(real_owner) = app.store.flawed_conversation_owner(id).await?
    {
        owner = real_owner;
    }
    if app.store.delete_conversation(&owner, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
