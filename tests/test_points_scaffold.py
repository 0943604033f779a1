"""``plugin new --points`` and ``plugin example``: a points table to start from, and the
complete examples where a pip user can read them (not only in iipeval's tests/)."""

import json
import re

import pytest
from click.testing import CliRunner
from points_demo import APPLICANTS, HOME
from test_plugin_kit import load_plugin

from iipeval.cli.app import cli
from iipeval.cli.criteria_text import framework_text
from iipeval.core.api import Evaluator
from iipeval.core.host import Host
from iipeval.testing import assert_conformant, check_plugin
from iipeval.testing.lint import PLACEHOLDER
from iipeval.testing.scaffold import ScaffoldError, copy_example, create, example_folder


@pytest.fixture
def points_start(tmp_path):
    folder = create("demo_points", tmp_path / "demo", points=True)
    return folder, load_plugin(folder, "iipeval_demo_points")


def test_the_points_start_passes_the_kit_with_only_its_placeholders_left(points_start):
    _, mod = points_start
    problems = assert_conformant("demo_points", plugin=mod, update_golden=False)
    assert [p.code for p in problems] == ["placeholder"]


def test_the_points_start_has_every_part_of_a_points_table(points_start):
    _, mod = points_start
    host = Host(env={}, plugins=[("demo_points", mod)])
    rf = host.frameworks["demo_points"]
    fw = rf.framework
    assert fw.written_in_points and fw.depth() == 3 and fw.numbering == "continuous"
    assert fw.bonus.cap == 5 and fw.deduction.cap == 10 and fw.total_grades() == []
    assert {e.item for e in fw.exclusions} == {"falsified_materials", "major_safety_incident"}
    [(_, _, expert)] = fw.expert_parts()
    assert [g.name for g in expert.grades] == ["好", "较好", "一般", "差"]
    rules = {i.rule.type for _, i in fw.indicators()}
    assert rules >= {"bands", "per_unit", "checklist", "expert"}
    # the shared yes/no items most provincial tables use
    assert {"security_mlps_level3", "security_third_party_certified"} <= set(fw.item_map())
    assert "data_security_incident" in fw.item_map()
    text = framework_text(fw, rf.plugin, rf.exclusions)
    assert "二、【待填写】部分名称（原文），如 应用成效（40分）\n  （三）服务成效（40分）" in text
    assert "申报材料弄虚作假：申报材料存在弄虚作假填“是”的不予推荐" in text
    assert "近三年发生重大及以上安全生产事故：申报表中填“是”的不予推荐" in text


def test_a_points_start_with_its_text_filled_in_passes_without_a_single_note(points_start):
    folder, _ = points_start
    criteria = folder / "iipeval_demo_points" / "criteria.toml"
    text = criteria.read_text("utf-8")
    text = re.sub(rf'"{PLACEHOLDER}[^"]*"', '"照录原文"', text)
    criteria.write_text(text, "utf-8")
    mod = load_plugin(folder, "iipeval_demo_points")
    assert [str(p) for p in check_plugin("demo_points", plugin=mod, update_golden=True)] == [
        f"（提示）插件 demo_points：已按当前评分结果重写 "
        f"{folder / 'iipeval_demo_points' / 'examples' / 'golden.json'}（1 个示例）。请核对改动后提交。"
    ]
    assert check_plugin("demo_points", plugin=mod, update_golden=False) == []


def test_the_points_starts_golden_keeps_base_bonus_and_deduction(points_start):
    folder, _ = points_start
    golden = json.loads((folder / "iipeval_demo_points" / "examples" / "golden.json").read_text())
    [entry] = golden.values()
    assert {"base", "bonus", "deduction", "points", "adjustments"} <= set(entry)


def test_points_and_from_together_are_refused(tmp_path):
    with pytest.raises(ScaffoldError, match="--points 与 --from 不能同时使用"):
        create("demo_points", tmp_path / "x", parent="national_2023", points=True)
    assert not (tmp_path / "x").exists()


def test_plugin_new_points_from_the_command_line(tmp_path):
    out = tmp_path / "p"
    result = CliRunner().invoke(cli, ["plugin", "new", "demo_points", "--points", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "按分值写的评分表起步模板" in result.output
    assert "points = 60" in (out / "iipeval_demo_points" / "criteria.toml").read_text("utf-8")


# the examples shipped with iipeval ------------------------------------------------------------


def test_the_shipped_points_example_is_where_plugin_example_says(tmp_path):
    assert example_folder("points_demo") == HOME
    listed = CliRunner().invoke(cli, ["plugin", "example"])
    assert listed.exit_code == 0
    assert f"位置：{HOME}" in listed.output
    assert "national_2023/criteria.toml" in listed.output


def test_plugin_example_copies_whole_and_refuses_an_existing_folder(tmp_path, monkeypatch):
    import shutil

    from iipeval.testing import scaffold

    source = tmp_path / "installed"
    shutil.copytree(HOME, source)
    (source / "iipeval_points_demo" / "__pycache__").mkdir(exist_ok=True)
    (source / "iipeval_points_demo" / "__pycache__" / "x.pyc").write_bytes(b"")
    monkeypatch.setattr(scaffold, "example_folder", lambda name: source)
    folder = copy_example("points_demo", tmp_path / "copy")
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert "iipeval_points_demo/criteria.toml" in names and "pyproject.toml" in names
    assert "iipeval_points_demo/examples/golden.json" in names
    assert not [n for n in names if "__pycache__" in n]
    (folder / "README.md").write_text("mine", "utf-8")
    result = CliRunner().invoke(cli, ["plugin", "example", "points_demo", "-o", str(folder)])
    assert result.exit_code == 2 and "已存在" in result.output
    assert (folder / "README.md").read_text("utf-8") == "mine"
    bad = CliRunner().invoke(cli, ["plugin", "example", "nosuch", "-o", str(tmp_path / "n")])
    assert bad.exit_code == 2 and "可选：points_demo、hunan_changsha" in bad.output


def test_the_shipped_points_example_records_the_points_worked_out_by_hand():
    golden = json.loads((HOME / "iipeval_points_demo" / "examples" / "golden.json").read_text())
    files = {
        "（示例）满格科技": "full.json",
        "（示例）中游平台": "middle.json",
        "（示例）起步工场": "starter.json",
    }
    for name, (_, _, expected, bonus, deduction, total) in APPLICANTS.items():
        entry = golden[files[name]]
        assert {k: entry["points"][k] for k in expected} == pytest.approx(expected)
        assert (entry["bonus"], entry["deduction"]) == (bonus, deduction)
        if total is not None:
            assert entry["total"] == total
    assert golden["full.json"]["total"] == pytest.approx(
        59 + 40 + 5 - 10, abs=1e-4
    )  # 18, 19, 20 → 19


def test_the_shipped_points_example_passes_the_kit_with_its_examples():
    from points_demo import points_module

    ev_host = Host(entry_points=False, plugins=[("points_demo", points_module())])
    assert "points_demo" in Evaluator(ev_host).host.frameworks
    problems = check_plugin("points_demo", plugin=points_module(), update_golden=False)
    assert [str(p) for p in problems] == []
