"""Accounts without a password (an identity or a passkey only) must not open with any password: not
the timing dummy's own text, not an empty one."""

from __future__ import annotations

import pytest

from chalicelib.services.earners import passwords

DUMMY_TEXT = "not a real password, only for timing"


@pytest.mark.parametrize("stored", [None, ""])
@pytest.mark.parametrize("typed", [DUMMY_TEXT, "", "anything at all"])
def test_an_account_without_a_password_refuses_every_password(stored, typed):
    assert passwords.verify(stored, typed) is False


def test_a_real_hash_still_opens_with_its_password():
    stored = passwords.hash_password("correct horse battery staple")
    assert passwords.verify(stored, "correct horse battery staple") is True
    assert passwords.verify(stored, DUMMY_TEXT) is False
