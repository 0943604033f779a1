"""Checks on a loaded criteria set: its workbook round trip, its scoring, its examples.

These run only for sets the host accepted. Each builds a sample application
(:mod:`.sample`), so a plugin author needs no data of their own for them to work.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from iipeval.core.analysis.linear import expert_linear
from iipeval.core.api import Evaluator, load_json
from iipeval.core.host import RegisteredFramework
from iipeval.core.model.results import Rejected, Result
from iipeval.core.text import fmt
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write
from iipeval.testing import sample
from iipeval.testing.problems import Problem

GOLDEN = "golden.json"
#: the examples' expert scores, one JSON review file per expert or one for all
REVIEWS = "reviews"
DIGITS = 4
#: a failing example's errors quoted in its problem (the count says how many more)
SHOWN_ERRORS = 3
TOLERANCE = 1e-6
REPORT_TO_IIPEVAL = (
    "如果插件的数据项定义没有问题，这可能是 iipeval 本身的缺陷，请把这条提示发给 iipeval 维护者"
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _points(r: Result) -> dict[str, float | None]:
    return {i.id: i.score for i in r.indicators}


class FrameworkChecks:
    def __init__(self, plugin: str, rf: RegisteredFramework, ev: Evaluator, label: str = ""):
        self.plugin, self.rf, self.ev, self.label = plugin, rf, ev, label
        self.fw = rf.framework
        self.problems: list[Problem] = []

    def error(self, message: str, fix: str, code: str, indicator: str | None = None) -> None:
        self.problems.append(
            Problem(self.plugin, self.label + message, fix, code, self.fw.id, indicator)
        )

    def warn(self, message: str, fix: str, code: str) -> None:
        self.problems.append(
            Problem(self.plugin, self.label + message, fix, code, self.fw.id, None, "warning")
        )

    def run(self) -> list[Problem]:
        subtypes = [st.id for st in self.fw.subtypes] or [None]
        with tempfile.TemporaryDirectory(prefix="iipeval-kit-") as tmp:
            for st in subtypes:
                self.round_trip(Path(tmp), st)
        self.scoring(subtypes[0])
        self.live_total(subtypes[0])
        return self.problems

    def live_total(self, subtype: str | None) -> None:
        """The expert workbook's live total is an affine form of the expert scores; say
        when the sample application's total is not one (the workbook then shows none)."""
        fw = self.fw
        if not fw.expert_parts():
            return
        app = sample.application(fw, subtype)
        try:
            form = expert_linear(self.ev, app, fw.id)
        except Exception:
            return  # a total that cannot be computed is reported by the scoring checks
        if not form.linear:
            self.warn(
                "示例数据下，总分与专家评分不成线性关系，专家评分表将不显示实时总分",
                "多由总分下限（扣分后不低于0分）、sum 规则的上限或自定义规则引起；"
                "如非有意，请检查这些设置（评分本身不受影响，以系统计算为准）",
                "live_total",
            )

    # the application workbook -------------------------------------------------------------

    def round_trip(self, tmp: Path, subtype: str | None) -> None:
        fw = self.fw
        st = fw.subtype(subtype)
        what = f"申报表（{st.name}）" if st else "申报表"
        path = tmp / f"{fw.id}_{subtype or 'main'}.xlsx"
        try:
            plan = write(fw, path, subtype)
        except Exception as exc:
            self.error(
                f"无法生成{what}：{exc}",
                "请先运行 iipeval template 该体系 -o 申报表.xlsx 看完整的出错信息；"
                + REPORT_TO_IIPEVAL,
                "template",
            )
            return
        values = sample.figures(fw)
        who = sample.applicant(fw)
        slots = {s.key: (s.sheet, s.cell) for s in plan.slots}
        absent = [i.id for i in fw.items if i.id not in slots]
        if absent:
            self.error(
                f"{what}中没有以下数据项的填写格：{'、'.join(absent)}",
                REPORT_TO_IIPEVAL,
                "roundtrip",
            )
        sample.fill_workbook(path, slots, values, who, st.name if st and not plan.subtype else None)
        loaded = read_workbook(path, self.ev)
        errors = [f for f in loaded.findings if f.severity == "error"]
        for f in errors:
            where = f"{f.sheet}!{f.cell}" if f.cell else (f.item or "")
            self.error(
                f"{what}填入示例数据后读回时出错（{where}）：{f.message}",
                "请检查该数据项的类型（type）、上下限（min、max）和选项（choices）是否与申报文件一致；"
                + REPORT_TO_IIPEVAL,
                "roundtrip",
            )
        if loaded.submission is not None:
            app = loaded.submission.application
            self._read_back(what, app, values, who, subtype)
            self._scored_alike(what, app, values, subtype)

    def _read_back(self, what: str, app, values: dict, who: dict, subtype: str | None) -> None:
        """The workbook gives back every figure, the name and the set exactly as typed."""
        fw = self.fw
        if app.applicant.name != who["name"]:
            self.error(
                f"{what}往返后申报单位名称变了：填入“{who['name']}”，读回为“{app.applicant.name}”",
                "名称须逐字保留（全角括号等不得改写）；" + REPORT_TO_IIPEVAL,
                "roundtrip",
            )
        for item in fw.items:
            wrote, read = values.get(item.id), app.items.get(item.id)
            if not _same(wrote, read):
                self.error(
                    f"{what}往返不一致：数据项 {item.id}（{item.label}）填入 {wrote!r}，读回为 {read!r}",
                    "请检查该数据项的类型（type）与上下限（min、max）；" + REPORT_TO_IIPEVAL,
                    "roundtrip",
                )
        if app.framework != fw.id or app.subtype != subtype:
            self.error(
                f"{what}读回的评价体系/申报类型为 {app.framework}/{app.subtype}，应为 {fw.id}/{subtype}",
                REPORT_TO_IIPEVAL,
                "roundtrip",
            )

    def _scored_alike(self, what: str, app, values: dict, subtype: str | None) -> None:
        """Read back from the workbook, the figures score exactly as typed straight in."""
        fw = self.fw
        reviews = sample.reviews(fw)
        direct = self.ev.score(sample.application(fw, subtype, values), reviews)
        via = self.ev.score(app, reviews)
        if isinstance(direct, Rejected) or isinstance(via, Rejected):
            self.error(
                f"示例数据无法评分：{'；'.join(f.message for f in (direct.findings + via.findings))}",
                REPORT_TO_IIPEVAL,
                "roundtrip",
            )
            return
        if not _same(direct.total, via.total) or _points(direct) != _points(via):
            differ = [k for k, v in _points(direct).items() if not _same(v, _points(via).get(k))]
            self.error(
                f"经{what}读回后评分（总分 {via.total}）与直接按同一组数据评分（总分 {direct.total}）"
                f"不一致；不一致的指标：{'、'.join(differ) or '无'}",
                REPORT_TO_IIPEVAL,
                "roundtrip",
            )

    # scoring ---------------------------------------------------------------------------------

    def scoring(self, subtype: str | None) -> None:
        """The sample scores the same every time, explains every indicator, and no rule or
        plugin code failed on it."""
        fw = self.fw
        values = sample.figures(fw)
        reviews = sample.reviews(fw)
        first = self.ev.score(sample.application(fw, subtype, values), reviews)
        if isinstance(first, Rejected):
            return  # already reported by the round trip
        self._deterministic(first, values, subtype)
        names = {i.id: i.name for _, i in fw.indicators()}
        for ind in first.indicators:
            if not ind.explanation.strip():
                self.error(
                    f"指标 {ind.id}（{names.get(ind.id, ind.name)}）评分后没有计分说明",
                    "每个指标都要说明分数从何而来；如该指标使用插件自定义的计分规则类型，"
                    "请在该类型的 evaluate() 中返回非空的说明文字（text）",
                    "explanation",
                    ind.id,
                )
        for f in first.findings:
            if f.code in ("rule_error", "rule_out_of_range"):
                self.error(
                    f"计分规则在评分时出了问题：{f.message}",
                    "请检查该规则类型的 evaluate()：它应返回 Explanation，status 只能是 "
                    "scored、pending、na 之一，score 在 0-100 之间（按分值写的规则用 self._got）",
                    "rule_code",
                    f.indicator,
                )
            if f.code == "plugin_error":
                self.error(
                    f"插件代码在评分时出错：{f.message}",
                    "请检查 __init__.py 中对应的校验或否决项函数；它们收到的是 ApplicationView，"
                    "数据项缺失或不适用时 view.item_number() 返回 None，须先判断",
                    "plugin_code",
                )
        if first.total is None:
            self.warn(
                "示例数据（各专家部分均已评分）评分后仍没有总分",
                "请检查是否有指标在完整数据下仍为“待专家评分”或“不适用”",
                "total",
            )

    def _deterministic(self, first: Result, values: dict, subtype: str | None) -> None:
        """Scored again, with the figures in another order, by a fresh evaluator: the same."""
        fw = self.fw
        reviews = sample.reviews(fw)
        again = self.ev.score(sample.application(fw, subtype, values), reviews)
        reordered = dict(reversed(list(values.items())))
        shuffled = self.ev.score(sample.application(fw, subtype, reordered), reviews)
        fresh = Evaluator(self.ev.host, self.ev.params).score(
            sample.application(fw, subtype, values), reviews
        )
        base = first.model_dump(mode="json")
        for other in (again, shuffled, fresh):
            if other.model_dump(mode="json") != base:
                differ = [
                    i.id
                    for i, j in zip(first.indicators, other.indicators, strict=False)
                    if i.model_dump() != j.model_dump()
                ]
                self.error(
                    f"同一份申报数据评分多次，结果不同（总分 {first.total} 与 {other.total}；"
                    f"不同的指标：{'、'.join(differ) or '无'}）",
                    "计分不得依赖随机数、当前时间或数据项的排列顺序；请检查插件自定义的计分规则"
                    "（register_rule_types）、校验（register_validators）和否决项（register_exclusions）代码",
                    "deterministic",
                )
                return


