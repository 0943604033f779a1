"""Chinese labels shared by the batch outputs."""

from __future__ import annotations

from iipeval.core.explain import STATUS_LABELS
from iipeval.core.findings import SEVERITY_LABELS

__all__ = [
    "METHOD_LABELS",
    "PARAM_LABELS",
    "RULE_LABELS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "method_label",
    "set_label",
]

METHOD_LABELS = {
    "mean": "平均",
    "trimmed_mean": "去掉最高最低后平均",
    "median": "中位数",
    "consensus": "会议合议",
}

RULE_LABELS = {
    "log_scale": "对数刻度",
    "bands": "分档",
    "coverage": "类型覆盖",
    "flag": "是否具备",
    "ratio": "比例",
    "expert": "专家评分",
    "weighted": "加权合成",
    "per_unit": "按件计分",
    "checklist": "逐项计分",
    "sum": "分值相加",
}

PARAM_LABELS = {
    "weight": "组成权重（%）",
    "floor": "起评线",
    "benchmark": "标杆值",
    "item_weights": "数据项权重",
    "bands": "分档（门槛，得分）",
    "scores": "覆盖0…n类的得分",
    "yes": "具备得分",
    "no": "不具备得分",
    "target": "目标比例（%）",
    "per": "每多少个计一单位",
    "points": "每单位得分",
    "cap": "最高得分",
    "rounding": "单位取整方式",
    "item_points": "各项分值",
    "method": "汇总方式",
    "trim": "每端去掉的评分比例",
    "trim_min_experts": "去掉最高最低分的最少专家人数（旧规则）",
    "disagreement_spread": "需复议的极差阈值（分）",
    "min_experts": "最少专家人数",
    "grade_scores": "等级折算分",
    "quota": "推荐名额",
    "min_total": "推荐最低总分",
}


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def set_label(framework_name: str, subtype_name: str | None) -> str:
    """``湖南省省级特色型工业互联网平台（区域级）``: a criteria set and sub-type for people."""
    return f"{framework_name}（{subtype_name}）" if subtype_name else framework_name
