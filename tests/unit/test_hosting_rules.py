"""Rules of issuers, badge classes, signing and OB 3.0 keys on the in-memory store (no AWS, fast tier)."""

from __future__ import annotations

import pytest

from chalicelib.errors import Conflict, Invalid, NotFound, Unauthorized
from chalicelib.services.hosting import credential_keys, credentials, documents, signing
from chalicelib.services.issuing import badgeclasses, issuers
from tests.support.inprocess import data_uri, png_bytes

BADGE = {
    "name": "Data Literacy",
    "description": "Reads and questions data.",
    "criteria_narrative": "Pass the assessment.",
    "tags": ["data"],
    "alignment": [{"targetName": "ESCO", "targetUrl": "https://esco.example/1"}],
}


@pytest.fixture
def store(memory_store):
    return memory_store  # AWS refused: these rules need none


@pytest.fixture
def issuer(store):
    return issuers.create_issuer(
        name="Guild", url="https://guild.example", email="g@guild.example", store=store
    )


def badge(store, issuer_id: str, **changes):
    body = {**BADGE, "image": data_uri(png_bytes()), **changes}
    return badgeclasses.create(issuer_id, body, store=store)


def test_the_first_key_authenticates_until_revoked(store, issuer):
    item, key = issuer
    assert issuers.authenticate(f"Bearer {key}", store=store) == item.id
    assert store.issuers.get(item.id).api_keys == 1
    (first,) = issuers.list_api_keys(item.id, store=store)
    revoked = issuers.revoke_api_key(item.id, first.key_id, store=store)
    assert revoked.revoked_at is not None
    assert issuers.revoke_api_key(item.id, first.key_id, store=store).revoked_at == revoked.revoked_at
    with pytest.raises(Unauthorized, match="revoked"):
        issuers.authenticate(f"Bearer {key}", store=store)
    with pytest.raises(Unauthorized, match="not known"):
        issuers.authenticate("Bearer lrl_nothing", store=store)
    with pytest.raises(NotFound):
        issuers.revoke_api_key(item.id, "no-such-key", store=store)


def test_api_keys_stop_at_the_cap(store, issuer, monkeypatch):
    monkeypatch.setattr(issuers, "MAX_API_KEYS", 2)
    item, _ = issuer
    issuers.create_api_key(item.id, label="second", store=store)
    with pytest.raises(Conflict, match="at most 2 API keys"):
        issuers.create_api_key(item.id, store=store)
    assert sorted(k.label for k in issuers.list_api_keys(item.id, store=store)) == ["first key", "second"]


