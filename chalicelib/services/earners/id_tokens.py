"""Checking an OpenID Connect ID token (pure: no clock, no network; the keys and "now" are handed in).

joserfc verifies the signature with the provider's JWK Set, only with the asymmetric algorithms providers
sign with (so neither `alg: none` nor an HS256 token signed with our own client secret passes), then its
claims registry checks `iss` (exact), `aud` (contains our client id), `exp` and `iat` (60 s of clock
skew), `nonce` (the one this sign-in sent) and `sub`. With several audiences, `azp` must be us.
"""

from __future__ import annotations

from typing import Any

from chalicelib.errors import LaurelError

ALGORITHMS = ("RS256", "ES256", "PS256")
LEEWAY_SECONDS = 60
MAX_TOKEN = 16 * 1024  # an ID token is a few kB; anything larger is not read
TENANT = "{tenantid}"  # Microsoft's multi-tenant issuer names the tenant the token itself states (tid)


class Refused(LaurelError):
    """The provider's answer cannot be trusted: the person is told to start again, nothing is written."""

    status = 403
    title = "Sign-in refused"


class UnknownKey(Refused):
    """Signed with a key the JWK Set does not hold (yet): fetch the set again, once."""


REFUSED = "The sign-in provider's answer could not be checked, so it was not used. Start again."


def check(id_token: Any, jwks: dict, *, issuer: str, client_id: str, nonce: str, now: int) -> dict[str, Any]:
    """The token's claims when its signature and claims are right; Refused (UnknownKey for a key the set
    lacks) otherwise."""
    from joserfc import jwt
    from joserfc.errors import InvalidKeyIdError, JoseError
    from joserfc.jwk import KeySet

    if not isinstance(id_token, str) or not id_token or len(id_token) > MAX_TOKEN:
        raise Refused(REFUSED)
    try:
        keys = KeySet.import_key_set(jwks)
    except (JoseError, KeyError, TypeError, ValueError):
        raise Refused(REFUSED) from None
    try:
        claims = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS)).claims
    except InvalidKeyIdError:
        raise UnknownKey(REFUSED) from None
    except (JoseError, ValueError, TypeError):
        raise Refused(REFUSED) from None
    _check_claims(claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now)
    return claims


def _check_claims(claims: dict, *, issuer: str, client_id: str, nonce: str, now: int) -> None:
    from joserfc.errors import JoseError
    from joserfc.jwt import JWTClaimsRegistry

    if TENANT in issuer:  # e.g. https://login.microsoftonline.com/{tenantid}/v2.0
        tid = claims.get("tid")
        if not isinstance(tid, str) or not tid or "/" in tid:
            raise Refused(REFUSED)
        issuer = issuer.replace(TENANT, tid)
    registry = JWTClaimsRegistry(
        now=int(now),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except (JoseError, ValueError, TypeError):
        raise Refused(REFUSED) from None
    audience, azp = claims.get("aud"), claims.get("azp")
    several = isinstance(audience, list) and len(audience) > 1
    if (several or azp is not None) and azp != client_id:
        raise Refused(REFUSED)
    if not nonce or not isinstance(claims.get("sub"), str) or len(claims["sub"]) > 255:
        raise Refused(REFUSED)
