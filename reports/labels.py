"""Chinese labels shared by the batch outputs, and the names a Batch does not carry.

A :class:`~iipeval.core.batch.Batch` names a sub-type by its id (``regional``), not by
its Chinese name (区域级). Until results carry the name, it is looked up in the installed
criteria sets; a set that is not installed (a test host) falls back to the id.
"""

from __future__ import annotations

from functools import cache

from iipeval.core.explain import STATUS_LABELS
from iipeval.core.findings import SEVERITY_LABELS

__all__ = [
    "METHOD_LABELS",
    "PARAM_LABELS",
    "RULE_LABELS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "WEIGHTS_NOTE",
    "method_label",
    "set_label",
    "subtype_name",
]

METHOD_LABELS = {"mean": "平均", "trimmed_mean": "去掉最高最低后平均"}

RULE_LABELS = {
    "log_scale": "对数刻度",
    "bands": "分档",
    "coverage": "类型覆盖",
    "flag": "是否具备",
    "ratio": "比例",
    "expert": "专家评分",
    "weighted": "加权合成",
}

PARAM_LABELS = {
    "weight": "组成权重（%）",
    "floor": "起评线",
    "benchmark": "标杆值",
    "item_weights": "数据项权重",
    "bands": "分档（门槛, 得分）",
    "scores": "覆盖0…n类的得分",
    "yes": "具备得分",
    "no": "不具备得分",
    "target": "目标比例（%）",
    "method": "专家分汇总方式",
    "trim_min_experts": "去掉最高最低分的最少专家人数",
    "disagreement_spread": "需复议的专家分极差阈值（分）",
    "min_experts": "最少专家人数",
    "grade_scores": "等级折算分",
    "quota": "推荐名额",
    "min_total": "推荐最低总分",
}

WEIGHTS_NOTE = (
    "权重、标杆值与计分规则均为 iipeval 提出的建议值，原文件未公布；"
    "组织方可通过参数文件调整，所用参数及其哈希记录于本表和每份结果。"
)


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


@cache
def _installed() -> dict[str, object]:
    try:
        from iipeval.core.host import Host

        return {k: rf.framework for k, rf in Host().frameworks.items()}
    except Exception:  # a broken installation must not stop the results being written
        return {}


def subtype_name(framework: str, subtype: str | None) -> str | None:
    """The Chinese name of a sub-type (区域级), else its id; ``None`` stays ``None``."""
    if subtype is None:
        return None
    fw = _installed().get(framework)
    st = fw.subtype(subtype) if fw is not None else None
    return st.name if st is not None else subtype


def short_name(framework: str, fallback: str) -> str:
    fw = _installed().get(framework)
    return (getattr(fw, "short_name", "") or fallback) if fw is not None else fallback


def set_label(framework_name: str, framework: str, subtype: str | None) -> str:
    """``湖南省省级特色型工业互联网平台（区域级）``: a criteria set and sub-type for people."""
    st = subtype_name(framework, subtype)
    return f"{framework_name}（{st}）" if st else framework_name
