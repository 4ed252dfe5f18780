"""`make package` (infra/package.py): the Lambda zip is complete and the template is deployable."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chalicelib.config import get_settings
from chalicelib.store import schema

pytestmark = pytest.mark.slow  # a minute of `chalice package`
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "package"
ZIP = OUT / "deployment.zip"
SAM = OUT / "sam.json"
BIN = Path(sys.executable).parent
# Distribution name -> import package, where they differ.
IMPORT_NAMES = {
    "pillow": "PIL",
    "markdown-it-py": "markdown_it",
    "argon2-cffi": "argon2",
    "pyopenssl": "OpenSSL",
    "pyasn1-modules": "pyasn1_modules",
}
# Services whose actions have no resource-level permissions, so "*" is the only valid Resource.
# X-Ray (only when tracing is on). Logs and SES do accept ARNs, and the policy scopes them.
STAR_RESOURCE_SIDS = {"XRay"}


@pytest.fixture(scope="module")
def build() -> subprocess.CompletedProcess:
    """Run infra/package.py once for this module (about a minute; longer on a cold pip cache)."""
    cmd = [sys.executable, "infra/package.py"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)


@pytest.fixture(scope="module")
def names(build) -> set[str]:
    """Every path in deployment.zip."""
    assert ZIP.is_file(), build.stdout + build.stderr
    with zipfile.ZipFile(ZIP) as zf:
        return set(zf.namelist())


@pytest.fixture(scope="module")
def resources(build) -> dict:
    """Resources of the generated SAM template."""
    assert SAM.is_file(), build.stdout + build.stderr
    return json.loads(SAM.read_text())["Resources"]


def of_type(resources: dict, cfn_type: str) -> dict:
    """The resources of one CloudFormation type."""
    return {k: v for k, v in resources.items() if v["Type"] == cfn_type}


def requirement_names() -> list[str]:
    """Distribution names in requirements.txt, lower-case."""
    names = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(line.split("==")[0].split("[")[0].strip().lower())
    return names


def test_package_script_succeeds(build):
    assert build.returncode == 0, build.stdout + build.stderr
    assert "deployment.zip" in build.stdout


def test_cfn_lint_is_clean(build):
    cmd = [str(BIN / "cfn-lint"), "--regions", "us-east-1", "--", str(SAM)]
    lint = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_zip_has_app_code(names):
    assert {"app.py", "chalicelib/config.py", "chalicelib/store/schema.py"} <= names


def test_zip_has_every_template(names):
    files = [p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()]
    assert files, "templates/ is empty: nothing to ship"
    assert sorted(set(files) - names) == []


def test_zip_has_every_jsonld_context(names):
    contexts = [
        p.relative_to(ROOT).as_posix() for p in (ROOT / "chalicelib/openbadges/contexts").glob("*.json")
    ]
    assert contexts
    assert sorted(set(contexts) - names) == []


def test_zip_has_every_served_asset(names):
    from chalicelib.routes.assets import FILES

    assert sorted({f"chalicelib/assets/{name}" for name in FILES} - names) == []


def test_zip_has_every_requirement(names):
    tops = {n.split("/", 1)[0].removesuffix(".py") for n in names}
    wanted = {r: IMPORT_NAMES.get(r, r.replace("-", "_")) for r in requirement_names()}
    assert {r: m for r, m in wanted.items() if m not in tops} == {}


def test_zip_has_only_portable_wheels(names):
    """A wheel tagged linux_* was compiled on this machine and links its libraries: it breaks on Lambda."""
    with zipfile.ZipFile(ZIP) as zf:
        wheels = {n: zf.read(n).decode() for n in names if n.endswith(".dist-info/WHEEL")}
    assert wheels
    for name, text in wheels.items():
        platforms = [ln.rsplit("-", 1)[-1].strip() for ln in text.splitlines() if ln.startswith("Tag:")]
        assert any(p == "any" or p.startswith("manylinux") for p in platforms), (name, platforms)


def test_tables_with_indexes_ttl_and_pitr(resources):
    tables = [t["Properties"] for t in of_type(resources, "AWS::DynamoDB::Table").values()]
    for props in tables:
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["TimeToLiveSpecification"] == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    fields = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")
    shape = [{f: d.get(f) for f in fields} for d in schema.table_definitions("a", "b", "c")]
    built = [{f: p.get(f) for f in fields} for p in tables]
    assert sorted(map(json.dumps, built)) == sorted(map(json.dumps, shape))


def test_queue_redrives_to_dead_letter_queue(resources):
    queues = of_type(resources, "AWS::SQS::Queue")
    main = next(
        q["Properties"] for q in queues.values() if q["Properties"]["QueueName"] == get_settings().mail_queue
    )
    redrive = main["RedrivePolicy"]
    dlq = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert dlq in queues and dlq != "MailQueue"
    assert redrive["maxReceiveCount"] == 5
    timeouts = [f["Properties"]["Timeout"] for f in of_type(resources, "AWS::Serverless::Function").values()]
    assert main["VisibilityTimeout"] >= 6 * max(timeouts)


def test_worker_consumes_the_queue(resources):
    functions = of_type(resources, "AWS::Serverless::Function").values()
    events = [e for f in functions for e in f["Properties"].get("Events", {}).values() if e["Type"] == "SQS"]
    assert events
    assert all(e["Properties"]["Queue"]["Fn::Sub"].endswith(":" + get_settings().mail_queue) for e in events)


def test_bucket_is_private_and_encrypted(resources):
    (bucket,) = of_type(resources, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]


def test_signing_key_and_alias(resources):
    (key,) = of_type(resources, "AWS::KMS::Key")
    (alias,) = of_type(resources, "AWS::KMS::Alias").values()
    assert alias["Properties"] == {"AliasName": get_settings().kms_key, "TargetKeyId": {"Ref": key}}


def test_ses_template_matches_files(resources):
    mail = ROOT / "templates" / "mail"
    (tpl,) = of_type(resources, "AWS::SES::Template").values()
    t = tpl["Properties"]["Template"]
    assert t["TemplateName"] == get_settings().award_notice_template
    assert t["HtmlPart"] == (mail / "award_notice.html").read_text(encoding="utf-8")
    assert t["TextPart"] == (mail / "award_notice.txt").read_text(encoding="utf-8")
    assert t["SubjectPart"] == (mail / "award_notice.subject.txt").read_text(encoding="utf-8").strip()


def test_api_gateway_decodes_binary_bodies_whatever_the_accept_header(resources):
    """A browser's download link sends no Accept header: API Gateway must still return bytes."""
    definition = resources["RestAPI"]["Properties"]["DefinitionBody"]
    assert definition["x-amazon-apigateway-binary-media-types"] == ["*/*"]


