"""Issuers in the badges table: the profile at pk ISSUER#id / sk PROFILE, API keys at pk APIKEY#sha256 /
sk APIKEY, listed through the by_issuer index (listing APIKEY#created#key_id)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from chalicelib.errors import Changed, Taken
from chalicelib.store.dynamo.models import ApiKeyItem, IssuerItem, transaction
from chalicelib.store.dynamo.translate import translated
from chalicelib.store.issuers import PROFILE, ApiKey, Issuer


def issuer_pk(issuer_id: str) -> str:
    return f"ISSUER#{issuer_id}"


def _api_key_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def issuer_value(item: IssuerItem) -> Issuer:
    return Issuer(
        id=item.id,
        name=item.name,
        url=item.url,
        email=item.email,
        created_at=item.created_at,
        updated_at=item.updated_at,
        description=item.description,
        image_key=item.image_key,
        signing=bool(item.signing),
        signing_kid=item.signing_kid,
        credential_kid=item.credential_kid,
        api_keys=int(item.api_keys or 0),
        credential_keys=int(item.credential_keys or 0),
    )


def _issuer_item(issuer: Issuer) -> IssuerItem:
    return IssuerItem(
        issuer_pk(issuer.id),
        "PROFILE",
        id=issuer.id,
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description,
        image_key=issuer.image_key,
        signing=issuer.signing,
        signing_kid=issuer.signing_kid,
        credential_kid=issuer.credential_kid,
        created_at=issuer.created_at,
        updated_at=issuer.updated_at,
        api_keys=issuer.api_keys or None,
        credential_keys=issuer.credential_keys or None,
    )


def _key_value(item: ApiKeyItem) -> ApiKey:
    return ApiKey(
        key_hash=item.pk.removeprefix("APIKEY#"),
        issuer_id=item.issuer_id,
        key_id=item.key_id,
        prefix=item.prefix,
        created_at=item.created_at,
        label=item.label,
        revoked_at=item.revoked_at,
    )


def _key_item(key: ApiKey) -> ApiKeyItem:
    return ApiKeyItem(
        _api_key_pk(key.key_hash),
        "APIKEY",
        issuer_id=key.issuer_id,
        listing=f"APIKEY#{key.created_at.isoformat()}#{key.key_id}",
        key_id=key.key_id,
        prefix=key.prefix,
        label=key.label,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


def _missing() -> Changed:
    return Changed("No such issuer.")


class Issuers:
    def create(self, issuer: Issuer, first_key: ApiKey) -> Issuer:
        issuer = _with(issuer, api_keys=1)
        taken = Taken("An issuer or API key with that id exists.")
        with translated(lambda: taken), transaction() as tx:
            tx.save(_issuer_item(issuer), condition=IssuerItem.pk.does_not_exist())
            tx.save(_key_item(first_key), condition=ApiKeyItem.pk.does_not_exist())
        return issuer

    def get(self, issuer_id: str) -> Issuer | None:
        with translated():
            try:
                return issuer_value(IssuerItem.get(issuer_pk(issuer_id), "PROFILE"))
            except IssuerItem.DoesNotExist:
                return None

    def get_many(self, issuer_ids: Iterable[str]) -> dict[str, Issuer]:
        keys = sorted({(issuer_pk(i), "PROFILE") for i in issuer_ids})
        with translated():
            return {item.id: issuer_value(item) for item in IssuerItem.batch_get(keys)} if keys else {}

    def update_profile(self, issuer_id: str, changes: Mapping[str, object], at: datetime) -> Issuer:
        actions = [getattr(IssuerItem, name).set(changes[name]) for name in PROFILE if name in changes]
        return self._update(issuer_id, [*actions, IssuerItem.updated_at.set(at)])

    def set_signing(self, issuer_id: str, on: bool, at: datetime, *, kid: str | None = None) -> Issuer:
        actions = [IssuerItem.signing.set(on), IssuerItem.updated_at.set(at)]
        if kid:
            actions.append(IssuerItem.signing_kid.set(kid))
        return self._update(issuer_id, actions)

    def _update(self, issuer_id: str, actions: list) -> Issuer:
        item = IssuerItem(issuer_pk(issuer_id), "PROFILE")
        with translated(_missing):
            item.update(actions=actions, condition=IssuerItem.pk.exists())  # one UpdateItem, ALL_NEW
        return issuer_value(item)

    def add_api_key(self, key: ApiKey, *, cap: int) -> None:
        room = IssuerItem.api_keys.does_not_exist() | (IssuerItem.api_keys < cap)
        issuer = IssuerItem(issuer_pk(key.issuer_id), "PROFILE")
        with translated(lambda: Changed(f"The issuer has made {cap} API keys.")), transaction() as tx:
            tx.save(_key_item(key), condition=ApiKeyItem.pk.does_not_exist())
            tx.update(issuer, actions=[IssuerItem.api_keys.add(1)], condition=IssuerItem.pk.exists() & room)

    def api_key(self, key_hash: str) -> ApiKey | None:
        with translated():
            try:
                return _key_value(ApiKeyItem.get(_api_key_pk(key_hash), "APIKEY", consistent_read=True))
            except ApiKeyItem.DoesNotExist:
                return None

    def api_keys(self, issuer_id: str) -> list[ApiKey]:
        with translated():
            found = ApiKeyItem.by_issuer.query(issuer_id, ApiKeyItem.listing.startswith("APIKEY#"))
            return [_key_value(item) for item in found]

    def revoke_api_key(self, key: ApiKey, at: datetime) -> ApiKey:
        item = _key_item(key)
        try:
            with translated():
                item.update(
                    actions=[ApiKeyItem.revoked_at.set(at)],
                    condition=ApiKeyItem.pk.exists() & ApiKeyItem.revoked_at.does_not_exist(),
                )
        except Changed:
            current = self.api_key(key.key_hash)  # revoked meanwhile: the first time stands
            if current is None:
                raise
            return current
        return _key_value(item)


def _with(issuer: Issuer, **changes: object) -> Issuer:
    from dataclasses import replace

    return replace(issuer, **changes)