# golden files ----------------------------------------------------------------------------------


def summary(r: Result | Rejected, in_points: bool = False) -> dict[str, Any]:
    """What a golden file records of one example: total, grade, exclusion, every indicator;
    for a set with 加分项/扣分项 the base, the bonus, the deduction and each item's points;
    for a set written in points each indicator's points."""
    if isinstance(r, Rejected):
        return {"rejected": [f.message for f in r.findings]}

    def rnd(x: float | None) -> float | None:
        return None if x is None else round(x, DIGITS)

    out: dict[str, Any] = {
        "total": rnd(r.total),
        "grade": r.grade,
        "excluded": r.excluded,
        "indicators": {i.id: rnd(i.score) for i in r.indicators},
    }
    if in_points:
        out["points"] = {i.id: rnd(i.points) for i in r.indicators}
    if r.adjustments:
        out |= {"base": rnd(r.base), "bonus": rnd(r.bonus), "deduction": rnd(r.deduction)}
        out["adjustments"] = {a.id: rnd(a.points) for a in r.adjustments}
    return out


def score_examples(ev: Evaluator, folder: Path) -> dict[str, dict[str, Any]]:
    """Score the plugin's example applications with the expert scores in ``reviews/``
    (the author's own fictional scores: taken as they are, no panel record)."""
    from iipeval.core.round.batch import index_reviews, score_one
    from iipeval.excel.review.reader import read_review_json

    index = index_reviews(read_review_json(p) for p in sorted((folder / REVIEWS).glob("*.json")))
    out = {}
    for path in sorted(folder.glob("*.json")):
        if path.name == GOLDEN:
            continue
        r = score_one(ev, load_json(path), index)
        points = isinstance(r, Result) and ev.framework(r.framework).framework.written_in_points
        out[path.name] = summary(r, points)
    return out


