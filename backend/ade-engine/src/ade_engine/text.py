"""Header text normalization and the built-in synonym matcher."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SPLIT_RE = re.compile(r"[\s_/\\|,;:()\[\]{}<>+&]+")
_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")


def tokens(text: str) -> tuple[str, ...]:
    """Words of a header: split on spaces and separators, punctuation inside words dropped.

    ``"E-Mail Address"`` -> ``("email", "address")``; ``"first_name"`` -> ``("first", "name")``.
    """
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    out = []
    for part in _SPLIT_RE.split(folded):
        word = _NON_ALNUM_RE.sub("", part)
        if word:
            out.append(word)
    return tuple(out)


def normalize(text: str) -> str:
    """Case, punctuation and spacing folded: ``"E-Mail Address"`` -> ``"emailaddress"``."""
    return "".join(tokens(text))


@dataclass(frozen=True)
class _Phrase:
    squashed: str
    words: frozenset[str]
    n_words: int


class SynonymMatcher:
    """Scores a header against each field's label and synonyms.

    1.0 for an exact match after :func:`normalize`; for a partial match (every word of a label or
    synonym present among the header's words) ``0.6 + 0.3 * synonym_words / header_words``, so a
    closer partial match scores higher but always below 1.0; else 0.
    """

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._phrases: dict[str, list[_Phrase]] = {}
        self.exact: dict[str, str] = {}
        for fld, phrases in fields.items():
            items = []
            for phrase in phrases:
                words = tokens(phrase)
                if not words:
                    continue
                squashed = "".join(words)
                items.append(_Phrase(squashed, frozenset(words), len(words)))
                self.exact.setdefault(squashed, fld)
            self._phrases[fld] = items

    def score(self, header: str, fld: str) -> float:
        words = tokens(header)
        if not words:
            return 0.0
        squashed = "".join(words)
        header_words = set(words)
        best = 0.0
        for phrase in self._phrases.get(fld, ()):
            if phrase.squashed == squashed:
                return 1.0
            if phrase.words <= header_words:
                best = max(best, 0.6 + 0.3 * min(1.0, phrase.n_words / len(header_words)))
        return best

    def best(self, header: str) -> tuple[str | None, float]:
        """The field the header matches best and its score ((None, 0.0) when none matches)."""
        scored = [(self.score(header, fld), fld) for fld in self._phrases]
        score, fld = max(scored, default=(0.0, ""), key=lambda sf: sf[0])
        return (fld, score) if score > 0 else (None, 0.0)

    def is_known(self, header: str) -> bool:
        """Whether the header equals some label or synonym exactly (after normalizing)."""
        return normalize(header) in self.exact
