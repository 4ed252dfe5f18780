"""`make bench`: cold start, AWS calls per request path (issuer API, public pages, the earner's backpack and
claim flow, sign-up, passkeys and OpenID Connect sign-in), Open Badges 2.0/3.0 verification and signing
speed against the 1EdTech validator and the DCC Node libraries, and baking speed against
openbadges-bakery, printed as one table and written to bench/RESULTS.md. Figures only: nothing here is
asserted as a timing by the test suite."""

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
import baking_speed  # noqa: E402
import cold_start  # noqa: E402
import earner_calls  # noqa: E402
import hostile_verify  # noqa: E402
import sign_in_calls  # noqa: E402
import verify_speed  # noqa: E402

IMPORT_RATIO_TARGET = 1.25
HOSTED_GET_DYNAMODB_TARGET = 1
BULK_DYNAMODB_TARGET = 420
BULK_SES_TARGET = 210
OB2_VERIFY_RATIO_TARGET = 10
OB3_SIGN_RATIO_TARGET = 2
BAKE_RATIO_TARGET = 5
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


def _ob2_rows(r: dict) -> list[list[str]]:
    rows = [
        _value_row(
            f"OB 2.0 hosted verify: ours, real HTTP (median of {r['runs']})",
            f"{r['ours_s'] * 1000:.2f} ms, {r['ours_requests']} requests",
        )
    ]
    v = r["validator"]
    if v is None:
        return [*rows, _value_row("OB 2.0 hosted verify: 1EdTech validator", r["validator_missing"])]
    return [
        *rows,
        _value_row(
            f"OB 2.0 hosted verify: 1EdTech validator, in-process (median of {v['runs']})",
            f"{v['median_s'] * 1000:.2f} ms, {r['validator_requests']} requests",
        ),
        _value_row(
            "OB 2.0 hosted verify: 1EdTech validator, subprocess per call"
            f" (median of {r['subprocess_runs']})",
            f"{r['validator_subprocess_s'] * 1000:.0f} ms",
        ),
        _value_row(
            "OB 2.0 hosted verify: ratio validator (in-process) / ours",
            f"{r['ratio']:.1f}x (fastest runs {r['min_ratio']:.1f}x)",
        ),
    ]


def _ob3_rows(r: dict) -> list[list[str]]:
    def rate(ms: float) -> str:
        return f"{ms:.2f} ms ({1000 / ms:,.0f}/s)"

    rows = [
        _value_row(f"OB 3.0 eddsa-rdfc-2022 sign, ours, one core (mean of {r['runs']})", rate(r["sign_ms"])),
        _value_row(
            f"OB 3.0 eddsa-rdfc-2022 verify, ours, one core (mean of {r['runs']})", rate(r["verify_ms"])
        ),
    ]
    d = r["dcc"]
    if d is None:
        return [*rows, _value_row("OB 3.0: DCC Node", r["dcc_missing"])]
    return [
        *rows,
        _value_row(f"OB 3.0 sign, DCC Node, same credential and key (mean of {d['n']})", rate(d["sign_ms"])),
        _value_row(
            f"OB 3.0 verify, DCC Node, same credential and key (mean of {d['n']})", rate(d["verify_ms"])
        ),
        _value_row(
            "OB 3.0: ratio DCC / ours",
            f"sign {r['sign_ratio']:.1f}x, verify {r['verify_ratio']:.1f}x"
            + ("" if d["same_proof_value"] else " (proofValue differs!)"),
        ),
    ]


def _baking_rows(b: dict) -> list[list[str]]:
    if "missing" in b:
        return [_value_row("baking: openbadges-bakery", b["missing"])]
    rows = []
    for r in b["rows"]:
        for what in ("bake", "unbake"):
            t = r[what]
            rows.append(
                _value_row(
                    f"{r['kind'].upper()} {what}, {r['size']} ({r['bytes']:,} B): ours / openbadges-bakery",
                    f"{baking_speed.ms(t['ours_s'])} / {baking_speed.ms(t['bakery_s'])}"
                    f" = {baking_speed.ratio(t['ratio'])}",
                )
            )
    for kind in baking_speed.KINDS:
        mine = [r for r in b["rows"] if r["kind"] == kind]
        theirs_read = _yes(all(r["bakery_reads_ours"] for r in mine))
        ours_read = _yes(all(r["ours_reads_bakery"] for r in mine))
        identical = ", byte-identical" if all(r["identical"] for r in mine) else ""
        rows.append(
            _value_row(
                f"{kind.upper()} cross-check: bakery unbakes ours / ours unbakes the bakery's",
                f"{theirs_read} / {ours_read}{identical}",
            )
        )
    return rows


def _yes(value: bool) -> str:
    return "yes" if value else "NO"


def _baking_verdict(b: dict) -> str:
    target = f"baking >= {BAKE_RATIO_TARGET}x faster than openbadges-bakery (bake, PNG and SVG, every size)"
    if "missing" in b:
        return _verdict(target, False, f"not measured: {b['missing']}")
    ratios = {
        kind: [r["bake"]["ratio"] for r in b["rows"] if r["kind"] == kind] for kind in baking_speed.KINDS
    }
    crossed = all(r["bakery_reads_ours"] and r["ours_reads_bakery"] for r in b["rows"])
    figure = "; ".join(
        f"{kind.upper()} " + " / ".join(f"{x:.1f}x" for x in values) for kind, values in ratios.items()
    )
    sizes = " / ".join(baking_speed.SIZES)
    return _verdict(
        target,
        crossed and min(min(v) for v in ratios.values()) >= BAKE_RATIO_TARGET,
        f"{figure} ({sizes}, medians); cross-check {_yes(crossed)}",
    )


