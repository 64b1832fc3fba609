"""The transform pass: a field's ``transform`` called once per column per chunk of rows."""

from __future__ import annotations

from typing import Any

from ade_engine.config import ColumnModule, LoadedConfig, call_column_function
from ade_engine.events import ConfigLogger


def transform_column(
    config: LoadedConfig,
    module: ColumnModule,
    values: list[Any],
    extra: dict[str, Any],
    state: dict[str, Any],
    logger: ConfigLogger,
) -> list[Any]:
    """Return the transformed values (the input itself when the field has no transform)."""
    if module.transform is None:
        return values
    return call_column_function(
        config, module, module.transform, "transform", values, extra, state, logger
    )
