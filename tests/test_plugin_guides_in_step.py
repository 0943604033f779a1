"""The English plugin guide keeps step with the Chinese one: every table row, every section.

The Chinese guide is the one provincial authors read; the English one is for whoever
maintains iipeval. A row added to one and not the other (a new setting, a new rule type)
leaves one reader guessing, so each table's rows are matched by the settings they name.
"""

import re

from support import REPO

DOCS = REPO / "docs"


def tables(text: str) -> list[list[tuple[str, ...]]]:
    """Each Markdown table as its rows; a row is named by the `code` in its first cell that
    has any (the setting, rule type, hook or example it describes)."""
    out, current = [], []
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("|"):
            if current:
                out.append(current)
                current = []
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(set(c) <= set("-: ") for c in cells):
            continue  # the separator row
        named = next((re.findall(r"`([^`]+)`", c) for c in cells if "`" in c), [])
        current.append(tuple(named))
    if current:
        out.append(current)
    return out


def sections(text: str) -> list[str]:
    return re.findall(r"^## (\d+)\.", text, re.M)


def guides() -> tuple[str, str]:
    return (
        (DOCS / "plugin-guide.zh.md").read_text("utf-8"),
        (DOCS / "plugin-guide.en.md").read_text("utf-8"),
    )


def test_every_table_row_of_the_chinese_guide_is_in_the_english_one():
    zh, en = guides()
    zh_tables, en_tables = tables(zh), tables(en)
    assert len(zh_tables) == len(en_tables)
    for zh_rows, en_rows in zip(zh_tables, en_tables, strict=True):
        assert zh_rows[1:] == en_rows[1:]  # the header row names no setting


def test_the_two_guides_have_the_same_numbered_sections():
    zh, en = guides()
    assert sections(zh) == sections(en) == [str(n) for n in range(9)]


def test_a_row_missing_from_one_guide_is_caught():
    zh, en = guides()
    row = next(line for line in en.splitlines() if line.startswith("| `sum`"))
    broken = en.replace(row + "\n", "")
    assert tables(zh) != tables(broken)


def test_neither_guide_sends_authors_into_iipeval_tests_or_source():
    for text in guides():
        assert "tests/fixtures" not in text and "vocabulary.toml" not in text
        assert "iipeval plugin example" in text and "--points" in text
