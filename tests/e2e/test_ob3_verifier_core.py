"""Our Open Badges 3.0 credentials in the DCC wallets' verifier: @digitalcredentials/verifier-core, as is.

tests/dcc/verifier_core.mjs calls `verifyCredential({credential, knownDIDRegistries})` as its README shows,
with its own document loader, which fetches an http(s) verification method whole (a fragment is ignored):
each of our keys must answer at its own URL. `registered_issuer` is always false for us: trust registries
list issuers by DID, and ours are https URLs. Its schema check fetches the OB 3.0 JSON Schema from
purl.imsglobal.org; offline it answers "INVALID_SCHEMA - possibly not a valid url" in `additionalInformation`,
which is no step of the log. Everything else it needs is bundled (contexts) or ours (keys, controller
documents, status lists over http://127.0.0.1: its loader fetches http as well as https).
"""

from __future__ import annotations

import json

import boto3
import pytest
import requests

from chalicelib.openbadges import baking, dataintegrity
from tests.support import dcc
from tests.support.issuing import IssuerApi


@pytest.fixture(scope="module")
def setup(live, make_issuer):
    dcc.install()
    issuer = make_issuer(name="Wallet Academy", url="https://wallet.example", email="badges@wallet.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(expires_after={"amount": 2, "unit": "years"})
    return live, api, badge


def award(setup, email: str) -> dict:
    _, api, badge = setup
    return api.award(badge["id"], email, notify=False)


def fetch(url: str) -> dict:
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def credential(setup, assertion_id: str) -> dict:
    return fetch(f"{setup[0].base_url}/public/credentials/{assertion_id}")


def wallet_says(tmp_path, document: dict) -> dict:
    """verifier-core's log as {step: valid}, after checking it reached a conclusion (no fatal error)."""
    result = dcc.verifier_core(tmp_path, document)
    assert "errors" not in result, result["errors"]
    return dcc.log_of(result)


GOOD = {"valid_signature": True, "expiration": True, "revocation_status": True, "registered_issuer": False}


def test_fresh_credential_is_valid_unexpired_and_not_revoked(setup, tmp_path):
    document = credential(setup, award(setup, "ada@example.org")["id"])
    assert wallet_says(tmp_path, document) == GOOD
    document["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    tampered = dcc.verifier_core(tmp_path, document)
    assert [e["name"] for e in tampered["errors"]] == ["invalid_signature"], tampered


def test_verification_method_answers_its_own_key(setup):
    document = credential(setup, award(setup, "key@example.org")["id"])
    method = document["proof"]["verificationMethod"]
    assert "#" not in method
    key = fetch(method)
    assert key["id"] == method and key["type"] == "Multikey" and key["controller"] == document["issuer"]["id"]
    controller = fetch(key["controller"])
    assert method in controller["assertionMethod"]


def test_revoked_credential_is_detected_through_a_verified_status_list(setup, tmp_path):
    _, api, _ = setup
    kept, gone = award(setup, "kept@example.org"), award(setup, "gone@example.org")
    kept_doc, gone_doc = credential(setup, kept["id"]), credential(setup, gone["id"])
    api.revoke(gone["id"], "Issued in error")
    assert wallet_says(tmp_path, gone_doc) == {**GOOD, "revocation_status": False}
    assert wallet_says(tmp_path, kept_doc) == GOOD
    # the status list itself verifies the same way (its proof names a key URL too)
    status_list = fetch(gone_doc["credentialStatus"]["statusListCredential"])
    assert wallet_says(tmp_path, status_list)["valid_signature"] is True


def test_credentials_signed_before_and_after_a_key_rotation_are_valid(setup, tmp_path):
    _, api, _ = setup
    made = award(setup, "rotate@example.org")
    before = credential(setup, made["id"])
    rotated = api.post("/issuer/rotate-credential-key")
    after = credential(setup, made["id"])
    assert after["proof"]["verificationMethod"] == rotated["verification_method"]
    assert before["proof"]["verificationMethod"] != after["proof"]["verificationMethod"]
    for document in (before, after):  # the status list is now signed with the new key
        assert wallet_says(tmp_path, document) == GOOD


def _signing_key(live, api: IssuerApi, kid: str) -> bytes:
    """The issuer's private key, read from the stack's moto (DynamoDB + KMS) as the app unseals it."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    item = session.client("dynamodb", endpoint_url=live.moto_url).get_item(
        TableName=live.env.get("BADGES_TABLE", "laurel-badges"),
        Key={"pk": {"S": f"ISSUER#{api.get('/issuer')['id']}"}, "sk": {"S": f"EDKEY#{kid}"}},
    )["Item"]
    encrypted, sealed = item["encrypted_key"]["B"], item["sealed_private"]["B"]
    data_key = session.client("kms", endpoint_url=live.moto_url).decrypt(CiphertextBlob=encrypted)[
        "Plaintext"
    ]
    return AESGCM(data_key).decrypt(sealed[:12], sealed[12:], b"laurel-signing-key")


def test_credentials_handed_out_with_the_old_fragment_method_still_verify(setup, tmp_path):
    live, api, _ = setup
    current = credential(setup, award(setup, "early@example.org")["id"])
    proof = current.pop("proof")
    kid = proof["verificationMethod"].rsplit("/", 1)[1]
    legacy = f"{current['issuer']['id']}#{kid}"  # how proofs named keys before they had their own URL
    old = dataintegrity.sign(
        current,
        private_key=_signing_key(live, api, kid),
        verification_method=legacy,
        created=proof["created"],
    )
    assert dcc.vc_verify(tmp_path, old)["verified"] is True  # DCC's vc with a fragment-dereferencing loader
    report = requests.post(f"{live.base_url}/api/v1/verify", json={"json": old}, timeout=60).json()
    assert report["verdict"] == "valid", report
    assert {"id": legacy, "type": "Multikey"}.items() <= next(
        m for m in fetch(current["issuer"]["id"])["verificationMethod"] if m["id"] == legacy
    ).items()


def test_baked_png_credential_is_valid(setup, tmp_path):
    live = setup[0]
    made = award(setup, "baked@example.org")
    r = requests.get(f"{live.base_url}/public/credentials/{made['id']}/baked.png", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    document = json.loads(baking.unbake_png(r.content, keyword="openbadgecredential"))
    assert wallet_says(tmp_path, document) == GOOD
