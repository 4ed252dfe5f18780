"""Badge classes: what an issuer awards (image, criteria, skills, alignment, expiry rule)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from chalicelib import images as image_rules
from chalicelib.errors import Changed, Conflict, Invalid, NotFound
from chalicelib.services.issuing import expiry
from chalicelib.services.shared import ids, urls
from chalicelib.services.shared.fields import Fields
from chalicelib.store.badge_classes import BadgeClass

if TYPE_CHECKING:
    from chalicelib.store import Store

FIELDS = {
    "name",
    "description",
    "image",
    "criteria_narrative",
    "criteria_url",
    "tags",
    "alignment",
    "expires_after",
}
ALIGNMENT_FIELDS = {"targetName", "targetUrl", "targetDescription", "targetFramework", "targetCode"}


def read_fields(body: object, *, creating: bool) -> tuple[dict, bytes | None]:
    """Validate a create/update body; returns (attribute values, decoded image bytes or None)."""
    f = Fields(body, FIELDS)
    values: dict = {}
    for name, max_len in (("name", 200), ("description", 5000), ("criteria_narrative", 20000)):
        if creating or f.has(name):
            values[name] = f.string(
                name, required=name != "criteria_narrative", max_len=max_len, multiline=name != "name"
            )
    if creating or f.has("criteria_url"):
        values["criteria_url"] = f.url("criteria_url")
    if creating or f.has("tags"):
        values["tags"] = f.string_list("tags")
    if creating or f.has("alignment"):
        values["alignment"] = _alignment(f)
    if creating or f.has("expires_after"):
        rule = f.body.get("expires_after")
        problem = None if rule is None else expiry.check_rule(rule)
        if problem:
            f.error("expires_after", problem)
        values["expires_after"] = rule
    if creating and not (values.get("criteria_narrative") or values.get("criteria_url")):
        f.error("criteria_narrative", "or criteria_url is required")
    image = None
    if creating or f.has("image"):
        image = _image_bytes(f)
    f.check()
    return values, image


def _alignment(f: Fields) -> list[dict]:
    result = []
    for i, item in enumerate(f.objects("alignment")):
        inner = f.nested(item, ALIGNMENT_FIELDS, where=f"alignment[{i}].")
        entry = {
            "targetName": inner.string("targetName", required=True, max_len=300),
            "targetUrl": inner.url("targetUrl", required=True),
            "targetDescription": inner.string("targetDescription", max_len=2000, multiline=True),
            "targetFramework": inner.string("targetFramework", max_len=300),
            "targetCode": inner.string("targetCode", max_len=100),
        }
        result.append({k: v for k, v in entry.items() if v is not None})
    return result


def _image_bytes(f: Fields) -> bytes | None:
    value = f.body.get("image")
    if isinstance(value, bytes | bytearray):  # from a multipart upload
        return bytes(value)
    if not isinstance(value, str) or not value:
        f.error("image", "is required: a PNG or SVG as a data URI (or a multipart file)")
        return None
    try:
        return image_rules.parse_data_uri(value)[1]
    except image_rules.ImageError as error:
        f.error("image", str(error))
        return None


def store_image(owner: str, data: bytes, *, store: Store) -> str:
    """Validate, sanitise and store an image; returns its S3 key. SVGs also get a PNG rendition."""
    try:
        image = image_rules.validate_image(data)
    except image_rules.ImageError as error:
        raise Invalid(f"image {error}.", errors=[{"field": "image", "detail": str(error)}]) from None
    images = store.images
    digest = hashlib.sha256(image.data).hexdigest()[:20]
    base = f"images/{owner}/{digest}"
    images.put(f"{base}.{image.kind}", image.data, image.content_type)
    if image.kind == "svg":
        images.put(f"{base}.png", image_rules.svg_to_png(image.data), "image/png")
    return f"{base}.{image.kind}"


def create(issuer_id: str, body: object, *, store: Store) -> BadgeClass:
    values, image = read_fields(body, creating=True)
    badge_id = ids.new_id()
    at = ids.now()
    values = {**values, "tags": tuple(values["tags"] or ()), "alignment": tuple(values["alignment"])}
    badge = BadgeClass(
        id=badge_id,
        issuer_id=issuer_id,
        image_key=store_image(f"badges/{badge_id}", image, store=store),
        created_at=at,
        updated_at=at,
        **values,
    )
    return store.badge_classes.create(badge)


def get(issuer_id: str | None, badge_id: str, *, store: Store) -> BadgeClass:
    """The badge class; NotFound when missing or (with issuer_id) another issuer's."""
    if not ids.plausible_id(badge_id):
        raise NotFound("No badge class has that id.")
    badge = store.badge_classes.get(badge_id)
    if badge is None or (issuer_id is not None and badge.issuer_id != issuer_id):
        raise NotFound(f"No badge class {badge_id}.")
    return badge


def update(issuer_id: str, badge_id: str, body: object, *, store: Store) -> BadgeClass:
    badge = get(issuer_id, badge_id, store=store)
    values, image = read_fields(body, creating=False)
    _check_criteria(badge, values)
    if image is not None:
        values["image_key"] = store_image(f"badges/{badge_id}", image, store=store)
    for _ in range(3):  # each field is set whole: a class changed meanwhile takes the same changes
        try:
            return store.badge_classes.patch(badge, values, ids.now())
        except Changed:
            badge = get(issuer_id, badge_id, store=store)
            _check_criteria(badge, values)
    raise Conflict("The badge class changed three times meanwhile; try again.")


def _check_criteria(badge: BadgeClass, values: dict) -> None:
    merged = {k: getattr(badge, k) for k in ("criteria_narrative", "criteria_url")} | values
    if not (merged["criteria_narrative"] or merged["criteria_url"]):
        raise Invalid(
            "criteria_narrative or criteria_url is required.",
            errors=[{"field": "criteria_narrative", "detail": "or criteria_url is required"}],
        )


def list_page(
    issuer_id: str, *, limit: int, cursor: str | None, store: Store
) -> tuple[list[BadgeClass], str | None]:
    """A page of the issuer's badge classes, newest first, and the next page's cursor (None at the end)."""
    return store.badge_classes.page(issuer_id, limit=limit, cursor=cursor)


def to_api(item: BadgeClass) -> dict:
    return {
        "id": item.id,
        "public_url": urls.badge_url(item.id),
        "name": item.name,
        "description": item.description,
        "image": image_url(item),
        "criteria_narrative": item.criteria_narrative,
        "criteria_url": item.criteria_url,
        "tags": list(item.tags or []),
        "alignment": list(item.alignment or []),
        "expires_after": item.expires_after,
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
    }


def image_url(item: BadgeClass) -> str:
    return urls.badge_image_url(item.id, item.image_key)
