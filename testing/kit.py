"""``check_plugin``: every conformance check on one installed plugin, problems in Chinese.

Order of the checks, each reported in full rather than stopping at the first:

1. the plugin can be found and imported (entry point in group ``iipeval``);
2. its hook functions are named and marked correctly (a misspelt hook makes the host
   refuse the whole plugin, so it never gets as far as having a criteria set);
3. every criteria set it hands to ``register_frameworks``, read as its author wrote it
   (:mod:`.lint`): ids, weights, rules, items, rubric, verbatim text, provenance;
4. whatever else the host reported about it (:class:`iipeval.core.host.PluginProblem`);
5. for every set the host accepted: template round trip, deterministic scoring,
   explanations (:mod:`.runtime`);
6. the examples it ships against its committed ``golden.json``.
"""

from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from iipeval.core import hookspecs
from iipeval.core.api import Evaluator
from iipeval.core.host import Host
from iipeval.core.model.criteria import Framework
from iipeval.core.model.loading import FrameworkDataError, read_framework_toml
from iipeval.core.model.vocabulary import vocabulary
from iipeval.testing.lint import Lint
from iipeval.testing.problems import Problem
from iipeval.testing.runtime import FrameworkChecks, check_golden, example_problems

GOLDEN_ENV = "IIPEVAL_UPDATE_GOLDEN"
HOOKS = tuple(
    sorted(
        n for n in dir(hookspecs) if n.startswith("register_") and callable(getattr(hookspecs, n))
    )
)
MARK = f"{hookspecs.PROJECT}_impl"
HOOK_HELP = (
    "可用的钩子：register_frameworks（注册评价体系）、register_validators（代码校验）、"
    "register_exclusions（代码否决项）、register_rule_types（新的计分规则类型）"
)


def installed_plugins() -> dict[str, Any]:
    """Entry points of group ``iipeval`` by name."""
    return {ep.name: ep for ep in entry_points(group=hookspecs.ENTRY_POINT_GROUP)}


def _update_wanted(update: bool | None) -> bool:
    if update is not None:
        return update
    return os.environ.get(GOLDEN_ENV, "").strip() not in ("", "0", "false", "no")


def _home(obj: Any) -> Path | None:
    """The folder a plugin's code lives in (its examples sit beside it)."""
    module = obj if inspect.ismodule(obj) else inspect.getmodule(obj)
    file = getattr(module, "__file__", None)
    return Path(file).parent if file else None


def _load(name: str) -> tuple[Any, list[Problem]]:
    eps = installed_plugins()
    ep = eps.get(name)
    if ep is None:
        others = "、".join(sorted(eps)) or "（无）"
        guess = difflib.get_close_matches(name, sorted(eps), n=1)
        hint = f"是否想检查 {guess[0]}？" if guess else ""
        return None, [
            Problem(
                name,
                f"没有找到名为 {name} 的插件（入口点组 iipeval）",
                f"{hint}请先在插件文件夹中运行 pip install -e . 安装它；已安装的插件：{others}",
                "not_installed",
            )
        ]
    try:
        return ep.load(), []
    except Exception as exc:
        return None, [
            Problem(
                name,
                f"插件代码无法导入（{ep.value}）：{exc!r}",
                "请核对 pyproject.toml 中 [project.entry-points.iipeval] 等号右边的模块名与插件文件夹名一致，"
                f'并检查 __init__.py 有无错误；在命令行运行 python -c "import {ep.value.split(":")[0]}" '
                "可看到完整的出错信息",
                "import",
            )
        ]


# hooks ---------------------------------------------------------------------------------------


def _hook_functions(obj: Any) -> dict[str, Any]:
    """Functions of the plugin that are, or look like they were meant to be, hooks."""
    out = {}
    for attr in dir(obj):
        if attr.startswith("__"):
            continue
        value = getattr(obj, attr, None)
        if not callable(value) or isinstance(value, type):
            continue
        if hasattr(value, MARK) or difflib.get_close_matches(attr, HOOKS, n=1, cutoff=0.75):
            out[attr] = value
    return out


