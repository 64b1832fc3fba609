"""The validate pass: a field's ``validate`` called once per column per chunk of rows."""

from __future__ import annotations

from typing import Any

from ade_engine.config import ColumnModule, LoadedConfig, call_column_function, contract_error
from ade_engine.events import ConfigLogger


def validate_column(
    config: LoadedConfig,
    module: ColumnModule,
    values: list[Any],
    extra: dict[str, Any],
    state: dict[str, Any],
    logger: ConfigLogger,
) -> list[str | None] | None:
    """Messages per row (None = valid), or None when the field has no validator."""
    fn = module.validate
    if fn is None:
        return None
    result = call_column_function(config, module, fn, "validate", values, extra, state, logger)
    for item in result:
        if item is not None and not isinstance(item, str):
            raise contract_error(
                config,
                fn,
                f"{module.spec.path}: validate() must return None or a message string per row; "
                f"got {type(item).__name__}",
            )
    return result
