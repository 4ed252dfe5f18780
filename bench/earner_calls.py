"""AWS calls of the earner's pages, counted exactly against in-process moto (aws_calls' counter and world).

`python bench/earner_calls.py`

- A backpack of 5,000 accepted badges (and, for comparison, one of 10): an active account signed in with a
  session cookie; its awards are made by bulk requests and the worker and accepted through the awards
  repository (setup, not counted). Then one GET of /backpack, of the accepted tab, of its second page and of
  /dashboard, each after one warm-up GET.
- The claim-to-accept flow of a new earner, from the emailed claim link: the claim page, the
  registration form (CSRF double-submit: the cookie and hidden field come from the page before), the
  code from the activation mail, the backpack the activation redirects to, accepting the badge and the
  page that redirect shows. One earner goes through it first, uncounted, so the counted one is warm.
  Activation by the mail's link and a later sign-in are measured on their own, outside the total.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from aws_calls import Harness, calls_row, moto_world  # noqa: E402  (sets the environment, ROOT on the path)

from chalicelib.store import current  # noqa: E402
from tests.support.earners import (  # noqa: E402
    PASSWORD,
    Browser,
    activation_code,
    activation_path,
    csrf_token,
    registration,
)

BACKPACK_BADGES = 5000
SMALL_BACKPACK = 10
BADGE_CLASSES = 5  # the awards come from this many badge classes of one issuer
MORE = re.compile(r'href="(/backpack\?tab=accepted&amp;after=[^"]+)"')


def _last_mail_to(email: str):
    """The newest message moto's SES holds for this address (HTML body for SendEmail)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    for message in reversed(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages):
        if message.destinations["ToAddresses"] == [email]:
            return message
    raise AssertionError(f"no mail to {email}")


def _signed_in(h: Harness, email: str) -> tuple[Browser, object]:
    """An active account holding `email`, made by the services, and a browser with its session cookie."""
    from chalicelib.services.earners import accounts, activation, sessions
    from chalicelib.store import current
    from chalicelib.web.sessions import COOKIE

    store = current()
    account = accounts.register(accounts.Registration(email, "Ada", "Lovelace", PASSWORD), store=store)
    activation.verify_owner(account, email, store=store)
    browser = Browser(h.client)
    browser.cookies[COOKIE] = sessions.start(account, store=store)
    return browser, account


