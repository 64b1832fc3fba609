"""The scanner: runs the table steps over one sheet, in order."""

from __future__ import annotations

from ade_engine.read.sheet import Sheet
from ade_engine.tables.classify import Classifier
from ade_engine.tables.columns import fill_columns
from ade_engine.tables.find import Finder
from ade_engine.tables.merge import merge_spacers, propose_blocks
from ade_engine.tables.model import RowClassifier, SheetScan, Table
from ade_engine.text import SynonymMatcher


class SheetScanner:
    """Finds the tables of one sheet: classify (which profiles), find, fill the columns, then
    merge the tables split by spacer columns."""

    def __init__(
        self,
        sheet: Sheet,
        matcher: SynonymMatcher,
        *,
        header_scan_rows: int = 50,
        sample_size: int = 200,
        classifiers: list[tuple[str, RowClassifier]] | None = None,
        custom_types: list[str] | None = None,
    ) -> None:
        self.sheet = sheet
        self.header_scan_rows = header_scan_rows
        self.sample_size = sample_size
        self.classifier = Classifier(matcher, classifiers, custom_types)

    def scan(self) -> SheetScan:
        classified = self.classifier.classify(self.sheet)
        n_rows = len(classified.profile.ids)
        finder = Finder(
            self.sheet,
            classified.profile,
            self.classifier.type_names,
            header_scan_rows=self.header_scan_rows,
        )
        tables: list[Table] = []
        for segment in classified.segments:
            tables.extend(finder.find(segment))
        proposals = propose_blocks(self.sheet, classified.profile, classified.segments, tables)
        if tables:
            fill_columns(self.sheet, tables + [p.block for p in proposals], self.sample_size)
            tables = merge_spacers(
                self.sheet, tables, self.classifier.matcher, proposals, finder.decisions
            )
        tables.sort(key=lambda t: (t.top, t.col_start))
        for i, t in enumerate(tables, 1):
            t.number = i
        return SheetScan(tables, finder.decisions, n_rows, classified.row_types)
