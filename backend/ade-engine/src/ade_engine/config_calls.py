"""Calling a loaded config's code: keyword arguments in, anything it raises wrapped with the
file and line it came from, and the shape of what it returns checked against the contract.

(Loading the package is :mod:`ade_engine.config`, which re-exports these.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ade_engine.errors import ConfigCodeError, from_config_exception

if TYPE_CHECKING:  # the loader imports this module: its types only, for the annotations
    from ade_engine.config import ColumnModule, LoadedConfig


def config_location(fn: Callable[..., Any], root: Path) -> tuple[str | None, int | None]:
    """(file relative to the package, first line) of a config function."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None, None
    try:
        rel = Path(code.co_filename).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        rel = None
    return rel, code.co_firstlineno


def call_config(
    config: LoadedConfig, fn: Callable[..., Any], what: str, kwargs: dict[str, Any]
) -> Any:
    """Call config code with keyword arguments; wrap anything it raises with file and line."""
    try:
        return fn(**kwargs)
    except ConfigCodeError:
        raise
    except Exception as exc:
        file, line = config_location(fn, config.root)
        raise from_config_exception(
            exc, config.root, what, fallback_file=file, fallback_line=line
        ) from exc


def contract_error(config: LoadedConfig, fn: Callable[..., Any], message: str) -> ConfigCodeError:
    """A config callable broke the contract (e.g. returned the wrong shape)."""
    file, line = config_location(fn, config.root)
    return ConfigCodeError(message, file=file, line=line, exc_type="ContractError")


def call_column_function(
    config: LoadedConfig,
    module: ColumnModule,
    fn: Callable[..., Any],
    name: str,
    values: list[Any],
    extra: dict[str, Any],
    state: dict[str, Any],
    logger: Any,
) -> list[Any]:
    """Call a column-wise function (transform, validate) and check it returned one item per
    value."""
    what = f"{module.spec.path}: {name}()"
    kwargs = {"values": values, "field": module.spec.field, "state": state, "logger": logger}
    result = call_config(config, fn, what, {**kwargs, **extra})
    if isinstance(result, tuple):
        result = list(result)
    if not isinstance(result, list) or len(result) != len(values):
        got = f"a list of {len(result)}" if isinstance(result, list) else type(result).__name__
        raise contract_error(
            config,
            fn,
            f"{what} must return a list of the same length as values ({len(values)}); got {got}",
        )
    return result
