#!/usr/bin/env bash
# Create .venv-validator (repo root) with the 1EdTech Open Badges 2.0 validator, offline-ready.
# Idempotent: a no-op while the stamp is newer than the pin files and this script.
# Needs python3 (3.11) and a reachable package index (PyPI). Usage: tests/validator/setup.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
venv="$(cd "$here/../.." && pwd)/.venv-validator"
# A worktree may link .venv-validator to a shared one: rebuild that in place (venv --clear would empty it
# through the link and then refuse the link).
[[ -L "$venv" ]] && venv="$(readlink -f "$venv")"
stamp="$venv/.laurel-validator-stamp"
python="${PYTHON:-python3}"

fresh() {
    [[ -f "$stamp" && -x "$venv/bin/python" ]] || return 1
    local f
    for f in "$here/requirements-nodeps.txt" "$here/requirements.txt" "$here/setup.sh"; do
        [[ "$stamp" -nt "$f" ]] || return 1
    done
}

if [[ "${1:-}" != "--force" ]] && fresh; then
    exit 0
fi

# Serialise concurrent runs (e.g. parallel pytest workers), then re-check.
lock="${TMPDIR:-/tmp}/laurel-venv-validator-$(printf '%s' "$venv" | cksum | cut -d' ' -f1).lock"
exec 9>"$lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
    if [[ "${1:-}" != "--force" ]] && fresh; then
        exit 0
    fi
fi

echo "setup.sh: building $venv" >&2
"$python" -m venv --clear "$venv"
log="$venv/.pip-install.log"
pip_install() {
    # pip reports the validator's own (unusable) pins as a resolver "ERROR" yet exits 0: expected.
    if ! "$venv/bin/python" -m pip --disable-pip-version-check --quiet install "$@" >"$log" 2>&1; then
        cat "$log" >&2
        exit 1
    fi
    grep -v -e "^openbadges 1.1.2 requires" -e "dependency resolver does not currently" \
        -e "^WARNING: Location 'file:" "$log" >&2 || true
}
pip_install --no-deps -r "$here/requirements-nodeps.txt"
pip_install -r "$here/requirements.txt"
"$venv/bin/python" -c "import openbadges, openbadges_bakery, jose, pyld, Crypto; from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT"
date -u +%Y-%m-%dT%H:%M:%SZ >"$stamp"
echo "setup.sh: ready ($venv)" >&2
