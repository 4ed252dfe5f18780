"""The OpenID Connect providers people can sign in with, from OIDC_PROVIDERS (config.py): one small class
per kind (Google, Microsoft, Apple, LinkedIn, any other issuer) and a registry by kind.

Each kind says which scopes and extra authorize parameters it wants, whether it vouches for the address it
gives (`trusts_email`: Google, Apple and LinkedIn when `email_verified` is true; Microsoft and generic
issuers never, unless the deployment says so with `trust_email: true`, since their tenants or users may set
any address: the "nOAuth" takeover), and the person's names. Client secrets are named (an SSM parameter or
a Secrets Manager ARN) and read through store.secrets when a sign-in needs them, never from the
environment.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from chalicelib.config import ConfigError, get_settings
from chalicelib.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.store import Store

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MAX_NAME = 100
RESERVED = frozenset({"confirm", "welcome"})  # paths under /login/oidc/ that are not providers


@dataclass(frozen=True)
class Provider:
    """A configured provider. `client_secret` names where the secret is kept (never the value)."""

    id: str
    client_id: str
    client_secret: str
    issuer: str = ""
    label: str = ""
    trust_email: bool = False
    tenant: str = ""
    team_id: str = ""  # Apple
    key_id: str = ""  # Apple
    kind: ClassVar[str] = ""
    default_issuer: ClassVar[str] = ""
    default_label: ClassVar[str] = ""
    scopes: ClassVar[str] = "openid email profile"
    response_mode: ClassVar[str] = ""  # "form_post": the callback is a cross-site POST (Apple)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.label or self.default_label or self.id

    @property
    def expected_issuer(self) -> str:
        """The `iss` its discovery document and ID tokens must state, exactly."""
        return self.issuer or self.default_issuer

    @property
    def discovery_issuer(self) -> str:
        """Where /.well-known/openid-configuration is found."""
        return self.expected_issuer

    def authorize_params(self) -> dict[str, str]:
        params = {"scope": self.scopes, **self.extra}
        if self.response_mode:
            params["response_mode"] = self.response_mode
        return params

    def trusts_email(self, claims: dict) -> bool:
        """Whether the address in `claims` is proven to be the person's."""
        return self.trust_email and claims.get("email_verified") is True

    def names(self, claims: dict, extra: dict | None = None) -> tuple[str, str]:
        """(first, last) from the claims, "" when not given."""
        first, last = claims.get("given_name"), claims.get("family_name")
        if not (isinstance(first, str) and first.strip()) and isinstance(claims.get("name"), str):
            first, _, last = claims["name"].strip().partition(" ")
        return _clean(first), _clean(last)

    def client_secret_value(self, *, store: Store) -> str:
        return store.secrets.get(self.client_secret)


class Google(Provider):
    kind = "google"
    default_issuer = "https://accounts.google.com"
    default_label = "Google"

    def trusts_email(self, claims: dict) -> bool:
        return claims.get("email_verified") is True


class LinkedIn(Google):
    kind = "linkedin"
    default_issuer = "https://www.linkedin.com/oauth"
    default_label = "LinkedIn"


class Microsoft(Provider):
    """Entra ID: `tenant` is a tenant id, or common / organizations / consumers (then `iss` names the
    token's own tenant). Its `email` is whatever the tenant's admin or user typed: trusted only by config."""

    kind = "microsoft"
    default_label = "Microsoft"

    @property
    def expected_issuer(self) -> str:
        tenant = self.tenant or "common"
        if tenant in ("common", "organizations", "consumers"):
            return self.issuer or "https://login.microsoftonline.com/{tenantid}/v2.0"
        return self.issuer or f"https://login.microsoftonline.com/{tenant}/v2.0"

    @property
    def discovery_issuer(self) -> str:
        return self.issuer or f"https://login.microsoftonline.com/{self.tenant or 'common'}/v2.0"

    def trusts_email(self, claims: dict) -> bool:
        return self.trust_email and isinstance(claims.get("email"), str)


class Apple(Provider):
    """Sign in with Apple: the answer comes back as a form POST; the client secret is an ES256 JWT made
    from the .p8 key that `client_secret` names; names come only once, in the first answer's `user`."""

    kind = "apple"
    default_issuer = "https://appleid.apple.com"
    default_label = "Apple"
    scopes = "openid email name"
    response_mode = "form_post"
    SECRET_SECONDS: ClassVar[int] = 300

    def trusts_email(self, claims: dict) -> bool:
        return claims.get("email_verified") in (True, "true")  # Apple sends the text "true"

    def names(self, claims: dict, extra: dict | None = None) -> tuple[str, str]:
        name = (extra or {}).get("name") if isinstance(extra, dict) else None
        if isinstance(name, dict):
            return _clean(name.get("firstName")), _clean(name.get("lastName"))
        return "", ""

    def client_secret_value(self, *, store: Store) -> str:
        return apple_client_secret(self, store.secrets.get(self.client_secret), now=int(time.time()))


