"""Passkeys: the WebAuthn ceremonies that register one in settings and sign in with one (no password
typed)."""

from __future__ import annotations

from chalice import Blueprint

blueprint = Blueprint(__name__)
