"""Providers from OIDC_PROVIDERS (services/earners/providers.py): who vouches for an address, names,
Apple's client secret, and a clear ConfigError for a bad entry."""

from __future__ import annotations

import json

import pytest

from chalicelib.config import ConfigError
from chalicelib.errors import NotFound
from chalicelib.services.earners import providers


def parse(*entries: dict) -> dict:
    return providers._parse(json.dumps(list(entries)))


def entry(kind: str = "google", **more) -> dict:
    return {
        "id": more.pop("id", kind),
        "kind": kind,
        "client_id": "cid",
        "client_secret": "/laurel/test/x",
        **more,
    }


def test_google_trusts_only_a_verified_address():
    google = parse(entry())["google"]
    assert google.trusts_email({"email": "a@x.org", "email_verified": True})
    assert not google.trusts_email({"email": "a@x.org", "email_verified": False})
    assert not google.trusts_email({"email": "a@x.org", "email_verified": "true"})
    assert not google.trusts_email({"email": "a@x.org"})
    assert google.expected_issuer == "https://accounts.google.com"


def test_linkedin_is_like_google():
    linkedin = parse(entry("linkedin"))["linkedin"]
    assert linkedin.expected_issuer == "https://www.linkedin.com/oauth"
    assert linkedin.trusts_email({"email_verified": True}) and not linkedin.trusts_email({})


@pytest.mark.parametrize("kind", ["microsoft", "generic"])
def test_microsoft_and_generic_never_vouch_for_an_address_unless_configured(kind):
    """nOAuth: a tenant admin (or the user) may put anyone's address in `email`, even `email_verified`."""
    extra = {"issuer": "https://idp.example"} if kind == "generic" else {}
    found = parse(entry(kind, **extra))[kind]
    assert not found.trusts_email({"email": "victim@x.org", "email_verified": True})
    trusting = parse(entry(kind, trust_email=True, **extra))[kind]
    assert trusting.trusts_email({"email": "a@x.org", "email_verified": True})


def test_microsoft_tenants():
    common = parse(entry("microsoft"))["microsoft"]
    assert common.expected_issuer == "https://login.microsoftonline.com/{tenantid}/v2.0"
    assert common.discovery_issuer == "https://login.microsoftonline.com/common/v2.0"
    one = parse(entry("microsoft", tenant="contoso-id"))["microsoft"]
    assert one.expected_issuer == one.discovery_issuer == "https://login.microsoftonline.com/contoso-id/v2.0"


def test_names_from_the_claims_are_one_clean_line():
    google = parse(entry())["google"]
    assert google.names({"given_name": "Ada", "family_name": "Lovelace"}) == ("Ada", "Lovelace")
    assert google.names({"name": "Grace  Brewster Hopper"}) == ("Grace", "Brewster Hopper")
    assert google.names({"given_name": "A\nda\u2028", "family_name": "x" * 300}) == ("A da", "x" * 100)
    assert google.names({}) == ("", "")


def test_apple_answers_by_form_post_and_names_come_from_the_user_field():
    apple = parse(entry("apple", team_id="TEAM123456", key_id="KEY1234567"))["apple"]
    assert apple.authorize_params() == {"scope": "openid email name", "response_mode": "form_post"}
    assert apple.names({}, {"name": {"firstName": "Ada", "lastName": "Lovelace"}}) == ("Ada", "Lovelace")
    assert apple.names({"given_name": "Ignored"}) == ("", "")
    assert apple.trusts_email({"email_verified": "true"}) and not apple.trusts_email(
        {"email_verified": "false"}
    )


def test_apple_client_secret_is_an_es256_jwt_with_apples_claims():
    from joserfc import jwt
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256")
    pem = key.as_pem(private=True).decode()
    apple = parse(entry("apple", client_id="org.laurel.web", team_id="TEAM123456", key_id="KEY1234567"))[
        "apple"
    ]
    secret = providers.apple_client_secret(apple, pem, now=1_800_000_000)
    decoded = jwt.decode(secret, key, algorithms=["ES256"])
    assert decoded.header["kid"] == "KEY1234567"
    assert decoded.header["alg"] == "ES256"
    assert decoded.claims == {
        "iss": "TEAM123456",
        "iat": 1_800_000_000,
        "exp": 1_800_000_000 + providers.Apple.SECRET_SECONDS,
        "aud": "https://appleid.apple.com",
        "sub": "org.laurel.web",
    }


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"id": "google"}',
        json.dumps([entry("facebook")]),
        json.dumps([entry(id="Google!")]),
        json.dumps([entry(id="confirm")]),  # a path of its own under /login/oidc/
        json.dumps([{**entry(), "client_secret": "the-secret-itself"}]),
        json.dumps([{**entry(), "client_id": ""}]),
        json.dumps([entry("generic")]),  # no issuer
        json.dumps([entry("apple")]),  # no team or key id
        json.dumps([entry(), entry()]),  # the same id twice
        json.dumps([entry(trust_email="yes")]),
        json.dumps([entry(colour="blue")]),
        json.dumps([entry(extra={"prompt": 1})]),
    ],
)
def test_a_bad_entry_is_a_clear_config_error(raw):
    with pytest.raises(ConfigError):
        providers._parse(raw)


def test_secrets_may_be_ssm_or_secrets_manager():
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:laurel/prod/google-AbCdEf"
    assert parse(entry(client_secret=arn))["google"].client_secret == arn


def test_unknown_provider_is_not_found(monkeypatch):
    from chalicelib.config import get_settings

    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps([entry()]))
    get_settings.cache_clear()
    try:
        assert providers.get("google").title == "Google"
        with pytest.raises(NotFound):
            providers.get("facebook")
    finally:
        monkeypatch.delenv("OIDC_PROVIDERS")
        get_settings.cache_clear()
