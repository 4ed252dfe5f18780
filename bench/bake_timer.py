"""Time one baker in its own interpreter; run by bench/baking_speed.py, once per side.

`.venv/bin/python bench/bake_timer.py ours PAYLOAD` (chalicelib.openbadges.baking) or
`.venv-validator/bin/python bench/bake_timer.py bakery PAYLOAD` (openbadges-bakery 1.2.4, which lives only
there). PAYLOAD is a JSON file {"text": ..., "verify": ...}: the assertion to bake and its URL. The script
imports its baker, prints one JSON line (import time, not counted anywhere), then answers one JSON line per
command read from stdin, each naming an image file (read once, kept in memory):

- {"op": "bake", "kind": "png"|"svg", "image": PATH, "out": PATH}: bake once, write the result to out;
- {"op": "unbake", "kind": ..., "image": PATH}: the unbaked text (bytes decoded) or null;
- {"op": "time", "what": "bake"|"unbake", "kind": ..., "image": PATH, "n": K}: K calls, each timed
  alone; the reply is their durations in seconds.

Both sides take bytes and give bytes, as a web app holding the image in memory would: ours as
services/hosting/baked.py calls it (SVG decoded, baked with the URL and the JSON, encoded); the bakery
with in-memory files (io.BytesIO in and out; by default it writes a temporary file on disk).
"""

from __future__ import annotations

import json
import sys
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPLIES = sys.stdout
sys.stdout = sys.stderr  # anything a library prints stays out of the replies


def _ours(verify: str):
    sys.path.insert(0, str(ROOT))
    from chalicelib.openbadges import baking

    def bake(kind: str, image: bytes, text: str) -> bytes:
        if kind == "png":
            return baking.bake_png(image, text)
        return baking.bake_svg(image.decode(), verify=verify, body=text).encode()

    def unbake(kind: str, image: bytes) -> str | None:
        return baking.unbake_png(image) if kind == "png" else baking.unbake_svg(image.decode())

    return bake, unbake


def _bakery(_verify: str):
    import openbadges_bakery

    def bake(_kind: str, image: bytes, text: str) -> bytes:
        return openbadges_bakery.bake(BytesIO(image), text, BytesIO()).getvalue()

    def unbake(_kind: str, image: bytes) -> str | None:
        found = openbadges_bakery.unbake(BytesIO(image))
        return found.decode() if isinstance(found, bytes) else found

    return bake, unbake


def _reply(value: object) -> None:
    REPLIES.write(json.dumps(value) + "\n")
    REPLIES.flush()


def main() -> int:
    side, payload = sys.argv[1], json.loads(Path(sys.argv[2]).read_text())
    text = payload["text"]
    started = time.perf_counter()
    bake, unbake = {"ours": _ours, "bakery": _bakery}[side](payload["verify"])
    _reply({"side": side, "import_s": time.perf_counter() - started, "python": sys.version.split()[0]})
    images: dict[str, bytes] = {}

    def image(path: str) -> bytes:
        if path not in images:
            images[path] = Path(path).read_bytes()
        return images[path]

    calls = {
        "bake": lambda kind, data: bake(kind, data, text),
        "unbake": lambda kind, data: unbake(kind, data),
    }
    for line in sys.stdin:
        command = json.loads(line)
        kind, data = command["kind"], image(command["image"])
        if command["op"] == "bake":
            Path(command["out"]).write_bytes(bake(kind, data, text))
            _reply({"ok": True})
        elif command["op"] == "unbake":
            _reply({"text": unbake(kind, data)})
        else:
            call, runs = calls[command["what"]], []
            for _ in range(command["n"]):
                start = time.perf_counter()
                call(kind, data)
                runs.append(time.perf_counter() - start)
            _reply(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
