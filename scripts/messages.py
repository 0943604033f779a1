"""Inventory of every Chinese text a user reads, with file:line, for a reader to go through.

Python sources are read with ``ast``: every string constant and f-string that holds a CJK
character (an f-string is shown with ``{…}`` where a value goes). Docstrings are skipped
except a decorated function's in ``cli/`` (a command's docstring is its help) and comments are never strings.
TOML criteria and the vocabulary contribute the texts iipeval wrote (labels, rationales,
help, check messages, rubrics); the names, requirements, descriptions and aspects quoted
from the source documents are verbatim and are left out, because they are never reworded.

    python scripts/messages.py            # file:line<TAB>text, one a line
    python scripts/messages.py --count    # how many, per file
    python scripts/messages.py --json     # [{"file", "line", "kind", "text"}]
    python scripts/messages.py --check    # the messages a machine can tell read wrong
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY_DIRS = ("core", "cli", "excel", "reports", "present", "plugins", "plugin", "testing")
TOML_FILES = ("core/model/vocabulary.toml", "plugins/*/criteria.toml")
# Keys whose text is quoted from the source documents (DOMAIN.md: kept verbatim).
VERBATIM_KEYS = {"name", "requirement", "description", "intro", "aspect", "document", "issuer"}
# Keys that hold ids, formulas or file names, not prose.
NOT_PROSE_KEYS = {"id", "type", "kind", "file", "left", "right", "item", "numerator", "denominator"}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
HOLE = "{…}"


@dataclass(frozen=True)
class Message:
    file: str
    line: int
    kind: str  # "str", "f-string", "help" (cli docstring), "toml:<key>"
    text: str


def _fstring_text(node: ast.JoinedStr) -> str:
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value)
        else:
            parts.append(HOLE)
    return "".join(parts)


def _docstring_nodes(tree: ast.AST) -> tuple[set[int], set[int]]:
    """(every docstring, the docstrings of decorated functions: a command's help)."""
    ids, helps = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            doc = first.value if isinstance(first, ast.Expr) else None
            if isinstance(doc, ast.Constant) and isinstance(doc.value, str):
                ids.add(id(doc))
                if getattr(node, "decorator_list", None):
                    helps.add(id(doc))
    return ids, helps


def python_messages(path: Path) -> list[Message]:
    rel = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    docstrings, helps = _docstring_nodes(tree)
    inside_fstring = {
        id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text, kind = _fstring_text(node), "f-string"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in inside_fstring:
                continue
            text, kind = node.value, "str"
            if id(node) in docstrings:
                if not (rel.startswith("cli/") and id(node) in helps):
                    continue
                kind = "help"
        else:
            continue
        if CJK.search(text):
            found.append(Message(rel, node.lineno, kind, text))
    return found


def _toml_strings(data, key=""):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _toml_strings(v, k)
    elif isinstance(data, list):
        for v in data:
            yield from _toml_strings(v, key)
    elif isinstance(data, str):
        yield key, data


def toml_messages(path: Path) -> list[Message]:
    rel = path.relative_to(ROOT).as_posix()
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found, seen = [], Counter()
    for key, text in _toml_strings(tomllib.loads(source)):
        if key in VERBATIM_KEYS or key in NOT_PROSE_KEYS or not CJK.search(text):
            continue
        # the n-th occurrence of this text is the n-th line that holds it
        holders = [
            i for i, line in enumerate(lines, 1) if json.dumps(text, ensure_ascii=False) in line
        ]
        nth = seen[text]
        seen[text] += 1
        line = holders[nth] if nth < len(holders) else (holders[-1] if holders else 0)
        found.append(Message(rel, line, f"toml:{key}", text))
    return found


def inventory(root: Path = ROOT) -> list[Message]:
    """Every user-facing Chinese text, in file order."""
    found = []
    for folder in PY_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            found += python_messages(path)
    for pattern in TOML_FILES:
        for path in sorted(root.glob(pattern)):
            found += toml_messages(path)
    return sorted(set(found), key=lambda m: (m.file, m.line, m.text))


# --- what a machine can check ---------------------------------------------------------

HAN = "\u4e00-\u9fff"
#: ASCII punctuation touching a Chinese character: Chinese sentences take full-width marks.
ASCII_PUNCT = re.compile(f"[{HAN}][,;:()?!]|[,;:()?!][{HAN}]")
#: what may legitimately hold ASCII punctuation next to Chinese: a sheet!cell reference, an
#: Excel formula, a JSON or TOML snippet in quotes
NOT_PROSE = (
    re.compile(r"[^\s!“”（）：，；]+!\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?"),
    re.compile(r"=[A-Z_]+\(.*\)"),
    re.compile(r'"[^"]*"'),
)
#: "X（X…" or "X（…X）": a term explained by itself
ECHO = re.compile(f"([{HAN}]{{4,}})（[^（）]*\\1")
#: "评分评分": the same word twice in a row
DOUBLED = re.compile(f"([{HAN}]{{2,}})\\1")
#: one term per concept: the variant users must not meet → the term DOMAIN.md and the
#: documents use
FORBIDDEN = {
    "申报书": "申报表",
    "评审专家": "专家",
    "打分": "评分",
    "不认识": "无法识别",
    "要求修改": "要求补正",
    "修改要求": "补正要求",
    "符合性检查": "插件检查（符合性审查是对申报的审查）",
    "参数指纹": "参数哈希",
    "「": "“",
    "」": "”",
}
#: (file, text) an inventory entry that is code, not a sentence: a regular expression, a
#: data-validation list, a code example shown to a plugin author
CODE = {
    ("reports/results_workbook.py", "(股份有限公司|有限责任公司|有限公司|集团|公司)$"),
    ("excel/verification/sheet.py", '"是,否,不适用"'),
    ("core/scoring/params.py", r"拟[\u4e00-\u9fff]{1,6}?名单"),
    ("reports/publication.py", "(?<=[、，）])|(?<=平台)|(?=拟)|(?=关于)"),
}


def problems(text: str) -> list[str]:
    """What reads wrong in one message: each problem as a short Chinese-free label."""
    found = []
    prose = text
    for pattern in NOT_PROSE:
        prose = pattern.sub(" ", prose)
    if m := ASCII_PUNCT.search(prose):
        found.append(f"ascii punctuation {m.group()!r}")
    if m := ECHO.search(text):
        found.append(f"echo {m.group()!r}")
    if m := DOUBLED.search(text):
        found.append(f"doubled {m.group()!r}")
    found += [f"variant {bad!r} (use {good})" for bad, good in FORBIDDEN.items() if bad in text]
    return found


def inventory_problems(found: list[Message] | None = None) -> list[str]:
    """``file:line: problem: text`` for every inventoried message that reads wrong."""
    out = []
    for m in inventory() if found is None else found:
        if (m.file, m.text) in CODE or m.text.lstrip().startswith("="):
            continue
        out += [f"{m.file}:{m.line}: {p}: {m.text[:80]}" for p in problems(m.text)]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", action="store_true", help="counts per file")
    parser.add_argument("--json", action="store_true", help="JSON list")
    parser.add_argument("--check", action="store_true", help="only the messages that read wrong")
    args = parser.parse_args(argv)
    found = inventory()
    if args.check:
        bad = inventory_problems(found)
        print("\n".join(bad) or f"{len(found)} messages, none reads wrong")
        return 1 if bad else 0
    if args.json:
        json.dump([asdict(m) for m in found], sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.count:
        for file, n in sorted(Counter(m.file for m in found).items()):
            print(f"{n:5d}  {file}")
        print(f"{len(found):5d}  total")
    else:
        for m in found:
            print(
                f"{m.file}:{m.line}\t{m.text!r}"
                if "\n" in m.text
                else f"{m.file}:{m.line}\t{m.text}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
