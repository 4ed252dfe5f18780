"""Open Badges 3.0 in the product: signed credentials, controller documents, status lists, baked images."""

from __future__ import annotations

import json

from chalicelib.openbadges import baking, ob2
from chalicelib.openbadges.jsonld import CREDENTIALS_V2, OB_V3P0
from chalicelib.store import current
from tests.support.credentials import (
    ADA,
    BASE,
    award,
    credential,
    dynamodb_calls,
    get,
    revoked,
    status_list,
    verifies,
)
from tests.support.inprocess import SVG, Api, data_uri


def test_credential_shape(issuer, badge_class):
    from chalicelib import store
    from chalicelib.services.issuing import awards

    made = award(
        issuer,
        badge_class,
        recipient_name="Ada Lovelace",
        narrative="Built the analysis.",
        evidence=[{"url": "https://skills.example/e/1", "narrative": "The report."}],
    )
    response = get(issuer, f"/public/credentials/{made['id']}")
    assert ADA not in response.body.decode() and "Ada Lovelace" not in response.body.decode()
    document = credential(issuer, made["id"])
    item = awards.find(None, made["id"], store=store.current())

    assert document["@context"] == [CREDENTIALS_V2, OB_V3P0]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"] == f"{BASE}/public/credentials/{made['id']}"
    assert document["issuer"] == {
        "id": f"{BASE}/public/issuers/{issuer.id}/controller",
        "type": ["Profile"],
        "name": "Open Skills Consortium",
        "url": "https://skills.example",
        "email": "badges@skills.example",
    }
    assert document["validFrom"] == ob2.iso8601(item.issued_on)
    assert document["validUntil"] == ob2.iso8601(item.expires)  # the class's two-year rule
    subject = document["credentialSubject"]
    (identifier,) = subject["identifier"]
    hosted = get(issuer, f"/public/assertions/{made['id']}").json
    assert (
        identifier["identityHash"] == hosted["recipient"]["identity"] == ob2.hashed_identity(ADA, item.salt)
    )
    assert identifier == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": identifier["identityHash"],
        "salt": item.salt,
    }
    assert subject["narrative"] == "Built the analysis."
    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE}/public/badges/{badge_class['id']}"
    assert achievement["name"] == "Data Literacy" and achievement["type"] == ["Achievement"]
    assert achievement["criteria"] == {"narrative": "Pass the **data** assessment."}
    assert achievement["image"]["id"] == badge_class["image"]
    assert achievement["tag"] == ["data", "statistics"]
    assert achievement["alignment"][0]["targetName"] == "ESCO data skills"
    assert document["evidence"] == [
        {"type": ["Evidence"], "id": "https://skills.example/e/1", "narrative": "The report."}
    ]
    assert document["image"] == {"id": f"{document['id']}/baked.png", "type": "Image"}
    status = document["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"{BASE}/public/issuers/{issuer.id}/status/0"
    assert status["id"] == f"{status['statusListCredential']}#{status['statusListIndex']}"
    proof = document["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert verifies(issuer, document)
    assert document == credential(issuer, made["id"])  # the same bytes until the award changes


def test_tampered_credential_does_not_verify(issuer, badge_class):
    document = credential(issuer, award(issuer, badge_class)["id"])
    document["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    assert not verifies(issuer, document)


def test_status_index_is_given_once_and_awarding_costs_no_extra_call(issuer, badge_class):
    with dynamodb_calls() as calls:
        made = award(issuer, badge_class)
        bulk = issuer.api.call(
            "POST",
            f"/api/v1/badgeclasses/{badge_class['id']}/assertions/bulk",
            {"assertions": [{"recipient_email": "b1@example.org"}, {"recipient_email": "b2@example.org"}]},
        )
        from tests.support.inprocess import drain_queue

        drain_queue()
    assert bulk.status_code == 202, bulk.body
    assert not [c for c in calls if "STATUS" in json.dumps(c[1]) or "status_index" in json.dumps(c[1])]

    first = credential(issuer, made["id"])
    with dynamodb_calls() as calls:
        second = credential(issuer, made["id"])
    assert first["credentialStatus"] == second["credentialStatus"]
    assert {operation for operation, _ in calls} == {"GetItem"}, calls  # no second allocation
    other = credential(issuer, award(issuer, badge_class, email="grace@example.org")["id"])
    assert other["credentialStatus"]["statusListIndex"] != first["credentialStatus"]["statusListIndex"]


def test_revoke_sets_the_bit_and_leaves_others_alone(client, issuer, badge_class):
    from chalicelib.services.issuing import issuers

    kept, gone = award(issuer, badge_class), award(issuer, badge_class, email="eve@example.org")
    kept_doc, gone_doc = credential(issuer, kept["id"]), credential(issuer, gone["id"])
    assert not revoked(issuer, gone_doc)
    r = issuer.api.call("POST", f"/api/v1/assertions/{gone['id']}/revoke", {"reason": "Fraud"})
    assert r.status_code == 200, r.body
    assert revoked(issuer, gone_doc) and not revoked(issuer, kept_doc)
    assert credential(issuer, gone["id"])["credentialStatus"] == gone_doc["credentialStatus"]  # still served

    item, key = issuers.create_issuer(
        name="Other", url="https://other.example", email="o@other.example", store=current()
    )
    other = type(issuer)(id=item.id, key=key, api=Api(client, key))
    other_badge = other.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {"name": "B", "description": "D", "image": data_uri(_png()), "criteria_narrative": "C"},
    ).json
    other_docs = [
        credential(other, award(other, other_badge, email=f"o{i}@example.org")["id"]) for i in range(2)
    ]
    assert other_docs[0]["issuer"]["id"] != gone_doc["issuer"]["id"]
    assert not any(revoked(other, d) for d in other_docs)


def test_an_award_revoked_before_its_credential_is_served_revoked(issuer, badge_class):
    made = award(issuer, badge_class)
    issuer.api.call("POST", f"/api/v1/assertions/{made['id']}/revoke", {"reason": "Error"})
    document = credential(issuer, made["id"])
    assert verifies(issuer, document) and revoked(issuer, document)


def test_revoke_racing_the_first_credential_request_still_sets_the_bit(issuer, badge_class, monkeypatch):
    from chalicelib.services.issuing import award_changes, awards
    from chalicelib.store import current

    made = award(issuer, badge_class)
    stale = awards.find(None, made["id"], store=current())  # read by revoke before the request gave an index
    document = credential(issuer, made["id"])
    monkeypatch.setattr(award_changes.awards, "find", lambda *_, **__: stale)
    award_changes.revoke(issuer.id, made["id"], "Race", store=current())
    assert revoked(issuer, document)


def test_erased_award_has_no_credential(issuer, badge_class):
    made = award(issuer, badge_class)
    credential(issuer, made["id"])
    assert get(issuer, f"/public/credentials/{made['id']}/baked.png").status_code == 200
    assert issuer.api.call("POST", f"/api/v1/assertions/{made['id']}/erase").status_code == 204
    assert get(issuer, f"/public/credentials/{made['id']}").status_code == 404
    assert get(issuer, f"/public/credentials/{made['id']}/baked.png").status_code == 404
    from tests.support.inprocess import store_snapshot

    assert not [k for k in store_snapshot()["objects"] if made["id"] in k]  # the 3.0 bake is gone too


def test_recertify_re_signs_with_the_new_expiry(issuer, badge_class):
    made = award(issuer, badge_class)
    before = credential(issuer, made["id"])
    r = issuer.api.call(
        "POST", f"/api/v1/assertions/{made['id']}/recertify", {"expires": "2040-01-01T00:00:00Z"}
    )
    assert r.status_code == 200, r.body
    after = credential(issuer, made["id"])
    assert after["validUntil"] == "2040-01-01T00:00:00Z" != before["validUntil"]
    assert verifies(issuer, after) and after["credentialStatus"] == before["credentialStatus"]


def test_rotation_keeps_old_credentials_verifiable(issuer, badge_class):
    made = award(issuer, badge_class)
    old = credential(issuer, made["id"])
    r = issuer.api.call("POST", "/api/v1/issuer/rotate-credential-key")
    assert r.status_code == 200, r.body
    assert r.json["verification_method"] != old["proof"]["verificationMethod"]
    new = credential(issuer, made["id"])
    assert new["proof"]["verificationMethod"] == r.json["verification_method"]
    assert verifies(issuer, old) and verifies(issuer, new)
    controller = get(issuer, f"/public/issuers/{issuer.id}/controller").json
    kids = [
        method.rsplit("/", 1)[1]
        for method in (old["proof"]["verificationMethod"], r.json["verification_method"])
    ]
    keys_base, controller_id = f"{BASE}/public/issuers/{issuer.id}/credential-keys", controller["id"]
    assert controller["assertionMethod"] == [
        f"{keys_base}/{kids[0]}",
        f"{controller_id}#{kids[0]}",  # how credentials handed out before key URLs named it
        f"{keys_base}/{kids[1]}",
        f"{controller_id}#{kids[1]}",
    ]
    assert verifies(issuer, status_list(issuer, new))  # the list is signed with the new key


def test_baked_png_and_svg_carry_the_signed_credential(issuer, badge_class):
    made = award(issuer, badge_class)
    png = get(issuer, f"/public/credentials/{made['id']}/baked.png")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    baked = json.loads(baking.unbake_png(png.body, keyword="openbadgecredential"))
    assert baked == credential(issuer, made["id"]) and verifies(issuer, baked)
    assert get(issuer, f"/public/credentials/{made['id']}/baked.svg").status_code == 404

    svg_class = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "Mentor",
            "description": "Mentored.",
            "image": data_uri(SVG.encode(), "image/svg+xml"),
            "criteria_url": "https://skills.example/mentor",
        },
    ).json
    svg_award = award(issuer, svg_class)
    svg = get(issuer, f"/public/credentials/{svg_award['id']}/baked.svg")
    assert svg.status_code == 200 and svg.headers["Content-Type"] == "image/svg+xml"
    text = svg.body.decode()
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in text
    assert verifies(issuer, json.loads(baking.unbake_svg(text)))


