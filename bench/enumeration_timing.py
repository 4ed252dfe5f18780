"""Forgot-password and activation-resend timing for known and unknown addresses, over HTTP against the
whole local stack.

`python bench/enumeration_timing.py [N]` starts moto, the pump and `chalice local` on free ports, makes N
activated and N waiting (not yet activated) accounts directly in the store, then times N POSTs of
/password/forgot for the activated addresses and N of /activate/resend for the waiting ones, each against
N addresses no account uses, the two kinds alternating, each from a fresh client with its own CSRF
cookie (only the POST is timed). Every address is asked for once, so per-address limits never cut a
request short. Prints the medians and their ratio; a ratio near 1.00 means the timing tells nothing.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local import serve  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _accounts(n: int, prefix: str, *, verified: bool) -> list[str]:
    """N accounts (activated or waiting for activation), written straight to the stack's tables."""
    from chalicelib.services.shared import ids
    from chalicelib.store.dynamo.models import AccountEmailItem, AccountItem, EmailItem

    emails = []
    for i in range(n):
        email, at, account_id = f"{prefix}{i}@example.org", ids.now(), ids.new_id()
        account = AccountItem(
            f"ACCOUNT#{account_id}", "PROFILE", id=account_id, first_name="K", last_name="Nown",
            password_hash="-", primary_email=email, created_at=at, updated_at=at,
        )  # fmt: skip
        account.save()
        EmailItem(
            f"EMAIL#{email}", "EMAIL", email=email, account_id=account_id, verified=verified, created_at=at
        ).save()
        AccountEmailItem(account.pk, f"EMAIL#{email}", email=email, verified=verified, created_at=at).save()
        emails.append(email)
    return emails


def _time_one(base_url: str, form_page: str, action: str, email: str) -> float:
    """Seconds one POST of `action` takes, from a fresh client holding the form page's CSRF cookie (it
    sends the Secure __Host- cookies back to http://127.0.0.1, as browsers do)."""
    from tests.support.altcha import solved
    from tests.support.earners import loopback_session

    http = loopback_session()
    token = CSRF.search(http.get(f"{base_url}{form_page}", timeout=30).text).group(1)
    form = {"csrf_token": token, "email": email, "altcha": solved(base_url)}  # the "I'm not a robot" check
    started = time.perf_counter()
    r = http.post(f"{base_url}{action}", data=form, timeout=30)
    elapsed = time.perf_counter() - started
    assert r.status_code == 200, (action, r.status_code)
    return elapsed


def _compare(
    base_url: str, name: str, form_page: str, action: str, known: list[str], unknown: list[str]
) -> None:
    _time_one(base_url, form_page, action, f"warm.up.{name.split()[0]}@example.net")
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for k, u in zip(known, unknown, strict=True):
        times["known"].append(_time_one(base_url, form_page, action, k))
        times["unknown"].append(_time_one(base_url, form_page, action, u))
    medians = {kind: statistics.median(values) * 1000 for kind, values in times.items()}
    print(f"{name}, {len(known)} requests each over HTTP (chalice local + moto server):")
    for kind, value in medians.items():
        print(f"  {kind:8} median {value:7.1f} ms")
    print(f"  known/unknown ratio {medians['known'] / medians['unknown']:.2f}")


def main(n: int = 30) -> None:
    quiet = open(os.devnull, "w")  # noqa: SIM115  (the stack's processes write to it until stop())
    # A cheap proof of work: checking a solution costs the same at any cost (two HMACs), solving does not.
    base = {**os.environ, "ALTCHA_COST": "1000"}
    stack = serve.start_stack(serve.free_port(), serve.free_port(), log=quiet, base=base)
    try:
        os.environ.update(stack.env)
        active, waiting = _accounts(n, "active", verified=True), _accounts(n, "waiting", verified=False)
        unknown = [f"nobody{i}@example.net" for i in range(n)]
        _compare(stack.base_url, "forgot-password", "/password/forgot", "/password/forgot", active, unknown)
        unknown = [f"nobody.else{i}@example.net" for i in range(n)]
        _compare(stack.base_url, "activation resend", "/activate", "/activate/resend", waiting, unknown)
    finally:
        stack.stop()
        quiet.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
