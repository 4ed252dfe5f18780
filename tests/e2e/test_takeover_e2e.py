"""The takeovers of issue 9 §1 replayed over HTTP on the whole local stack, two earners and the outbox:
each one the way the issue tells it, now refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.altcha import solved
from tests.support.earners import (
    PASSWORD,
    Earner,
    activated,
    activation_code,
    activation_path,
    address,
    csrf_token,
)

OTHER_PASSWORD = "another long passphrase 77"


def settings_csrf(earner: Earner) -> str:
    return csrf_token(earner.get("/settings/emails").text)


def add(earner: Earner, email: str):
    return earner.post("/settings/emails/add", {"csrf_token": settings_csrf(earner), "email": email})


def mail_to(live, to: str, subject: str) -> list[dict]:
    return [m for m in live.outbox() if to in m["to"] and m["subject"] == subject]


def test_pre_hijack_by_holding_an_unverified_address(live, badge):
    mallory = activated(live, badge, "mallory", password=OTHER_PASSWORD, password2=OTHER_PASSWORD)
    victim = Earner(live, address("victim"))
    assert add(mallory, victim.email).status_code == 200  # Mallory holds it, unverified
    live.wait_for_mail(victim.email)  # the confirm mail Mallory caused
    forgot = {
        "csrf_token": victim.csrf("/password/forgot"),
        "email": victim.email,
        "altcha": solved(live.base_url),
    }
    assert victim.post("/password/forgot", forgot).status_code == 200
    victim.assertion = badge(victim.email)
    r = victim.register(victim.claim_path())
    assert r.status_code == 200 and "6-digit code" in r.text  # the hold did not block her
    activation = live.wait_for_mail(victim.email)
    assert activation["subject"] == "Activate your Laurel account"
    assert not mail_to(live, victim.email, "Reset your Laurel password")  # a hold gets no reset mail
    assert victim.activate_by_code(activation_code(activation["html"])).status_code == 303
    assert f'id="badge-{victim.assertion["id"]}"' in victim.get("/backpack").text
    assert f'id="badge-{victim.assertion["id"]}"' not in mallory.get("/backpack").text
    assert victim.email not in mallory.get("/settings/emails").text


def test_merge_through_an_unverified_address_is_refused(live, badge):
    victim = activated(live, badge, "victim")
    attacker = activated(live, badge, "attacker", password=OTHER_PASSWORD, password2=OTHER_PASSWORD)
    typo = address("victim-typo")  # a mailbox the attacker reads
    assert add(victim, typo).status_code == 200
    live.wait_for_mail(typo)
    page = attacker.get(f"/settings/emails/merge?email={typo}")
    nobody = address("nobody")
    unheld = attacker.get(f"/settings/emails/merge?email={nobody}")
    # the page tells an unverified hold from an unheld address no more than it tells who holds it
    assert page.status_code == unheld.status_code == 200
    assert page.text.replace(typo, "X") == unheld.text.replace(nobody, "X")
    form = {"csrf_token": csrf_token(page.text), "email": typo}
    r = attacker.post("/settings/emails/merge/code", form)
    assert r.status_code == 200  # "sent", as for any address; but no code goes to anyone
    r = attacker.post("/settings/emails/merge", {**form, "method": "password", "password": PASSWORD})
    assert r.status_code == 422  # even the victim's right password merges nothing through it
    merge_codes = [m for m in live.outbox() if m["subject"] == "Your code to merge Laurel accounts"]
    # the outbox is the whole session's: no code went to the typo or to the victim's primary address
    assert not [m for m in merge_codes if {typo, victim.email} & set(m["to"].split(", "))]
    assert add(attacker, typo).status_code == 200  # adding it only takes the hold over
    assert victim.get("/backpack").status_code == 200  # her account is intact and hers
    assert f'id="badge-{victim.assertion["id"]}"' not in attacker.get("/backpack").text


def test_confirm_link_does_nothing_for_whoever_clicks_it(live, badge):
    mallory = activated(live, badge, "mallory", password=OTHER_PASSWORD, password2=OTHER_PASSWORD)
    victim = Earner(live, address("victim"))
    own = badge(victim.email)
    live.wait_for_mail(victim.email)  # her award notice
    assert add(mallory, victim.email).status_code == 200
    mail = live.wait_for_mail(victim.email)
    path = activation_path(mail["html"].replace("/settings/emails/verify/", "/activate/"))
    path = path.replace("/activate/", "/settings/emails/verify/")
    page = victim.get(path)  # signed out, she opens the mail
    assert page.status_code == 200 and 'id="asker"' in page.text and "Confirm this address" not in page.text
    assert "m***@example.org" in page.text
    r = victim.post(path, {"csrf_token": victim.csrf()})
    assert r.status_code == 403
    assert f'id="badge-{own["id"]}"' not in mallory.get("/backpack").text


def test_forwarded_claim_link_does_not_give_the_forwarder_the_account(live, badge):
    ada = Earner(live, address("ada"))
    ada.assertion = badge(ada.email)
    claim = ada.claim_path()
    fred = Earner(live, ada.email)  # Ada forwarded the mail; Fred registers with his password
    r = fred.register(claim, first_name="Fred", password=OTHER_PASSWORD, password2=OTHER_PASSWORD)
    assert r.status_code == 200
    mail = live.wait_for_mail(ada.email)
    path = activation_path(mail["html"])
    page = ada.get(path)
    r = ada.post(path, {"csrf_token": csrf_token(page.text)})  # "Activate": one click
    assert r.status_code == 422
    new = {"csrf_token": csrf_token(page.text), "new_password": PASSWORD, "new_password2": PASSWORD}
    r = ada.post(path, new)
    assert r.status_code == 303
    form = {"csrf_token": fred.csrf(), "email": ada.email, "password": OTHER_PASSWORD}
    assert fred.post("/login", form).status_code == 401  # Fred's password is gone
    assert f'id="badge-{ada.assertion["id"]}"' in ada.get("/backpack").text


def test_parallel_wrong_passwords_get_exactly_the_limit(live, badge):
    ada = activated(live, badge, "ada")
    browsers = [Earner(live, ada.email) for _ in range(16)]
    forms = [{"csrf_token": b.csrf(), "email": ada.email, "password": "not the password 1"} for b in browsers]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda pair: pair[0].post("/login", pair[1]).status_code, zip(browsers, forms, strict=True)
            )
        )
    assert sorted(statuses) == [401] * 5 + [429] * 11, statuses
