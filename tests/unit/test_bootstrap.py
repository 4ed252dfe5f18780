"""local/bootstrap.py against in-process moto: every resource exists, and a second run changes nothing."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from chalicelib.config import get_settings
from chalicelib.store import schema
from local import bootstrap as bootstrap_module


@pytest.fixture
def aws(monkeypatch):
    """In-process moto with the default settings; bootstrap run twice."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        bootstrap_module.bootstrap(None)
        bootstrap_module.bootstrap(None)
        yield boto3.session.Session(region_name="us-east-1")


def test_tables_have_their_indexes_and_ttl(aws):
    settings = get_settings()
    dynamodb = aws.client("dynamodb")
    expected = {
        settings.accounts_table: set(),
        settings.badges_table: {"by_issuer"},
        settings.assertions_table: {
            "by_issuer",
            "by_badge",
            "by_recipient",
            "by_job",
            "by_shelf",
            "by_expiry",
        },
    }
    assert set(dynamodb.list_tables()["TableNames"]) == set(expected)
    for name, indexes in expected.items():
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert {gsi["IndexName"] for gsi in table.get("GlobalSecondaryIndexes", [])} == indexes
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": schema.TTL_ATTRIBUTE}


def test_bucket_exists(aws):
    names = [bucket["Name"] for bucket in aws.client("s3").list_buckets()["Buckets"]]
    assert names == [get_settings().bucket]


def test_mail_queue_redrives_to_its_dead_letter_queue(aws):
    sqs = aws.client("sqs")
    name = get_settings().mail_queue
    assert len(sqs.list_queues()["QueueUrls"]) == 2
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_url(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}
    assert attrs["VisibilityTimeout"] == "60"


def test_sender_is_verified_and_template_matches_the_files(aws):
    settings = get_settings()
    ses = aws.client("ses")
    assert settings.sender in ses.list_identities(IdentityType="EmailAddress")["Identities"]
    template = ses.get_template(TemplateName=settings.award_notice_template)["Template"]
    expected = bootstrap_module.award_notice_template(settings.award_notice_template)
    assert template == expected
    assert template["SubjectPart"] == "{{{issuer_name}}} has issued you a badge: {{{badge_name}}}"
    assert len(ses.list_templates()["TemplatesMetadata"]) == 1


def test_template_is_updated_when_it_exists(aws):
    ses = aws.client("ses")
    name = get_settings().award_notice_template
    ses.update_template(Template={"TemplateName": name, "SubjectPart": "old", "TextPart": "old"})
    bootstrap_module.bootstrap(None)
    assert ses.get_template(TemplateName=name)["Template"]["SubjectPart"].startswith("{{{issuer_name}}}")


def test_one_symmetric_kms_key_behind_the_alias(aws):
    kms = aws.client("kms")
    alias = get_settings().kms_key
    aliases = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == alias]
    assert len(aliases) == 1
    assert len(kms.list_keys()["Keys"]) == 1
    meta = kms.describe_key(KeyId=alias)["KeyMetadata"]
    assert (meta["KeySpec"], meta["KeyUsage"]) == ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