def test_unknown_things_answer_404(issuer, badge_class):
    assert get(issuer, "/public/credentials/nope").status_code == 404
    assert get(issuer, "/public/issuers/nope/controller").status_code == 404
    assert get(issuer, f"/public/issuers/{issuer.id}/status/0").status_code == 404  # no index given yet
    credential(issuer, award(issuer, badge_class)["id"])
    assert get(issuer, f"/public/issuers/{issuer.id}/status/0").status_code == 200
    for number in ("1", "-1", "x", "99999999999"):
        assert get(issuer, f"/public/issuers/{issuer.id}/status/{number}").status_code == 404
    assert (
        get(
            issuer, f"/public/credentials/{award(issuer, badge_class, email='z@example.org')['id']}/x"
        ).status_code
        == 404
    )
    # an issuer with no key yet has an empty controller document
    from chalicelib.services.issuing import issuers

    fresh, _ = issuers.create_issuer(
        name="New", url="https://new.example", email="n@new.example", store=current()
    )
    empty = get(issuer, f"/public/issuers/{fresh.id}/controller").json
    assert empty["verificationMethod"] == [] and empty["assertionMethod"] == []


def _png() -> bytes:
    from tests.support.inprocess import png_bytes

    return png_bytes()


def test_each_key_answers_at_its_own_url_only_under_its_issuer(issuer, badge_class):
    from chalicelib.services.issuing import issuers

    document = credential(issuer, award(issuer, badge_class)["id"])
    method = document["proof"]["verificationMethod"]
    assert method.startswith(f"{BASE}/public/issuers/{issuer.id}/credential-keys/")
    kid = method.rsplit("/", 1)[1]
    with dynamodb_calls() as calls:
        assert get(issuer, method.removeprefix(BASE)).status_code == 200
    assert [name for name, _ in calls] in ([], ["GetItem"])  # one read, none once cached
    # another issuer's path never answers this key: it would claim that issuer as its controller
    other, _ = issuers.create_issuer(
        name="Other", url="https://other.example", email="o@other.example", store=current()
    )
    assert get(issuer, f"/public/issuers/{other.id}/credential-keys/{kid}").status_code == 404
    for wrong in ("nope", "x" * 300):
        assert get(issuer, f"/public/issuers/{issuer.id}/credential-keys/{wrong}").status_code == 404


