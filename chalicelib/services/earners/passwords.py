"""Password rules, the new-password form fields, and argon2id hashing (argon2-cffi, imported on first use)."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from chalicelib.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 1024
# 20,000 common passwords (lower-cased), copied from Django 5.2.8's
# django/contrib/auth/common-passwords.txt.gz (BSD-3-Clause, see common-passwords.LICENSE beside it);
# Django's list was made by Royce Williams: gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce
COMMON_LIST = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of commonly used passwords, lower-cased."""
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def problem(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> str | None:
    """Why this password may not be used, in a sentence for a person; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        return "This password is too common; choose one that is harder to guess."
    personal = [email.lower(), email.partition("@")[0].lower(), *(n.lower() for n in names if len(n) > 2)]
    if any(p and lowered == p for p in personal) or len(set(password)) < 4:
        return "This password is too easy to guess; choose another."
    return None


@cache
def _hasher():
    from argon2 import PasswordHasher  # lazy: cold start is a feature

    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when the password matches; checks a dummy hash when there is none, to take the same time.
    An account without a password (identity or passkey only) has None; "" is treated the same, so the
    dummy's own text can never open an account."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a real password, only for timing")


def field_errors(errors: dict[str, str]) -> Invalid:
    """One Invalid carrying a message per form field."""
    first = next(iter(errors.values()))
    return Invalid(first, errors=[{"field": k, "detail": v} for k, v in errors.items()])


def new_password(form: dict, *, email: str, names: tuple[str, ...] = (), field: str = "password") -> str:
    """The new password from `field` and its repeat `field`2, or Invalid naming the failing field."""
    password = form.get(field) if isinstance(form.get(field), str) else ""
    found = problem(password, email=email, names=names)
    if found:
        raise field_errors({field: found})
    if form.get(f"{field}2") != password:
        raise field_errors({f"{field}2": "The two passwords are not the same."})
    return password
