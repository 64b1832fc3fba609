"""Starter code for a new column, per kind: what the Add column wizard writes to
`columns/<field>.py`.

Each module is plain config-package code (see the config package reference): a
`detect_values` detector giving value evidence, a `transform` and a `validate`, all
keyword-only and accepting `**_`. The code stands alone (no imports from the package), so it
passes the plan in any draft, and the author edits it from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["text", "email", "phone", "date", "number", "identifier"]
KINDS: tuple[ColumnKind, ...] = ("text", "email", "phone", "date", "number", "identifier")


@dataclass(frozen=True)
class _Kind:
    summary: str
    imports: str
    helpers: str
    detect: str
    transform: str
    validate: str


_SHARE = '''

def _share(values: list[Any], test: Callable[[Any], bool]) -> float:
    """The fraction of ``values`` passing ``test`` (0.0 when there are none)."""
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0
'''

_TEMPLATES: dict[ColumnKind, _Kind] = {
    "text": _Kind(
        summary="free text, recognised by its header",
        imports="import re\n",
        helpers='\nSPACES_RE = re.compile(r"\\s+")\n',
        detect="""
    # Free text looks like any other text: let the header (label and synonyms) decide.
    return None""",
        transform="""
    return [SPACES_RE.sub(" ", v).strip() if isinstance(v, str) else v for v in values]""",
        validate="""
    return [None] * len(values)""",
    ),
    "email": _Kind(
        summary="an email address",
        imports="import re\nfrom collections.abc import Callable\n",
        helpers='\nEMAIL_RE = re.compile(r"^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$")\n' + _SHARE,
        detect="""
    share = _share(values, lambda v: isinstance(v, str) and bool(EMAIL_RE.match(v.strip())))
    return 0.6 * share if share > 0.5 else None""",
        transform="""
    return [v.strip().lower() if isinstance(v, str) else v for v in values]""",
        validate="""
    return [
        None
        if v is None or (isinstance(v, str) and EMAIL_RE.match(v))
        else "not a valid email address"
        for v in values
    ]""",
    ),
    "phone": _Kind(
        summary="a phone number: 7 to 15 digits with the usual separators",
        imports="import re\nfrom collections.abc import Callable\n",
        helpers="""
PHONE_RE = re.compile(r"^\\+?[\\d\\s().\\-]{7,20}$")


def _is_phone(v: Any) -> bool:
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str) or not PHONE_RE.match(v.strip()):
        return False
    return 7 <= sum(ch.isdigit() for ch in v) <= 15
"""
        + _SHARE,
        detect="""
    share = _share(values, _is_phone)
    return 0.4 * share if share > 0.6 else None""",
        transform="""
    # Numbers typed as numbers (5551234) become text, so nothing is lost.
    return [str(v).strip() if _is_phone(v) else v for v in values]""",
        validate="""
    return [None if v is None or _is_phone(v) else "not a phone number" for v in values]""",
    ),
    "date": _Kind(
        summary="a date, read from dates or text such as 2024-03-01 or 03/01/2024",
        imports="import datetime as dt\nfrom collections.abc import Callable\n",
        helpers='''
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%b-%Y", "%b %d, %Y")


def _to_date(v: Any) -> Any:
    """A date from a date, a datetime at midnight or a string in DATE_FORMATS; else ``v``."""
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time() else v
    if not isinstance(v, str):
        return v
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(v.strip(), fmt).date()
        except ValueError:
            continue
    return v
'''
        + _SHARE,
        detect="""
    share = _share(values, lambda v: isinstance(_to_date(v), dt.date))
    return 0.3 * share if share >= 0.8 else None""",
        transform="""
    return [_to_date(v) for v in values]""",
        validate="""
    return [None if v is None or isinstance(v, dt.date) else "not a date" for v in values]""",
    ),
    "number": _Kind(
        summary="a number, read from numbers or text such as 1,234.50 or (12)",
        imports="import re\nfrom collections.abc import Callable\n",
        helpers='''
NUMBER_RE = re.compile(r"^\\(?[-+]?[$€£]?\\s*[-+]?[\\d,]*\\.?\\d+\\)?%?$")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _to_number(v: Any) -> Any:
    """A float from text like "1,234.50", "$12" or "(12)" (negative); else ``v``."""
    if not isinstance(v, str) or not NUMBER_RE.match(v.strip()):
        return v
    text = v.strip()
    number = float(re.sub(r"[^\\d.]", "", text))
    return -number if text.startswith("(") or "-" in text else number
'''
        + _SHARE,
        detect="""
    share = _share(values, lambda v: _is_number(_to_number(v)))
    return 0.3 * share if share > 0.6 else None""",
        transform="""
    return [_to_number(v) for v in values]""",
        validate="""
    return [None if v is None or _is_number(v) else "not a number" for v in values]""",
    ),
    "identifier": _Kind(
        summary="an identifier: distinct codes such as 000123 or M-10042",
        imports=(
            "import re\nfrom collections import Counter\nfrom collections.abc import Callable\n"
        ),
        helpers="""
ID_RE = re.compile(r"^[A-Za-z]{0,4}[-#]?\\d{3,12}$")


def _is_id(v: Any) -> bool:
    if isinstance(v, int) and not isinstance(v, bool):
        return v >= 0
    return isinstance(v, str) and bool(ID_RE.match(v.strip()))
"""
        + _SHARE,
        detect="""
    if not values:
        return None
    idlike = _share(values, _is_id)
    distinct = len(set(map(str, values))) / len(values)
    return 0.45 * idlike * distinct if idlike >= 0.9 and distinct >= 0.95 else None""",
        transform="""
    # Ids keep their form: integers stay integers, text keeps its leading zeros.
    return [v.strip().upper() if isinstance(v, str) else v for v in values]""",
        validate="""
    seen = Counter(v for v in values if v not in (None, ""))
    return [
        "the id is missing" if v in (None, "") else "the id is repeated" if seen[v] > 1 else None
        for v in values
    ]""",
    ),
}


def column_module(field: str, label: str, kind: ColumnKind) -> bytes:
    """The source of `columns/<field>.py` for a new column of `kind`."""
    spec = _TEMPLATES[kind]
    quoted = json.dumps(label, ensure_ascii=False)
    detect, transform, validate = (
        body.strip("\n") for body in (spec.detect, spec.transform, spec.validate)
    )
    article = "an" if kind[0] in "aeiou" else "a"
    return f'''"""Column `{field}` ({quoted}), {article} {kind} column.

It holds {spec.summary}.
The built-in matcher scores each source header against the label and synonyms in manifest.json;
detect_values adds what the values say. Every function is called with keyword arguments only
and must accept ``**_``.
"""

from __future__ import annotations

{spec.imports}from typing import Any
{spec.helpers}

def detect_values(*, values: list[Any], **_: Any) -> float | None:
    """Score how likely this source column holds `{field}` from a sample of its non-empty
    values: a float added to the column's score, or None to abstain."""
{detect}


def transform(*, values: list[Any], **_: Any) -> list[Any]:
    """Clean every value of the mapped column (None for empty cells); same length back."""
{transform}


def validate(*, values: list[Any], **_: Any) -> list[str | None]:
    """None for a valid value, else a message listed on the output's Issues sheet."""
{validate}
'''.encode()
