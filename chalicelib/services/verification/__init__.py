"""Anyone's check of a badge: what a person gave (a URL, JSON, JWS or baked image) in, the verifier's
report out; and the one fetcher of outside URLs, bounded in time, size and where it may go."""

from chalicelib import lazy

__getattr__ = lazy.submodules(__name__, ("checker", "fetching"))
