"""Issue 9, pattern 1 elsewhere: an API key revoked (say, after it leaked) stops working at once, for
whoever holds it: the key is looked up with a strongly consistent read, never a stale replica."""

from __future__ import annotations

from chalicelib.store import current
from tests.support.credentials import dynamodb_calls


def test_a_revoked_key_is_refused_by_the_very_next_request(issuer):
    made = issuer.api.call("POST", "/api/v1/keys", {"label": "ci"})
    assert made.status_code == 201, made.body
    leaked = type(issuer.api)(issuer.api.client, made.json["api_key"])
    assert issuer.api.call("POST", f"/api/v1/keys/{made.json['id']}/revoke").status_code == 200
    with dynamodb_calls() as calls:
        refused = leaked.call("GET", "/api/v1/issuer")
    assert refused.status_code == 401
    lookups = [params for operation, params in calls if operation == "GetItem" and "APIKEY#" in repr(params)]
    assert lookups and all(params.get("ConsistentRead") for params in lookups)  # was: eventually consistent


def test_api_keys_are_counted_as_they_are_made_and_capped(memory_issuer, monkeypatch):
    """Every GET /keys and revoke reads all of an issuer's keys: their number is bounded, counted first."""
    from chalicelib.services.issuing import issuers

    # The first key, made with the issuer, counts too.
    monkeypatch.setattr(issuers, "MAX_API_KEYS", 3, raising=False)
    made = [memory_issuer.api.call("POST", "/api/v1/keys", {"label": f"k{i}"}).status_code for i in range(3)]
    assert made == [201, 201, 409]  # was: 201 for every one, without end
    refused = memory_issuer.api.call("POST", "/api/v1/keys", {"label": "more"})
    assert refused.status_code == 409 and "at most 3 API keys" in refused.json["detail"]
    assert len(memory_issuer.api.call("GET", "/api/v1/keys").json["items"]) == 3


def test_credential_key_rotations_are_counted_and_capped(issuer, badge_class, monkeypatch):
    """Every key ever made is listed in the public controller document: their number is bounded too."""
    from chalicelib.services.hosting import credential_keys
    from tests.support.credentials import award, credential

    monkeypatch.setattr(credential_keys, "MAX_CREDENTIAL_KEYS", 2, raising=False)
    credential(issuer, award(issuer, badge_class)["id"])  # the first key, made on first need
    rotations = [issuer.api.call("POST", "/api/v1/issuer/rotate-credential-key") for _ in range(2)]
    assert [r.status_code for r in rotations] == [200, 409]  # was: 200, without end
    assert "at most 2 credential keys" in rotations[1].json["detail"]
    controller = issuer.api.call("GET", f"/public/issuers/{issuer.id}/controller").json
    assert (
        len(controller["assertionMethod"]) >= 2
        and len(credential_keys.list_keys(issuer.id, store=current())) == 2
    )
