"""Issuers and their API keys: the profile verifiers see, and the keys an issuer calls the API with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict, NotFound, Unauthorized
from chalicelib.services.shared import ids, urls
from chalicelib.store.issuers import ApiKey, Issuer

if TYPE_CHECKING:
    from chalicelib.store import Store

KEY_PREFIX = "lrl_"
MAX_API_KEYS = 1000  # revoked ones included: GET /keys and revoke read them all (one Query page)


def _new_key(issuer_id: str, label: str | None) -> tuple[ApiKey, str]:
    """A new API key (plaintext, shown once) and what is kept of it: its SHA-256."""
    key = KEY_PREFIX + ids.new_secret()
    kept = ApiKey(
        key_hash=ids.sha256_hex(key),
        issuer_id=issuer_id,
        key_id=ids.new_id(),
        prefix=key[:10],
        created_at=ids.now(),
        label=label,
    )
    return kept, key


def create_issuer(
    *,
    name: str,
    url: str,
    email: str,
    description: str | None = None,
    image: bytes | None = None,
    store: Store,
) -> tuple[Issuer, str]:
    """Create an issuer and its first API key; returns (issuer, plaintext key shown once)."""
    from chalicelib.services.issuing import badgeclasses
    from chalicelib.services.shared.fields import Fields

    f = Fields({"name": name, "url": url, "email": email, "description": description}, PROFILE_FIELDS)
    values = {
        "name": f.string("name", required=True, max_len=200),
        "url": f.url("url", required=True),
        "email": f.email("email", required=True),
        "description": f.string("description", max_len=5000, multiline=True),
    }
    f.check()
    issuer_id = ids.new_id()
    at = ids.now()
    image_key = (
        badgeclasses.store_image(f"issuers/{issuer_id}", image, store=store) if image is not None else None
    )
    first, key = _new_key(issuer_id, "first key")
    issuer = Issuer(id=issuer_id, image_key=image_key, created_at=at, updated_at=at, **values)
    return store.issuers.create(issuer, first), key


def get_issuer(issuer_id: str, *, store: Store) -> Issuer:
    if not ids.plausible_id(issuer_id):
        raise NotFound("No issuer has that id.")
    issuer = store.issuers.get(issuer_id)
    if issuer is None:
        raise NotFound(f"No issuer {issuer_id}.")
    return issuer


def create_api_key(issuer_id: str, *, label: str | None = None, store: Store) -> tuple[ApiKey, str]:
    """A new API key for the issuer; only its SHA-256 is stored, counted against the cap as it is made."""
    kept, key = _new_key(issuer_id, label)
    try:
        store.issuers.add_api_key(kept, cap=MAX_API_KEYS)
    except Changed:
        raise Conflict(f"An issuer has at most {MAX_API_KEYS} API keys, revoked ones included.") from None
    return kept, key


def read_key_label(body: object) -> str | None:
    """The optional `label` of a new API key."""
    from chalicelib.services.shared.fields import Fields

    f = Fields(body, {"label"})
    label = f.string("label", max_len=100)
    f.check()
    return label


def list_api_keys(issuer_id: str, *, store: Store) -> list[ApiKey]:
    return store.issuers.api_keys(issuer_id)


def revoke_api_key(issuer_id: str, key_id: str, *, store: Store) -> ApiKey:
    if not ids.plausible_id(key_id):
        raise NotFound("No API key of this issuer has that id.")
    for key in store.issuers.api_keys(issuer_id):
        if key.key_id == key_id:
            return key if key.revoked_at is not None else store.issuers.revoke_api_key(key, ids.now())
    raise NotFound(f"No API key {key_id} for this issuer.")


def authenticate(authorization: str | None, *, store: Store) -> str:
    """The issuer id behind an `Authorization: Bearer <key>` header (one consistent GetItem)."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip().startswith(KEY_PREFIX):
        raise Unauthorized("Send your API key as 'Authorization: Bearer lrl_…'.")
    found = store.issuers.api_key(ids.sha256_hex(key.strip()))
    if found is None:
        raise Unauthorized("This API key is not known.")
    if found.revoked_at is not None:
        raise Unauthorized("This API key has been revoked.")
    return found.issuer_id


PROFILE_FIELDS = {"name", "url", "email", "description", "image", "signing"}


def update_profile(issuer_id: str, body: object, *, store: Store) -> Issuer:
    """Change the profile; `signing: true` opts in to signed badges (creating the key once)."""
    from chalicelib.services.hosting import signing
    from chalicelib.services.issuing import badgeclasses
    from chalicelib.services.shared.fields import Fields

    issuer = get_issuer(issuer_id, store=store)
    f = Fields(body, PROFILE_FIELDS)
    values = {}
    if f.has("name"):
        values["name"] = f.string("name", required=True, max_len=200)
    if f.has("url"):
        values["url"] = f.url("url", required=True)
    if f.has("email"):
        values["email"] = f.email("email", required=True)
    if f.has("description"):
        values["description"] = f.string("description", max_len=5000, multiline=True)
    image = badgeclasses._image_bytes(f) if f.has("image") else None
    sign = f.boolean("signing", issuer.signing) if f.has("signing") else None
    f.check()
    if image is not None:
        values["image_key"] = badgeclasses.store_image(f"issuers/{issuer_id}", image, store=store)
    issuer = _updated(store, issuer_id, values)
    if sign is True and not issuer.signing:
        issuer = signing.enable(issuer, store=store)
    elif sign is False and issuer.signing:
        issuer = signing.disable(issuer, store=store)
    return issuer


def _updated(store: Store, issuer_id: str, values: dict) -> Issuer:
    try:
        return store.issuers.update_profile(issuer_id, values, ids.now())
    except Changed:
        raise NotFound(f"No issuer {issuer_id}.") from None


def to_api(issuer: Issuer) -> dict:
    return {
        "id": issuer.id,
        "public_url": urls.issuer_url(issuer.id),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "image": urls.issuer_image_url(issuer.id) if issuer.image_key else None,
        "signing": bool(issuer.signing),
        "public_key": urls.key_url(issuer.id, issuer.signing_kid) if issuer.signing_kid else None,
        "revocation_list": urls.revocation_list_url(issuer.id) if issuer.signing else None,
        "created_at": issuer.created_at.isoformat(),
        "updated_at": issuer.updated_at.isoformat(),
    }


def key_to_api(item: ApiKey) -> dict:
    return {
        "id": item.key_id,
        "prefix": item.prefix,
        "label": item.label,
        "created_at": item.created_at.isoformat(),
        "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None,
    }