def _awarded_and_accepted(h: Harness, account, email: str, n: int, badge_ids: list[str]) -> None:
    """n awards to `email` spread over the badge classes (bulk request + worker), each accepted."""
    from chalicelib.services.shared import ids

    per_class = -(-n // len(badge_ids))
    for k, badge_id in enumerate(badge_ids):
        rows = min(per_class, n - k * per_class)
        body = {"recipient_email": email, "notify": False, "allow_duplicate": True}
        response = h.call(
            "POST", f"/api/v1/badgeclasses/{badge_id}/assertions/bulk", {"assertions": [body] * rows}
        )
        assert response.status_code == 202, response.body[:2000]
    h.drain_queue()
    store, found, cursor = current(), [], None
    while True:
        page, cursor = store.awards.to(email, limit=1000, cursor=cursor)
        found += page
        if not cursor:
            break
    assert len(found) == n, (len(found), n)
    for award in found:
        store.awards.accept(award, at=ids.now())


def _count(h: Harness, rows: list[dict], name: str, request, *, note: str = "", expect: int = 200):
    """Make one request (a callable), counted as a row; returns the response."""
    with h.counter.measure() as calls:
        response = request()
    assert response.status_code == expect, (name, response.status_code, response.text[:2000])
    rows.append(calls_row(name, calls, note=note))
    return response


def _shown(page) -> int:
    """How many badges a backpack page lists."""
    return page.text.count('<li id="badge-')


def backpack_paths(h: Harness) -> tuple[list[dict], dict]:
    """Backpack and dashboard pages of an earner with 5,000 accepted badges, and of one with 10."""
    from chalicelib.services.backpack.shelf import PER_TAB

    with h.counter.pause():
        badge_ids = [h.badge_id] + [
            h.new_badge_class(f"Bench Badge {i}") for i in range(2, BADGE_CLASSES + 1)
        ]
        small, small_account = _signed_in(h, "small@bench.example")
        _awarded_and_accepted(h, small_account, "small@bench.example", SMALL_BACKPACK, badge_ids)
        big, big_account = _signed_in(h, "collector@bench.example")
        _awarded_and_accepted(h, big_account, "collector@bench.example", BACKPACK_BADGES, badge_ids)
        small.get("/backpack")  # warm-up: the first page render of the process
        small.get("/dashboard")

    rows: list[dict] = []
    n = BACKPACK_BADGES
    page = _count(h, rows, f"backpack {n}: GET /backpack", lambda: big.get("/backpack"))
    shown = _shown(page)
    rows[-1]["note"] = f"first page: {shown} of {n} shown"
    accepted = _count(
        h, rows, f"backpack {n}: GET /backpack?tab=accepted", lambda: big.get("/backpack?tab=accepted")
    )
    more = MORE.search(accepted.text)
    assert more, "no 'Older badges' link on the first page"
    second = more.group(1).replace("&amp;", "&")
    page_two = _count(h, rows, f"backpack {n}: accepted tab, second page", lambda: big.get(second))
    rows[-1]["note"] = f"{_shown(page_two)} more shown"
    _count(h, rows, f"backpack {n}: GET /dashboard", lambda: big.get("/dashboard"))
    m = SMALL_BACKPACK
    _count(h, rows, f"backpack {m}: GET /backpack (comparison)", lambda: small.get("/backpack"))
    _count(h, rows, f"backpack {m}: GET /dashboard (comparison)", lambda: small.get("/dashboard"))
    facts = {
        "badges": n,
        "badge_classes": BADGE_CLASSES,
        "page_size": PER_TAB,
        "shown_first_page": shown,
    }
    return rows, facts


def _claim_path(h: Harness, email: str) -> tuple[str, str]:
    """Award a badge to `email` (notice mailed by the worker); (assertion id, claim path from the mail)."""
    assertion_id = h.award(email)
    h.drain_queue()
    claim_url = json.loads(_last_mail_to(email).template_data)["claim_url"]
    return assertion_id, urlsplit(claim_url).path


def _register(h: Harness, browser: Browser, rows: list[dict], claim: str, label: str):
    """GET the claim page, then POST /register from it; returns the registration's response."""
    page = _count(h, rows, f"{label}GET /claim/{{token}}", lambda: browser.get(claim))
    assert "readonly" in page.text, "the claim page does not show the address fixed"
    form = registration(claim.rsplit("/", 1)[-1], csrf_token(page.text))
    return _count(h, rows, f"{label}POST /register (mails the code)", lambda: browser.post("/register", form))


def _claim_to_accept(h: Harness, email: str, label: str) -> tuple[list[dict], Browser]:
    """One earner's steps from the claim mail's link to an accepted badge, each counted as a row."""
    assertion_id, claim = _claim_path(h, email)
    browser = Browser(h.client)
    rows: list[dict] = []
    activate_page = _register(h, browser, rows, claim, label)
    code = activation_code(_last_mail_to(email).body)
    form = {"csrf_token": csrf_token(activate_page.text), "email": email, "code": code, "password": PASSWORD}
    done = _count(
        h,
        rows,
        f"{label}POST /activate (code; signs in)",
        lambda: browser.post("/activate", form),
        expect=303,
    )
    assert done.headers["Location"] == "/backpack", done.headers
    page = _count(h, rows, f"{label}GET /backpack (redirect)", lambda: browser.get("/backpack"))
    assert f'id="badge-{assertion_id}"' in page.text and "Pending" in page.text
    accept = {"csrf_token": csrf_token(page.text)}
    moved = _count(
        h,
        rows,
        f"{label}POST /backpack/{{id}}/accept",
        lambda: browser.post(f"/backpack/{assertion_id}/accept", accept),
        expect=303,
    )
    location = moved.headers["Location"].split("#", 1)[0]
    shown = _count(h, rows, f"{label}GET /backpack?tab=accepted (redirect)", lambda: browser.get(location))
    assert f'id="badge-{assertion_id}"' in shown.text
    return rows, browser


def claim_paths(h: Harness) -> list[dict]:
    """The claim-to-accept flow (warm), its total, activation by link and a later sign-in."""
    with h.counter.pause():
        _claim_to_accept(h, "warmup-earner@bench.example", "")
    rows, browser = _claim_to_accept(h, "newcomer@bench.example", "claim flow: ")
    total = Counter()
    for row in rows:
        total.update(row["calls"])
    rows.append(calls_row(f"claim flow: total ({len(rows)} requests)", total))

    with h.counter.pause():
        _assertion_id, claim = _claim_path(h, "linked@bench.example")
        other = Browser(h.client)
        _register(h, other, [], claim, "")
        link = activation_path(_last_mail_to("linked@bench.example").body)
    page = _count(h, rows, "activation by link: GET /activate/{token}", lambda: other.get(link))
    form = {"csrf_token": csrf_token(page.text), "password": PASSWORD}
    _count(h, rows, "activation by link: POST (signs in)", lambda: other.post(link, form), expect=303)

    login = _count(h, rows, "sign in later: GET /login", lambda: browser.get("/login"))
    form = {"csrf_token": csrf_token(login.text), "email": "newcomer@bench.example", "password": PASSWORD}
    _count(h, rows, "sign in later: POST /login", lambda: browser.post("/login", form), expect=303)
    return rows


def notes(result: dict) -> list[str]:
    """What the backpack figures show beyond the counts: the same calls whatever the badges held."""
    b, by_path = result["backpack"], {row["path"]: row for row in result["rows"]}
    big = by_path[f"backpack {b['badges']}: GET /backpack"]
    small = by_path[f"backpack {SMALL_BACKPACK}: GET /backpack (comparison)"]
    return [
        f"- Backpack pages show {b['page_size']} badges and cost the same whatever the account holds:"
        f" {big['dynamodb']} DynamoDB calls with {b['badges']} badges ({big['operations']})"
        f" against {small['dynamodb']} with {SMALL_BACKPACK} ({small['operations']}): per address one"
        " Query for the counts and the expired awards and one for the tab's page, then one BatchGet of"
        " the badge classes and issuers shown (store/shelves.py)."
    ]


def run() -> dict:
    """Both, in one fresh moto world. Returns {"rows": [...], "backpack": {...}}."""
    with moto_world() as harness:
        backpack_rows, backpack = backpack_paths(harness)
        claim_rows = claim_paths(harness)
    return {"rows": backpack_rows + claim_rows, "backpack": backpack}


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    out = run()
    for row in out["rows"]:
        print({k: v for k, v in row.items() if k != "calls"})
    print(out["backpack"])
