"""``iipeval plugin new``: a standalone plugin package, ready to install and to pass the kit.

The new folder holds a pyproject with the ``iipeval`` entry point, the plugin module with
its ``criteria.toml`` (a starter set, or one that ``extends`` an existing set without
copying its text), an example application with its golden results, conformance tests
and a README in Chinese. Nothing in iipeval itself is touched.
"""

from __future__ import annotations

import datetime
import json
import keyword
import re
import shutil
import string
import tempfile
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from iipeval.core.api import Evaluator
from iipeval.core.hookspecs import hookimpl
from iipeval.core.host import Host
from iipeval.core.model.criteria import Framework
from iipeval.core.model.loading import read_framework_toml
from iipeval.testing import sample
from iipeval.testing.kit import installed_plugins
from iipeval.testing.runtime import GOLDEN, REVIEWS, score_examples

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_NAME = 40


class ScaffoldError(ValueError):
    """A name, folder or parent that cannot be used; the message says why, in Chinese."""


def _template(name: str) -> string.Template:
    return string.Template(files(__package__).joinpath(f"scaffold_{name}.tmpl").read_text("utf-8"))


def check_name(name: str) -> None:
    rule = "插件名称只能使用小写英文字母、数字和下划线，以字母开头，例如 hunan_changsha"
    if not name:
        raise ScaffoldError(f"请给出插件名称。{rule}")
    if not name.isascii():
        raise ScaffoldError(
            f"插件名称 {name!r} 含有中文或其他非英文字符。{rule}（中文名称写在 criteria.toml 的 name 中）"
        )
    if not NAME_PATTERN.fullmatch(name):
        reasons = []
        if any(c.isupper() for c in name):
            reasons.append("含有大写字母")
        bad = "".join(dict.fromkeys(c for c in name if not (c.isalnum() or c == "_")))
        if bad:
            reasons.append(f"含有不允许的字符 {bad!r}")
        if not name[0].isalpha():
            reasons.append("没有以字母开头")
        suggestion = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
        ok = NAME_PATTERN.fullmatch(suggestion)
        hint = f"，可改为 {suggestion}" if ok else ""
        raise ScaffoldError(f"插件名称 {name!r} {'、'.join(reasons)}{hint}。{rule}")
    if len(name) > MAX_NAME:
        raise ScaffoldError(
            f"插件名称 {name!r} 过长（{len(name)} 个字符），请不超过 {MAX_NAME} 个字符"
        )
    if keyword.iskeyword(name):
        raise ScaffoldError(f"插件名称 {name!r} 是 Python 保留字，请换一个，例如 {name}_plugin")


def _dist(name: str) -> str:
    return "iipeval-" + name.replace("_", "-")


def _module(name: str) -> str:
    return f"iipeval_{name}"


def default_folder(name: str) -> Path:
    return Path(_dist(name))


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _structure(fw: Framework) -> str:
    lines = []
    for d in fw.dimensions:
        lines.append(f"#   维度 {d.id}　{d.name}　{d.weight:g}")
        for i in d.indicators:
            lines.append(f"#       指标 {i.id}　{i.name}　{i.weight:g}（{i.kind}）")
    if fw.exclusions:
        lines.append("#   否决项：" + "、".join(f"{e.id}（{e.name}）" for e in fw.exclusions))
    if fw.checks:
        lines.append("#   一致性校验：" + "、".join(c.id for c in fw.checks))
    return "\n".join(lines)


def _weights_example(fw: Framework) -> tuple[str, str]:
    dim = next((d for d in fw.dimensions if len(d.indicators) >= 2), None)
    if dim is None:
        return "# （父体系没有含两个以上指标的维度）", "0"
    a, b = dim.indicators[0], dim.indicators[1]
    delta = 1 if a.weight > 1 else a.weight / 2
    lines = [
        f"# {a.id} = {a.weight - delta:g}    # 原为 {a.weight:g}",
        f"# {b.id} = {b.weight + delta:g}    # 原为 {b.weight:g}",
    ]
    return "\n".join(lines), f"{delta:g}"


