"""The earner's path over HTTP: award mail → claim → register → activate → backpack → accept; abuses."""

from __future__ import annotations

import pytest
import requests

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


def test_claim_register_activate_by_code_and_accept(live, badge):
    earner = Earner(live, address())
    awarded = badge(earner.email)
    claim = earner.claim_path()
    page = earner.get(claim)
    assert page.status_code == 200 and "Data Literacy" in page.text and "readonly" in page.text
    r = earner.register(claim)
    assert r.status_code == 200 and "6-digit code" in r.text
    mail = earner.activation_mail()
    assert mail["subject"] == "Activate your Laurel account"
    r = earner.activate_by_code(activation_code(mail["html"]))
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    backpack = earner.get("/backpack")
    assert backpack.status_code == 200 and f'id="badge-{awarded["id"]}"' in backpack.text
    assert "Pending" in backpack.text
    r = earner.post(f"/backpack/{awarded['id']}/accept", {"csrf_token": csrf_token(backpack.text)})
    assert r.status_code == 303
    assert "Accepted" in earner.get("/backpack").text
    assert earner.get(claim).status_code == 410  # used: it explains itself


def test_activate_by_link_once(live, badge):
    earner = Earner(live, address("grace"))
    badge(earner.email)
    assert earner.register(earner.claim_path()).status_code == 200
    mail = earner.activation_mail()
    path = activation_path(mail["html"])
    page = earner.get(path)
    assert page.status_code == 200
    r = earner.post(path, {"csrf_token": csrf_token(page.text), "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"
    assert "Data Literacy" in earner.get("/backpack").text
    assert earner.get(path).status_code == 410
    assert earner.activate_by_code(activation_code(mail["html"])).status_code == 422


def test_wrong_claim_tokens_are_404_and_expired_ones_offer_a_fresh_link(live, badge):
    earner = Earner(live, address("kim"))
    awarded = badge(earner.email)
    claim = earner.claim_path()
    assert earner.get(f"/claim/{awarded['id']}.wrong-secret").status_code == 404
    assert earner.get("/claim/nothing").status_code == 404
    table = live.env.get("ASSERTIONS_TABLE", "laurel-assertions")
    dynamodb = live.aws("dynamodb")
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": f"ASSERTION#{awarded['id']}"}, "sk": {"S": "ASSERTION"}},
        UpdateExpression="SET claim_expires = :past",
        ExpressionAttributeValues={":past": {"S": "2000-01-01T00:00:00.000000+0000"}},
    )
    page = earner.get(claim)
    assert page.status_code == 410 and "expired" in page.text
    r = earner.post(claim + "/resend", {"csrf_token": csrf_token(page.text), "altcha": solved(live.base_url)})
    assert r.status_code == 200 and "fresh link" in r.text
    fresh = earner.claim_path()
    assert fresh != claim and earner.get(fresh).status_code == 200


def test_code_brute_force_is_locked_after_five(live, badge):
    earner = Earner(live, address("eve"))
    badge(earner.email)
    earner.register(earner.claim_path())
    code = activation_code(earner.activation_mail()["html"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    statuses = [earner.activate_by_code(wrong).status_code for _ in range(5)]
    assert statuses == [422] * 5
    r = earner.activate_by_code(code)
    assert r.status_code == 422 and "no longer valid" in r.text
    resend = {"csrf_token": earner.csrf("/activate"), "email": earner.email, "altcha": solved(live.base_url)}
    r = earner.post("/activate/resend", resend)
    assert r.status_code == 200
    assert earner.activate_by_code(activation_code(earner.activation_mail()["html"])).status_code == 303


def test_login_brute_force_is_rate_limited(live, badge):
    earner = activated(live, badge, "lin")
    intruder = Earner(live, earner.email)
    for _ in range(5):
        form = {"csrf_token": intruder.csrf(), "email": earner.email, "password": "guess guess guess"}
        assert intruder.post("/login", form).status_code == 401
    form = {"csrf_token": intruder.csrf(), "email": earner.email, "password": PASSWORD}
    assert intruder.post("/login", form).status_code == 429


def test_csrf_missing_or_wrong_is_403(live, badge):
    earner = activated(live, badge, "max")
    target = f"/backpack/{earner.assertion['id']}/accept"
    assert earner.post(target, {}).status_code == 403
    assert earner.post(target, {"csrf_token": "forged" * 7}).status_code == 403
    stranger = Earner(live, earner.email)  # no CSRF cookie at all
    assert stranger.post("/login", {"email": earner.email, "password": PASSWORD}).status_code == 403
    assert "Pending" in earner.get("/backpack").text


@pytest.mark.parametrize("target", ["//evil.com", "\\\\evil.com", "https://evil.com/", "/\\evil.com"])
def test_open_redirects_in_next_are_refused(live, badge, target):
    earner = activated(live, badge, "ola")
    other = Earner(live, earner.email)
    form = {"csrf_token": other.csrf(f"/login?next={target}"), "email": earner.email, "password": PASSWORD}
    r = other.post("/login", {**form, "next": target})
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"


def test_xss_in_earner_names_and_issuer_names_is_escaped(live, badge):
    earner = activated(live, badge, "xss", first_name="<script>alert(1)</script>")
    page = earner.get("/backpack").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x onerror" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_another_earners_badge_is_404(live, badge):
    ada, bob = activated(live, badge, "ada"), activated(live, badge, "bob")
    csrf = csrf_token(ada.get("/backpack").text)
    for action in ("accept", "reject", "recover"):
        assert ada.post(f"/backpack/{bob.assertion['id']}/{action}", {"csrf_token": csrf}).status_code == 404
    assert f"badge-{bob.assertion['id']}" not in ada.get("/backpack").text


def test_the_stack_logs_no_address(live, badge):
    """Every process's output (moto, queue pump, chalice local) after a journey with failures in it."""
    earner = activated(live, badge, "logged")
    stranger = Earner(live, address("stranger"))
    login = {"csrf_token": stranger.csrf(), "email": earner.email.upper(), "password": "wrong password 123"}
    assert stranger.post("/login", login).status_code == 401
    forgot = {
        "csrf_token": stranger.csrf("/password/forgot"),
        "email": stranger.email,
        "altcha": solved(live.base_url),
    }
    assert stranger.post("/password/forgot", forgot).status_code == 200
    bad = requests.post(f"{live.base_url}/api/v1/verify", json={"assertion": earner.email}, timeout=30)
    assert bad.status_code in (400, 422), bad.text
    logged = live.log_path.read_text(errors="replace").lower()
    assert "/register" in logged and "/login" in logged  # the log holds the journey's requests
    for email in (earner.email, stranger.email):
        assert email not in logged and email.split("@")[0] not in logged
