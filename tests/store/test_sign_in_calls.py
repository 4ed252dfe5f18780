"""What each new repository method costs on DynamoDB, call by call: the sign-in paths make a bounded,
known number of calls (never a Scan), as each method's docstring says. Counted at botocore, so PynamoDB's
calls are seen too; on in-process moto only (the memory store makes no calls)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from moto import mock_aws

from chalicelib.store.ceremonies import Ceremony
from chalicelib.store.codes import LinkCode, OneTimeToken, SignupCode
from chalicelib.store.identities import Identity
from chalicelib.store.passkeys import Passkey
from tests.support.stored import AT, LATER, account, registered

EXPIRES = 4_000_000_000
GOOGLE = Identity("google", "g-1", "ada", AT)
PASSKEY = Passkey("cred-1", "ada", b"cose", 0, "Phone", AT)
SIGNUP = SignupCode("new@example.org", "hash", "salt", "t1", EXPIRES)
SIGNUP_LINK = OneTimeToken("t1", "signup", "", "new@example.org", EXPIRES)
LINK = LinkCode("ada@example.org", "c1", "ada", "hash", "salt", EXPIRES)

# (what is done, the calls it makes); each runs on the state the ones before it left
PATHS = [
    ("identities.listing, none yet", lambda s: s.identities.listing("ada"), ["Query"]),
    ("identities.link", lambda s: s.identities.link(GOOGLE), ["TransactWriteItems"]),
    ("identities.owner", lambda s: s.identities.owner("google", "g-1"), ["GetItem"]),
    ("identities.touch", lambda s: s.identities.touch("google", "g-1", at=LATER), ["UpdateItem"]),
    ("identities.listing", lambda s: s.identities.listing("ada"), ["Query", "BatchGetItem"]),
    ("identities.unlink", lambda s: s.identities.unlink("ada", "google", "g-1"), ["TransactWriteItems"]),
    ("passkeys.add", lambda s: s.passkeys.add(PASSKEY, most=10), ["TransactWriteItems"]),
    ("passkeys.get", lambda s: s.passkeys.get("cred-1"), ["GetItem"]),
    (
        "passkeys.used",
        lambda s: s.passkeys.used("cred-1", old_count=0, new_count=1, at=LATER),
        ["UpdateItem"],
    ),
    ("passkeys.rename", lambda s: s.passkeys.rename("ada", "cred-1", "Laptop"), ["UpdateItem"]),
    ("passkeys.listing", lambda s: s.passkeys.listing("ada"), ["Query", "BatchGetItem"]),
    ("passkeys.remove", lambda s: s.passkeys.remove("ada", "cred-1"), ["TransactWriteItems"]),
    ("ceremonies.put", lambda s: s.ceremonies.put(Ceremony("h1", "oidc", "b1", EXPIRES)), ["PutItem"]),
    ("ceremonies.get", lambda s: s.ceremonies.get("h1"), ["GetItem"]),
    ("ceremonies.take", lambda s: s.ceremonies.take("h1"), ["DeleteItem"]),
    ("ceremonies.take, spent", lambda s: s.ceremonies.take("h1"), ["DeleteItem"]),
    (
        "codes.replace_signup",
        lambda s: s.codes.replace_signup(SIGNUP, SIGNUP_LINK, previous=None),
        ["TransactWriteItems"],
    ),
    ("codes.signup_code", lambda s: s.codes.signup_code("new@example.org"), ["GetItem"]),
    ("codes.try_signup_code", lambda s: s.codes.try_signup_code("new@example.org", below=5), ["UpdateItem"]),
    (
        "codes.drop_signup",
        lambda s: s.codes.drop_signup("new@example.org"),
        ["GetItem", "TransactWriteItems"],
    ),
    ("codes.put_link_code", lambda s: s.codes.put_link_code(LINK), ["PutItem"]),
    ("codes.link_code", lambda s: s.codes.link_code("ada@example.org"), ["GetItem"]),
    ("codes.try_link_code", lambda s: s.codes.try_link_code("ada@example.org", below=5), ["UpdateItem"]),
    ("codes.drop_link_code", lambda s: s.codes.drop_link_code("ada@example.org"), ["DeleteItem"]),
    (
        "accounts.create_verified",
        lambda s: s.accounts.create_verified(
            replace(account("bob", "bob@example.org"), password_hash=None),
            "bob@example.org",
            holder=None,
            identity=replace(GOOGLE, account_id="bob"),
        ),
        ["TransactWriteItems"],
    ),
]


@pytest.fixture
def dynamo():
    from chalicelib.store import aws
    from chalicelib.store.dynamo import DynamoStore
    from chalicelib.store.dynamo.models import reset_connections
    from local.bootstrap import bootstrap

    with mock_aws():
        aws.reset()
        reset_connections()
        bootstrap(None)
        yield DynamoStore()


def test_each_sign_in_store_call_costs_what_its_docstring_says(dynamo, monkeypatch):
    from botocore.client import BaseClient

    registered(dynamo)
    calls: list[str] = []
    original = BaseClient._make_api_call

    def record(client, operation, params):
        calls.append(operation)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    made = {}
    for name, path, _ in PATHS:
        calls.clear()
        path(dynamo)
        made[name] = list(calls)
    assert made == {name: expected for name, _, expected in PATHS}