def _parent_dist(ev: Evaluator, parent: str) -> str | None:
    plugin = ev.framework(parent).plugin
    ep = installed_plugins().get(plugin)
    dist = ep.dist.name if ep is not None and ep.dist is not None else None
    return None if dist in (None, "iipeval") else dist


def render(
    name: str, parent: str | None = None, ev: Evaluator | None = None, *, points: bool = False
) -> dict[str, str]:
    """The new plugin's files (path → text), examples and golden results not yet included;
    ``points``: a points table (评分细则) instead of a set written in weights."""
    ev = ev or Evaluator()
    year = datetime.date.today().year
    module = _module(name)
    deps = ['"iipeval"']
    if points:
        criteria = _template("points.toml").substitute(name=name, year=year)
        title = f"{name} 评分细则"
        what = "一张按分值写的评分表（评分细则）"
        from_option = " --points"
    elif parent:
        fw = ev.framework(parent).framework
        extra = _parent_dist(ev, parent)
        if extra:
            deps.append(_toml_str(extra))
        weights, delta = _weights_example(fw)
        last = fw.dimensions[0].indicators[-1].id
        criteria = _template("extends.toml").substitute(
            name=name,
            parent=parent,
            parent_name=fw.name,
            year=year,
            structure=_structure(fw),
            weights_example=weights,
            delta=delta,
            drop=last,
            dimension=fw.dimensions[0].id,
        )
        title = f"继承 {fw.name} 的评价体系"
        what = f"一个继承 {parent}（{fw.name}）的评价体系"
        from_option = f" --from {parent}"
    else:
        criteria = _template("criteria.toml").substitute(name=name, year=year)
        title = f"{name} 评价体系"
        what = "一个评价体系（criteria set）"
        from_option = ""
    common = {"name": name, "module": module, "title": title, "dist": _dist(name)}
    return {
        "pyproject.toml": _template("pyproject.toml").substitute(
            common, dependencies=", ".join(deps)
        ),
        "README.md": _template("readme.md").substitute(common, what=what, from_option=from_option),
        ".gitignore": _template("gitignore").template,
        f"{module}/__init__.py": _template("init.py").substitute(common),
        f"{module}/criteria.toml": criteria,
        "tests/test_conformance.py": _template("test.py").substitute(common),
    }


def _build(name: str, criteria: Path) -> tuple[Evaluator, Framework]:
    """Load the new set exactly as the host will once the package is installed."""

    def register_frameworks(register):
        register(criteria)

    draft = SimpleNamespace(register_frameworks=hookimpl(register_frameworks))
    host = Host(env={}, plugins=[(name, draft)])
    mine = [str(p) for p in host.problems if p.plugin == name]
    if mine or name not in host.frameworks:
        raise ScaffoldError(f"生成的评价体系无法加载（iipeval 的缺陷，请报告）：{'；'.join(mine)}")
    return Evaluator(host), host.frameworks[name].framework