def hook_problems(name: str, obj: Any) -> list[Problem]:
    problems = []
    for attr, fn in sorted(_hook_functions(obj).items()):
        marked = hasattr(fn, MARK)
        if attr not in HOOKS:
            guess = difflib.get_close_matches(attr, HOOKS, n=1, cutoff=0.5)
            meant = f"（是否想写 {guess[0]}？）" if guess else ""
            if not marked:
                continue  # an ordinary helper function that merely looks like a hook
            problems.append(
                Problem(
                    name,
                    f"函数 {attr} 不是 iipeval 可识别的钩子名称{meant}。因此整个插件都没有被加载，"
                    "它的评价体系不会出现在 iipeval frameworks 中",
                    f"请在插件的 __init__.py 中把函数名改为 {guess[0] if guess else '正确的钩子名称'}；"
                    f"{HOOK_HELP}",
                    "hook_name",
                )
            )
        elif not marked:
            problems.append(
                Problem(
                    name,
                    f"函数 {attr} 前缺少 @hookimpl 标记，iipeval 不会调用它",
                    f"请在 __init__.py 中 def {attr} 的上一行加上 @hookimpl"
                    "（并在文件开头写 from iipeval.plugin import hookimpl）",
                    "hook_mark",
                )
            )
    if not _hook_functions(obj):
        problems.append(
            Problem(
                name,
                "插件没有实现任何钩子，因此什么也没有注册",
                "请在 __init__.py 中实现 register_frameworks，在其中调用 "
                'register(Path(__file__).with_name("criteria.toml"))；' + HOOK_HELP,
                "no_hooks",
            )
        )
    return problems


def _frameworks_hook(obj: Any):
    """The function that registers the plugin's sets, even when its name is misspelt."""
    fn = getattr(obj, "register_frameworks", None)
    if callable(fn):
        return fn
    for attr, fn in _hook_functions(obj).items():
        guess = difflib.get_close_matches(attr, HOOKS, n=1, cutoff=0.5)
        if guess == ["register_frameworks"]:
            return fn
    return None


def contributions(name: str, obj: Any) -> tuple[list[tuple[Any, str]], list[Problem]]:
    """What the plugin registers: ``(data, file name)`` for each criteria set."""
    fn = _frameworks_hook(obj)
    if fn is None:
        return [], []
    captured: list[Any] = []
    try:
        fn(register=captured.append)
    except Exception as exc:
        return [], [
            Problem(
                name,
                f"register_frameworks 运行出错：{exc!r}",
                "请检查 __init__.py 中的 register_frameworks；criteria.toml 的路径通常写作 "
                'Path(__file__).with_name("criteria.toml")',
                "hook_error",
            )
        ]
    out: list[tuple[Any, str]] = []
    problems = []
    for item in captured:
        if isinstance(item, str | Path):
            try:
                out.append((read_framework_toml(item), Path(item).name))
            except FrameworkDataError as exc:
                problems.append(
                    Problem(
                        name,
                        str(exc),
                        "TOML 写法有误。常见原因：文字没有用英文双引号括起、用了中文引号“”、"
                        "同一个表写了两次、等号两边的键名有空格；请按提示的行号和列号修改",
                        "toml",
                    )
                )
        elif isinstance(item, Framework):
            out.append(
                (item.model_dump(mode="python", exclude={"items"}), "（代码中构造的评价体系）")
            )
        else:
            out.append((item, "criteria.toml"))
    return out, problems


# host-level problems -------------------------------------------------------------------------


