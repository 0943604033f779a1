"""Inventory of every Chinese text a user reads, with file:line, for a reader to go through.

Python sources are read with ``ast``: every string constant and f-string that holds a CJK
character (an f-string is shown with ``{…}`` where a value goes). Docstrings are skipped
except in ``cli/`` (a command's docstring is its help line) and comments are never strings.
TOML criteria and the vocabulary contribute the texts iipeval wrote (labels, rationales,
help, check messages, rubrics); the names, requirements, descriptions and aspects quoted
from the source documents are verbatim and are left out, because they are never reworded.

    python scripts/messages.py            # file:line<TAB>text, one a line
    python scripts/messages.py --count    # how many, per file
    python scripts/messages.py --json     # [{"file", "line", "kind", "text"}]
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
TOML_FILES = ("core/vocabulary.toml", "plugins/*/criteria.toml")
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


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    ids.add(id(body[0].value))
    return ids


def python_messages(path: Path) -> list[Message]:
    rel = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    docstrings = _docstring_nodes(tree)
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
                if not rel.startswith("cli/"):
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
        holders = [i for i, line in enumerate(lines, 1) if json.dumps(text, ensure_ascii=False) in line]
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", action="store_true", help="counts per file")
    parser.add_argument("--json", action="store_true", help="JSON list")
    args = parser.parse_args(argv)
    found = inventory()
    if args.json:
        json.dump([asdict(m) for m in found], sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.count:
        for file, n in sorted(Counter(m.file for m in found).items()):
            print(f"{n:5d}  {file}")
        print(f"{len(found):5d}  total")
    else:
        for m in found:
            print(f"{m.file}:{m.line}\t{m.text!r}" if "\n" in m.text else f"{m.file}:{m.line}\t{m.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
