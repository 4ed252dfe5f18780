"""Open Badges 3.0 builders: OpenBadgeCredential shape, signing, and Bitstring Status List revocation."""

from __future__ import annotations

import base64
import gzip
import os
from datetime import UTC, datetime

import pytest

from chalicelib.openbadges import dataintegrity as di
from chalicelib.openbadges import ob3
from chalicelib.openbadges.evidence import Evidence
from chalicelib.openbadges.ob2 import hashed_identity

ISSUER = "https://laurel.example/issuers/acme"
LIST_URL = ISSUER + "/status/1"


def _achievement(**extra) -> dict:
    return ob3.achievement(
        id="https://laurel.example/badges/teamwork",
        name="Teamwork",
        description="Works well with others.",
        criteria_narrative="Nominated by **peers**.",
        **extra,
    )


def _credential(**extra) -> dict:
    fields = {
        "id": "https://laurel.example/public/credentials/a1",
        "issuer": ob3.profile(
            id=ISSUER, name="Acme", url="https://acme.example", email="badges@acme.example"
        ),
        "achievement": _achievement(),
        "identity_hash": hashed_identity("Ada@Example.com", "pepper"),
        "salt": "pepper",
        "valid_from": datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        "valid_until": None,
        "name": "Teamwork",
    }
    return ob3.credential(**{**fields, **extra})


def test_credential_has_the_ob3_shape():
    c = _credential()
    assert c["@context"] == ["https://www.w3.org/ns/credentials/v2", ob3.OB_V3P0]
    assert c["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert c["issuer"] == {
        "id": ISSUER,
        "type": ["Profile"],
        "name": "Acme",
        "url": "https://acme.example",
        "email": "badges@acme.example",
    }
    assert c["validFrom"] == "2026-03-01T12:00:00Z"
    subject = c["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": hashed_identity("ada@example.com", "pepper"),
            "salt": "pepper",
        }
    ]
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["achievement"]["criteria"] == {"narrative": "Nominated by **peers**."}


def test_nulls_and_empty_lists_are_omitted():
    c = _credential()
    assert not {"validUntil", "evidence", "image", "credentialStatus"} & c.keys()
    assert not {"image", "tag", "alignment"} & c["credentialSubject"]["achievement"].keys()


def test_optional_fields_are_objects_and_arrays():
    achievement = _achievement(
        criteria_id="https://laurel.example/badges/teamwork/criteria",
        image="https://laurel.example/badges/teamwork.png",
        tags=["soft skills", "collaboration"],
        alignment=[
            {"targetName": "ESCO teamwork", "targetUrl": "https://esco.example/t", "targetCode": "T1"}
        ],
    )
    c = _credential(
        achievement=achievement,
        valid_until=datetime(2027, 3, 1, tzinfo=UTC),
        evidence=[Evidence(url="https://laurel.example/evidence/1", narrative="Led the project.")],
        image="https://laurel.example/public/credentials/a1/image",
        status_entry=ob3.status_entry(list_url=LIST_URL, index=7),
    )
    assert c["validUntil"] == "2027-03-01T00:00:00Z"
    assert achievement["image"] == {"id": "https://laurel.example/badges/teamwork.png", "type": "Image"}
    assert achievement["tag"] == ["soft skills", "collaboration"]
    assert achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "ESCO teamwork",
            "targetUrl": "https://esco.example/t",
            "targetCode": "T1",
        }
    ]
    assert achievement["criteria"]["id"] == "https://laurel.example/badges/teamwork/criteria"
    assert c["evidence"] == [
        {"type": ["Evidence"], "id": "https://laurel.example/evidence/1", "narrative": "Led the project."}
    ]
    assert c["image"]["type"] == "Image"
    assert c["credentialStatus"] == {
        "id": LIST_URL + "#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": LIST_URL,
    }


def test_achievement_needs_criteria():
    with pytest.raises(ValueError):
        ob3.achievement(id="https://x.example/b", name="B", description="D")


