"""Merging accounts in-process: a verified account made by the services, signed in; the merge form; what a
finished merge leaves and what a busy store answers."""

from __future__ import annotations

from chalicelib.store import current
from tests.support.earners import PASSWORD, Browser, csrf_token

OTHER_PASSWORD = "another long passphrase 77"


def make_account(email: str, password: str = PASSWORD, *extra: str, first: str = "Ada"):
    """A verified account holding `email` (primary) and the `extra` addresses, all verified."""
    from chalicelib.services.earners import accounts, activation

    store = current()
    account = accounts.register(accounts.Registration(email, first, "Lovelace", password), store=store)
    activation.verify_owner(account, email, store=store)
    for address in extra:
        store.accounts.add_address(account.id, address, holder=None, at=account.created_at)
        activation.verify_owner(account, address, store=store)
    return account


def sign_in(client, email: str, password: str = PASSWORD) -> Browser:
    browser = Browser(client)
    r = browser.post("/login", {"csrf_token": browser.csrf(), "email": email, "password": password})
    assert r.status_code == 303, r.text
    return browser


def merge_form(browser, email: str, **form):
    page = browser.get(f"/settings/emails/merge?email={email}")
    assert page.status_code == 200, page.text
    form = {"csrf_token": csrf_token(page.text), "email": email, **form}
    return browser.post("/settings/emails/merge", form)


OLD = ["old@example.org", "old2@example.org", "old3@example.org"]


def assert_merged(ada, old, awarded: set[str]) -> None:
    from chalicelib.services.backpack import shelf

    store = current()

    def listed(account) -> list[str]:
        return [i.email for i in store.accounts.addresses(account.id, consistent=True)]

    assert sorted(listed(ada)) == sorted(["ada@example.org", *OLD])  # each once, nothing lost
    assert listed(old) == []
    assert {store.accounts.owner_of(e).account_id for e in OLD} == {ada.id}
    assert store.accounts.merge_record(ada.id, old.id).state == "done"
    assert store.accounts.get(old.id).merged_into == ada.id
    assert {b.id for b in shelf.list_badges(store.accounts.get(ada.id), store=store)} == awarded


def assert_busy_page(r) -> None:
    assert r.status_code == 503 and r.headers["Retry-After"] == "2", r.text
    assert "Busy right now" in r.text
