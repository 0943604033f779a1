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
A 1×1 or 2×2 matrix is always consistent; it has no RI and no CR.

Group decisions (Forman & Peniwati 1998): ``AIJ`` aggregates the individual judgements by
their element-wise geometric mean (which keeps the matrix reciprocal) and weighs the group
matrix; ``AIP`` aggregates the individual priority vectors by their normalised geometric
mean. Both report the group matrix's CR.

numpy is used for the linear algebra; pymcdm (MIT) is used only by the tests, as an
independent implementation to check against: it pulls in pandas, scipy and matplotlib,
too much for a runtime dependency, and has no geometric-mean method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np

Method = Literal["geometric", "eigenvector"]
METHODS: tuple[str, ...] = ("geometric", "eigenvector")
GROUP_METHODS: tuple[str, ...] = ("AIJ", "AIP")

#: The usual acceptance threshold: a matrix is consistent enough when CR < 0.10.
CR_THRESHOLD = 0.10

#: The values of Saaty's 1–9 scale and their reciprocals.
SCALE: tuple[Fraction, ...] = tuple(
    sorted({Fraction(k) for k in range(1, 10)} | {Fraction(1, k) for k in range(2, 10)})
)


@dataclass(frozen=True)
class RITable:
    """A random-index table: ``values[n - 1]`` is RI for an n×n matrix."""

    id: str
    label: str
    source: str
    values: tuple[float, ...]

    def ri(self, n: int) -> float | None:
        """RI for ``n`` criteria; None when n ≤ 2 (no CR needed). Raises beyond the table."""
        if n <= 2:
            return None
        if n > len(self.values):
            raise AHPError(
                f"随机一致性指标表“{self.label}”只到 {len(self.values)} 阶，"
                f"无法检验 {n} 个比较对象的一致性；请减少同一层级的比较对象或改用其他 RI 表"
            )
        return self.values[n - 1]


