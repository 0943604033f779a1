"""AHP questionnaires (层次分析法权重调查表): one workbook per expert of a panel.

One comparison sheet per group of siblings in the set's hierarchy
(:func:`iipeval.core.analysis.ahp.comparison_groups`). For each pair the expert picks which of the
two is more important and how much (Saaty's 1–9 scale, in Chinese, from dropdowns). The
judgement matrix, its reciprocal half, the weights (row geometric mean), λmax, CI, CR and a
通过/请调整 mark are live native formulas — GEOMEAN, SUMPRODUCT, MATCH, IFERROR only, so
Excel, WPS and LibreOffice all compute them with no Python and no macros. Python never
trusts those results: the reader takes only the two input cells of each pair and
:mod:`iipeval.core.analysis.ahp` recomputes everything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from iipeval.core import __version__
from iipeval.core.analysis.ahp import CR_THRESHOLD, Group, comparison_groups, ri_table
from iipeval.core.analysis.ahp_scale import GCI_LIMIT, GCI_LIMITS, cr_limit, limits_text
from iipeval.core.model.criteria import Framework
from iipeval.core.panel.roster import Panel, PanelExpert, safe_name
from iipeval.core.text import fmt as fmt_number  # ``fmt`` names a cell format here
from iipeval.excel.cells.book import FIXED_TIME, default_font, sheet_cell
from iipeval.excel.cells.styles import (
    BODY,
    BOLD,
    CENTER,
    FIXED_FILL,
    HEADER_FILL,
    INPUT_FILL,
    NOTE,
    TITLE,
    UNLOCKED,
)
from iipeval.present.atomic import write_atomic
from iipeval.present.cell_text import put
from iipeval.present.xlsx import pin_zip, print_a4

FORMAT = "iipeval.ahp-questionnaire"
VERSION = 1
GUIDE, META = "说明", "_meta"

#: The nine grades of Saaty's scale as the dropdown shows them; position k (1-based) = k.
SCALE_TEXT = (
    "1 同等重要",
    "2 介于同等与稍微之间",
    "3 稍微重要",
    "4 介于稍微与明显之间",
    "5 明显重要",
    "6 介于明显与强烈之间",
    "7 强烈重要",
    "8 介于强烈与极端之间",
    "9 极端重要",
)
SCALE_MEANING = (
    "两者对目标的贡献相同",
    "",
    "经验和判断稍微偏向前者",
    "",
    "经验和判断明显偏向前者",
    "",
    "前者强烈重要，其优势在实践中已得到证明",
    "",
    "前者极端重要，有最充分的证据支持",
)

# Comparison sheet plan: title, note, status, blank, header, then one row per pair.
TITLE_ROW, NOTE_ROW, STATUS_ROW, HEADER_ROW, FIRST_PAIR = 1, 2, 3, 5, 6
COL_A, COL_B, COL_WHICH, COL_DEGREE, COL_VALUE, COL_DEVIATION = 1, 2, 3, 4, 5, 6
LEGEND_COL = 7  # G: the scale texts (the dropdown's source), H: their meaning

PASS, ADJUST, NO_CR = "通过", "请调整", "无需检验（仅两项）"
SHARED = "多个判断偏离相同：不是某一个判断的问题，请整体复核"


def _cell(*args, text=False, **kwargs):
    """The expert workbook's cell helper, where a string is a formula unless ``text``:
    every text from outside here (names of dimensions, indicators, the panel) passes
    ``text=True``; the rest are this module's own formulas and labels."""
    return sheet_cell(*args, formula=not text, **kwargs)


