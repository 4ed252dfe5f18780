"""Issue 10's measures as ratchets, read from the source (pure AST, milliseconds).

Each measure lists today's offenders. A test fails on a new offender (the code got worse) and on a listed
file that no longer offends (the code got better: delete its line, so it cannot come back unnoticed).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from tests.support import layout

ROOT = Path(__file__).resolve().parents[2]
AWS_SDKS = ("boto3", "botocore", "pynamodb")
STORE_INSIDES = (
    "chalicelib.store.dynamo",
    "chalicelib.store.aws",
    "chalicelib.store.memory",
)
KEY = re.compile(r"[A-Z][A-Z_]*#")  # a storage key prefix: "EMAIL#", f"ACCOUNT#{id}"
MAX_LINES = 400
TEST_IMPORT = re.compile(  # `from tests.unit.test_x import`, `from tests.unit import conftest`, ...
    r"^\s*(from\s+tests(\.\w+)*\.(test_\w+|conftest)\s+import|from\s+tests(\.\w+)*\s+import\s+[^#\n]*"
    r"\b(test_\w+|conftest)\b|import\s+tests(\.\w+)*\.(test_\w+|conftest)\b)",
    re.MULTILINE,
)

# --- today's offenders: delete a line when its file is fixed ---------------------------------------

AWS_OUTSIDE_STORE: set[str] = set()
STORE_INSIDES_USED: set[str] = set()
IMPORT_CYCLES: set[tuple[str, ...]] = set()
LONG_MODULES: set[str] = set()
ENVIRONMENT_READERS: set[str] = set()
RAW_KEYS: set[str] = set()
PUBLIC_BASE_URL_READERS: set[str] = set()
JINJA_ENVIRONMENTS: set[str] = set()

# --- where a thing belongs (not offenders, ever) ----------------------------------------------------

# Building public URLs: services/shared/urls.py; reading the setting: config.py and app.py's wiring.
PUBLIC_BASE_URL_HOMES = {"chalicelib/config.py", "chalicelib/services/shared/urls.py", "app.py"}
# The web pages' environment and the one mail renderer's.
JINJA_HOMES = {"chalicelib/web/pages.py", "chalicelib/services/shared/mailer.py"}


# --- reading the code ---------------------------------------------------------------------------------


@cache
def modules() -> dict[str, Path]:
    """chalicelib's modules and app.py, by dotted name."""
    return layout.modules(ROOT)


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imported(path: Path, name: str) -> set[str]:
    """Every module imported at run time, at the top or inside a function (tests/support/layout.py)."""
    return layout.imported(tree(path), name, path.name == "__init__.py", set(modules()))


