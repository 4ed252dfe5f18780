"""The pure verifier, against a fake web: OB 2.0 hosted and signed, OB 3.0 eddsa-rdfc-2022, any input form."""

from __future__ import annotations

import base64
import copy
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.openbadges import baking, dataintegrity, ob2, ob3, proofs
from chalicelib.openbadges.verify import FetchError, InputError, verify
from chalicelib.services.hosting import signing
from tests.support.inprocess import SVG, png_bytes
from tests.support.verifying import ADA, ASSERTION, BADGE, ISSUER, SALT, SITE, Web, hosted_assertion

NOW = datetime(2026, 5, 1, tzinfo=UTC)
KEY = f"{SITE}/keys/1"
REVOCATIONS = f"{SITE}/revocations"
CONTROLLER = f"{SITE}/controller"
STATUS = f"{SITE}/status/0"
VECTOR = Path(__file__).parent / "vectors" / "ob3-eddsa-rdfc-2022"


def check(report: dict, check_id: str):
    return next(c for c in report["checks"] if c["id"] == check_id)


def run(web: Web, value, email: str | None = None, now: datetime = NOW) -> dict:
    return verify(value, fetch=web, now=lambda: now, expected_email=email)


def failed(report: dict) -> list[str]:
    return [c["id"] for c in report["checks"] if c["passed"] is False]


# --- OB 2.0 fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> tuple[str, str]:
    return proofs.rsa_key_pems(signing.new_rsa_key())


@pytest.fixture
def web(rsa_key) -> Web:
    web = Web()
    web.put(
        ISSUER,
        ob2.profile(
            id=ISSUER,
            name="Open Skills",
            url=SITE,
            email="b@skills.example",
            public_keys=[KEY],
            revocation_list=REVOCATIONS,
        ),
    )
    web.put(
        BADGE,
        ob2.badge_class(
            id=BADGE,
            issuer=ISSUER,
            name="Data Literacy",
            description="Reads data.",
            image=f"{BADGE}/image.png",
            criteria_narrative="Pass.",
        ),
    )
    web.put(ASSERTION, hosted_assertion())
    web.put(KEY, ob2.cryptographic_key(id=KEY, owner=ISSUER, public_pem=rsa_key[1]))
    web.put(REVOCATIONS, ob2.revocation_list(id=REVOCATIONS, issuer=ISSUER, revoked=[]))
    return web


def signed_jws(rsa_key, **changes) -> str:
    payload = {**hosted_assertion(verification=ob2.signed_verification(KEY)), **changes}
    return proofs.sign_jws(payload, rsa_key[0])


# --- OB 2.0 hosted -----------------------------------------------------------------------------------


def test_hosted_assertion_by_url_is_valid_for_its_recipient(web):
    report = run(web, ASSERTION, email=" Ada@Example.org ")
    assert report["verdict"] == "valid", report
    assert report["version"] == "2.0-hosted"
    assert [c["id"] for c in report["checks"]] == [
        "parsed",
        "issuer-found",
        "hosted-on-issuer-origin",
        "recipient-matches",
        "not-expired",
        "not-revoked",
    ]
    assert report["badge"] == {
        "name": "Data Literacy",
        "description": "Reads data.",
        "issuer_name": "Open Skills",
        "issuer_id": ISSUER,
        "image": f"{BADGE}/image.png",
        "issued_on": "2026-01-01T00:00:00Z",
        "expires": "2027-01-01T00:00:00Z",
        "recipient_matched": True,
    }


def test_hosted_assertion_for_someone_else_is_invalid(web):
    report = run(web, ASSERTION, email="eve@example.org")
    assert report["verdict"] == "invalid" and failed(report) == ["recipient-matches"]
    assert "eve@example.org" in check(report, "recipient-matches")["sentence"]
    assert report["badge"]["recipient_matched"] is False