@dataclass(frozen=True)
class SheetPlan:
    """Where everything of one comparison sheet sits (shared with the reader)."""

    name: str
    group: Group
    matrix_row: int  # header row of the matrix; its rows follow

    @property
    def n(self) -> int:
        return len(self.group.members)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return [(i, j) for i in range(self.n) for j in range(i + 1, self.n)]

    def pair_row(self, k: int) -> int:
        return FIRST_PAIR + k

    @property
    def last_pair_row(self) -> int:
        return FIRST_PAIR + len(self.pairs) - 1

    # matrix block: labels in column A, values from column B
    def m_row(self, i: int) -> int:
        return self.matrix_row + 1 + i

    def m_col(self, j: int) -> int:
        return 2 + j

    @property
    def gm_col(self) -> int:
        return 2 + self.n

    @property
    def w_col(self) -> int:
        return 3 + self.n

    @property
    def aw_col(self) -> int:
        return 4 + self.n

    @property
    def ratio_col(self) -> int:
        return 5 + self.n

    @property
    def t_row(self) -> int:
        """The weights laid out across, under the matrix, for the per-row SUMPRODUCT."""
        return self.matrix_row + 1 + self.n

    @property
    def summary_row(self) -> int:
        return self.t_row + 2

    def summary(self, key: str) -> str:
        """Address of a summary value: done, lambda, ci, ri, cr, status."""
        order = ["done", "lambda", "ci", "ri", "cr", "status", "worst", "gci"]
        if self.n <= 2:
            order = ["done", "status"]
        return f"$B${self.summary_row + order.index(key)}"


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")[:28] or "比较"
    name, k = base, 2
    while name in used or name in (GUIDE, META):
        name, k = f"{base[:26]}{k}", k + 1
    used.add(name)
    return name


def plan(framework: Framework) -> list[SheetPlan]:
    used: set[str] = set()
    out = []
    for g in comparison_groups(framework):
        title = "维度" if not g.level else g.title
        pairs = len(g.members) * (len(g.members) - 1) // 2
        matrix_row = FIRST_PAIR + max(pairs, len(SCALE_TEXT)) + 1
        out.append(SheetPlan(_sheet_name(title, used), g, matrix_row))
    return out


def file_name(panel: str, expert: str, framework: str, subtype: str | None) -> str:
    parts = ["ahp", safe_name(panel), safe_name(expert), safe_name(framework)]
    if subtype:
        parts.append(safe_name(subtype))
    return "_".join(parts) + ".xlsx"


# --------------------------------------------------------------------------------------
# writing


def _L(col: int) -> str:
    return get_column_letter(col)


@dataclass(frozen=True)
class Check:
    """How a questionnaire checks consistency: the RI table, the CR threshold, and whether
    Saaty's stricter limits for 3 and 4 items apply (the limit each sheet shows live)."""

    ri: str = "saaty"
    threshold: float = CR_THRESHOLD
    saaty: bool = False

    def limit(self, n: int) -> float:
        return cr_limit(n, self.threshold, self.saaty)


def _comparison_sheet(ws: Worksheet, sp: SheetPlan, check: Check) -> None:
    """One comparison sheet: heading, the pairs the expert fills, the live matrix, each
    judgement's deviation and the summary (λmax, CI, CR, GCI, verdict)."""
    _heading(ws, sp)
    legend = _legend(ws)
    _pair_rows(ws, sp, legend)
    _matrix(ws, sp)
    if sp.n > 2:
        _deviations(ws, sp)
    _summary(ws, sp, check)
    for target in (sp.summary("status").replace("$", ""), f"B{STATUS_ROW}"):
        _verdict_colours(ws, target)
    widths = {1: 30, 2: 30, 3: 24, 4: 22, 5: 16, 6: 12, LEGEND_COL: 20, LEGEND_COL + 1: 34}
    for col in range(6, sp.ratio_col + 1):
        widths.setdefault(col, 12)
    for col, width in widths.items():
        ws.column_dimensions[_L(col)].width = width
    ws.freeze_panes = f"A{FIRST_PAIR}"
    print_a4(ws, header_footer=0.25)


def _guard(sp: SheetPlan) -> str:
    """True while some pair is still blank: the live figures stay empty until then."""
    return f"{sp.summary('done')}<{len(sp.pairs)}"


