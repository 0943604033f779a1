"""``iipeval items``: the shared data items an author references instead of redefining."""

import json

from click.testing import CliRunner

from iipeval.cli.main import cli
from iipeval.core.model.vocabulary import vocabulary


def run(*args, code=0):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_items_lists_every_shared_item_with_label_type_unit_and_help():
    rows = json.loads(run("items", "--format", "json"))
    assert [r["id"] for r in rows] == list(vocabulary())
    devices = rows[0]
    assert devices["label"] == "运行设备连接数量" and devices["unit"] == "台（套）"
    assert devices["type"] == "integer" and devices["help"] and devices["shared"]


def test_items_of_one_set_are_only_what_it_uses():
    rows = json.loads(run("items", "--framework", "hunan_professional", "--format", "json"))
    ids = {r["id"] for r in rows}
    assert "devices_operating" in ids and "overseas_revenue" not in ids


def test_items_text_shows_the_filling_rule():
    out = run("items")
    assert "运行设备连接数量" in out and "填报口径：" in out
    assert f"共 {len(vocabulary())} 个" in out


def test_items_unknown_set_is_a_usage_error():
    assert "nope" in run("items", "--framework", "nope", code=2)
