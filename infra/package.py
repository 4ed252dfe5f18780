"""Build the AWS deployment: merge template, Lambda bundle (`chalice package`) and a cfn-lint check.

Run from the repository root with the project virtualenv: `.venv/bin/python infra/package.py`.
Writes build/resources.json and build/lambda-policy.json, then build/package/{sam.json,deployment.zip}.
Needs no AWS credentials; the network is used only for PyPI (chalice fetches manylinux wheels).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.config import get_settings  # noqa: E402
from chalicelib.store import schema  # noqa: E402

STAGE = "prod"
SECRETS_PREFIX = f"/laurel/{STAGE}/"  # SSM parameters the functions may read (OpenID client secrets)
SECRETS_NAMES = f"laurel/{STAGE}/"  # and Secrets Manager secrets (Apple's key, the challenge key)
BUILD = ROOT / "build"
RESOURCES = BUILD / "resources.json"
POLICY = BUILD / "lambda-policy.json"
OUT = BUILD / "package"
TEMPLATES = ROOT / "templates"
MAIL_DIR = TEMPLATES / "mail"
VENDOR_LINK = ROOT / "vendor" / "templates"
BIN = Path(sys.executable).parent
TABLES = ("AccountsTable", "BadgesTable", "AssertionsTable")
TABLE_ENV = ("ACCOUNTS_TABLE", "BADGES_TABLE", "ASSERTIONS_TABLE")
CREDENTIAL_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_ENDPOINT_URL",
)
# Module name in the bundle for requirements whose import name differs from the distribution name.
IMPORT_NAMES = {
    "pillow": "PIL",
    "markdown-it-py": "markdown_it",
    "pyyaml": "yaml",
    "argon2-cffi": "argon2",
    "python-dateutil": "dateutil",
    "pyopenssl": "OpenSSL",
    "pyasn1-modules": "pyasn1_modules",
}


def sub(text: str) -> dict:
    """CloudFormation Fn::Sub."""
    return {"Fn::Sub": text}


def arn(logical_id: str) -> dict:
    """CloudFormation Fn::GetAtt <logical_id>.Arn."""
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def chalice_config() -> dict:
    """The project's .chalice/config.json."""
    return json.loads((ROOT / ".chalice" / "config.json").read_text())


def lambda_timeout() -> int:
    """The prod Lambda timeout in seconds (stage setting, then top level, then Chalice's default)."""
    cfg = chalice_config()
    return int(cfg["stages"].get(STAGE, {}).get("lambda_timeout", cfg.get("lambda_timeout", 60)))


def xray_enabled() -> bool:
    """Whether the prod stage turns on X-Ray tracing."""
    cfg = chalice_config()
    return bool(cfg["stages"].get(STAGE, {}).get("xray", cfg.get("xray", False)))


def table_resource(definition: dict) -> dict:
    """AWS::DynamoDB::Table from a CreateTable-style dict (CloudFormation picks the physical name)."""
    props = {k: v for k, v in definition.items() if k != "TableName"}
    props["TimeToLiveSpecification"] = {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": props,
    }


def table_resources() -> dict:
    """The accounts, badges and assertions tables."""
    s = get_settings()
    defs = schema.table_definitions(s.accounts_table, s.badges_table, s.assertions_table)
    return {name: table_resource(d) for name, d in zip(TABLES, defs, strict=True)}


def bucket_resources() -> dict:
    """Private, encrypted image bucket that only accepts TLS."""
    block = dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    sse = {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    deny_plain_http = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn("ImagesBucket"), sub("${ImagesBucket.Arn}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return {
        "ImagesBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "PublicAccessBlockConfiguration": block,
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [sse]},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            },
        },
        "ImagesBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "ImagesBucket"},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [deny_plain_http]},
            },
        },
    }


def queue_resources() -> dict:
    """The mail queue (named as the app's on_sqs_message expects) and its dead-letter queue."""
    name = get_settings().mail_queue
    return {
        "MailDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"{name}-dlq",
                "MessageRetentionPeriod": 1209600,
                "SqsManagedSseEnabled": True,
            },
        },
        "MailQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": name,
                "VisibilityTimeout": 6 * lambda_timeout(),
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {"deadLetterTargetArn": arn("MailDeadLetterQueue"), "maxReceiveCount": 5},
            },
        },
    }


