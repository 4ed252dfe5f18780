"""The sign-in settings page: the password (set one when there is none), linked identities and passkeys,
and the last way in, which cannot be removed."""

from __future__ import annotations

from chalice import Blueprint

blueprint = Blueprint(__name__)
