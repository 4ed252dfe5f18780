"""The shape of the code, measured (issue 10): where AWS is imported, module sizes, complexity, import
cycles, environment readers, raw storage keys. `python bench/layout.py [ROOT]` prints them as JSON;
bench/compare.py reads them for two revisions in one run."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

AWS_SDKS = ("boto3", "botocore", "pynamodb")
STORE_INSIDES = (
    "chalicelib.store.models",
    "chalicelib.store.dynamo",
    "chalicelib.store.aws",
    "chalicelib.store.memory",
)
KEY_LITERAL = re.compile(r"""["'][A-Z]{2,}#""")


def _modules(root: Path) -> dict[str, Path]:
    files = [*sorted((root / "chalicelib").rglob("*.py")), root / "app.py"]
    named = {}
    for path in files:
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        named[".".join(parts)] = path
    return named


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:` (not imported at run time)."""
    hidden = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return hidden


def _imports(path: Path, module: str, is_package: bool, known: set[str] | None = None) -> set[str]:
    """Every module this one imports at run time, at the top or inside a function (relative imports
    resolved; `from package import submodule` counts as the submodule only)."""
    tree = ast.parse(path.read_text())
    hidden = _type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*package, base] if base else package)
            submodules = {f"{base}.{alias.name}" for alias in node.names}
            inside = {m for m in submodules if known is not None and m in known}
            found.update(inside or {base})
            found.update(submodules - inside if known is None else set())
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative enough for our size)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _complexity(root: Path) -> list[tuple[int, str]]:
    """(cyclomatic complexity, where) of every function in chalicelib/ and app.py, by ruff's C901."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--select",
            "C901",
            "--output-format",
            "json",
            "--config",
            "lint.mccabe.max-complexity = 0",
            "chalicelib",
            "app.py",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    scores = []
    for finding in json.loads(done.stdout or "[]"):
        number = re.search(r"\((\d+) > 0\)", finding["message"])
        if number:
            where = f"{Path(finding['filename']).relative_to(root)}:{finding['location']['row']}"
            scores.append((int(number.group(1)), where))
    return sorted(scores, reverse=True)


def measure(root: Path) -> dict:
    modules = _modules(root)
    graph = {}
    aws_outside_store, store_insides_used = [], []
    for name, path in modules.items():
        imported = _imports(path, name, path.name == "__init__.py", set(modules))
        graph[name] = {m for m in imported if m in modules and m != name}
        rel = str(path.relative_to(root))
        if not rel.startswith("chalicelib/store/") and any(m.split(".")[0] in AWS_SDKS for m in imported):
            aws_outside_store.append(rel)
        if rel.startswith(("chalicelib/services/", "chalicelib/routes/", "chalicelib/web/")) and any(
            m.startswith(STORE_INSIDES) for m in imported
        ):
            store_insides_used.append(rel)
    sizes = sorted(
        ((len(p.read_text().splitlines()), str(p.relative_to(root))) for p in modules.values()), reverse=True
    )
    env_readers = [
        str(p.relative_to(root))
        for p in modules.values()
        if re.search(r"os\.environ|os\.getenv|getenv\(", p.read_text()) and p.name != "config.py"
    ]
    key_files = [
        str(p.relative_to(root))
        for p in modules.values()
        if KEY_LITERAL.search(p.read_text()) and "chalicelib/store/" not in str(p)
    ]
    scores = _complexity(root)
    services = [p for p in (root / "chalicelib/services").rglob("*.py") if p.name != "__init__.py"]
    return {
        "service modules": len(services),
        "service lines": sum(len(p.read_text().splitlines()) for p in services),
        "files importing boto3/botocore/pynamodb outside store/": aws_outside_store,
        "services/routes/web importing store internals": store_insides_used,
        "largest module": sizes[0],
        "modules of 400 lines or more": [f"{n} {p}" for n, p in sizes if n >= 400],
        "highest complexity": scores[0] if scores else (0, ""),
        "functions over complexity 12": [f"{n} {w}" for n, w in scores if n > 12],
        "import cycles": _cycles(graph),
        "environment readers besides config.py": env_readers,
        "files with raw storage keys outside store/": key_files,
    }


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()), indent=2))