def test_expired_hosted_assertion_is_invalid(web):
    report = run(web, ASSERTION, now=datetime(2027, 6, 1, tzinfo=UTC))
    assert failed(report) == ["not-expired"]
    assert "expired on 1 January 2027" in check(report, "not-expired")["sentence"]


def test_revoked_hosted_assertion_answering_410_is_invalid(web):
    web.put(ASSERTION, ob2.revoked(ASSERTION, "Issued in error"), status=410)
    report = run(web, ASSERTION)
    assert report["verdict"] == "invalid" and failed(report) == ["not-revoked"]
    assert "Issued in error" in check(report, "not-revoked")["sentence"]


def test_revoked_true_in_a_live_document_is_invalid(web):
    web.put(ASSERTION, hosted_assertion(revoked=True, revocationReason="Fraud"))
    report = run(web, ASSERTION)
    assert failed(report) == ["not-revoked"] and "Fraud" in report["sentence"]
    assert check(report, "issuer-found")["passed"] is True


def test_hosted_assertion_off_the_issuers_origin_is_invalid(web):
    elsewhere = "https://skills.example:8443/assertions/1"
    web.put(elsewhere, hosted_assertion(id=elsewhere))
    report = run(web, elsewhere)
    assert failed(report) == ["hosted-on-issuer-origin"]


def test_hosted_json_is_refetched_from_its_id_and_only_that_is_trusted(web):
    pasted = hosted_assertion(expires="2099-01-01T00:00:00Z")
    web.put(ASSERTION, hosted_assertion(revoked=True))
    report = run(web, json.dumps(pasted))
    assert ASSERTION in web.fetched and failed(report) == ["not-revoked"]
    assert report["badge"]["expires"] == "2027-01-01T00:00:00Z"


def test_baked_png_and_svg_hosted_assertions_verify(web):
    text = json.dumps(hosted_assertion())
    for image in (
        baking.bake_png(png_bytes(), text),
        baking.bake_svg(SVG, verify=ASSERTION, body=text).encode(),
    ):
        report = run(web, image, email=ADA)
        assert report["verdict"] == "valid", report


def test_image_without_a_badge_is_an_input_error(web):
    with pytest.raises(InputError) as error:
        run(web, png_bytes())
    assert error.value.field == "image" and "no Open Badge" in error.value.sentence


def test_unknown_issuer_is_reported(web):
    del web.pages[ISSUER]
    report = run(web, ASSERTION)
    assert failed(report) == ["issuer-found"]
    assert check(report, "not-expired")["passed"] is None


def test_a_private_address_is_refused_as_input(web):
    with pytest.raises(InputError) as error:
        run(web, "http://10.0.0.1/assertion")
    assert error.value.field == "url" and "private network" in error.value.sentence


def test_text_that_is_no_badge_is_an_input_error(web):
    with pytest.raises(InputError):
        run(web, "hello there")
    report = run(web, '{"hello": 1}')
    assert failed(report) == ["parsed"] and report["version"] is None and report["badge"] is None


# --- OB 2.0 signed -----------------------------------------------------------------------------------


def test_signed_assertion_is_valid(web, rsa_key):
    report = run(web, signed_jws(rsa_key), email=ADA)
    assert report["verdict"] == "valid", report
    assert report["version"] == "2.0-signed"
    assert [c["id"] for c in report["checks"]] == [
        "parsed",
        "issuer-found",
        "signature-valid",
        "recipient-matches",
        "not-expired",
        "not-revoked",
    ]


