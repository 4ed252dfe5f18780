"""The three DynamoDB tables as plain data: one source for local setup and the CloudFormation template."""

from __future__ import annotations

TTL_ATTRIBUTE = "ttl"


def _gsi(name: str, hash_key: str, range_key: str) -> dict:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def table_definitions(accounts: str, badges: str, assertions: str) -> list[dict]:
    """CreateTable arguments (on-demand billing) for the accounts, badges and assertions tables."""
    keys = [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]

    def attrs(*names: tuple[str, str]) -> list[dict]:
        base = [("pk", "S"), ("sk", "S"), *names]
        return [{"AttributeName": n, "AttributeType": t} for n, t in base]

    return [
        {
            "TableName": accounts,
            "KeySchema": keys,
            "AttributeDefinitions": attrs(),
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": badges,
            "KeySchema": keys,
            "AttributeDefinitions": attrs(("issuer_id", "S"), ("listing", "S")),
            "GlobalSecondaryIndexes": [_gsi("by_issuer", "issuer_id", "listing")],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": assertions,
            "KeySchema": keys,
            "AttributeDefinitions": attrs(
                ("issuer_id", "S"),
                ("badge_id", "S"),
                ("recipient_email", "S"),
                ("listing", "S"),
                ("job_id", "S"),
                ("job_row", "N"),
                ("shelf", "S"),
                ("expiring", "S"),
                ("expires", "S"),
            ),
            "GlobalSecondaryIndexes": [
                _gsi("by_issuer", "issuer_id", "listing"),
                _gsi("by_badge", "badge_id", "listing"),
                _gsi("by_recipient", "recipient_email", "listing"),
                _gsi("by_job", "job_id", "job_row"),
                # the backpack's (store/shelves.py): a tab's page, and what can expire, per address
                _gsi("by_shelf", "shelf", "listing"),
                _gsi("by_expiry", "expiring", "expires"),
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
    ]
