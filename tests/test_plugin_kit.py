"""The province plugin kit, tried as a new user would: scaffold, install, check, score.

Plugins are installed with pip into a temporary ``--target`` folder and used through the
CLI in a subprocess with ``PYTHONPATH`` pointing there, so the running environment keeps
exactly the four built-in sets. In-process tests load a copy of a plugin folder as a
module and hand it to the kit directly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from itertools import count
from pathlib import Path
from typing import ClassVar, Literal

import pytest
from support import FIXTURES, REPO, framework_plugin, mini_data, plugin
from workbook_helpers import application_json, figures, fill

from iipeval.core.api import Evaluator, load_json
from iipeval.core.host import Host
from iipeval.core.model.application import Application
from iipeval.core.rules import Rule
from iipeval.core.scoring.validation import credit_code_check_char
from iipeval.excel.review.reader import read_review_json
from iipeval.testing import (
    ConformanceError,
    assert_conformant,
    check_plugin,
    errors,
    installed_plugins,
    report,
)
from iipeval.testing.scaffold import ScaffoldError, create

BUILTIN = ["hunan_characteristic", "hunan_comprehensive", "hunan_professional", "national_2023"]
PROVINCE = REPO / "testing" / "examples" / "hunan_changsha"
BROKEN = FIXTURES / "broken_plugin"


# helpers ----------------------------------------------------------------------------------


def load_plugin(folder: Path, module: str):
    """Import a plugin package from a folder without installing it."""
    init = folder / module / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        f"_kit_test_{module}", init, submodule_search_locations=[str(init.parent)]
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def copy_plugin(src: Path, tmp_path: Path) -> Path:
    """A private copy, so nothing under the repository is ever written (no __pycache__)."""
    dst = tmp_path / src.name
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    return dst


def codes(problems) -> set[str]:
    return {p.code for p in errors(problems)}


def offline_build() -> bool:
    """Can pip build a wheel without fetching setuptools (needs bdist_wheel locally)?"""
    if importlib.util.find_spec("wheel") is not None:
        return True
    major, minor = (int(x) for x in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1)


def pip_install(site: Path, *folders: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    cmd += ["--disable-pip-version-check", "--target", str(site)]
    if offline_build():
        cmd += ["--no-build-isolation", "--no-index"]
    proc = subprocess.run([*cmd, *map(str, folders)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def run(args, *, site: Path | None, cwd: Path, timeout: int = 300):
    env = {k: v for k, v in os.environ.items() if k not in ("IIPEVAL_PLUGINS", "PYTHONPATH")}
    env.pop("IIPEVAL_UPDATE_GOLDEN", None)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def cli(*args, site: Path | None, cwd: Path):
    return run(["-m", "iipeval.cli", *args], site=site, cwd=cwd)


def repo_state() -> str:
    """What git sees under the repository, ignored files (build/, *.egg-info) included."""

    def git(*args):
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=REPO, check=True
        ).stdout

    top = set(git("ls-tree", "--name-only", "HEAD").split())
    lines = [
        line
        for line in git("status", "--porcelain", "--untracked-files=all", "--ignored").splitlines()
        if "__pycache__" not in line and ".pytest_cache" not in line
    ]
    # Other people may be editing (or building) other files while this runs: compare what
    # a plugin install or the scaffold could touch, and anything new and not ignored at
    # the top of the repository.
    watched = ("tests/fixtures/", "testing/", "plugins/", "pyproject.toml")
    return "\n".join(
        line
        for line in lines
        if line[3:].startswith(watched)
        or (not line.startswith("!!") and line[3:].split("/")[0] not in top)
    )


# the built-in sets ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_plugins_pass_the_kit(name):
    problems = check_plugin(name)
    assert errors(problems) == [], report(name, problems)


def test_running_environment_has_only_the_builtin_sets():
    assert sorted(installed_plugins()) == BUILTIN


def test_unknown_plugin_is_named_with_what_is_installed():
    [p] = check_plugin("hunan_comprehensiv")
    text = str(p)
    assert text.startswith("插件 hunan_comprehensiv：没有找到名为 hunan_comprehensiv 的插件")
    assert "是否想检查 hunan_comprehensive" in text and "pip install -e ." in text


# the broken plugin ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken_problems(tmp_path_factory):
    folder = copy_plugin(BROKEN, tmp_path_factory.mktemp("broken"))
    return check_plugin("broken_demo", plugin=load_plugin(folder, "iipeval_broken_demo"))


def test_broken_plugin_fails_with_every_mistake_named(broken_problems):
    errs = errors(broken_problems)
    assert codes(broken_problems) == {
        "hook_name",
        "provenance",
        "unknown_item",
        "no_rule",
        "rubric",
        "weights",
    }
    assert all(str(p).startswith("插件 broken_demo：") and p.fix for p in errs)
    by_code = {p.code: str(p) for p in errs}
    assert "函数 register_validator 不是 iipeval 可识别的钩子名称" in by_code["hook_name"]
    assert "把函数名改为 register_validators" in by_code["hook_name"]
    assert "指标 green（绿色制造成效）没有计分规则" in by_code["no_rule"]
    assert "[dimensions.indicators.rule]" in by_code["no_rule"]
    assert "devices_procesing" in by_code["unknown_item"]
    assert "是否想写 devices_processing" in by_code["unknown_item"]
    assert "指标 innovation（技术创新能力）" in by_code["rubric"]
    assert "[dimensions.indicators.rule.components.rubric]" in by_code["rubric"]
    assert "合计为 110" in by_code["weights"] and "多了 10 分" in by_code["weights"]
    assert "year" in by_code["provenance"]
    assert {p.indicator for p in errs} >= {"green", "devices", "innovation"}


def test_broken_plugin_is_refused_by_the_host_as_the_kit_says(tmp_path):
    mod = load_plugin(copy_plugin(BROKEN, tmp_path), "iipeval_broken_demo")
    host = Host(env={}, plugins=[("broken_demo", mod)])
    assert "broken_demo" not in host.frameworks
    assert any("register_validator" in str(p) for p in host.problems)


def test_assert_conformant_raises_the_numbered_list(tmp_path):
    mod = load_plugin(copy_plugin(BROKEN, tmp_path), "iipeval_broken_demo")
    with pytest.raises(ConformanceError) as info:
        assert_conformant("broken_demo", plugin=mod)
    text = str(info.value)
    assert "插件 broken_demo 未通过插件检查，有 6 个问题需要修改" in text
    assert "\n1. 插件 broken_demo：" in text and "\n6. 插件 broken_demo：" in text


# the province's plugin ------------------------------------------------------------------------


@pytest.fixture
def province(tmp_path):
    folder = copy_plugin(PROVINCE, tmp_path)
    return folder, load_plugin(folder, "iipeval_hunan_changsha")


def test_province_plugin_passes_the_kit(province):
    _, mod = province
    problems = assert_conformant("hunan_changsha", plugin=mod, update_golden=False)
    assert problems == []


def test_province_plugin_changes_only_what_it_says(province):
    _, mod = province
    host = Host(env={}, plugins=[("hunan_changsha", mod)])
    child = host.frameworks["hunan_changsha"]
    parent = host.frameworks["hunan_comprehensive"].framework
    assert child.parent == "hunan_comprehensive" and child.plugin == "hunan_changsha"
    ours = {i.id: i for _, i in child.framework.indicators()}
    theirs = {i.id: i for _, i in parent.indicators()}
    assert set(ours) - set(theirs) == {"green"}
    changed = {k for k in theirs if ours[k].weight != theirs[k].weight}
    assert changed == {"devices", "models"}
    assert all(ours[k].description == theirs[k].description for k in theirs)
    assert [e.id for e in child.framework.exclusions] == [
        *(e.id for e in parent.exclusions),
        "registered_outside_changsha",
    ]


def test_province_example_total_follows_from_the_parent(province):
    """Same figures under parent and child: only the re-weighted and new indicators move."""
    folder, mod = province
    ev = Evaluator(Host(env={}, plugins=[("hunan_changsha", mod)]))
    sub = load_json(folder / "iipeval_hunan_changsha" / "examples" / "changsha_example.json")
    reviews = read_review_json(
        folder / "iipeval_hunan_changsha" / "examples" / "reviews" / "experts.json"
    ).reviews
    child = ev.score(sub.submission.application, reviews)
    as_parent = sub.submission.application.model_copy(update={"framework": "hunan_comprehensive"})
    parent = ev.score(as_parent, reviews)
    s = {i.id: i.score for i in parent.indicators}
    green = next(i.score for i in child.indicators if i.id == "green")
    expected = parent.total + (-2 * s["devices"] - 2 * s["models"] + 4 * green) / 100
    assert child.total == pytest.approx(expected, abs=1e-9)
    golden = json.loads((folder / "iipeval_hunan_changsha/examples/golden.json").read_text())
    assert golden["changsha_example.json"]["total"] == pytest.approx(child.total, abs=1e-4)


def test_applicant_outside_changsha_is_excluded(province):
    _, mod = province
    ev = Evaluator(Host(env={}, plugins=[("hunan_changsha", mod)]))
    fw = ev.framework("hunan_changsha").framework
    app = Application.model_validate(application_json(fw, figures(fw)))
    first17 = "91430200MA4L16JQ9"  # registered in 株洲 (4302): in Hunan, not in Changsha
    app.applicant.credit_code = first17 + credit_code_check_char(first17)
    result = ev.score(app)
    assert [h.id for h in result.exclusions] == ["registered_outside_changsha"]


def test_golden_change_is_reported_then_rewritten_on_request(province, monkeypatch):
    folder, mod = province
    golden = folder / "iipeval_hunan_changsha" / "examples" / "golden.json"
    data = json.loads(golden.read_text("utf-8"))
    data["changsha_example.json"]["total"] = 50.0
    data["changsha_example.json"]["indicators"]["green"] = 1.0
    golden.write_text(json.dumps(data), encoding="utf-8")
    problems = check_plugin("hunan_changsha", plugin=mod, update_golden=False)
    [p] = errors(problems)
    assert p.code == "golden" and "changsha_example.json" in str(p)
    assert "记录为 50）" in str(p) and "green" in str(p) and "--update-golden" in str(p)
    monkeypatch.setenv("IIPEVAL_UPDATE_GOLDEN", "1")
    updated = check_plugin("hunan_changsha", plugin=mod)
    assert errors(updated) == [] and [p.code for p in updated] == ["golden_updated"]
    monkeypatch.delenv("IIPEVAL_UPDATE_GOLDEN")
    assert check_plugin("hunan_changsha", plugin=mod) == []
    assert json.loads(golden.read_text("utf-8")) == json.loads(
        (PROVINCE / "iipeval_hunan_changsha/examples/golden.json").read_text("utf-8")
    )


def test_missing_golden_file_is_a_warning(province):
    folder, mod = province
    (folder / "iipeval_hunan_changsha" / "examples" / "golden.json").unlink()
    problems = check_plugin("hunan_changsha", plugin=mod, update_golden=False)
    assert errors(problems) == [] and [p.code for p in problems] == ["golden"]


# static checks, one mistake at a time ----------------------------------------------------------


def _ind(d, dim, n):
    return d["dimensions"][dim]["indicators"][n]


def _set(path_fn, key, value):
    def change(d):
        path_fn(d)[key] = value

    return change


def _drop_grade(d):
    del _ind(d, 1, 0)["rule"]["components"][0]["rubric"]["较差"]


def _typo_field(d):
    ind = _ind(d, 0, 0)
    ind["descripton"] = ind.pop("description")


def _single_component(d):
    comps = _ind(d, 1, 0)["rule"]["components"]
    del comps[1]


MISTAKES = {
    "indicator weights": (
        _set(lambda d: _ind(d, 1, 0), "weight", 5),
        "weights",
        "应等于该维度的权重 40，少了 20 分",
    ),
    "unknown rule type": (
        _set(lambda d: _ind(d, 0, 0)["rule"], "type", "log_scal"),
        "rule_type",
        "是否想写 log_scale",
    ),
    "kind": (_set(lambda d: _ind(d, 0, 0), "kind", "定性"), "kind", "实际为“定量”"),
    "misspelt field": (_typo_field, "unknown_field", "是否想写 description"),
    "rubric grade": (_drop_grade, "rubric", "缺少 较差 档"),
    "duplicate id": (_set(lambda d: _ind(d, 0, 1), "id", "devices"), "duplicate_id", "用了 2 次"),
    "exclusion item": (
        _set(lambda d: d["exclusions"][0], "item", "major_safety_incidnt"),
        "unknown_item",
        "是否想写 major_safety_incident",
    ),
    "source document": (_set(lambda d: d["source"], "document", ""), "provenance", "文件名称"),
    "region code": (
        _set(lambda d: d["exclusions"][0], "credit_code_region", "Hunan"),
        "exclusion",
        "须且只须写 item 或 credit_code_region 之一",
    ),
    "bad id": (_set(lambda d: _ind(d, 0, 0), "id", "Devices-1"), "bad_id", "小写英文字母"),
    "rule parameter": (
        _set(lambda d: _ind(d, 0, 0)["rule"], "floor", -1),
        "rule",
        "计分规则参数有误",
    ),
    "one component": (_single_component, "rule", "至少要有两个组成部分"),
    "rule item in check": (
        _set(lambda d: d["checks"][0], "left", "developers_activ"),
        "unknown_item",
        "developers_active",
    ),
    "tie-break typo": (
        _set(lambda d: d, "tie_break", ["b", "aa"]),
        "bad_id",
        "tie_break 列出了不存在的维度或指标 aa",
    ),
    "sub-type weight typo": (
        _set(
            lambda d: d,
            "subtypes",
            [{"id": "industry", "name": "行业级", "weights": {"devics": 5}}],
        ),
        "bad_id",
        "申报类型 industry 调整了不存在的权重 devics",
    ),
    "general item typo": (
        _set(lambda d: d, "general_items", ["major_safety_incidnt"]),
        "unknown_item",
        "general_items 列出了不存在的数据项 major_safety_incidnt",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_is_caught_and_the_host_agrees(mistake):
    change, code, text = MISTAKES[mistake]
    data = mini_data()
    change(data)
    problems = check_plugin("p", plugin=framework_plugin(data))
    assert code in codes(problems), report("p", problems)
    assert any(text in str(p) for p in errors(problems)), report("p", problems)
    host = Host(entry_points=False, plugins=[("p", framework_plugin(data))])
    assert "mini" not in host.frameworks  # the kit never fails a set the host accepts


def test_extends_mistakes_are_caught():
    child = {
        "id": "child",
        "extends": "hunan_comprehensive",
        "name": "子体系",
        "version": "1",
        "source": {"document": "文件", "issuer": "发文单位", "year": 2025},
        "weights": {"devices": 20},
        "colour": "red",
    }
    problems = check_plugin("c", plugin=framework_plugin(child))
    assert "无法识别的设置 colour" in report("c", problems)
    del child["colour"]
    problems = check_plugin("c", plugin=framework_plugin(child))
    [p] = errors(problems)
    assert p.code == "weights" and "请在 [weights] 中调整" in str(p) and "多了 8 分" in str(p)
    child["extends"] = "ghost"
    assert "继承的评价体系 'ghost' 没有加载" in report(
        "c", check_plugin("c", plugin=framework_plugin(child))
    )


def test_hook_without_hookimpl_mark_is_named():
    from types import SimpleNamespace

    def register_frameworks(register):
        register(mini_data())

    problems = check_plugin(
        "unmarked", plugin=SimpleNamespace(register_frameworks=register_frameworks)
    )
    assert "hook_mark" in codes(problems)
    assert any("缺少 @hookimpl 标记" in str(p) for p in problems)


def test_toml_syntax_error_names_the_file(tmp_path):
    bad = tmp_path / "criteria.toml"
    bad.write_text('id = "x"\nname = 湖南\n', encoding="utf-8")
    problems = check_plugin("t", plugin=framework_plugin(bad))
    assert "toml" in codes(problems)
    assert any("criteria.toml" in str(p) and "英文双引号" in str(p) for p in problems)


# runtime checks ----------------------------------------------------------------------------------


class Silent(Rule):
    """A plugin rule type that forgets to explain itself."""

    type: Literal["silent"] = "silent"
    item: str
    type_name: ClassVar[str] = "silent"

    def item_ids(self):
        return [self.item]

    def evaluate(self, ctx, path=""):
        return self._explain(path, 50.0, "scored", "")


_calls = count()


class Drifting(Silent):
    """A plugin rule type whose score changes from one call to the next."""

    type: Literal["drifting"] = "drifting"
    type_name: ClassVar[str] = "drifting"

    def evaluate(self, ctx, path=""):
        return self._explain(path, float(next(_calls) % 90), "scored", "按调用次数计分")


def _with_rule(rule_cls, **hooks):
    data = mini_data()
    _ind(data, 0, 0)["rule"] = {"type": rule_cls.type_name, "item": "devices_operating"}

    def register_rule_types(register):
        register(rule_cls)

    def register_frameworks(register):
        register(data)

    return plugin(
        register_rule_types=register_rule_types, register_frameworks=register_frameworks, **hooks
    )


def test_indicator_without_explanation_fails():
    problems = check_plugin("silent", plugin=_with_rule(Silent))
    [p] = errors(problems)
    assert p.code == "explanation" and p.indicator == "devices"
    assert "指标 devices（设备）评分后没有计分说明" in str(p)


def test_nondeterministic_scoring_fails():
    problems = check_plugin("drift", plugin=_with_rule(Drifting))
    assert "deterministic" in codes(problems)
    assert any("同一份申报数据评分多次，结果不同" in str(p) for p in problems)


def test_validator_that_crashes_fails():
    def register_validators(register):
        register("mini", lambda view: 1 / 0, items=["devices_operating"], code="boom")

    def register_frameworks(register):
        register(mini_data())

    crashing = plugin(
        register_frameworks=register_frameworks, register_validators=register_validators
    )
    problems = check_plugin("crash", plugin=crashing)
    assert "plugin_code" in codes(problems)
    assert any("校验 boom 出错" in str(p) for p in problems)


# scaffolding ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Hunan-Changsha", "可改为 hunan_changsha"),
        ("长沙", "非英文字符"),
        ("1city", "没有以字母开头"),
        ("class", "Python 保留字"),
        ("", "请给出插件名称"),
        ("hunan_comprehensive", "已经安装了名为 hunan_comprehensive 的插件"),
    ],
)
def test_scaffold_refuses_bad_names(tmp_path, name, text):
    with pytest.raises(ScaffoldError, match=re.escape(text)):
        create(name, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_scaffold_refuses_an_existing_folder_and_leaves_it_alone(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep", encoding="utf-8")
    proc = cli("plugin", "new", "demo_city", "-o", str(target), site=None, cwd=tmp_path)
    assert proc.returncode == 2
    assert "已存在" in proc.stderr and "没有做任何改动" in proc.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]  # no half-written staging folder


def test_scaffold_refuses_an_unknown_parent(tmp_path):
    with pytest.raises(ScaffoldError, match="'hunan_comprehensiv' 未加载"):
        create("demo_city", tmp_path / "x", parent="hunan_comprehensiv")


@pytest.mark.parametrize("parent", [None, "hunan_characteristic"])
def test_scaffold_passes_the_kit_without_installing(tmp_path, parent):
    folder = create("demo_city", tmp_path / "demo", parent=parent)
    mod = load_plugin(folder, "iipeval_demo_city")
    problems = assert_conformant("demo_city", plugin=mod, update_golden=False)
    assert [p.code for p in problems] == ["placeholder"]  # 【待填写】 left for the author
    criteria = (folder / "iipeval_demo_city" / "criteria.toml").read_text("utf-8")
    if parent:
        assert f'extends = "{parent}"' in criteria
        parent_text = (REPO / "plugins" / parent / "criteria.toml").read_text("utf-8")
        description = re.search(r'^description = "(.+)"$', parent_text, re.M).group(1)
        assert description not in criteria  # reused, not copied
        for how in (
            "[weights]",
            "drop_indicators",
            "[[add_indicators]]",
            "[[exclusions]]",
            "[[checks]]",
        ):
            assert how in criteria


# end to end: install with pip into a separate folder, use through the CLI --------------------------


def test_new_plugin_installs_and_works_like_a_builtin(tmp_path):
    before = repo_state()
    site = tmp_path / "site"
    proc = cli("plugin", "new", "demo_city", site=None, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "iipeval-demo-city"
    assert "已生成插件 demo_city" in proc.stdout and folder.is_dir()
    pip_install(site, folder)

    listed = cli("frameworks", "--format", "json", site=site, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert (
        sorted(rows) == sorted([*BUILTIN, "demo_city"])
        and rows["demo_city"]["plugin"] == "demo_city"
    )
    assert listed.stderr == ""  # no plugin problems

    template = tmp_path / "申报表.xlsx"
    made = cli("template", "demo_city", "-o", str(template), site=site, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    criteria = folder / "iipeval_demo_city" / "criteria.toml"
    ev = Evaluator(Host(env={}, plugins=[("demo_city", framework_plugin(criteria))]))
    fw = ev.framework("demo_city").framework
    values = figures(fw)
    fill(template, values)
    scored = cli("score", str(template), "--format", "json", site=site, cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    [result] = json.loads(scored.stdout)["results"]
    direct = ev.score(Application.model_validate(application_json(fw, values)))
    assert result["framework"] == "demo_city" and result["accepted"]
    assert result["secured"] == pytest.approx(direct.secured, abs=1e-9)
    assert {i["id"]: i["score"] for i in result["indicators"]} == pytest.approx(
        {i.id: i.score for i in direct.indicators}
    )

    report_file = tmp_path / "out" / "results.xlsx"
    example = folder / "iipeval_demo_city" / "examples" / "example.json"
    written = cli("score", str(example), "-o", str(report_file), site=site, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert report_file.exists() and report_file.with_suffix(".csv").exists()

    checked = cli("plugin", "check", "demo_city", site=site, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "插件 demo_city 通过插件检查" in checked.stdout

    own = run(
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "tests")],
        site=site,
        cwd=folder,
    )
    assert own.returncode == 0, own.stdout + own.stderr
    assert "2 passed" in own.stdout
    assert repo_state() == before


def test_fixture_plugins_installed_pass_and_fail_the_kit_from_the_cli(tmp_path):
    before = repo_state()
    site = tmp_path / "site"
    province = copy_plugin(PROVINCE, tmp_path)
    broken = copy_plugin(BROKEN, tmp_path)
    points = tmp_path / "points"
    copied = cli("plugin", "example", "points_demo", "-o", str(points), site=None, cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    pip_install(site, province, broken, points)

    for name in ("hunan_changsha", "points_demo"):
        ok = cli("plugin", "check", name, site=site, cwd=tmp_path)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert ok.stdout.splitlines()[0] == f"插件 {name} 通过插件检查。"

    bad = cli("plugin", "check", "broken_demo", site=site, cwd=tmp_path)
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert lines[0] == "插件 broken_demo 未通过插件检查，有 6 个问题需要修改："
    assert all(line.startswith(f"{n}. 插件 broken_demo：") for n, line in enumerate(lines[1:7], 1))

    as_json = cli("plugin", "check", "broken_demo", "--format", "json", site=site, cwd=tmp_path)
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and data["passed"] is False and data["frameworks"] == []
    assert {p["code"] for p in data["problems"]} >= {"weights", "no_rule", "rubric", "hook_name"}

    listed = cli("frameworks", site=site, cwd=tmp_path)
    assert "hunan_changsha" in listed.stdout and "broken_demo" not in listed.stdout
    assert "警告：插件 broken_demo" in listed.stderr

    for folder in (province, points):
        own = run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], site=site, cwd=folder)
        assert own.returncode == 0, own.stdout + own.stderr
        assert "2 passed" in own.stdout
    assert repo_state() == before


def test_a_value_lost_between_workbook_and_reader_is_reported(monkeypatch):
    from iipeval.testing import runtime

    real = runtime.read_workbook

    def lossy(path, ev):
        loaded = real(path, ev)
        loaded.submission.application.items["devices_operating"] = 1
        return loaded

    monkeypatch.setattr(runtime, "read_workbook", lossy)
    problems = check_plugin("hunan_comprehensive")
    assert codes(problems) == {"roundtrip"}
    text = report("hunan_comprehensive", problems)
    assert "数据项 devices_operating（运行设备连接数量）填入" in text and "读回为 1" in text
    assert "与直接按同一组数据评分" in text and "devices" in text
