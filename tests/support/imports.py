"""Backpack imports in-process: an account made straight in the store, signed in; what imports stored."""

from __future__ import annotations

from tests.support.accounts import ADA
from tests.support.earners import Browser


def make_account(*emails: str, unverified: tuple[str, ...] = ()):
    """An account whose first addresses are verified (as activation and merging leave them)."""
    from chalicelib.services.shared import ids
    from chalicelib.store.dynamo.models import AccountEmailItem, AccountItem, EmailItem

    at, account_id = ids.now(), ids.new_id()
    account = AccountItem(
        f"ACCOUNT#{account_id}",
        "PROFILE",
        id=account_id,
        first_name="Ada",
        last_name="Lovelace",
        password_hash="x",
        primary_email=emails[0],
        created_at=at,
        updated_at=at,
    )
    account.save()
    for email in (*emails, *unverified):
        verified = email in emails
        EmailItem(
            f"EMAIL#{email}", "EMAIL", email=email, account_id=account_id, verified=verified, created_at=at
        ).save()
        AccountEmailItem(account.pk, f"EMAIL#{email}", email=email, verified=verified, created_at=at).save()
    return account


def signed_in(client, account) -> Browser:
    from chalicelib.services.earners import sessions
    from chalicelib.store import current
    from chalicelib.web.sessions import COOKIE

    browser = Browser(client)
    browser.cookies[COOKIE] = sessions.start(account, store=current())
    return browser


def award(issuer, badge_class, email: str = ADA) -> dict:
    r = issuer.api.call(
        "POST",
        f"/api/v1/badgeclasses/{badge_class['id']}/assertions",
        {"recipient_email": email, "notify": False, "allow_duplicate": True},
    )
    assert r.status_code == 201, r.body
    return r.json


def stored_imports(account) -> list:
    from chalicelib.store import current

    return current().imports.newest(account.id, limit=1000)


def import_objects() -> list[str]:
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client

    found = client("s3").list_objects_v2(Bucket=get_settings().bucket, Prefix="imports/")
    return [o["Key"] for o in found.get("Contents", [])]
