"""An OpenID Connect provider in this process, for rule tests: any issuer's discovery document, its key
set, and a token endpoint that checks the code, the redirect URI, the client and the PKCE verifier like a
real provider, then signs an ID token with a joserfc key.

    url = social.begin(...)                            # the authorize URL Laurel redirects to
    answer = store.openid.authorize(url, sub="g-1", email="ada@example.org", email_verified=True)
    social.finish(provider, answer, ...)               # answer: {"state": ..., "code": ...}

`tamper` changes claims of the next ID tokens after they are made (a wrong nonce, aud, an old exp);
`foreign` signs them with a key the key set does not hold; `exchanges` keeps every token request.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.store.openid import CodeRefused


@cache
def _key(name: str) -> Any:
    from joserfc.jwk import RSAKey

    return RSAKey.generate_key(2048, parameters={"kid": "memory-1", "use": "sig", "alg": "RS256"})


@dataclass
class MemoryOpenId:
    tamper: dict[str, Any] = field(default_factory=dict)
    foreign: bool = False
    codes: dict[str, dict] = field(default_factory=dict)
    exchanges: list[dict] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)

    def metadata(self, issuer: str) -> dict:
        self.fetched.append(issuer)
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def jwks(self, uri: str, *, refresh: bool = False) -> dict:
        self.fetched.append(uri)
        return {"keys": [_key("ours").as_dict(private=False)]}

    def authorize(self, url: str, **claims: Any) -> dict[str, str]:
        """The person signs in at the provider: the answer the browser brings back to the callback."""
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        code = secrets.token_urlsafe(16)
        issuer = f"{parts.scheme}://{parts.netloc}{parts.path.removesuffix('/authorize')}"
        self.codes[code] = {"issuer": issuer, "query": query, "claims": claims}
        return {"state": query.get("state", ""), "code": code}

    def exchange(self, token_endpoint: str, form: dict[str, str], *, auth: tuple[str, str] | None) -> dict:
        self.exchanges.append({"endpoint": token_endpoint, "form": dict(form), "auth": auth})
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            raise CodeRefused("unknown or used code")
        query = grant["query"]
        client_id = auth[0] if auth else form.get("client_id")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            client_id != query.get("client_id")
            or form.get("redirect_uri") != query.get("redirect_uri")
            or query.get("code_challenge_method") != "S256"
            or challenge != query.get("code_challenge")
        ):
            raise CodeRefused("the code was not given to this client, redirect URI or verifier")
        now = int(time.time())
        claims = {"iss": grant["issuer"], "aud": client_id, "iat": now, "exp": now + 300}
        claims |= {"nonce": query.get("nonce"), **grant["claims"]}
        claims = {k: v for k, v in {**claims, **self.tamper}.items() if v is not None}
        return {"access_token": "memory", "token_type": "Bearer", "id_token": self._sign(claims)}

    def _sign(self, claims: dict) -> str:
        from joserfc import jwt

        key = _key("foreign" if self.foreign else "ours")
        return jwt.encode({"alg": "RS256", "kid": "memory-1"}, claims, key)
