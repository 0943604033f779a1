"""Where everything goes in an application workbook (申报表), computed from the Framework.

The writer renders this plan and the reader finds values through it, so the two cannot
drift apart: every readable cell is a :class:`Slot` with a key (an item id,
``applicant.name``, ``subtype`` or ``evidence:<id>``), a cell and the label that must sit
beside it. The slot map is stored in the workbook's hidden ``_meta`` sheet, with a
fingerprint over it, so that a reader can tell a moved row or an edited structure from
a clean workbook, and read old workbooks by their own map.

Nothing here is drawn per criteria set: dimensions, indicators (verbatim names and
评价内容), items, units and help text all come from the model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, NamedTuple

from iipeval.core.model.criteria import DataItem, Dimension, Framework, Group, Indicator, Subtype
from iipeval.core.model.numbering import numbers, short
from iipeval.core.scoring.normalize import fold
from iipeval.core.text import fmt
from iipeval.excel.cells.refs import column_index

#: Bump when the placement of cells or the meta sheet changes in a way an old reader
#: could misread. The reader refuses workbooks newer than itself and reads older ones
#: through the slot map they carry.
TEMPLATE_VERSION = 1
FORMAT = "iipeval.application-workbook"

GUIDE, INFO, DATA, LISTS, META = "填报说明", "基本信息", "指标数据", "_lists", "_meta"

#: (column, header, width in Excel character units) of the data sheet.
DATA_COLUMNS = (
    ("A", "序号", 7),
    ("B", "数据项", 30),
    ("C", "单位", 9),
    ("D", "必填", 6),
    ("E", "填报值", 15),
    ("F", "佐证材料（文件名及页码）", 24),
    ("G", "填报口径", 44),
)
DATA_LABEL, DATA_INPUT, DATA_EVIDENCE = "B", "E", "F"
DATA_HEADER_ROW = 3

INFO_COLUMNS = (("A", "项目", 30), ("B", "填写内容", 34), ("C", "填写说明", 50))
INFO_LABEL, INFO_INPUT = "A", "B"
INFO_HEADER_ROW = 2

EVIDENCE_PREFIX = "evidence:"


@dataclass(frozen=True)
class ApplicantField:
    key: str
    label: str
    required: bool
    note: str
    text_format: bool = False


APPLICANT_FIELDS = (
    ApplicantField("applicant.name", "申报单位名称", True, "与营业执照上的名称一致"),
    ApplicantField("applicant.platform_name", "平台名称", False, "申报的工业互联网平台名称"),
    ApplicantField(
        "applicant.credit_code",
        "统一社会信用代码",
        False,
        "18位，按营业执照抄录；本单元格为文本格式，请勿改为数字格式",
        text_format=True,
    ),
    ApplicantField("applicant.region", "所在地区", False, "如：湖南省长沙市"),
    ApplicantField("applicant.contact", "联系人", False, "申报联系人姓名"),
    ApplicantField(
        "applicant.phone", "联系电话", False, "手机或带区号的固定电话", text_format=True
    ),
)
SUBTYPE_KEY, SUBTYPE_LABEL = "subtype", "申报类型"


class Place(NamedTuple):
    """Where a slot's value actually is in a file (its own cell, or where its row moved).
    Make one with :meth:`at`."""

    sheet: str
    row: int
    column: str
    cell: str

    @classmethod
    def at(cls, sheet: str, row: int, column: str) -> Place:
        return cls(sheet, row, column, f"{column}{row}")

    def where(self) -> dict[str, str]:
        return {"sheet": self.sheet, "cell": self.cell}


@dataclass(frozen=True)
class Slot:
    """One readable cell: what it holds, where, and the label expected beside it."""

    key: str
    sheet: str
    row: int
    column: str
    label: str
    label_column: str

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}"

    @property
    def label_cell(self) -> str:
        return f"{self.label_column}{self.row}"

    # what every file of a template asks of its slots, worked out once per slot ---------

    @cached_property
    def label_at(self) -> tuple[int, int]:
        """0-based row and column of the label, as a grid is indexed."""
        return self.row - 1, column_index(self.label_column) - 1

    @cached_property
    def folded_label(self) -> str:
        return fold(self.label)

    @cached_property
    def place(self) -> Place:
        """Where the value is when nothing was moved."""
        return Place.at(self.sheet, self.row, self.column)

    @property
    def item_id(self) -> str | None:
        """The data item whose value this slot holds (not evidence, not applicant)."""
        if self.key.startswith(("applicant.", EVIDENCE_PREFIX)) or self.key == SUBTYPE_KEY:
            return None
        return self.key


RowKind = Literal["dimension", "group", "requirement", "indicator", "item", "expert", "note"]


@dataclass(frozen=True)
class DataRow:
    """One row of the 指标数据 sheet, in the order it is drawn."""

    row: int
    kind: RowKind
    number: str = ""
    title: str = ""
    text: str = ""
    item: DataItem | None = None
    part_id: str | None = None


@dataclass(frozen=True)
class InfoRow:
    """One row of the 基本信息 sheet."""

    row: int
    kind: Literal["title", "header", "field", "subtype", "section", "item"]
    label: str = ""
    note: str = ""
    key: str | None = None
    item: DataItem | None = None
    required: bool = False
    text_format: bool = False


@dataclass
class Plan:
    """Everything the writer draws and the reader reads, for one framework (and subtype)."""

    framework: Framework
    subtype: Subtype | None
    info: list[InfoRow] = field(default_factory=list)
    data: list[DataRow] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)

    def fingerprint(self) -> str:
        return fingerprint(self.framework.id, self.framework.version, self.slots)

    def slot(self, key: str) -> Slot:
        return next(s for s in self.slots if s.key == key)


def fingerprint(framework_id: str, framework_version: str, slots: Iterable[Slot]) -> str:
    """sha256 over the ordered (key, sheet, cell) map and the framework id/version."""
    payload = {
        "framework": framework_id,
        "version": framework_version,
        "slots": [[s.key, s.sheet, s.cell] for s in slots],
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def item_hint(item: DataItem) -> str:
    """How to fill an item in, in words (填法), derived from its type and bounds."""
    lo, hi = item.bounds()
    if item.type == "bool":
        hint = "选择“是”或“否”"
    elif item.type == "choice":
        hint = "从下拉列表中选择：" + "、".join(item.choices or [])
    elif item.type == "text":
        hint = "填写文字"
    elif item.type == "percent":
        hint = f"填{fmt(lo)}~{fmt(hi)}之间的数，如35%填35"
    else:
        kind = "整数" if item.type == "integer" else "数值（可带小数）"
        if lo is not None and hi is not None:
            hint = f"填{fmt(lo)}~{fmt(hi)}之间的{kind}"
        elif lo is not None:
            hint = f"填不小于{fmt(lo)}的{kind}"
        elif hi is not None:
            hint = f"填不大于{fmt(hi)}的{kind}"
        else:
            hint = f"填{kind}，可为负数"
        if item.unit == "%":
            hint += "，以%计，如35%填35"
        elif item.unit:
            hint += f"，以{item.unit}计，不写单位"
    if item.allow_na:
        hint += "；不适用的填“不适用”"
    return hint


def item_guidance(item: DataItem) -> str:
    """The 填报口径 column: the set's own help text, then how to fill it in."""
    hint = item_hint(item)
    help_text = item.help or ""
    if item.type == "bool" and "“是”或“否”" in help_text:
        hint = hint.removeprefix("选择“是”或“否”").lstrip("；")
    if item.allow_na and "不适用" in help_text:  # the set's own words already say it
        hint = hint.removesuffix("；不适用的填“不适用”")
    parts = [item.help.rstrip("。；;") if item.help else "", hint]
    return "。".join(p for p in parts if p) + "。"


