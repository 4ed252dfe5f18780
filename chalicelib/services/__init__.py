"""Use cases, one module per capability.

Submodules load on first use: `from chalicelib.services import awards` binds a stand-in that imports
the real module when one of its names is first touched. A cold Lambda then pays only for the services
its first request needs (the hosted-badge GET never loads accounts, argon2 or the OB 3.0 crypto).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _OnFirstUse(ModuleType):
    """Stands in for a submodule until one of its names is needed; then forwards to it."""

    def _module(self) -> ModuleType:
        return importlib.import_module(f"{__name__}.{self.__name__}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module(), name)

    def __setattr__(self, name: str, value: Any) -> None:  # tests monkeypatch through the stand-in
        setattr(self._module(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._module(), name)


_stand_ins: dict[str, _OnFirstUse] = {}


def __getattr__(name: str) -> Any:
    if name.startswith("_"):
        raise AttributeError(name)
    return _stand_ins.setdefault(name, _OnFirstUse(name))