def example_problems(plugin: str, ev: Evaluator, folder: Path | None) -> list[Problem]:
    """The plugin's own examples must pass validation, and their experts score parts the
    set has: they are what authors copy, and a changed table leaves them behind."""
    if folder is None or not folder.is_dir():
        return []
    problems = _review_parts(plugin, ev, folder)
    for path in sorted(folder.glob("*.json")):
        if path.name == GOLDEN:
            continue
        r = ev.score_loaded(load_json(path))
        errors = [f for f in r.findings if f.severity == "error"]
        if errors or isinstance(r, Rejected):
            said = "；".join(f.message for f in errors[:SHOWN_ERRORS]) or "无法读取"
            if len(errors) > SHOWN_ERRORS:
                said += f"；……共 {len(errors)} 个错误，以上为前 {SHOWN_ERRORS} 个"
            problems.append(
                Problem(
                    plugin,
                    f"示例 {path.name} 未通过校验：{said}",
                    f"运行 iipeval validate {path} 可列出全部问题；示例是申报单位和其他插件作者"
                    "填写时参照的样本，请改正示例中的数据（或评价体系的数据项定义）",
                    "example_invalid",
                )
            )
    return problems


def _review_parts(plugin: str, ev: Evaluator, folder: Path) -> list[Problem]:
    """Expert scores in ``reviews/`` for a part no set of the plugin has (a part renamed or
    dropped since the scaffold wrote them) would be ignored without a word."""
    from iipeval.excel.review.reader import read_review_json

    parts = {
        pid: rf.framework.id
        for rf in ev.host.frameworks.values()
        if rf.plugin == plugin
        for pid, _, _ in rf.framework.expert_parts()
    }
    problems = []
    for path in sorted((folder / REVIEWS).glob("*.json")):
        named = {p for r in read_review_json(path).reviews for p in r.scores}
        unknown = sorted(named - set(parts))
        if unknown:
            known = "、".join(parts) or "（无）"
            problems.append(
                Problem(
                    plugin,
                    f"示例专家评分 {path.name} 中的评分项 {'、'.join(unknown)} 不存在，"
                    f"这些评分不会计入（本插件的专家评分项：{known}）",
                    "请按 iipeval show 列出的“专家评分项”改正 examples/reviews/ 中的评分项 id，"
                    "然后运行 iipeval plugin check 插件名 --update-golden",
                    "example_reviews",
                )
            )
    return problems


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) != set(b) or any(_differs(a[k], b[k]) for k in a)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return not math.isclose(a, b, abs_tol=TOLERANCE)
    return a != b


