"""Email addresses, merging and unsubscribing over HTTP on the whole local stack."""

from __future__ import annotations

import re
import time

import requests

from tests.support.earners import PASSWORD, Earner, activated, activation_code, address, csrf_token

UNSUBSCRIBE = re.compile(r"https?://[^/\s]+(/unsubscribe/[\w.\-]+)")


def settings_csrf(earner: Earner) -> str:
    return csrf_token(earner.get("/settings/emails").text)


def test_add_verify_primary_remove_over_http(live, badge):
    ada = activated(live, badge, "ada")
    work = address("ada-work")
    earlier = badge(work)  # awarded before the address is on any account
    live.wait_for_mail(work)  # its award notice
    page = ada.get("/settings/emails")
    assert page.status_code == 200 and 'id="suggest-personal"' in page.text
    r = ada.post("/settings/emails/add", {"csrf_token": csrf_token(page.text), "email": work})
    assert r.status_code == 200 and work in r.text
    code = activation_code(live.wait_for_mail(work)["html"])
    r = ada.post("/settings/emails/verify", {"csrf_token": settings_csrf(ada), "email": work, "code": code})
    assert r.status_code == 303
    assert f'id="badge-{earlier["id"]}"' in ada.get("/backpack").text
    csrf = settings_csrf(ada)
    assert ada.post("/settings/emails/primary", {"csrf_token": csrf, "email": work}).status_code == 303
    assert ada.post("/settings/emails/remove", {"csrf_token": csrf, "email": ada.email}).status_code == 303
    page = ada.get("/settings/emails").text
    assert ada.email not in page and work in page


def test_merge_by_password_and_by_code_old_account_closed(live, badge):
    ada = activated(live, badge, "ada")
    old = activated(live, badge, "old")
    csrf = csrf_token(old.get("/backpack").text)
    assert old.post(f"/backpack/{old.assertion['id']}/accept", {"csrf_token": csrf}).status_code == 303
    r = ada.post("/settings/emails/add", {"csrf_token": settings_csrf(ada), "email": old.email})
    assert r.status_code == 303 and "/settings/emails/merge" in r.headers["Location"]
    page = ada.get(r.headers["Location"])
    form = {"csrf_token": csrf_token(page.text), "email": old.email, "method": "password"}
    r = ada.post("/settings/emails/merge", {**form, "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/settings/emails?done=merged"
    backpack = ada.get("/backpack?tab=accepted").text  # accepted by the old account: still accepted
    assert f'id="badge-{old.assertion["id"]}"' in backpack
    assert old.get("/backpack").status_code == 303  # the old session ended
    relog = Earner(live, old.email)
    r = relog.post("/login", {"csrf_token": relog.csrf(), "email": old.email, "password": "x" * 12})
    assert r.status_code == 401  # another password is just wrong

    third = activated(live, badge, "third")
    page = ada.get(f"/settings/emails/merge?email={third.email}")
    r = ada.post("/settings/emails/merge/code", {"csrf_token": csrf_token(page.text), "email": third.email})
    assert r.status_code == 200
    code = activation_code(live.wait_for_mail(third.email)["html"])
    form = {"csrf_token": csrf_token(r.text), "email": third.email, "method": "code", "code": code}
    assert ada.post("/settings/emails/merge", form).status_code == 303
    assert f'id="badge-{third.assertion["id"]}"' in ada.get("/backpack").text


def test_unsubscribe_link_stops_award_notices(live, badge):
    first = address("first")
    badge(first)
    mail = live.wait_for_mail(first)
    path = UNSUBSCRIBE.search(mail["text"]).group(1)
    assert path in mail["html"]
    assert requests.get(live.base_url + path[:-3] + "abc", timeout=10).status_code == 404
    assert requests.get(live.base_url + path, timeout=10).status_code == 200

    from chalicelib.services.issuing import unsubscribe  # the local stage's development secret signs alike

    quiet, loud = address("quiet"), address("loud")
    one_click = f"/unsubscribe/{unsubscribe.token(quiet)}"
    r = requests.post(live.base_url + one_click, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 200 and "unsubscribed" in r.text
    badge(quiet)
    badge(loud)
    live.wait_for_mail(loud)
    time.sleep(1.5)
    assert not [m for m in live.outbox() if quiet in m["to"]]
