"""STAGE fails closed: unset, the app refuses to start; anything but `local`/`test` (a typo, a deployed
stage's name) gets no outbox, no development unsubscribe secret and Secure `__Host-` cookies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stage(monkeypatch):
    """Set STAGE (None: unset) for the settings read after it; the test stage comes back afterwards."""
    from chalicelib.config import get_settings

    def use(value: str | None):
        if value is None:
            monkeypatch.delenv("STAGE", raising=False)
        else:
            monkeypatch.setenv("STAGE", value)
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize("value", [None, "", "  "])
def test_an_unset_stage_refuses_to_start(value):
    env = {k: v for k, v in os.environ.items() if k != "STAGE"}
    if value is not None:
        env["STAGE"] = value
    done = subprocess.run(
        [sys.executable, "-c", "import app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0 and "STAGE is not set" in done.stderr


@pytest.mark.parametrize("value", ["prod", "dev", "Local", "locals", "testing", "production"])
def test_any_other_stage_gets_no_development_conveniences(stage, monkeypatch, client, value):
    from chalicelib.services.issuing import unsubscribe

    monkeypatch.delenv("UNSUBSCRIBE_SECRET", raising=False)
    stage(value)
    assert client.http.get("/outbox").status_code == 404
    with pytest.raises(unsubscribe.MissingSecret):
        unsubscribe.token("ada@example.org")


@pytest.mark.parametrize("value", ["local", "test"])
def test_only_local_and_test_are_development_stages(stage, value):
    from chalicelib.config import get_settings

    stage(value)
    assert get_settings().is_local
