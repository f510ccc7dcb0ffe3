"""Settings from the environment (read once at start; an unusable setting stops the server).

Token claims (both verifiers, both servers):
  USER_CLAIM  the claim that names the user (`sub`); e.g. `user_id` for backends that mint their own
              tokens with a `user_id` claim. It must be a non-empty string; in the contract layout the
              path `{user_id}` must equal it. Required claims: `exp`, `iat` and USER_CLAIM, plus `iss`
              and `aud` when configured.
  ISSUER      expected `iss` (`http://localhost:3000`); set but empty (`ISSUER=`) = not configured: the
              issuer is neither checked nor required (no `issuer=` argument to the library).
  AUDIENCE    expected `aud` (`http://localhost:3000`); set but empty (`AUDIENCE=`) = not configured: no
              `audience=` argument, so each library's own default applies: python-jose then refuses
              every token that carries `aud` at all, PyJWT refuses one with a non-empty `aud` (an empty
              string or list passes) and accepts one without.

Main server (serve.py):
  ROUTES      `contract` (default): the contract's user-scoped paths `/api/{user_id}/...`;
              `token-scoped`: `/api/tasks`, `/api/tasks/{task_id}`, `/api/chat`,
              `/api/conversations/{conversation_id}`, the user taken from the token alone. Both keep
              `GET /health` and `POST /mcp`.

MCP server (serve_mcp.py, the official `mcp` SDK's FastMCP over streamable HTTP):
  MCP_AUTH    `bearer` (default): every request needs a bearer token verified with the settings above,
              and a tool's `user_id` argument must be the token's user; `none`: no authentication, the
              tools act for whatever `user_id` they are given (deliberately flawed, a common pattern).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

# The classic mistakes this server can be started with (INTEROP_FLAW), one at a time.
FLAWS = (
    "signature-not-verified",
    "exp-not-checked",
    "aud-ignored",
    "path-user-not-checked",
    "task-read-idor",
    "mcp-trusts-user-id",
    "legacy-tasks-route",
    "agent-acts-as-named-user",
)

VERIFIERS = ("pyjwt", "python-jose")
ROUTE_LAYOUTS = ("contract", "token-scoped")
MCP_AUTH_MODES = ("bearer", "none")
# Flaws that have no meaning in the token-scoped layout (no user in the path, GET /api/tasks exists).
CONTRACT_ONLY_FLAWS = ("path-user-not-checked", "legacy-tasks-route")
# Flaws the MCP server (MCP_AUTH=bearer) can be started with; MCP_AUTH=none is its own flaw.
MCP_FLAWS = ("signature-not-verified", "exp-not-checked", "aud-ignored", "mcp-trusts-user-id")


class ConfigError(Exception):
    """The environment does not describe a usable server."""


@dataclass(frozen=True)
class Settings:
    verifier: str
    algorithms: list[str]
    issuer: str | None  # None: not configured (ISSUER set but empty)
    audience: str | None  # None: not configured (AUDIENCE set but empty)
    leeway: int
    jwks_file: str | None = None
    jwks_url: str | None = None
    secret: bytes | None = field(default=None, repr=False)
    flaw: str | None = None
    db_path: str = ":memory:"
    user_claim: str = "sub"
    routes: str = "contract"

    def has(self, flaw: str) -> bool:
        return self.flaw == flaw


def load() -> Settings:
    env = os.environ
    verifier = env.get("VERIFIER", "pyjwt")
    if verifier not in VERIFIERS:
        raise ConfigError(f"VERIFIER must be one of {', '.join(VERIFIERS)}")
    flaw = env.get("INTEROP_FLAW") or None
    if flaw is not None and flaw not in FLAWS:
        raise ConfigError(f"unknown INTEROP_FLAW {flaw!r} (known: {', '.join(FLAWS)})")
    leeway = int(env.get("LEEWAY", "30"))
    if not 0 <= leeway <= 60:
        raise ConfigError("LEEWAY must be 0 to 60 seconds")
    user_claim = env.get("USER_CLAIM", "sub")
    if not user_claim or user_claim != user_claim.strip():
        raise ConfigError("USER_CLAIM must be a claim name such as sub or user_id")
    routes = env.get("ROUTES", "contract")
    if routes not in ROUTE_LAYOUTS:
        raise ConfigError(f"ROUTES must be one of {', '.join(ROUTE_LAYOUTS)}")
    if routes == "token-scoped" and flaw in CONTRACT_ONLY_FLAWS:
        raise ConfigError(f"INTEROP_FLAW={flaw} needs ROUTES=contract")
    common = dict(
        verifier=verifier,
        issuer=env.get("ISSUER", "http://localhost:3000") or None,
        audience=env.get("AUDIENCE", "http://localhost:3000") or None,
        leeway=leeway,
        flaw=flaw,
        db_path=env.get("DB_PATH", ":memory:"),
        user_claim=user_claim,
        routes=routes,
    )
    if verifier == "pyjwt":
        algorithms = [a.strip() for a in env.get("ALGS", "EdDSA").split(",") if a.strip()]
        if not algorithms or any(a.lower() == "none" or a.startswith("HS") for a in algorithms):
            raise ConfigError("ALGS must list asymmetric algorithms (EdDSA, RS256, ES256, ...)")
        jwks_file, jwks_url = env.get("JWKS_FILE"), env.get("JWKS_URL")
        if bool(jwks_file) == bool(jwks_url):
            raise ConfigError("give exactly one of JWKS_FILE and JWKS_URL")
        return Settings(algorithms=algorithms, jwks_file=jwks_file, jwks_url=jwks_url, **common)
    # python-jose: the hackathon's HS256 shared secret.
    if env.get("SECRET_FILE"):
        with open(env["SECRET_FILE"], "rb") as f:
            secret = f.read()
    elif env.get("SECRET"):
        secret = env["SECRET"].encode()
    else:
        raise ConfigError("python-jose needs SECRET_FILE or SECRET (HS256 shared secret)")
    if len(secret) < 32:
        raise ConfigError("the HS256 secret must be at least 32 bytes")
    return Settings(algorithms=["HS256"], secret=secret, **common)


@dataclass(frozen=True)
class McpSettings:
    auth: str  # "bearer" or "none"
    db_path: str = ":memory:"
    token: Settings | None = None  # the verifier settings, with MCP_AUTH=bearer only
    output: str = "structured"  # "structured" (structuredContent + text) or "text" (JSON in text only)
    response: str = "json"  # "json" (one JSON body) or "sse" (an event stream per POST)
    sessions: str = "stateless"  # "stateless" or "stateful" (the SDK's default: Mcp-Session-Id required)

    def has(self, flaw: str) -> bool:
        return self.token is not None and self.token.has(flaw)


def load_mcp() -> McpSettings:
    """The MCP server's settings: MCP_AUTH, DB_PATH, MCP_OUTPUT, MCP_RESPONSE, MCP_SESSIONS and, for MCP_AUTH=bearer,
    everything `load` reads."""
    env = os.environ
    auth = env.get("MCP_AUTH", "bearer")
    if auth not in MCP_AUTH_MODES:
        raise ConfigError(f"MCP_AUTH must be one of {', '.join(MCP_AUTH_MODES)}")
    db_path = env.get("DB_PATH", ":memory:")
    output = env.get("MCP_OUTPUT", "structured")
    if output not in ("structured", "text"):
        raise ConfigError("MCP_OUTPUT must be structured or text")
    response = env.get("MCP_RESPONSE", "json")
    if response not in ("json", "sse"):
        raise ConfigError("MCP_RESPONSE must be json or sse")
    sessions = env.get("MCP_SESSIONS", "stateless")
    if sessions not in ("stateless", "stateful"):
        raise ConfigError("MCP_SESSIONS must be stateless or stateful")
    shape = {"db_path": db_path, "output": output, "response": response, "sessions": sessions}
    if auth == "none":
        if env.get("INTEROP_FLAW"):
            raise ConfigError("MCP_AUTH=none takes no INTEROP_FLAW (it is the flaw)")
        return McpSettings(auth=auth, **shape)
    token = load()
    if token.flaw is not None and token.flaw not in MCP_FLAWS:
        raise ConfigError(f"the MCP server knows INTEROP_FLAW {', '.join(MCP_FLAWS)} only")
    return McpSettings(auth=auth, token=token, **shape)
