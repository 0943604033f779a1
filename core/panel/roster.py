"""The panel (评审组): who is on it, and which applications each expert must not score (回避).

Read from the organiser's panel file, which every kind of form (workbook, JSON, AHP
questionnaire) is issued from:

.. code-block:: toml

    id = "第一评审组"
    round = "2026年省级平台认定"   # optional: 评审轮次 (a new id is made when absent)
    framework = "national_2023"   # optional: only applications of this set
    [[experts]]
    id = "E01"
    name = "张三"
    conflicts = ["91430100MA4L7X2K5M"]   # application keys or applicant names
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from iipeval.core.errors import describe, read_toml
from iipeval.core.model.application import SUMMARY_ID


class PanelError(ValueError):
    """A panel file that cannot be used; the message names the file and the key."""


def plain_id(value: str) -> str:
    """An id that names an expert, panel or round: printable, and never formula-like, since
    ids travel into file names, workbooks and every result."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise ValueError("编号中有控制字符或不可见字符")
    if value[:1] in "=+-@":
        raise ValueError("编号不能以 =、+、-、@ 开头（表格软件会当作公式）")
    return value


class PanelExpert(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, AfterValidator(plain_id)] = Field(min_length=1, description="专家编号")
    name: str = Field(default="", description="专家姓名")
    conflicts: list[str] = Field(
        default_factory=list, description="回避的申报（统一社会信用代码或申报单位名称）"
    )

    @field_validator("conflicts")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        out = [v.strip() for v in value]
        if any(not v for v in out):
            raise ValueError("回避清单中有空白项")
        return out


class Panel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, AfterValidator(plain_id)] = Field(min_length=1, description="评审组编号")
    round: Annotated[str, AfterValidator(plain_id)] | None = Field(
        default=None, min_length=1, description="评审轮次"
    )
    framework: str | None = Field(default=None, description="只为该评价体系的申报生成评分表")
    experts: list[PanelExpert] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        if any(e.id == SUMMARY_ID for e in self.experts):
            raise ValueError(f"专家编号“{SUMMARY_ID}”留给会议评审汇总表，请给该专家换一个编号")
        ids = [e.id for e in self.experts]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"专家编号重复：{'、'.join(dupes)}")
        slugs: dict[str, str] = {}
        for e in self.experts:
            s = safe_name(e.id).lower()
            if s in slugs:
                raise ValueError(
                    f"专家编号“{slugs[s]}”与“{e.id}”生成的文件名相同，请改用可区分的编号"
                )
            slugs[s] = e.id
        return self


_MESSAGES = {
    "extra_forbidden": "无法识别的键（可用键：id、round、name、framework、experts、conflicts）"
}


def _where(loc: tuple) -> str:
    out = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            prev = loc[i - 1] if i else ""
            out.append(f"第{part + 1}{'位专家' if prev == 'experts' else '项'}")
        else:
            out.append(str(part))
    return (
        ".".join(out)
        .replace("experts.第", "第")
        .replace(".第", " 第")
        .replace("位专家.", "位专家的 ")
    )


def load_panel(path: str | Path) -> Panel:
    data = read_toml(path, "评审组文件", PanelError)
    try:
        return Panel.model_validate(data)
    except ValidationError as exc:
        raise PanelError(f"{path}: {describe(exc, _where, _MESSAGES)}") from None


def safe_name(text: str) -> str:
    """An ASCII file-name fragment; non-ASCII text keeps a short hash so names stay apart."""
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-")
    if slug == text:
        return slug
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
    return f"{slug}-{digest}" if slug else digest


def summary_expert() -> PanelExpert:
    """The panel as the one who fills in its 会议评审 summary: its agreed figures."""
    return PanelExpert(id=SUMMARY_ID, name="会议评审汇总表（秘书按合议结果填写）")


def file_name(panel: str, expert: str, framework: str | None = None) -> str:
    if expert == SUMMARY_ID:  # the panel's summary form, not an expert's
        parts = ["summary", safe_name(panel)] + ([safe_name(framework)] if framework else [])
        return "_".join(parts) + ".xlsx"
    parts = ["review", safe_name(panel), safe_name(expert)]
    if framework:
        parts.append(safe_name(framework))
    return "_".join(parts) + ".xlsx"
