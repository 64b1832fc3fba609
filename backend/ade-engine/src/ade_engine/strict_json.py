"""Strict JSON: the one loader for JSON that users send ADE (manifests, request bodies).

Python's :func:`json.loads` accepts more than JSON (RFC 8259) allows: ``NaN``, ``Infinity``
and ``-Infinity``, and numbers such as ``1e309`` that silently become infinite. None of them
can be written back as JSON, so they fail later and further away (a response that cannot be
rendered, a database that refuses the value). It also recurses once per nesting level, so
deep input costs stack and anything that walks the result recursively may fail. This loader
refuses all of that up front, with a message a user can act on.

Standard library only: the API imports it without the engine's numeric dependencies.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any, NoReturn

__all__ = ["MAX_DEPTH", "JsonRefusedError", "loads"]

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted. A manifest needs 4; request bodies fewer."""

# A string literal, or an unterminated one up to the end of the text: brackets inside strings
# are not structure. The optional closing quote keeps the scan linear: a quote that opens no
# complete string consumes the rest of the text instead of being retried at every later quote.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?')
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonRefusedError(ValueError):
    """JSON that Python could parse but ADE refuses: a number that is not finite, or nesting
    deeper than the limit. Text that is not JSON at all raises :class:`json.JSONDecodeError`
    instead (also a :class:`ValueError`), so callers can answer the two differently."""


def _depth(text: str) -> int:
    """The deepest nesting in ``text``, counted without parsing (so without recursion)."""
    structure = _STRING.sub("", text)
    steps = map(_STEP.__getitem__, _BRACKET.findall(structure))
    return max(accumulate(steps), default=0)


def _refuse_constant(name: str) -> NoReturn:
    raise JsonRefusedError(f"{name} is not a JSON number (only finite numbers are)")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise JsonRefusedError(f"the number {literal[:40]} is too large to represent")
    return value


def loads(document: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``document`` as strict JSON.

    Bytes are decoded as :func:`json.loads` decodes them (UTF-8, -16 or -32 by their first
    bytes; :class:`UnicodeDecodeError` when they are none of those). Raises
    :class:`json.JSONDecodeError` for text that is not JSON and :class:`JsonRefusedError` for
    ``NaN``, ``Infinity``, ``-Infinity``, a number too large for a float, an integer too long
    to convert, or nesting deeper than ``max_depth``.
    """
    if isinstance(document, bytes):
        text = document.decode(json.detect_encoding(document), "surrogatepass")
    else:
        text = document
    depth = _depth(text)
    if depth > max_depth:
        raise JsonRefusedError(f"arrays and objects are nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (json.JSONDecodeError, JsonRefusedError):
        raise
    except ValueError:
        # int() refuses integers of more than sys.get_int_max_str_digits() digits.
        raise JsonRefusedError("an integer has too many digits") from None