def plan(fw: Framework, subtype: str | None = None) -> Plan:
    """Lay out the workbook of ``fw``; ``subtype`` fixes the 申报类型 at generation."""
    st = fw.subtype(subtype) if subtype else None
    if subtype and st is None:
        names = "、".join(f"{s.name}（{s.id}）" for s in fw.subtypes) or "无"
        raise ValueError(f"{fw.name}没有子类型“{subtype}”；可选：{names}")
    p = Plan(fw, st)
    indicator_items = _data_sheet(p)
    _info_sheet(p, indicator_items)
    return p


class _DataSheet:
    """Draws the 指标数据 sheet's rows into a plan: each data item once, at the first
    indicator that reads it, numbered as the document numbers its parts."""

    def __init__(self, p: Plan) -> None:
        self.p = p
        self.items = p.framework.item_map()
        self.nums = numbers(p.framework)
        self.row = DATA_HEADER_ROW
        self.placed: dict[str, int] = {}

    def add(self, kind: RowKind, number: str = "", title: str = "", text: str = "", **kw) -> int:
        self.row += 1
        self.p.data.append(DataRow(self.row, kind, number, title, text, **kw))
        return self.row

    def indicator(self, number: str, name: str, text: str, item_ids, experts) -> None:
        """An indicator (or 加分/扣分项) row, then its items and expert parts below it."""
        self.add("indicator", number, name, text)
        k = 0
        again = [x for x in dict.fromkeys(item_ids) if x in self.placed]
        for item_id in dict.fromkeys(item_ids):
            if item_id in self.placed:
                continue
            item = self.items[item_id]
            k += 1
            row = self.add("item", f"{number}.{k}", item.label, item=item)
            self.placed[item_id] = row
            self.p.slots.append(Slot(item.id, DATA, row, DATA_INPUT, item.label, DATA_LABEL))
            self.p.slots.append(
                Slot(EVIDENCE_PREFIX + item.id, DATA, row, DATA_EVIDENCE, item.label, DATA_LABEL)
            )
        for part_id, expert in experts:
            k += 1
            title = f"专家评价：{expert.aspect}"
            row = self.add("expert", f"{number}.{k}", title, part_id=part_id)
            self.p.slots.append(
                Slot(EVIDENCE_PREFIX + part_id, DATA, row, DATA_EVIDENCE, title, DATA_LABEL)
            )
        if again:
            refs = "、".join(f"{self.items[x].label}（第{self.placed[x]}行）" for x in again)
            self.add("note", text=f"本指标同时使用上文已填报的：{refs}")

    def dimension(self, d_no: int, d: Dimension) -> None:
        self.add("dimension", short(self.nums[d.id]), d.name)
        if d.requirement:
            self.add("requirement", "", "能力要求", d.requirement)
        self.under(d_no, d, None)

    def under(self, d_no: int, d: Dimension, group: str | None) -> None:
        """The groups under ``group`` (each with what it holds), then its indicators."""
        for g in d.children(group):
            if isinstance(g, Group):
                self.add("group", self.nums[g.id], g.name, g.description)
                self.under(d_no, d, g.id)
        for ind in (i for i in d.indicators if i.group == group):
            self.indicator(
                self.indicator_number(d_no, ind),
                ind.name,
                ind.description + f"（{ind.kind}指标）",
                ind.item_ids(),
                list(ind.expert_parts()),
            )

    def indicator_number(self, d_no: int, ind: Indicator) -> str:
        """The document's number (``5``); numbers that restart in every dimension are
        prefixed with it (``2.1``), so no two indicators share a number."""
        number = short(self.nums[ind.id])
        if ind.number or self.nums.continuous:
            return number
        return f"{d_no}.{number}"

    def adjustments(self) -> None:
        """加分项 and 扣分项 under their own names (not numbered as dimensions)."""
        fw = self.p.framework
        for (label, part), kind in zip(fw.adjustments(), _kinds(fw), strict=True):
            verb = "加" if kind == "bonus" else "扣"
            cap = f"（最多{verb}{fmt(part.cap)}分）" if part.cap is not None else ""
            self.add("dimension", short(self.nums[kind]), f"{label}{cap}")
            if part.description:
                self.add("requirement", "", "说明", part.description)
            for a in part.items:
                text = f"{a.description}（本项最多{verb}{fmt(a.cap)}分）"
                number = f"{verb}{short(self.nums[a.id])}" if not a.number else short(a.number)
                self.indicator(number, a.name, text, a.item_ids(), [])