def _speed_verdicts(ob2: dict, ob3: dict) -> list[str]:
    target = f"2.0 verification >= {OB2_VERIFY_RATIO_TARGET}x faster than the 1EdTech validator"
    if ob2["validator"] is None:
        first = _verdict(target, False, f"not measured: {ob2['validator_missing']}")
    else:
        theirs_ms, ours_ms = ob2["validator"]["median_s"] * 1000, ob2["ours_s"] * 1000
        first = _verdict(
            target,
            ob2["ratio"] >= OB2_VERIFY_RATIO_TARGET,
            f"{ob2['ratio']:.1f}x ({theirs_ms:.1f} ms / {ours_ms:.2f} ms,"
            " medians, in-process, same hosted badge)",
        )
    target = f"3.0 sign >= {OB3_SIGN_RATIO_TARGET}x faster than DCC Node"
    if ob3["dcc"] is None:
        second = _verdict(target, False, f"not measured: {ob3['dcc_missing']}")
    else:
        second = _verdict(
            target,
            ob3["sign_ratio"] >= OB3_SIGN_RATIO_TARGET and ob3["dcc"]["same_proof_value"],
            f"{ob3['sign_ratio']:.1f}x ({ob3['dcc']['sign_ms']:.2f} ms / {ob3['sign_ms']:.2f} ms),"
            f" same proofValue: {'yes' if ob3['dcc']['same_proof_value'] else 'NO'}",
        )
    return [first, second]


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    print("cold start: timing fresh interpreters ...", flush=True)
    cold = cold_start.measure(runs=11)
    found = cold_start.offenders(top=6)
    # Timings before the AWS calls: the moto bulk leaves a large heap behind, and Python's garbage
    # collector walking it would slow our in-process side and not the validator's or Node's.
    print("OB 2.0 verification: ours and the 1EdTech validator on one hosted badge ...", flush=True)
    ob2 = verify_speed.ob2_hosted()
    print("OB 3.0 eddsa-rdfc-2022: ours and DCC Node on one credential ...", flush=True)
    ob3 = verify_speed.ob3()
    print("baking: ours and openbadges-bakery, PNG and SVG, three sizes ...", flush=True)
    baking = baking_speed.measure()
    print("hostile credentials: CPU time to verify or refuse each ...", flush=True)
    hostile = hostile_verify.measure()
    print(f"AWS calls: in-process moto, bulk of {aws_calls.BULK_ROWS:,} rows ...", flush=True)
    calls = aws_calls.run(aws_calls.BULK_ROWS)
    print(f"AWS calls: the earner's pages, {earner_calls.BACKPACK_BADGES} badges, claim flow ...", flush=True)
    earner = earner_calls.run()
    print("AWS calls: sign-up, passkeys, OpenID Connect sign-in ...", flush=True)
    sign_in = sign_in_calls.run()
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
        _value_row(
            "cold start: ratio app + modules of a hosted GET / (chalice+boto3)",
            f"{cold['hosted_get_cpu_ratio']:.2f} CPU",
        ),
        *(_calls_row(row) for row in calls["rows"]),
        _value_row(f"bulk {n:,}: wall time, request + worker (moto)", f"{bulk['total_s']:.1f} s"),
        _value_row(f"bulk {n:,}: time per award (moto)", f"{bulk['total_s'] / n * 1000:.2f} ms"),
        _value_row(f"bulk {n:,}: awards per second (moto)", f"{bulk['awards_per_s']:.0f}"),
        *(_calls_row(row) for row in earner["rows"]),
        *(_calls_row(row) for row in sign_in["rows"]),
        *_ob2_rows(ob2),
        *_ob3_rows(ob3),
        *_baking_rows(baking),
        *(
            _value_row(f"hostile 3.0 credential: {r['name']} ({r['bytes']:,} B)", hostile_verify.figure(r))
            for r in hostile
        ),
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
        *_speed_verdicts(ob2, ob3),
        _baking_verdict(baking),
        _verdict(
            f"hostile credentials up to 64 KB: checked in <= {hostile_verify.TARGET_CPU_S:g} s CPU",
            hostile_verify.slowest(hostile) <= hostile_verify.TARGET_CPU_S,
            f"slowest {hostile_verify.slowest(hostile) * 1000:.0f} ms",
        ),
    ]
    notes = [
        *earner_calls.notes(earner),
        *sign_in_calls.notes(sign_in),
        *baking_speed.notes(baking, BAKE_RATIO_TARGET),
    ]

    operations = [
        f"- {row['path']}: {row['operations'] or 'no AWS call'}"
        for row in calls["rows"] + earner["rows"] + sign_in["rows"]
    ]
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
    print("\n".join(notes))
    print()
    print("Import time (python -X importtime, one run; inflated by the tracing itself):")
    print("\n".join(where))

    (HERE / "RESULTS.md").write_text(
        "# Laurel bench results\n\n"
        f"{header}. Written by `make bench`; see bench/README.md for what each figure means.\n\n"
        f"{_markdown(table)}\n\n"
        "## Targets\n\n```\n"
        + "\n".join(verdicts)
        + "\n```\n\n"
        + ("## Notes\n\n" + "\n".join(notes) + "\n\n" if notes else "")
        + "## Calls by operation\n\n"
        + "\n".join(operations)
        + "\n\n"
        "## Where the import time goes\n\n"
        "From one `python -X importtime -c 'import app'` (the tracing inflates it).\n\n"
        + "\n".join(where)
        + "\n"
    )
    print(f"\nwritten to {HERE / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
