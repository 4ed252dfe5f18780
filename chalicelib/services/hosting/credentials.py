"""Open Badges 3.0: each award as a signed OpenBadgeCredential, issuer Ed25519 keys, status lists, baking.

The issuer of a credential is `{base}/public/issuers/{id}/controller`, a controller document listing every
Ed25519 key the issuer ever had in assertionMethod: rotation makes a new current key and keeps the old ones
resolvable, so credentials signed before still verify. Proofs name a key by its own URL,
`{base}/public/issuers/{id}/credential-keys/{kid}`, which answers the Multikey itself: wallets' loaders
(the DCC's) fetch an http(s) method URL whole and ignore any fragment. Credentials handed out before
name `{controller}#{kid}`; the controller document keeps listing that form too.

Credentials are signed when requested, with the issuer's current key, so a re-certified award (new
expiry) or a rotated key needs no re-signing job. The proof's `created` is the award's last change (or
the key's creation, if later), which makes the same award serve the same bytes until it changes.

Revocation: a BitstringStatusListEntry per credential. The index is given on the first credential
request (an atomic counter, then a conditional SET on the assertion), so awarding costs nothing extra and
revoking an award that never had a credential requested sets no bit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.errors import Conflict, NotFound
from chalicelib.openbadges import baking, dataintegrity, ob2, ob3
from chalicelib.openbadges.evidence import stored_evidence
from chalicelib.openbadges.jsonld import DID_V1, MULTIKEY_V1
from chalicelib.services.hosting import baked
from chalicelib.services.issuing import awards, badgeclasses, issuers
from chalicelib.services.shared import ids, urls
from chalicelib.store import aws, images, keys
from chalicelib.store.models import (
    AssertionItem,
    CredentialKeyItem,
    IssuerItem,
    StatusCounterItem,
    StatusListItem,
    transaction,
)

LIST_SIZE = ob3.STATUS_LIST_SIZE
CONTROLLER_CONTEXT = [DID_V1, MULTIKEY_V1]
MAX_CREDENTIAL_KEYS = 100  # every key ever made is listed in the public controller document


# --- keys -----------------------------------------------------------------------------------------


def _new_key_item(issuer_id: str) -> CredentialKeyItem:
    seed, public = dataintegrity.generate_key()
    encrypted_key, sealed = keys.seal(seed)
    kid = ids.new_id()
    return CredentialKeyItem(
        issuers.issuer_pk(issuer_id),
        f"EDKEY#{kid}",
        kid=kid,
        public_multikey=dataintegrity.multikey(public),
        encrypted_key=encrypted_key,
        sealed_private=sealed,
        created_at=datetime.now(UTC),  # to the microsecond: keys made in the same second still list in order
    )


def _install_key(issuer: IssuerItem, *, replacing: str | None) -> CredentialKeyItem | None:
    """Save a new key and make it current if the current kid is still `replacing`; None if another won."""
    key = _new_key_item(issuer.id)
    condition = (
        IssuerItem.credential_kid == replacing if replacing else IssuerItem.credential_kid.does_not_exist()
    )
    room = IssuerItem.credential_keys.does_not_exist() | (IssuerItem.credential_keys < MAX_CREDENTIAL_KEYS)
    try:
        with transaction() as tx:
            tx.save(key, condition=CredentialKeyItem.pk.does_not_exist())
            tx.update(
                issuer,
                actions=[IssuerItem.credential_kid.set(key.kid), IssuerItem.credential_keys.add(1)],
                condition=IssuerItem.pk.exists() & condition & room,
            )
    except TransactWriteError as error:
        if not aws.condition_failed(error):
            raise  # a busy store is 503, not "another request won"
        return None
    return key


def current_key(issuer: IssuerItem) -> CredentialKeyItem:
    """The issuer's current Ed25519 key, created on first need (a concurrent first request's key wins)."""
    if not issuer.credential_kid:
        key = _install_key(issuer, replacing=None)
        if key is not None:
            issuer.credential_kid = key.kid
            return key
        issuer.refresh()
    return _key_item(issuer.id, issuer.credential_kid)


def rotate_key(issuer_id: str) -> CredentialKeyItem:
    """A new current key; the old ones stay listed in the controller document."""
    issuer = issuers.get_issuer(issuer_id)
    for _ in range(3):
        key = _install_key(issuer, replacing=issuer.credential_kid)
        if key is not None:
            return key
        issuer.refresh()
        if (issuer.credential_keys or 0) >= MAX_CREDENTIAL_KEYS:
            raise Conflict(
                f"An issuer has at most {MAX_CREDENTIAL_KEYS} credential keys; this one cannot rotate."
            )
    raise Conflict("The issuer's key changed three times while rotating; try again.")


@lru_cache(maxsize=256)
def _key_item(issuer_id: str, kid: str) -> CredentialKeyItem:
    """A key item (immutable once written), read once per warm Lambda."""
    try:
        return CredentialKeyItem.get(issuers.issuer_pk(issuer_id), f"EDKEY#{kid}")
    except CredentialKeyItem.DoesNotExist:
        raise NotFound(f"No key {kid}.") from None


def list_keys(issuer_id: str) -> list[CredentialKeyItem]:
    found = CredentialKeyItem.query(issuers.issuer_pk(issuer_id), CredentialKeyItem.sk.startswith("EDKEY#"))
    return sorted(found, key=lambda k: (k.created_at, k.kid))


def key_to_api(issuer_id: str, key: CredentialKeyItem) -> dict:
    return {
        "kid": key.kid,
        "verification_method": urls.verification_method(issuer_id, key.kid),
        "controller": urls.controller_url(issuer_id),
        "public_key_multibase": key.public_multikey,
        "created_at": key.created_at.isoformat(),
    }


def _multikey(method_id: str, controller: str, key: CredentialKeyItem) -> dict:
    return {
        "id": method_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": key.public_multikey,
    }


def controller_document(issuer_id: str) -> dict:
    """The issuer's controller document: every key it has had, each authorised for assertionMethod under its
    own URL and under the `controller#kid` form of earlier credentials."""
    found = list_keys(issuer_id)
    if not found:
        issuers.get_issuer(issuer_id)  # 404 for an unknown issuer; an issuer with no key yet lists none
    controller = urls.controller_url(issuer_id)
    methods = [
        _multikey(method(issuer_id, k.kid), controller, k)
        for k in found
        for method in (urls.verification_method, urls.legacy_verification_method)
    ]
    return {
        "@context": list(CONTROLLER_CONTEXT),
        "id": controller,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def key_document(issuer_id: str, kid: str) -> dict:
    """One of the issuer's keys as a Multikey document at its own URL (what a proof's method names)."""
    if not ids.plausible_id(kid) or not ids.plausible_id(issuer_id):
        raise NotFound("No such key.")
    key = _key_item(issuer_id, kid)
    return {
        "@context": MULTIKEY_V1,
        **_multikey(urls.verification_method(issuer_id, kid), urls.controller_url(issuer_id), key),
    }


def _sign(document: dict, issuer: IssuerItem, created: datetime) -> dict:
    key = current_key(issuer)
    seed = keys.unseal(key.encrypted_key, key.sealed_private)
    return dataintegrity.sign(
        document,
        private_key=seed,
        verification_method=urls.verification_method(issuer.id, key.kid),
        created=ob2.iso8601(max(created, key.created_at)),
    )


# --- status list indexes --------------------------------------------------------------------------


def _allocate_index(issuer_id: str) -> int:
    counter = StatusCounterItem(issuers.issuer_pk(issuer_id), "STATUSCOUNTER")
    counter.update(actions=[StatusCounterItem.next_index.add(1)])
    return counter.next_index - 1


def list_item(issuer_id: str, index: int) -> StatusListItem:
    """The (possibly not yet stored) list item holding bit `index`; only its key is set."""
    return StatusListItem(issuers.issuer_pk(issuer_id), f"STATUSLIST#{index // LIST_SIZE}")


def status_index(item: AssertionItem) -> int:
    """The award's status list index, given now if it has none (a revoked award gets its bit set)."""
    if item.status_index is not None:
        return int(item.status_index)
    index = _allocate_index(item.issuer_id)
    if item.state != "revoked":
        try:
            item.update(
                actions=[AssertionItem.status_index.set(index)],
                condition=AssertionItem.status_index.does_not_exist()
                & AssertionItem.state.is_in(*awards.ACTIVE_STATES),
            )
            return index
        except UpdateError as error:
            if not aws.condition_failed(error):
                raise  # throttled: nothing written; the revoked-award path below must not run
            item.refresh()  # another request gave it an index, or it was revoked meanwhile
            if item.status_index is not None:
                return int(item.status_index)
            if item.state != "revoked":
                raise NotFound(f"No credential {item.id}.") from None  # erased meanwhile
    # Revoked before any credential was requested: the index and its bit are written together.
    try:
        with transaction() as tx:
            tx.update(
                item,
                actions=[AssertionItem.status_index.set(index)],
                condition=AssertionItem.status_index.does_not_exist(),
            )
            tx.update(list_item(item.issuer_id, index), actions=[StatusListItem.revoked.add({index})])
    except TransactWriteError:
        item.refresh()
        if item.status_index is None:
            raise
        return int(item.status_index)
    item.status_index = index
    return index


