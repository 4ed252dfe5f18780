"""Run the 1EdTech Open Badges 2.0 validator (PyPI ``openbadges`` 1.1.2) offline.

Runs inside ``.venv-validator`` (see ``setup.sh``). Prints one JSON object::

    {"valid": bool, "errorCount": int, "warningCount": int,
     "messages": [{"name", "messageLevel", "result", ...}, ...]}

and exits 0; exit status 2 means the harness itself failed (bad arguments, crash).

Network policy, enforced for every request the validator makes (it uses ``requests`` in several
places, and PyLD for JSON-LD contexts):

* the Open Badges v2 context (https://w3id.org/openbadges/v2 and its aliases) and the extension
  contexts/schemas the validator bundles are answered from the validator's own copies, or from
  ``chalicelib/openbadges/contexts/openbadges-v2.json``;
* requests to 127.0.0.1 / localhost / ::1 pass through to the real local server;
* anything else fails at once with a ConnectionError (no waiting on the closed network).

Baked images: the harness unbakes the file with the validator's own ``openbadges_bakery.unbake``
(exactly what ``openbadges.verify`` does with a file) and passes the text on. This works around a
validator defect: for an SVG whose ``<openbadges:assertion>`` has a ``verify`` attribute, unbake
returns *bytes*, which the validator's input detection cannot classify (NotImplementedError).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import socket
import sys
import traceback
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_CONTEXT = REPO_ROOT / "chalicelib" / "openbadges" / "contexts" / "openbadges-v2.json"

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
V2_CONTEXT_URLS = {
    "https://w3id.org/openbadges/v2",
    "http://w3id.org/openbadges/v2",
    "https://w3id.org/openbadges/v2/",
    "http://w3id.org/openbadges/v2/",
    "https://openbadgespec.org/v2/context.json",
    "http://openbadgespec.org/v2/context.json",
}


class OfflineError(ConnectionError):
    pass


def _v2_context() -> dict:
    try:
        from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT

        return OPENBADGES_CONTEXT_V2_DICT
    except ImportError:  # pragma: no cover - only if the validator layout changes
        return json.loads(PROJECT_CONTEXT.read_text())


def _bundled_documents() -> dict[str, object]:
    """URL -> JSON document answered locally."""
    docs: dict[str, object] = dict.fromkeys(V2_CONTEXT_URLS, _v2_context())
    try:
        from openbadges.verifier.extensions import ALL_KNOWN_EXTENSIONS

        for ext in ALL_KNOWN_EXTENSIONS.values():
            docs[ext.context_url] = ext.context_json
            docs.update(ext.validation_schema)
    except (ImportError, AttributeError):  # pragma: no cover
        pass
    return docs


def _is_loopback(host: str) -> bool:
    host = host.lower()
    return host in LOCAL_HOSTS or host.startswith("127.")


def _is_local(url: str) -> bool:
    return _is_loopback(urlsplit(url).hostname or "")


def _is_openbadges_url(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host in {"w3id.org", "openbadgespec.org"} and (
        host == "openbadgespec.org" or parts.path.startswith("/openbadges")
    )


def install_network_policy() -> None:
    """Patch requests (transport), PyLD (document loader) and sockets/DNS (last line of defence)."""
    import requests
    from requests.adapters import HTTPAdapter
    from requests.structures import CaseInsensitiveDict

    documents = _bundled_documents()
    real_send = HTTPAdapter.send

    def canned(request, status: int, body: bytes, content_type: str):
        resp = requests.Response()
        resp.status_code = status
        resp._content = body
        resp.headers = CaseInsensitiveDict({"Content-Type": content_type})
        resp.url = request.url
        resp.request = request
        resp.encoding = "utf-8"
        resp.reason = "OK" if status == 200 else "Not Found"
        return resp

    def send(self, request, *args, **kwargs):
        url = request.url
        if _is_local(url):
            return real_send(self, request, *args, **kwargs)
        doc = documents.get(url) or documents.get(url.rstrip("/"))
        if doc is not None:
            return canned(request, 200, json.dumps(doc).encode(), "application/ld+json")
        if _is_openbadges_url(url):
            return canned(request, 404, b'{"error": "not bundled offline"}', "application/json")
        raise requests.ConnectionError(f"offline validator harness: refusing to fetch {url}")

    HTTPAdapter.send = send

    # PyLD's own default loader uses urllib; route it through requests so the policy applies.
    from pyld import jsonld
    from pyld.jsonld import JsonLdError

    def pyld_loader(url):
        try:
            resp = requests.get(url, headers={"Accept": "application/ld+json, application/json"}, timeout=30)
        except requests.RequestException as exc:
            raise JsonLdError(
                "Could not retrieve JSON-LD document from URL.",
                "jsonld.LoadDocumentError",
                code="loading document failed",
                cause=exc,
            ) from exc
        return {"contextUrl": None, "documentUrl": url, "document": resp.text}

    jsonld.set_document_loader(pyld_loader)

    # Any socket connection that is not loopback fails immediately.
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family == socket.AF_UNIX or (isinstance(address, tuple) and _is_loopback(str(address[0]))):
            return real_connect(self, address)
        raise OfflineError(f"offline validator harness: refusing connection to {address!r}")

    socket.socket.connect = connect

    # ... and no DNS look-ups for other names (a closed network may make them hang).
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host is None or _is_loopback(host.decode() if isinstance(host, bytes) else str(host)):
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"offline validator harness: not resolving {host!r}")

    socket.getaddrinfo = getaddrinfo


def _badge_input(args) -> object:
    if args.url:
        return args.url
    if args.text is not None:
        return args.text.strip()
    if args.text_file:
        return Path(args.text_file).read_text(encoding="utf-8").strip()
    from openbadges_bakery import unbake

    with open(args.file, "rb") as fh:
        data = unbake(io.BytesIO(fh.read()))
    if data is None:
        return None
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return data.strip()


def _no_badge_report(path: str) -> dict:
    return {
        "valid": False,
        "errorCount": 1,
        "warningCount": 0,
        "messages": [
            {
                "name": "DETECT_INPUT_TYPE",
                "messageLevel": "ERROR",
                "result": f"Could not find Open Badges metadata in file {path}.",
                "success": False,
            }
        ],
    }


def run(args) -> dict:
    install_network_policy()
    badge_input = _badge_input(args)
    if badge_input is None:
        return _no_badge_report(args.file)

    import openbadges

    # No response caching: every validation sees the server as it is now.
    result = openbadges.verify(
        badge_input, recipient_profile={"email": args.recipient}, use_cache=False, cache_backend=None
    )
    report = result["report"]
    return {
        "valid": bool(report["valid"]),
        "errorCount": int(report["errorCount"]),
        "warningCount": int(report["warningCount"]),
        "messages": report["messages"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipient", required=True, help="recipient email to check the hashed identity")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="hosted assertion URL")
    source.add_argument("--file", help="baked PNG or SVG image")
    source.add_argument("--text", help="assertion JSON or compact JWS")
    source.add_argument("--text-file", help="file holding assertion JSON or compact JWS")
    parser.add_argument("--debug", action="store_true", help="show the validator's task tracebacks on stderr")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    if not args.debug:  # the validator logs every failed task's traceback; its report says enough
        logging.getLogger("openbadges.verifier").disabled = True
    try:
        out = run(args)
    except Exception:
        traceback.print_exc()
        return 2
    json.dump(out, sys.stdout, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
