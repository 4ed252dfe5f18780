"""Issuers and their API keys."""

from __future__ import annotations

from chalicelib.errors import Conflict, NotFound, Unauthorized
from chalicelib.services.shared import ids, urls
from chalicelib.store import aws
from chalicelib.store.models import ApiKeyItem, IssuerItem, transaction

KEY_PREFIX = "lrl_"
MAX_API_KEYS = 1000  # revoked ones included: GET /keys and revoke read them all (one Query page)


def issuer_pk(issuer_id: str) -> str:
    return f"ISSUER#{issuer_id}"


def create_issuer(
    *, name: str, url: str, email: str, description: str | None = None, image: bytes | None = None
) -> tuple[IssuerItem, str]:
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
    image_key = badgeclasses.store_image(f"issuers/{issuer_id}", image) if image is not None else None
    issuer = IssuerItem(
        issuer_pk(issuer_id),
        "PROFILE",
        id=issuer_id,
        image_key=image_key,
        created_at=at,
        updated_at=at,
        **values,
    )
    issuer.save(condition=IssuerItem.pk.does_not_exist())
    _, key = create_api_key(issuer_id, label="first key")
    return issuer, key


def get_issuer(issuer_id: str) -> IssuerItem:
    if not ids.plausible_id(issuer_id):
        raise NotFound("No issuer has that id.")
    try:
        return IssuerItem.get(issuer_pk(issuer_id), "PROFILE")
    except IssuerItem.DoesNotExist:
        raise NotFound(f"No issuer {issuer_id}.") from None


def create_api_key(issuer_id: str, *, label: str | None = None) -> tuple[ApiKeyItem, str]:
    """A new API key for the issuer; only its SHA-256 is stored."""
    key = KEY_PREFIX + ids.new_secret()
    key_id = ids.new_id()
    at = ids.now()
    item = ApiKeyItem(
        f"APIKEY#{ids.sha256_hex(key)}",
        "APIKEY",
        issuer_id=issuer_id,
        listing=f"APIKEY#{at.isoformat()}#{key_id}",
        key_id=key_id,
        prefix=key[:10],
        label=label,
        created_at=at,
    )
    issuer = IssuerItem(issuer_pk(issuer_id), "PROFILE")
    room = IssuerItem.api_keys.does_not_exist() | (IssuerItem.api_keys < MAX_API_KEYS)
    full = Conflict(f"An issuer has at most {MAX_API_KEYS} API keys, revoked ones included.")
    with aws.refusing(lambda: full), transaction() as tx:  # counted as it is made, never past the cap
        tx.save(item, condition=ApiKeyItem.pk.does_not_exist())
        tx.update(issuer, actions=[IssuerItem.api_keys.add(1)], condition=IssuerItem.pk.exists() & room)
    return item, key


def read_key_label(body: object) -> str | None:
    """The optional `label` of a new API key."""
    from chalicelib.services.shared.fields import Fields

    f = Fields(body, {"label"})
    label = f.string("label", max_len=100)
    f.check()
    return label


def list_api_keys(issuer_id: str) -> list[ApiKeyItem]:
    return list(ApiKeyItem.by_issuer.query(issuer_id, ApiKeyItem.listing.startswith("APIKEY#")))


def revoke_api_key(issuer_id: str, key_id: str) -> ApiKeyItem:
    if not ids.plausible_id(key_id):
        raise NotFound("No API key of this issuer has that id.")
    for item in list_api_keys(issuer_id):
        if item.key_id == key_id:
            if item.revoked_at is None:
                item.update(actions=[ApiKeyItem.revoked_at.set(ids.now())])
            return item
    raise NotFound(f"No API key {key_id} for this issuer.")


def authenticate(authorization: str | None) -> str:
    """The issuer id behind an `Authorization: Bearer <key>` header (one consistent GetItem)."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip().startswith(KEY_PREFIX):
        raise Unauthorized("Send your API key as 'Authorization: Bearer lrl_…'.")
    try:
        # Strongly consistent: a key revoked after a leak must not keep working on a stale replica.
        item = ApiKeyItem.get(f"APIKEY#{ids.sha256_hex(key.strip())}", "APIKEY", consistent_read=True)
    except ApiKeyItem.DoesNotExist:
        raise Unauthorized("This API key is not known.") from None
    if item.revoked_at is not None:
        raise Unauthorized("This API key has been revoked.")
    return item.issuer_id


PROFILE_FIELDS = {"name", "url", "email", "description", "image", "signing"}


def update_profile(issuer_id: str, body: object) -> IssuerItem:
    """Change the profile; `signing: true` opts in to signed badges (creating the key once)."""
    from chalicelib.services.hosting import signing
    from chalicelib.services.issuing import badgeclasses
    from chalicelib.services.shared.fields import Fields

    issuer = get_issuer(issuer_id)
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
        values["image_key"] = badgeclasses.store_image(f"issuers/{issuer_id}", image)
    actions = [getattr(IssuerItem, k).set(v) for k, v in values.items()]
    issuer.update(actions=[*actions, IssuerItem.updated_at.set(ids.now())])
    if sign is True and not issuer.signing:
        signing.enable(issuer)
    elif sign is False and issuer.signing:
        signing.disable(issuer)
    return issuer


def to_api(issuer: IssuerItem) -> dict:

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


def key_to_api(item: ApiKeyItem) -> dict:
    return {
        "id": item.key_id,
        "prefix": item.prefix,
        "label": item.label,
        "created_at": item.created_at.isoformat(),
        "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None,
    }