#: what a golden entry says of each part, for the message naming what changed
GOLDEN_PARTS = {"base": "基础分", "bonus": "加分", "deduction": "扣分"}


def check_golden(
    plugin: str, ev: Evaluator, folder: Path | None, *, update: bool, name: str
) -> list[Problem]:
    """Compare the plugin's examples with the results its author committed in golden.json."""
    if folder is None or not folder.is_dir():
        return []
    golden = folder / GOLDEN
    results = score_examples(ev, folder)
    if not results:
        return []
    if update:
        text = json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        golden.write_text(text, encoding="utf-8")
        return [
            Problem(
                plugin,
                f"已按当前评分结果重写 {golden}（{len(results)} 个示例）",
                "请核对改动后提交",
                "golden_updated",
                severity="warning",
            )
        ]
    if not golden.exists():
        return [
            Problem(
                plugin,
                f"examples 文件夹中有 {len(results)} 个示例，但没有记录预期结果的 golden.json",
                f"请运行 iipeval plugin check {name} --update-golden 生成并提交",
                "golden",
                severity="warning",
            )
        ]
    how = (
        f"若这是有意的修改（如调整了权重或标杆值），请运行 iipeval plugin check {name} --update-golden"
        "（或 IIPEVAL_UPDATE_GOLDEN=1 python -m pytest）重写 golden.json，核对改动后提交"
    )
    try:
        expected = json.loads(golden.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return [Problem(plugin, f"无法读取 {golden}：{exc}", how, "golden")]
    return _compare_golden(plugin, expected, results, how, name)


def _compare_golden(plugin: str, expected: dict, results: dict, how: str, name: str):
    """Each example against its recorded entry; an entry written before golden files kept
    base, bonus and deduction is compared on what it has, and its author told to rewrite it."""
    problems = []
    older = []
    for example, got in results.items():
        want = expected.get(example)
        if not isinstance(want, dict):
            problems.append(
                Problem(plugin, f"golden.json 中没有示例 {example} 的预期结果", how, "golden")
            )
            continue
        if set(got) - set(want):
            older.append(example)
        recorded = {k: v for k, v in got.items() if k in want}
        if _differs(want, recorded):
            problems.append(Problem(plugin, _golden_change(example, want, got), how, "golden"))
    if older:
        problems.append(
            Problem(
                plugin,
                f"golden.json 中示例 {'、'.join(older)} 的记录没有基础分、加分、扣分或各项分值",
                f"请运行 iipeval plugin check {name} --update-golden 重写，核对后提交",
                "golden_incomplete",
                severity="warning",
            )
        )
    for example in sorted(set(expected) - set(results)):
        problems.append(
            Problem(
                plugin,
                f"golden.json 记录了示例 {example}，但 examples 文件夹中没有这个文件",
                how,
                "golden",
                severity="warning",
            )
        )
    return problems


def _golden_change(example: str, want: dict, got: dict) -> str:
    """Which of an example's recorded figures changed, in the words of its score card."""
    changed = []
    for key in ("indicators", "points", "adjustments"):
        a, b = want.get(key, {}), got.get(key, {})
        if key in want:
            changed += [k for k in sorted(set(a) | set(b)) if _differs(a.get(k), b.get(k))]
    parts = [
        f"{word} {_shown(got.get(k))}（记录为 {_shown(want.get(k))}）"
        for k, word in GOLDEN_PARTS.items()
        if k in want and _differs(want.get(k), got.get(k))
    ]
    detail = f"；分数变化的指标：{'、'.join(dict.fromkeys(changed))}" if changed else ""
    detail += f"；{'，'.join(parts)}" if parts else ""
    return (
        f"示例 {example} 的评分结果与 golden.json 记录的不同：总分 {_shown(got.get('total'))}"
        f"（记录为 {_shown(want.get('total'))}），等级 {_shown(got.get('grade'))}"
        f"（记录为 {_shown(want.get('grade'))}）{detail}"
    )


def _shown(x: Any) -> str:
    """A recorded figure as a person reads it: 54, not 54.0; 无 for none."""
    if x is None:
        return "无"
    if isinstance(x, int | float) and not isinstance(x, bool):
        return fmt(x)
    return str(x)
