"""What issuers do over the API: issuers and their API keys, badge classes, awards one by one or in bulk,
the changes to an award (revoke, resend, recertify, erase), award notices and their opt-outs."""

from chalicelib import lazy

__getattr__ = lazy.submodules(
    __name__,
    (
        "award_changes",
        "awards",
        "badgeclasses",
        "bulk",
        "bulk_worker",
        "expiry",
        "idempotency",
        "issuers",
        "notices",
        "unsubscribe",
    ),
)
