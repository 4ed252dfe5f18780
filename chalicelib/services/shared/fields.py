"""Field-by-field validation of request bodies, collecting every error with its field name."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from chalicelib.errors import Invalid

_MISSING = object()
# Characters no text field may hold: C0 controls but tab/LF/CR, unpaired surrogates (JSON "\ud800" parses
# to one, and UTF-8 cannot encode it) and U+FFFE/U+FFFF. XML (baked SVG) can carry none of them.
_FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Line breaks a single-line field (a name, URL, address, tag…) may not hold: a name reaches a mail's Subject
# header, where CR/LF would start another header. NEL and the Unicode separators count as line breaks too.
_LINE_BREAK = re.compile("[\n\r\x85\u2028\u2029]")
_MAX_EMAIL_INPUT = 320  # longer than any address can be: not worth handing to the validator


class Fields:
    """Reads fields from a JSON object, remembers errors, refuses unknown fields."""

    def __init__(self, body: Any, allowed: set[str], *, where: str = ""):
        self.where = where
        self.errors: list[dict] = []
        if not isinstance(body, dict):
            self.body: dict = {}
            self.error("", "must be a JSON object")
            return
        self.body = body
        for name in sorted(set(body) - allowed):
            self.error(name, "is not a known field")

    def error(self, field: str, detail: str) -> None:
        self.errors.append(
            {"field": f"{self.where}{field}" if field else self.where.rstrip("."), "detail": detail}
        )

    def has(self, name: str) -> bool:
        return name in self.body

    def check(self) -> None:
        if self.errors:
            first = self.errors[0]
            raise Invalid(f"{first['field'] or 'body'} {first['detail']}.", errors=self.errors)

    def string(
        self, name: str, *, required: bool = False, max_len: int = 1000, multiline: bool = False
    ) -> str | None:
        """A text field; one line unless `multiline` (descriptions, narratives, criteria keep newlines)."""
        value = self.body.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(name, "is required")
            return None
        if not isinstance(value, str):
            self.error(name, "must be a string")
            return None
        value = value.strip()
        bad = forbidden_character(value) or (None if multiline else line_break(value))
        if bad:
            self.error(name, f"must not contain {bad}")
            return None
        if required and not value:
            self.error(name, "must not be empty")
        if len(value) > max_len:
            self.error(name, f"must be at most {max_len} characters")
        return value or None

    def boolean(self, name: str, default: bool) -> bool:
        value = self.body.get(name, default)
        if not isinstance(value, bool):
            self.error(name, "must be true or false")
            return default
        return value

    def url(self, name: str, *, required: bool = False) -> str | None:
        value = self.string(name, required=required, max_len=2000)
        if value is not None and not is_http_url(value):
            self.error(name, "must be an absolute http(s) URL")
            return None
        return value

    def email(self, name: str, *, required: bool = False) -> str | None:
        value = self.string(name, required=required, max_len=254)
        if value is None:
            return None
        normalised = normalise_and_check_email(value)
        if normalised is None:
            self.error(name, "is not a valid email address")
        return normalised

    def timestamp(self, name: str) -> datetime | None:
        value = self.string(name, max_len=40)
        if value is None:
            return None
        parsed = parse_timestamp(value)
        if parsed is None:
            self.error(name, "must be an ISO 8601 date or date-time, e.g. 2026-05-01T12:00:00Z")
        return parsed

    def string_list(self, name: str, *, max_items: int = 50, max_len: int = 100) -> list[str]:
        value = self.body.get(name, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(name, "must be a list of strings")
            return []
        if len(value) > max_items:
            self.error(name, f"must have at most {max_items} items")
        cleaned = [v.strip() for v in value if v.strip()]
        bad = next(filter(None, (forbidden_character(v) or line_break(v) for v in cleaned)), None)
        if bad:
            self.error(name, f"items must not contain {bad}")
            return []
        if any(len(v) > max_len for v in cleaned):
            self.error(name, f"items must be at most {max_len} characters")
        return list(dict.fromkeys(cleaned))

    def objects(self, name: str, *, max_items: int = 20) -> list[dict]:
        value = self.body.get(name, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(name, "must be a list of objects")
            return []
        if len(value) > max_items:
            self.error(name, f"must have at most {max_items} items")
        return value

    def nested(self, value: dict, allowed: set[str], where: str) -> Fields:
        """Validate a nested object; its errors join ours under `where`."""
        inner = Fields(value, allowed, where=where)
        self.errors.extend(inner.errors)
        inner.errors = self.errors
        return inner


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def forbidden_character(text: str) -> str | None:
    """'U+0000 (a control character)'-style name of the first character text may not hold, else None."""
    match = _FORBIDDEN_TEXT.search(text)
    if match is None:
        return None
    code = ord(match.group())
    if code < 0x20:
        return f"U+{code:04X} (a control character)"
    return f"U+{code:04X} ({'an unpaired surrogate' if code < 0xE000 else 'a noncharacter'})"


def line_break(text: str) -> str | None:
    """'U+000A (a line break)'-style name of the first line break in text, else None."""
    match = _LINE_BREAK.search(text)
    return f"U+{ord(match.group()):04X} (a line break: this field is one line)" if match else None


def one_line(text: str | None) -> str | None:
    """The text's lines joined by single spaces (for names stored before single-line fields were enforced)."""
    return " ".join(part.strip() for part in _LINE_BREAK.split(text) if part.strip()) if text else text


def without_forbidden_characters(text: str) -> str:
    """The text with every character forbidden_character would name removed."""
    return _FORBIDDEN_TEXT.sub("", text)


def normalise_and_check_email(value: str) -> str | None:
    """The canonical form of a valid email address (see normalise_email), else None."""
    from email_validator import EmailNotValidError, validate_email  # lazy: cold start

    value = value.strip()
    if len(value) > _MAX_EMAIL_INPUT:
        return None
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


def normalise_email(value: str) -> str:
    """One spelling per address: Unicode NFC, the domain as Unicode (not xn-- punycode), lower case.

    Equivalent spellings ("Ada@Bücher.example", "ada@xn--bcher-kva.example", a decomposed "ü") give the
    same string, so they are one recipient, one account and one identity hash. Text that is not an
    address is only trimmed and lower-cased (a login form must still be able to say "no such account").
    """
    return normalise_and_check_email(value) or value.strip().lower()


def parse_timestamp(value: str) -> datetime | None:
    """ISO 8601 date or date-time; naive values are UTC. Returns an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).replace(microsecond=0)
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+01:00 is before year 1 in UTC
        return None


def normalise(email: str | None) -> str:
    """An address as awards and accounts store it (normalise_email), at most 254 characters."""
    return normalise_email(email or "")[:254]