class Generic(Provider):
    kind = "generic"
    default_label = ""


KINDS: dict[str, type[Provider]] = {k.kind: k for k in (Google, Microsoft, Apple, LinkedIn, Generic)}


def apple_client_secret(provider: Provider, p8_key: str, *, now: int) -> str:
    """Apple's client secret: a short-lived JWT signed with the team's .p8 key (ES256)."""
    from joserfc import jwt
    from joserfc.jwk import ECKey

    claims = {
        "iss": provider.team_id,
        "iat": now,
        "exp": now + Apple.SECRET_SECONDS,
        "aud": "https://appleid.apple.com",
        "sub": provider.client_id,
    }
    return jwt.encode({"alg": "ES256", "kid": provider.key_id}, claims, ECKey.import_key(p8_key))


def _clean(value: Any) -> str:
    """A name as an account keeps it: one line, printable, at most MAX_NAME characters."""
    if not isinstance(value, str):
        return ""
    text = " ".join(value.split())
    return "".join(c for c in text if c.isprintable())[:MAX_NAME]


def configured() -> dict[str, Provider]:
    """The providers of this deployment, by id, in configured order."""
    return _parse(get_settings().oidc_providers)


def get(provider_id: str) -> Provider:
    """The configured provider; NotFound for any other id."""
    found = configured().get(provider_id)
    if found is None:
        raise NotFound("There is no such sign-in provider.")
    return found


@lru_cache(maxsize=4)
def _parse(raw: str) -> dict[str, Provider]:
    if not raw.strip():
        return {}
    try:
        entries = json.loads(raw)
    except ValueError:
        raise ConfigError("OIDC_PROVIDERS is not JSON (a list of providers).") from None
    if not isinstance(entries, list):
        raise ConfigError("OIDC_PROVIDERS must be a JSON list of providers.")
    providers: dict[str, Provider] = {}
    for entry in entries:
        provider = _entry(entry)
        if provider.id in providers:
            raise ConfigError(f"OIDC_PROVIDERS names {provider.id!r} twice.")
        providers[provider.id] = provider
    return providers


def _entry(entry: Any) -> Provider:
    if not isinstance(entry, dict):
        raise ConfigError("Each OIDC_PROVIDERS entry must be an object.")
    kind = KINDS.get(entry.get("kind", ""))
    name = entry.get("id")
    if kind is None:
        raise ConfigError(f"OIDC provider {name!r}: kind must be one of {', '.join(KINDS)}.")
    if not isinstance(name, str) or not _ID.match(name) or name in RESERVED:
        raise ConfigError(f"OIDC provider {name!r}: id must be lower-case letters, digits and dashes.")
    text = {k: entry.get(k, "") for k in ("client_id", "client_secret", "issuer", "label", "tenant")}
    text |= {k: entry.get(k, "") for k in ("team_id", "key_id")}
    if not all(isinstance(v, str) for v in text.values()):
        raise ConfigError(f"OIDC provider {name!r}: settings must be text.")
    if not text["client_id"] or not text["client_secret"]:
        raise ConfigError(f"OIDC provider {name!r}: client_id and client_secret are required.")
    if not text["client_secret"].startswith(("/", "arn:aws:secretsmanager:")):
        raise ConfigError(
            f"OIDC provider {name!r}: client_secret names an SSM parameter (/...) or a Secrets Manager "
            "ARN; the secret itself never goes in the environment."
        )
    if kind is Generic and not text["issuer"].startswith(("https://", "http://")):
        raise ConfigError(f"OIDC provider {name!r}: a generic provider needs its issuer URL.")
    if kind is Apple and not (text["team_id"] and text["key_id"]):
        raise ConfigError(f"OIDC provider {name!r}: Apple needs team_id and key_id.")
    trust = entry.get("trust_email", False)
    if not isinstance(trust, bool):
        raise ConfigError(f"OIDC provider {name!r}: trust_email must be true or false.")
    known = {"id", "kind", "trust_email", "extra", *text}
    if set(entry) - known:
        raise ConfigError(f"OIDC provider {name!r}: unknown settings {sorted(set(entry) - known)}.")
    extra = entry.get("extra") or {}
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise ConfigError(f"OIDC provider {name!r}: extra must map names to text.")
    return kind(**{"id": name, **text, "trust_email": trust, "extra": dict(extra)})
