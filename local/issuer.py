"""Issuer CLI for the local stack (`make issuer`, `make keys`): prints JSON on stdout, notes on stderr."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def local_env(environ: dict[str, str]) -> str | None:
    """Point AWS clients at the moto of the stack serving PORT (see local/state.py), with dummy credentials
    and stage local; returns that moto's URL, or None when no stack is known."""
    from local import state

    url = state.moto_url(environ)
    if url is None:
        return None
    environ["AWS_ENDPOINT_URL"] = url
    environ["AWS_ACCESS_KEY_ID"] = "testing"
    environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    environ.pop("AWS_SESSION_TOKEN", None)
    environ.pop("AWS_PROFILE", None)
    environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    environ["STAGE"] = "local"
    return url


def moto_listening(url: str | None) -> bool:
    if url is None:
        return False
    parts = urlsplit(url)
    with socket.socket() as sock:
        return sock.connect_ex((parts.hostname or "127.0.0.1", parts.port or 80)) == 0


def no_stack(environ: dict[str, str]) -> str:
    port = environ.get("PORT") or "8000"
    return f"No Laurel stack answers for PORT={port}: start it with `make run PORT={port}` first."


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="local/issuer.py", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an issuer and its first API key")
    create.add_argument("--name", required=True)
    create.add_argument("--url", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--description")
    create.add_argument("--image", type=Path, help="issuer image (PNG or SVG, at most 1 MB)")
    keys = commands.add_parser("keys", help="list, create or revoke an issuer's API keys")
    keys.add_argument("action", choices=["list", "create", "revoke"])
    keys.add_argument("--issuer", required=True)
    keys.add_argument("--key", help="key id (for revoke)")
    keys.add_argument("--label", help="label (for create)")
    return top


def create(args: argparse.Namespace) -> dict:
    from chalicelib.services.issuing import issuers
    from chalicelib.store import current

    image = None
    if args.image is not None:
        if not args.image.is_file():
            raise SystemExit(f"--image: no such file {args.image}")
        image = args.image.read_bytes()
    issuer, key = issuers.create_issuer(
        name=args.name,
        url=args.url,
        email=args.email,
        description=args.description,
        image=image,
        store=current(),
    )
    return {"issuer_id": issuer.id, "api_key": key}


def keys(args: argparse.Namespace) -> Any:
    from chalicelib.services.issuing import issuers
    from chalicelib.store import current

    issuers.get_issuer(args.issuer, store=current())
    if args.action == "list":
        return [issuers.key_to_api(item) for item in issuers.list_api_keys(args.issuer, store=current())]
    if args.action == "create":
        item, key = issuers.create_api_key(args.issuer, label=args.label, store=current())
        return {**issuers.key_to_api(item), "api_key": key}
    if not args.key:
        raise SystemExit("keys revoke needs --key KEYID (see `keys list`)")
    return issuers.key_to_api(issuers.revoke_api_key(args.issuer, args.key, store=current()))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if not moto_listening(local_env(os.environ)):
        print(no_stack(os.environ), file=sys.stderr)
        return 2
    from chalicelib.errors import LaurelError

    try:
        result = create(args) if args.command == "create" else keys(args)
    except LaurelError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=None if args.command == "create" else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
