"""Applications (申报) and expert reviews, as they arrive from JSON or a workbook reader."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from iipeval.core.rules import GRADES
from iipeval.core.text import invisible, visible


class NotApplicable(BaseModel):
    """An explicit 不适用 answer. Different from a missing answer and from zero."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    na: Literal[True] = True
    reason: str | None = Field(default=None, description="不适用的原因")


NA_FORM = '{"na": true, "reason": "不适用的原因"}'


def na_problem(value: dict) -> str | None:
    """Why a JSON object given as an answer is not a well-formed 不适用, if it is not.

    The model above also serves readers, which build 不适用 from a typed cell; an input file
    must say it in full, so ``{}`` or ``{"na": 1}`` is never taken for 不适用.
    """
    if set(value) - {"na", "reason"}:
        extra = "、".join(sorted(set(value) - {"na", "reason"}))
        return f"不适用只能写作 {NA_FORM}，不能有其他键（{extra}）"
    if value.get("na") is not True:
        return f'不适用须写作 {NA_FORM}（"na" 必须为 true）'
    reason = value.get("reason")
    if not isinstance(reason, str) or not visible(reason):
        return f"不适用须写明原因：{NA_FORM}"
    return None


def _named(name: str) -> str:
    if not visible(name):
        raise ValueError(invisible("申报单位名称"))
    return name


#: A raw answer: a number, a yes/no, text, or 不适用. ``null`` / absent means missing.
#: Type and bounds are checked against the criteria set by validation, which reports
#: findings instead of rejecting the whole application.
ItemValue = StrictBool | StrictInt | StrictFloat | StrictStr | NotApplicable


class Applicant(BaseModel):
    """申报单位 information."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(_named)] = Field(description="申报单位名称")
    platform_name: str | None = Field(default=None, description="平台名称")
    credit_code: str | None = Field(default=None, description="统一社会信用代码（18位）")
    region: str | None = Field(default=None, description="所在地区")
    contact: str | None = None
    phone: str | None = None


class Application(BaseModel):
    """One application: who applies, for which set, and the figures they supply."""

    model_config = ConfigDict(extra="forbid")

    framework: str | None = Field(default=None, description="评价体系 id，如 national_2023")
    subtype: str | None = Field(default=None, description="子类型，如 特色型的 行业级/区域级")
    applicant: Applicant
    items: dict[str, ItemValue | None] = Field(default_factory=dict)
    evidence: dict[str, str] = Field(default_factory=dict, description="数据项 id → 佐证材料")
    fictional: bool = Field(default=False, description="示例数据标记")
    note: str | None = None


Score = Annotated[float, Field(ge=0, le=100)]
GradeName = Literal["优秀", "良好", "一般", "较差"]

assert tuple(GradeName.__args__) == GRADES  # one list of grades, two spellings
#: A grade of a set's own expert scale ("好", "较好"...): the part's rule checks the name.
OwnGrade = Annotated[str, Field(min_length=1, max_length=20)]


#: Who a 会议评审 summary's scores belong to: the panel as a whole, its agreed figure
#: (one per part per applicant, recorded by its secretary), never one expert among others.
SUMMARY_ID = "评审组合议"


class ExpertReview(BaseModel):
    """One expert's scores for one application: part id → 0-100 score or grade band."""

    model_config = ConfigDict(extra="forbid")

    expert: str = Field(min_length=1, description="专家姓名或编号")
    panel: str | None = Field(default=None, description="评审组编号")
    application: str | None = Field(default=None, description="申报单位或申报编号")
    scores: dict[str, Score | GradeName | OwnGrade | None] = Field(default_factory=dict)
    comments: dict[str, str] = Field(default_factory=dict)


class Submission(BaseModel):
    """An application file's content. It never carries expert scores: those come only from
    the panel's review forms (``iipeval score --reviews``), checked against its record."""

    model_config = ConfigDict(extra="forbid")

    application: Application


def application_schema(framework) -> dict:
    """JSON Schema of a submission for one criteria set, with its item ids spelled out."""
    schema = Submission.model_json_schema()
    app = schema["$defs"]["Application"]
    value_ref = app["properties"]["items"]["additionalProperties"]
    props = {}
    for item in framework.items:
        entry = {"title": item.label, **value_ref}
        desc = [item.help or ""]
        if item.unit:
            desc.append(f"单位：{item.unit}")
        entry["description"] = "；".join(d for d in desc if d)
        props[item.id] = entry
    app["properties"]["items"] = {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        "description": '数据项 id → 值；null 或缺省表示缺失，{"na": true} 表示不适用',
    }
    app["properties"]["framework"] = {"const": framework.id}
    if framework.subtypes:
        app["properties"]["subtype"] = {"enum": [s.id for s in framework.subtypes]}
    schema["title"] = f"{framework.name} 申报数据"
    return schema
