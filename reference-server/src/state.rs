//! Shared state of the HTTP handlers, and the one place where the acting user is decided.

use std::sync::Arc;

use crate::auth::{AuthUser, Authenticator};
use crate::error::ApiError;
use crate::flaws::Flaw;
use crate::routes::RouteLayout;
use crate::store::Store;
use crate::styles::{Style, Styles};

/// State shared by all handlers (opaque outside the crate).
#[derive(Debug, Clone)]
pub struct AppState {
    pub(crate) store: Store,
    pub(crate) auth: Arc<Authenticator>,
    pub(crate) flaw: Option<Flaw>,
    pub(crate) styles: Styles,
    pub(crate) routes: RouteLayout,
}

impl AppState {
    pub(crate) fn new(store: Store, auth: Arc<Authenticator>, flaw: Option<Flaw>) -> Self {
        AppState {
            store,
            auth,
            flaw,
            styles: Styles::default(),
            routes: RouteLayout::default(),
        }
    }

    /// The same state with these legitimate presentation choices switched on.
    pub(crate) fn with_styles(mut self, styles: Styles) -> Self {
        self.styles = styles;
        self
    }

    /// The same state with the handlers mounted at the paths of `routes`.
    pub(crate) fn with_routes(mut self, routes: RouteLayout) -> Self {
        self.routes = routes;
        self
    }

    /// Whether `style` is on.
    pub(crate) fn styled(&self, style: Style) -> bool {
        self.styles.has(style)
    }

    /// Whether `flaw` is the active flaw.
    pub(crate) fn has(&self, flaw: Flaw) -> bool {
        self.flaw == Some(flaw)
    }

    /// The authenticator (for tests and diagnostics).
    pub fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    /// The user whose data a `/api/{user_id}/...` request acts on: the token's `sub`, which must equal
    /// the path's `user_id` (403 otherwise).
    pub(crate) fn scope(&self, user: &AuthUser, path_user: &str) -> Result<String, ApiError> {
        if user.sub == path_user {
            return Ok(user.sub.clone());
        }
        // FLAW path-user-not-checked: the path, not the token, decides whose data is used.
        if self.has(Flaw::PathUserNotChecked) {
            return Ok(path_user.to_owned());
        }
        Err(ApiError::Forbidden)
    }
}