def _heading(ws: Worksheet, sp: SheetPlan) -> None:
    last = _L(max(sp.ratio_col, LEGEND_COL + 1))
    what = "各维度" if not sp.group.level else f"维度“{sp.group.title}”下各指标"
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    title = f"两两比较：{what}的相对重要性"
    _cell(ws, TITLE_ROW, 1, title, font=TITLE, border=False, align=Alignment(vertical="center"))
    ws.row_dimensions[TITLE_ROW].height = 26
    note = (
        "每一行比较甲、乙两项：先在“更重要的一方”选出更重要的一项，再在“重要程度”选出重要多少"
        "（右侧为标度说明）；两者同等重要时只选“1 同等重要”。黄色单元格可填，其余为公式，"
        "判断矩阵的下半部分按倒数自动生成。"
    )
    ws.merge_cells(f"A{NOTE_ROW}:{last}{NOTE_ROW}")
    _cell(ws, NOTE_ROW, 1, note, font=NOTE, border=False)
    ws.row_dimensions[NOTE_ROW].height = 30
    _cell(ws, STATUS_ROW, 1, "一致性检验结论", font=BOLD)
    ws.merge_cells(f"B{STATUS_ROW}:D{STATUS_ROW}")
    _cell(ws, STATUS_ROW, 2, f"={sp.summary('status')}", font=BOLD, align=CENTER)
    heads = ["甲", "乙", "更重要的一方", "重要程度", "判断值（甲比乙）"]
    if sp.n > 2:
        heads.append("偏离度")
    for k, h in enumerate(heads, start=1):
        _cell(ws, HEADER_ROW, k, h, font=BOLD, fill=HEADER_FILL, align=CENTER)
    ws.row_dimensions[HEADER_ROW].height = 32


def _legend(ws: Worksheet) -> str:
    """Saaty's scale beside the pairs (the dropdown's source); returns its range."""
    _cell(ws, HEADER_ROW, LEGEND_COL, "重要程度（标度）", font=BOLD, fill=HEADER_FILL, align=CENTER)
    _cell(ws, HEADER_ROW, LEGEND_COL + 1, "含义", font=BOLD, fill=HEADER_FILL, align=CENTER)
    for k, (t, m) in enumerate(zip(SCALE_TEXT, SCALE_MEANING, strict=True)):
        _cell(ws, FIRST_PAIR + k, LEGEND_COL, t, fill=FIXED_FILL, text=True)
        _cell(ws, FIRST_PAIR + k, LEGEND_COL + 1, m or "相邻判断的中间值", font=NOTE, text=True)
    col = _L(LEGEND_COL)
    return f"${col}${FIRST_PAIR}:${col}${FIRST_PAIR + len(SCALE_TEXT) - 1}"


def _pair_rows(ws: Worksheet, sp: SheetPlan, legend: str) -> None:
    """One row per pair: the two names, the two dropdowns, the judgement they make."""
    names = [name for _, name in sp.group.members]
    degree_dv = DataValidation(
        type="list",
        formula1=legend,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="重要程度",
        error="请从下拉列表中选择 1–9 的重要程度",
    )
    ws.add_data_validation(degree_dv)
    for k, (i, j) in enumerate(sp.pairs):
        r = sp.pair_row(k)
        _cell(ws, r, COL_A, names[i], fill=FIXED_FILL, text=True)
        _cell(ws, r, COL_B, names[j], fill=FIXED_FILL, text=True)
        which = _cell(ws, r, COL_WHICH, fill=INPUT_FILL)
        degree = _cell(ws, r, COL_DEGREE, fill=INPUT_FILL)
        which.protection = degree.protection = UNLOCKED
        dv = DataValidation(
            type="list",
            formula1=f"$A${r}:$B${r}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="更重要的一方",
            error="请从下拉列表中选择甲或乙",
        )
        ws.add_data_validation(dv)
        dv.add(which.coordinate)
        degree_dv.add(degree.coordinate)
        a, b, c, d = (f"{_L(col)}{r}" for col in (COL_A, COL_B, COL_WHICH, COL_DEGREE))
        k_ = f"MATCH({d},{legend},0)"
        formula = f'=IFERROR(IF({k_}=1,1,IF({c}={a},{k_},IF({c}={b},1/{k_},""))),"")'
        _cell(ws, r, COL_VALUE, formula, fill=FIXED_FILL, fmt_="0.000", align=CENTER)