def alias_name() -> str:
    """KMS alias for the signing-key wrapping key (config's KMS_KEY_ID when it is an alias)."""
    key = get_settings().kms_key
    return key if key.startswith("alias/") else "alias/laurel"


def kms_resources() -> dict:
    """Customer-managed key that envelope-encrypts issuers' private signing keys, plus its alias."""
    admin = {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
        "Action": "kms:*",
        "Resource": "*",  # in a key policy "*" means this key
    }
    return {
        "SigningKey": {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "Laurel: wraps issuers' private signing keys",
                "EnableKeyRotation": True,
                "KeyPolicy": {"Version": "2012-10-17", "Statement": [admin]},
            },
        },
        "SigningKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": alias_name(), "TargetKeyId": {"Ref": "SigningKey"}},
        },
    }


def mail_parts() -> dict | None:
    """Subject/HTML/text of the award notice, or None when any of the three files is missing."""
    files = {
        "SubjectPart": MAIL_DIR / "award_notice.subject.txt",
        "HtmlPart": MAIL_DIR / "award_notice.html",
        "TextPart": MAIL_DIR / "award_notice.txt",
    }
    missing = [str(p.relative_to(ROOT)) for p in files.values() if not p.is_file()]
    if missing:
        print(f"WARNING: no SES template resource; missing {', '.join(missing)}", file=sys.stderr)
        return None
    parts = {k: p.read_text(encoding="utf-8") for k, p in files.items()}
    parts["SubjectPart"] = parts["SubjectPart"].strip()
    return parts


def secret_resources() -> dict:
    """The proof-of-work challenge's HMAC key, made by Secrets Manager at deploy time (nobody types it)."""
    generated = {"PasswordLength": 64, "ExcludePunctuation": True}
    properties = {"Name": f"{SECRETS_NAMES}altcha-key", "GenerateSecretString": generated}
    return {"AltchaSecret": {"Type": "AWS::SecretsManager::Secret", "Properties": properties}}


def ses_resources() -> dict:
    """The award-notice SES template, when its source files exist."""
    parts = mail_parts()
    if parts is None:
        return {}
    template = {"TemplateName": get_settings().award_notice_template, **parts}
    return {"AwardNoticeTemplate": {"Type": "AWS::SES::Template", "Properties": {"Template": template}}}


def parameters() -> dict:
    """Deploy-time inputs."""
    return {
        "PublicBaseUrl": {
            "Type": "String",
            "Description": "Public https URL of the site, no trailing slash (badge and claim links)",
            "AllowedPattern": "^https://[^\\s]*[^/\\s]$",
        },
        "SenderEmail": {
            "Type": "String",
            "Description": "SES-verified From address for award notices",
            "AllowedPattern": "^[^@\\s]+@[^@\\s]+$",
        },
        "UnsubscribeSecret": {
            "Type": "String",
            "NoEcho": True,
            "MinLength": 32,
            "Description": "HMAC key of the signed unsubscribe links (random, at least 32 characters)",
        },
        "OidcProviders": {
            "Type": "String",
            "Default": "[]",
            "Description": "JSON list of OpenID Connect providers (README: Sign-in providers). Client "
            f"secrets are named, never given: SSM parameters under {SECRETS_PREFIX} or Secrets Manager "
            f"secrets named {SECRETS_NAMES}...",
        },
        "AltchaCost": {
            "Type": "Number",
            "Default": 50000,
            "MinValue": 1000,
            "Description": "Proof-of-work iterations a browser spends per sign-up or reset form",
        },
    }


def environment() -> dict:
    """Environment variables for every function (SAM Globals merge them with Chalice's STAGE)."""
    s = get_settings()
    env = {key: {"Ref": table} for key, table in zip(TABLE_ENV, TABLES, strict=True)}
    env.update(
        BUCKET={"Ref": "ImagesBucket"},
        MAIL_QUEUE=s.mail_queue,
        SENDER_EMAIL={"Ref": "SenderEmail"},
        KMS_KEY_ID={"Ref": "SigningKeyAlias"},
        PUBLIC_BASE_URL={"Ref": "PublicBaseUrl"},
        AWARD_NOTICE_TEMPLATE=s.award_notice_template,
        UNSUBSCRIBE_SECRET={"Ref": "UnsubscribeSecret"},
        OIDC_PROVIDERS={"Ref": "OidcProviders"},
        ALTCHA_COST={"Ref": "AltchaCost"},
        ALTCHA_SECRET_PARAMETER={"Ref": "AltchaSecret"},  # the secret's ARN; its value never in the env
        STAGE=STAGE,
    )
    return env


