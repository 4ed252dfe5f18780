"""Sign-up without a claim link: /signup, its emailed code and link, the details form and the welcome page."""

from __future__ import annotations

from chalice import Blueprint

blueprint = Blueprint(__name__)