def test_functions_get_settings_from_environment(build):
    env = json.loads(SAM.read_text())["Globals"]["Function"]["Environment"]["Variables"]
    keys = ("ACCOUNTS_TABLE", "BADGES_TABLE", "ASSERTIONS_TABLE", "BUCKET", "MAIL_QUEUE", "SENDER_EMAIL")
    keys += ("KMS_KEY_ID", "PUBLIC_BASE_URL", "AWARD_NOTICE_TEMPLATE", "STAGE")
    assert set(keys) <= set(env)
    assert env["MAIL_QUEUE"] == get_settings().mail_queue
    assert env["STAGE"] == "prod"  # a deployed stage: no outbox, no development secrets


def test_every_function_runs_on_a_deployed_stage(build):
    from chalicelib.config import DEVELOPMENT_STAGES

    resources = json.loads(SAM.read_text())["Resources"]
    for fn in of_type(resources, "AWS::Serverless::Function").values():
        stage = fn["Properties"].get("Environment", {}).get("Variables", {}).get("STAGE", "prod")
        assert stage and stage not in DEVELOPMENT_STAGES


def role_statements(resources: dict) -> list[dict]:
    """Every statement of every inline policy of every role, checking each function uses such a role."""
    roles = of_type(resources, "AWS::IAM::Role")
    for fn in of_type(resources, "AWS::Serverless::Function").values():
        assert fn["Properties"]["Role"]["Fn::GetAtt"][0] in roles
    docs = [p["PolicyDocument"] for r in roles.values() for p in r["Properties"].get("Policies", [])]
    assert docs
    return [s for d in docs for s in d["Statement"]]


def as_list(value) -> list:
    """A policy field that may be one value or a list."""
    return value if isinstance(value, list) else [value]


def test_role_policy_is_least_privilege(resources):
    statements = role_statements(resources)
    for s in statements:
        assert s["Effect"] == "Allow" and "NotAction" not in s and "NotResource" not in s
        assert all("*" not in a for a in as_list(s["Action"])), s
        if "*" in as_list(s["Resource"]):
            assert s["Sid"] in STAR_RESOURCE_SIDS, s
    granted = {a for s in statements for a in as_list(s["Action"])}
    needed = {"dynamodb:ConditionCheckItem", "dynamodb:UpdateItem", "dynamodb:Query", "s3:PutObject"}
    needed |= {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "ses:SendBulkTemplatedEmail"}
    needed |= {"kms:GenerateDataKey", "kms:Decrypt", "logs:PutLogEvents"}
    assert needed <= granted


def test_role_policy_covers_tables_and_indexes(resources):
    tables = of_type(resources, "AWS::DynamoDB::Table")
    dynamo = [
        s for s in role_statements(resources) if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    ]
    targets = {json.dumps(r, sort_keys=True) for s in dynamo for r in as_list(s["Resource"])}
    for t in tables:
        assert json.dumps({"Fn::GetAtt": [t, "Arn"]}, sort_keys=True) in targets
        assert json.dumps({"Fn::Sub": f"${{{t}.Arn}}/index/*"}, sort_keys=True) in targets


def test_sign_in_secrets_are_named_never_given(build, resources):
    """OpenID client secrets and the challenge key reach the functions as names (an SSM parameter, a secret's
    ARN), never as values in the environment; the role reads only this stage's."""
    env = json.loads(SAM.read_text())["Globals"]["Function"]["Environment"]["Variables"]
    assert env["ALTCHA_SECRET_PARAMETER"] == {"Ref": "AltchaSecret"}
    assert env["OIDC_PROVIDERS"] == {"Ref": "OidcProviders"}
    secret = resources["AltchaSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret" and "GenerateSecretString" in secret["Properties"]
    reads = {
        a: r
        for s in role_statements(resources)
        for a in as_list(s["Action"])
        if a.startswith(("ssm:", "secretsmanager:"))
        for r in [json.dumps(s["Resource"])]
    }
    assert set(reads) == {"ssm:GetParameter", "secretsmanager:GetSecretValue"}
    assert ":parameter/laurel/prod/*" in reads["ssm:GetParameter"]
    assert ":secret:laurel/prod/*" in reads["secretsmanager:GetSecretValue"]
