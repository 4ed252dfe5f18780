"""Reading the shape of the code from its source (pure AST): which modules there are, what each imports at
run time, and the import cycles. tests/unit/test_architecture.py ratchets on it; bench/layout.py measures
two revisions with it."""

from __future__ import annotations

import ast
from pathlib import Path


def modules(root: Path) -> dict[str, Path]:
    """chalicelib's modules and app.py under `root`, by dotted name."""
    named = {}
    for path in [*sorted((root / "chalicelib").rglob("*.py")), root / "app.py"]:
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        named[".".join(parts)] = path
    return named


def _type_checking_nodes(module: ast.Module) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return hidden


def _absolute(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = name.split(".")
    package = parts[: len(parts) - node.level + (1 if is_package else 0)]
    return ".".join([*package, node.module] if node.module else package)


def imported(module: ast.Module, name: str, is_package: bool, known: set[str]) -> set[str]:
    """Every module `name` imports at run time, at the top or inside a function (not under
    TYPE_CHECKING); `from package import sub` counts as the submodule when it is one of `known`."""
    hidden = _type_checking_nodes(module)
    found: set[str] = set()
    for node in ast.walk(module):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, name, is_package)
            subs = {f"{base}.{alias.name}" for alias in node.names} & known
            found.update(subs or {base})
    return found


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[tuple[str, ...]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            component.append(node)
            if len(component) > 1:
                found.add(tuple(sorted(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