def _matrix(ws: Worksheet, sp: SheetPlan) -> None:
    """The judgement matrix (its lower half the reciprocals), the row geometric means, the
    weights, and what λmax is taken from."""
    n, names, guard = sp.n, [name for _, name in sp.group.members], _guard(sp)
    m0 = sp.matrix_row
    _cell(ws, m0, 1, "判断矩阵（行比列）", font=BOLD, fill=HEADER_FILL, align=CENTER)
    ws.row_dimensions[m0].height = 32
    for j, name in enumerate(names):
        _cell(ws, m0, sp.m_col(j), name, font=BOLD, fill=HEADER_FILL, align=CENTER, text=True)
    heads = ((sp.gm_col, "几何平均"), (sp.w_col, "权重"), (sp.aw_col, "加权和"))
    for col, h in (*heads, (sp.ratio_col, "加权和÷权重")):
        _cell(ws, m0, col, h, font=BOLD, fill=HEADER_FILL, align=CENTER)
    index = {pair: k for k, pair in enumerate(sp.pairs)}
    first, lastc = _L(sp.m_col(0)), _L(sp.m_col(n - 1))
    t_range = f"${first}${sp.t_row}:${lastc}${sp.t_row}"
    gm_range = f"${_L(sp.gm_col)}${sp.m_row(0)}:${_L(sp.gm_col)}${sp.m_row(n - 1)}"
    for i in range(n):
        r = sp.m_row(i)
        _cell(ws, r, 1, names[i], font=BOLD, fill=HEADER_FILL, text=True)
        for j in range(n):
            if i == j:
                value = 1
            else:
                v = f"$E${sp.pair_row(index[(min(i, j), max(i, j))])}"
                value = f'=IF({v}="","",{v})' if i < j else f'=IF({v}="","",1/{v})'
            _cell(ws, r, sp.m_col(j), value, fill=FIXED_FILL, fmt_="0.000", align=CENTER)
        row_range = f"{first}{r}:{lastc}{r}"
        gm, w, aw = (f"{_L(c)}{r}" for c in (sp.gm_col, sp.w_col, sp.aw_col))
        cells = [
            (sp.gm_col, f'=IF({guard},"",GEOMEAN({row_range}))'),
            (sp.w_col, f'=IF({guard},"",{gm}/SUM({gm_range}))'),
            (sp.aw_col, f'=IF({guard},"",SUMPRODUCT({row_range},{t_range}))'),
            (sp.ratio_col, f'=IF({guard},"",{aw}/{w})'),
        ]
        for col, formula in cells:
            bold = BOLD if col == sp.w_col else BODY
            _cell(ws, r, col, formula, font=bold, fill=FIXED_FILL, fmt_="0.0000", align=CENTER)
    _cell(ws, sp.t_row, 1, "权重（横排，供计算）", font=NOTE)
    for j in range(n):
        formula = f'=IF({guard},"",{_L(sp.w_col)}{sp.m_row(j)})'
        _cell(ws, sp.t_row, sp.m_col(j), formula, font=NOTE, fmt_="0.0000", align=CENTER)


def _deviations(ws: Worksheet, sp: SheetPlan) -> None:
    """How far each judgement is from the ratio of the weights it produced,
    |ln(a_ij·w_j/w_i)| (Saaty 2003); the largest names the judgement to reconsider first."""
    guard = _guard(sp)
    for k, (i, j) in enumerate(sp.pairs):
        r = sp.pair_row(k)
        wi, wj = (f"${_L(sp.w_col)}${sp.m_row(x)}" for x in (i, j))
        formula = f'=IF({guard},"",ABS(LN(E{r}*{wj}/{wi})))'
        _cell(ws, r, COL_DEVIATION, formula, fill=FIXED_FILL, fmt_="0.000", align=CENTER)


