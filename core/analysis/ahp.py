"""层次分析法 (AHP): weights from a pairwise-comparison matrix, and how consistent it is.

The two weighting methods an organiser may choose:

* ``geometric`` (default): the normalised geometric mean of each row. It is what the
  questionnaire workbook's live formulas compute (GEOMEAN per row), so an expert sees the
  very numbers ``weights derive`` will use. Written here by hand because it is two lines
  and must mirror those formulas step for step; no library offers it with λmax taken the
  spreadsheet way (the mean of (Aw)ᵢ/wᵢ).
* ``eigenvector``: Saaty's principal right eigenvector (numpy's ``eig``), λmax its eigenvalue.

CI = (λmax − n)/(n − 1) and CR = CI/RI(n). Published random-index tables differ (DOMAIN.md),
so CR depends on the table: every table here has a name, and results carry that name.
A 1×1 or 2×2 matrix is always consistent; it has no RI and no CR. For the geometric method
Aguarón and Moreno-Jiménez's geometric consistency index (GCI) is reported beside CR, with
their thresholds; Saaty's stricter CR limits for 3 and 4 items are an option
(:func:`~.ahp_scale.cr_limit`).

Group decisions (Forman & Peniwati 1998): ``AIJ`` aggregates the individual judgements by
their element-wise geometric mean (which keeps the matrix reciprocal) and weighs the group
matrix; ``AIP`` aggregates the individual priority vectors by their normalised geometric
mean. Both report the group matrix's CR. Under the geometric method the two coincide: the row
geometric mean of the element-wise geometric mean of the matrices is the geometric mean
of each expert's row geometric means, so AIJ and AIP give the same weights (they differ
under the eigenvector method).

numpy is used for the linear algebra; pymcdm (MIT) is used only by the tests, as an
independent implementation to check against: it pulls in pandas, scipy and matplotlib,
too much for a runtime dependency, and has no geometric-mean method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from iipeval.core.analysis.ahp_scale import (
    CR_THRESHOLD,
    DEFAULT_RI,
    GCI_LIMIT,
    GCI_LIMITS,
    GROUP_METHODS,
    METHODS,
    RI_TABLES,
    SCALE,
    AHPError,
    Method,
    RITable,
    cr_limit,
    ri_table,
    scale_text,
    scale_value,
)


@dataclass(frozen=True)
class Consistency:
    """Weights and consistency of one matrix. ``cr`` and ``ri`` are None for n ≤ 2;
    ``gci`` (Aguarón & Moreno-Jiménez's geometric consistency index) is given for the
    geometric method only, the one it is defined for."""

    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    ri: float | None
    cr: float | None
    method: str
    ri_table: str
    gci: float | None = None

    @property
    def n(self) -> int:
        return len(self.weights)

    def passes(self, threshold: float = CR_THRESHOLD, saaty: bool = False) -> bool:
        """CR strictly under the limit: a CR equal to it does not pass."""
        return self.cr is None or self.cr < cr_limit(self.n, threshold, saaty)

    def gci_limit(self) -> float | None:
        if self.gci is None:
            return None
        return GCI_LIMITS.get(self.n, GCI_LIMIT)


def gci(matrix: np.ndarray) -> float | None:
    """GCI = 2/((n−1)(n−2)) Σ_{i<j} ln²(a_ij·w_j/w_i), w the row geometric means
    (Aguarón & Moreno-Jiménez 2003); None for n ≤ 2."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if n <= 2:
        return None
    w, _ = weights_of(a, "geometric")
    e = np.log(a * np.outer(1 / w, w))[np.triu_indices(n, 1)]
    value = float(2 * np.sum(e * e) / ((n - 1) * (n - 2)))
    return 0.0 if value < 1e-24 else value


def weights_of(matrix: np.ndarray, method: Method = "geometric") -> tuple[np.ndarray, float]:
    """(weights summing to 1, λmax) of a positive reciprocal matrix."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if method == "geometric":
        g = np.exp(np.log(a).mean(axis=1))
        w = g / g.sum()
        lam = float(np.mean((a @ w) / w))  # as the workbook computes it, row by row
        return w, lam
    if method == "eigenvector":
        values, vectors = np.linalg.eig(a)
        k = int(np.argmax(values.real))  # Perron root: real, positive, the largest
        w = np.abs(vectors[:, k].real)
        return w / w.sum(), float(values[k].real) if n > 1 else 1.0
    raise AHPError(f"未知的权重计算方法“{method}”；可选：{'、'.join(METHODS)}")


def consistency(
    matrix: np.ndarray, method: Method = "geometric", ri: str = DEFAULT_RI
) -> Consistency:
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    table = ri_table(ri)
    r = table.ri(n)
    w, lam = weights_of(a, method)
    if n <= 2:  # always consistent; rounding must not make it look otherwise
        lam = float(n)
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ci = 0.0 if abs(ci) < 1e-12 else ci  # a consistent matrix: exactly 0, not rounding noise
    cr = None if r is None else ci / r
    g = gci(a) if method == "geometric" else None
    return Consistency(tuple(float(x) for x in w), lam, ci, r, cr, method, table.id, g)


def build(n: int, upper: dict[tuple[int, int], float]) -> np.ndarray:
    """The reciprocal matrix from its upper-triangle judgements ``(i, j) → a_ij`` (i < j)."""
    a = np.ones((n, n))
    for (i, j), v in upper.items():
        a[i, j], a[j, i] = v, 1.0 / v
    return a


@dataclass(frozen=True)
class Repair:
    """The smallest change of one judgement that brings CR under the limit.

    ``row``/``col`` is the pair to change, ``worst`` the pair that deviates most from the
    weights it produced; ``shared`` when no single judgement is to blame (several deviate
    equally, as all three always do in a 3×3 matrix); ``passes`` False when no single
    change is enough (the value given then lowers CR most)."""

    row: int
    col: int
    current: float
    suggested: float
    cr_after: float | None
    passes: bool = True
    shared: bool = False
    worst: tuple[int, int] = (0, 1)


def deviations(matrix: np.ndarray, method: Method = "geometric") -> dict[tuple[int, int], float]:
    """|ln ε_ij|, ε_ij = a_ij·w_j/w_i, for every pair i < j (Saaty 2003, "Decision-making
    with the AHP: why is the principal eigenvector necessary", EJOR 145)."""
    a = np.asarray(matrix, dtype=float)
    w, _ = weights_of(a, method)
    n = a.shape[0]
    return {(i, j): abs(math.log(a[i, j] * w[j] / w[i])) for i in range(n) for j in range(i + 1, n)}


def smallest_repair(
    matrix: np.ndarray,
    method: Method = "geometric",
    ri: str = DEFAULT_RI,
    limit: float = CR_THRESHOLD,
) -> Repair | None:
    """The judgement to change and the value on Saaty's scale closest to it (on a log
    scale) that brings CR under ``limit``: among the most deviating judgements first,
    then any; with none enough on its own, the most deviating one's value with the lowest
    CR. None for n ≤ 2."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if n <= 2:
        return None
    dev = deviations(a, method)
    top = max(dev.values())
    worst = [p for p, d in dev.items() if d >= top - 1e-9]
    shared = len(worst) > 1
    now = consistency(a, method, ri).cr
    if now is not None and now < limit:
        i, j = worst[0]
        return Repair(i, j, float(a[i, j]), float(a[i, j]), now, True, shared, worst[0])
    options = _options(a, worst, method, ri)
    passing = [o for o in options if o[1] < limit]
    if not passing:
        others = [p for p in dev if p not in worst]
        passing = [o for o in _options(a, others, method, ri) if o[1] < limit]
    if passing:
        _, cr, (i, j), s = min(passing, key=lambda o: (o[0], o[1], o[2]))
    else:
        _, cr, (i, j), s = min(options, key=lambda o: (o[1], o[0], o[2]))
    return Repair(i, j, float(a[i, j]), s, cr, cr < limit, shared, worst[0])


def _options(a, pairs, method, ri) -> list[tuple[float, float, tuple[int, int], float]]:
    """(distance on a log scale, CR after, pair, value) of every other scale value."""
    out = []
    for i, j in pairs:
        for s in SCALE:
            v = float(s)
            if abs(v - a[i, j]) < 1e-12:
                continue
            trial = a.copy()
            trial[i, j], trial[j, i] = v, 1 / v
            cr = consistency(trial, method, ri).cr
            out.append((round(abs(math.log(v / a[i, j])), 12), float(cr), (i, j), v))
    return out


def aggregate_judgements(matrices: Sequence[np.ndarray]) -> np.ndarray:
    """AIJ: the element-wise geometric mean of the experts' matrices (stays reciprocal)."""
    if not matrices:
        raise AHPError("没有可汇总的判断矩阵")
    logs = np.mean([np.log(np.asarray(m, dtype=float)) for m in matrices], axis=0)
    return np.exp(logs)


def aggregate_priorities(vectors: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """AIP: the normalised geometric mean of the experts' priority vectors."""
    if not vectors:
        raise AHPError("没有可汇总的权重向量")
    g = np.exp(np.mean(np.log(np.asarray(vectors, dtype=float)), axis=0))
    return tuple(float(x) for x in g / g.sum())


# -- the set's hierarchy ------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One comparison matrix of a questionnaire: siblings under one parent.

    ``level`` is "" for the dimensions, else the id of the dimension whose indicators are
    compared. ``members`` are (id, name) in document order.
    """

    level: str
    title: str
    members: tuple[tuple[str, str], ...]


def sibling_groups(framework) -> list[Group]:
    """Every parent with its children, top level first: the one place that walks the set's
    hierarchy for AHP (deeper hierarchies change only this function)."""
    groups = [Group("", "维度", tuple((d.id, d.name) for d in framework.dimensions))]
    for d in framework.dimensions:
        groups.append(Group(d.id, d.name, tuple((i.id, i.name) for i in d.indicators)))
    return groups


def comparison_groups(framework) -> list[Group]:
    """The groups the panel compares: a parent with a single child needs no comparison
    (its child gets all its weight)."""
    return [g for g in sibling_groups(framework) if len(g.members) >= 2]


def global_weights(framework, local: dict[str, dict[str, float]]) -> dict[str, float]:
    """Points per node (out of the set's total) from each group's local weights
    (``level`` → member id → weight summing to 1): a child's points are its parent's
    points times its local weight; an only child takes all of its parent's."""
    points = {"": float(framework.total_weight)}
    for g in sibling_groups(framework):
        weights = local[g.level] if len(g.members) > 1 else {g.members[0][0]: 1.0}
        for m, _ in g.members:
            points[m] = points[g.level] * weights[m]
    del points[""]
    return points


# -- a matrix as people type it --------------------------------------------------------------


@dataclass(frozen=True)
class MatrixProblem:
    """A bad cell of a typed matrix: 0-based row and column of the whole table."""

    row: int
    col: int
    code: str
    message: str


def _number(value: object) -> float | None:
    """A typed judgement: 3, 3.0, "3", "1/3", "0.333"; None if it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    try:
        if "/" in text:
            num, _, den = text.partition("/")
            return float(num) / float(den)
        return float(text)
    except (ValueError, ZeroDivisionError):
        return None


#: The most criteria one pairwise matrix compares: RI tables stop at 15, a person's
#: judgements long before; beyond this a "matrix" is not one (and its n² cells cost memory).
MAX_ORDER = 50


def parse_matrix(
    table: Sequence[Sequence[object]],
) -> tuple[list[str], np.ndarray | None, list[MatrixProblem]]:
    """Names and the reciprocal matrix from a table whose first row and first column name
    the criteria; every blank, non-number, off-scale value, diagonal ≠ 1 and
    non-reciprocal pair is a problem with its cell (the lower cell of the pair)."""
    rows = [list(r) for r in table if any(str(v).strip() for v in r if v is not None)]
    if not rows:
        return [], None, [MatrixProblem(0, 0, "empty", "矩阵为空")]
    names = [str(v).strip() for v in rows[0][1:] if v is not None and str(v).strip()]
    n = len(names)
    if n > MAX_ORDER:
        msg = f"矩阵有 {n} 个比较对象，超过上限 {MAX_ORDER}（层次分析法的一个判断矩阵通常不超过 9 个）"
        return names[:MAX_ORDER], None, [MatrixProblem(0, 0, "too_large", msg)]
    if n < 2 or len(rows) != n + 1:
        msg = f"矩阵须为方阵：首行有 {n} 个名称，下面有 {len(rows) - 1} 行"
        return names, None, [MatrixProblem(0, 0, "not_square", msg)]
    problems = _name_problems(rows, names)
    values = [_row_values(rows[i + 1][1 : n + 1], i, n, problems) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a, b = values[i][j], values[j][i]
            if a is not None and b is not None and abs(a * b - 1) > 1e-9:
                text = f"与对称位置不互为倒数：{scale_text(b)} × {scale_text(a)} ≠ 1"
                problems.append(MatrixProblem(j + 1, i + 1, "not_reciprocal", text))
    if problems:
        return names, None, problems
    return names, build(n, {(i, j): values[i][j] for i in range(n) for j in range(i + 1, n)}), []


def _name_problems(rows: list[list[object]], names: list[str]) -> list[MatrixProblem]:
    """The first row's names must be unique and the first column's the same, in order."""
    problems = []
    if len(set(names)) != len(names):
        problems.append(MatrixProblem(0, 1, "duplicate_name", "首行的名称有重复"))
    for i, name in enumerate(names):
        row = rows[i + 1]
        label = str(row[0]).strip() if row and row[0] is not None else ""
        if label != name:
            text = f"首列第{i + 1}个名称“{label}”与首行“{name}”不一致"
            problems.append(MatrixProblem(i + 1, 0, "name_mismatch", text))
    return problems


def _row_values(row: list[object], i: int, n: int, problems: list) -> list[float | None]:
    """Row ``i``'s judgements as scale values (None where the cell is a problem, said)."""
    row = row + [None] * (n - len(row))
    out: list[float | None] = []
    for j, raw in enumerate(row):
        if raw is None or str(raw).strip() == "":
            problems.append(MatrixProblem(i + 1, j + 1, "blank", "单元格为空"))
            out.append(None)
            continue
        v = _number(raw)
        s = None if v is None else (1.0 if i == j and v == 1 else scale_value(v))
        if v is None:
            problems.append(MatrixProblem(i + 1, j + 1, "not_number", f"“{raw}”不是数值"))
        elif i == j and v != 1:
            problems.append(MatrixProblem(i + 1, j + 1, "diagonal", f"对角线须为 1，现为 {raw}"))
            s = None
        elif s is None:
            text = f"{raw} 不在 1–9 标度内（应为 1–9 或 1/2–1/9）"
            problems.append(MatrixProblem(i + 1, j + 1, "off_scale", text))
        out.append(s)
    return out


__all__ = [
    "CR_THRESHOLD",
    "DEFAULT_RI",
    "GROUP_METHODS",
    "METHODS",
    "RI_TABLES",
    "SCALE",
    "AHPError",
    "Consistency",
    "Group",
    "MatrixProblem",
    "Method",
    "RITable",
    "Repair",
    "aggregate_judgements",
    "aggregate_priorities",
    "build",
    "comparison_groups",
    "consistency",
    "deviations",
    "gci",
    "global_weights",
    "parse_matrix",
    "ri_table",
    "scale_text",
    "scale_value",
    "sibling_groups",
    "smallest_repair",
    "weights_of",
]