def host_problems(name: str, host: Host, linted_failed: bool) -> list[Problem]:
    """The host's own report on this plugin, with a way forward for each."""
    out = []
    for p in host.problems:
        if p.plugin != name:
            continue
        msg = p.message
        if "实现了不存在的钩子" in msg:
            continue  # said in plain words by hook_problems
        if msg.startswith("评价体系无效") and linted_failed:
            continue  # the static checks already said what is wrong, item by item
        if msg.startswith("无法加载"):
            fix = "请核对 pyproject.toml 中入口点指向的模块名，并检查 __init__.py 有无错误"
        elif msg.startswith("评价体系无效"):
            fix = "请按提示修改 criteria.toml（方括号中是出错的位置）"
        elif "已由插件" in msg:
            fix = "每个评价体系的 id 必须全局唯一；请在 criteria.toml 中给本体系换一个 id"
        elif "继承的" in msg:
            fix = "请安装被继承的评价体系所在的插件，或把 extends 改为 iipeval frameworks 列出的某个 id"
        elif "出错" in msg:
            fix = "这是插件代码在注册时出错，请检查 __init__.py 中对应的函数"
        elif "不存在的数据项" in msg or "未注册的评价体系" in msg:
            fix = "请核对 register_validators / register_exclusions 中的评价体系 id 和 items= 所列数据项"
        else:
            fix = ""
        out.append(Problem(name, f"iipeval 加载插件时报告：{msg}", fix, "host"))
    return out


# the whole check ------------------------------------------------------------------------------


def check_plugin(
    name: str,
    *,
    plugin: Any = None,
    update_golden: bool | None = None,
    examples: str | Path | None = None,
) -> list[Problem]:
    """Run every conformance check on plugin ``name`` (its entry-point name).

    ``plugin`` checks an object that is not installed (tests); ``examples`` overrides the
    folder of example applications (default: ``examples/`` beside the plugin's code);
    ``update_golden`` rewrites ``examples/golden.json`` (default: environment variable
    ``IIPEVAL_UPDATE_GOLDEN``). Returns every problem found; errors fail, warnings do not.
    """
    if plugin is None:
        obj, problems = _load(name)
        if obj is None:
            return problems
        host = Host(env={})
    else:
        obj, problems = plugin, []
        host = Host(env={}, plugins=[(name, plugin)])
    problems += hook_problems(name, obj)
    found, read_problems = contributions(name, obj)
    problems += read_problems
    rule_types = host.rule_types
    frameworks = {k: rf.framework for k, rf in host.frameworks.items()}
    shared = set(vocabulary())
    failed_lint = bool(read_problems)
    for data, file in found:
        label = ""
        if len(found) > 1 and isinstance(data, Mapping):
            label = f"评价体系 {data.get('id')} 的"
        lint = Lint(
            name,
            rule_types=rule_types,
            vocabulary=shared,
            frameworks=frameworks,
            label=label,
            file=file,
        )
        found_here = lint.check_data(data)
        failed_lint |= any(p.is_error for p in found_here)
        problems += found_here
    problems += host_problems(name, host, failed_lint)
    mine = [rf for rf in host.frameworks.values() if rf.plugin == name]
    ev = Evaluator(host)
    for rf in mine:
        label = f"评价体系 {rf.framework.id} 的" if len(mine) > 1 else ""
        problems += FrameworkChecks(name, rf, ev, label).run()
    if mine or examples is not None:
        folder = Path(examples) if examples is not None else _example_folder(obj)
        problems += example_problems(name, ev, folder)
        problems += check_golden(name, ev, folder, update=_update_wanted(update_golden), name=name)
    return problems


def _example_folder(obj: Any) -> Path | None:
    home = _home(obj)
    return None if home is None else home / "examples"


def registered_frameworks(name: str, *, plugin: Any = None) -> list[str]:
    """Ids of the criteria sets the host accepted from plugin ``name``."""
    host = Host(env={}) if plugin is None else Host(env={}, plugins=[(name, plugin)])
    return [k for k, rf in host.frameworks.items() if rf.plugin == name]
