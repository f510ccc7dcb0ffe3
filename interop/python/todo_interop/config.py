"""Settings from the environment (read once at start; an unusable setting stops the server)."""

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
)

VERIFIERS = ("pyjwt", "python-jose")


class ConfigError(Exception):
    """The environment does not describe a usable server."""


@dataclass(frozen=True)
class Settings:
    verifier: str
    algorithms: list[str]
    issuer: str
    audience: str
    leeway: int
    jwks_file: str | None = None
    jwks_url: str | None = None
    secret: bytes | None = field(default=None, repr=False)
    flaw: str | None = None
    db_path: str = ":memory:"

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
    common = dict(
        verifier=verifier,
        issuer=env.get("ISSUER", "http://localhost:3000"),
        audience=env.get("AUDIENCE", "http://localhost:3000"),
        leeway=leeway,
        flaw=flaw,
        db_path=env.get("DB_PATH", ":memory:"),
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
