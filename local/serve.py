"""`make run`: moto's server, bootstrap, the queue pump and `chalice local`, stopped together by Ctrl-C or
SIGTERM (a second signal does not cut the stop short). moto takes a free port unless MOTO_PORT is set; the
running stack is recorded in .laurel/run-<PORT>.json for `make issuer PORT=…` and `make keys`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

if __package__ in (None, ""):  # run as `python local/serve.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from local import state

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGION = "us-east-1"


class StartupError(RuntimeError):
    """A piece of the local stack did not come up."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stack_env(
    moto_port: int, app_port: int, base: dict[str, str] | None = None, *, host: str = "127.0.0.1"
) -> dict[str, str]:
    """The environment every local process shares: moto endpoint, dummy credentials, local stage. `host`:
    localhost for passkeys (WebAuthn refuses an IP address as the site's name), else 127.0.0.1."""
    env = dict(os.environ if base is None else base)
    more_ports = env.get("FETCH_ALLOW_LOOPBACK_PORTS", "")
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    env.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=env.get("AWS_DEFAULT_REGION") or REGION,
        STAGE="local",
        PUBLIC_BASE_URL=f"http://{host}:{app_port}",
        MOTO_PORT=str(moto_port),
        PORT=str(app_port),
        # the verifier may fetch this app's own hosted badges; ports given already stay (a local provider)
        FETCH_ALLOW_LOOPBACK_PORTS=",".join(p for p in (str(app_port), more_ports) if p),
        PYTHONUNBUFFERED="1",
    )
    return env


def _tool(name: str) -> str:
    """An executable of this venv, else from PATH."""
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def _spawn(args: list[str], env: dict[str, str] | None, log: IO | int | None) -> subprocess.Popen:
    """A child in its own session, so the terminal's Ctrl-C reaches only us and we stop it in order."""
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT if log else None, start_new_session=True
    )


def start_moto(port: int, log: IO | int | None = subprocess.DEVNULL) -> subprocess.Popen:
    """moto's server on 127.0.0.1:port, a subprocess; its request log goes to log (default: nowhere)."""
    return _spawn([_tool("moto_server"), "-H", "127.0.0.1", "-p", str(port)], None, log)


def run_bootstrap(env: dict[str, str]) -> None:
    """Create tables, bucket, queues, sender, template and key (in a child, with the stack's env)."""
    subprocess.run([sys.executable, str(ROOT / "local" / "bootstrap.py")], cwd=ROOT, env=env, check=True)


def start_pump(env: dict[str, str], log: IO | None = None) -> subprocess.Popen:
    """The queue pump: SQS → the app's mail worker, in its own process."""
    return _spawn([sys.executable, str(ROOT / "local" / "pump.py")], env, log)


def start_app(port: int, env: dict[str, str], log: IO | None = None) -> subprocess.Popen:
    """`chalice local` on 127.0.0.1:port with the stack's env."""
    args = [_tool("chalice"), "local", "--host", "127.0.0.1", "--port", str(port), "--stage", "local"]
    return _spawn([*args, "--no-autoreload"], env, log)


def wait_until_ready(url: str, timeout: float = 30, proc: subprocess.Popen | None = None) -> float:
    """Poll url until it answers anything; returns seconds waited. Fails fast if proc exits."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc is not None and proc.poll() is not None:
            raise StartupError(f"{proc.args[0]} exited with {proc.returncode} before {url} answered")
        try:
            requests.get(url, timeout=2)
            return time.monotonic() - started
        except requests.ConnectionError:
            time.sleep(0.1)
    raise StartupError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (pending) until the block ends, so a stop runs to its end."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stop(*procs: subprocess.Popen | None, timeout: float = 5) -> None:
    """Terminate the processes, in the order given, and reap them (again is fine)."""
    for proc in procs:
        if proc is None or proc.poll() is not None:
            continue
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Stack:
    """The running local stack (moto, pump, app) and the env they share."""

    moto_port: int
    app_port: int
    env: dict[str, str]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    startup_seconds: float = 0.0
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.app_port}"

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def stop(self) -> None:
        """Stop app, pump and moto, in that order; idempotent, and not cut short by a signal."""
        with signals_held():
            stop(*(self.procs.get(name) for name in ("app", "pump", "moto", "idp")))

    def record(self) -> Path:
        """Write .laurel/run-<PORT>.json: where this stack's moto is, and every process id."""
        pids = {"serve": os.getpid(), **{name: proc.pid for name, proc in self.procs.items()}}
        return state.write(self.app_port, moto_url=self.moto_url, app_url=self.base_url, pids=pids)


