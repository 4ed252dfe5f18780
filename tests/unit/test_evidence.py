"""Evidence keeps its URL everywhere an award is published: hosted 2.0 JSON, signed JWS, baked image, 3.0."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest

from chalicelib.openbadges import baking, ob2, ob3
from chalicelib.openbadges.evidence import Evidence, stored_evidence
from tests.support.credentials import award, credential, get

URL = "https://skills.example/e/1"
EVIDENCE = [
    {"url": URL, "narrative": "The report."},
    {"url": "https://skills.example/e/2"},
    {"narrative": "Seen."},
]
OB2 = [
    {"type": "Evidence", "id": URL, "narrative": "The report."},
    {"type": "Evidence", "id": "https://skills.example/e/2"},
    {"type": "Evidence", "narrative": "Seen."},
]


def test_stored_evidence_becomes_typed_values():
    assert stored_evidence([{"url": URL, "narrative": ""}, "junk", {"narrative": "N"}]) == [
        Evidence(url=URL),
        Evidence(narrative="N"),
    ]
    assert stored_evidence(None) == []


def test_both_builders_map_the_url_to_id():
    evidence = [Evidence(url=URL, narrative="N")]
    doc = ob2.assertion(
        id="https://b.example/a1",
        badge="https://b.example/b1",
        identity="sha256$x",
        salt="s",
        issued_on=datetime(2026, 1, 1, tzinfo=UTC),
        verification=ob2.hosted_verification(),
        evidence=evidence,
    )
    assert doc["evidence"] == [{"type": "Evidence", "id": URL, "narrative": "N"}]
    cred = ob3.credential(
        id="https://b.example/c1",
        issuer={"id": "https://b.example/i", "type": ["Profile"], "name": "I"},
        achievement={"id": "https://b.example/b1"},
        identity_hash="sha256$x",
        salt="s",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=None,
        name="B",
        evidence=evidence,
    )
    assert cred["evidence"] == [{"type": ["Evidence"], "id": URL, "narrative": "N"}]


@pytest.fixture
def awarded(issuer, badge_class) -> dict:
    return award(issuer, badge_class, evidence=EVIDENCE)


def test_hosted_assertion_keeps_the_evidence_url(issuer, awarded):
    hosted = get(issuer, f"/public/assertions/{awarded['id']}")
    assert hosted.status_code == 200
    assert hosted.json["evidence"] == OB2


def test_baked_image_keeps_the_evidence_url(issuer, awarded):
    png = get(issuer, f"/public/assertions/{awarded['id']}/baked.png")
    assert png.status_code == 200
    assert json.loads(baking.unbake_png(png.body))["evidence"] == OB2


def test_signed_assertion_keeps_the_evidence_url(issuer, badge_class):
    assert issuer.api.call("PATCH", "/api/v1/issuer", {"signing": True}).json["signing"] is True
    made = award(issuer, badge_class, evidence=EVIDENCE)
    jws = get(issuer, f"/public/assertions/{made['id']}/signed")
    assert jws.status_code == 200
    payload = jws.body.decode().split(".")[1]
    assert json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["evidence"] == OB2


def test_credential_keeps_the_evidence_url(issuer, awarded):
    assert credential(issuer, awarded["id"])["evidence"] == [
        {"type": ["Evidence"], "id": URL, "narrative": "The report."},
        {"type": ["Evidence"], "id": "https://skills.example/e/2"},
        {"type": ["Evidence"], "narrative": "Seen."},
    ]


def test_export_keeps_the_evidence_url(client, issuer, awarded):
    from tests.support.imports import make_account, signed_in

    browser = signed_in(client, make_account("ada@example.org"))
    r = client.http.get("/backpack/export", headers=browser._headers({"Accept": "application/zip"}))
    assert r.status_code == 200, r.body[:300]
    archive = zipfile.ZipFile(io.BytesIO(r.body))
    folder = f"data-literacy-{awarded['id']}"
    assert json.loads(archive.read(f"{folder}/ob2/assertion.json"))["evidence"] == OB2
    assert json.loads(baking.unbake_png(archive.read(f"{folder}/ob2/baked.png")))["evidence"] == OB2
