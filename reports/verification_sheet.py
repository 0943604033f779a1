"""The 调研核查 sheet of the results workbook: declared and verified values side by side.

Per verified application: every value the verifiers gave (申报值, 核查值, 依据, 核查人,
日期), then every indicator whose points changed and the total before and after. Only
written when the run used 核查表 (``score --verified``).
"""

from __future__ import annotations

from iipeval.core.model.verified import shown
from iipeval.present.view import Row
from iipeval.reports.grid import (
    HEAD,
    LABEL,
    NOTE,
    NUM_FORMAT,
    SECTION,
    TITLE,
    Grid,
    Style,
    print_setup,
)

VERIFICATION = "调研核查"
NUMBER = Style(number_format=NUM_FORMAT)


class VerificationSheet:
    """The 调研核查 sheet, filled as the verified results come by in the pass over the
    batch (no result is kept); written only if one came (``bool(sheet)``)."""

    def __init__(self) -> None:
        self.grid: Grid | None = None
        self.r = 4

    def __bool__(self) -> bool:
        return self.grid is not None

    def add(self, row: Row) -> None:
        res, v = row.result, row.result.verification
        if v is None:
            return
        if self.grid is None:
            self.grid = Grid(fixed={1: 28, 2: 16, 3: 16, 4: 30, 5: 22, 6: 12, 7: 12})
            self.grid.put(1, 1, "调研核查：申报值与核查值对照", TITLE)
            self.grid.put(2, 1, "按核查值计分；未列出的数据项按申报值计分。", NOTE, span=7)
        g, r = self.grid, self.r
        g.put(r, 1, f"{res.applicant}（{row.set_label}）", SECTION, span=7)
        g.put(r + 1, 1, f"核查表：{v.source}", NOTE, span=7)
        r += 2
        g.line(r, 1, ["数据项", "申报值", "核查值", "核查依据", "备注", "核查人", "核查日期"], HEAD)
        r += 1
        for x in v.values:
            date = f"{x.date:%Y-%m-%d}" if x.date else ""
            values = [x.label, shown(x.declared), shown(x.verified), x.evidence, x.note]
            g.line(r, 1, [*values, x.verifier, date])
            r += 1
        g.line(r, 1, ["指标", "申报值计分", "核查后计分", "变化"], HEAD)
        r += 1
        for c in v.indicators:
            g.put(r, 1, c.name)
            g.line(r, 2, [c.declared_points, c.verified_points, c.change], NUMBER)
            r += 1
        g.put(r, 1, "总分", LABEL)
        g.line(r, 2, [v.declared_total, v.verified_total, v.change], NUMBER)
        self.r = r + 2

    def write(self, ws):
        """Fill the write-only sheet ``ws``; returns it."""
        print_setup(ws, None)
        self.grid.finish(ws)
        return ws