def _summary(ws: Worksheet, sp: SheetPlan, check: Check) -> None:
    """The summary under the matrix: judgements done, λmax, CI, RI, CR, the verdict against
    this sheet's limit, the judgement to reconsider, and GCI."""
    total, _done, guard = len(sp.pairs), sp.summary("done"), _guard(sp)
    value_range = f"E{FIRST_PAIR}:E{sp.last_pair_row}"
    rows: list[tuple[str, object, str | None, str]] = [
        ("已完成的判断", f"=COUNT({value_range})", "0", f"共{total}项"),
    ]
    if sp.n > 2:
        rows += _consistency_rows(sp, check)
    else:
        rows.append(("结论", f'=IF({guard},"尚未填写","{NO_CR}")', None, "仅两项，判断必然一致"))
    plain = Alignment(vertical="center")
    r0 = sp.summary_row
    for k, (label, value, fmt, note) in enumerate(rows):
        _cell(ws, r0 + k, 1, label, font=BOLD)
        _cell(ws, r0 + k, 2, value, font=BOLD, fill=FIXED_FILL, fmt_=fmt, align=CENTER)
        _cell(ws, r0 + k, 3, note, font=NOTE, align=plain, border=False)


def _consistency_rows(sp: SheetPlan, check: Check) -> list[tuple[str, object, str | None, str]]:
    n, total, done, guard = sp.n, len(sp.pairs), sp.summary("done"), _guard(sp)
    table = ri_table(check.ri)
    limit = check.limit(n)
    lam, ci, cr = sp.summary("lambda"), sp.summary("ci"), sp.summary("cr")
    last = sp.last_pair_row
    ratios = f"{_L(sp.ratio_col)}{sp.m_row(0)}:{_L(sp.ratio_col)}{sp.m_row(n - 1)}"
    names_a, names_b = f"$A${FIRST_PAIR}:$A${last}", f"$B${FIRST_PAIR}:$B${last}"
    dev = f"$F${FIRST_PAIR}:$F${last}"
    at = f"MATCH(MAX({dev}),{dev},0)"
    tied = f'COUNTIF({dev},">="&(MAX({dev})-0.000000001))>1'
    saaty = "（Saaty 对3、4项的较严限值）" if check.saaty and limit < check.threshold else ""
    gci_limit = GCI_LIMITS.get(n, GCI_LIMIT)
    return [
        (
            "最大特征根 λmax",
            f'=IF({guard},"",AVERAGE({ratios}))',
            "0.0000",
            "各行“加权和÷权重”的平均",
        ),
        (
            "一致性指标 CI",
            f'=IF({guard},"",({lam}-{n})/({n}-1))',
            "0.0000",
            "CI =（λmax − n）/（n − 1）",
        ),
        ("随机一致性指标 RI", table.ri(n), "0.00##", f"{table.label}，n = {n}"),
        ("一致性比率 CR", f'=IF({guard},"",{ci}/{sp.summary("ri")})', "0.0000", "CR = CI / RI"),
        (
            "结论",
            f'=IF({guard},"尚有"&({total}-{done})&"项未填",IF({cr}<{limit!r},"{PASS}","{ADJUST}"))',
            None,
            f"CR < {fmt_number(limit, 4)} 为通过{saaty}",
        ),
        (
            "最不一致的判断",
            f'=IF({guard},"",IF({cr}<{limit!r},"—",IF({tied},"{SHARED}",'
            f'INDEX({names_a},{at})&" 与 "&INDEX({names_b},{at}))))',
            None,
            "请调整时，先复核这一行（偏离度最大）；偏离度相同的判断有多个时，不是某一个判断的问题",
        ),
        (
            "几何一致性指标 GCI",
            f'=IF({guard},"",SUMSQ({dev})*2/(({n}-1)*({n}-2)))',
            "0.0000",
            f"Aguarón 与 Moreno-Jiménez（2003）；与 CR 0.1 相当的阈值为 {fmt_number(gci_limit, 4)}",
        ),
    ]


