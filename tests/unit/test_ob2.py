from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from hashlib import sha256

from chalicelib.openbadges import ob2
from chalicelib.openbadges.evidence import Evidence

ISSUER = "https://badges.example.org/public/issuers/i1"


def test_hashed_identity_ignores_case_and_surrounding_space():
    assert ob2.hashed_identity(" Ada@Example.ORG ", "s4lt") == ob2.hashed_identity("ada@example.org", "s4lt")


def test_hashed_identity_is_sha256_of_email_then_salt():
    expected = "sha256$" + sha256(b"ada@example.orgs4lt").hexdigest()
    assert ob2.hashed_identity("ada@example.org", "s4lt") == expected


def test_hashed_identity_depends_on_salt():
    assert ob2.hashed_identity("ada@example.org", "a") != ob2.hashed_identity("ada@example.org", "b")


def test_iso8601_is_utc_to_the_second_with_z():
    cet = timezone(timedelta(hours=1))
    assert ob2.iso8601(datetime(2026, 11, 23, 20, 12, 9, 999_999, tzinfo=cet)) == "2026-11-23T19:12:09Z"


def test_iso8601_takes_naive_datetimes_as_utc():
    assert ob2.iso8601(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"


def test_profile_has_required_fields_and_omits_empty_ones():
    doc = ob2.profile(id=ISSUER, name="Acme", url="https://acme.example", email="badges@acme.example")
    assert doc == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Issuer",
        "id": ISSUER,
        "name": "Acme",
        "url": "https://acme.example",
        "email": "badges@acme.example",
    }


def test_profile_lists_public_keys_and_revocation_list():
    doc = ob2.profile(
        id=ISSUER,
        name="Acme",
        url="https://acme.example",
        email="b@acme.example",
        description="We teach.",
        image=f"{ISSUER}/image",
        public_keys=[f"{ISSUER}/keys/k1"],
        revocation_list=f"{ISSUER}/revocations",
    )
    assert doc["publicKey"] == [f"{ISSUER}/keys/k1"]
    assert doc["revocationList"] == f"{ISSUER}/revocations"
    assert doc["description"] == "We teach."
    assert doc["image"] == f"{ISSUER}/image"


def test_badge_class_with_narrative_criteria_tags_and_alignment():
    doc = ob2.badge_class(
        id="https://b.example/badges/b1",
        issuer=ISSUER,
        name="Welder",
        description="Welds.",
        image="https://b.example/badges/b1/image",
        criteria_narrative="Weld *two* plates.",
        tags=["craft"],
        alignment=[{"targetName": "ESCO", "targetUrl": "https://esco.example/w", "targetCode": "W1"}],
    )
    assert doc["@context"] == ob2.CONTEXT
    assert doc["type"] == "BadgeClass"
    assert doc["issuer"] == ISSUER
    assert doc["criteria"] == {"narrative": "Weld *two* plates."}
    assert doc["tags"] == ["craft"]
    assert doc["alignment"] == [
        {"targetName": "ESCO", "targetUrl": "https://esco.example/w", "targetCode": "W1"}
    ]


def test_badge_class_with_criteria_url_and_no_tags():
    doc = ob2.badge_class(
        id="https://b.example/badges/b1",
        issuer=ISSUER,
        name="Welder",
        description="Welds.",
        image="https://b.example/i.png",
        criteria_url="https://b.example/criteria",
    )
    assert doc["criteria"] == {"id": "https://b.example/criteria"}
    assert "tags" not in doc and "alignment" not in doc


def test_hosted_assertion():
    doc = ob2.assertion(
        id="https://b.example/public/assertions/a1",
        badge="https://b.example/badges/b1",
        identity=ob2.hashed_identity("ada@example.org", "s"),
        salt="s",
        issued_on=datetime(2026, 11, 23, 19, 12, 9, tzinfo=UTC),
        verification=ob2.hosted_verification(),
    )
    assert doc == {
        "@context": ob2.CONTEXT,
        "type": "Assertion",
        "id": "https://b.example/public/assertions/a1",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "s",
            "identity": ob2.hashed_identity("ada@example.org", "s"),
        },
        "badge": "https://b.example/badges/b1",
        "verification": {"type": "hosted"},
        "issuedOn": "2026-11-23T19:12:09Z",
    }


def test_signed_assertion_with_optional_fields():
    doc = ob2.assertion(
        id="urn:uuid:a1",
        badge="https://b.example/badges/b1",
        identity="sha256$x",
        salt="s",
        issued_on=datetime(2026, 1, 1),
        verification=ob2.signed_verification(f"{ISSUER}/keys/k1"),
        image="https://b.example/a1.png",
        expires=datetime(2027, 1, 1),
        narrative="Did it.",
        evidence=[Evidence(url="https://e.example/1"), Evidence(narrative="Watched it.")],
    )
    assert doc["verification"] == {"type": "signed", "creator": f"{ISSUER}/keys/k1"}
    assert doc["expires"] == "2027-01-01T00:00:00Z"
    assert doc["image"] == "https://b.example/a1.png"
    assert doc["narrative"] == "Did it."
    assert doc["evidence"] == [
        {"type": "Evidence", "id": "https://e.example/1"},
        {"type": "Evidence", "narrative": "Watched it."},
    ]


def test_revoked_assertion_document():
    assert ob2.revoked("https://b.example/a1", "fraud") == {
        "@context": ob2.CONTEXT,
        "id": "https://b.example/a1",
        "type": "Assertion",
        "revoked": True,
        "revocationReason": "fraud",
    }


def test_cryptographic_key():
    pem = "-----BEGIN PUBLIC KEY-----\nMII\n-----END PUBLIC KEY-----\n"
    assert ob2.cryptographic_key(id=f"{ISSUER}/keys/k1", owner=ISSUER, public_pem=pem) == {
        "@context": ob2.CONTEXT,
        "type": "CryptographicKey",
        "id": f"{ISSUER}/keys/k1",
        "owner": ISSUER,
        "publicKeyPem": pem,
    }


def test_revocation_list_keeps_order_and_is_present_when_empty():
    doc = ob2.revocation_list(
        id=f"{ISSUER}/rl", issuer=ISSUER, revoked=[("urn:uuid:1", "fraud"), ("urn:uuid:2", "")]
    )
    assert doc["type"] == "RevocationList"
    assert doc["issuer"] == ISSUER
    assert doc["revokedAssertions"] == [
        {"id": "urn:uuid:1", "revocationReason": "fraud"},
        {"id": "urn:uuid:2", "revocationReason": ""},
    ]
    assert ob2.revocation_list(id="x", issuer=ISSUER, revoked=[])["revokedAssertions"] == []


def test_badge_class_without_criteria_is_refused():
    import pytest

    with pytest.raises(ValueError, match="criteria"):
        ob2.badge_class(id="x", issuer=ISSUER, name="n", description="d", image="i")
