"""The whole local stack over HTTP, for e2e and browser tests: the running stack (its URLs, its moto
server, its outbox), issuers made by the CLI (`local/issuer.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from local import serve

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Live:
    """The running stack: base_url (chalice local), moto_url, the env its processes share."""

    stack: serve.Stack
    log_path: Path
    _returned: set[str] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return self.stack.base_url

    @property
    def moto_url(self) -> str:
        return self.stack.moto_url

    @property
    def env(self) -> dict[str, str]:
        return self.stack.env

    def aws(self, service: str):
        """A boto3 client of the stack's moto server, for tests that set up what no request can."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def log(self, tail: int = 4000) -> str:
        """The end of the stack's combined log (moto, pump, chalice local)."""
        return self.log_path.read_text(errors="replace")[-tail:]

    def outbox(self) -> list[dict]:
        """Sent mail, newest first: [{id, from, to, subject, html, text, template?, data?}]."""
        response = requests.get(f"{self.base_url}/outbox.json", timeout=10)
        response.raise_for_status()
        return response.json()

    def wait_for_mail(self, to: str, timeout: float = 20) -> dict:
        """The oldest message to `to` not returned before by this method; waits for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            mail = self.outbox()
            for message in reversed(mail):
                if message["id"] not in self._returned and _addressed_to(message, to):
                    self._returned.add(message["id"])
                    return message
            if time.monotonic() > deadline:
                seen = [(m["to"], m["subject"]) for m in mail]
                pytest.fail(
                    f"no new mail to {to} within {timeout} s; outbox: {seen}\n--- log ---\n{self.log()}"
                )
            time.sleep(0.2)


def _addressed_to(message: dict, to: str) -> bool:
    return to.strip().lower() in [a.strip().lower() for a in message["to"].split(",")]


@dataclass(frozen=True)
class Issuer:
    """An issuer created through `local/issuer.py create`."""

    id: str
    key: str
    name: str
    url: str
    email: str


def run_issuer_cli(live: Live, *args: str) -> subprocess.CompletedProcess:
    """`python local/issuer.py ARGS` against the live stack, as `make issuer` / `make keys` run it."""
    return subprocess.run(
        [sys.executable, "local/issuer.py", *args],
        cwd=ROOT,
        env=live.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- fixtures: e2e/conftest.py and browser/conftest.py import them (fixtures are scoped by directory) ---


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Live]:
    """moto server + bootstrap + pump + chalice local on free ports, for the whole session."""
    log_path = tmp_path_factory.mktemp("live") / "stack.log"
    base = {**os.environ, "PUMP_RETRY_SECONDS": "1"}
    with log_path.open("w") as log:
        try:
            stack = serve.start_stack(serve.free_port(), serve.free_port(), log=log, base=base)
        except (serve.StartupError, subprocess.CalledProcessError) as error:
            log.flush()
            pytest.fail(f"local stack did not start: {error}\n--- log ---\n{log_path.read_text()[-4000:]}")
        try:
            yield Live(stack, log_path)
        finally:
            stack.stop()


@pytest.fixture(scope="session")
def make_issuer(live: Live) -> Callable[..., Issuer]:
    """A factory: make_issuer(name=..., url=..., email=...) creates an issuer with the CLI."""
    counter = iter(range(1, 1_000_000))

    def make(name: str | None = None, url: str | None = None, email: str | None = None) -> Issuer:
        n = next(counter)
        name = name or f"Test Issuer {n}"
        url = url or f"https://issuer{n}.example"
        email = email or f"badges@issuer{n}.example"
        proc = run_issuer_cli(live, "create", "--name", name, "--url", url, "--email", email)
        assert proc.returncode == 0, proc.stderr
        created = json.loads(proc.stdout)
        return Issuer(created["issuer_id"], created["api_key"], name, url, email)

    return make
