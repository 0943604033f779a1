"""Static checks on a criteria set's data, in the words of the person who wrote the TOML.

The host validates a set with pydantic and stops at the first broken layer (a missing
rule hides the weights that do not add up). These checks read the raw data instead and
report every problem at once, each with the indicator it concerns and the table to edit.
A set that extends another is checked as the author wrote it (its own fields, the
indicators it adds) and then as merged with its parent (weights, ids, items).
"""

from __future__ import annotations

import difflib
import itertools
import keyword
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from iipeval.core.model.criteria import (
    AdjustmentItem,
    Check,
    DataItem,
    Dimension,
    Exclusion,
    Framework,
    Group,
    Indicator,
    Source,
    Subtype,
    with_set_scale,
)
from iipeval.core.model.inherit import CHANGES, REPLACEABLE, InheritanceError, merge
from iipeval.core.model.vocabulary import vocabulary as shared_vocabulary
from iipeval.core.rules import GRADES, Expert, parse_rule
from iipeval.core.rules.base import ID_PATTERN
from iipeval.testing.problems import Problem

PLACEHOLDER = "【待填写】"
KINDS = ("定量", "定性", "综合")
ITEM_TYPES = ("integer", "number", "percent", "bool", "text", "choice")
ITEM_KEYS = ("items", "item", "numerator", "denominator")
NUMERIC = ("integer", "number", "percent")
#: Rule types that score a quantity; reading a yes/no item with them is a mistake.
SCALE_RULES = ("log_scale", "bands", "per_unit", "ratio")
ID_HELP = "id 只能用小写英文字母、数字和下划线，并以字母开头（例如 green_manufacturing）"
RULE_EXAMPLE = "写法可参照 iipeval 自带插件 hunan_comprehensive 的 criteria.toml"


def _fields(model) -> set[str]:
    return set(model.model_fields)


def _close(word: str, options) -> str:
    match = difflib.get_close_matches(str(word), sorted(options), n=1, cutoff=0.6)
    return f"（是否想写 {match[0]}？）" if match else ""


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _g(x: float) -> str:
    return f"{x:g}"


def _text(x: Any) -> bool:
    return isinstance(x, str) and bool(x.strip())


