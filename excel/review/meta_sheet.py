"""The hidden ``_meta`` sheet: which application each row holds, which part each column
scores, the panel, the round and the signature (:mod:`iipeval.core.panel.record`)."""

from __future__ import annotations

import hashlib
import json

from iipeval.core import __version__
from iipeval.core.panel.record import (
    form_claims,
    sign,
)
from iipeval.core.panel.roster import PanelExpert
from iipeval.excel.cells.book import cell_text
from iipeval.excel.cells.sheetwrite import Rows, Style
from iipeval.excel.review.common import _widths
from iipeval.excel.review.formulas import _entry_scale
from iipeval.excel.review.layout import (
    FIRST_ROW,
    FORMAT,
    HEADER_ROW,
    SCORES,
    WORKBOOK_VERSION,
    ScoreColumns,
)
from iipeval.excel.review.rows import ReviewSet
from iipeval.present.cell_text import cell_safe

# _meta --------------------------------------------------------------------------------------


def fingerprint(parts: list[list], rows: list[list]) -> str:
    canon = json.dumps({"parts": parts, "rows": rows}, ensure_ascii=False, sort_keys=True)
    return "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()


#: a _meta cell holding text: applicants' names among them, so text, never a formula
META_TEXT: Style = (None, None, None, None, "@", None)


def _meta_sheet(
    ws,
    rs: ReviewSet,
    panel_id,
    expert: PanelExpert,
    rows,
    excluded,
    cols: ScoreColumns,
    roster: list[str],
    round_id: str = "",
    key: bytes | None = None,
):
    """Facts, then the [parts], [rows] and [conflicts] sections, all stored as text."""
    part_rows = _part_rows(rs, cols)
    app_rows = [
        [
            FIRST_ROW + k,
            r.key,
            r.applicant,
            r.application.subtype or "",
            r.source,
            r.parameters_hash,
            r.sha256,
        ]
        for k, r in enumerate(rows)
    ]
    fp = fingerprint([p[:1] + p[3:5] for p in part_rows], [a[:2] for a in app_rows])
    claims = _claims(rs, panel_id, expert, cols, round_id, part_rows, app_rows)
    facts = [
        *_facts(rs, panel_id, expert, cols, roster, round_id),
        ("fingerprint", fp),
        ("signature", sign(key, claims) if key else ""),
    ]
    lines = [
        ["iipeval 专家评分表元数据：供程序核对，请勿修改"],
        *([k, v] for k, v in facts),
        [],
        ["[parts]", "评分项", "名称", "指标", "评分列", "评语列", "满分", "等级"],
        *(["", *p] for p in part_rows),
        [],
        ["[rows]", "行号", "申报键", "申报单位", "子类型", "来源文件", "参数哈希", "申报指纹"],
        *(["", *a] for a in app_rows),
        [],
        ["[conflicts]", "声明的回避对象", "对应申报键", "申报单位"],
        *(["", *c] for c in _conflicts(expert, excluded)),
    ]
    out = Rows()
    for r, values in enumerate(lines, start=1):
        for c, v in enumerate(values, start=1):
            out.put(r, c, v, META_TEXT if isinstance(v, str) else None)
    out.attach(ws)
    _widths(ws, {1: 18, 2: 30, 3: 30, 4: 30, 5: 12, 6: 12, 7: 30})


def _part_rows(rs: ReviewSet, cols: ScoreColumns) -> list[list]:
    """Each part: id, label, indicator, its two columns, its 满分 and its grades."""
    scales = {pid: _entry_scale(rs.policy, rule) for pid, _, rule in rs.framework.expert_parts()}
    return [
        [
            p.part,
            p.label,
            p.indicator,
            p.score_col,
            p.comment_col,
            scales[p.part][0],
            json.dumps([g for g, _ in scales[p.part][1]], ensure_ascii=False),
        ]
        for p in cols.parts
    ]


def _claims(rs: ReviewSet, panel_id, expert, cols, round_id, part_rows, app_rows) -> dict:
    """What the signature covers (:func:`iipeval.core.panel.record.form_claims`)."""
    return form_claims(
        format=FORMAT,
        version=WORKBOOK_VERSION,
        round_id=round_id,
        panel=panel_id,
        expert=expert.id,
        framework=rs.framework.id,
        parameters_hash=rs.parameters_hash,
        layout={
            "sheet": SCORES,
            "header_row": HEADER_ROW,
            "key_col": cols.key,
            "applicant_col": cols.applicant,
        },
        # the scale is signed too: an expert who widens 满分 in _meta breaks the signature
        parts=[[p[0], p[1], p[3], p[4], float(p[5]), json.loads(p[6])] for p in part_rows],
        # and the name the expert reads on each row, as the cell holds it
        rows=[[a[0], a[1], cell_text(cell_safe(a[2])), a[6]] for a in app_rows],
    )


def _facts(rs: ReviewSet, panel_id, expert, cols, roster, round_id) -> list[tuple]:
    fw = rs.framework
    return [
        ("format", FORMAT),
        ("workbook_version", WORKBOOK_VERSION),
        ("tool_version", __version__),
        ("round", round_id),
        ("panel", panel_id),
        ("expert", expert.id),
        ("expert_name", expert.name),
        ("panel_experts", json.dumps(roster, ensure_ascii=False)),
        ("framework", fw.id),
        ("framework_name", fw.name),
        ("framework_version", fw.version),
        ("parameters_hash", rs.parameters_hash),
        ("parameters_file", rs.parameters_file or ""),
        ("grade_scores", json.dumps(rs.policy.grade_scores, ensure_ascii=False)),
        ("scores_sheet", SCORES),
        ("header_row", HEADER_ROW),
        ("first_row", FIRST_ROW),
        ("key_col", cols.key),
        ("applicant_col", cols.applicant),
        ("total_col", cols.total),
    ]


def _conflicts(expert: PanelExpert, excluded) -> list[list]:
    """Each declared conflict, with the application it left out (if any)."""
    conflicts = [[e.declared, e.row.key, e.row.applicant] for e in excluded]
    for c in expert.conflicts:
        if not any(c == e.declared for e in excluded):
            conflicts.append([c, "", ""])
    return conflicts