def test_old_fragment_methods_still_resolve_to_the_same_key(issuer, badge_class):
    document = credential(issuer, award(issuer, badge_class)["id"])
    method = document["proof"]["verificationMethod"]
    controller = get(issuer, f"/public/issuers/{issuer.id}/controller").json
    legacy = f"{controller['id']}#{method.rsplit('/', 1)[1]}"
    by_id = {m["id"]: m for m in controller["verificationMethod"]}
    assert legacy in controller["assertionMethod"]
    assert by_id[legacy]["publicKeyMultibase"] == by_id[method]["publicKeyMultibase"]
    assert by_id[legacy]["type"] == "Multikey" and by_id[legacy]["controller"] == controller["id"]


def test_a_bake_cached_before_keys_had_their_own_url_is_replaced_then_erased(issuer, badge_class):
    from chalicelib import store
    from chalicelib.services.issuing import awards
    from chalicelib.store import bucket
    from tests.support.inprocess import store_snapshot

    made = award(issuer, badge_class)
    current = credential(issuer, made["id"])
    kid = current["proof"]["verificationMethod"].rsplit("/", 1)[1]
    old = {**current, "proof": {**current["proof"], "verificationMethod": f"{current['issuer']['id']}#{kid}"}}
    cached = f"baked/{made['id']}/v{awards.find(None, made['id'], store=store.current()).version}.ob3.png"
    bucket.put(cached, baking.bake_png(_png(), json.dumps(old), keyword="openbadgecredential"), "image/png")
    png = get(issuer, f"/public/credentials/{made['id']}/baked.png")
    baked = json.loads(baking.unbake_png(png.body, keyword="openbadgecredential"))
    assert baked["proof"]["verificationMethod"] == current["proof"]["verificationMethod"]
    assert verifies(issuer, baked)
    assert issuer.api.call("POST", f"/api/v1/assertions/{made['id']}/erase").status_code == 204
    assert not [k for k in store_snapshot()["objects"] if made["id"] in k]  # old and new bakes both gone