class Lint:
    """Collects problems for one contribution (one criteria set) of one plugin."""

    def __init__(
        self,
        plugin: str,
        *,
        rule_types: Mapping[str, type],
        vocabulary: set[str],
        frameworks: Mapping[str, Framework],
        label: str = "",
        file: str = "criteria.toml",
    ) -> None:
        self.plugin = plugin
        self.rule_types = dict(rule_types)
        self.vocabulary = vocabulary
        self.frameworks = frameworks
        self.label = label  # "评价体系 x 的" when a plugin registers several sets
        self.file = file
        self.problems: list[Problem] = []
        self.framework: str | None = None
        self.set_scale = False
        #: item id → type, for checking what a rule means (shared, the parents', own)
        self.item_types = {i.id: i.type for i in shared_vocabulary().values()}
        for fw in frameworks.values():
            self.item_types |= {i.id: i.type for i in fw.items if i.id not in self.item_types}

    # recording -----------------------------------------------------------------------------

    def error(self, message: str, fix: str = "", code: str = "", indicator: str | None = None):
        message = _tidy(self.label + message)
        self.problems.append(Problem(self.plugin, message, fix, code, self.framework, indicator))

    def warn(self, message: str, fix: str = "", code: str = "", indicator: str | None = None):
        self.problems.append(
            Problem(
                self.plugin,
                _tidy(self.label + message),
                fix,
                code,
                self.framework,
                indicator,
                "warning",
            )
        )

    # entry -----------------------------------------------------------------------------------

    def check_data(self, data: Any) -> list[Problem]:
        """Every problem in one set's data as written, before the host parses it (the
        loaded set's scoring and workbooks are checked by :class:`.runtime.FrameworkChecks`)."""
        if not isinstance(data, Mapping):
            self.error(
                "注册的评价体系既不是 criteria.toml 文件路径，也不是数据表",
                '请在 register_frameworks 中调用 register(Path(__file__).with_name("criteria.toml"))',
                "bad_contribution",
            )
            return self.problems
        self.framework = data.get("id") if isinstance(data.get("id"), str) else None
        self.set_scale = bool(data.get("expert_grades"))
        data = with_set_scale(data)
        if "extends" in data:
            self._child(data)
        else:
            self._full(data)
        self._placeholders(data)
        return self.problems

    # a complete set ------------------------------------------------------------------------

    def _full(self, data: Mapping[str, Any]) -> None:
        known = _fields(Framework)
        for key in data:
            if key not in known:
                hint = "（继承另一体系请用 extends）" if key in CHANGES else _close(key, known)
                self.error(
                    f"{self.file} 顶层有 iipeval 无法识别的设置 {key}{hint}",
                    f"请改正拼写或删除该行；可用的设置：{'、'.join(sorted(known))}",
                    "unknown_field",
                )
        self._header(data, ("id", "name", "platform_type", "version"), need_source=True)
        own_items = self._own_items(data.get("items", []))
        items = self.vocabulary | own_items
        dims = data.get("dimensions")
        if not isinstance(dims, list) or not dims:
            self.error(
                "评价体系没有任何维度",
                "请按申报文件的评价维度加入 [[dimensions]]，每个维度下再加入 [[dimensions.indicators]]",
                "no_dimensions",
            )
            return
        for d in dims:
            self._dimension(d, items)
        self._structure(data, items, inherited=False)

    # a set that extends another ------------------------------------------------------------

    def _child(self, data: Mapping[str, Any]) -> None:
        parent_id = data.get("extends")
        allowed = REPLACEABLE | CHANGES
        unknown = [k for k in data if k not in allowed]
        for key in unknown:
            self.error(
                f"{self.file} 中有继承体系无法识别的设置 {key}{_close(key, allowed)}",
                "继承时只能替换 "
                f"{'、'.join(sorted(REPLACEABLE))}，或用 {'、'.join(sorted(CHANGES - {'extends'}))} "
                "修改父体系；请改正拼写或删除该行",
                "unknown_field",
            )
        missing = [k for k in ("id", "name", "version", "source") if k not in data]
        for key in missing:
            self.error(
                f"继承 {parent_id} 的评价体系缺少自己的 {key}",
                f"继承体系必须写明自己的 {key}（不沿用父体系的）；{self._header_fix(key)}",
                "missing_field",
            )
        self._header(data, tuple(k for k in ("id", "name", "version") if k not in missing))
        if "source" in data:
            self._source(data["source"])
        own_items = self._own_items(data.get("items", []))
        items = self.vocabulary | own_items
        added = data.get("add_indicators", [])
        if not isinstance(added, list):
            self.error("add_indicators 应写成若干个 [[add_indicators]] 表", "", "bad_field")
            added = []
        for ind in added:
            self._indicator(ind, items, table="add_indicators", extra={"dimension"})
        self._weight_changes(data.get("weights", {}))
        parent = self.frameworks.get(parent_id) if isinstance(parent_id, str) else None
        if parent is None:
            known = "、".join(sorted(self.frameworks)) or "（无）"
            self.error(
                f"继承的评价体系 {parent_id!r} 没有加载",
                f"请确认提供它的插件已安装（iipeval frameworks 可列出已加载的体系：{known}），"
                "并核对 extends 的拼写",
                "extends",
            )
            return
        if unknown or missing:
            return  # merging would only repeat what is said above
        try:
            merged = merge(parent, data)
        except InheritanceError as exc:
            self.error(str(exc), self._inherit_fix(str(exc), parent_id), "extends")
            return
        except Exception:  # malformed tables, already reported above
            return
        self._structure(merged, items, inherited=True)

    def _weight_changes(self, weights: Any) -> None:
        """``[weights]`` of a set that extends another: id = a positive new weight."""
        if not isinstance(weights, Mapping):
            self.error(
                "weights 应为表",
                "请写成 [weights] 下一行一个 “id = 权重”，如 devices = 10",
                "bad_field",
            )
            return
        for key, w in weights.items():
            if not _is_number(w) or w <= 0:
                self.error(
                    f"[weights] 中 {key} 的权重 {w!r} 不是正数",
                    "权重须为大于 0 的数字，如 devices = 10",
                    "weights",
                    key,
                )

    def _inherit_fix(self, message: str, parent: str) -> str:
        if message.startswith("add_indicators"):
            return '每个新增指标都要写 dimension = "维度 id"，指明它属于哪个维度'
        return f"请核对 id 的拼写；运行 iipeval show {parent} 可列出父体系全部维度、指标的 id"

    # header, source, items --------------------------------------------------------------------

    def _header_fix(self, key: str) -> str:
        return {
            "id": 'id 是评价体系的英文标识，如 id = "hunan_changsha"',
            "name": 'name 是评价体系的中文全称，如 name = "长沙市工业互联网平台"',
            "platform_type": 'platform_type 写平台类型，如 platform_type = "综合型工业互联网平台"',
            "version": 'version 写本体系的版本，如 version = "2025.1"',
            "source": '请加入 [source]，写明 document = "文件名称"、issuer = "发文单位"、year = 发布年份',
        }[key]

    def _header(
        self, data: Mapping[str, Any], keys: tuple[str, ...], need_source: bool = False
    ) -> None:
        for key in keys:
            value = data.get(key)
            if not _text(value):
                self.error(f"缺少 {key}", self._header_fix(key), "missing_field")
            elif key == "id" and not re.fullmatch(ID_PATTERN, value):
                self.error(f"评价体系 id {value!r} 写法不对", ID_HELP, "bad_id")
        if not need_source:
            return
        if "source" in data:
            self._source(data["source"])
        else:
            self.error("缺少来源文件信息 [source]", self._header_fix("source"), "provenance")

    def _source(self, source: Any) -> None:
        fix = (
            '请在 [source] 下写明 document = "文件名称"、issuer = "发文单位"、year = 发布年份'
            "（如 2025），评分结果和申报表都会注明这一来源"
        )
        if not isinstance(source, Mapping):
            self.error("来源文件信息 source 应为表", fix, "provenance")
            return
        missing = [
            label
            for key, label in (("document", "文件名称 document"), ("issuer", "发文单位 issuer"))
            if not _text(source.get(key))
        ]
        year = source.get("year")
        if not (isinstance(year, int) and not isinstance(year, bool) and 1949 <= year <= 2100):
            missing.append("发布年份 year（四位数字，不加引号）")
        if missing:
            self.error(f"来源文件信息不完整：缺少{'、'.join(missing)}", fix, "provenance")
        for key in source:
            if key not in _fields(Source):
                self.error(
                    f"[source] 中有无法识别的设置 {key}{_close(key, _fields(Source))}",
                    f"可用的设置：{'、'.join(sorted(_fields(Source)))}",
                    "unknown_field",
                )

    def _own_items(self, raw: Any) -> set[str]:
        if not isinstance(raw, list):
            self.error("items 应写成若干个 [[items]] 表", "", "bad_field")
            return set()
        ids: set[str] = set()
        for it in raw:
            if not isinstance(it, Mapping):
                continue
            item_id = it.get("id")
            if not isinstance(item_id, str) or not re.fullmatch(ID_PATTERN, item_id):
                self.error(f"自定义数据项 id {item_id!r} 写法不对", ID_HELP, "bad_id")
                continue
            ids.add(item_id)
            self.item_types[item_id] = it.get("type", "integer")
            where = f"自定义数据项 {item_id}"
            if item_id in self.vocabulary:
                self.error(
                    f"{where} 与 iipeval 共享数据项重名",
                    "共享数据项可直接在规则中引用，不必也不能重新定义；请删除该 [[items]]，或换一个 id",
                    "item_clash",
                )
            if not _text(it.get("label")):
                self.error(
                    f"{where} 缺少中文名称 label",
                    '请加 label = "……"（与申报表上的名称一致）',
                    "missing_field",
                )
            if it.get("type", "integer") not in ITEM_TYPES:
                self.error(
                    f"{where} 的类型 type = {it.get('type')!r} 不存在",
                    f"可用类型：{'、'.join(ITEM_TYPES)}",
                    "bad_field",
                )
            for key in it:
                if key not in _fields(DataItem):
                    self.error(
                        f"{where} 中有无法识别的设置 {key}{_close(key, _fields(DataItem))}",
                        f"可用的设置：{'、'.join(sorted(_fields(DataItem)))}",
                        "unknown_field",
                    )
        return ids

    # dimensions and indicators ----------------------------------------------------------------

    def _dimension(self, d: Any, items: set[str]) -> None:
        if not isinstance(d, Mapping):
            self.error("[[dimensions]] 写法不对", "每个维度应是一个 [[dimensions]] 表", "bad_field")
            return
        name = self._named("维度", d)
        for key in d:
            if key not in _fields(Dimension):
                self.error(
                    f"{name} 中有无法识别的设置 {key}{_close(key, _fields(Dimension))}",
                    f"维度可用的设置：{'、'.join(sorted(_fields(Dimension)))}",
                    "unknown_field",
                )
        if not _text(d.get("name")):
            self.error(f"{name} 缺少名称 name", "请照申报文件原文填写维度名称", "verbatim")
        self._weight(d, name, "[[dimensions]]")
        if not _text(d.get("rationale")):
            self.error(
                f"{name} 缺少 rationale（权重理由）",
                "iipeval 的权重都是建议值，请用一句话写明理由，供组织方审核",
                "rationale",
            )
        for g, table in _groups(d, "dimensions"):
            self._group(g, table)
        inds = list(_indicators(d, "dimensions"))
        if not inds:
            self.error(
                f"{name} 下没有任何指标",
                "请在该维度下加入 [[dimensions.indicators]]（或在其方面 [[dimensions.groups]] 下加入指标）",
                "no_indicators",
            )
            return
        for ind, table in inds:
            self._indicator(ind, items, table=table)

    def _group(self, g: Any, table: str) -> None:
        if not isinstance(g, Mapping):
            self.error(f"[[{table}]] 写法不对", "每个方面应是一个表", "bad_field")
            return
        name = self._named("方面", g)
        known = _fields(Group) | {"indicators"}
        for key in g:
            if key not in known:
                self.error(
                    f"{name} 中有无法识别的设置 {key}{_close(key, known)}",
                    f"方面可用的设置：{'、'.join(sorted(known))}",
                    "unknown_field",
                )
        if not _text(g.get("name")):
            self.error(f"{name} 缺少名称 name", "请照申报文件原文填写名称", "verbatim")
        self._weight(g, name, f"[[{table}]]")

    def _named(self, what: str, d: Mapping[str, Any]) -> str:
        id_ = d.get("id")
        name = d.get("name")
        label = f"{what} {id_}" if id_ else f"{what}（未写 id）"
        if _text(name):
            label += f"（{name}）"
        if id_ is not None and (not isinstance(id_, str) or not re.fullmatch(ID_PATTERN, id_)):
            self.error(f"{label} 的 id 写法不对", ID_HELP, "bad_id", str(id_))
        elif id_ is None:
            self.error(f"{label} 缺少 id", f'请加 id = "..."；{ID_HELP}', "bad_id")
        return label

    def _weight(self, d: Mapping[str, Any], name: str, table: str) -> None:
        w = d.get("weight", d.get("points"))
        if w is None:
            self.error(
                f"{name} 缺少权重 weight（或分值 points）",
                f"请在 {table} 该项下加 weight = 权重，或按原文分值写 points = 分值",
                "weights",
            )
        elif not _is_number(w) or w <= 0:
            self.error(
                f"{name} 的权重 weight = {w!r} 不是正数",
                "权重须为大于 0 的数字，不加引号，如 weight = 10",
                "weights",
            )
        both = d.get("weight") is not None and d.get("points") is not None
        if both and d["weight"] != d["points"]:
            self.error(
                f"{name} 同时写了 weight 与 points 且不相等",
                "按分值写的只写 points（它就是权重和满分），按权重写的只写 weight",
                "weights",
            )

    def _indicator(self, ind: Any, items: set[str], *, table: str, extra=frozenset()) -> None:
        if not isinstance(ind, Mapping):
            self.error(f"[[{table}]] 写法不对", "每个指标应是一个表", "bad_field")
            return
        ind_id = ind.get("id") if isinstance(ind.get("id"), str) else None
        name = self._named("指标", ind)
        self._indicator_fields(ind, name, ind_id, table, _fields(Indicator) | set(extra))
        rule = ind.get("rule")
        if rule is None:
            self.error(
                f"{name} 没有计分规则",
                f"请在 {self.file} 该指标下加入 [{table}.rule]，写明 type（可选："
                f"{'、'.join(sorted(self.rule_types))}）及其参数；{RULE_EXAMPLE}",
                "no_rule",
                ind_id,
            )
            return
        before = len(self.problems)
        self._rule(rule, name, ind_id, items, f"{table}.rule", top=True)
        if len(self.problems) > before:
            return  # a rule that does not parse has nothing more to say
        try:
            points = ind.get("points")
            context = {"rule_types": self.rule_types}
            parsed = parse_rule(rule, context | ({"out_of": points} if _is_number(points) else {}))
        except ValueError as exc:
            self.error(
                f"{name} 的计分规则参数有误：{exc}",
                f"请对照插件编写指南中该规则类型的参数说明修改 [{table}.rule]；{RULE_EXAMPLE}",
                "rule",
                ind_id,
            )
            return
        unknown = [i for i in parsed.item_ids() if i not in items]
        if unknown:
            self._unknown_items(name, ind_id, unknown, items)
        else:
            self._meaning(parsed, name, ind_id, ind.get("description"))
        if ind.get("kind") in KINDS:
            self._kind_matches_rule(parsed, ind["kind"], name, ind_id)

    def _indicator_fields(
        self, ind: Mapping[str, Any], name: str, ind_id: str | None, table: str, known: set[str]
    ) -> None:
        """The indicator's own settings: known keys, verbatim text, weight, rationale, kind."""
        for key in ind:
            if key not in known:
                self.error(
                    f"{name} 中有无法识别的设置 {key}{_close(key, known)}",
                    f"指标可用的设置：{'、'.join(sorted(known))}",
                    "unknown_field",
                    ind_id,
                )
        if not _text(ind.get("name")):
            self.error(f"{name} 缺少名称 name", "请照申报文件原文填写指标名称", "verbatim", ind_id)
        if not _text(ind.get("description")):
            self.error(
                f"{name} 缺少评价内容原文 description",
                f'请在 [[{table}]] 该指标下加 description = "……"，照申报文件原文逐字填写该指标的评价内容',
                "verbatim",
                ind_id,
            )
        self._weight(ind, name, f"[[{table}]]")
        if not _text(ind.get("rationale")):
            self.error(
                f"{name} 缺少 rationale（默认权重与规则的理由）",
                "iipeval 的权重和计分规则都是建议值，请用一句话写明理由，供组织方审核",
                "rationale",
                ind_id,
            )
        kind = ind.get("kind")
        if kind not in KINDS:
            self.error(
                f"{name} 的 kind = {kind!r} 不对",
                '请写 kind = "定量"（只按数据计分）、"定性"（只由专家评分）或 "综合"（两者都有）',
                "kind",
                ind_id,
            )

    def _kind_matches_rule(self, parsed, kind: str, name: str, ind_id: str | None) -> None:
        """定量/定性/综合 as declared is what the rule does: the workbooks follow the kind."""
        experts = any(isinstance(r, Expert) for _, r in parsed.walk())
        data = any(not isinstance(r, Expert) and not r.children() for _, r in parsed.walk())
        actual = "综合" if experts and data else ("定性" if experts else "定量")
        if actual != kind:
            self.error(
                f"{name} 标为“{kind}”，但其计分规则实际为“{actual}”",
                '定量 = 只有数据规则，定性 = 只有专家评分（type = "expert"），综合 = 两者都有；'
                f'请把 kind 改为 "{actual}"，或调整计分规则',
                "kind",
                ind_id,
            )

    def _rule(
        self,
        rule: Any,
        name: str,
        ind_id: str | None,
        items: set[str],
        table: str,
        top: bool = False,
    ) -> None:
        """One rule (or component) as written: its type, its parameters, the items it reads,
        and what its kind needs (an expert's rubric, a weighted rule's components)."""
        if not isinstance(rule, Mapping):
            self.error(
                f"{name} 的计分规则写法不对",
                f"[{table}] 应是一个表，且写明 type",
                "rule",
                ind_id,
            )
            return
        part = "" if top else f"的组成部分 {rule.get('id', '（未写 id）')}"
        kind = rule.get("type")
        cls = self.rule_types.get(kind) if isinstance(kind, str) else None
        if cls is None:
            self.error(
                f"{name}{part} 的计分规则类型 type = {kind!r} 不存在{_close(kind, self.rule_types)}",
                f"可用类型：{'、'.join(sorted(self.rule_types))}；如需新的计分方法，"
                "请在插件中实现 register_rule_types 钩子",
                "rule_type",
                ind_id,
            )
            return
        self._rule_parameters(rule, cls, f"{name}{part}", ind_id)
        missing = [i for i in _items_read(rule) if i not in items]
        if missing:
            self._unknown_items(name, ind_id, missing, items, part)
        if kind == "expert":
            self._expert(rule, name, ind_id, table, part)
        elif kind in ("weighted", "sum"):
            self._components(rule, name, ind_id, items, table)

    def _rule_parameters(self, rule: Mapping, cls: type, where: str, ind_id) -> None:
        """Every parameter is one the rule type knows, and a component's id is well formed."""
        kind = rule.get("type")
        known = _fields(cls)
        for key in rule:
            if key not in known:
                self.error(
                    f"{where} 的 {kind} 规则中有无法识别的参数 {key}{_close(key, known)}",
                    f"{kind} 规则可用的参数：{'、'.join(sorted(known - {'type'}))}",
                    "unknown_field",
                    ind_id,
                )
        if "id" in rule and not (
            isinstance(rule["id"], str) and re.fullmatch(ID_PATTERN, rule["id"])
        ):
            self.error(f"{where} 的 id 写法不对", ID_HELP, "bad_id", ind_id)

    def _components(self, rule: Mapping, name: str, ind_id, items: set[str], table: str) -> None:
        """A weighted or sum rule: two or more components, each with its own id, each a rule."""
        kind = rule.get("type")
        comps = rule.get("components")
        if not isinstance(comps, list) or len(comps) < 2:
            self.error(
                f"{name} 的 {kind} 规则至少要有两个组成部分",
                f"请在其下加入两个或以上的 [[{table}.components]]；只有一个部分时直接写该部分的规则即可",
                "rule",
                ind_id,
            )
            return
        ids = [c.get("id") for c in comps if isinstance(c, Mapping)]
        dupes = sorted({str(i) for i in ids if ids.count(i) > 1})
        if dupes or None in ids:
            self.error(
                f"{name} 的组成部分 id 缺失或重复：{dupes or '未写 id'}",
                f'每个 [[{table}.components]] 都要有各不相同的 id，如 id = "scale"',
                "bad_id",
                ind_id,
            )
        for c in comps:
            self._rule(c, name, ind_id, items, f"{table}.components")

    def _expert(self, rule: Mapping, name: str, ind_id, table: str, part: str) -> None:
        aspect = rule.get("aspect")
        what = f"“{aspect}”" if _text(aspect) else part
        if not _text(aspect):
            self.error(
                f"{name}{part} 由专家评分，但没有写评价要点 aspect",
                f'请在 [{table}] 下加 aspect = "……"，写明专家看什么（可摘自原文评价内容）',
                "rubric",
                ind_id,
            )
        rubric = rule.get("rubric")
        grades = "".join(f"“{g}”" for g in GRADES)
        if rubric is None and self.set_scale and not rule.get("grades"):
            return  # the set's own expert_grades apply
        if rubric is None and isinstance(rule.get("grades"), list):
            return  # the document's own scale: rubric texts only where the document has them
        if not isinstance(rubric, Mapping):
            self.error(
                f"{name}中由专家评分的部分{what}没有评分细则（rubric）",
                f"请在该部分下加入 [{table}.rubric]，分别写明 {grades} 四档的评价标准，"
                '例如 "优秀" = "……"；专家评分表会把这些文字印给专家看',
                "rubric",
                ind_id,
            )
            return
        empty = [g for g in GRADES if not _text(rubric.get(g))]
        if empty:
            self.error(
                f"{name}中由专家评分的部分{what}的评分细则缺少 {'、'.join(empty)} 档的文字",
                f"请在 [{table}.rubric] 中补齐 {grades} 四档，每档一句评价标准",
                "rubric",
                ind_id,
            )
        extra = [k for k in rubric if k not in GRADES]
        if extra:
            self.error(
                f"{name}中由专家评分的部分{what}的评分细则有无法识别的档次 {extra}",
                f"评分细则只能有 {grades} 四档",
                "rubric",
                ind_id,
            )

    def _adjustments(self, data: Mapping[str, Any], items: set[str]) -> None:
        """加分项 and 扣分项: each part states its cap, each item its own cap and rule."""
        for key, word in (("bonus", "加分项"), ("deduction", "扣分项")):
            part = data.get(key)
            if part is None:
                continue
            if not isinstance(part, Mapping) or not isinstance(part.get("items"), list):
                self.error(
                    f"[{key}]（{word}）写法不对",
                    f"请写 [{key}]（name、cap）并在其下加入若干 [[{key}.items]]",
                    "bad_field",
                )
                continue
            for a in part["items"]:
                if isinstance(a, Mapping):
                    self._adjustment_item(a, key, word, items)
            self._part_cap(data, part, key, word)

    def _part_cap(self, data: Mapping[str, Any], part: Mapping, key: str, word: str) -> None:
        """A part without ``cap`` adds (or takes) its items' caps together: say how far."""
        if part.get("cap") is not None:
            return
        caps = [a.get("cap") for a in part["items"] if isinstance(a, Mapping)]
        if not caps or not all(_is_number(c) for c in caps):
            return  # an item without a cap is reported where it is written
        most = sum(caps)
        verb = "加" if key == "bonus" else "扣"
        if key == "bonus":
            base = data.get("total_weight", 100)
            top = data.get("total_max")
            reach = (
                f"，总分最高可达 {_g(base + most)} 分" if top is None and _is_number(base) else ""
            )
        else:
            reach = f"，总分最多被扣 {_g(most)} 分"
        self.error(
            f"[{key}]（{word}）没有写本部分的上限 cap：各项合计最多{verb} {_g(most)} 分{reach}",
            f"请按原文在 [{key}] 下写 cap = 本部分最多{verb}的分数（如“{word}最高5分”写 cap = 5）；"
            f"原文确实没有总上限时写 cap = {_g(most)}，以示确认",
            "adjustment_cap",
        )

    def _adjustment_item(self, a: Mapping, key: str, word: str, items: set[str]) -> None:
        """One 加分/扣分项: known settings, its cap, a data rule within that cap."""
        name = self._named(word, a)
        known = _fields(AdjustmentItem)
        for k in a:
            if k == "kind":
                self.error(
                    f"{name} 写了 kind",
                    f"{word}只按数据计分，不分定量、定性，不需要 kind；请删除该行",
                    "unknown_field",
                )
            elif k not in known:
                self.error(
                    f"{name} 中有无法识别的设置 {k}{_close(k, known)}",
                    f"可用的设置：{'、'.join(sorted(known))}",
                    "unknown_field",
                )
        if not _is_number(a.get("cap")) or a["cap"] <= 0:
            self.error(
                f"{name} 缺少本项最高分 cap",
                "请按原文写 cap = 本项最多加（扣）的分数",
                "weights",
            )
            return
        rule = a.get("rule")
        before = len(self.problems)
        self._rule(rule, name, a.get("id"), items, f"{key}.items.rule", top=True)
        if len(self.problems) > before:
            return
        try:
            parsed = parse_rule(rule, {"rule_types": self.rule_types, "out_of": a["cap"]})
        except ValueError as exc:
            self.error(f"{name} 的计分规则参数有误：{exc}", "", "rule", a.get("id"))
            return
        self._meaning(parsed, name, a.get("id"), a.get("description"), word)

    def _meaning(self, rule, name: str, ind_id, text: Any, what: str = "指标") -> None:
        """What the rule means against the items it reads and the points it may give;
        ``text`` is the verbatim 评价内容, which may state a cap the rule applies."""
        for path, r in rule.walk():
            where = name if r is rule else f"{name}的组成部分 {path}"
            self._item_kinds(r, where, ind_id)
            self._points_reach(r, where, ind_id, what, text if _text(text) else "")
            if getattr(r, "grades", None):
                self._grade_gaps(r, where, ind_id)

    def _item_kinds(self, r, where: str, ind_id) -> None:
        """A yes/no rule on a count, or a count rule on a yes/no item, is a slip."""
        types = self.item_types
        read = [i for i in r.item_ids() if i in types]
        if r.type == "flag" and read and types[read[0]] in NUMERIC:
            self.error(
                f"{where} 用 flag（是/否）规则读取数量型数据项 {read[0]}",
                "flag 只看“是/否”（数量大于0即算“是”）；按数量计分请用 bands、per_unit 或 log_scale",
                "rule_meaning",
                ind_id,
            )
        if r.type in SCALE_RULES:
            yes_no = [i for i in read if types[i] in ("bool", "text", "choice")]
            if yes_no:
                self.error(
                    f"{where} 用 {r.type} 规则读取非数量型数据项 {yes_no}",
                    f"{r.type} 按数量计分；是/否类数据项请用 flag 或 checklist",
                    "rule_meaning",
                    ind_id,
                )
        if r.type == "checklist":
            numeric = [i for i in read if types[i] in NUMERIC]
            if numeric:
                self.warn(
                    f"{where} 的 checklist 读取数量型数据项 {numeric}（大于0即计分）",
                    "如需按数量计分请用 per_unit 或 bands",
                    "rule_meaning",
                    ind_id,
                )

    def _points_reach(self, r, where: str, ind_id, what: str, text: str) -> None:
        """The most the rule gives against its full mark: short of it, a cap above it, or
        parts that add past the cap when the 评价内容 states no such cap."""
        reach = r.reachable()
        if r.out_of is None or reach is None:
            return
        _, high = reach
        if high < r.out_of - 1e-9:
            self.error(
                f"{where} 的计分规则最多只能得 {_g(high)} 分，达不到{what}的满分 {_g(r.out_of)} 分",
                "请对照原文核对分档或单项分值（是否漏了最高一档？）；如原文确实如此，请把满分改为可得的最高分",
                "points_unreachable",
                ind_id,
            )
            return
        cap = getattr(r, "cap", None)
        if cap is not None and cap > r.out_of + 1e-9:
            self.error(
                f"{where} 的上限 cap = {_g(cap)} 超过{what}的满分 {_g(r.out_of)} 分",
                f"请按原文核对：最高分应不超过 {_g(r.out_of)}（cap = {_g(r.out_of)}）",
                "points_exceed",
                ind_id,
            )
            return
        parts = _parts_top(r)
        limit = min(cap, r.out_of) if cap is not None else r.out_of
        if parts is None or parts <= limit + 1e-9 or _states_cap(text, limit):
            return
        said = (
            f"所写上限 cap = {_g(cap)} 分" if cap is not None else f"{what}的满分 {_g(r.out_of)} 分"
        )
        self.warn(
            f"{where} 的各项分值合计最高 {_g(parts)} 分，超过{said}，计分时按 {_g(limit)} 分封顶；"
            f"而评价内容原文中没有写明“最高{_g(limit)}分”",
            f"请对照原文核对各项分值；如原文确有此上限，请把“最高{_g(limit)}分”照录进 description"
            "（写明后不再提示），否则请改正分值",
            "points_capped",
            ind_id,
        )

    def _grade_gaps(self, r, where: str, ind_id) -> None:
        """Grades whose ranges leave whole points out: a score there takes the grade below."""
        spans = sorted((low, high, name) for name, low, high, _ in r.scale())
        if spans and spans[0][0] > 1e-9:
            low, _, name = spans[0]
            self.error(
                f"{where} 的最低等级“{name}”从 {_g(low)} 分起，低于 {_g(low)} 分的评分不属于任何等级",
                f"请对照原文核对“{name}”的分数区间（通常从 0 分起，min = 0）",
                "grade_gap",
                ind_id,
            )
        for (lo_a, hi_a, a), (lo_b, _, b) in itertools.pairwise(spans):
            inside = [n for n in range(math.floor(hi_a) + 1, math.ceil(lo_b)) if hi_a < n < lo_b]
            if not inside:
                continue
            shown = "、".join(_g(n) for n in inside[:3]) + ("等" if len(inside) > 3 else "")
            self.error(
                f"{where} 的等级“{a}”（{_g(lo_a)}–{_g(hi_a)}分）与“{b}”（{_g(lo_b)}分起）之间有空档："
                f"专家评 {shown} 分时不属于任何等级，将按“{a}”计",
                f"请对照原文核对两档的分数区间（例如“{a}”是否应为 {_g(lo_a)}–{_g(lo_b - 1)} 分）",
                "grade_gap",
                ind_id,
            )

    def _unknown_items(self, name, ind_id, missing, items, part: str = "") -> None:
        for item in missing:
            self.error(
                f"{name}{part} 的计分规则引用了不存在的数据项 {item}",
                f"请检查拼写{_close(item, items)}；运行 iipeval items 可列出全部共享数据项"
                "（id、名称、类型、单位、填报口径），"
                "如确为新的数据项，请在 "
                f"{self.file} 中用 [[items]] 定义它（id、label、type、unit）",
                "unknown_item",
                ind_id,
            )

    # the set as a whole ---------------------------------------------------------------------

    def _structure(self, data: Mapping[str, Any], items: set[str], inherited: bool) -> None:
        """The set as a whole, once each part was checked alone: unique ids, weights that add
        up at every level, and every reference to an item, a node or a sub-type."""
        dims = [d for d in data.get("dimensions", []) if isinstance(d, Mapping)]
        self._ids(dims)
        self._dimension_total(data, dims, inherited)
        self._children_sums(dims, inherited)
        self._adjustments(data, items)
        self._checks(data.get("checks", []), items)
        self._exclusions(data.get("exclusions", []), items)
        self._general_items(data, items)
        known = _node_ids(dims)
        self._tie_break(data, known)
        self._subtypes(data, known)
        if not inherited and not _text(data.get("intro")):
            self.warn(
                "没有总体要求原文（intro）",
                "如申报文件有总体要求或总体说明，请照录到 intro，申报表首页会印出",
                "verbatim",
            )

    def _where_to_fix(self, tables: str, key: str, inherited: bool) -> str:
        """Where to change a weight or points: in the tables the author wrote them, or, for
        a set that extends another, in its [weights]."""
        if inherited:
            return "请在 [weights] 中调整（只写要改的 id = 新权重）"
        return f"请修改 {self.file} 中各 {tables} 的 {key}"

    def _dimension_total(
        self, data: Mapping[str, Any], dims: list[Mapping[str, Any]], inherited: bool
    ) -> None:
        """The dimensions' weights add up to the set's total (100 unless it says otherwise)."""
        total = data.get("total_weight", 100)
        dim_w = [(d.get("id"), d.get("name"), d.get("weight")) for d in dims]
        if not (_is_number(total) and all(_is_number(w) for _, _, w in dim_w)):
            return  # a weight that is not a number is reported where it is written
        s = sum(w for _, _, w in dim_w)
        if not math.isclose(s, total, abs_tol=1e-6):
            parts = "、".join(f"{i} {n} {_g(w)}" for i, n, w in dim_w)
            points = any(d.get("points") is not None for d in dims)
            word, key = ("分值", "points") if points else ("权重", "weight")
            fix = self._where_to_fix("[[dimensions]]", key, inherited)
            self.error(
                f"各维度{word}合计为 {_g(s)}（{parts}），应为总分 {_g(total)}，{_off(s, total)}",
                f"{fix}，使各维度{word}合计为 {_g(total)}（或改顶层的 total_weight）",
                "weights",
            )

    def _children_sums(self, dims: list[Mapping[str, Any]], inherited: bool) -> None:
        """Under every dimension and group, the weights (or points) add up to its own; the
        message speaks of what the author wrote (points or weight) and where."""
        for node, what, table in _weighted_nodes(dims):
            kids = [
                *((g, f"{table}.groups") for g in node.get("groups", []) or []),
                *((i, f"{table}.indicators") for i in node.get("indicators", []) or []),
            ]
            kids = [(k, t) for k, t in kids if isinstance(k, Mapping)]
            ws = [(k.get("id"), k.get("name"), _w(k)) for k, _ in kids]
            dw = _w(node)
            if not _is_number(dw) or not all(_is_number(w) for _, _, w in ws) or not ws:
                continue
            s = sum(w for _, _, w in ws)
            if math.isclose(s, dw, abs_tol=1e-6):
                continue
            parts = "、".join(f"{i} {n} {_g(w)}" for i, n, w in ws)
            points = node.get("points") is not None or any(
                k.get("points") is not None for k, _ in kids
            )
            word, key = ("分值", "points") if points else ("权重", "weight")
            where = "、".join(f"[[{t}]]" for t in dict.fromkeys(t for _, t in kids))
            fix = self._where_to_fix(where, key, inherited)
            self.error(
                f"{what} {node.get('id')}（{node.get('name')}）下各项{word}合计为 {_g(s)}"
                f"（{parts}），应等于该{what}的{word} {_g(dw)}，{_off(s, dw)}",
                f"{fix}，使其合计等于{what}的{word}（或改{what}的 {key}）",
                "weights",
            )

    def _general_items(self, data: Mapping[str, Any], items: set[str]) -> None:
        """general_items (read by 否决项 and checks, not by a rule) must exist."""
        for name in data.get("general_items", []) or []:
            if name not in items:
                self.error(
                    f"general_items 列出了不存在的数据项 {name}",
                    f"请检查拼写{_close(name, items)}，或在 [[items]] 中定义它",
                    "unknown_item",
                )

    def _tie_break(self, data: Mapping[str, Any], known: set[Any]) -> None:
        """The tie-break order names existing nodes: a typo would silently change a rank."""
        for t in data.get("tie_break", []) or []:
            if t not in known:
                self.error(
                    f"tie_break 列出了不存在的维度或指标 {t}",
                    f"请检查拼写{_close(t, {k for k in known if k})}",
                    "bad_id",
                )

    def _subtypes(self, data: Mapping[str, Any], known: set[Any]) -> None:
        """Each sub-type (行业级/区域级) has known settings and adjusts existing weights."""
        for st in data.get("subtypes", []) or []:
            if not isinstance(st, Mapping):
                continue
            for key in st:
                if key not in _fields(Subtype):
                    self.error(
                        f"申报类型 {st.get('id')} 中有无法识别的设置 {key}",
                        f"可用的设置：{'、'.join(sorted(_fields(Subtype)))}",
                        "unknown_field",
                    )
            for key in st.get("weights", {}) or {}:
                if key not in known:
                    self.error(
                        f"申报类型 {st.get('id')} 调整了不存在的权重 {key}",
                        f"请检查拼写{_close(key, {k for k in known if k})}",
                        "bad_id",
                    )

    def _ids(self, dims: list[Mapping[str, Any]]) -> None:
        ids = []
        for d in dims:
            ids.append(d.get("id"))
            ids += [g.get("id") for g, _ in _groups(d, "") if isinstance(g, Mapping)]
            ids += [i.get("id") for i, _ in _indicators(d, "") if isinstance(i, Mapping)]
        ids = [i for i in ids if isinstance(i, str)]
        for dupe in sorted({i for i in ids if ids.count(i) > 1}):
            self.error(
                f"维度/指标 id {dupe} 用了 {ids.count(dupe)} 次",
                "每个维度和指标的 id 必须各不相同，请给其中一个换一个 id",
                "duplicate_id",
                dupe,
            )
        for i in ids:
            if keyword.iskeyword(i):
                self.warn(f"id {i} 是 Python 关键字", "可以使用，但换一个 id 更稳妥", "bad_id", i)

    def _checks(self, checks: Any, items: set[str]) -> None:
        for c in checks if isinstance(checks, list) else []:
            if not isinstance(c, Mapping):
                continue
            where = f"一致性校验 {c.get('id')}"
            for key in c:
                if key not in _fields(Check):
                    self.error(
                        f"{where} 中有无法识别的设置 {key}{_close(key, _fields(Check))}",
                        f"可用的设置：{'、'.join(sorted(_fields(Check)))}",
                        "unknown_field",
                    )
            right = c.get("right")
            sides = [c.get("left"), *(right if isinstance(right, list) else [right])]
            for side in sides:
                if side not in items:
                    self.error(
                        f"{where} 引用了不存在的数据项 {side}",
                        f"请检查拼写{_close(side, items)}",
                        "unknown_item",
                    )
            if not _text(c.get("message")):
                self.error(
                    f"{where} 缺少提示文字 message",
                    '请写 message = "……"，说明什么样的数据才一致（申报单位会看到）',
                    "missing_field",
                )

    def _exclusions(self, exclusions: Any, items: set[str]) -> None:
        for e in exclusions if isinstance(exclusions, list) else []:
            if not isinstance(e, Mapping):
                continue
            where = f"否决项 {e.get('id')}"
            if _text(e.get("name")):
                where += f"（{e['name']}）"
            else:
                self.error(f"{where} 缺少名称 name", '请写 name = "……"', "missing_field")
            for key in e:
                if key not in _fields(Exclusion):
                    self.error(
                        f"{where} 中有无法识别的设置 {key}{_close(key, _fields(Exclusion))}",
                        f"可用的设置：{'、'.join(sorted(_fields(Exclusion)))}",
                        "unknown_field",
                    )
            has_item = e.get("item") is not None
            has_region = e.get("credit_code_region") is not None
            if has_item == has_region:
                self.error(
                    f"{where} 须且只须写 item 或 credit_code_region 之一",
                    'item = "数据项 id" 表示该项为“是”时否决；credit_code_region = "43" 表示'
                    "统一社会信用代码第3-8位不以该行政区划码开头时否决",
                    "exclusion",
                )
            elif has_item and e["item"] not in items:
                self.error(
                    f"{where} 引用了不存在的数据项 {e['item']}",
                    f"请检查拼写{_close(e['item'], items)}",
                    "unknown_item",
                )
            elif has_region and not re.fullmatch(r"\d{2,6}", str(e["credit_code_region"])):
                self.error(
                    f"{where} 的 credit_code_region = {e['credit_code_region']!r} 不对",
                    '请写2至6位行政区划码并加引号，如 credit_code_region = "4301"（长沙市）',
                    "exclusion",
                )
            if not _text(e.get("rationale")):
                self.error(
                    f"{where} 缺少 rationale（否决理由）",
                    "请写明依据（如申报通知第几条），否决项会写进评分结果",
                    "rationale",
                )

    def _placeholders(self, data: Mapping[str, Any]) -> None:
        keys = [path for path, value in _strings(data) if PLACEHOLDER in value]
        if keys:
            shown = "、".join(keys[:6]) + ("等" if len(keys) > 6 else "")
            self.warn(
                f"还有 {len(keys)} 处{PLACEHOLDER}占位文字（{shown}）",
                f"请照申报文件原文替换后删去“{PLACEHOLDER}”",
                "placeholder",
            )


