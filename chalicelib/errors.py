"""Domain errors; routes turn them into problem+json responses."""

from __future__ import annotations


class LaurelError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict] | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}


class Invalid(LaurelError):
    status = 422
    title = "Invalid request"


class Unauthorized(LaurelError):
    status = 401
    title = "Unauthorized"


class Forbidden(LaurelError):
    status = 403
    title = "Forbidden"


class NotFound(LaurelError):
    status = 404
    title = "Not found"


class Conflict(LaurelError):
    status = 409
    title = "Conflict"


class Gone(LaurelError):
    status = 410
    title = "Gone"


class TooLarge(LaurelError):
    status = 413
    title = "Payload too large"


class Unsupported(LaurelError):
    status = 415
    title = "Unsupported media type"


class Unavailable(LaurelError):
    status = 503
    title = "Service unavailable"


# What the store answers when a write cannot be done; raised by chalicelib/store and nowhere else.
# A service turns Taken and Changed into its own words; Busy reaches the client as a 503 + Retry-After.
class Taken(Conflict):
    """A write refused: what it would create already exists (an address held, a key already used)."""

    title = "Conflict"


class Changed(Conflict):
    """A write refused: the record is not in the state the write expected (changed meanwhile, or gone)."""


class Busy(Unavailable):
    """The store refused for now (throttled, a conflicting transaction, an outage): nothing was written,
    and the same request a little later may pass."""
