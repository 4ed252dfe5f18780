"""Social sign-in over OpenID Connect: /login/oidc/{provider} and its callback, the proof asked before an
identity is linked to an account that holds its address, and linking or unlinking in settings."""

from __future__ import annotations

from chalice import Blueprint

blueprint = Blueprint(__name__)
