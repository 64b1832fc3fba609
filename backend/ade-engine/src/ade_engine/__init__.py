"""ADE engine: messy workbooks in, one normalized workbook and an explaining artifact out.

Public API (stable; used by ``ade run``, the worker and ``python -m ade_engine``)::

    run(input_path, config_path, out_dir, *, on_event=None, progress=None) -> RunResult
    validate_config(path) -> list[ConfigProblem]
    init_config(dest_dir) -> Path
"""

from __future__ import annotations

__version__ = "0.1.0"

from ade_engine.api import init_config, validate_config
from ade_engine.config import ConfigProblem
from ade_engine.errors import (
    ConfigCodeError,
    ConfigError,
    EngineError,
    InputError,
    OutputError,
)
from ade_engine.pipeline import RunResult, run

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
