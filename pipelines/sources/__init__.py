"""One module per source system; `source_module(name)` finds it by its inbox folder name."""

from __future__ import annotations

import importlib
from types import ModuleType


def source_module(source: str) -> ModuleType:
    return importlib.import_module(f"pipelines.sources.{source}")
