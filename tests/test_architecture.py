"""The house keeps its shape: no module cycles, no import up a layer or across to a sibling
room, plugins that import only ``iipeval.plugin``, functions that fit on a screen, and a
map (README tour, docs/architecture.md) that names every room."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import architecture
import pytest

REPO = Path(__file__).resolve().parents[1]

#: Functions still longer than a screen, to be split; the list only shrinks. A function that
#: must stay long says why in its docstring ("long because ...") instead of being listed.
PENDING_SPLITS = {}


@pytest.fixture(scope="module")
def graph() -> architecture.Graph:
    return architecture.graph(REPO)


def test_no_module_imports_itself_through_others(graph):
    assert architecture.cycles(graph) == []


def test_no_import_runs_up_a_layer_or_across_to_a_sibling_room(graph):
    assert architecture.violations(graph) == []


def test_every_module_is_in_a_room_and_every_room_has_modules(graph):
    rooms = {architecture.room(m)[1] for m in graph.modules}  # raises for a homeless module
    declared = {r for layer in architecture.LAYERS for r in layer}
    assert declared - rooms == set()


def _copy_tree(tmp_path: Path) -> Path:
    for folder in architecture.PACKAGES:
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc"))
    return tmp_path


def _plant(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_check_names_a_planted_cycle_an_upward_import_and_a_plugin_reaching_in(tmp_path):
    root = _copy_tree(tmp_path)
    _plant(root / "core" / "text.py", "def _late():\n    from iipeval.core import findings")
    _plant(root / "core" / "model" / "criteria.py", "from iipeval.core.analysis import ahp")
    _plant(root / "excel" / "review" / "reader.py", "from iipeval.excel.application import meta")
    _plant(root / "plugins" / "national_2023" / "__init__.py", "from iipeval.core import text")
    g = architecture.graph(root)
    assert ["iipeval.core.findings", "iipeval.core.text"] in architecture.cycles(g)
    found = "\n".join(architecture.violations(g))
    assert "iipeval.core.model.criteria → iipeval.core.analysis.ahp: runs up" in found
    assert "iipeval.excel.review.reader → iipeval.excel.application.meta" in found
    assert "are siblings" in found
    assert "iipeval.plugins.national_2023 → iipeval.core.text: a plugin imports only" in found


def _docstring(name: str) -> str:
    module, _, function = name.partition(":")
    path = architecture.modules_of(REPO)[module]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            return ast.get_docstring(node) or ""
    return ""


def test_every_function_fits_on_a_screen_or_says_why_not():
    long = architecture.long_functions(REPO)
    unexplained = {
        name
        for name in long
        if name not in PENDING_SPLITS and "long because" not in _docstring(name).lower()
    }
    assert unexplained == set()
    assert set(PENDING_SPLITS) - set(long) == set(), "split: take it off PENDING_SPLITS"


def test_the_map_names_every_room_and_every_path_it_names_exists():
    tour = (REPO / "README.md").read_text(encoding="utf-8")
    tour = tour[tour.index("## Architecture tour") :]
    guide = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    leaves = {r.rpartition(".")[2] for layer in architecture.LAYERS for r in layer}
    for text in (tour, guide):
        assert {leaf for leaf in leaves if not re.search(rf"\b{leaf}(/|\.py)", text)} == set()
    named = set()
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        named |= set(
            re.findall(r"\b(?:core|excel|cli|reports|present|testing|addin)/[\w/]*\.py\b", text)
        )
    assert {p for p in named if not (REPO / p).exists()} == set()
