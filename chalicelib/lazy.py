"""Modules that load on first use, so a cold Lambda pays only for what its first request needs.

`from chalicelib.services.issuing import awards` binds a stand-in that imports the real module when one
of its names is first touched: the hosted-badge GET never loads accounts, argon2 or the OB 3.0 crypto
(the same idea as powertools' lazy imports; tests/unit/test_cold_start.py holds it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any


class _OnFirstUse(ModuleType):
    """Stands in for a submodule until one of its names is needed; then forwards to it."""

    def __init__(self, package: str, name: str) -> None:
        super().__init__(name)
        object.__setattr__(self, "_path", f"{package}.{name}")

    def _module(self) -> ModuleType:
        return importlib.import_module(object.__getattribute__(self, "_path"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module(), name)

    def __setattr__(self, name: str, value: Any) -> None:  # tests monkeypatch through the stand-in
        setattr(self._module(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._module(), name)


def submodules(package: str, names: tuple[str, ...]) -> Callable[[str], Any]:
    """The module `__getattr__` of a package whose submodules `names` load on first use."""
    stand_ins: dict[str, _OnFirstUse] = {}

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return stand_ins.setdefault(name, _OnFirstUse(package, name))

    return __getattr__
