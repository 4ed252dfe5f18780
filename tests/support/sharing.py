"""Sharing in-process: an earner made straight in the store and signed in; a badge made public."""

from __future__ import annotations

from tests.support.earners import Browser


def make_earner(client, email: str, first: str = "Ada", last: str = "Lovelace") -> Browser:
    """A verified, signed-in account holding `email` (made directly in the store)."""
    from chalicelib.services.earners import sessions
    from chalicelib.services.shared import ids
    from chalicelib.store import current
    from chalicelib.store.dynamo.models import AccountEmailItem, AccountItem, EmailItem

    at, account_id = ids.now(), ids.new_id()
    account = AccountItem(
        f"ACCOUNT#{account_id}",
        "PROFILE",
        id=account_id,
        first_name=first,
        last_name=last,
        password_hash="-",
        primary_email=email,
        created_at=at,
        updated_at=at,
    )
    account.save()
    EmailItem(
        f"EMAIL#{email}", "EMAIL", email=email, account_id=account_id, verified=True, created_at=at
    ).save()
    AccountEmailItem(account.pk, f"EMAIL#{email}", email=email, verified=True, created_at=at).save()
    browser = Browser(client)
    browser.cookies["__Host-laurel_session"] = sessions.start(account, store=current())
    browser.account = account
    return browser


def award(issuer, badge_id: str, email: str, **body) -> str:
    r = issuer.api.call(
        "POST", f"/api/v1/badgeclasses/{badge_id}/assertions", {"recipient_email": email, **body}
    )
    assert r.status_code == 201, r.body
    return r.json["id"]


def make_public(browser: Browser, assertion_id: str, public: bool = True):
    form = {"csrf_token": browser.csrf(), "public": "1" if public else "0"}
    return browser.post(f"/backpack/{assertion_id}/privacy", form)
