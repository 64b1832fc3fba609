"""The corpus's cases: one generator per family, seeded, each case with its truth."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAMILIES = ("footers", "grouped", "summary", "spacer")
SPLITS = ("tune", "holdout")

#: The corpus config's fields, the words of each split and the names used in records.
DATA = json.loads((Path(__file__).parent / "words.json").read_text(encoding="utf-8"))
#: (field, label, synonyms, required). No field has a value detector, so a table that loses its
#: header loses these columns (as in the issue).
FIELDS: list[tuple[str, str, list[str], bool]] = [
    (f["field"], f["label"], f["synonyms"], f["required"]) for f in DATA["fields"]
]


@dataclass(frozen=True)
class Words:
    """The words of one language: headers per field, and the layout words."""

    lang: str
    headers: dict[str, str]
    confidential: list[str]
    page: str  # "{n}" and "{of}" are filled
    printed: list[str]
    section: list[str]  # "{name}" is filled
    regions: list[str]
    subtotal: list[str]
    total: list[str]
    summary_count: str
    statuses: list[str]
    printed_label: str  # followed by a date cell


TUNE_WORDS = [Words(**w) for w in DATA["tune"]]
#: Other languages (Italian, Portuguese) and other English phrasings: never tuned on.
HOLDOUT_WORDS = [Words(**w) for w in DATA["holdout"]]
FIRST: list[str] = DATA["first_names"]
LAST: list[str] = DATA["last_names"]
CITIES: list[str] = DATA["cities"]

# --------------------------------------------------------------------------- cases

#: (sheet name, 1-based row); for records the sheet name is suffixed with ``@`` and the
#: 0-based column where the record's table starts, so tables side by side stay apart.
Key = tuple[str, int]


@dataclass
class Case:
    """One generated workbook and its truth."""

    family: str
    split: str
    name: str
    sheets: list[dict[str, Any]] = field(default_factory=list)
    #: (sheet, 1-based row) -> {field: value} for every field the record carries.
    records: dict[Key, dict[str, Any]] = field(default_factory=dict)
    #: The logical tables: the keys of their records.
    tables: list[list[Key]] = field(default_factory=list)
    #: (sheet, 1-based row) -> what the engine must record about a row it skips.
    decisions: dict[Key, str] = field(default_factory=dict)


class _Sheet:
    """Builds one sheet's cells from rows placed at an origin."""

    def __init__(self, name: str, row0: int, col0: int) -> None:
        self.name = name
        self.row0 = row0  # 0-based sheet row of the next row
        self.col0 = col0
        self.cells: dict[tuple[int, int], Any] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.hidden_rows: list[int] = []

    def put(self, values: list[Any], col0: int | None = None) -> int:
        """Write a row at the next row; return its 1-based row number."""
        c0 = self.col0 if col0 is None else col0
        for j, v in enumerate(values):
            if v is not None and v != "":
                self.cells[(self.row0, c0 + j)] = v
        self.row0 += 1
        return self.row0

    def record(self, case: Case, row: int, values: dict[str, Any], col0: int | None = None) -> Key:
        """Record truth: ``row`` (1-based) is a record of the table starting at ``col0``."""
        key = (f"{self.name}@{self.col0 if col0 is None else col0}", row)
        case.records[key] = values
        return key

    def skip(self, n: int = 1) -> None:
        self.row0 += n

    def spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cells": self.cells,
            "merges": self.merges,
            "hidden_rows": self.hidden_rows,
        }


def _person(rng: random.Random, i: int, fields: list[str], words: Words) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    values = {
        "member_id": 1000 + i,
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{last.lower()}{i}@example.org",
        "city": rng.choice(CITIES),
        "amount": round(rng.uniform(10, 250), 2),
        "status": rng.choice(words.statuses),
    }
    return {f: values[f] for f in fields}


def _roster_fields(rng: random.Random) -> list[str]:
    extra = rng.sample(["first_name", "last_name", "city", "amount", "status"], rng.randint(2, 4))
    fields = ["member_id", *extra, "email"]
    rng.shuffle(fields)
    if "amount" in fields:  # keep a numeric column last-ish so subtotals have sums
        fields.remove("amount")
        fields.append("amount")
    return fields


