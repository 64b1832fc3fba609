"""The worker relays only ENGINE_EVENT_TYPES from a sandboxed run: every event the engine
emits must be one of them, or it would be dropped as forged."""

from __future__ import annotations

import re
from pathlib import Path

import ade_engine
from ade_engine.events import ENGINE_EVENT_TYPES

SOURCES = sorted(Path(ade_engine.__file__).parent.rglob("*.py"))
#: An emit call, its name possibly on the next line; and one with a literal name.
EMIT_CALL = re.compile(r"\bemit\(\s*(?!self\b)")
EMIT_NAMED = re.compile(r"""\bemit\(\s*(["'])([^"']+)\1""")


def emitted_names() -> list[str]:
    names: list[str] = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        named = EMIT_NAMED.findall(text)
        # A name computed at run time could be anything: each call must name its event.
        assert len(EMIT_CALL.findall(text)) == len(named), f"{path}: emit() without a name"
        names += [name for _, name in named]
    return names


def test_every_event_the_engine_emits_is_relayed() -> None:
    names = emitted_names()
    assert "run.started" in names  # the search finds calls, multi-line ones too
    assert "table.detected" in names
    assert set(names) <= ENGINE_EVENT_TYPES


def test_every_relayed_type_is_one_the_engine_emits() -> None:
    # A type no engine code emits is one only a config could send: it should not pass.
    assert set(emitted_names()) == ENGINE_EVENT_TYPES