def statement(sid: str, actions: list[str], resources: list) -> dict:
    """One Allow statement."""
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


def lambda_policy() -> dict:
    """Least-privilege policy; Chalice gives it to every function's role (prod iam_policy_file)."""
    dynamo = [f"dynamodb:{a}" for a in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")]
    dynamo += [f"dynamodb:{a}" for a in ("BatchGetItem", "BatchWriteItem", "ConditionCheckItem")]
    sqs = ["SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes", "GetQueueUrl"]
    sqs.append("ChangeMessageVisibility")
    s3 = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    ses = ["ses:SendEmail", "ses:SendTemplatedEmail", "ses:SendBulkTemplatedEmail"]
    ses_arn = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
    template = get_settings().award_notice_template
    ssm_arn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}"
    sm_arn = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
    statements = [
        statement("Tables", dynamo, [r for t in TABLES for r in (arn(t), sub(f"${{{t}.Arn}}/index/*"))]),
        statement("Images", s3, [sub("${ImagesBucket.Arn}/*")]),
        statement("MailQueue", [f"sqs:{a}" for a in sqs], [arn("MailQueue")]),
        # SES authorises on the From identity, the template and (in the sandbox) the recipient identity.
        statement("Mail", ses, [sub(f"{ses_arn}:identity/*"), sub(f"{ses_arn}:template/{template}")]),
        statement("SigningKeys", ["kms:GenerateDataKey", "kms:Decrypt"], [arn("SigningKey")]),
        # Sign-in secrets: OpenID client secrets and the challenge key, only this stage's. SecureStrings use
        # the AWS managed key aws/ssm, whose key policy lets SSM decrypt for the account's principals.
        statement("SignInParameters", ["ssm:GetParameter"], [sub(f"{ssm_arn}:parameter{SECRETS_PREFIX}*")]),
        statement(
            "SignInSecrets", ["secretsmanager:GetSecretValue"], [sub(f"{sm_arn}:secret:laurel/{STAGE}/*")]
        ),
        statement(
            "Logs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*")],
        ),
    ]
    if xray_enabled():  # X-Ray has no resource-level permissions: "*" is the only valid Resource
        statements.append(statement("XRay", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]))
    return {"Version": "2012-10-17", "Statement": statements}


def api_resources() -> dict:
    """API Gateway decodes a base64 body only when the request's first Accept type is binary: a browser's
    download (no Accept) would get base64 text. `*/*` decodes every body the app marked as base64, and the
    app marks only its binary types (AWS: "Return binary media from a Lambda proxy integration")."""
    definition = {"x-amazon-apigateway-binary-media-types": ["*/*"]}
    return {"RestAPI": {"Properties": {"DefinitionBody": definition}}}


def merge_template() -> dict:
    """Everything `chalice package` does not generate itself."""
    resources = {
        **table_resources(),
        **bucket_resources(),
        **queue_resources(),
        **kms_resources(),
        **secret_resources(),
        **ses_resources(),
        **api_resources(),
    }
    return {
        "Parameters": parameters(),
        "Globals": {"Function": {"Environment": {"Variables": environment()}}},
        "Resources": resources,
    }


