"""Open Badges 3.0 credentials in-process: award, fetch a credential, check its proof against the issuer's
published key and its status list; count the DynamoDB calls a block makes."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from chalicelib.openbadges import dataintegrity, ob3
from tests.support.inprocess import Api

ADA = "ada@example.org"


BASE = "https://badges.example"


def award(issuer, badge, email=ADA, **extra) -> dict:
    response = issuer.api.call(
        "POST", f"/api/v1/badgeclasses/{badge['id']}/assertions", {"recipient_email": email, **extra}
    )
    assert response.status_code == 201, response.body
    return response.json


def get(issuer, path: str):
    accept = "image/png" if path.endswith(".png") else "*/*"
    return Api(issuer.api.client, None).call("GET", path, headers={"Accept": accept})


def credential(issuer, assertion_id: str) -> dict:
    response = get(issuer, f"/public/credentials/{assertion_id}")
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "application/vc+ld+json"
    return response.json


def controller_key(issuer, document: dict) -> bytes:
    """The public key of the credential's verification method, read as the DCC's wallets read it: the
    method's URL answers the Multikey itself, and its controller (the issuer) lists it for assertions."""
    method_id = document["proof"]["verificationMethod"]
    issuer_id = document["issuer"]["id"] if isinstance(document["issuer"], dict) else document["issuer"]
    assert "#" not in method_id
    response = get(issuer, method_id.removeprefix(BASE))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/ld+json"
    method = response.json
    assert method["id"] == method_id and method["type"] == "Multikey" and method["controller"] == issuer_id
    assert method["@context"] == "https://w3id.org/security/multikey/v1"
    response = get(issuer, issuer_id.removeprefix(BASE))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/ld+json"
    controller = response.json
    assert controller["id"] == issuer_id and method_id in controller["assertionMethod"]
    assert (
        method.items() - {("@context", method["@context"])}
        <= next(m for m in controller["verificationMethod"] if m["id"] == method_id).items()
    )
    return dataintegrity.public_key_from_multikey(method["publicKeyMultibase"])


def verifies(issuer, document: dict) -> bool:
    return dataintegrity.verify(document, controller_key(issuer, document))


def status_list(issuer, document: dict) -> dict:
    url = document["credentialStatus"]["statusListCredential"]
    response = get(issuer, url.removeprefix(BASE))
    assert response.status_code == 200, response.body
    assert "max-age=60" in response.headers["Cache-Control"]
    listed = response.json
    assert verifies(issuer, listed)
    assert listed["issuer"] == document["issuer"]["id"]
    return listed


def revoked(issuer, document: dict) -> bool:
    return ob3.is_revoked(status_list(issuer, document), int(document["credentialStatus"]["statusListIndex"]))


@contextmanager
def dynamodb_calls():
    """Every DynamoDB call made inside the block, as (operation, params)."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    calls: list[tuple[str, dict]] = []

    def counted(client, operation_name, api_params):
        if client.meta.service_model.endpoint_prefix == "dynamodb":
            calls.append((operation_name, api_params))
        return original(client, operation_name, api_params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", counted)
        yield calls