def _footers(rng: random.Random, words: Words, case: Case) -> None:
    """Pages of one roster: the header repeated on each page, footers between pages."""
    fields = _roster_fields(rng)
    sh = _Sheet("Report", rng.randint(0, 3), rng.randint(0, 2))
    width = len(fields)
    if rng.random() < 0.6:
        r = sh.put(
            [
                rng.choice(
                    ["Member roster", "Liste des adhérents", "Mitgliederliste", "Listado de socios"]
                )
            ]
        )
        case.decisions[(sh.name, r)] = "skipped"
        sh.skip(rng.randint(0, 1))
    pages = rng.randint(2, 5)
    keys: list[Key] = []
    i = 0
    merged_footer = rng.random() < 0.4
    split_page = rng.random() < 0.25
    dated = rng.random() < 0.4
    page_col = width - 1 if rng.random() < 0.7 else width - 2
    dated_footer = rng.random() < 0.2 and page_col > 1
    for page in range(1, pages + 1):
        if page == 1 or rng.random() < 0.9:
            r = sh.put([words.headers[f] for f in fields])
            if page > 1:
                case.decisions[(sh.name, r)] = "repeated_header"
        for _ in range(rng.randint(3, 12)):
            i += 1
            person = _person(rng, i, fields, words)
            r = sh.put([person[f] for f in fields])
            keys.append(sh.record(case, r, person))
            if rng.random() < 0.05:
                sh.hidden_rows.append(r - 1)
        if page == pages and rng.random() < 0.5:
            break  # the last page may end without a footer
        if rng.random() < 0.5:
            sh.skip()
        footer: list[Any] = [None] * width
        footer[0] = rng.choice(words.confidential)
        footer[page_col] = words.page.format(n=page, of=pages)
        if dated_footer:  # "Printed on" | a date | ... | "Page 2 of 4"
            footer[0] = words.printed_label
            footer[1] = dt.datetime(2024, 3, 1 + page % 9, 9, 30)
        if split_page:  # "Page | 2 | of | 4", one word or number per cell
            parts = words.page.split()
            footer = [page if p == "{n}" else pages if p == "{of}" else p for p in parts]
        r = sh.put(footer)
        case.decisions[(sh.name, r)] = "footer"
        if merged_footer and page_col > 1 and not split_page and not dated_footer:
            sh.merges.append((r - 1, sh.col0, r - 1, sh.col0 + page_col - 1))
        if rng.random() < 0.7:
            d = rng.randint(1, 9)
            if dated:  # the label, then a date cell
                r = sh.put([words.printed_label, dt.datetime(2024, 3, d, 10, 15)])
            else:
                r = sh.put([rng.choice(words.printed).format(d=d)])
            case.decisions[(sh.name, r)] = "footer"
        if rng.random() < 0.6:
            sh.skip()
    case.sheets.append(sh.spec())
    case.tables.append(keys)


def _grouped(rng: random.Random, words: Words, case: Case) -> None:
    """Section label rows, subtotals (by word or by sums alone) and a grand total."""
    fields = _roster_fields(rng)
    if "amount" not in fields:
        fields.append("amount")
    sh = _Sheet("Groups", rng.randint(0, 3), rng.randint(0, 2))
    width = len(fields)
    amount_col = fields.index("amount")
    if rng.random() < 0.5:
        r = sh.put([rng.choice(["Members by region", "Adhérents par région"])])
        case.decisions[(sh.name, r)] = "skipped"
        sh.skip()
    label_first = rng.random() < 0.3  # the first section label above the header
    groups = rng.sample(words.regions, rng.randint(2, min(4, len(words.regions))))
    section = rng.choice(words.section)
    merged_labels = rng.random() < 0.4
    sum_only = rng.random() < 0.3  # subtotals carry no word, only sums
    blank_after_sub = rng.random() < 0.4
    two_cells = rng.random() < 0.3
    keys: list[Key] = []
    grand = 0.0
    i = 0

    def label(name: str) -> None:
        if two_cells:  # "Region:" | "North"
            r = sh.put([f"{words.headers['region']}:", name])
        else:
            r = sh.put([section.format(name=name)])
        case.decisions[(sh.name, r)] = "section"
        if merged_labels and not two_cells:
            sh.merges.append((r - 1, sh.col0, r - 1, sh.col0 + width - 1))

    if label_first:
        label(groups[0])
    sh.put([words.headers[f] for f in fields])
    for g, name in enumerate(groups):
        if g or not label_first:
            label(name)
        total = 0.0
        for _ in range(rng.randint(2, 9)):
            i += 1
            person = _person(rng, i, fields, words)
            r = sh.put([person[f] for f in fields])
            keys.append(sh.record(case, r, person))
            total += person["amount"]
            if rng.random() < 0.05:
                sh.hidden_rows.append(r - 1)
        grand += total
        sub: list[Any] = [None] * width
        if not sum_only:
            pos = 0 if amount_col else 1
            sub[pos] = rng.choice(words.subtotal).format(name=name)
        sub[amount_col] = round(total, 2)
        r = sh.put(sub)
        case.decisions[(sh.name, r)] = "subtotal"
        if blank_after_sub:
            sh.skip()
    if rng.random() < 0.8:
        tot: list[Any] = [None] * width
        tot[0 if amount_col else 1] = rng.choice(words.total)
        tot[amount_col] = round(grand, 2)
        r = sh.put(tot)
        case.decisions[(sh.name, r)] = "total"
    case.sheets.append(sh.spec())
    case.tables.append(keys)


