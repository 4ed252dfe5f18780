"""Who earners are: accounts and passwords, addresses and their proof, activation, sign-in sessions,
and merging two accounts of one person."""

from chalicelib import lazy

__getattr__ = lazy.submodules(
    __name__,
    ("accounts", "activation", "addresses", "merge", "merge_proof", "passwords", "sessions", "signup"),
)
