"""The numbers a criteria set's document gives its parts: 一、（三）5., as printed.

Reviewers check what iipeval shows against the paper, so a table whose second dimension
holds groups （三） and （四） must not read （一） and （二）. A node's own ``number`` is
the document's; without one, groups and indicators are numbered as the set's
``numbering`` says: ``restart`` (in each dimension from （一） and 1., the usual 公文
outline) or ``continuous`` (through the whole table). ``show``, the application workbook
and the results all take their numbers from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from iipeval.core.model.criteria import Dimension, Framework, Group

CN_NUMERALS = "一二三四五六七八九十"


def chinese(n: int) -> str:
    """1 → 一 … 10 → 十, 11 → 十一 … 99 → 九十九; beyond that the digits."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    if n < 100:
        tens, ones = divmod(n, 10)
        head = "" if tens == 1 else CN_NUMERALS[tens - 1]
        return head + "十" + (CN_NUMERALS[ones - 1] if ones else "")
    return str(n)


@dataclass(frozen=True)
class Numbers:
    """Node id → its number as the document prints it (``一、``, ``（三）``, ``5.``)."""

    of: dict[str, str]
    #: whether the numbers of indicators run through the whole table (unique) or restart
    continuous: bool

    def __getitem__(self, node_id: str) -> str:
        return self.of.get(node_id, "")

    def titled(self, node_id: str, name: str) -> str:
        """``一、平台能力``, ``（三）安全保障``, ``5. 服务企业数量``: number and name as printed."""
        number = self[node_id]
        if not number:
            return name
        return f"{number} {name}" if number[-1].isascii() else f"{number}{name}"


def short(number: str) -> str:
    """A number without its trailing mark, for a 序号 column: ``一、`` → 一, ``5.`` → 5."""
    return number.rstrip(".、．。 ") or number


def numbers(fw: Framework) -> Numbers:
    """Every dimension, group, indicator and 加分/扣分项 of ``fw`` with its number."""
    out: dict[str, str] = {}
    counts = {"group": 0, "indicator": 0}
    continuous = fw.numbering == "continuous"
    for k, d in enumerate(fw.dimensions, 1):
        out[d.id] = d.number or f"{chinese(k)}、"
        if not continuous:
            counts = {"group": 0, "indicator": 0}
        _below(d, None, out, counts)
    for kind, part in (("bonus", fw.bonus), ("deduction", fw.deduction)):
        if part is None:
            continue
        out[kind] = part.number
        for j, a in enumerate(part.items, 1):
            out[a.id] = a.number or f"{j}."
    return Numbers(out, continuous)


def _below(d: Dimension, group: Group | None, out: dict[str, str], counts: dict) -> None:
    """The groups and indicators under ``group`` (``None``: the dimension itself), in the
    order show and the workbook list them: sub-groups first, then the indicators."""
    subs = d.groups if group is None else group.groups
    gid = None if group is None else group.id
    local = 0
    for g in subs:
        if group is None:
            counts["group"] += 1
            n = counts["group"]
        else:
            local += 1
            n = local
        out[g.id] = g.number or f"（{chinese(n)}）"
        _below(d, g, out, counts)
    for ind in (i for i in d.indicators if i.group == gid):
        counts["indicator"] += 1
        out[ind.id] = ind.number or f"{counts['indicator']}."