def _kinds(fw: Framework) -> list[str]:
    return [k for k, part in (("bonus", fw.bonus), ("deduction", fw.deduction)) if part]


def _data_sheet(p: Plan) -> set[str]:
    """Dimensions, their groups (方面, any depth) and indicators in document order, then
    the 加分项 and 扣分项 with the items they read."""
    sheet = _DataSheet(p)
    for d_no, d in enumerate(p.framework.dimensions, 1):
        sheet.dimension(d_no, d)
    sheet.adjustments()
    return set(sheet.placed)


def _info_sheet(p: Plan, indicator_items: set[str]) -> None:
    fw = p.framework
    p.info.append(InfoRow(1, "title", "申报单位基本信息"))
    p.info.append(InfoRow(INFO_HEADER_ROW, "header"))
    row = INFO_HEADER_ROW
    for f in APPLICANT_FIELDS:
        row += 1
        p.info.append(
            InfoRow(row, "field", f.label, f.note, f.key, None, f.required, f.text_format)
        )
        p.slots.append(Slot(f.key, INFO, row, INFO_INPUT, f.label, INFO_LABEL))
    if fw.subtypes:
        row += 1
        options = "；".join(
            f"{s.name}：{s.description.rstrip('。')}" if s.description else s.name
            for s in fw.subtypes
        )
        note = f"从下拉列表中选择。{options}。"
        if p.subtype:
            note = f"本申报表为{p.subtype.name}专用，已预先选定。"
        p.info.append(InfoRow(row, "subtype", SUBTYPE_LABEL, note, SUBTYPE_KEY, required=True))
        p.slots.append(Slot(SUBTYPE_KEY, INFO, row, INFO_INPUT, SUBTYPE_LABEL, INFO_LABEL))
    others = list(fw.general_items) + [
        i.id for i in fw.items if i.id not in indicator_items and i.id not in fw.general_items
    ]
    if not others:
        return
    row += 2
    p.info.append(InfoRow(row, "section", "声明事项", "请逐项如实填写"))
    excluded_by = {e.item: e for e in fw.exclusions}
    items = fw.item_map()
    for item_id in others:
        item = items[item_id]
        row += 1
        note = item_guidance(item)
        if item_id in excluded_by:
            e = excluded_by[item_id]
            word = e.when if isinstance(e.when, str) else ("是" if e.when else "否")
            note = f"否决项：填“{word}”的不予推荐。" + note
        p.info.append(InfoRow(row, "item", item.label, note, item.id, item, item.required))
        p.slots.append(Slot(item.id, INFO, row, INFO_INPUT, item.label, INFO_LABEL))
