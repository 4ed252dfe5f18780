"""ID token checks (services/earners/id_tokens.py): each way a token can be wrong is refused."""

from __future__ import annotations

import base64
import json
from functools import cache

import pytest

from chalicelib.services.earners import id_tokens
from chalicelib.services.earners.id_tokens import Refused, UnknownKey

ISSUER = "https://accounts.google.com"
CLIENT = "laurel-client"
NOW = 1_800_000_000


@cache
def key():
    from joserfc.jwk import RSAKey

    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})


@cache
def foreign_key():
    from joserfc.jwk import RSAKey

    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})


def jwks() -> dict:
    return {"keys": [key().as_dict(private=False)]}


def claims(**changes) -> dict:
    base = {"iss": ISSUER, "aud": CLIENT, "sub": "1234", "nonce": "n-1", "iat": NOW - 5, "exp": NOW + 600}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def token(payload: dict, *, signer=None, alg: str = "RS256", kid: str = "k1") -> str:
    from joserfc import jwt

    return jwt.encode({"alg": alg, "kid": kid}, payload, signer or key())


def check(value: str, **kw) -> dict:
    args = {"issuer": ISSUER, "client_id": CLIENT, "nonce": "n-1", "now": NOW, **kw}
    return id_tokens.check(value, jwks(), **args)


def test_a_right_token_gives_its_claims():
    assert check(token(claims(email="ada@example.org")))["email"] == "ada@example.org"


def test_an_es256_token_is_accepted_too():
    from joserfc import jwt
    from joserfc.jwk import ECKey

    ec = ECKey.generate_key("P-256", parameters={"kid": "e1"})
    signed = jwt.encode({"alg": "ES256", "kid": "e1"}, claims(), ec)
    got = id_tokens.check(
        signed, {"keys": [ec.as_dict(private=False)]}, issuer=ISSUER, client_id=CLIENT, nonce="n-1", now=NOW
    )
    assert got["sub"] == "1234"


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": "n-2"},  # wrong nonce: a token from another sign-in
        {"nonce": None},
        {"aud": "another-client"},  # wrong aud: a token minted for someone else's app
        {"aud": ["another-client"]},
        {"iss": "https://evil.example"},  # wrong iss
        {"iss": ISSUER + "/"},  # iss is exact
        {"exp": NOW - 61},  # expired (beyond the 60 s leeway)
        {"exp": None},
        {"iat": NOW + 120},  # issued in the future
        {"iat": None},
        {"sub": None},
        {"sub": ""},
        {"aud": [CLIENT, "other"]},  # several audiences and no azp
        {"aud": [CLIENT, "other"], "azp": "other"},  # azp mismatch
        {"azp": "other"},
        {"exp": float("nan")},
    ],
    ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()),
)
def test_a_wrong_claim_is_refused(changes):
    with pytest.raises(Refused):
        check(token(claims(**changes)))


def test_leeway_is_60_seconds():
    check(token(claims(exp=NOW - 30, iat=NOW + 30)))  # within the skew


def test_several_audiences_need_azp_to_be_us():
    assert check(token(claims(aud=[CLIENT, "other"], azp=CLIENT)))["sub"] == "1234"


def test_alg_none_is_refused():
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    unsigned = b64({"alg": "none", "kid": "k1"}) + "." + b64(claims()) + "."
    with pytest.raises(Refused):
        check(unsigned)


def test_hs256_signed_with_the_client_secret_is_refused():
    from joserfc import jwt
    from joserfc.jwk import OctKey

    secret = OctKey.import_key("the-client-secret-the-attacker-knows-too-0123456789")
    forged = jwt.encode({"alg": "HS256", "kid": "k1"}, claims(), secret)
    with pytest.raises(Refused):
        check(forged)
    # ...even when the key set is made to hold that secret as a key
    with pytest.raises(Refused):
        id_tokens.check(
            forged,
            {"keys": [{**secret.as_dict(), "kid": "k1"}]},
            issuer=ISSUER,
            client_id=CLIENT,
            nonce="n-1",
            now=NOW,
        )


def test_a_token_signed_by_a_foreign_key_is_refused():
    with pytest.raises(Refused) as refused:
        check(token(claims(), signer=foreign_key()))
    assert not isinstance(refused.value, UnknownKey)  # same kid, wrong signature: no refetch


def test_unknown_kid_asks_for_the_keys_again():
    with pytest.raises(UnknownKey):
        check(token(claims(), kid="k2", signer=key()))


@pytest.mark.parametrize("value", ["", None, "a.b.c", "x" * (id_tokens.MAX_TOKEN + 1), 42])
def test_garbage_is_refused(value):
    with pytest.raises(Refused):
        check(value)


def test_microsoft_tenant_issuer_is_the_tokens_own_tenant():
    template = "https://login.microsoftonline.com/{tenantid}/v2.0"
    tid = "9188040d-6c67-4c5b-b112-36a304b66dad"
    good = claims(iss=f"https://login.microsoftonline.com/{tid}/v2.0", tid=tid)
    assert check(token(good), issuer=template)["tid"] == tid
    with pytest.raises(Refused):  # a token of one tenant claiming another's issuer
        check(
            token(claims(iss=f"https://login.microsoftonline.com/{tid}/v2.0", tid="other")), issuer=template
        )
    with pytest.raises(Refused):
        check(token(claims(iss="https://login.microsoftonline.com/x/v2.0")), issuer=template)