def _summary(rng: random.Random, words: Words, case: Case) -> None:
    """A roster and, beside or under it, a summary block or small pivot (no required field)."""
    fields = _roster_fields(rng)
    sh = _Sheet("Roster", rng.randint(0, 2), rng.randint(0, 1))
    top = sh.row0
    keys: list[Key] = []
    if rng.random() < 0.4:
        r = sh.put([rng.choice(["Members 2024", "Adhérents 2024", "Mitglieder 2024"])])
        case.decisions[(sh.name, r)] = "skipped"
        sh.skip()
        top = sh.row0
    sh.put([words.headers[f] for f in fields])
    n = rng.randint(4, 15)
    for i in range(1, n + 1):
        person = _person(rng, i, fields, words)
        r = sh.put([person[f] for f in fields])
        keys.append(sh.record(case, r, person))
    case.tables.append(keys)
    beside = rng.random() < 0.5
    if beside:
        col0 = sh.col0 + len(fields) + rng.randint(1, 3)
        sh.row0 = top + rng.randint(0, 2)
    else:
        col0 = sh.col0 + rng.randint(0, 2)
        sh.skip(rng.randint(1, 3))
    if rng.random() < 0.5:
        sh.put([rng.choice(["Summary", "Résumé", "Zusammenfassung", "Resumen"])], col0)
    pivot = rng.random() < 0.4
    if pivot:
        head = [words.headers["region"], *words.statuses[:2], rng.choice(words.total)]
        rows: list[list[Any]] = []
        for g in words.regions[:4]:
            a, b = rng.randint(1, 40), rng.randint(0, 9)
            rows.append([g, a, b, a + b])
    else:
        head = [words.headers["status"], words.summary_count, words.headers["amount"]]
        rows = [[s, rng.randint(1, 40), round(rng.uniform(100, 900), 2)] for s in words.statuses]
    r = sh.put(head, col0)
    case.decisions[(sh.name, r)] = "incomplete"
    for row in rows:
        sh.put(row, col0)
    if rng.random() < 0.5:
        sh.put([rng.choice(words.total), *[None] * (len(head) - 2), 1], col0)
    case.sheets.append(sh.spec())


def _spacer(rng: random.Random, words: Words, case: Case) -> None:
    """One header with an empty spacer column in the middle; or real side-by-side tables."""
    sh = _Sheet("Sheet1", rng.randint(0, 3), rng.randint(0, 2))
    if rng.random() < 0.3:
        # Counterpart: two real tables side by side, each with its own caption; fields overlap.
        left = ["member_id", "last_name", "email"]
        right = ["member_id", "first_name", "email", "amount"]
        rng.shuffle(right)
        top = sh.row0
        for fields, col0 in ((left, sh.col0), (right, sh.col0 + len(left) + rng.randint(1, 2))):
            sh.row0 = top
            sh.put([rng.choice(["Branch A", "Section Nord", "Filiale Süd", "Sede Centro"])], col0)
            sh.put([words.headers[f] for f in fields], col0)
            keys: list[Key] = []
            for i in range(rng.randint(3, 8)):
                person = _person(rng, i + (0 if col0 == sh.col0 else 500), fields, words)
                person = {f: person[f] for f in fields}
                r = sh.put([person[f] for f in fields], col0)
                keys.append(sh.record(case, r, person, col0))
            case.tables.append(keys)
        case.sheets.append(sh.spec())
        case.name += "-side-by-side"
        return
    fields = _roster_fields(rng)
    cut = rng.randint(2, len(fields) - 1)
    gap = rng.randint(1, 2)
    hide_gap = rng.random() < 0.3
    header: list[Any] = [words.headers[f] for f in fields[:cut]]
    header += [None] * gap + [words.headers[f] for f in fields[cut:]]
    if rng.random() < 0.4:
        sh.put([rng.choice(["Member list", "Liste", "Mitgliederliste", "Lista de socios"])])
        sh.skip()
    sh.put(header)
    keys = []
    for i in range(1, rng.randint(4, 14)):
        person = _person(rng, i, fields, words)
        row: list[Any] = [person[f] for f in fields[:cut]]
        row += [None] * gap + [person[f] for f in fields[cut:]]
        r = sh.put(row)
        keys.append(sh.record(case, r, person))
        if rng.random() < 0.05:
            sh.hidden_rows.append(r - 1)
    case.tables.append(keys)
    spec = sh.spec()
    if hide_gap:
        spec["hidden_cols"] = list(range(sh.col0 + cut, sh.col0 + cut + gap))
    case.sheets.append(spec)


GENERATORS: dict[str, Callable[[random.Random, Words, Case], None]] = {
    "footers": _footers,
    "grouped": _grouped,
    "summary": _summary,
    "spacer": _spacer,
}
#: Seeds: the tune split and the held-out split never share one.
SEED_BASE = {"tune": 1000, "holdout": 900_000}


def cases(family: str, split: str = "tune", n: int = 24) -> Iterator[Case]:
    words = TUNE_WORDS if split == "tune" else HOLDOUT_WORDS
    for k in range(n):
        seed = SEED_BASE[split] + FAMILIES.index(family) * 10_000 + k
        rng = random.Random(seed)
        w = words[k % len(words)]
        case = Case(family, split, f"{family}-{split}-{k:03d}-{w.lang}")
        GENERATORS[family](rng, w, case)
        yield case
