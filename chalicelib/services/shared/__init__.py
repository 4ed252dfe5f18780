"""What every capability uses: identifiers and the clock, the rules for one field, rate limits, every
public URL (urls.py), the one mail renderer (mailer.py), the one-time codes and links (onetime.py) and
the forms' "I'm not a robot" check (proof_of_work.py)."""

from chalicelib import lazy

__getattr__ = lazy.submodules(
    __name__, ("fields", "ids", "mailer", "onetime", "proof_of_work", "ratelimit", "urls")
)
