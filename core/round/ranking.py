"""Ranking within one criteria set (and sub-type).

Only complete, accepted, non-excluded applications are ranked. Equal totals are broken
by the order of dimensions/indicators the plugin declares (``tie_break``); applications
still equal after that share a rank, and a tie across the quota line is flagged for the
organiser instead of being settled by file order. What each place means (拟推荐, 候补,
不予推荐, 待定: the one outcome vocabulary) is decided by :mod:`.outcomes`.
"""

from __future__ import annotations

import dataclasses
import math
import struct
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cmp_to_key
from typing import NamedTuple

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass as checked_dataclass

from iipeval.core import voice
from iipeval.core.findings import Finding, Severity
from iipeval.core.model.results import Result
from iipeval.core.scoring.params import RankingPolicy

EPS = 1e-9


@checked_dataclass(slots=True, frozen=True)
class RankEntry:
    """One application's place in its ranking. Checked like a model, kept as small as a
    tuple: a round of twenty thousand applications holds one each until it is written."""

    rank: int | None
    applicant: str
    key: str
    source: str
    framework: str
    subtype: str | None
    total: float | None
    secured: float
    provisional: bool
    grade: str | None
    accepted: bool
    excluded: bool
    dimensions: dict[str, float | None]
    outcome: str = ""  # 拟推荐 / 候补 / 不予推荐 / 待定 (core/round/outcomes.py)
    outcome_reason: str = ""
    #: why it is not ranked (需补正, 否决项, 待专家评分), for :func:`.outcomes.decide`
    standing_reason: str = Field(default="", exclude=True)
    #: ranked inside the quota and above the minimum total, before 候补 and ties on the
    #: line are settled: the list robustness compares (not a word anyone reads)
    listed: bool = Field(default=False, exclude=True)


class Ranking(BaseModel):
    framework: str
    framework_name: str
    framework_short_name: str = ""
    subtype: str | None
    subtype_name: str | None = None
    tie_break: list[str]
    policy: RankingPolicy
    entries: list[RankEntry]
    findings: list[Finding] = []


def result_key(result: Result | Standing) -> str:
    """The identity of an application across files: its credit code, else its name."""
    return (result.credit_code or "").strip().upper() or result.applicant.strip()


class Hit(NamedTuple):
    name: str
    reason: str


