"""Accounts made before issue 11 have no `ways_in` and no `passkeys` on their DynamoDB profile: every one in
production does. They must get their first identity and passkey, keep the most, and lose a way in only
to their password, as if both counts were 0. DynamoDB only (a memory profile always has its counts)."""

from __future__ import annotations

import pytest
from moto import mock_aws

from chalicelib.errors import Changed
from chalicelib.store.identities import Identity
from chalicelib.store.passkeys import Passkey
from tests.support.stored import AT, registered


@pytest.fixture
def legacy():
    """A DynamoStore holding ada, registered with a password, her profile stripped of both counts."""
    from chalicelib.store import aws
    from chalicelib.store.dynamo import DynamoStore
    from chalicelib.store.dynamo.models import AccountItem, reset_connections
    from local.bootstrap import bootstrap

    with mock_aws():
        aws.reset()
        reset_connections()
        bootstrap(None)
        store = DynamoStore()
        registered(store)
        profile = AccountItem("ACCOUNT#ada", "PROFILE")
        profile.update(actions=[AccountItem.ways_in.remove(), AccountItem.passkeys.remove()])
        key = {"pk": {"S": "ACCOUNT#ada"}, "sk": {"S": "PROFILE"}}
        raw = aws.client("dynamodb").get_item(TableName=AccountItem.Meta.table_name, Key=key)["Item"]
        assert "ways_in" not in raw and "passkeys" not in raw
        yield store


def passkey(credential_id: str) -> Passkey:
    return Passkey(credential_id, "ada", b"cose", 0, "Phone", AT)


def test_an_account_from_before_reads_as_no_way_in_but_its_password(legacy):
    assert legacy.accounts.get("ada").ways_in == 0


def test_it_gets_passkeys_up_to_the_most(legacy):
    legacy.passkeys.add(passkey("c1"), most=2)
    legacy.passkeys.add(passkey("c2"), most=2)
    with pytest.raises(Changed):
        legacy.passkeys.add(passkey("c3"), most=2)
    assert legacy.accounts.get("ada").ways_in == 2


def test_it_links_and_unlinks_an_identity_with_its_password_left(legacy):
    legacy.identities.link(Identity("google", "g-1", "ada", AT))
    assert legacy.accounts.get("ada").ways_in == 1
    legacy.identities.unlink("ada", "google", "g-1")
    assert legacy.accounts.get("ada").ways_in == 0