def _parts_top(rule) -> float | None:
    """What a rule's parts add up to before any cap: a checklist's item points, a sum's
    components; ``None`` for rules without parts to add."""
    if rule.type == "checklist":
        return float(sum(rule.item_points.values()))
    if rule.type == "sum":
        return float(sum(c.out_of or 0.0 for c in rule.components))
    return None


#: How a document states a cap: 最高10分, 最多扣10分, 累计不超过10分, 封顶10分, 上限为10分.
CAP_WORDS = ("最高", "最多", "至多", "封顶", "上限", "上限为", "不超过", "不得超过")


def _states_cap(text: str, cap: float) -> bool:
    """The verbatim 评价内容 says the cap (``最高9分``), so a rule cut to it is intended."""
    number = re.escape(_g(cap))
    words = "|".join(CAP_WORDS)
    return re.search(rf"(?:{words})[^，。；;]{{0,6}}?(?<![\d.]){number}分", text) is not None


def _items_read(rule: Mapping[str, Any]) -> list[str]:
    """The data items a rule written as data names (``items``, ``item``, ``numerator``…)."""
    used: list[str] = []
    for key in ITEM_KEYS:
        value = rule.get(key)
        if isinstance(value, str):
            used.append(value)
        elif isinstance(value, list):
            used += [v for v in value if isinstance(v, str)]
    return list(dict.fromkeys(used))