def create(
    name: str,
    folder: str | Path | None = None,
    *,
    parent: str | None = None,
    ev: Evaluator | None = None,
    points: bool = False,
) -> Path:
    """Write the new plugin package into ``folder`` (default ``./iipeval-<name>``);
    ``points``: start from a points table (评分细则) rather than weights.

    Refuses an existing folder, a bad name, a name already installed and an unknown
    parent, all with a Chinese message; nothing is written unless everything succeeds.
    """
    check_name(name)
    if points and parent is not None:
        raise ScaffoldError(
            "--points 与 --from 不能同时使用：--from 继承已有体系（沿用其写法），"
            "--points 从一张按分值写的评分表起步；请只选其一"
        )
    target = Path(folder) if folder is not None else default_folder(name)
    if target.exists():
        raise ScaffoldError(
            f"文件夹 {target} 已存在。为避免覆盖其中的文件，没有做任何改动；"
            "请换一个插件名称，或用 -o 指定一个新的文件夹"
        )
    ev = ev or Evaluator(Host(env={}))
    if name in installed_plugins():
        raise ScaffoldError(f"已经安装了名为 {name} 的插件，请换一个名称")
    if name in ev.host.frameworks:
        raise ScaffoldError(
            f"已有 id 为 {name} 的评价体系（插件 {ev.framework(name).plugin}），请换一个名称"
        )
    if parent is not None and parent not in ev.host.frameworks:
        known = "、".join(ev.host.frameworks) or "（无）"
        raise ScaffoldError(f"--from 指定的评价体系 {parent!r} 未加载；已加载的评价体系：{known}")
    texts = render(name, parent, ev, points=points)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _write_package(staging, name, texts)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _write_package(staging: Path, name: str, texts: dict[str, str]) -> None:
    """The files, then the example application, its experts' scores and its golden results,
    scored by the new set exactly as the host will load it."""
    module = _module(name)
    for rel, text in texts.items():
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    criteria = staging / module / "criteria.toml"
    read_framework_toml(criteria)  # a template slip shows here, not after install
    draft_ev, fw = _build(name, criteria)
    examples = staging / module / "examples"
    examples.mkdir()
    (examples / "example.json").write_text(_dumps(_example(fw)), encoding="utf-8")
    (examples / REVIEWS).mkdir()
    (examples / REVIEWS / "experts.json").write_text(
        _dumps(sample.reviews_json(fw)), encoding="utf-8"
    )
    golden = score_examples(draft_ev, examples)
    (examples / GOLDEN).write_text(_dumps(golden, sort_keys=True), encoding="utf-8")


def _example(fw: Framework) -> dict[str, Any]:
    sub = sample.submission_json(fw, fw.subtypes[0].id if fw.subtypes else None)
    sub["application"]["note"] = (
        "虚构示例：单位、代码和全部数据均为编造，仅用于演示和测试评分流程。"
    )
    return sub


def _dumps(data: Mapping[str, Any], sort_keys: bool = False) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=sort_keys) + "\n"


#: The complete example plugins shipped with iipeval (``testing/examples/``): what each is.
EXAMPLES = {
    "points_demo": "按分值写的评分细则：三级、分档、按件计分、专家等级、加分项、扣分项、一票否决，"
    "附三家手算得分的示例申报",
    "hunan_changsha": "按权重写、继承湖南省综合型：只改两项权重，新增一个指标和一个按注册地的否决项",
}


def example_folder(name: str) -> Path:
    """Where an example plugin lies inside the installed iipeval (read it there, or copy it)."""
    return Path(str(files(__package__).joinpath("examples", name)))


def builtin_sets() -> list[Path]:
    """The built-in criteria sets' ``criteria.toml`` files: complete sets written in weights."""
    root = files("iipeval.plugins")
    return sorted(
        Path(str(d.joinpath("criteria.toml")))
        for d in root.iterdir()
        if d.is_dir() and d.joinpath("criteria.toml").is_file()
    )


def copy_example(name: str, folder: str | Path | None = None) -> Path:
    """Copy example plugin ``name`` into ``folder`` (default ``./iipeval-<name>``), whole or
    not at all; an existing folder is refused and left untouched."""
    if name not in EXAMPLES:
        raise ScaffoldError(f"没有名为 {name!r} 的示例插件；可选：{'、'.join(EXAMPLES)}")
    target = Path(folder) if folder is not None else default_folder(name)
    if target.exists():
        raise ScaffoldError(
            f"文件夹 {target} 已存在。为避免覆盖其中的文件，没有做任何改动；请用 -o 指定一个新的文件夹"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        shutil.copytree(
            example_folder(name),
            staging,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
        )
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