def _verdict_colours(ws: Worksheet, target: str) -> None:
    """通过 green, 请调整 red (conditional formats: they follow the live verdict)."""
    green, red = PatternFill("solid", fgColor="C6EFCE"), PatternFill("solid", fgColor="FFC7CE")
    ws.conditional_formatting.add(target, FormulaRule(formula=[f'{target}="{PASS}"'], fill=green))
    bold_red = Font(color="9C0006", bold=True)
    rule = FormulaRule(formula=[f'{target}="{ADJUST}"'], fill=red, font=bold_red)
    ws.conditional_formatting.add(target, rule)


def _guide_sheet(ws, fw: Framework, subtype, panel_id, expert: PanelExpert, plans, check) -> None:
    table = ri_table(check.ri)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    print_a4(ws, header_footer=0.25)
    ws.page_setup.orientation = "portrait"
    ws.merge_cells("A1:B1")
    _cell(ws, 1, 1, "层次分析法（AHP）权重调查表", font=TITLE, align=CENTER, border=False)
    ws.row_dimensions[1].height = 28
    st = fw.subtype(subtype)
    facts = [
        ("评价体系", f"{fw.name}（版本 {fw.version}）" + (f"，{st.name}" if st else "")),
        ("评审组", panel_id),
        ("专家", f"{expert.id} {expert.name}".strip()),
        (
            "一致性检验",
            f"{limits_text(check.threshold, check.saaty)} 为通过；随机一致性指标 RI 取自{table.label}",
        ),
    ]
    r = 3
    for label, value in facts:
        _cell(ws, r, 1, label, font=BOLD, fill=HEADER_FILL)
        _cell(ws, r, 2, value, text=True)
        r += 1
    steps = [
        "本表用于确定评价体系各维度、各指标的权重。请按您的专业判断，对同一层级的两项逐一比较“哪一项对评价目标更重要、重要多少”。",
        "每个比较表的每一行：在“更重要的一方”下拉选择甲或乙；在“重要程度”下拉选择 1–9（1 同等重要，3 稍微重要，5 明显重要，7 强烈重要，9 极端重要，2、4、6、8 为中间值）。两项同等重要时，只需选“1 同等重要”。",
        "填完一张表后，表下方即时显示权重和一致性比率 CR；表头“一致性检验结论”显示“通过”或“请调整”。CR 大于等于阈值说明判断之间互相矛盾（例如甲比乙重要、乙比丙重要，却又认为丙比甲重要），请复核后修改，可先看表下方“最不一致的判断”所指的一行。",
        "请只修改黄色单元格；其余单元格为公式，已锁定。不需要启用宏，Excel、WPS 与 LibreOffice 均可使用。",
        "填写完成后保存为 .xlsx，原样交回组织方；请勿更改文件结构或工作表名称。",
    ]
    r += 1
    _cell(ws, r, 1, "填写说明", font=BOLD, fill=HEADER_FILL)
    _cell(ws, r, 2, "\n".join(f"{k}. {s}" for k, s in enumerate(steps, 1)), text=True)
    ws.row_dimensions[r].height = 190
    r += 2
    _cell(ws, r, 1, "比较表", font=BOLD, fill=HEADER_FILL, align=CENTER)
    _cell(ws, r, 2, "一致性检验结论（实时）", font=BOLD, fill=HEADER_FILL, align=CENTER)
    for sp in plans:
        r += 1
        _cell(ws, r, 1, sp.name, text=True)
        _cell(ws, r, 2, f"='{sp.name}'!B{STATUS_ROW}", align=CENTER)
        _verdict_colours(ws, f"B{r}")


