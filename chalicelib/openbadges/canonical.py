"""What can go wrong putting a JSON-LD document in canonical order (RDFC-1.0): raised by rdfc.py's bounded
canonizer and by dataintegrity.py, which both import it from here (so neither imports the other back)."""

from __future__ import annotations


class CanonicalizationError(ValueError):
    """A document that cannot be canonicalised faithfully (a property would be silently dropped)."""


class PoisonDatasetError(CanonicalizationError):
    """A document too costly to canonicalise: a poison graph, or nodes with too many values (rdfc.py)."""
