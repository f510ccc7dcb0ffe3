//! Route layouts: the paths under which the same handlers are mounted. [`RouteLayout::Contract`] is the
//! Todo contract of `specs/openapi.yaml`; [`RouteLayout::Items`] mounts the same operations FastAPI-style
//! under `/api/v1/users/{uid}/items...` and serves its own OpenAPI document, so that authconform can
//! show that it works on an API it only knows from an OpenAPI document. Authentication, isolation,
//! flaws and styles are identical in every layout.

use std::fmt;
use std::str::FromStr;

/// Where the API's operations are mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RouteLayout {
    /// The Todo contract (`specs/openapi.yaml`): `/api/{user_id}/tasks...`, `/api/{user_id}/chat`,
    /// `/api/{user_id}/conversations/{conversation_id}`, `/mcp`.
    #[default]
    Contract,
    /// A FastAPI-style layout (`specs/openapi-items.json`): `/api/v1/users/{uid}/items...`,
    /// `/api/v1/users/{uid}/chat`, `/api/v1/users/{uid}/conversations/{conversation_id}`,
    /// `/api/v1/mcp`, and the document itself at `GET /openapi.json` (public).
    Items,
}

impl RouteLayout {
    /// Every layout, in documentation order.
    pub const ALL: &'static [RouteLayout] = &[RouteLayout::Contract, RouteLayout::Items];

    /// The id used on the command line (`--routes ID`).
    pub fn id(self) -> &'static str {
        match self {
            RouteLayout::Contract => "contract",
            RouteLayout::Items => "items",
        }
    }

    /// Every route served in this layout, as `(method, path template)`.
    pub fn routes(self) -> &'static [(&'static str, &'static str)] {
        match self {
            RouteLayout::Contract => CONTRACT_ROUTES,
            RouteLayout::Items => ITEMS_ROUTES,
        }
    }

    /// The OpenAPI document served at `GET /openapi.json`, if this layout serves one.
    pub fn openapi_document(self) -> Option<&'static str> {
        match self {
            RouteLayout::Contract => None,
            RouteLayout::Items => Some(ITEMS_OPENAPI),
        }
    }

    /// The path templates (axum syntax) of this layout's operations.
    pub(crate) fn paths(self) -> Paths {
        match self {
            RouteLayout::Contract => Paths {
                tasks: "/api/{user_id}/tasks",
                task: "/api/{user_id}/tasks/{task_id}",
                complete: "/api/{user_id}/tasks/{task_id}/complete",
                chat: "/api/{user_id}/chat",
                conversation: "/api/{user_id}/conversations/{conversation_id}",
                mcp: "/mcp",
            },
            RouteLayout::Items => Paths {
                tasks: "/api/v1/users/{uid}/items",
                task: "/api/v1/users/{uid}/items/{item_id}",
                complete: "/api/v1/users/{uid}/items/{item_id}/complete",
                chat: "/api/v1/users/{uid}/chat",
                conversation: "/api/v1/users/{uid}/conversations/{conversation_id}",
                mcp: "/api/v1/mcp",
            },
        }
    }
}

/// Every route the server serves in `layout`, as `(method, path template)`; used by the OpenAPI
/// conformance tests.
pub fn routes(layout: RouteLayout) -> &'static [(&'static str, &'static str)] {
    layout.routes()
}

/// The routes of [`RouteLayout::Contract`] (all documented in `specs/openapi.yaml`).
pub const CONTRACT_ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/api/{user_id}/tasks"),
    ("POST", "/api/{user_id}/tasks"),
    ("GET", "/api/{user_id}/tasks/{task_id}"),
    ("PUT", "/api/{user_id}/tasks/{task_id}"),
    ("DELETE", "/api/{user_id}/tasks/{task_id}"),
    ("PATCH", "/api/{user_id}/tasks/{task_id}/complete"),
    ("POST", "/api/{user_id}/chat"),
    ("GET", "/api/{user_id}/conversations/{conversation_id}"),
    ("DELETE", "/api/{user_id}/conversations/{conversation_id}"),
    ("POST", "/mcp"),
];

