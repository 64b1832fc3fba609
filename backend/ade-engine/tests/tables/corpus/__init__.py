"""A generated corpus of the report layouts of issue 15, with truth, and its scoring.

Four families, each generated in many variants from a seed (position on the sheet, table
sizes, label words in English, French, German and Spanish, merged cells, hidden rows, several
groups or pages):

- ``footers``: print-layout exports, the header repeated on every page and page footers
  (a confidentiality line with "Page 2 of 4" in another cell, a "Printed on ..." line) between
  the pages;
- ``grouped``: grouped reports, a section label row before each group, a subtotal after it
  (by word, or by sums with no word) and a grand total at the end;
- ``summary``: a roster with a summary block or small pivot beside or under it, whose header
  maps some fields but no required one;
- ``spacer``: one table whose header has an empty (spacer) column in the middle, data aligned
  on both sides; and, as its counterpart, real side-by-side tables whose fields overlap.

The ``holdout`` split uses other seeds and other words (Italian and Portuguese labels, other
phrasings) and is never tuned on. :func:`score` compares a run's output with the truth: which
rows are records (by ``source_row``), the value of every field, the junk rows let in, and
whether each row the engine must skip is recorded as a decision.

A package loaded by path (:func:`load` in the tests and ``bench/layouts.py``): ``generate``
makes the cases, ``score`` writes their files, runs the engine and compares.
"""

from __future__ import annotations

from .generate import FAMILIES, FIELDS, HOLDOUT_WORDS, SPLITS, TUNE_WORDS, Case, Key, cases
from .score import Score, run_case, score, score_records, write_config, write_workbook

__all__ = [
    "FAMILIES",
    "FIELDS",
    "HOLDOUT_WORDS",
    "SPLITS",
    "TUNE_WORDS",
    "Case",
    "Key",
    "Score",
    "cases",
    "run_case",
    "score",
    "score_records",
    "write_config",
    "write_workbook",
]
