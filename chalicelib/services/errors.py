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