def revoke_condition(item: AssertionItem):
    """For revoke's update of the award: its status index is still what revoke read (None included), so a
    credential request giving it an index meanwhile cancels the revoke, which then retries with the index."""
    if item.status_index is None:
        return AssertionItem.status_index.does_not_exist()
    return AssertionItem.status_index == item.status_index


def revoke_bit(tx, item: AssertionItem) -> None:
    """Inside revoke's transaction: set the award's status list bit, if it has an index."""
    if item.status_index is not None:
        index = int(item.status_index)
        tx.update(list_item(item.issuer_id, index), actions=[StatusListItem.revoked.add({index})])


# --- documents ------------------------------------------------------------------------------------


def credential_document(item: AssertionItem, issuer: IssuerItem, badge=None) -> dict:
    """The unsigned OpenBadgeCredential of an award (giving it a status index on first use)."""
    badge = badge or badgeclasses.get(None, item.badge_id)
    issuer_image = urls.issuer_image_url(issuer.id) if issuer.image_key else None
    index = status_index(item)
    url = urls.credential_url(item.id)
    document = ob3.credential(
        id=url,
        issuer=ob3.profile(
            id=urls.controller_url(issuer.id),
            name=issuer.name,
            url=issuer.url,
            email=issuer.email,
            description=issuer.description,
            image=issuer_image,
        ),
        achievement=ob3.achievement(
            id=urls.badge_url(badge.id),
            name=badge.name,
            description=badge.description,
            criteria_narrative=badge.criteria_narrative,
            criteria_id=badge.criteria_url,
            image=urls.badge_image_url(badge.id, badge.image_key),
            tags=list(badge.tags or []),
            alignment=badge.alignment or [],
        ),
        identity_hash=item.identity,
        salt=item.salt,
        valid_from=item.issued_on,
        valid_until=item.expires,
        name=badge.name,
        evidence=stored_evidence(item.evidence),
        image=urls.credential_baked_url(item.id, "png"),
        status_entry=ob3.status_entry(
            list_url=urls.status_list_url(issuer.id, index // LIST_SIZE), index=index % LIST_SIZE
        ),
    )
    if item.narrative:
        document["credentialSubject"]["narrative"] = item.narrative
    return document


def signed_credential(assertion_id: str) -> dict:
    """The award as a signed OpenBadgeCredential; NotFound when missing or erased. Revoked ones are served:
    their status list says revoked."""
    item = awards.get(None, assertion_id)
    issuer = issuers.get_issuer(item.issuer_id)
    return _sign(credential_document(item, issuer), issuer, item.updated_at)


def status_list(issuer_id: str, number: int) -> dict:
    """The issuer's signed BitstringStatusListCredential number `number`; NotFound past the last one."""
    issuer = issuers.get_issuer(issuer_id)
    try:
        counter = StatusCounterItem.get(issuers.issuer_pk(issuer_id), "STATUSCOUNTER")
    except StatusCounterItem.DoesNotExist:
        counter = None
    if counter is None or not 0 <= number <= (int(counter.next_index) - 1) // LIST_SIZE:
        raise NotFound(f"No status list {number}.")
    try:
        revoked = StatusListItem.get(issuers.issuer_pk(issuer_id), f"STATUSLIST#{number}").revoked or set()
    except StatusListItem.DoesNotExist:
        revoked = set()
    now = ids.now()
    document = ob3.status_list_credential(
        id=urls.status_list_url(issuer_id, number),
        issuer=urls.controller_url(issuer_id),
        valid_from=now,
        revoked_indexes=[int(i) - number * LIST_SIZE for i in revoked],
    )
    return _sign(document, issuer, now)


# --- baked images ---------------------------------------------------------------------------------


def baked_image(assertion_id: str, kind: str) -> bytes:
    """The badge image with the signed credential baked in, kept in S3 per assertion version."""
    item = awards.get(None, assertion_id)
    if kind == "svg" and not baked.has_svg(item):
        raise NotFound("This badge has no SVG image; use baked.png.")
    key = baked._key(item, f"{baked.OB3_BAKED[0]}.{kind}")
    data = images.get(key)
    if data is None:
        data = _bake(item, kind)
        baked.keep(item, key, data, kind)
    return data


def _bake(item: AssertionItem, kind: str) -> bytes:
    source = images.get(baked._source_key(item, kind))
    if source is None:
        raise NotFound("The badge image is missing.")
    issuer = issuers.get_issuer(item.issuer_id)
    signed = _sign(credential_document(item, issuer), issuer, item.updated_at)
    text = json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
    if kind == "png":
        return baking.bake_png(source, text, keyword="openbadgecredential")
    return baking.bake_svg(source.decode(), body=text, version=3).encode()
