#!/usr/bin/env bash
# Browser-test prerequisites, from nothing: Debian's Chromium and Playwright for Python (pinned in
# requirements-dev.txt). Idempotent, and a fast no-op once both are there. Never `playwright install`:
# the tests drive /usr/bin/chromium through executable_path; no browser is downloaded.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  echo "browser tests: installing Debian's chromium" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium fonts-liberation >/dev/null
fi

pin="$(grep -E '^playwright==' requirements-dev.txt || true)"
if [ -z "$pin" ]; then
  echo "browser tests: requirements-dev.txt has no playwright==<version> line" >&2
  exit 1
fi
if ! .venv/bin/python - "${pin#playwright==}" <<'PY'; then
import importlib.metadata as metadata
import sys

try:
    sys.exit(metadata.version("playwright") != sys.argv[1])
except metadata.PackageNotFoundError:
    sys.exit(1)
PY
  echo "browser tests: installing $pin" >&2
  .venv/bin/pip install -q "$pin" >&2
fi
