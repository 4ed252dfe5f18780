"""Who earners are: accounts and passwords, addresses and their proof, activation, sign-in sessions,
merging two accounts of one person, and the other ways in: sign-up without a claim link, identity
providers (OpenID Connect) and passkeys."""

from chalicelib import lazy

__getattr__ = lazy.submodules(
    __name__,
    (
        "accounts",
        "activation",
        "addresses",
        "ceremonies",
        "id_tokens",
        "merge",
        "merge_proof",
        "open_signup",
        "passkeys",
        "passwords",
        "providers",
        "sessions",
        "sign_in_methods",
        "signup",
        "social",
        "social_proof",
    ),
)
