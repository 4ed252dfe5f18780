"""Create the local AWS resources (tables, bucket, queues, sender, mail template, KMS key) idempotently."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from chalicelib.config import Settings, get_settings  # noqa: E402
from chalicelib.store import schema  # noqa: E402

MAIL_DIR = ROOT / "templates" / "mail"
MAX_RECEIVE_COUNT = 5
VISIBILITY_TIMEOUT = 60


def _session() -> boto3.session.Session:
    """A boto3 session with dummy credentials when none are set."""
    env = os.environ.get
    return boto3.session.Session(
        aws_access_key_id=env("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=env("AWS_SECRET_ACCESS_KEY", "testing"),
        aws_session_token=env("AWS_SESSION_TOKEN"),
        region_name=env("AWS_DEFAULT_REGION", "us-east-1"),
    )


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def ensure_tables(dynamodb: Any, settings: Settings) -> None:
    """Create the three tables (if missing) and enable TTL on each."""
    names = (settings.accounts_table, settings.badges_table, settings.assertions_table)
    for definition in schema.table_definitions(*names):
        name = definition["TableName"]
        try:
            dynamodb.create_table(**definition)
        except ClientError as error:
            if _code(error) != "ResourceInUseException":
                raise
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            spec = {"Enabled": True, "AttributeName": schema.TTL_ATTRIBUTE}
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)


def ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    """Create the image bucket if missing."""
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    try:
        s3.create_bucket(Bucket=bucket, **extra)
    except ClientError as error:
        if _code(error) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


def ensure_queues(sqs: Any, queue: str) -> str:
    """Create the mail queue and its dead-letter queue; returns the mail queue URL."""
    dlq_url = sqs.create_queue(QueueName=f"{queue}-dlq")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]
    dlq_arn = attrs["QueueArn"]
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
    attributes = {"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": str(VISIBILITY_TIMEOUT)}
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def award_notice_template(name: str) -> dict:
    """The SES template for the award notice, read from templates/mail."""
    return {
        "TemplateName": name,
        "SubjectPart": (MAIL_DIR / "award_notice.subject.txt").read_text().strip(),
        "HtmlPart": (MAIL_DIR / "award_notice.html").read_text(),
        "TextPart": (MAIL_DIR / "award_notice.txt").read_text(),
    }


def ensure_mail(ses: Any, settings: Settings) -> None:
    """Verify the sender identity and create or update the award notice template."""
    ses.verify_email_identity(EmailAddress=settings.sender)
    template = award_notice_template(settings.award_notice_template)
    try:
        ses.create_template(Template=template)
    except ClientError as error:
        if _code(error) != "AlreadyExists":
            raise
        ses.update_template(Template=template)


def ensure_kms_key(kms: Any, alias: str) -> str:
    """A symmetric KMS key behind the alias; returns its key id."""
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
    except ClientError as error:
        if _code(error) != "NotFoundException":
            raise
    key = kms.create_key(
        Description="Laurel local envelope key", KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT"
    )
    key_id = key["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return key_id


def bootstrap(endpoint_url: str | None) -> None:
    """Create every resource the app needs; safe to run again. endpoint_url None means in-process moto."""
    settings = get_settings()
    session = _session()

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)

    ensure_tables(client("dynamodb"), settings)
    ensure_bucket(client("s3"), settings.bucket, session.region_name)
    ensure_queues(client("sqs"), settings.mail_queue)
    ensure_mail(client("ses"), settings)
    if settings.kms_key.startswith("alias/"):
        ensure_kms_key(client("kms"), settings.kms_key)


if __name__ == "__main__":
    bootstrap(os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:5005")
