"""Parameters files: overrides move scores as expected and are recorded by hash."""

import pytest
from support import application, mini_evaluator, reviews

from iipeval.core.scoring.params import ParamsError, load_parameters


def write(tmp_path, text):
    p = tmp_path / "params.toml"
    p.write_text(text, "utf-8")
    return p


def test_changing_one_weight_moves_the_total_by_the_expected_amount(tmp_path):
    app = application(devices_operating=960)  # devices 100 points, breadth 50
    base = mini_evaluator().score(app, reviews(80, 90))
    params = load_parameters(write(tmp_path, "[frameworks.mini.weights]\ndevices = 45\n"))
    ev = mini_evaluator(params)
    moved = ev.score(app, reviews(80, 90))
    # dimension a keeps 60 points; devices' share becomes 45/75 → 36 points, breadth 24
    assert base.total == pytest.approx(30 + 15 + 16.875 + 7.5)
    assert moved.total - base.total == pytest.approx(36 * 1.0 + 24 * 0.5 - (30 + 15))
    assert moved.provenance.parameters_hash != base.provenance.parameters_hash
    assert ev.parameters_of(moved)["weights"]["indicators"]["devices"] == pytest.approx(36)
    assert moved.provenance.parameters_file == str(tmp_path / "params.toml")
    assert any("折算" in n for n in moved.provenance.notices)


def test_rule_parameter_override(tmp_path):
    params = load_parameters(
        write(tmp_path, "[frameworks.mini.rules]\ndevices = { benchmark = 100 }\n")
    )
    ev = mini_evaluator(params)
    r = ev.score(application(), reviews(80))
    assert r.indicators[0].score == 100
    assert ev.parameters_of(r)["rules"]["devices"]["benchmark"] == 100


def test_component_override_and_aggregation(tmp_path):
    params = load_parameters(
        write(
            tmp_path,
            """
[aggregation]
trim_min_experts = 3
[frameworks.mini.rules]
"tech.devs" = { target = 20 }
""",
        )
    )
    r = mini_evaluator(params).score(application(), reviews(10, 80, 90))
    tech = next(i for i in r.indicators if i.id == "tech")
    assert tech.score == pytest.approx(0.5 * 80 + 0.5 * 100)


def test_hash_is_stable_and_default_params_hash_the_same():
    a = mini_evaluator().score(application(), reviews(80)).provenance.parameters_hash
    b = mini_evaluator().score(application(), reviews(80)).provenance.parameters_hash
    assert a == b and a.startswith("sha256:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[frameworks.mini.weights]\nnope = 3\n", "没有 id 为 'nope'"),
        ("[frameworks.mini.weights]\ndevices = -3\n", "权重必须是正数"),
        ("[frameworks.mini.rules]\ndevices = { colour = 1 }\n", "不可调整"),
        ("[frameworks.mini.rules]\ndevices = { benchmark = 1 }\n", "benchmark"),
        ('[frameworks.mini.rules]\n"tech.nope" = { weight = 1 }\n', "没有 id 为 'nope' 的组成部分"),
        ("[aggregation]\ntrim_min_experts = 2\n", "trim_min_experts"),
        ("[aggregaton]\n", "无法识别的参数名"),
    ],
)
def test_invalid_overrides_name_the_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ParamsError) as err:
        mini_evaluator(load_parameters(path)).score(application(), reviews(80))
    assert str(path) in str(err.value) and message in str(err.value)


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="TOML 格式错误"):
        load_parameters(write(tmp_path, "weights = [\n"))
    with pytest.raises(ParamsError, match="无法读取"):
        load_parameters(tmp_path / "absent.toml")


def test_parameters_in_parts_merge_and_a_key_set_twice_names_both_files(tmp_path):
    from iipeval.core.scoring.params import ParamsError, load_parameter_parts

    weights = tmp_path / "weights.toml"
    weights.write_text("[frameworks.national_2023.weights]\ndevices = 8\n", encoding="utf-8")
    quotas = tmp_path / "quotas.toml"
    quotas.write_text("[ranking]\nquota = 2\n[frameworks.national_2023.ranking]\nreserve = 1\n")
    both = load_parameter_parts([weights, quotas])
    assert both.frameworks["national_2023"].weights == {"devices": 8}
    assert both.ranking.quota == 2 and both.frameworks["national_2023"].ranking == {"reserve": 1}
    again = tmp_path / "again.toml"
    again.write_text("[frameworks.national_2023.weights]\ndevices = 9\n", encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_parameter_parts([weights, quotas, again])
    assert "[frameworks.national_2023.weights.devices]" in str(exc.value)
    assert str(weights) in str(exc.value) and str(again) in str(exc.value)
