"""What every verifier shares: the report, the checks' names, fetching through a budget, dates, recipients."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from .ob2 import normalise_email

Fetch = Callable[[str], tuple[int, str, bytes]]
Clock = Callable[[], datetime]
MAX_FETCHES = 12  # one verification never makes more requests than this, whatever the documents say

# (id, name) of every check, in the order a report lists them.
CHECKS = {
    "parsed": "parsed",
    "issuer-found": "issuer found",
    "hosted-on-issuer-origin": "hosted on the issuer's origin",
    "signature-valid": "signature valid",
    "recipient-matches": "recipient matches",
    "not-expired": "not expired",
    "not-revoked": "not revoked",
}
_PROOF = {"2.0-hosted": "hosted-on-issuer-origin", "2.0-signed": "signature-valid", "3.0": "signature-valid"}


class FetchError(Exception):
    """A document that could not be fetched, with a sentence for a person."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


class FetchRefused(FetchError):
    """An address Laurel will not fetch at all (a private network, another scheme)."""


class InputError(ValueError):
    """Input that is not something to verify (the person should change what they gave)."""

    def __init__(self, sentence: str, field: str | None = None) -> None:
        super().__init__(sentence)
        self.sentence, self.field = sentence, field


class Failed(Exception):
    """A check that failed and stops the checks that depend on it."""

    def __init__(self, check: str, sentence: str) -> None:
        super().__init__(sentence)
        self.check, self.sentence = check, sentence


@dataclass
class Report:
    """The checks made so far, the version found and what the badge says; to_dict() is the verdict."""

    expected_email: str | None = None
    version: str | None = None
    results: dict[str, tuple[bool, str]] = field(default_factory=dict)
    badge: dict[str, Any] = field(default_factory=dict)

    def record(self, check: str, passed: bool, sentence: str) -> bool:
        """Record one check's outcome; returns whether it passed."""
        self.results[check] = (passed, sentence)
        return passed

    def to_dict(self) -> dict:
        """The report as the API and the page show it: verdict, version, checks in order, badge."""
        wanted = ["parsed", "issuer-found", _PROOF.get(self.version or "", "")]
        wanted += ["recipient-matches"] if self.expected_email else []
        wanted += ["not-expired", "not-revoked"]
        checks = [self._check(c) for c in CHECKS if c in wanted or c in self.results]
        valid = all(c["passed"] is True for c in checks)
        failed = next((c for c in checks if c["passed"] is False), None)
        if valid:
            sentence = "This badge is valid: every check passed."
        else:
            sentence = "This badge is not valid: " + (failed or checks[0])["sentence"]
        badge = {**self.badge, "recipient_matched": self.results.get("recipient-matches", (None,))[0]}
        return {
            "verdict": "valid" if valid else "invalid",
            "version": self.version,
            "sentence": sentence,
            "checks": checks,
            "badge": badge if self.version else None,
        }

    def _check(self, check: str) -> dict:
        passed, sentence = self.results.get(check, (None, "Not checked, because an earlier check failed."))
        return {"id": check, "name": CHECKS[check], "passed": passed, "sentence": sentence}


@dataclass
class Fetched:
    """One fetched document: its status, media type and parsed JSON (or None when it is not JSON)."""

    url: str
    status: int
    content_type: str
    body: bytes

    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8", "replace")


class Documents:
    """The verifier's view of the web: http(s) only, at most MAX_FETCHES requests, each URL fetched once."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch, self._seen, self.count = fetch, {}, 0

    def get(self, url: str) -> Fetched:
        """The response at url; FetchError (with a sentence) when it cannot be had."""
        if url in self._seen:
            return self._seen[url]
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise FetchRefused("Laurel only fetches http and https addresses.")
        if self.count >= MAX_FETCHES:
            raise FetchError("This badge needs more documents than Laurel fetches for one verification.")
        self.count += 1
        status, content_type, body = self._fetch(url)
        self._seen[url] = Fetched(url, status, content_type, body)
        return self._seen[url]

    def json(self, url: Any, *, check: str, what: str, statuses: tuple[int, ...] = (200,)) -> dict:
        """The JSON object at url (answered with one of statuses), else Failed(check) with a sentence."""
        if not isinstance(url, str) or not url:
            raise Failed(check, f"The {what} has no address to fetch it from.")
        try:
            fetched = self.get(url)
        except FetchError as error:
            raise Failed(check, f"The {what} at {url} could not be fetched: {error.sentence}") from None
        if fetched.status not in statuses:
            raise Failed(check, f"The {what} at {url} could not be fetched: it answered {fetched.status}.")
        try:
            document = load_json(fetched.body)
        except ValueError as error:
            raise Failed(check, f"The {what} at {url} is not JSON ({error}).") from None
        if not isinstance(document, dict):
            raise Failed(check, f"The {what} at {url} is not a JSON object.")
        return document


def load_json(text: str | bytes) -> Any:
    """Parsed JSON; ValueError with a short reason."""
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise ValueError("it is nested too deeply") from None


def origin(url: Any) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, default ports filled in; None for anything else."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port


def parse_time(value: Any) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive taken as UTC); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = value.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(text.replace("z", "Z"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def day(value: datetime) -> str:
    """A date-time as a person reads it in a sentence."""
    return value.strftime("%d %B %Y, %H:%M UTC").lstrip("0")


def identity_matches(email: str, identity: Any, *, hashed: Any, salt: Any) -> bool:
    """Whether an email address is this identity: hashed as algorithm$hex of email + salt, or plain."""
    if not isinstance(identity, str):
        return False
    if hashed is not True and str(hashed).lower() != "true":
        return normalise_email(identity) == normalise_email(email)
    algorithm, _, digest = identity.partition("$")
    if algorithm.lower() not in ("sha256", "md5") or not digest:
        return False
    text = normalise_email(email) + (salt if isinstance(salt, str) else "")
    mine = hashlib.new(algorithm.lower(), text.encode("utf-8")).hexdigest()
    return hmac.compare_digest(mine, digest.lower())


def check_validity(report: Report, *, not_after: Any, not_before: Any, now: datetime) -> None:
    """Record the not-expired check from optional expiry and start dates."""
    try:
        end = parse_time(not_after) if not_after else None
        start = parse_time(not_before) if not_before else None
    except ValueError:
        report.record("not-expired", False, "Its expiry or start date is not a date Laurel can read.")
        return
    if end is not None and end <= now:
        report.record("not-expired", False, f"It expired on {day(end)}.")
    elif start is not None and start > now:
        report.record("not-expired", False, f"It is not valid until {day(start)}.")
    elif end is not None:
        report.record("not-expired", True, f"It is valid until {day(end)}.")
    else:
        report.record("not-expired", True, "It has no expiry date.")


def check_recipient(report: Report, matched: bool, kind: str = "email address") -> None:
    """Record the recipient check for the expected email address."""
    if matched:
        report.record("recipient-matches", True, f"It was issued to {report.expected_email}.")
    else:
        report.record("recipient-matches", False, f"It was not issued to {report.expected_email}.")


def image_of(value: Any) -> str | None:
    """An image URL from a string or an Image object, if it is one a page can show."""
    url = value.get("id") if isinstance(value, dict) else value
    if isinstance(url, str) and url.startswith(("https://", "http://", "data:image/png", "data:image/svg")):
        return url
    return None