def write_json(path: Path, data: dict) -> None:
    """Write pretty JSON, creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def ensure_templates_link() -> None:
    """Make vendor/templates -> ../templates so Chalice ships templates/ at the bundle root."""
    if VENDOR_LINK.is_symlink() and VENDOR_LINK.resolve() == TEMPLATES.resolve():
        return
    if VENDOR_LINK.exists() or VENDOR_LINK.is_symlink():
        sys.exit(f"{VENDOR_LINK.relative_to(ROOT)} exists but is not a symlink to ../templates")
    VENDOR_LINK.parent.mkdir(exist_ok=True)
    VENDOR_LINK.symlink_to(Path("..") / "templates", target_is_directory=True)
    print("created symlink vendor/templates -> ../templates")


def offline_env() -> dict:
    """This environment without AWS credentials or profiles, with a region and the prod stage."""
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_DEFAULT_REGION"] = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    env["STAGE"] = STAGE
    return env


def run_chalice() -> None:
    """`chalice package` the prod stage with the merge template; fail if any dependency is missing."""
    shutil.rmtree(OUT, ignore_errors=True)
    cmd = [str(BIN / "chalice"), "package", "--stage", STAGE, "--merge-template", str(RESOURCES), str(OUT)]
    proc = subprocess.run(cmd, cwd=ROOT, env=offline_env(), capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        sys.exit(f"chalice package failed with exit code {proc.returncode}")
    if "Could not install dependencies" in proc.stdout + proc.stderr:
        sys.exit("chalice could not package some requirements for Lambda (see above)")


def prune_chalice_cache() -> None:
    """Keep only the newest cached dependency zip in .chalice/deployments (each code change adds one)."""
    zips = sorted((ROOT / ".chalice" / "deployments").glob("*.zip"), key=lambda p: p.stat().st_mtime)
    for stale in zips[:-1]:
        stale.unlink()


def requirement_modules() -> dict[str, str]:
    """Requirement name -> top-level module expected in the bundle, from requirements.txt."""
    names = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name = line.split(";")[0].split("[")[0]
            for sep in ("==", ">=", "<=", "~=", "!=", ">", "<"):
                name = name.split(sep)[0]
            name = name.strip().lower()
            names[name] = IMPORT_NAMES.get(name, name.replace("-", "_"))
    return names


def host_built_wheels(zf: zipfile.ZipFile) -> list[str]:
    """Bundled distributions with no portable wheel tag: chalice built them here, against this host's libs."""
    bad = []
    for name in zf.namelist():
        if name.endswith(".dist-info/WHEEL"):
            lines = zf.read(name).decode().splitlines()
            tags = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("Tag:")]
            platforms = [t.rsplit("-", 1)[-1] for t in tags]
            if not any(p == "any" or p.startswith("manylinux") for p in platforms):
                bad.append(f"{name.split('/', 1)[0]} ({', '.join(tags)})")
    return bad


def check_bundle() -> None:
    """Fail if the zip lacks a requirement's top-level module or holds a wheel Lambda cannot load."""
    with zipfile.ZipFile(OUT / "deployment.zip") as zf:
        tops = {n.split("/", 1)[0].removesuffix(".py") for n in zf.namelist()}
        host_built = host_built_wheels(zf)
    missing = [req for req, mod in requirement_modules().items() if mod not in tops]
    if missing:
        sys.exit(f"deployment.zip lacks requirements: {', '.join(missing)}")
    if host_built:
        sys.exit(
            "no manylinux wheel old enough for the Lambda runtime's glibc, so chalice compiled these "
            "from source against this machine's libraries (they will not import on Lambda): "
            + "; ".join(host_built)
        )


def run_cfn_lint() -> None:
    """cfn-lint the generated SAM template; exit non-zero on errors (warnings are printed only)."""
    region = offline_env()["AWS_DEFAULT_REGION"]
    cmd = [str(BIN / "cfn-lint"), "--regions", region, "--", str(OUT / "sam.json")]
    proc = subprocess.run(cmd, cwd=ROOT, env=offline_env(), capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode & 3:  # 1 = fatal, 2 = error; 4 and 8 are warnings and notices
        sys.exit(f"cfn-lint found errors (exit code {proc.returncode})")
    print("cfn-lint: " + ("clean" if proc.returncode == 0 else "warnings only"))


def main() -> None:
    """Write the merge template and policy, package, lint and report."""
    sys.stdout.reconfigure(line_buffering=True)
    start = time.monotonic()
    write_json(RESOURCES, merge_template())
    write_json(POLICY, lambda_policy())
    ensure_templates_link()
    run_chalice()
    prune_chalice_cache()
    size = (OUT / "deployment.zip").stat().st_size / 1e6
    print(f"zip:      {(OUT / 'deployment.zip').relative_to(ROOT)} ({size:.1f} MB)")
    print(f"template: {(OUT / 'sam.json').relative_to(ROOT)}")
    run_cfn_lint()
    check_bundle()
    print(f"package OK in {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main()