def test_every_field_maps_to_a_defined_term():
    """No property falls back to an issuer-dependent IRI or is dropped: the contexts define them all."""
    c = _credential(
        achievement=_achievement(
            image="https://x.example/i.png", tags=["t"], alignment=[{"targetName": "n"}]
        ),
        valid_until=datetime(2027, 1, 1, tzinfo=UTC),
        evidence=[Evidence(url="https://x.example/e", narrative="N")],
        image="https://x.example/c.png",
        status_entry=ob3.status_entry(list_url=LIST_URL, index=1),
    )
    nquads = di.canonicalize(c)
    assert "issuer-dependent" not in nquads
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#identityHash>" in nquads


def test_built_credential_signs_and_verifies():
    seed, public = di.generate_key(os.urandom(32))
    vm = f"{ISSUER}#{di.multikey(public)}"
    c = _credential(status_entry=ob3.status_entry(list_url=LIST_URL, index=3))
    signed = di.sign(c, private_key=seed, verification_method=vm, created="2026-03-01T12:00:00Z")
    assert di.verify(signed, public) is True
    signed["credentialSubject"]["identifier"][0]["salt"] = "other"
    assert di.verify(signed, public) is False


# --- Bitstring Status List ----------------------------------------------------------------------


def _list(revoked=(), **extra) -> dict:
    return ob3.status_list_credential(
        id=LIST_URL,
        issuer=ISSUER,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        revoked_indexes=revoked,
        **extra,
    )


def test_status_list_has_131072_entries_and_flips_one_bit():
    slc = _list([42])
    assert len(ob3.decode_list(slc["credentialSubject"]["encodedList"])) * 8 == 131_072
    assert ob3.is_revoked(slc, 42) is True
    assert ob3.is_revoked(slc, 43) is False
    assert ob3.is_revoked(slc, 41) is False
    assert ob3.is_revoked(_list(), 42) is False


def test_status_list_is_msb_first_gzip_base64url_with_u_prefix():
    encoded = _list([0, 9])["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert bits[:2] == bytes([0b1000_0000, 0b0100_0000])
    assert not any(bits[2:])


def test_status_list_credential_shape():
    slc = _list([1])
    assert slc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = slc["credentialSubject"]
    assert subject["id"] == LIST_URL + "#list"
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert "issuer-dependent" not in di.canonicalize(slc)


def test_status_list_signs_and_verifies():
    seed, public = di.generate_key(os.urandom(32))
    signed = di.sign(
        _list([5]), private_key=seed, verification_method=ISSUER + "#k", created="2026-01-01T00:00:00Z"
    )
    assert di.verify(signed, public) is True


def test_status_list_encoding_is_deterministic():
    assert _list([1, 2, 3]) == _list([3, 2, 1])


@pytest.mark.parametrize(
    "kwargs", [{"revoked": [131_072]}, {"revoked": [-1]}, {"size": 1024}, {"size": 131_073}]
)
def test_status_list_refuses_bad_sizes_and_indexes(kwargs):
    with pytest.raises(ValueError):
        _list(**kwargs)


def test_reading_outside_the_list_is_an_error():
    with pytest.raises(ValueError):
        ob3.is_revoked(_list(), 131_072)


@pytest.mark.parametrize(
    "encoded", ["", "zabc", "u!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode()]
)
def test_malformed_encoded_list_is_an_error(encoded):
    slc = _list()
    slc["credentialSubject"]["encodedList"] = encoded
    with pytest.raises(ValueError):
        ob3.is_revoked(slc, 0)


def test_gzip_bomb_is_refused():
    bomb = gzip.compress(bytes(1 << 25))  # 32 MiB of zeros, a few KB packed
    slc = _list()
    slc["credentialSubject"]["encodedList"] = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    with pytest.raises(ValueError, match="larger"):
        ob3.is_revoked(slc, 0)