class Points(Mapping[str, float]):
    """Points by node id for one application: the values packed in bytes, the ids shared by
    every application of the set (as a dict, they were most of a standing's weight; as an
    array, its object and its buffer weighed twice the numbers)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: bytes) -> None:
        self._index = index
        self._values = values

    @classmethod
    def of(cls, points: Mapping[str, float]) -> Points:
        return cls(_shared_index(tuple(points)), array("d", points.values()).tobytes())

    def _floats(self) -> memoryview:
        return memoryview(self._values).cast("d")

    def __getitem__(self, key: str) -> float:
        return _unpack(self._values, 8 * self._index[key])[0]

    def get(self, key: str, default=None):
        at = self._index.get(key)
        return default if at is None else _unpack(self._values, 8 * at)[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def items(self):
        """(id, points) pairs, made without a call per id: ``dict(points.items())`` is fast."""
        return zip(self._index, self._floats(), strict=True)

    def __len__(self) -> int:
        return len(self._index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return f"Points({dict(self.items())!r})"

    def __reduce__(self):
        return (_points, (tuple(self._index), self._values, type(self)))


class Scores(Points):
    """Scores by node id, ``None`` where there is none (held as NaN: a score never is)."""

    __slots__ = ()

    @classmethod
    def of(cls, scores: Mapping[str, float | None]) -> Scores:
        values = array("d", (math.nan if v is None else v for v in scores.values()))
        return cls(_shared_index(tuple(scores)), values.tobytes())

    def __getitem__(self, key: str) -> float | None:
        v = _unpack(self._values, 8 * self._index[key])[0]
        return None if math.isnan(v) else v

    def get(self, key: str, default=None):
        at = self._index.get(key)
        if at is None:
            return default
        v = _unpack(self._values, 8 * at)[0]
        return None if math.isnan(v) else v

    def items(self):
        return (
            (k, None if math.isnan(v) else v)
            for k, v in zip(self._index, self._floats(), strict=True)
        )


_unpack = struct.Struct("d").unpack_from


_INDEXES: dict[tuple[str, ...], dict[str, int]] = {}
_SHARED: dict = {}


def _shared_index(keys: tuple[str, ...]) -> dict[str, int]:
    found = _INDEXES.get(keys)
    if found is None:
        found = _INDEXES[keys] = {sys.intern(k): n for n, k in enumerate(keys)}
    return found


def _points(keys: tuple[str, ...], data: bytes, kind: type[Points] = Points) -> Points:
    return kind(_shared_index(keys), bytes(data))  # the pickle's own bytes, not a copy


def _shared(value):
    """One object for equal values that many standings repeat (ids, names, tuples of them)."""
    if value is None:
        return None
    if isinstance(value, str):
        return sys.intern(value)
    return _SHARED.setdefault(value, value)


@dataclass(frozen=True, slots=True)
class Standing:
    """What ranking and the batch checks need of one result, and nothing else.

    A full result carries every explanation and a parameter snapshot; a batch of
    thousands keeps these small records in memory and the full results on disk.
    """

    source: str
    framework: str
    subtype: str | None
    applicant: str
    credit_code: str | None
    total: float | None
    secured: float
    provisional: bool
    grade: str | None
    accepted: bool
    excluded: bool
    exclusions: tuple[Hit, ...]
    dimension_scores: Mapping[str, float | None]  # dimension id → score
    points: Mapping[str, float]  # dimension and indicator id → points, for tie-breaks
    pending: tuple[str, ...]  # names of indicators waiting for experts
    experts: frozenset[str]  # experts whose scores counted
    findings: int
    #: how many of ``findings`` are errors and warnings (the terminal summary counts them)
    errors: int = 0
    warnings: int = 0
    #: experts whose issued form has not come back and was not waived (a round holds the
    #: result 待定 until it comes, or the organiser goes on without it: ``iipeval waive``)
    awaiting: tuple[str, ...] = ()

    @classmethod
    def of(cls, r: Result) -> Standing:
        points = {d.id: d.points or 0.0 for d in r.dimensions}
        points |= {i.id: i.points or 0.0 for i in r.indicators}
        points["expert_total"] = sum(
            p.score for p in r.panels
        )  # a tie-break (core/round/outcomes.py)
        return _standing(
            source=r.source,
            framework=r.framework,
            subtype=r.subtype,
            applicant=r.applicant,
            credit_code=r.credit_code,
            total=r.total,
            secured=r.secured,
            provisional=r.provisional,
            grade=r.grade,
            accepted=r.accepted,
            excluded=r.excluded,
            exclusions=tuple(Hit(h.name, h.reason) for h in r.exclusions),
            dimension_scores=Scores.of({d.id: d.score for d in r.dimensions}),
            points=Points.of(points),
            pending=tuple(i.name for i in r.indicators if i.status == "pending"),
            experts=frozenset(e for p in r.panels for e in p.experts),
            findings=len(r.findings),
            errors=sum(f.severity is Severity.error for f in r.findings),
            warnings=sum(f.severity is Severity.warning for f in r.findings),
        )

    def __reduce__(self):
        # what crosses from a worker: rebuilt with the ids, names and tuples every
        # standing of a set repeats held once (see _standing)
        return (_from_fields, tuple(getattr(self, f.name) for f in dataclasses.fields(self)))


def _standing(**fields) -> Standing:
    """A standing whose repeated parts are shared: the set and sub-type ids, the grade,
    the tuple of pending indicators, the dimensions' ids, the experts."""
    for name in ("framework", "subtype", "grade"):
        fields[name] = _shared(fields[name])
    fields["pending"] = _shared(tuple(_shared(p) for p in fields["pending"]))
    fields["experts"] = _shared(frozenset(_shared(e) for e in fields["experts"]))
    return Standing(**fields)


def _from_fields(*values) -> Standing:
    names = [f.name for f in dataclasses.fields(Standing)]
    return _standing(**dict(zip(names, values, strict=True)))


def _tie_values(r: Standing, tie_break: list[str]) -> tuple[float, ...]:
    return tuple(r.points.get(t, 0.0) for t in tie_break)