def _meta_sheet(
    ws, fw: Framework, subtype, panel_id, expert: PanelExpert, plans, check, roster=()
) -> None:
    facts = [
        ("format", FORMAT),
        ("version", VERSION),
        ("tool_version", __version__),
        ("framework", fw.id),
        ("framework_version", fw.version),
        ("subtype", subtype or ""),
        ("panel", panel_id),
        ("expert", expert.id),
        ("expert_name", expert.name),
        ("ri_table", check.ri),
        ("cr_threshold", check.threshold),
        ("cr_limits", "saaty" if check.saaty else "flat"),
        ("panel_experts", ",".join(roster)),
    ]
    ws.append(["iipeval 层次分析法调查表元数据：供程序核对，请勿修改"])
    for k, v in facts:
        ws.append([k, v])
    ws.append([])
    ws.append(["[sheets]", "工作表", "层级", "首行", "比较对象"])
    for sp in plans:
        ws.append(
            ["", sp.name, sp.group.level, FIRST_PAIR, ",".join(i for i, _ in sp.group.members)]
        )
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                put(c, c.value)


def build(
    fw: Framework,
    panel_id: str,
    expert: PanelExpert,
    subtype: str | None = None,
    ri: str = "saaty",
    threshold: float = CR_THRESHOLD,
    saaty: bool = False,
    roster: tuple[str, ...] = (),
) -> Workbook:
    """One expert's questionnaire for ``fw`` (and ``subtype``); ``roster``: the panel's
    expert ids, recorded so ``weights derive`` can name who returned none."""
    plans = plan(fw)
    check = Check(ri, threshold, saaty)
    wb = Workbook()
    default_font(wb)
    wb.remove(wb.active)
    guide = wb.create_sheet(GUIDE)
    for sp in plans:
        _comparison_sheet(wb.create_sheet(sp.name), sp, check)
    meta = wb.create_sheet(META)
    _guide_sheet(guide, fw, subtype, panel_id, expert, plans, check)
    _meta_sheet(meta, fw, subtype, panel_id, expert, plans, check, roster)
    meta.sheet_state = "hidden"
    for ws in wb.worksheets:
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True
    props = wb.properties
    props.creator = props.lastModifiedBy = "iipeval"
    props.title = f"{fw.name} 层次分析法权重调查表"
    props.created = props.modified = FIXED_TIME
    return wb


def saved_bytes(wb: Workbook) -> bytes:
    """The workbook's file, deterministic: the same questionnaire, the same bytes."""
    buf = io.BytesIO()
    wb.save(buf)
    return pin_zip(buf.getvalue(), FIXED_TIME)


def save(wb: Workbook, path: Path, *, force: bool) -> None:
    """Deterministic bytes, written whole or not at all."""
    data = saved_bytes(wb)
    write_atomic(path, lambda tmp: Path(tmp).write_bytes(data), force=force)


def generate(
    fw: Framework,
    panel: Panel,
    outdir: Path,
    *,
    subtype: str | None = None,
    ri: str = "saaty",
    threshold: float = CR_THRESHOLD,
    saaty: bool = False,
    force: bool = False,
) -> list[tuple[Path, PanelExpert]]:
    """One questionnaire per panel expert in ``outdir``; refuses to overwrite without force."""
    ri_table(ri)  # an unknown table fails before anything is written
    outdir = Path(outdir)
    targets = [(outdir / file_name(panel.id, e.id, fw.id, subtype), e) for e in panel.experts]
    if not force:
        existing = [str(p) for p, _ in targets if p.exists()]
        if existing:
            from iipeval.present.atomic import OutputExists

            raise OutputExists(f"调查表已存在：{'、'.join(existing)}；如需覆盖，请加 --force")
    outdir.mkdir(parents=True, exist_ok=True)
    roster = tuple(e.id for e in panel.experts)
    for path, expert in targets:
        wb = build(fw, panel.id, expert, subtype, ri, threshold, saaty, roster)
        save(wb, path, force=True)
    return targets
