"""Token verification: PyJWT (JWKS file or URL; EdDSA, RS256, ES256 ...) or python-jose (HS256 secret).

Each verifier returns the verified claims or raises; the caller turns any exception into one uniform
401. The flaws (INTEROP_FLAW) are written the way real code gets them wrong with each library.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import jwt  # PyJWT
from jose import jwt as jose_jwt  # python-jose

from .config import Settings


class Verifier(Protocol):
    def verify(self, token: str) -> dict[str, Any]: ...


class PyJWTVerifier:
    """PyJWT, the way Better Auth backends use it: keys from the issuer's JWKS, picked by `kid`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jwks_client: jwt.PyJWKClient | None = None
        self.jwk_set: jwt.PyJWKSet | None = None
        if settings.jwks_url:
            # Fetched lazily, cached (lifespan 300 s); an unknown kid refreshes at most once per cooldown.
            self.jwks_client = jwt.PyJWKClient(settings.jwks_url, timeout=2, cooldown_duration=10)
        else:
            with open(settings.jwks_file, encoding="utf-8") as f:
                self.jwk_set = jwt.PyJWKSet.from_dict(json.load(f))

    def signing_key(self, token: str) -> jwt.PyJWK:
        if self.jwks_client is not None:
            return self.jwks_client.get_signing_key_from_jwt(token)
        kid = jwt.get_unverified_header(token).get("kid")
        return self.jwk_set[kid]  # KeyError for an unknown kid

    def verify(self, token: str) -> dict[str, Any]:
        s = self.settings
        if s.has("signature-not-verified"):
            # FLAW: "decode" without verification (the debugging snippet that reached production).
            return jwt.decode(token, options={"verify_signature": False})
        # iss and aud are required (and passed) only when configured; without `audience=` PyJWT's
        # default refuses a token with a non-empty `aud`, without `issuer=` it ignores `iss`.
        required = ["exp", "iat", s.user_claim]
        if s.issuer is not None:
            required.append("iss")
        if s.audience is not None:
            required.append("aud")
        options: dict[str, Any] = {"require": required}
        audience: str | None = s.audience
        if s.has("exp-not-checked"):
            options["verify_exp"] = False  # FLAW
        if s.has("aud-ignored"):
            # FLAW: the usual workaround for "Invalid audience".
            options["verify_aud"] = False
            options["require"] = [c for c in required if c != "aud"]
            audience = None
        return jwt.decode(
            token,
            self.signing_key(token),
            algorithms=s.algorithms,
            issuer=s.issuer,
            audience=audience,
            leeway=s.leeway,
            options=options,
        )


class JoseVerifier:
    """python-jose with the hackathon's HS256 shared secret (BETTER_AUTH_SECRET in both services).

    python-jose refuses every token that carries `aud` unless `audience=` is given, and authconform
    always writes an `aud` claim, so the audience is passed explicitly (as it must be for Better Auth
    tokens, which always carry one) unless AUDIENCE is configured empty, which keeps that default.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def verify(self, token: str) -> dict[str, Any]:
        s = self.settings
        options: dict[str, Any] = {
            "leeway": s.leeway,
            "require_exp": True,
            "require_iat": True,
            # A USER_CLAIM other than sub is checked by the caller (a non-empty string).
            "require_sub": s.user_claim == "sub",
            "require_iss": s.issuer is not None,
            "require_aud": s.audience is not None,
        }
        # `audience=` and `issuer=` only when configured: without `audience=`, python-jose refuses
        # every token that carries `aud` (its default, kept); without `issuer=` it ignores `iss`.
        checks: dict[str, str] = {}
        if s.audience is not None:
            checks["audience"] = s.audience
        if s.issuer is not None:
            checks["issuer"] = s.issuer
        if s.has("signature-not-verified"):
            options["verify_signature"] = False  # FLAW
        if s.has("exp-not-checked"):
            # FLAW (python-jose turns verify_exp back on when exp is required, so that goes too).
            options["verify_exp"] = False
            options["require_exp"] = False
        if s.has("aud-ignored"):
            options["verify_aud"] = False  # FLAW
            options["require_aud"] = False
            checks.pop("audience", None)
        return jose_jwt.decode(token, s.secret, algorithms=["HS256"], options=options, **checks)


def make_verifier(settings: Settings) -> Verifier:
    if settings.verifier == "pyjwt":
        return PyJWTVerifier(settings)
    return JoseVerifier(settings)