def test_tampered_signed_assertion_is_invalid(web, rsa_key):
    header, payload, signature = signed_jws(rsa_key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["expires"] = "2099-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    report = run(web, f"{header}.{forged}.{signature}")
    assert failed(report) == ["signature-valid"]
    assert "changed after signing" in check(report, "signature-valid")["sentence"]


def test_signed_assertion_in_the_revocation_list_is_invalid(web, rsa_key):
    web.put(REVOCATIONS, ob2.revocation_list(id=REVOCATIONS, issuer=ISSUER, revoked=[(ASSERTION, "Cheated")]))
    report = run(web, signed_jws(rsa_key))
    assert failed(report) == ["not-revoked"] and "Cheated" in report["sentence"]


def test_key_owned_by_another_issuer_is_refused(web, rsa_key):
    web.put(KEY, ob2.cryptographic_key(id=KEY, owner="https://other.example/issuer", public_pem=rsa_key[1]))
    report = run(web, signed_jws(rsa_key))
    assert failed(report) == ["signature-valid"]
    assert "does not belong" in check(report, "signature-valid")["sentence"]


def test_key_elsewhere_must_be_listed_by_the_issuer(web, rsa_key):
    mine = "https://attacker.example/key"
    web.put(mine, ob2.cryptographic_key(id=mine, owner=ISSUER, public_pem=rsa_key[1]))
    report = run(web, signed_jws(rsa_key, verification=ob2.signed_verification(mine)))
    assert failed(report) == ["signature-valid"]


def test_baked_signed_svg_verifies(web, rsa_key):
    report = run(web, baking.bake_svg(SVG, verify=signed_jws(rsa_key)).encode())
    assert report["verdict"] == "valid" and report["version"] == "2.0-signed"


# --- OB 3.0 ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ed_key() -> tuple[bytes, bytes]:
    return dataintegrity.generate_key(os.urandom(32))


def controller_document(public_key: bytes, controller: str = CONTROLLER) -> dict:
    method = {
        "id": f"{controller}#key-1",
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": dataintegrity.multikey(public_key),
    }
    return {"id": controller, "verificationMethod": [method], "assertionMethod": [method["id"]]}


def sign(document: dict, private_key: bytes, method: str = f"{CONTROLLER}#key-1") -> dict:
    return dataintegrity.sign(
        document, private_key=private_key, verification_method=method, created="2026-01-01T00:00:00Z"
    )


def credential(private_key: bytes, *, valid_until=datetime(2027, 1, 1, tzinfo=UTC), email: str = ADA) -> dict:
    document = ob3.credential(
        id=f"{SITE}/credentials/1",
        issuer=ob3.profile(id=CONTROLLER, name="Open Skills", url=SITE),
        achievement=ob3.achievement(
            id=BADGE,
            name="Data Literacy",
            description="Reads data.",
            criteria_narrative="Pass.",
            image=f"{BADGE}/image.png",
        ),
        identity_hash=ob2.hashed_identity(email, SALT),
        salt=SALT,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=valid_until,
        name="Data Literacy",
        status_entry=ob3.status_entry(list_url=STATUS, index=7),
    )
    return sign(document, private_key)


def status_list(private_key: bytes, revoked=()) -> dict:
    document = ob3.status_list_credential(
        id=STATUS, issuer=CONTROLLER, valid_from=datetime(2026, 1, 1, tzinfo=UTC), revoked_indexes=revoked
    )
    return sign(document, private_key)


@pytest.fixture
def web3(web, ed_key) -> Web:
    web.put(CONTROLLER, controller_document(ed_key[1]))
    web.put(STATUS, status_list(ed_key[0]), kind="application/vc+ld+json")
    return web


def test_credential_is_valid(web3, ed_key):
    report = run(web3, json.dumps(credential(ed_key[0])), email=ADA)
    assert report["verdict"] == "valid", report
    assert report["version"] == "3.0"
    assert report["badge"]["name"] == "Data Literacy" and report["badge"]["issuer_name"] == "Open Skills"
    assert [c["id"] for c in report["checks"]] == [
        "parsed",
        "issuer-found",
        "signature-valid",
        "recipient-matches",
        "not-expired",
        "not-revoked",
    ]


def test_credential_by_url_and_baked_verify(web3, ed_key):
    document = credential(ed_key[0])
    web3.put(document["id"], document, kind="application/vc+ld+json")
    assert run(web3, document["id"])["verdict"] == "valid"
    baked_png = baking.bake_png(png_bytes(), json.dumps(document), keyword="openbadgecredential")
    baked_svg = baking.bake_svg(SVG, body=json.dumps(document), version=3).encode()
    assert run(web3, baked_png)["verdict"] == "valid"
    assert run(web3, baked_svg)["verdict"] == "valid"


def test_tampered_credential_is_invalid(web3, ed_key):
    document = credential(ed_key[0])
    document["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    report = run(web3, json.dumps(document))
    assert failed(report) == ["signature-valid"]


def test_revoked_credential_is_invalid(web3, ed_key):
    web3.put(STATUS, status_list(ed_key[0], revoked=[7]))
    report = run(web3, json.dumps(credential(ed_key[0])))
    assert failed(report) == ["not-revoked"]
    assert "revoked" in check(report, "not-revoked")["sentence"]


def test_status_list_signed_by_someone_else_is_refused(web3, ed_key):
    other = dataintegrity.generate_key(os.urandom(32))
    web3.put(STATUS, status_list(other[0]))
    report = run(web3, json.dumps(credential(ed_key[0])))
    assert failed(report) == ["not-revoked"]


def test_expired_credential_is_invalid(web3, ed_key):
    document = credential(ed_key[0], valid_until=datetime(2026, 2, 1, tzinfo=UTC))
    report = run(web3, json.dumps(document))
    assert failed(report) == ["not-expired"]


def test_credential_for_another_identity_hash_is_invalid(web3, ed_key):
    report = run(web3, json.dumps(credential(ed_key[0], email="eve@example.org")), email=ADA)
    assert failed(report) == ["recipient-matches"]


def test_key_not_controlled_by_the_issuer_is_refused(web3, ed_key):
    stranger = "https://stranger.example/controller"
    web3.put(stranger, controller_document(ed_key[1], controller=stranger))
    document = credential(ed_key[0])
    report = run(web3, json.dumps(sign(document, ed_key[0], method=f"{stranger}#key-1")))
    assert failed(report) == ["signature-valid"]
    assert "not to the issuer" in check(report, "signature-valid")["sentence"]


def test_key_not_listed_for_assertion_is_refused(web3, ed_key):
    doc = controller_document(ed_key[1])
    web3.put(CONTROLLER, {**doc, "assertionMethod": []})
    report = run(web3, json.dumps(credential(ed_key[0])))
    assert "not authorised" in check(report, "signature-valid")["sentence"]


def own_url_key(
    web: Web, public_key: bytes, url: str = f"{SITE}/credential-keys/1", listed: bool = True
) -> str:
    """A key at its own URL (as Laurel publishes them), its controller listing it unless told otherwise."""
    method = {
        "id": url,
        "type": "Multikey",
        "controller": CONTROLLER,
        "publicKeyMultibase": dataintegrity.multikey(public_key),
    }
    web.put(url, {"@context": "https://w3id.org/security/multikey/v1", **method})
    document = controller_document(public_key)
    if listed:
        document["verificationMethod"].append(method)
        document["assertionMethod"].append(url)
    web.put(CONTROLLER, document)
    return url


def resign(document: dict, private_key: bytes, method: str) -> dict:
    return sign({k: v for k, v in document.items() if k != "proof"}, private_key, method=method)


def test_key_at_its_own_url_verifies_and_the_old_fragment_form_too(web3, ed_key):
    method = own_url_key(web3, ed_key[1])
    web3.put(STATUS, resign(status_list(ed_key[0]), ed_key[0], method))
    report = run(web3, json.dumps(resign(credential(ed_key[0]), ed_key[0], method)), email=ADA)
    assert report["verdict"] == "valid", report
    assert run(web3, json.dumps(credential(ed_key[0])), email=ADA)["verdict"] == "valid"  # CONTROLLER#key-1


def test_key_at_its_own_url_its_controller_does_not_list_is_refused(web3, ed_key):
    method = own_url_key(web3, ed_key[1], listed=False)
    report = run(web3, json.dumps(resign(credential(ed_key[0]), ed_key[0], method)))
    assert failed(report) == ["signature-valid"]
    assert "not authorised" in check(report, "signature-valid")["sentence"]


def test_key_document_whose_id_is_not_its_url_is_refused(web3, ed_key):
    method = own_url_key(web3, ed_key[1])
    mirror = "https://mirror.example/credential-keys/1"  # a copy elsewhere claiming to be the issuer's key
    web3.put(mirror, json.loads(web3.pages[method][2]))
    report = run(web3, json.dumps(resign(credential(ed_key[0]), ed_key[0], mirror)))
    assert failed(report) == ["signature-valid"]
    assert "not the key document" in check(report, "signature-valid")["sentence"]


def test_1edtech_vector_verifies_as_another_issuers_credential():
    signed = json.loads((VECTOR / "signed-credential.json").read_text())
    method = signed["proof"]["verificationMethod"]
    issuer, _, fragment = method.partition("#")
    web = Web()
    web.put(
        issuer,
        {
            "id": issuer,
            "verificationMethod": [
                {
                    "id": f"#{fragment}",
                    "type": "Multikey",
                    "controller": issuer,
                    "publicKeyMultibase": fragment,
                }
            ],
            "assertionMethod": [f"#{fragment}"],
        },
    )
    report = run(web, json.dumps(signed))
    assert report["verdict"] == "valid", report
    tampered = copy.deepcopy(signed)
    tampered["name"] = "Other"
    assert failed(run(web, json.dumps(tampered))) == ["signature-valid"]


def test_did_key_credential_needs_no_fetch(ed_key):
    did = "did:key:" + dataintegrity.multikey(ed_key[1])
    document = ob3.credential(
        id="urn:uuid:1",
        issuer=ob3.profile(id=did, name="Self"),
        achievement=ob3.achievement(id="urn:uuid:2", name="A", description="B", criteria_narrative="C"),
        identity_hash=ob2.hashed_identity(ADA, SALT),
        salt=SALT,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=None,
        name="A",
    )
    web = Web()
    report = run(web, json.dumps(sign(document, ed_key[0], method=f"{did}#{did[8:]}")))
    assert report["verdict"] == "valid", report
    assert web.fetched == []


def test_url_serving_a_broken_image_is_an_input_error(web):
    loop = f"{SITE}/loop"
    web.put(loop, b"\x89PNG not really", kind="image/png")
    with pytest.raises(InputError):
        run(web, loop)


def test_verify_api_is_rate_limited_per_client(client, monkeypatch):
    import json as _json

    from chalicelib.services.shared import ratelimit

    monkeypatch.setattr(ratelimit, "VERIFY_CLIENT", ratelimit.Limit("verify-client-test", 2, 600))
    statuses = []
    for _ in range(3):
        r = client.http.post(
            "/api/v1/verify", headers={"Content-Type": "application/json"}, body=_json.dumps({"json": "{}"})
        )
        statuses.append(r.status_code)
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    assert _json.loads(r.body)["title"] == "Too many requests"


def test_one_verification_never_makes_more_than_max_fetches_requests():
    from chalicelib.openbadges.verify_base import MAX_FETCHES, Documents

    asked: list[str] = []

    def fetch(url):
        asked.append(url)
        return 200, "application/json", b"{}"

    docs = Documents(fetch)
    for n in range(MAX_FETCHES):
        docs.get(f"https://issuer.example/{n}")
    docs.get("https://issuer.example/0")  # already fetched: answered from memory, not counted
    with pytest.raises(FetchError, match="needs more documents than Laurel fetches"):
        docs.get("https://issuer.example/one-more")
    assert len(asked) == MAX_FETCHES == 12