def strings(module: ast.Module) -> list[str]:
    """String literals and the literal start of f-strings, docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(module)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(module):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append(node.value)
    return found


cycles = layout.cycles


def ratchet(found: set, allowed: set, what: str) -> None:
    """No new offender; no listed offender that was fixed and is still listed."""
    new, fixed = sorted(found - allowed), sorted(allowed - found)
    assert not new, f"new {what} (fix them; the issue is to have none): {new}"
    assert not fixed, f"fixed, so delete them from the list in {Path(__file__).name}: {what}: {fixed}"


def outside_store(path: Path) -> bool:
    return not rel(path).startswith("chalicelib/store/")


# --- the measures -------------------------------------------------------------------------------------


def test_aws_sdks_are_imported_only_under_store():
    found = {
        rel(path)
        for name, path in modules().items()
        if outside_store(path) and any(m.split(".")[0] in AWS_SDKS for m in imported(path, name))
    }
    ratchet(found, AWS_OUTSIDE_STORE, "boto3/botocore/pynamodb imports outside chalicelib/store/")


def test_services_routes_and_web_use_only_the_store_ports():
    layers = ("chalicelib/services/", "chalicelib/routes/", "chalicelib/web/", "app.py")
    found = {
        rel(path)
        for name, path in modules().items()
        if rel(path).startswith(layers) and any(m.startswith(STORE_INSIDES) for m in imported(path, name))
    }
    ratchet(found, STORE_INSIDES_USED, "imports of store.dynamo|aws|memory from services/routes/web")


def test_no_import_cycles():
    known = modules()
    graph = {
        name: {m for m in imported(path, name) if m in known and m != name} for name, path in known.items()
    }
    ratchet(cycles(graph), IMPORT_CYCLES, "import cycles among chalicelib modules")


def test_modules_stay_under_400_lines():
    found = {
        rel(p) for p in modules().values() if len(p.read_text(encoding="utf-8").splitlines()) >= MAX_LINES
    }
    ratchet(found, LONG_MODULES, f"modules of {MAX_LINES} lines or more")


def test_only_config_reads_the_environment():
    def reads_environment(module: ast.Module) -> bool:
        return any(
            (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"))
            or (isinstance(node, ast.Name) and node.id in ("environ", "getenv"))
            for node in ast.walk(module)
        )

    found = {
        rel(p) for p in modules().values() if rel(p) != "chalicelib/config.py" and reads_environment(tree(p))
    }
    ratchet(found, ENVIRONMENT_READERS, "readers of os.environ/os.getenv besides config.py")


def test_storage_keys_are_spelled_only_in_store_dynamo():
    found = {
        rel(p)
        for p in modules().values()
        if not rel(p).startswith("chalicelib/store/dynamo/") and any(KEY.match(s) for s in strings(tree(p)))
    }
    ratchet(found, RAW_KEYS, "raw storage keys (EMAIL#…) outside store/dynamo")


def test_public_urls_are_built_in_one_place():
    found = {
        rel(p)
        for p in modules().values()
        if rel(p) not in PUBLIC_BASE_URL_HOMES
        and any(
            (isinstance(node, ast.Attribute) and node.attr == "public_base_url")
            or (isinstance(node, ast.Name) and node.id == "public_base_url")
            for node in ast.walk(tree(p))
        )
    }
    ratchet(found, PUBLIC_BASE_URL_READERS, "public_base_url outside services/shared/urls.py")


def test_one_mail_renderer_and_the_pages_make_jinja_environments():
    def makes_environment(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        called = node.func
        return (isinstance(called, ast.Name) and called.id == "Environment") or (
            isinstance(called, ast.Attribute) and called.attr == "Environment"
        )

    found = {
        rel(p)
        for p in modules().values()
        if rel(p) not in JINJA_HOMES and any(makes_environment(n) for n in ast.walk(tree(p)))
    }
    ratchet(found, JINJA_ENVIRONMENTS, "jinja2 Environments besides the mail renderer and web/pages.py")


def test_no_test_module_imports_another():
    """Shared helpers live in tests/support/, shared fixtures in conftest.py files."""
    found = {
        rel(path)
        for path in (ROOT / "tests").rglob("*.py")
        if "node_modules" not in path.parts and TEST_IMPORT.search(path.read_text(encoding="utf-8"))
    }
    ratchet(found, set(), "test modules importing test modules or conftest")


# --- the ratchet itself can fail both ways ------------------------------------------------------------


def test_the_ratchet_fails_on_a_new_offender_and_on_a_fixed_one():
    ratchet({"a.py"}, {"a.py"}, "things")
    with pytest.raises(AssertionError, match="new things"):
        ratchet({"a.py", "b.py"}, {"a.py"}, "things")
    with pytest.raises(AssertionError, match="delete them"):
        ratchet(set(), {"a.py"}, "things")


def test_the_readers_see_what_they_measure():
    """A cycle, a key in an f-string and a function-level import are found; a docstring key is not."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == {("a", "b")}
    source = ast.parse('"""pk EMAIL#x"""\ndef f(x):\n    """ACCOUNT#id"""\n    return f"EMAIL#{x}"\n')
    assert [s for s in strings(source) if KEY.match(s)] == ["EMAIL#"]
    for line in (
        "from tests.unit.test_accounts import ADA",
        "from tests.unit import test_addresses as a",
        "import tests.e2e.conftest",
        "    from tests.conftest import PROFILE",
    ):
        assert TEST_IMPORT.search(line), line
    for line in ("from tests.support.earners import csrf_token", "from tests.support import live as stack"):
        assert not TEST_IMPORT.search(line), line
    app = ROOT / "app.py"
    assert "chalicelib.store" in imported(app, "app") or any(
        m.startswith("chalicelib") for m in imported(app, "app")
    )
