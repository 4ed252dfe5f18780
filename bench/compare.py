"""Before and after in one run: `python bench/compare.py --before <revision>` runs `make bench`'s figures
(bench/run.py) on a checkout of <revision> and on this tree, one after the other on the same machine,
measures the shape of both (bench/layout.py), and appends the comparison to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import layout  # noqa: E402

LINKED = (".venv", ".venv-validator", "tests/dcc/node_modules")


def _checkout(revision: str, where: Path) -> Path:
    tree = where / "before"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), revision], cwd=ROOT, check=True)
    for name in LINKED:
        if (ROOT / name).exists():
            (tree / name).symlink_to(ROOT / name)
    return tree


def _bench(tree: Path) -> dict[str, list[str]]:
    """Run bench/run.py in `tree` and read back its table: figure → its other cells."""
    subprocess.run([sys.executable, "bench/run.py"], cwd=tree, check=True, stdout=subprocess.DEVNULL)
    rows = {}
    for line in (tree / "bench/RESULTS.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 7 and cells[0] != "Figure":
            rows[cells[0]] = cells[1:]
    return rows


def _shape_rows(before: dict, after: dict) -> list[str]:
    def show(value) -> str:
        if isinstance(value, list) and value and isinstance(value[0], (str, list)):
            return f"{len(value)}"
        if isinstance(value, list):
            return f"{value[0]} ({value[1]})" if value else "0"
        return str(value)

    lines = ["| Measure | Before | After |", "|---|---|---|"]
    lines += [f"| {name} | {show(before[name])} | {show(after[name])} |" for name in after]
    return lines


def _figure_rows(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    def cell(cells: list[str] | None) -> str:
        if cells is None:
            return "—"
        value, calls = cells[0], cells[1:]
        counted = ", ".join(
            f"{s} {n}"
            for s, n in zip(("DynamoDB", "SQS", "SES", "S3", "KMS"), calls, strict=True)
            if n and n != "0"
        )
        return "; ".join(part for part in (value, counted) if part) or "no AWS call"

    lines = ["| Figure | Before | After |", "|---|---|---|"]
    for figure in [*after, *(f for f in before if f not in after)]:
        lines.append(f"| {figure} | {cell(before.get(figure))} | {cell(after.get(figure))} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", required=True, help="the revision to compare with, e.g. a commit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as where:
        tree = _checkout(args.before, Path(where))
        try:
            print(f"bench on {args.before} ...", flush=True)
            figures_before = _bench(tree)
            shape_before = layout.measure(tree)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    print("bench on this tree ...", flush=True)
    figures_after = _bench(ROOT)
    shape_after = layout.measure(ROOT)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = [
        "",
        f"## Before and after, one run ({when}): {args.before} → {head.stdout.strip()} and work tree",
        "",
        "The shape of the code (bench/layout.py; lists are counted, their items are in layout.json below):",
        "",
        *_shape_rows(shape_before, shape_after),
        "",
        "Every figure of `make bench`, on the same machine one after the other:",
        "",
        *_figure_rows(figures_before, figures_after),
        "",
        "<details><summary>layout.json, before and after</summary>",
        "",
        "```json",
        json.dumps({"before": shape_before, "after": shape_after}, indent=1),
        "```",
        "</details>",
        "",
    ]
    with (HERE / "RESULTS.md").open("a") as results:
        results.write("\n".join(section))
    print("\n".join(section[:40]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