def start_stack(
    moto_port: int, app_port: int, log: IO | None = None, base: dict | None = None, *, host: str = "127.0.0.1"
) -> Stack:
    """Start moto, bootstrap it, start the pump and the app; stops what started if anything fails."""
    started = time.monotonic()
    stack = Stack(moto_port, app_port, stack_env(moto_port, app_port, base, host=host), host=host)
    try:
        stack.procs["moto"] = start_moto(moto_port, log or subprocess.DEVNULL)
        wait_until_ready(f"{stack.moto_url}/moto-api/", proc=stack.procs["moto"])
        run_bootstrap(stack.env)
        stack.procs["pump"] = start_pump(stack.env, log)
        stack.procs["app"] = start_app(app_port, stack.env, log)
        wait_until_ready(f"{stack.base_url}/outbox.json", proc=stack.procs["app"])
    except BaseException:
        stack.stop()
        raise
    stack.startup_seconds = time.monotonic() - started
    return stack


def start_with_providers(moto_port: int, app_port: int) -> Stack:
    """The stack on localhost (passkeys need a name, not an IP address) with sign-in providers: those of
    .laurel/oidc.json, else the test OpenID provider (tests/oidc) on a free port."""
    from local import oidc

    base, idp = dict(os.environ), None
    configured = oidc.developer_config()
    if configured is None:
        idp_port = free_port()
        try:
            idp = oidc.start_idp(idp_port, f"http://localhost:{app_port}")
        except (RuntimeError, OSError) as error:  # no node: run without sign-in providers
            print(f"No test OpenID provider: {error}", file=sys.stderr)
            configured = [], {}
        else:
            providers = [
                p | {"label": f"{p['label']} (local test)"}
                for p in oidc.live_providers(f"http://127.0.0.1:{idp_port}", tamper=False)
                if p["id"] in ("google", "corp")
            ]
            configured = providers, oidc.test_secrets(providers)
            base["FETCH_ALLOW_LOOPBACK_PORTS"] = str(idp_port)  # the app may reach it (development stages)
    base["OIDC_PROVIDERS"] = json.dumps(configured[0])
    try:
        stack = start_stack(moto_port, app_port, base=base, host="localhost")
    except BaseException:
        stop(idp)
        raise
    if idp is not None:
        stack.procs["idp"] = idp
    oidc.put_secrets(aws_client("ssm", stack), configured[1])
    return stack


def aws_client(service: str, stack: Stack):
    import boto3

    env = stack.env
    return boto3.client(
        service,
        endpoint_url=stack.moto_url,
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def banner(stack: Stack) -> str:
    port = "" if stack.app_port == 8000 else f" PORT={stack.app_port}"
    return f"""
Laurel is running (up in {stack.startup_seconds:.1f} s). Data lives in memory until you stop.
  App:     {stack.base_url}/
  Outbox:  {stack.base_url}/outbox        mail the app has sent (follow the claim links from here)
  moto:    {stack.moto_url}/moto-api/
  Sign-in: "Continue with Google / Corp ID (local test)" on /login use a local OpenID provider (type any
           login name; one starting "unverified" is not verified), unless .laurel/oidc.json says otherwise
Create an issuer (in another terminal):
  make issuer{port} NAME="Ada Labs" URL=https://ada.example EMAIL=badges@ada.example
  → prints {{"issuer_id": ..., "api_key": ...}}; use the key as 'Authorization: Bearer <api_key>'.
Ctrl-C stops everything.
"""


def _ignore_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def _interrupt_once(signum: int, frame: object) -> None:
    """The first Ctrl-C or SIGTERM starts the stop; later ones are ignored so they cannot interrupt it."""
    _ignore_signals()
    raise KeyboardInterrupt


def main() -> int:
    app_port = int(os.environ.get("PORT", "8000"))
    moto_port = int(os.environ.get("MOTO_PORT") or free_port())
    for name, port in (("PORT", app_port), ("MOTO_PORT", moto_port)):
        if port_in_use(port):
            print(f"Port {port} is in use; stop what runs there or set {name}=…", file=sys.stderr)
            return 1
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt_once)
    stack = None
    try:
        stack = start_with_providers(moto_port, app_port)
        stack.record()
        print(banner(stack), flush=True)
        while all(proc.poll() is None for proc in stack.procs.values()):
            time.sleep(0.5)
        dead = [name for name, proc in stack.procs.items() if proc.poll() is not None]
        print(f"Stopping: {', '.join(dead)} exited.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…", file=sys.stderr)
        return 0
    except (StartupError, subprocess.CalledProcessError) as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    finally:
        _ignore_signals()  # from here the stop runs to its end, whatever arrives
        if stack is not None:
            stack.stop()
            state.remove(app_port)


if __name__ == "__main__":
    sys.exit(main())