def test_signing_makes_one_rsa_key_and_keeps_it_when_turned_off(store, issuer):
    item, _ = issuer
    on = issuers.update_profile(item.id, {"signing": True, "name": "Guild 2"}, store=store)
    assert (on.signing, on.name) == (True, "Guild 2") and on.signing_kid
    off = issuers.update_profile(item.id, {"signing": False}, store=store)
    again = issuers.update_profile(item.id, {"signing": True}, store=store)
    assert (off.signing, again.signing_kid) == (False, on.signing_kid)
    document = signing.key_document(item.id, on.signing_kid, store=store)
    assert document["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert documents.issuer_document(again)["publicKey"] == [document["id"]]
    with pytest.raises(NotFound):
        signing.key_document(item.id, "other", store=store)


def test_a_badge_class_needs_criteria_and_changes_keep_it(store, issuer):
    item, _ = issuer
    with pytest.raises(Invalid):
        badge(store, item.id, criteria_narrative=None)
    created = badge(store, item.id)
    with pytest.raises(Invalid, match="criteria"):
        badgeclasses.update(item.id, created.id, {"criteria_narrative": None}, store=store)
    updated = badgeclasses.update(item.id, created.id, {"name": "Data Fluency"}, store=store)
    assert (updated.name, updated.tags) == ("Data Fluency", ("data",))
    assert badgeclasses.to_api(updated)["alignment"] == BADGE["alignment"]
    with pytest.raises(NotFound):
        badgeclasses.get("someone-else", created.id, store=store)


def test_an_update_racing_another_is_applied_on_the_new_version(store, issuer, monkeypatch):
    item, _ = issuer
    created = badge(store, item.id)
    real_patch = store.badge_classes.patch
    raced = []

    def racing(badge_class, changes, at):
        if not raced:  # another request changes the class between our read and our write
            raced.append(real_patch(badge_class, {"description": "Theirs"}, at.replace(year=at.year + 1)))
        return real_patch(badge_class, changes, at)

    monkeypatch.setattr(store.badge_classes, "patch", racing)
    updated = badgeclasses.update(item.id, created.id, {"name": "Ours"}, store=store)
    assert (updated.name, updated.description) == ("Ours", "Theirs")
    assert len(raced) == 1


def test_badge_classes_page_newest_first(store, issuer):
    item, _ = issuer
    made = [badge(store, item.id, name=f"Badge {n}").id for n in range(3)]
    first, cursor = badgeclasses.list_page(item.id, limit=2, cursor=None, store=store)
    rest, end = badgeclasses.list_page(item.id, limit=2, cursor=cursor, store=store)
    assert sorted(b.id for b in first + rest) == sorted(made) and end is None
    with pytest.raises(Invalid):
        badgeclasses.list_page("other", limit=2, cursor=cursor, store=store)


def test_credential_keys_rotate_up_to_the_cap_and_all_stay_listed(store, issuer, monkeypatch):
    monkeypatch.setattr(credential_keys, "MAX_CREDENTIAL_KEYS", 2)
    item, _ = issuer
    assert credential_keys.controller_document(item.id, store=store)["assertionMethod"] == []
    first = credential_keys.current_key(item, store=store)
    second = credential_keys.rotate_key(item.id, store=store)
    with pytest.raises(Conflict, match="at most 2 credential keys"):
        credential_keys.rotate_key(item.id, store=store)
    controller = credential_keys.controller_document(item.id, store=store)
    assert len(controller["verificationMethod"]) == 4  # each key under its own URL and as controller#kid
    assert [k.kid for k in credential_keys.list_keys(item.id, store=store)] == [first.kid, second.kid]
    assert (
        credential_keys.key_document(item.id, first.kid, store=store)["publicKeyMultibase"]
        == first.public_multikey
    )
    with pytest.raises(NotFound):
        credential_keys.key_document(item.id, "unknown", store=store)


def test_a_status_list_exists_only_once_an_index_was_given(store, issuer):
    item, _ = issuer
    with pytest.raises(NotFound):
        credentials.status_list(item.id, 0, store=store)
    store.issuer_keys.next_status_index(item.id)
    status_list = credentials.status_list(item.id, 0, store=store)
    assert status_list["type"][-1] == "BitstringStatusListCredential" and status_list["proof"]
    with pytest.raises(NotFound):
        credentials.status_list(item.id, 1, store=store)


def test_hosted_badge_class_reads_its_issuer_only_for_the_page(store, issuer):
    from chalicelib.services.hosting import hosted

    item, _ = issuer
    created = badge(store, item.id)
    for_verifiers = hosted.badge_class(created.id, page=False, store=store)
    assert for_verifiers.issuer is None
    assert for_verifiers.document["id"] == f"https://badges.example/public/badges/{created.id}"
    assert for_verifiers.document["issuer"] == hosted.issuer(item.id, store=store).document["id"]
    assert hosted.badge_class(created.id, page=True, store=store).issuer == store.issuers.get(item.id)
    assert hosted.badge_image(created.id, "image.png", store=store).content_type == "image/png"
    with pytest.raises(NotFound):
        hosted.badge_image(created.id, "image.svg", store=store)  # a PNG class has no SVG
    with pytest.raises(NotFound):
        hosted.badge_image(created.id, "other.png", store=store)
    with pytest.raises(NotFound):
        hosted.revocation_list("no-such-issuer", store=store)
    assert hosted.revocation_list(item.id, store=store)["revokedAssertions"] == []
