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
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.layout import cycles, imported, modules  # noqa: E402  (the ratchet's own readers)

KEY_LITERAL = re.compile(r"""["'][A-Z]{2,}#""")


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
    named = modules(root)
    graph = {}
    aws_outside_store, store_insides_used = [], []
    for name, path in named.items():
        tree = ast.parse(path.read_text())
        found = imported(tree, name, path.name == "__init__.py", set(named))
        graph[name] = {m for m in found if m in named and m != name}
        rel = str(path.relative_to(root))
        if not rel.startswith("chalicelib/store/") and any(m.split(".")[0] in AWS_SDKS for m in found):
            aws_outside_store.append(rel)
        if rel.startswith(("chalicelib/services/", "chalicelib/routes/", "chalicelib/web/")) and any(
            m.startswith(STORE_INSIDES) for m in found
        ):
            store_insides_used.append(rel)
    sizes = sorted(
        ((len(p.read_text().splitlines()), str(p.relative_to(root))) for p in named.values()), reverse=True
    )
    env_readers = [
        str(p.relative_to(root))
        for p in named.values()
        if re.search(r"os\.environ|os\.getenv|getenv\(", p.read_text()) and p.name != "config.py"
    ]
    key_files = [
        str(p.relative_to(root))
        for p in named.values()
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
        "import cycles": sorted(cycles(graph)),
        "environment readers besides config.py": env_readers,
        "files with raw storage keys outside store/": key_files,
    }


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()), indent=2))
