"""ADE engine: messy workbooks in, one normalized workbook and an explaining artifact out.

Public API (stable; used by ``ade run``, the worker and ``python -m ade_engine``)::

    run(input_path, config_path, out_dir, *, on_event=None, progress=None) -> RunResult
    validate_config(path) -> list[ConfigProblem]
    init_config(dest_dir) -> Path

The names are loaded on first use (PEP 562), so ``import ade_engine.manifest`` or
``ade_engine.scaffold`` (what the API needs) does not pull in numpy, scipy and python-calamine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ade_engine.api import init_config, validate_config
    from ade_engine.errors import (
        ConfigCodeError,
        ConfigError,
        EngineError,
        InputError,
        OutputError,
    )
    from ade_engine.manifest import ConfigProblem
    from ade_engine.pipeline import RunResult, run

#: public name -> the submodule defining it
_LAZY = {
    "init_config": "ade_engine.api",
    "validate_config": "ade_engine.api",
    "ConfigProblem": "ade_engine.manifest",
    "ConfigCodeError": "ade_engine.errors",
    "ConfigError": "ade_engine.errors",
    "EngineError": "ade_engine.errors",
    "InputError": "ade_engine.errors",
    "OutputError": "ade_engine.errors",
    "RunResult": "ade_engine.pipeline",
    "run": "ade_engine.pipeline",
}

__all__ = [
    "ConfigCodeError",
    "ConfigError",
    "ConfigProblem",
    "EngineError",
    "InputError",
    "OutputError",
    "RunResult",
    "__version__",
    "init_config",
    "run",
    "validate_config",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        # AttributeError (not ImportError) lets ``from ade_engine import read`` fall back to
        # importing the submodule.
        raise AttributeError(f"module 'ade_engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
