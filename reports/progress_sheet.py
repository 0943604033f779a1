"""The 评审进度表 (``iipeval status -o 进度.xlsx``): where the round stands, for the office.

One sheet per view of the round: 申报 (each applicant's version, 补正 state, findings, 否决项,
forms back, 核查表) and 专家 (each expert's forms issued, returned, complete, waived), under
the round's stage, what blocks the next step, and the step itself.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from iipeval.core.round.status import RoundStatus
from iipeval.reports.grid import (
    HEAD,
    NOTE,
    SECTION,
    TITLE,
    Grid,
    Style,
    add_sheet,
    print_setup,
)
from iipeval.reports.results_workbook import new_results_workbook, save_deterministic

CENTER = Style(horizontal="center")
ALERT = Style(color="C00000")

APPLICANT_HEADERS = [
    "受理编号", "申报单位", "评价体系", "版本", "补正状态", "错误", "警告", "否决项", "评分表交回", "核查表",
]  # fmt: skip
EXPERT_HEADERS = [
    "专家",
    "姓名",
    "评价体系",
    "下发申报数",
    "交回（受理编号）",
    "填写完整",
    "免于交回的理由",
]


def _head(g: Grid, st: RoundStatus, when: datetime, span: int) -> int:
    g.put(1, 1, f"评审进度表：{st.name}", TITLE)
    g.put(2, 1, f"当前阶段：{st.stage}；下一步：{st.next_step}", SECTION, span=span)
    r = 3
    for b in st.blockers or ["无待办事项"]:
        g.put(r, 1, f"待办：{b}" if st.blockers else b, ALERT if st.blockers else NOTE, span=span)
        r += 1
    g.put(r, 1, f"生成时间：{when:%Y年%m月%d日 %H:%M}", NOTE, span=span)
    return r + 2


def _applicants(g: Grid, st: RoundStatus, r: int) -> None:
    g.line(r, 1, APPLICANT_HEADERS, HEAD)
    for a in st.applicants:
        r += 1
        forms = f"{a.forms_back}/{a.forms_issued}" if a.forms_issued else "未下发"
        row = [a.number, a.applicant, a.framework_name, f"第{a.version}版", a.correction]
        g.line(r, 1, row)
        g.line(r, 6, [a.errors, a.warnings], CENTER)
        g.put(r, 8, "、".join(a.vetoed) or "无", ALERT if a.vetoed else Style())
        g.line(r, 9, [forms, a.verified or "未收到"], CENTER)


def _experts(g: Grid, st: RoundStatus, r: int) -> None:
    g.line(r, 1, EXPERT_HEADERS, HEAD)
    for x in st.experts:
        r += 1
        done = {True: "是", False: "否", None: "—"}[x.complete]
        back = x.returned or ("已免于交回" if x.waived else "未交回")
        g.line(r, 1, [x.expert, x.name, x.framework_name])
        g.line(r, 4, [x.issued, back, done], CENTER)
        g.put(r, 7, x.waived or "")


def write_progress(st: RoundStatus, path: Path, generated_at: datetime) -> None:
    wb = new_results_workbook(generated_at, f"评审进度表：{st.name}")
    sheets = [
        ("申报", len(APPLICANT_HEADERS), _applicants, {1: 10, 2: 30, 3: 30, 5: 26, 8: 18}),
        ("专家", len(EXPERT_HEADERS), _experts, {1: 10, 2: 12, 3: 30, 4: 12, 5: 18, 6: 10, 7: 30}),
    ]
    for title, span, body, fixed in sheets:
        g = Grid(fixed=fixed)
        top = _head(g, st, generated_at, span)
        body(g, st, top)
        ws = add_sheet(wb, title)
        ws.freeze_panes = f"A{top + 1}"
        print_setup(ws, f"{top}:{top}")
        g.finish(ws)
    save_deterministic(wb, path, generated_at)