/// The routes of [`RouteLayout::Items`]; all but `POST /api/v1/mcp` and `GET /openapi.json` are
/// documented in `specs/openapi-items.json`.
pub const ITEMS_ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/api/v1/users/{uid}/items"),
    ("POST", "/api/v1/users/{uid}/items"),
    ("GET", "/api/v1/users/{uid}/items/{item_id}"),
    ("PUT", "/api/v1/users/{uid}/items/{item_id}"),
    ("DELETE", "/api/v1/users/{uid}/items/{item_id}"),
    ("PATCH", "/api/v1/users/{uid}/items/{item_id}/complete"),
    ("POST", "/api/v1/users/{uid}/chat"),
    ("GET", "/api/v1/users/{uid}/conversations/{conversation_id}"),
    (
        "DELETE",
        "/api/v1/users/{uid}/conversations/{conversation_id}",
    ),
    ("POST", "/api/v1/mcp"),
    ("GET", "/openapi.json"),
];

/// The OpenAPI 3.1 document of [`RouteLayout::Items`] as FastAPI would generate it (served at
/// `GET /openapi.json` in that layout). The crate carries its own copy of `specs/openapi-items.json`
/// (`openapi/`, so that it builds when published); a test keeps the two identical.
pub const ITEMS_OPENAPI: &str = include_str!("../openapi/openapi-items.json");

/// The OpenAPI 3.1 document of [`RouteLayout::Contract`], the Todo contract (a copy of
/// `specs/openapi.yaml`, kept identical by a test).
pub const OPENAPI: &str = include_str!("../openapi/openapi.yaml");

/// Path templates of the operations, for the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paths {
    /// List (GET) and create (POST).
    pub tasks: &'static str,
    /// Read (GET), update (PUT), delete (DELETE).
    pub task: &'static str,
    /// Toggle completion (PATCH).
    pub complete: &'static str,
    /// Chat (POST).
    pub chat: &'static str,
    /// Read a conversation (GET).
    pub conversation: &'static str,
    /// MCP JSON-RPC (POST).
    pub mcp: &'static str,
}

impl fmt::Display for RouteLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An unknown route layout id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown route layout `{0}` (known: {known})", known = RouteLayout::ALL.iter().map(|l| l.id()).collect::<Vec<_>>().join(", "))]
pub struct UnknownRouteLayout(pub String);

impl FromStr for RouteLayout {
    type Err = UnknownRouteLayout;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RouteLayout::ALL
            .iter()
            .copied()
            .find(|layout| layout.id() == s)
            .ok_or_else(|| UnknownRouteLayout(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ids_list_the_known_ones() {
        for layout in RouteLayout::ALL {
            assert_eq!(layout.id().parse::<RouteLayout>(), Ok(*layout));
            assert_eq!(layout.to_string(), layout.id());
        }
        let err = "fastapi".parse::<RouteLayout>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown route layout `fastapi` (known: contract, items)"
        );
        assert_eq!(RouteLayout::default(), RouteLayout::Contract);
    }

    /// The route tables list exactly what the router mounts from [`RouteLayout::paths`].
    #[test]
    fn route_tables_match_the_mounted_paths() {
        for layout in RouteLayout::ALL {
            let p = layout.paths();
            let mut expected = vec![
                ("GET", "/health"),
                ("GET", p.tasks),
                ("POST", p.tasks),
                ("GET", p.task),
                ("PUT", p.task),
                ("DELETE", p.task),
                ("PATCH", p.complete),
                ("POST", p.chat),
                ("GET", p.conversation),
                ("DELETE", p.conversation),
                ("POST", p.mcp),
            ];
            if layout.openapi_document().is_some() {
                expected.push(("GET", "/openapi.json"));
            }
            assert_eq!(layout.routes(), expected.as_slice(), "{layout}");
        }
    }

    #[test]
    fn the_items_document_is_json_openapi_3_1() {
        let doc: serde_json::Value = serde_json::from_str(ITEMS_OPENAPI).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    }
}
