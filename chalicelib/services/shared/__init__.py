"""What every capability uses: identifiers and the clock, the rules for one field, rate limits, and
every public URL (urls.py)."""

from chalicelib import lazy

__getattr__ = lazy.submodules(__name__, ("fields", "ids", "ratelimit", "urls"))
