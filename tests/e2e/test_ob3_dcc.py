"""Our Open Badges 3.0 credentials judged by an independent verifier: the DCC's libraries from npm.

tests/dcc/verify.mjs verifies with @digitalcredentials/vc + data-integrity + eddsa-rdfc-2022-cryptosuite,
contexts from security-document-loader's bundled copies, and our key documents, controller documents and
status lists fetched from the live local server. `npm ci` runs here when tests/dcc/node_modules is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from chalicelib.openbadges import baking
from tests.support import dcc as dcc_verifiers
from tests.support.issuing import IssuerApi


@pytest.fixture(scope="session")
def dcc() -> Path:
    """tests/dcc with its node_modules installed (npm ci from the committed lock file)."""
    return dcc_verifiers.install()


def dcc_verify(dcc: Path, tmp_path: Path, credential: dict) -> dict:
    return dcc_verifiers.vc_verify(tmp_path, credential)


@pytest.fixture(scope="module")
def setup(live, make_issuer):
    issuer = make_issuer(
        name="Open Skills Consortium", url="https://skills.example", email="badges@skills.example"
    )
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        criteria_narrative="Pass the **data** assessment.", expires_after={"amount": 2, "unit": "years"}
    )
    return live, api, badge


def award(setup, email: str) -> dict:
    _, api, badge = setup
    evidence = [{"url": "https://skills.example/e/1"}]
    return api.award(badge["id"], email, notify=False, evidence=evidence)


def fetch_credential(setup, assertion_id: str) -> dict:
    live = setup[0]
    r = requests.get(f"{live.base_url}/public/credentials/{assertion_id}", timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/vc+ld+json"
    return r.json()


def test_fresh_credential_verifies_and_a_tampered_one_does_not(setup, dcc, tmp_path):
    credential = fetch_credential(setup, award(setup, "ada@example.org")["id"])
    result = dcc_verify(dcc, tmp_path, credential)
    assert result["verified"] is True and result["revoked"] is False, result
    credential["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    tampered = dcc_verify(dcc, tmp_path, credential)
    assert tampered["verified"] is False and tampered["signature"] is False, tampered


def test_revoked_credential_has_its_status_bit_set(setup, dcc, tmp_path):
    _, api, _ = setup
    kept, gone = award(setup, "kept@example.org"), award(setup, "gone@example.org")
    kept_doc, gone_doc = fetch_credential(setup, kept["id"]), fetch_credential(setup, gone["id"])
    api.revoke(gone["id"], "Issued in error")
    result = dcc_verify(dcc, tmp_path, gone_doc)
    assert result["verified"] is False and result["signature"] is True and result["revoked"] is True, result
    assert {"id": "revocation_status", "valid": False} in result["log"]
    assert dcc_verify(dcc, tmp_path, kept_doc)["verified"] is True
    served = fetch_credential(setup, gone["id"])  # still served; the list says revoked
    assert dcc_verify(dcc, tmp_path, served)["revoked"] is True


def test_recertified_credential_has_a_new_valid_until_and_verifies(setup, dcc, tmp_path):
    _, api, _ = setup
    made = award(setup, "renew@example.org")
    before = fetch_credential(setup, made["id"])
    api.post(f"/assertions/{made['id']}/recertify", {"expires": "2040-06-01T00:00:00Z"})
    after = fetch_credential(setup, made["id"])
    assert after["validUntil"] == "2040-06-01T00:00:00Z" != before["validUntil"]
    result = dcc_verify(dcc, tmp_path, after)
    assert result["verified"] is True, result


def test_baked_png_credential_verifies(setup, dcc, tmp_path):
    live = setup[0]
    made = award(setup, "baked@example.org")
    r = requests.get(f"{live.base_url}/public/credentials/{made['id']}/baked.png", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    credential = json.loads(baking.unbake_png(r.content, keyword="openbadgecredential"))
    result = dcc_verify(dcc, tmp_path, credential)
    assert result["verified"] is True, result


def test_rotation_keeps_old_credentials_verifiable(setup, dcc, tmp_path):
    _, api, _ = setup
    made = award(setup, "rotate@example.org")
    old = fetch_credential(setup, made["id"])
    rotated = api.post("/issuer/rotate-credential-key")
    new = fetch_credential(setup, made["id"])
    assert new["proof"]["verificationMethod"] == rotated["verification_method"]
    assert new["proof"]["verificationMethod"] != old["proof"]["verificationMethod"]
    for credential in (old, new):  # the status list is now signed with the new key too
        result = dcc_verify(dcc, tmp_path, credential)
        assert result["verified"] is True, result
