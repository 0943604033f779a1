"""The layer contract, read from the source: every import (module level, call time, type
checking) as an edge, the rooms and their order, and what breaks the contract.

``docs/architecture.md`` draws the same rooms; :data:`LAYERS` is the one place they are
written down for a machine.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: top-level folder → installed package (``[tool.setuptools.package-dir]``)
PACKAGES = {
    "core": "iipeval.core",
    "plugin": "iipeval.plugin",
    "plugins": "iipeval.plugins",
    "present": "iipeval.present",
    "excel": "iipeval.excel",
    "reports": "iipeval.reports",
    "testing": "iipeval.testing",
    "cli": "iipeval.cli",
    "addin": "iipeval.addin",
}

#: Rooms from the bottom up. A module belongs to the room with the longest matching
#: prefix; it may import its own room and any room of a lower layer, never a room of its
#: own layer (siblings stay independent) or a higher one.
LAYERS: list[list[str]] = [
    [
        "iipeval.core",  # the foundation: errors, findings, text, explain, hookspecs, quiet
    ],
    ["iipeval.core.rules"],
    ["iipeval.core.model"],
    ["iipeval.core.scoring", "iipeval.core.voice"],
    ["iipeval.core.intake"],
    ["iipeval.core.host"],
    ["iipeval.core.api"],
    ["iipeval.core.panel"],
    ["iipeval.core.round"],
    ["iipeval.core.analysis"],
    ["iipeval.plugin", "iipeval.present"],
    ["iipeval.excel.cells"],
    [
        "iipeval.excel.application",
        "iipeval.excel.review",
        "iipeval.excel.questionnaire",
        "iipeval.excel.verification",
        "iipeval.reports",
    ],
    ["iipeval.excel"],
    ["iipeval.testing"],
    ["iipeval.cli", "iipeval.addin"],
    ["iipeval.plugins"],  # imports iipeval.plugin and nothing else of iipeval
]

#: Workbooks already issued name these modules; each is one line that re-exports the add-in.
ALLOWED = {
    ("iipeval.excel.udfs", "iipeval.addin.udfs"),
    ("iipeval.excel.macros", "iipeval.addin.macros"),
}


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def modules_of(root: Path, packages: dict[str, str] = PACKAGES) -> dict[str, Path]:
    out = {}
    for folder, package in packages.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = path.relative_to(root / folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            out[".".join([package, *parts])] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imported(tree: ast.AST, name: str, is_package: bool) -> Iterator[str]:
    """Every dotted name an import statement anywhere in the module reaches."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")[: None if is_package else -1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            yield from (f"{base}.{a.name}" for a in node.names)


def graph(root: Path, packages: dict[str, str] = PACKAGES) -> Graph:
    g = Graph(modules_of(root, packages))
    for name, path in g.modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in _imported(tree, name, path.name == "__init__.py"):
            found = _resolve(target, g.modules)
            if found and found != name:
                g.edges[name].add(found)
    return g


def cycles(g: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(g.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(g.edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(g.edges[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def room(module: str, layers: list[list[str]] = LAYERS) -> tuple[int, str]:
    """(layer, room) of a module: the longest room name it starts with."""
    best = (-1, "")
    for level, rooms in enumerate(layers):
        for r in rooms:
            if (module == r or module.startswith(r + ".")) and len(r) > len(best[1]):
                best = (level, r)
    if best[0] < 0:
        raise ValueError(f"{module} is in no room of the layer contract")
    return best


def violations(g: Graph, layers: list[list[str]] = LAYERS, allowed=ALLOWED) -> list[str]:
    """Every import that runs up a layer or across to a sibling room, and every import by
    a criteria-set plugin of anything in iipeval but ``iipeval.plugin``."""
    out = []
    for a in sorted(g.edges):
        (la, ra) = room(a, layers)
        for b in sorted(g.edges[a]):
            (lb, rb) = room(b, layers)
            if (a, b) in allowed or ra == rb:
                continue
            if ra == "iipeval.plugins":
                if b != "iipeval.plugin":
                    out.append(f"{a} → {b}: a plugin imports only iipeval.plugin")
            elif lb > la:
                out.append(f"{a} → {b}: runs up from {ra} to {rb}")
            elif lb == la:
                out.append(f"{a} → {b}: {ra} and {rb} are siblings and stay independent")
    return out


def long_functions(root: Path, limit: int = 60) -> dict[str, int]:
    """``module:function`` → lines, for every function longer than ``limit`` lines."""
    out = {}
    for name, path in modules_of(root).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    out[f"{name}:{node.name}"] = lines
    return out
