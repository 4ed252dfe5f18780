"""store/secrets.py: SSM parameters and Secrets Manager secrets, decrypted, read once per 5 minutes."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from chalicelib.config import ConfigError
from chalicelib.store import aws, secrets


@pytest.fixture
def aws_secrets(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws.reset()
        secrets.forget()
        yield boto3.client("ssm"), boto3.client("secretsmanager")
        secrets.forget()
        aws.reset()


def test_an_ssm_secure_string_is_read_decrypted_and_kept(aws_secrets):
    ssm, _ = aws_secrets
    ssm.put_parameter(Name="/laurel/test/google", Value="s3cret", Type="SecureString")
    assert secrets.get("/laurel/test/google") == "s3cret"
    ssm.put_parameter(Name="/laurel/test/google", Value="rotated", Type="SecureString", Overwrite=True)
    assert secrets.get("/laurel/test/google") == "s3cret"  # kept for 5 minutes: no call per request
    secrets.forget()
    assert secrets.get("/laurel/test/google") == "rotated"


def test_a_secrets_manager_arn_is_read(aws_secrets):
    _, manager = aws_secrets
    arn = manager.create_secret(Name="laurel/test/apple", SecretString="-----BEGIN PRIVATE KEY-----")["ARN"]
    assert secrets.get(arn) == "-----BEGIN PRIVATE KEY-----"


def test_a_name_of_neither_kind_is_a_configuration_error(aws_secrets):
    with pytest.raises(ConfigError):
        secrets.get("google-client-secret")