RI_TABLES: dict[str, RITable] = {
    t.id: t
    for t in (
        RITable(
            "saaty",
            "Saaty（1980）",
            "T. L. Saaty, The Analytic Hierarchy Process, McGraw-Hill, 1980（n ≤ 10 为常用表，11–15 阶同书）",
            (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
        ),
        RITable(
            "cn",
            "国内常用表（1000 次抽样）",
            "国内教材常用的 1000 次随机抽样结果（0.52、0.89、1.12、1.26……），"
            "通常引自龚木森、许树柏（1986）",
            (0, 0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
        ),
        RITable(
            "tummala_ling",
            "Tummala–Ling（1998）",
            "V. M. R. Tummala, H. Ling, A note on the computation of the mean random "
            "consistency index of the AHP, Theory and Decision 44(3), 1998（pymcdm 所用）",
            (
                0,
                0,
                0.5799,
                0.8921,
                1.1159,
                1.2358,
                1.3322,
                1.3952,
                1.4537,
                1.4882,
                1.5117,
                1.5356,
                1.5571,
                1.5714,
                1.5831,
            ),
        ),
    )
}
DEFAULT_RI = "saaty"


class AHPError(ValueError):
    """A matrix or request that cannot be computed; the message is for the user (Chinese)."""


def ri_table(name: str) -> RITable:
    try:
        return RI_TABLES[name]
    except KeyError:
        known = "、".join(RI_TABLES)
        raise AHPError(f"未知的随机一致性指标表“{name}”；可选：{known}") from None


@dataclass(frozen=True)
class Consistency:
    """Weights and consistency of one matrix. ``cr`` and ``ri`` are None for n ≤ 2."""

    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    ri: float | None
    cr: float | None
    method: str
    ri_table: str

    def passes(self, threshold: float = CR_THRESHOLD) -> bool:
        return self.cr is None or self.cr < threshold


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
    return Consistency(tuple(float(x) for x in w), lam, ci, r, cr, method, table.id)


def build(n: int, upper: dict[tuple[int, int], float]) -> np.ndarray:
    """The reciprocal matrix from its upper-triangle judgements ``(i, j) → a_ij`` (i < j)."""
    a = np.ones((n, n))
    for (i, j), v in upper.items():
        a[i, j], a[j, i] = v, 1.0 / v
    return a


@dataclass(frozen=True)
class Repair:
    """The judgement that most breaks consistency and the scale value that repairs it best."""

    row: int
    col: int
    current: float
    suggested: float
    cr_after: float | None


def most_inconsistent(
    matrix: np.ndarray, method: Method = "geometric", ri: str = DEFAULT_RI
) -> Repair | None:
    """The pair (i < j) whose judgement deviates most from the weights it produced,
    ε_ij = a_ij·w_j/w_i furthest from 1 on a log scale (Saaty 2003, "Decision-making
    with the AHP: why is the principal eigenvector necessary", EJOR 145), and the value on
    Saaty's scale that, put in its place, gives the lowest CR."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if n <= 2:
        return None
    w, _ = weights_of(a, method)
    worst, where = -1.0, (0, 1)
    for i in range(n):
        for j in range(i + 1, n):
            dev = abs(math.log(a[i, j] * w[j] / w[i]))
            if dev > worst + 1e-12:
                worst, where = dev, (i, j)
    i, j = where
    best: tuple[float, float] | None = None
    for s in SCALE:
        trial = a.copy()
        trial[i, j], trial[j, i] = float(s), float(1 / s)
        cr = consistency(trial, method, ri).cr
        if cr is not None and (best is None or cr < best[1] - 1e-12):
            best = (float(s), cr)
    assert best is not None
    return Repair(i, j, float(a[i, j]), best[0], best[1])


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


def scale_value(value: float) -> float | None:
    """``value`` as a point of Saaty's scale (0.33 → 1/3), or None if it is not one.

    A reciprocal typed as a rounded decimal is accepted within 2 %, since people type
    0.33 or 0.143; whole values must be whole.
    """
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        return None
    if value >= 1:
        k = round(value)
        return float(k) if 1 <= k <= 9 and abs(value - k) < 1e-9 else None
    k = round(1 / value)
    return 1.0 / k if 2 <= k <= 9 and abs(1 / value - k) <= 0.02 * k else None


def scale_text(value: float) -> str:
    """9 → "9", 0.25 → "1/4"; other values with three decimals."""
    if value >= 1 and float(value).is_integer():
        return str(int(value))
    inv = 1 / value
    if abs(inv - round(inv)) < 1e-9:
        return f"1/{round(inv)}"
    return f"{value:.3f}"


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
    problems: list[MatrixProblem] = []
    if n < 2 or len(rows) != n + 1:
        msg = f"矩阵须为方阵：首行有 {n} 个名称，下面有 {len(rows) - 1} 行"
        return names, None, [MatrixProblem(0, 0, "not_square", msg)]
    if len(set(names)) != n:
        problems.append(MatrixProblem(0, 1, "duplicate_name", "首行的名称有重复"))
    for i in range(n):
        label = str(rows[i + 1][0]).strip() if rows[i + 1] and rows[i + 1][0] is not None else ""
        if label != names[i]:
            problems.append(
                MatrixProblem(
                    i + 1,
                    0,
                    "name_mismatch",
                    f"首列第{i + 1}个名称“{label}”与首行“{names[i]}”不一致",
                )
            )
    values: list[list[float | None]] = []
    for i in range(n):
        row = rows[i + 1][1 : n + 1]
        row = row + [None] * (n - len(row))
        out = []
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
                problems.append(
                    MatrixProblem(i + 1, j + 1, "diagonal", f"对角线须为 1，现为 {raw}")
                )
                s = None
            elif s is None:
                problems.append(
                    MatrixProblem(
                        i + 1, j + 1, "off_scale", f"{raw} 不在 1–9 标度内（应为 1–9 或 1/2–1/9）"
                    )
                )
            out.append(s)
        values.append(out)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = values[i][j], values[j][i]
            if a is not None and b is not None and abs(a * b - 1) > 1e-9:
                problems.append(
                    MatrixProblem(
                        j + 1,
                        i + 1,
                        "not_reciprocal",
                        f"与对称位置不互为倒数：{scale_text(b)} × {scale_text(a)} ≠ 1",
                    )
                )
    if problems:
        return names, None, problems
    return names, build(n, {(i, j): values[i][j] for i in range(n) for j in range(i + 1, n)}), []