def _w(node: Mapping[str, Any]) -> Any:
    return node.get("weight", node.get("points"))


def _groups(node: Mapping[str, Any], table: str) -> Iterator[tuple[Any, str]]:
    """Every group (方面) under a dimension or group, depth first, with its table name."""
    for g in node.get("groups", []) or []:
        yield g, f"{table}.groups"
        if isinstance(g, Mapping):
            yield from _groups(g, f"{table}.groups")


def _indicators(node: Mapping[str, Any], table: str) -> Iterator[tuple[Any, str]]:
    """Every indicator under a dimension, those inside its groups too."""
    for ind in node.get("indicators", []) or []:
        yield ind, f"{table}.indicators"
    for g in node.get("groups", []) or []:
        if isinstance(g, Mapping):
            yield from _indicators(g, f"{table}.groups")


def _node_ids(dims: list[Mapping[str, Any]]) -> set[Any]:
    """Ids of every dimension, group and indicator as written (``None`` where one is missing)."""
    known = {d.get("id") for d in dims}
    known |= {g.get("id") for d in dims for g, _ in _groups(d, "")}
    known |= {i.get("id") for d in dims for i, _ in _indicators(d, "")}
    return known


def _weighted_nodes(
    dims: list[Mapping[str, Any]],
) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """Every dimension and group with its Chinese word and the table it is written in."""
    for d in dims:
        yield d, "维度", "dimensions"
        for g, table in _groups(d, "dimensions"):
            if isinstance(g, Mapping):
                yield g, "方面", table


def _off(actual: float, wanted: float) -> str:
    diff = round(abs(actual - wanted), 6)
    return f"多了 {_g(diff)} 分" if actual > wanted else f"少了 {_g(diff)} 分"


def _tidy(message: str) -> str:
    """No space between a closing full-width bracket and the Chinese that follows it."""
    return re.sub(r"） (?=[^\x00-\x7f])", "）", message)


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            label = v.get("id") if isinstance(v, Mapping) and isinstance(v.get("id"), str) else n
            yield from _strings(v, f"{path}[{label}]")
