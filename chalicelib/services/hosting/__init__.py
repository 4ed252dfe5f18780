"""What verifiers fetch: the hosted Open Badges 2.0 documents, baked images, signed assertions and the
revocation list, and the Open Badges 3.0 credentials with their keys and status lists."""

from chalicelib import lazy

__getattr__ = lazy.submodules(
    __name__, ("award_storage", "baked", "credential_keys", "credentials", "documents", "hosted", "signing")
)
