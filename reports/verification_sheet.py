"""The 调研核查 sheet of the results workbook: declared and verified values side by side.

Per verified application: every value the verifiers gave (申报值, 核查值, 依据, 核查人,
日期), then every indicator whose points changed and the total before and after. Only
written when the run used 核查表 (``score --verified``).
"""

from __future__ import annotations

from iipeval.core.batch import Batch
from iipeval.core.verification import shown

from .view import Row

VERIFICATION = "调研核查"


def add_verification_sheet(wb, batch: Batch, all_rows: list[Row]) -> None:
    """Append the 调研核查 sheet to ``wb`` if any result was scored with verified values."""
    verified = [row for row in all_rows if row.result.verification is not None]
    if not verified:
        return
    from .results_workbook import (
        HEAD,
        LABEL,
        NOTE,
        NUM_FORMAT,
        SECTION,
        TITLE,
        Grid,
        Style,
        _print_setup,
    )

    ws = wb.create_sheet(VERIFICATION)
    g = Grid(ws, fixed={1: 28, 2: 16, 3: 16, 4: 30, 5: 22, 6: 12, 7: 12})
    g.put(1, 1, "调研核查：申报值与核查值对照", TITLE)
    g.put(2, 1, "按核查值计分；未列出的数据项按申报值计分。", NOTE, span=7)
    r = 4
    num = Style(number_format=NUM_FORMAT)
    for row in verified:
        res, v = row.result, row.result.verification
        g.put(r, 1, f"{res.applicant}（{row.set_label}）", SECTION, span=7)
        r += 1
        g.put(r, 1, f"核查表：{v.source}", NOTE, span=7)
        r += 1
        g.line(r, 1, ["数据项", "申报值", "核查值", "核查依据", "备注", "核查人", "核查日期"], HEAD)
        r += 1
        for x in v.values:
            g.line(
                r,
                1,
                [
                    x.label,
                    shown(x.declared),
                    shown(x.verified),
                    x.evidence,
                    x.note,
                    x.verifier,
                    f"{x.date:%Y-%m-%d}" if x.date else "",
                ],
            )
            r += 1
        g.line(r, 1, ["指标", "申报值计分", "核查后计分", "变化"], HEAD)
        r += 1
        for c in v.indicators:
            g.put(r, 1, c.name)
            g.put(r, 2, c.declared_points, num)
            g.put(r, 3, c.verified_points, num)
            g.put(r, 4, c.change, num)
            r += 1
        g.put(r, 1, "总分", LABEL)
        g.put(r, 2, v.declared_total, num)
        g.put(r, 3, v.verified_total, num)
        g.put(r, 4, v.change, num)
        r += 2
    _print_setup(ws, None)
    g.finish()
