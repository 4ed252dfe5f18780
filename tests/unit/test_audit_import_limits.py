"""Issue 9, pattern 2 elsewhere: an import verifies (and may fetch 12 URLs) just like /verify, and viewing
an imported badge verifies it again. Both count against the same per-client verification limit, first."""

from __future__ import annotations

import pytest

from chalicelib.store import current
from tests.support.accounts import ADA
from tests.support.imports import award, make_account, signed_in, stored_imports


@pytest.fixture
def two_verifications(monkeypatch):
    from chalicelib.services.shared import ratelimit

    monkeypatch.setattr(ratelimit, "VERIFY_CLIENT", ratelimit.Limit("verify-client-audit", 2, 600))


def test_imports_count_against_the_verification_limit_before_fetching(
    client, issuer, badge_class, web, two_verifications
):
    account = make_account(ADA)
    browser = signed_in(client, account)
    token = browser.csrf("/backpack/import")
    urls = [award(issuer, badge_class)["public_url"] for _ in range(3)]
    for url in urls[:2]:
        r = browser.post("/backpack/import", {"csrf_token": token, "url": url})
        assert r.status_code == 303, r.text
    fetched = len(web)
    r = browser.post("/backpack/import", {"csrf_token": token, "url": urls[2]})
    assert r.status_code == 429, r.text  # was: 303, a third verification with no limit at all
    assert "Too many verifications" in r.text
    assert len(web) == fetched  # refused before anything was fetched
    assert len(stored_imports(account)) == 2


def test_viewing_an_import_re_verifies_within_the_same_limit(
    client, issuer, badge_class, web, two_verifications
):
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    done = imports.import_badge(
        account, url=award(issuer, badge_class)["public_url"], store=current()
    )  # service: not counted
    browser = signed_in(client, account)
    path = f"/backpack/imported/{done.item.digest}"
    assert [browser.get(path).status_code for _ in range(2)] == [200, 200]
    fetched = len(web)
    r = browser.get(path)
    assert r.status_code == 429  # was: 200 and another round of fetches on every view
    assert len(web) == fetched
