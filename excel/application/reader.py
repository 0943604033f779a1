"""Read a filled application workbook back into a submission, with every cell located.

The file first passes :func:`.guard.guard` (zip bombs, DTDs, encrypted or legacy files
are refused before any parser sees them). calamine then reads the values (the hidden
``_meta`` sheet included), so reading is fast
enough for batches of hundreds of workbooks; :mod:`.cellxml` adds the two facts values
do not carry (percent formats, formulas without a cached result). The framework comes
from the meta sheet, the cells from the slot map stored there, and each value goes
through :mod:`iipeval.core.scoring.normalize`. Every reader finding names its sheet and cell;
``Loaded.locations`` lets the evaluator place its own findings the same way.

The reading itself works over any grid source (:mod:`.sources`): a saved file read by
calamine (:func:`read_workbook`), or a live Excel book and the ranges Excel passes to a
worksheet function (:func:`read_source`), so all three give the same findings.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from iipeval.core.api import Evaluator, Loaded
from iipeval.core.findings import Finding, Severity
from iipeval.core.host import UnknownFramework
from iipeval.core.intake.package import Refused, open_package
from iipeval.core.model.application import Applicant, Application, Submission
from iipeval.core.model.criteria import DataItem, Framework
from iipeval.core.scoring.normalize import (
    Reading,
    fold,
    read_credit_code,
    read_item,
    read_plain_text,
    show,
)
from iipeval.excel.application import meta, structure, visible
from iipeval.excel.application.layout import (
    APPLICANT_FIELDS,
    DATA,
    EVIDENCE_PREFIX,
    INFO,
    META,
    SUBTYPE_KEY,
    TEMPLATE_VERSION,
    Slot,
    plan,
)
from iipeval.excel.cells import cellxml
from iipeval.excel.cells.sources import (
    BookUnreadable,
    CalamineSource,
    GridSource,
    SheetUnreadable,
)

MISSING_NAME = "（未填写申报单位名称）"


@cache
def _default_evaluator() -> Evaluator:
    return Evaluator()


def _error(src: str, code: str, message: str, **where: str) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=src, **where)


def read_workbook(path: str | Path, evaluator: Evaluator | None = None) -> Loaded:
    """Read one filled 申报表. ``evaluator`` supplies the criteria sets (default: plugins).

    The file is opened once (:func:`.package.open_package`) and each part inflated once,
    checked before any parser sees it (zip bombs, DTDs, encrypted, legacy files); calamine,
    the cell facts and the visibility look all read those same parts.
    """
    src = str(path)
    ev = evaluator or _default_evaluator()
    try:
        package = open_package(path, ev.params.input)
        source = CalamineSource(package, sheets=(INFO, DATA))  # _meta: only if not known
        try:
            loaded = read_source(source, ev)
        finally:
            source.close()
    except Refused as exc:
        return Loaded(src, None, [_error(src, exc.code, exc.message)])
    except SheetUnreadable as exc:
        message = (
            f"工作表“{exc.sheet}”中有无法读取的单元格（如超出范围的日期或时长），"
            "整份申报表无法读取；请检查该表中设置为日期或时间格式的单元格"
        )
        return Loaded(src, None, [_error(src, "unreadable", message, sheet=exc.sheet)])
    except BookUnreadable as exc:
        message = f"无法读取申报表：文件已损坏或不是 .xlsx 格式（{exc}）"
        return Loaded(src, None, [_error(src, "unreadable", message)])
    loaded.findings[:0] = [
        Finding(severity=Severity.notice, code=code, message=message, file=src)
        for code, message in package.notices
    ]
    return loaded


def read_source(source: GridSource, evaluator: Evaluator | None = None) -> Loaded:
    """Read a 申报表 from any grid source (a live Excel book, ranges passed to a function)."""
    return _Reader(source, evaluator or _default_evaluator()).read()


class _Reader:
    def __init__(self, source: GridSource, ev: Evaluator) -> None:
        self.src, self.source, self.ev = source.name, source, ev
        self.names = list(source.sheet_names)
        self.grids: dict[str, Any] = {}
        self.findings: list[Finding] = []
        self.locations: dict[str, dict[str, str]] = {}
        self.rejected: set[str] = set()
        self.max_chars = ev.params.input.max_text_chars

    def grid(self, name: str):
        if name not in self.grids:
            self.grids[name] = self.source.grid(name)
        return self.grids[name]

    def _meta(self) -> meta.Meta:
        """``_meta`` parsed, or known already: a saved file whose ``_meta`` part is the very
        one of a file read before (it alone decides what is read from it) is not parsed,
        nor even inflated, again (:func:`.meta.parse_cached`)."""
        key = None
        if isinstance(self.source, CalamineSource):
            key = self.source.part_key(META, meta.CACHED_BYTES)
        return meta.parse_cached(key, lambda: self.grid(META), self._meta_self_contained)

    def _meta_self_contained(self) -> bool:
        package = self.source.package
        return cellxml.self_contained(package, META, meta.CACHED_BYTES) is not None

    def refuse(self, code: str, message: str, **where: str) -> Loaded:
        return Loaded(self.src, None, [*self.findings, _error(self.src, code, message, **where)])

    # checks on the workbook as a whole ---------------------------------------------------

    def read(self) -> Loaded:
        if META not in self.names:
            return self.refuse(
                "not_template",
                "不是由 iipeval 生成的申报表（缺少隐藏的结构信息表 _meta），无法确定各数据项的"
                "位置；请使用组织方下发的申报表模板（由 iipeval template 生成）填写后提交",
            )
        try:
            m = self._meta()
        except meta.MetaError as exc:
            return self.refuse(
                "meta_damaged", f"申报表的结构信息已损坏（{exc}），请使用原模板重新填报"
            )
        if not m.consistent():
            return self.refuse(
                "meta_damaged",
                "申报表的结构信息（_meta）已被改动，无法确认各数据项的位置；请使用原模板重新填报",
            )
        version = m.template_version
        if version is None or version > TEMPLATE_VERSION:
            return self.refuse(
                "template_newer",
                f"申报表模板版本为{m.get('template_version') or '未知'}，本程序只能读取"
                f"{TEMPLATE_VERSION}及以前的版本；请升级 iipeval 后再读取",
            )
        fw_id = m.get("framework_id")
        try:
            fw = self.ev.framework(fw_id).framework
        except UnknownFramework:
            loaded = "、".join(rf.framework.id for rf in self.ev.frameworks()) or "无"
            return self.refuse(
                "framework_unknown",
                f"申报表对应的评价体系“{m.get('framework_name')}”（{fw_id}）未加载，无法读取；"
                f"已加载的评价体系：{loaded}。请确认申报表来自本次申报的模板，或安装对应插件",
            )
        if version < TEMPLATE_VERSION:
            self.warn(
                "template_older",
                f"申报表使用的是旧版模板（版本{version}，当前为{TEMPLATE_VERSION}），"
                "已按表内记录的结构读取；建议使用新模板重新填报",
            )
        slots = self._compare_layout(fw, m)
        if isinstance(slots, Loaded):
            return slots
        return self._read_values(fw, m, slots)

    def warn(self, code: str, message: str, severity=Severity.warning, **where) -> None:
        self.findings.append(
            Finding(severity=severity, code=code, message=message, file=self.src, **where)
        )

    def _compare_layout(self, fw: Framework, m: meta.Meta) -> list[Slot] | Loaded:
        """The slots to read: the generator's own cells, never a map the file invents.

        The fingerprint in ``_meta`` is a plain hash anyone can recompute, so a map that
        differs from today's template of the same version is an error and today's
        template is read instead; an older template's map must at least point at input
        cells, one item per cell.
        """
        current = _current_plan(fw, m.get("subtype") or None)
        same_map = current is not None and _same_cells(m, current[0])
        if m.get("framework_version") == fw.version and m.template_version == TEMPLATE_VERSION:
            if same_map:
                return m.slots
            if current is None:
                return self.refuse("meta_mismatch", f"{_UNTRUSTED}（申报类型与模板不一致）")
            self.findings.append(
                _error(self.src, "meta_mismatch", _MISMATCH + _difference(m.slots, current[0]))
            )
            return current[0]
        wrong = meta.misplaced(m.slots)
        if wrong:
            return self.refuse("meta_mismatch", f"{_UNTRUSTED}（{wrong}）")
        if m.get("framework_version") != fw.version:
            if same_map:
                self.warn(
                    "framework_version",
                    f"申报表按{fw.name}版本{m.get('framework_version')}生成，当前为版本"
                    f"{fw.version}；数据项与位置均未变化，照常读取",
                    Severity.notice,
                )
            else:
                self.warn(
                    "framework_version",
                    f"申报表按{fw.name}版本{m.get('framework_version')}生成，当前为版本"
                    f"{fw.version}，数据项有变化；已按表内记录的结构读取，建议使用新模板重新填报",
                )
        return m.slots

    # values ------------------------------------------------------------------------------

    def _read_values(self, fw: Framework, m: meta.Meta, slots: list[Slot]) -> Loaded:
        located = self._locate(slots)
        known = fw.item_map()
        cells = _Cells(self, located, known)
        applicant = self._applicant(cells)
        subtype = self._subtype(fw, m, cells)
        items, evidence, unknown = self._readings(slots, located, cells, known)
        self._version_gaps(fw, slots, unknown)
        try:
            app = Application(
                framework=fw.id,
                subtype=subtype,
                applicant=Applicant(**applicant),
                items=items,
                evidence=evidence,
            )
        except ValidationError as exc:  # pragma: no cover - readings are typed already
            return self.refuse("bad_field", f"申报数据无法组装：{exc}")
        return Loaded(
            self.src, Submission(application=app), self.findings, self.locations, self.rejected
        )

    def _locate(self, slots: list[Slot]) -> structure.Located:
        """Where each slot's value is (rows moved and sheets renamed found by their labels),
        with what the structure and the visibility look say: a value no one can see is
        taken out, so it is never read."""
        grids = {n: self.grid(n) for n in {s.sheet for s in slots} if n in self.names}
        located = structure.locate(slots, self.names, _LazyGrids(self, grids))
        for f in located.findings:
            self.findings.append(f.located(file=self.src))
        for key, place in located.places.items():
            self.locations[key] = {"sheet": place.sheet, "cell": place.cell}
        unseen, refused = visible.check(
            self.source.look(_by_sheet(located.places, evidence=True)),
            self.names,
            located,
            slots,
        )
        self.findings += [f.located(file=self.src) for f in unseen]
        self.rejected |= refused
        for key in refused:  # what no one can see is not read: the forged value is gone
            located.places.pop(key, None)
        for s in located.lost:
            self.locations.setdefault(s.key, {"sheet": s.sheet, "cell": s.cell})
        return located

    def _readings(
        self, slots: list[Slot], located: structure.Located, cells: _Cells, known: dict
    ) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        """Each item's answer and each evidence reference, read as typed; the labels of
        items the current set no longer has."""
        items, evidence, unknown = {}, {}, []
        for s in slots:
            if s.key.startswith(EVIDENCE_PREFIX):
                value, _ = cells(s.key)
                if value is None:  # nothing typed: nothing to read or say
                    continue
                reading = read_plain_text(f"{s.label}的佐证材料", value, self.max_chars)
                self._finding(reading, s.key)
                if reading.ok and reading.value:
                    evidence[s.key[len(EVIDENCE_PREFIX) :]] = reading.value
                continue
            item_id = s.item_id
            if item_id is None or s.key not in located.places:
                continue
            if item_id not in known:
                unknown.append(s.label)
                continue
            value, fact = cells(item_id)
            reading = read_item(
                known[item_id], value, shown_as_percent=fact.percent, max_chars=self.max_chars
            )
            self._finding(reading, item_id)
            if reading.value is not None:
                items[item_id] = reading.value
        return items, evidence, unknown

    def _finding(self, reading: Reading, key: str) -> None:
        if reading.error:
            self.rejected.add(key)  # core will not repeat what it has to say about it
        found = reading.finding(key)
        if found is not None:
            self.findings.append(found)

    def _applicant(self, raw) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in APPLICANT_FIELDS:
            value, fact = raw(f.key)
            field = f.key.removeprefix("applicant.")
            if f.key == "applicant.credit_code":
                reading = read_credit_code(value, fact.raw)
            else:
                reading = read_plain_text(f.label, value, self.max_chars)
            self._finding(reading, f.key)
            out[field] = reading.value if reading.ok else None
        if not out.get("name"):
            if "applicant.name" not in self.rejected:  # else already said why
                self.findings.append(
                    Finding(
                        severity=Severity.error,
                        code="missing",
                        item="applicant.name",
                        message="申报单位名称为必填项，尚未填写",
                    )
                )
            out["name"] = MISSING_NAME
        return out

    def _subtype(self, fw: Framework, m: meta.Meta, raw) -> str | None:
        if not fw.subtypes:
            return None
        value, _ = raw(SUBTYPE_KEY)
        text = fold(show(value)) if value is not None else ""
        if not text:
            return m.get("subtype") or None
        st = fw.subtype(text)
        return st.id if st else text

    def _version_gaps(self, fw: Framework, slots: list[Slot], unknown: list[str]) -> None:
        if unknown:
            self.warn(
                "unknown_items",
                f"申报表中的以下数据项已不属于当前的{fw.name}，已忽略：{'、'.join(unknown)}",
            )
        present = {s.key for s in slots}
        absent = [i.label for i in fw.items if i.id not in present]
        if absent:
            self.warn(
                "items_absent",
                f"申报表中没有以下数据项（模板与当前评价体系版本不一致）：{'、'.join(absent)}；"
                "请使用新模板补填",
            )


NO_FACTS = cellxml.CellFacts()


class _Cells:
    """The raw value of each located slot, and its cell facts where they can change how
    it reads (asking the file, or Excel, about formats is the costly part: once)."""

    def __init__(self, reader: _Reader, located: structure.Located, known: dict) -> None:
        self.reader, self.places, self.known = reader, located.places, known
        self.facts: dict | None = None

    def __call__(self, key: str) -> tuple[Any, cellxml.CellFacts]:
        place = self.places.get(key)
        if place is None:
            return None, NO_FACTS
        value = structure.value_at(self.reader.grid(place.sheet), place.row, place.column)
        if not _needs_facts(value, self.known.get(key)):
            return value, NO_FACTS
        if self.facts is None:
            self.facts = self.reader.source.facts(_by_sheet(self.places))
        return value, self.facts.get(place.sheet, {}).get(place.cell, NO_FACTS)


class _LazyGrids(dict):
    """Grids by sheet name, loading a sheet only when a renamed sheet must be searched."""

    def __init__(self, reader: _Reader, grids: dict[str, Any]) -> None:
        super().__init__(grids)
        self.reader = reader

    def get(self, name, default=None):
        if name not in self and name in self.reader.names:
            self[name] = self.reader.grid(name)
        return super().get(name, default)


def _by_sheet(places: dict[str, structure.Place], evidence: bool = False) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key, p in places.items():
        if evidence or not key.startswith(EVIDENCE_PREFIX):
            out.setdefault(p.sheet, set()).add(p.cell)
    return out


_UNTRUSTED = (
    "申报表的结构信息（_meta）与本程序生成的模板不符，各数据项的位置不可信，无法读取；"
    "请使用原模板重新填报"
)
_MISMATCH = (
    "申报表的结构信息（_meta）与本程序生成的模板不一致，各数据项的位置不可信；"
    "已按模板原有位置读取以便核对，但申报表不予受理，请使用原模板重新填报"
)


def _difference(found: list[Slot], expected: list[Slot]) -> str:
    """The first slot the file's map puts elsewhere, in the applicant's words."""
    where = {s.key: s for s in found}
    for s in expected:
        other = where.get(s.key)
        if other is None or (other.sheet, other.cell) != (s.sheet, s.cell):
            now = f"指向 {other.sheet}!{other.cell}" if other else "缺失"
            return f"（“{s.label}”应位于 {s.sheet}!{s.cell}，表内记录{now}）"
    extra = [s.label for s in found if s.key not in {e.key for e in expected}]
    return f"（表内记录多出数据项：{'、'.join(extra[:3])}）" if extra else ""


__all__ = ["read_source", "read_workbook"]


def _needs_facts(value: Any, item: DataItem | None) -> bool:
    """Whether a cell's format or formula can change how its value reads.

    For a data item, a value up to 1 may be a percentage Excel stores as a fraction
    (35% → 0.35). For any cell, a huge
    number may be an 18-digit code Excel turned into a number. Anything else reads the
    same whatever the cell's format, so the file is not asked.
    """
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and abs(value) >= 1e15:
        return True
    if item is None or value is None:
        return False
    if number:  # 35% typed into a percent item or by mistake into a count → 0.35
        return abs(value) <= 1 and (item.type == "percent" or not float(value).is_integer())
    return False


def _cells(slots: list[Slot]) -> list[tuple[str, str, str]]:
    return [(s.key, s.sheet, s.cell) for s in slots]


def _same_cells(m: meta.Meta, current: list[Slot]) -> bool:
    """Whether the file's map puts every slot where today's template does; a template's
    map already compared (a cached ``_meta``) is not compared again."""
    known = m.memo.get("same_cells")
    if known is not None and known[0] is current:
        return known[1]
    same = _cells(m.slots) == _cells(current)
    m.memo["same_cells"] = (current, same)
    return same


_PLANS: dict[tuple[int, str | None], tuple[Framework, tuple[list[Slot]] | None]] = {}


def _current_plan(fw: Framework, subtype: str | None) -> tuple[list[Slot]] | None:
    """Today's template of ``fw`` (its slots), computed once per set and subtype."""
    cached = _PLANS.get((id(fw), subtype))
    if cached is None or cached[0] is not fw:
        try:
            found = (plan(fw, subtype).slots,)
        except ValueError:  # the subtype fixed at generation no longer exists
            found = None
        cached = _PLANS[(id(fw), subtype)] = (fw, found)
    return cached[1]
