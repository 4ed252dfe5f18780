"""`make bench`: cold start and AWS calls per request path, printed as one table and written to
bench/RESULTS.md. Figures only: nothing here is asserted as a timing by the test suite."""

from __future__ import annotations

import datetime
import logging
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import aws_calls  # noqa: E402  (sets the environment before anything imports chalicelib)
import cold_start  # noqa: E402

IMPORT_RATIO_TARGET = 1.25
HOSTED_GET_DYNAMODB_TARGET = 1
BULK_DYNAMODB_TARGET = 420
BULK_SES_TARGET = 210
COLUMNS = ("Figure", "Value", "DynamoDB", "SQS", "SES", "S3", "KMS")


def _value_row(figure: str, value: str) -> list[str]:
    return [figure, value, "", "", "", "", ""]


def _calls_row(row: dict) -> list[str]:
    return [row["path"], row.get("note", ""), *(str(row[s]) for s in aws_calls.SERVICES)]


def _markdown(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [list(COLUMNS), *rows]) for i in range(len(COLUMNS))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def _verdict(name: str, met: bool, figure: str) -> str:
    return f"{'met   ' if met else 'MISSED'}  {name}: {figure}"


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    print("cold start: timing fresh interpreters ...", flush=True)
    cold = cold_start.measure(runs=11)
    found = cold_start.offenders(top=6)
    print(f"AWS calls: in-process moto, bulk of {aws_calls.BULK_ROWS:,} rows ...", flush=True)
    calls = aws_calls.run(aws_calls.BULK_ROWS)
    by_path = {row["path"]: row for row in calls["rows"]}
    bulk = calls["bulk"]
    n = bulk["rows"]

    table = [
        _value_row(
            f"cold start: import app (median of {cold['runs']})",
            f"{cold['app_cpu_s'] * 1000:.0f} ms CPU, {cold['app_s'] * 1000:.0f} ms wall",
        ),
        _value_row(
            f"cold start: import chalice, boto3 (median of {cold['runs']})",
            f"{cold['baseline_cpu_s'] * 1000:.0f} ms CPU, {cold['baseline_s'] * 1000:.0f} ms wall",
        ),
        _value_row(
            "cold start: ratio app / (chalice+boto3)",
            f"{cold['cpu_ratio']:.2f} CPU, {cold['ratio']:.2f} wall",
        ),
        *(_calls_row(row) for row in calls["rows"]),
        _value_row(f"bulk {n:,}: wall time, request + worker (moto)", f"{bulk['total_s']:.1f} s"),
        _value_row(f"bulk {n:,}: time per award (moto)", f"{bulk['total_s'] / n * 1000:.2f} ms"),
        _value_row(f"bulk {n:,}: awards per second (moto)", f"{bulk['awards_per_s']:.0f}"),
    ]

    hosted = by_path["hosted assertion GET (ld+json)"]["dynamodb"]
    total = by_path[f"bulk {n:,}: total"]
    job = bulk["job"]
    verdicts = [
        _verdict(
            f"import ratio <= {IMPORT_RATIO_TARGET} (CPU time)",
            cold["cpu_ratio"] <= IMPORT_RATIO_TARGET,
            f"{cold['cpu_ratio']:.2f} ({cold['app_cpu_s'] * 1000:.0f} ms"
            f" / {cold['baseline_cpu_s'] * 1000:.0f} ms);"
            f" wall-clock ratio {cold['ratio']:.2f}",
        ),
        _verdict(
            f"hosted assertion GET: {HOSTED_GET_DYNAMODB_TARGET} DynamoDB call",
            hosted <= HOSTED_GET_DYNAMODB_TARGET,
            f"{hosted}",
        ),
        _verdict(
            f"bulk {n:,}: <= {BULK_DYNAMODB_TARGET} DynamoDB calls",
            total["dynamodb"] <= BULK_DYNAMODB_TARGET,
            str(total["dynamodb"]),
        ),
        _verdict(
            f"bulk {n:,}: <= {BULK_SES_TARGET} SES calls", total["ses"] <= BULK_SES_TARGET, str(total["ses"])
        ),
        _verdict(
            f"bulk {n:,}: every row awarded and mailed once",
            job.get("done") == n
            and job.get("failed") == 0
            and bulk["mails_sent"] == n
            and bulk["notices"] == {"sent": n},
            f"job {job}, {bulk['mails_sent']:,} mails, notices {bulk['notices']}",
        ),
    ]

    operations = [f"- {row['path']}: {row['operations'] or 'no AWS call'}" for row in calls["rows"]]
    where = [
        "- our modules, self time: " + ", ".join(f"{m} {ms:.1f} ms" for m, ms in found["ours"]),
        "- packages the app imports beyond chalice+boto3, self time: "
        + ", ".join(f"{p} {ms:.1f} ms" for p, ms in found["extra"]),
        "- baseline packages the app does not import (boto3 is lazy; the first SQS/SES/S3 call pays): "
        + ", ".join(f"{p} {ms:.1f} ms" for p, ms in found["skipped"]),
    ]
    header = (
        f"{datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()} ({platform.machine()}), "
        f"bench took {time.perf_counter() - started:.0f} s"
    )
    print()
    print(header)
    print(_markdown(table))
    print()
    print("\n".join(verdicts))
    print()
    print("Import time (python -X importtime, one run; inflated by the tracing itself):")
    print("\n".join(where))

    (HERE / "RESULTS.md").write_text(
        "# Laurel bench results\n\n"
        f"{header}. Written by `make bench`; see bench/README.md for what each figure means.\n\n"
        f"{_markdown(table)}\n\n"
        "## Targets\n\n```\n" + "\n".join(verdicts) + "\n```\n\n"
        "## Calls by operation\n\n" + "\n".join(operations) + "\n\n"
        "## Where the import time goes\n\n"
        "From one `python -X importtime -c 'import app'` (the tracing inflates it).\n\n"
        + "\n".join(where)
        + "\n"
    )
    print(f"\nwritten to {HERE / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
