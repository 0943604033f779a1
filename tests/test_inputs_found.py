"""Which files a folder given as input stands for: what ``rglob`` would find, in its order.

``cli.inputs.expand`` walks folders itself so that a folder of 20,000 applications does not
hold ``rglob``'s set of every path it found (issue 29: the parent's memory); what it finds
must not change, down to the order and the links.
"""

from __future__ import annotations

import os

from iipeval.cli import inputs
from iipeval.core.panel import RECORD_NAME
from iipeval.present.atomic import TEMP_PREFIX


def as_rglob_finds(folder):
    return [f for f in sorted(folder.rglob("*")) if inputs._wanted(f)]


def tricky_tree(root):
    """Nested folders whose names sort differently as text and as paths, hidden files and
    folders, links to files and to folders (listed, never entered), upper-case suffixes,
    a folder named like an application, and the files a run must pass over."""
    for rel in [
        "a.json",
        "a-b/c.json",
        "a/b.json",
        "a/b/深处/申报.XLSX",
        ".hidden/x.json",
        ".y.json",
        "b/readme.txt",
        "b/~$open.xlsx",
        f"b/{TEMP_PREFIX}half.json",
        f"b/{RECORD_NAME}",
        "c/Z.Json",
    ]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    (root / "d.json").mkdir()  # a folder named like an application: listed, as rglob does
    (root / "d.json" / "inner.json").write_text("{}", encoding="utf-8")
    os.symlink(root / "a", root / "link-to-folder")
    os.symlink(root / "a.json", root / "link-to-file.json")
    os.symlink(root / "missing.json", root / "dangling.json")
    return root


def test_a_folder_stands_for_what_rglob_finds_in_its_order(tmp_path):
    root = tricky_tree(tmp_path / "submitted")
    found = inputs.expand([str(root)])
    assert found == as_rglob_finds(root)
    names = {p.relative_to(root).as_posix() for p in found}
    assert "link-to-folder/b.json" not in names  # a link to a folder is not entered
    assert {"link-to-file.json", "dangling.json", "d.json", "d.json/inner.json"} <= names
    assert not any(n.endswith((".txt", RECORD_NAME)) or "~$" in n for n in names)


def test_a_folder_given_with_a_trailing_slash_or_relative_finds_the_same(tmp_path, monkeypatch):
    root = tricky_tree(tmp_path / "submitted")
    monkeypatch.chdir(tmp_path)
    assert inputs.expand(["submitted/"]) == as_rglob_finds(type(root)("submitted"))