def _same(a: float, b: float) -> bool:
    """Equal up to floating-point noise (sums taken in a different order differ by ~1e-14).

    Rounding both to a fixed number of digits is not enough: two totals 1e-15 apart can
    round to different digits when they straddle a rounding boundary.
    """
    return abs(a - b) <= EPS * max(1.0, abs(a), abs(b))


def _standing_order(a: Standing, b: Standing, tie_break: list[str]) -> int:
    """Compare two rankable results: total, then the tie-break scores; 0 if tied."""
    return _vector_order(_vector(a, tie_break), _vector(b, tie_break))


def _vector(r: Standing, tie_break: list[str]) -> tuple[float, ...]:
    return (r.total, *_tie_values(r, tie_break))


def _vector_order(a: tuple[float, ...], b: tuple[float, ...]) -> int:
    """Higher first, element by element; equal up to floating-point noise is a tie."""
    for x, y in zip(a, b, strict=True):
        if abs(x - y) > EPS * max(1.0, abs(x), abs(y)):  # not _same(x, y)
            return -1 if x > y else 1
    return 0


def _row_order(a: tuple, b: tuple) -> int:
    """The ranking's order: total and tie-breaks, then name and file (never left to chance)."""
    return _vector_order(a[0], b[0]) or ((a[1], a[2]) > (b[1], b[2])) - (
        (a[1], a[2]) < (b[1], b[2])
    )


def rank(
    results: Iterable[Standing], tie_break: list[str], policy: RankingPolicy
) -> tuple[list[RankEntry], list[Finding]]:
    results = list(results)
    findings: list[Finding] = []

    def standing(r: Standing) -> tuple[str, str]:
        if not r.accepted:
            return voice.NEEDS_FIX, voice.NEEDS_FIX_REASON
        if r.excluded:
            return voice.EXCLUDED, voice.excluded_reason(r.exclusions)
        if r.provisional:
            return voice.PENDING, voice.PENDING_REASON
        if r.awaiting:
            return voice.PENDING, voice.awaiting_reason(r.awaiting)
        return "", ""

    eligible = [r for r in results if not standing(r)[0]]
    # each one's total and tie-break scores, worked out once: a comparison per pair of a
    # thousand applications must not recompute them (the analysis ranks many times)
    rows = sorted(
        ((_vector(r, tie_break), r.applicant, r.source, r) for r in eligible),
        key=cmp_to_key(_row_order),
    )
    eligible = [row[-1] for row in rows]
    ranks: list[int] = []
    for pos, row in enumerate(rows, start=1):
        tied = pos > 1 and _vector_order(rows[pos - 2][0], row[0]) == 0
        ranks.append(ranks[-1] if tied else pos)
    entries: list[RankEntry] = []
    for r, rk in zip(eligible, ranks, strict=True):
        below = policy.min_total is not None and r.total < policy.min_total - EPS
        outside = policy.quota is not None and rk > policy.quota
        entries.append(_entry(r, rk, "", listed=not (below or outside)))
    listed = [e for e in entries if e.listed]
    if policy.quota is not None and len(listed) > policy.quota:
        line = max(e.rank for e in listed)
        tied = [e.applicant for e in listed if e.rank == line]
        findings.append(
            Finding(
                severity=Severity.warning,
                code="quota_tie",
                message=f"推荐名额{policy.quota}个，但{'、'.join(tied)}在名额边界同分（比较{'、'.join(tie_break) or '总分'}后仍相同），需组织方裁定",
            )
        )
    rest = [r for r in results if standing(r)[0]]
    rest.sort(key=lambda r: (standing(r)[0], -(r.secured), r.applicant, r.source))
    for r in rest:
        entries.append(_entry(r, None, standing(r)[1]))
    return entries, findings


def _entry(r: Standing, rk: int | None, reason: str, listed: bool = False) -> RankEntry:
    return RankEntry(
        rank=rk,
        applicant=r.applicant,
        key=result_key(r),
        source=r.source,
        framework=r.framework,
        subtype=r.subtype,
        total=r.total,
        secured=r.secured,
        provisional=r.provisional,
        grade=r.grade,
        accepted=r.accepted,
        excluded=r.excluded,
        standing_reason=reason,
        listed=listed,
        dimensions=dict(r.dimension_scores),
    )
