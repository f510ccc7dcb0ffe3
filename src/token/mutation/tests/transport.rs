//! Structural checks of the transport family: where and how the token is sent.

use super::fixtures::Probe;
use crate::token::b64;
use crate::token::mutation::{AttackRequest, Placement};

/// No credentials, and the token in another place or scheme.
/// `false` when `id` is none of them.
pub(super) fn placements(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let req = p.req;
    match id {
        "no-credentials" => assert_eq!(*req, AttackRequest::placed(None, Placement::None)),
        "token-in-query"
        | "token-in-form-body"
        | "token-in-cookie"
        | "token-in-x-access-token"
        | "token-in-x-auth-token"
        | "lowercase-bearer"
        | "uppercase-bearer"
        | "scheme-token"
        | "scheme-jwt"
        | "bare-token" => {
            let placement = match id {
                "token-in-query" => Placement::Query {
                    param: "access_token".into(),
                },
                "token-in-form-body" => Placement::FormBody {
                    field: "access_token".into(),
                },
                "token-in-cookie" => Placement::Cookie {
                    name: "access_token".into(),
                },
                "token-in-x-access-token" => Placement::Header {
                    name: "X-Access-Token".into(),
                },
                "token-in-x-auth-token" => Placement::Header {
                    name: "X-Auth-Token".into(),
                },
                "lowercase-bearer" => Placement::Scheme("bearer".into()),
                "uppercase-bearer" => Placement::Scheme("BEARER".into()),
                "scheme-token" => Placement::Scheme("Token".into()),
                "scheme-jwt" => Placement::Scheme("JWT".into()),
                _ => Placement::Bare,
            };
            assert_eq!(req.placement, placement);
            assert!(p.is_valid_of(p.token(), &ctx.principal));
        }
        _ => return false,
    }
    true
}

/// Basic authentication, duplicate headers, and several tokens at once.
/// `false` when `id` is none of them.
pub(super) fn schemes_and_duplicates(id: &str, p: &Probe<'_>) -> bool {
    let ctx = p.ctx;
    let req = p.req;
    match id {
        "scheme-basic" => {
            let Placement::RawAuthorization(value) = &req.placement else {
                panic!("raw Authorization")
            };
            let decoded =
                b64::decode_standard(value.strip_prefix("Basic ").unwrap().as_bytes()).unwrap();
            let decoded = String::from_utf8(decoded).unwrap();
            let token = decoded.strip_prefix("user-alice:").unwrap();
            assert!(p.is_valid_of(token, &ctx.principal) && token == p.token());
        }
        "duplicate-authorization-header" | "duplicate-authorization-header-reversed" => {
            let (first, second) = if id.ends_with("reversed") {
                (&ctx.principal, &ctx.other)
            } else {
                (&ctx.other, &ctx.principal)
            };
            let Placement::TwoAuthorization {
                second: second_token,
            } = &req.placement
            else {
                panic!("two lines")
            };
            assert!(p.is_valid_of(p.token(), first) && p.is_valid_of(second_token, second));
        }
        "multiple-token-methods" => {
            assert!(p.is_valid_of(p.token(), &ctx.other));
            let Placement::BearerAndQuery { param, query_token } = &req.placement else {
                panic!("query")
            };
            assert_eq!(param, "access_token");
            assert!(p.is_valid_of(query_token, &ctx.principal));
        }
        "invalid-bearer-with-valid-cookie" => {
            assert!(!p.trusted());
            let Placement::BearerAndCookie { name, cookie_token } = &req.placement else {
                panic!("cookie")
            };
            assert_eq!(name, "access_token");
            assert!(p.is_valid_of(cookie_token, &ctx.principal));
        }
        _ => return false,
    }
    true
}
