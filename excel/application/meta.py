"""The hidden ``_meta`` sheet: which framework, which template, and the slot map.

Plain key/value rows followed by one row per slot, all stored as text so that a save in
Excel, WPS or LibreOffice cannot turn ``2023.1`` or ``1`` into a number. The reader
trusts the map only when its fingerprint still matches, and then uses it to find every
value and to recognise rows that were moved or deleted.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from iipeval.excel.application.layout import (
    DATA,
    DATA_EVIDENCE,
    DATA_HEADER_ROW,
    DATA_INPUT,
    DATA_LABEL,
    EVIDENCE_PREFIX,
    FORMAT,
    INFO,
    INFO_HEADER_ROW,
    INFO_INPUT,
    INFO_LABEL,
    TEMPLATE_VERSION,
    Plan,
    Slot,
    fingerprint,
)

SLOTS_HEADER = ("key", "sheet", "cell", "label", "label_cell")


def rows(p: Plan) -> list[list[str]]:
    """The meta sheet's content, row by row."""
    fw = p.framework
    out = [
        ["format", FORMAT],
        ["framework_id", fw.id],
        ["framework_version", fw.version],
        ["framework_name", fw.name],
        ["template_version", str(TEMPLATE_VERSION)],
        ["subtype", p.subtype.id if p.subtype else ""],
        ["fingerprint", p.fingerprint()],
        ["slot_count", str(len(p.slots))],
        [],
        list(SLOTS_HEADER),
    ]
    out += [[s.key, s.sheet, s.cell, s.label, s.label_cell] for s in p.slots]
    return out


@dataclass
class Meta:
    values: dict[str, str]
    slots: list[Slot] = field(default_factory=list)
    #: whether the fingerprint matched, when a cached parse already knows
    checked: bool | None = None
    #: what readers worked out about this very map, shared by the copies of a cached parse
    memo: dict = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    @property
    def template_version(self) -> int | None:
        try:
            return int(self.get("template_version"))
        except ValueError:
            return None

    def consistent(self) -> bool:
        """True when the stored fingerprint matches the stored map (nothing tampered)."""
        if self.checked is not None:
            return self.checked
        return self.get("fingerprint") == fingerprint(
            self.get("framework_id"), self.get("framework_version"), self.slots
        )


class MetaError(ValueError):
    pass


#: Where the generator puts input cells: (sheet, column of the value) → label column and
#: the last header row. Evidence references sit in the data sheet's evidence column.
INPUT_COLUMNS = {
    (INFO, INFO_INPUT): (INFO_LABEL, INFO_HEADER_ROW),
    (DATA, DATA_INPUT): (DATA_LABEL, DATA_HEADER_ROW),
    (DATA, DATA_EVIDENCE): (DATA_LABEL, DATA_HEADER_ROW),
}


def misplaced(slots: Sequence[Slot]) -> str | None:
    """Why a slot map cannot be the generator's (for a template older than this reader).

    A map read from the file is the applicant's to edit (its fingerprint is a plain hash
    anyone can recompute), so it must at least point at input cells: the input column of
    the information or data sheet, below the header, beside its label, one item per cell.
    """
    seen: dict[tuple[str, str], Slot] = {}
    keys: set[str] = set()
    for s in slots:
        evidence = s.key.startswith(EVIDENCE_PREFIX)
        rule = INPUT_COLUMNS.get((s.sheet, s.column))
        if rule is None or (s.column == DATA_EVIDENCE) != evidence:
            return f"“{s.label}”指向 {s.sheet}!{s.cell}，不是模板的填写单元格"
        label_column, header = rule
        if s.label_column != label_column or s.row <= header:
            return f"“{s.label}”指向 {s.sheet}!{s.cell}，不是模板的填写单元格"
        other = seen.setdefault((s.sheet, s.cell), s)
        if other is not s or s.key in keys:
            names = f"“{s.label}”" if other.label == s.label else f"“{other.label}”与“{s.label}”"
            return f"两个数据项（{names}）指向同一个单元格 {s.sheet}!{s.cell}"
        keys.add(s.key)
    return None


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v).strip()


def _split_cell(cell: str) -> tuple[str, int]:
    col = cell.rstrip("0123456789")
    return col, int(cell[len(col) :])


def parse(grid: Sequence[Sequence[Any]]) -> Meta:
    """Read the meta sheet's grid (rows of cell values from A1)."""
    values: dict[str, str] = {}
    it = iter(grid)
    for row in it:
        cells = [_text(v) for v in row[:5]] + [""] * 5
        if tuple(cells[:5]) == SLOTS_HEADER:
            break
        if cells[0]:
            values[cells[0]] = cells[1]
    else:
        raise MetaError("缺少数据项位置表")
    if values.get("format") != FORMAT:
        raise MetaError(f"格式标记不是 {FORMAT}")
    slots = []
    for row in it:
        cells = [_text(v) for v in row[:5]] + [""] * 5
        if not cells[0]:
            continue
        try:
            col, r = _split_cell(cells[2])
            label_col, label_row = _split_cell(cells[4])
        except ValueError:
            raise MetaError(f"位置表中 {cells[0]} 的单元格地址无效") from None
        if label_row != r:
            raise MetaError(f"位置表中 {cells[0]} 的标签与数值不在同一行")
        slots.append(Slot(cells[0], cells[1], r, col, cells[3], label_col))
    return Meta(values, slots)


#: Parsed ``_meta`` sheets by what decides their content: a batch is filled in a few
#: templates, and every application of one template carries the same ``_meta``.
_PARSED: OrderedDict[bytes, Meta] = OrderedDict()
CACHED_TEMPLATES = 8
#: The largest ``_meta`` kept (a national template's is about 75 KB).
CACHED_BYTES = 512 * 1024


def parse_cached(
    key: bytes | None,
    grid: Callable[[], Sequence[Sequence[Any]]],
    cacheable: Callable[[], bool] = lambda: True,
) -> Meta:
    """:func:`parse` of ``grid()``, once per distinct ``_meta`` in this process.

    ``key`` is what alone decides the grid, compared byte for byte, or ``None`` (parsed
    every time): the sheet's XML, or its stored part (:meth:`CalamineSource.part_key`),
    which is the same XML before it is inflated. Never a checksum, which a crafted file
    could match to make another applicant's workbook be read with its map. A parse is
    kept only when ``cacheable()`` says the part decides the grid alone (no shared
    strings, no styles: :func:`.cellxml.self_contained`). Each caller gets its own copy,
    which knows whether its fingerprint matched.
    """
    if key is None:
        return parse(grid())
    hit = _PARSED.get(key)
    if hit is None:
        hit = parse(grid())  # a MetaError is raised, not kept
        if not cacheable():
            return hit
        hit.checked = hit.consistent()
        _PARSED[key] = hit
        if len(_PARSED) > CACHED_TEMPLATES:
            _PARSED.popitem(last=False)
    else:
        _PARSED.move_to_end(key)
    return Meta(dict(hit.values), list(hit.slots), hit.checked, hit.memo)


__all__ = [
    "TEMPLATE_VERSION",
    "Meta",
    "MetaError",
    "misplaced",
    "parse",
    "parse_cached",
    "rows",
]
